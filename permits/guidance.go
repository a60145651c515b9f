package permits

import (
	"errors"
	"strings"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/rules"
	"github.com/opencites/opencites/species"
)

// Species returns the species reference in force.
func (s *Service) Species() *species.Reference { return s.speciesRef.Load() }

// SpeciesMatch is a search result with the listing that applies today.
type SpeciesMatch struct {
	Taxon       species.Taxon
	Listing     species.Listing
	Score       float64
	MatchedName string
}

// SearchSpecies finds taxa by scientific name, synonym or common name in
// any of the three languages, forgiving case, diacritics and small typos.
// Errors: query_required, field_too_long.
func (s *Service) SearchSpecies(q string, limit int) ([]SpeciesMatch, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, opencites.Invalid("query_required", "give a name to search for: q=")
	}
	if err := checkLen("q", q, 100); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 50 {
		limit = 10
	}
	out := []SpeciesMatch{}
	for _, m := range s.Species().Search(q, limit) {
		l, err := s.Species().ListingFor(m.Taxon.Name, "")
		if err != nil && !errors.Is(err, species.ErrNotFound) {
			return nil, opencites.Internal("species listing", err)
		}
		out = append(out, SpeciesMatch{Taxon: m.Taxon, Listing: l, Score: m.Score, MatchedName: m.MatchedName})
	}
	return out, nil
}

// SpeciesByID returns one taxon and its listing. Errors: species_not_found.
func (s *Service) SpeciesByID(id string) (species.Taxon, species.Listing, error) {
	t, err := s.Species().Get(id)
	if err != nil {
		return species.Taxon{}, species.Listing{}, opencites.Errorf(opencites.KindNotFound, "species_not_found", "no taxon %q in the species reference", id)
	}
	l, err := s.Species().ListingFor(t.Name, "")
	if err != nil && !errors.Is(err, species.ErrNotFound) {
		return species.Taxon{}, species.Listing{}, opencites.Internal("species listing", err)
	}
	return t, l, nil
}

// RequirementsQuery asks what a shipment needs.
type RequirementsQuery struct {
	Taxon     string
	Direction string
	Purpose   string
	Source    string
	Term      string
	From, To  string
}

// Requirements is the answer: the listing that applies and the rules.
type Requirements struct {
	Listing     species.Listing
	Requirement rules.Requirement
}

// Requirements answers which documents a shipment needs under the
// Convention, with the same function the issuing rules use.
// Errors: taxon_required, unknown_taxon, invalid_direction, invalid_purpose,
// invalid_source, invalid_term, invalid_country.
func (s *Service) Requirements(q RequirementsQuery) (*Requirements, error) {
	q.Purpose = strings.ToUpper(strings.TrimSpace(q.Purpose))
	q.Source = strings.ToUpper(strings.TrimSpace(q.Source))
	q.Term = strings.ToUpper(strings.TrimSpace(q.Term))
	q.From = strings.ToUpper(strings.TrimSpace(q.From))
	q.To = strings.ToUpper(strings.TrimSpace(q.To))
	switch {
	case strings.TrimSpace(q.Taxon) == "":
		return nil, opencites.Invalid("taxon_required", "name the taxon: taxon=")
	case q.Direction != rules.Export && q.Direction != rules.Import && q.Direction != rules.ReExport && q.Direction != rules.IntroductionFromSea:
		return nil, opencites.Invalid("invalid_direction", "direction must be export, import, re-export or introduction-from-sea")
	case q.Purpose != "" && Purposes[q.Purpose] == "":
		return nil, opencites.Invalid("invalid_purpose", "purpose %q is not a CITES purpose code", q.Purpose)
	case q.Source != "" && !validSource(q.Source):
		return nil, opencites.Invalid("invalid_source", "source %q is not a CITES source code", q.Source)
	case q.Term != "" && Terms[q.Term] == "":
		return nil, opencites.Invalid("invalid_term", "term %q is not a CITES specimen code", q.Term)
	case q.From != "" && !ValidCountry(q.From), q.To != "" && !ValidCountry(q.To):
		return nil, opencites.Invalid("invalid_country", "from and to are ISO 3166 alpha-2 codes")
	}
	if err := checkLen("taxon", q.Taxon, 120); err != nil {
		return nil, err
	}
	l, err := s.Species().ListingFor(q.Taxon, q.From)
	if errors.Is(err, species.ErrNotFound) {
		return nil, opencites.Invalid("unknown_taxon", "taxon %q is not in the species reference", q.Taxon)
	}
	if err != nil {
		return nil, opencites.Internal("species listing", err)
	}
	sh := rules.Shipment{Appendix: l.Appendix, NotListed: l.NotListed, ListedAs: l.ListedAs, Direction: q.Direction,
		Purpose: q.Purpose, Source: q.Source, Term: q.Term, From: q.From, To: q.To}
	if zq, ok := l.ZeroQuota(q.Source, q.Purpose); ok {
		sh.ZeroQuota, sh.ZeroQuotaNote = true, zq.Note
	}
	return &Requirements{Listing: l, Requirement: rules.Required(sh)}, nil
}

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
}

// Guide builds the guidance for a permit checked in a direction ("export"
// or "import"; "" for the document's own side). The answer for a
// registry permit is shared by every scan of it: read it, never change it.
func (s *Service) Guide(p *Permit, direction string) *Guidance {
	if p == nil {
		return nil
	}
	dt, _ := docTypeByName(p.Type)
	if direction == "" {
		direction = rules.Export
		if dt.ImportSide {
			direction = rules.Import
		}
	}
	ref := s.Species()
	key := guideKey{p.ID, direction}
	if p.ID != 0 { // a permit of this registry: its content never changes
		if e, ok := s.guides.Load(key); ok && e.(*guideEntry).ref == ref {
			return e.(*guideEntry).g
		}
	}
	g := s.guide(ref, p, direction)
	if p.ID != 0 {
		if s.guidesN.Add(1) > maxCachedPermits {
			s.guides.Clear()
			s.guidesN.Store(0)
		}
		s.guides.Store(key, &guideEntry{ref, g})
	}
	return g
}

// guideKey and guideEntry cache a registry permit's guidance for a
// direction, for as long as the species reference it was drawn from is
// the current one: officers scan the same permits over and over, and the
// listing lookups were a twentieth of a scan's cost.
type guideKey struct {
	id        int64
	direction string
}

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
		sg := SpeciesGuidance{Line: l.Line, AtIssue: species.Listing{Appendix: l.Appendix, ListedAs: l.ListedAs}}
		now, err := ref.ListingFor(l.Taxon, origin)
		if err == nil {
			sg.Taxon, sg.Now = now.Taxon, now
			sg.ListingChanged = now.Appendix != l.Appendix
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
