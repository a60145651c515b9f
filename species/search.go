package species

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Match is one result of Search.
type Match struct {
	Taxon       Taxon
	Score       float64 // 1 for an exact match, lower for looser ones
	MatchedName string  // the name of the taxon that matched, as written in the data
}

// defaultLimit is the number of matches Search returns when limit is not positive.
const defaultLimit = 10

// Search finds taxa for a name typed by a person: exact, prefix and substring matches of
// scientific names, synonyms and common names in every language, and typos of one or two
// letters (Damerau-Levenshtein distance on normalised names). Each taxon appears once,
// with its best-scoring name; the best matches come first, ties by scientific name. An
// empty query matches nothing.
func (r *Reference) Search(q string, limit int) []Match {
	q = normalize(q)
	// A query longer than every name plus the typos allowed cannot match.
	if q == "" || utf8.RuneCountInString(q) > r.longestName+2 {
		return nil
	}
	if limit <= 0 {
		limit = defaultLimit
	}
	best := make(map[string]Match)
	for _, e := range r.entries {
		s := score(q, e.key)
		if s == 0 {
			continue
		}
		// Prefer the accepted name, then synonyms, on equal scores.
		s -= float64(e.class) * 0.001
		if m, ok := best[e.id]; ok && m.Score >= s {
			continue
		}
		best[e.id] = Match{Score: s, MatchedName: e.display, Taxon: r.taxa[r.byID[e.id]]}
	}
	out := make([]Match, 0, len(best))
	for _, m := range best {
		m.Taxon = m.Taxon.clone()
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Match) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Taxon.Name, b.Taxon.Name)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// score rates how well a normalised query matches a normalised name, 0 for no match.
func score(q, name string) float64 {
	if q == name {
		return 1
	}
	ql, nl := utf8.RuneCountInString(q), utf8.RuneCountInString(name)
	ratio := float64(ql) / float64(nl) // how much of the name the query covers
	switch {
	case strings.HasPrefix(name, q):
		return 0.9 + 0.05*ratio
	case strings.Contains(" "+name, " "+q): // a later word starts with the query
		return 0.8 + 0.05*ratio
	case ql >= 3 && strings.Contains(name, q):
		return 0.7 + 0.05*ratio
	}
	if ql < 4 {
		return 0
	}
	// Typos of the whole name: one letter in short names, two in longer ones.
	if d := distance(q, name, maxTypos(ql)); d <= maxTypos(ql) {
		return 0.65 - 0.1*float64(d-1)
	}
	// Typos of a name being typed: the query against the start of the name.
	if ql < nl {
		if d := distance(q, prefixRunes(name, ql), maxTypos(ql)); d <= maxTypos(ql) {
			return 0.45 - 0.05*float64(d-1)
		}
	}
	// Typos of one word of a longer name ("leopart" for "snow leopard").
	for w := range strings.FieldsSeq(name) {
		if w == name {
			break
		}
		wl := utf8.RuneCountInString(w)
		if wl >= 4 && distance(q, w, 1) <= 1 {
			return 0.4
		}
	}
	return 0
}

// maxTypos is the number of edits a query of n letters may contain and still match.
func maxTypos(n int) int {
	if n < 7 {
		return 1
	}
	return 2
}

func prefixRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// distance is the optimal-string-alignment Damerau-Levenshtein distance between a and b
// (insertions, deletions, substitutions and transpositions of adjacent letters), in
// runes. It stops early and returns limit+1 once the distance must exceed limit.
func distance(a, b string, limit int) int {
	if d := utf8.RuneCountInString(a) - utf8.RuneCountInString(b); d > limit || -d > limit {
		return limit + 1
	}
	ra, rb := []rune(a), []rune(b)
	// Three rows: two back (for transpositions), previous and current.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(rb)], limit+1)
}
