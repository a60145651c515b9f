package species

import (
	"sort"
	"strings"
	"sync"
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

// searchIndex holds what Search needs besides the names: the longest name, and the
// memory of searches in progress.
type searchIndex struct {
	longest int // the longest name, in runes
	pool    *sync.Pool
}

// buildSearch prepares Search over r.names.
func (r *Reference) buildSearch() {
	longest := 0
	for _, e := range r.names {
		longest = max(longest, utf8.RuneCountInString(e.key))
	}
	nNames, nTaxa := len(r.names), len(r.taxa)
	r.search = searchIndex{longest: longest, pool: &sync.Pool{New: func() any {
		return &scratch{seen: make([]uint32, nNames), taxonEpoch: make([]uint32, nTaxa), best: make([]float32, nTaxa),
			bestName: make([]int32, nTaxa)}
	}}}
}

// scratch is the memory one search works in, reused through a pool.
type scratch struct {
	epoch      uint32
	seen       []uint32 // names already taken as candidates, by epoch
	cands      []int32
	taxonEpoch []uint32
	best       []float32
	bestName   []int32
	taxa       []int32
	qr, nr     []rune
	rows       [3][]int
}

// Search finds taxa for a name typed by a person: exact, prefix and substring matches of
// scientific names, synonyms and common names in every language held, and typos of one
// or two letters (Damerau-Levenshtein distance on normalised names). Each taxon appears
// once, with its best-scoring name; the best matches come first, ties by scientific
// name. An empty query matches nothing.
func (r *Reference) Search(q string, limit int) []Match {
	if limit <= 0 {
		limit = defaultLimit
	}
	return r.searchNames(q, limit)
}

// Suggest offers up to n names close to a name Resolve refused, nearest first: Search
// over every scientific name, synonym and common name, so that "Falco peregrinnus"
// suggests Falco peregrinus. It returns nothing when nothing is close.
func (r *Reference) Suggest(name string, n int) []Match {
	if n <= 0 {
		return nil
	}
	return r.searchNames(name, n)
}

func (r *Reference) searchNames(q string, limit int) []Match {
	key := normalize(q)
	s := &r.search
	if key == "" || s.pool == nil || utf8.RuneCountInString(key) > s.longest+2 {
		return nil
	}
	sc := s.pool.Get().(*scratch)
	defer s.pool.Put(sc)
	sc.next()
	r.candidates(key, sc)
	sc.qr = appendRunes(sc.qr[:0], key)
	for _, ni := range sc.cands {
		e := &r.names[ni]
		sco := score(key, sc.qr, e.key, sc)
		if sco == 0 {
			continue
		}
		// Prefer the accepted name, then synonyms, on equal scores.
		sco -= float64(e.kind) * 0.001
		ti := e.taxon
		if sc.taxonEpoch[ti] != sc.epoch {
			sc.taxonEpoch[ti] = sc.epoch
			sc.best[ti], sc.bestName[ti] = float32(sco), ni
			sc.taxa = append(sc.taxa, ti)
		} else if float32(sco) > sc.best[ti] {
			sc.best[ti], sc.bestName[ti] = float32(sco), ni
		}
	}
	// The best limit taxa, kept sorted as they come.
	better := func(a, b int32) bool {
		if sc.best[a] != sc.best[b] {
			return sc.best[a] > sc.best[b]
		}
		return r.taxa[a].name < r.taxa[b].name
	}
	top := make([]int32, 0, limit)
	for _, ti := range sc.taxa {
		if len(top) == limit && !better(ti, top[limit-1]) {
			continue
		}
		at := sort.Search(len(top), func(k int) bool { return better(ti, top[k]) })
		if len(top) < limit {
			top = append(top, 0)
		}
		copy(top[at+1:], top[at:len(top)-1])
		top[at] = ti
	}
	out := make([]Match, len(top))
	for k, ti := range top {
		sco := float64(sc.best[ti])
		out[k] = Match{Taxon: r.materialize(ti), Score: min(1, sco), MatchedName: r.names[sc.bestName[ti]].disp}
	}
	return out
}

func (sc *scratch) next() {
	sc.epoch++
	if sc.epoch == 0 { // wrapped: forget everything
		clear(sc.seen)
		clear(sc.taxonEpoch)
		sc.epoch = 1
	}
	sc.cands, sc.taxa = sc.cands[:0], sc.taxa[:0]
}

// candidates collects the names that may match key: all of them.
func (r *Reference) candidates(key string, sc *scratch) {
	for i := range r.names {
		sc.cands = append(sc.cands, int32(i))
	}
}

// score rates how well a normalised query matches a normalised name, 0 for no match.
func score(q string, qr []rune, name string, sc *scratch) float64 {
	if q == name {
		return 1
	}
	sc.nr = appendRunes(sc.nr[:0], name)
	nr := sc.nr
	ql, nl := len(qr), len(nr)
	ratio := float64(ql) / float64(nl) // how much of the name the query covers
	switch {
	case strings.HasPrefix(name, q):
		return 0.9 + 0.05*ratio
	case laterWordStarts(name, q):
		return 0.8 + 0.05*ratio
	case ql >= 3 && strings.Contains(name, q):
		return 0.7 + 0.05*ratio
	}
	if ql < 4 {
		return 0
	}
	k := maxTypos(ql)
	dist := func(from, to, limit int) int {
		return distanceRunes(qr, nr[from:to], limit, &sc.rows)
	}
	// Typos of the whole name: one letter in short names, two in longer ones.
	if d := dist(0, nl, k); d <= k {
		return 0.65 - 0.1*float64(d-1)
	}
	// Typos of a name being typed: the query against the start of the name.
	if ql < nl {
		if d := dist(0, ql, k); d <= k {
			return 0.45 - 0.05*float64(d-1)
		}
	}
	// Typos of one word of a longer name ("leopart" for "snow leopard").
	start := 0
	for j := 0; j <= nl; j++ {
		if j < nl && nr[j] != ' ' {
			continue
		}
		if n := j - start; n >= 4 && n < nl && dist(start, j, 1) <= 1 {
			return 0.4
		}
		start = j + 1
	}
	return 0
}

// laterWordStarts reports whether a word of name after the first starts with q.
func laterWordStarts(name, q string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] == ' ' && strings.HasPrefix(name[i+1:], q) {
			return true
		}
	}
	return false
}

// maxTypos is the number of edits a query of n letters may contain and still match.
func maxTypos(n int) int {
	if n < 7 {
		return 1
	}
	return 2
}

// distance is the optimal-string-alignment Damerau-Levenshtein distance between a and b
// (insertions, deletions, substitutions and transpositions of adjacent letters), in
// runes. It stops early and returns limit+1 once the distance must exceed limit.
func distance(a, b string, limit int) int {
	var rows [3][]int
	return distanceRunes([]rune(a), []rune(b), limit, &rows)
}

func distanceRunes(ra, rb []rune, limit int, rows *[3][]int) int {
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	for i := range rows {
		if cap(rows[i]) < len(rb)+1 {
			rows[i] = make([]int, len(rb)+1, max(len(rb)+1, 64))
		}
		rows[i] = rows[i][:len(rb)+1]
	}
	// Three rows: two back (for transpositions), previous and current.
	prev2, prev, cur := rows[0], rows[1], rows[2]
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

func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		dst = append(dst, r)
	}
	return dst
}
