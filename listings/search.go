package listings

import (
	"strings"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/rules"
	"github.com/opencites/opencites/species"
)

// Match is a search result with the listing that applies today.
type Match struct {
	Taxon       species.Taxon
	Listing     species.Listing
	Score       float64
	MatchedName string
}

// Search finds taxa by scientific name, synonym or common name in
// any of the three languages, forgiving case, diacritics and small typos.
// Errors: query_required, field_too_long.
func (s *Store) Search(q string, limit int) ([]Match, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, opencites.Invalid("query_required", "give a name to search for: q=")
	}
	if err := opencites.CheckLen("q", q, 100); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 50 {
		limit = 10
	}
	out := []Match{}
	ref := s.Current()
	for _, m := range ref.Search(q, limit) {
		out = append(out, Match{Taxon: m.Taxon, Listing: asListed(ref, m.Taxon), Score: m.Score, MatchedName: m.MatchedName})
	}
	return out, nil
}

// asListed is how a taxon is listed as a whole, for a search result: the
// listing of a specimen with no country named, or, where populations or
// lower taxa decide (Ursus arctos), the taxon's own Appendix with its
// populations alongside.
func asListed(ref *species.Reference, t species.Taxon) species.Listing {
	if l, err := ref.ListingFor(t.Name, ""); err == nil {
		return l
	}
	return species.Listing{Taxon: t, Appendix: t.Appendix, ListedAs: t.Name, Annotation: t.Annotation, NotListed: t.NotListed}
}

// Taxon returns one taxon and its listing. Errors: species_not_found.
func (s *Store) Taxon(id string) (species.Taxon, species.Listing, error) {
	t, err := s.Current().Get(id)
	if err != nil {
		return species.Taxon{}, species.Listing{}, opencites.Errorf(opencites.KindNotFound, "species_not_found", "no taxon %q in the species reference", id)
	}
	return t, asListed(s.Current(), t), nil
}

// Query asks what a shipment needs.
type Query struct {
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
func (s *Store) Requirements(q Query) (*Requirements, error) {
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
	case q.Purpose != "" && opencites.Purposes[q.Purpose] == "":
		return nil, opencites.Invalid("invalid_purpose", "purpose %q is not a CITES purpose code", q.Purpose)
	case q.Source != "" && !opencites.ValidSource(q.Source):
		return nil, opencites.Invalid("invalid_source", "source %q is not a CITES source code", q.Source)
	case q.Term != "" && opencites.Terms[q.Term] == "":
		return nil, opencites.Invalid("invalid_term", "term %q is not a CITES specimen code", q.Term)
	case q.From != "" && !opencites.ValidCountry(q.From), q.To != "" && !opencites.ValidCountry(q.To):
		return nil, opencites.Invalid("invalid_country", "from and to are ISO 3166 alpha-2 codes")
	}
	if err := opencites.CheckLen("taxon", q.Taxon, 120); err != nil {
		return nil, err
	}
	ref := s.Current()
	l, err := ref.ListingFor(q.Taxon, q.From)
	if r := Refusal(ref, q.Taxon, "", err); r != nil {
		return nil, r
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
