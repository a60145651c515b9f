package permits

import (
	"strings"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/rules"
	"github.com/opencites/opencites/species"
)

// Species returns the species reference in force.
func (s *Service) Species() *species.Reference { return s.listings.Current() }

// Guidance is what an officer needs beside the verdict: for each species on
// the permit, how it is listed now and was at issue, how to recognise it and
// what smugglers do with it; and which documents the shipment must also
// carry.
type Guidance struct {
	Species   []SpeciesGuidance
	Documents []rules.Document // documents the shipment needs besides the one presented
	Reasons   []rules.Reason
}

// SpeciesGuidance is the guidance for one specimen line.
type SpeciesGuidance struct {
	Line           string
	Taxon          species.Taxon
	AtIssue        species.Listing // as recorded on the permit
	Now            species.Listing
	ListingChanged bool
	// OutOfRange is the line's mark of wild specimens from outside the
	// taxon's range, confirmed at issue.
	OutOfRange bool
}

// Guide builds the guidance for a permit checked in a direction ("export"
// or "import"; "" for the document's own side). The answer for a
// registry permit is shared by every scan of it: read it, never change it.
func (s *Service) Guide(p *Permit, direction string) *Guidance {
	if p == nil {
		return nil
	}
	dt, _ := opencites.DocTypeByName(p.Type)
	if direction == "" {
		direction = rules.Export
		if dt.ImportSide {
			direction = rules.Import
		}
	}
	ref := s.Species()
	// Guidance depends on what the lines are, where they go and why, not on
	// which permit carries them: permits of one species and route share it,
	// so a scan of a permit never seen before usually finds it built (and
	// encoded, api.renderedGuidance) already.
	key := guideKey(p, direction)
	if e, ok := s.guides.Get(key); ok && e.ref == ref {
		return e.g
	}
	g := s.guide(ref, p, direction)
	s.guides.Put(key, &guideEntry{ref, g})
	return g
}

// guideKey is everything guidance is drawn from.
func guideKey(p *Permit, direction string) string {
	var b strings.Builder
	b.WriteString(direction)
	for _, f := range []string{p.Type, p.Purpose, p.Exporter.Country, p.Importer.Country} {
		b.WriteByte(0)
		b.WriteString(f)
	}
	for _, l := range p.Lines {
		for _, f := range []string{l.Line, l.Taxon, l.Appendix, l.ListedAs, l.OriginCountry, l.Source, l.Term} {
			b.WriteByte(0)
			b.WriteString(f)
		}
		if l.OutOfRange {
			b.WriteString("\x00R")
		}
	}
	return b.String()
}

// guideEntry caches guidance for as long as the species reference it was
// drawn from is the current one: the listing lookups were a visible share
// of every scan's cost (docs/benchmarks.md).
type guideEntry struct {
	ref *species.Reference
	g   *Guidance
}

func (s *Service) guide(ref *species.Reference, p *Permit, direction string) *Guidance {
	g := &Guidance{}
	seenDoc := map[string]bool{p.Type: true}
	seenReason := map[string]bool{}
	for _, l := range p.Lines {
		origin := l.OriginCountry
		if origin == "" {
			origin = p.Exporter.Country
		}
		sg := SpeciesGuidance{Line: l.Line, AtIssue: species.Listing{Appendix: l.Appendix, ListedAs: l.ListedAs}, OutOfRange: l.OutOfRange}
		now, err := ref.ListingFor(l.Taxon, origin)
		if err == nil {
			sg.Taxon, sg.Now = now.Taxon, now
			sg.ListingChanged = now.Appendix != l.Appendix
		} else if t, lerr := ref.Lookup(l.Taxon); lerr == nil {
			sg.Taxon = t // its names, hints and range, though the listing now depends on more than the line says
		} else {
			sg.Taxon = species.Taxon{Name: l.Taxon}
		}
		g.Species = append(g.Species, sg)
		if err != nil {
			continue
		}
		r := rules.Required(rules.Shipment{Appendix: now.Appendix, NotListed: now.NotListed, ListedAs: now.ListedAs,
			Direction: direction, Purpose: p.Purpose, Source: l.Source, Term: l.Term, From: p.Exporter.Country, To: p.Importer.Country})
		for _, d := range r.Documents {
			if !seenDoc[d.Type] {
				seenDoc[d.Type] = true
				g.Documents = append(g.Documents, d)
			}
		}
		for _, rs := range r.Reasons {
			if !seenReason[rs.Code] {
				seenReason[rs.Code] = true
				g.Reasons = append(g.Reasons, rs)
			}
		}
	}
	return g
}

// guideCost counts a guidance value's size in its cache.
func guideCost(key string, e *guideEntry) int {
	n := 200 + len(key)
	for _, sg := range e.g.Species {
		n += 600 + len(sg.Line) // the taxon's names and texts are shared with the species reference
	}
	return n + 100*len(e.g.Documents)
}
