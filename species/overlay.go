package species

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// OverlayReport says what Overlay did, taxon by taxon of the list laid over.
type OverlayReport struct {
	// Matched are the taxa whose names and notes were laid over an imported taxon:
	// "Panthera uncia -> Uncia uncia".
	Matched []string
	// Added are the subspecies and varieties the import lacks, added under their
	// imported species with the listing they get there: "Ovis ammon polii (under Ovis
	// ammon): II".
	Added []string
	// Dropped are the taxa of the list laid over that the import does not hold, nor
	// their species: names that are not CITES taxa in this import (a starter entry for a
	// taxon "not in CITES", such as Tulipa, is one).
	Dropped []string
}

// OverlayReport returns what Overlay did to make r; nil when r was not made by Overlay.
func (r *Reference) OverlayReport() *OverlayReport { return r.overlay }

// Overlay returns a copy of r (an import) with what notes (the starter list of Default,
// usually) holds for the same taxa: Russian and Kyrgyz common names (and names in any
// other language the import lacks), identification hints, risk notes and typical terms.
// A taxon of notes matches the imported taxon whose accepted name or synonym is its
// name, or else one of its synonyms ("Panthera uncia" of the starter list matches
// "Uncia uncia", whose synonym it is); the import keeps its own names, listing and
// range.
//
// A subspecies or variety of notes the import lacks, but whose species the import
// holds (Ovis ammon polii, the Marco Polo argali), is added under that species with its
// names and notes, and no listing of its own: it takes the species' listing as it
// applies to it (Resolve finds Appendix II for Ovis ammon polii, which the annotation
// of Ovis ammon does not except). Where the species' annotation excepts it from the
// listing, it is added as not listed if notes says so, and otherwise resolves to an
// *AmbiguousError. Every other taxon of notes the import lacks is left out: it is not a
// CITES taxon in this import. OverlayReport says what was matched, added and left out.
//
// Overlay is meant for a reference from Parse or Load; the registry lays the starter
// list over every import it puts in force, so that a newer import keeps the names and
// notes written for Central Asia.
func (r *Reference) Overlay(notes *Reference) *Reference {
	out := *r
	out.taxa = slices.Clone(r.taxa)
	out.listings = slices.Clone(r.listings)
	out.langs = slices.Clone(r.langs)
	out.warnings = slices.Clone(r.warnings)
	out.byID = maps.Clone(r.byID)
	rep := &OverlayReport{}
	out.overlay = rep
	lang := func(code string) uint8 {
		if i := slices.Index(out.langs, code); i >= 0 {
			return uint8(i)
		}
		out.langs = append(out.langs, code)
		return uint8(len(out.langs) - 1)
	}
	importLangs := map[uint8]bool{}
	for i := range r.taxa {
		for _, c := range r.taxa[i].common {
			importLangs[c.lang] = true
		}
	}
	for si := range notes.taxa {
		s := &notes.taxa[si]
		if ti, ok := r.match(s); ok {
			t := &out.taxa[ti]
			have := map[string]bool{}
			for _, c := range t.common {
				have[normalize(c.name)] = true
			}
			for _, c := range s.common {
				code := notes.langs[c.lang]
				l := lang(code)
				if importLangs[l] || have[normalize(c.name)] {
					continue // the import's own names in this language win
				}
				have[normalize(c.name)] = true
				t.common = append(slices.Clip(t.common), commonName{lang: l, name: c.name})
			}
			if s.notes != nil {
				t.notes = s.notes
			}
			rep.Matched = append(rep.Matched, s.name+" -> "+t.name)
			continue
		}
		words := strings.Fields(s.name)
		if rankLevel(s.rank) < rankLevel(rankIndex("subspecies")) || len(words) < 3 {
			rep.Dropped = append(rep.Dropped, s.name)
			continue
		}
		sp, ok := r.matchName(normalize(words[0] + " " + words[1]))
		if !ok || r.taxa[sp].rank != rankIndex("species") {
			rep.Dropped = append(rep.Dropped, s.name)
			continue
		}
		added := taxon{id: s.id, name: s.name, rank: s.rank, parent: sp, listing: -1, accepted: true,
			synonyms: s.synonyms, notes: s.notes}
		if _, dup := out.byID[added.id]; dup {
			added.id += "-" + slug(normalize(r.taxa[sp].name))
		}
		for _, c := range s.common {
			added.common = append(added.common, commonName{lang: lang(notes.langs[c.lang]), name: c.name})
		}
		if sl := r.taxa[sp].listing; sl >= 0 && excepts(&r.listings[sl].rules, normalize(s.name)) && notes.notListed(int32(si)) {
			added.listing = int32(len(out.listings))
			out.listings = append(out.listings, listing{current: "NC", set: 1 << appNC, legacy: true, whole: appNC,
				rules: rules{stmts: []stmt{{app: appNC, scope: scopeAll}}}})
		}
		if r.format == 2 {
			// Stored synonyms of an import carry authors; these have none.
			added.synonyms = slices.Clone(s.synonyms)
		}
		out.byID[added.id] = int32(len(out.taxa))
		out.taxa = append(out.taxa, added)
		rep.Added = append(rep.Added, fmt.Sprintf("%s (under %s)", s.name, r.taxa[sp].name))
	}
	if err := out.finish(false); err != nil {
		// finish can only fail in strict mode
		panic("species: overlay: " + err.Error())
	}
	// Say what the added taxa resolve to.
	for k, a := range rep.Added {
		name := a[:strings.Index(a, " (under ")]
		l, err := out.ListingFor(name, "")
		switch {
		case err != nil:
			rep.Added[k] += ": " + err.Error()
		case l.NotListed:
			rep.Added[k] += ": not listed"
		default:
			rep.Added[k] += ": " + l.Appendix
		}
	}
	return &out
}

// match finds the imported taxon a taxon of another reference stands for: its name as
// an accepted name, then as a synonym, then its synonyms likewise; always a taxon of
// the same rank (Species+ gives "Canis familiaris" as a synonym of the species Canis
// lupus, which must not take the notes of the subspecies Canis lupus familiaris).
func (r *Reference) match(s *taxon) (int32, bool) {
	if i, ok := r.matchName(normalize(s.name)); ok && rankLevel(r.taxa[i].rank) == rankLevel(s.rank) {
		return i, true
	}
	for _, syn := range s.synonyms {
		if i, ok := r.matchName(normalize(synonymName(syn))); ok && rankLevel(r.taxa[i].rank) == rankLevel(s.rank) {
			return i, true
		}
	}
	return -1, false
}

// excepts reports whether a listing excepts the taxon with normalised name key
// everywhere.
func excepts(ru *rules, key string) bool {
	for _, e := range ru.except {
		if e.key == key && e.codes == "" {
			return true
		}
	}
	return false
}

// notListed reports whether the reference says taxon i is not in the Appendices.
func (r *Reference) notListed(i int32) bool {
	l := r.taxa[i].listing
	return l >= 0 && r.listings[l].whole == appNC
}
