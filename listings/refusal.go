package listings

import (
	"errors"
	"strings"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/species"
)

// Suggestion is a name offered for one the list does not hold.
type Suggestion struct {
	Name        string `json:"name"`                   // accepted scientific name
	MatchedName string `json:"matched_name,omitempty"` // the synonym or common name that came close, when not Name
	Appendix    string `json:"appendix,omitempty"`
}

// Decider is a lower taxon or a population that decides a listing.
type Decider struct {
	Name     string `json:"name"`
	Appendix string `json:"appendix,omitempty"`
}

// Refusal turns a failed lookup of name in ref into the registry's
// refusal, so that issuing, the requirements lookup and cases say the same:
// unknown_taxon, with up to five suggestions from scientific names,
// synonyms and common names in every language held, nearest first; or
// ambiguous_listing, naming the lower taxa or populations that decide the
// appendix. Its Details carry them for a client to offer. It returns nil
// for any other error. at prefixes the message ("line B: ").
func Refusal(ref *species.Reference, name, at string, err error) *opencites.Error {
	var amb *species.AmbiguousError
	if errors.As(err, &amb) {
		ds := make([]Decider, 0, len(amb.Candidates))
		names := make([]string, 0, len(amb.Candidates))
		for _, c := range amb.Candidates {
			ds = append(ds, Decider{Name: c.Name, Appendix: c.Appendix})
			if len(names) < 6 {
				names = append(names, c.Name)
			}
		}
		msg := at + "the listing of " + quoteName(name) + " depends on what it is exactly: " + amb.Reason
		if len(names) > 0 {
			msg += " (decided by " + strings.Join(names, ", ") + ")"
		}
		e := opencites.Invalid("ambiguous_listing", "%s", msg)
		e.Details = map[string]any{"name": name, "deciders": ds}
		return e
	}
	if !errors.Is(err, species.ErrNotFound) {
		return nil
	}
	var sugg []Suggestion
	for _, m := range ref.Suggest(name, 5) {
		s := Suggestion{Name: m.Taxon.Name, Appendix: m.Taxon.Appendix}
		if m.MatchedName != m.Taxon.Name {
			s.MatchedName = m.MatchedName
		}
		sugg = append(sugg, s)
	}
	msg := at + quoteName(name) + " is not a CITES taxon in the list in force (" + ref.Version() + ")"
	if len(sugg) > 0 {
		msg += ": did you mean " + sugg[0].Name + "?"
	}
	e := opencites.Invalid("unknown_taxon", "%s", msg)
	if sugg == nil {
		sugg = []Suggestion{}
	}
	e.Details = map[string]any{"name": name, "suggestions": sugg}
	return e
}

func quoteName(s string) string { return "\u201c" + s + "\u201d" }
