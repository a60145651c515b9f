package species

import (
	"math/bits"
	"slices"
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

// searchIndex finds the names worth scoring for a query without scoring them all: the
// distinct words of every name, sorted (for exact words and prefixes), with a mask of
// their letters and their length (to skip most words quickly when looking for typos),
// and for each word the names it is in.
type searchIndex struct {
	words     []string
	masks     []uint64
	lens      []uint8
	byLen     [][]int32          // words by length in runes, for typos
	trigrams  map[uint64][]int32 // words by the runs of three letters in them, for substrings
	postStart []int32            // names holding words[w]: post[postStart[w]:postStart[w+1]]
	post      []int32            // indexes into Reference.names
	longest   int                // the longest name, in runes
	pool      *sync.Pool
}

const maxWordLen = 64 // longer words are indexed as this long for typos: none are

// trigramKey packs three runes into one key.
func trigramKey(a, b, c rune) uint64 {
	return uint64(a)<<42 | uint64(b)<<21 | uint64(c)
}

// buildSearch builds the search index over r.names.
func (r *Reference) buildSearch() {
	ids := map[string]int32{}
	var words []string
	perName := make([][]int32, len(r.names))
	longest := 0
	for i, e := range r.names {
		longest = max(longest, utf8.RuneCountInString(e.key))
		for w := range strings.FieldsSeq(e.key) {
			id, ok := ids[w]
			if !ok {
				id = int32(len(words))
				ids[w] = id
				words = append(words, w)
			}
			if !slices.Contains(perName[i], id) {
				perName[i] = append(perName[i], id)
			}
		}
	}
	// Sort the words, renumbering.
	order := make([]int32, len(words))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(words[a], words[b]) })
	rank := make([]int32, len(words))
	s := searchIndex{words: make([]string, len(words)), masks: make([]uint64, len(words)), lens: make([]uint8, len(words)),
		postStart: make([]int32, len(words)+1), longest: longest}
	s.byLen = make([][]int32, maxWordLen+1)
	s.trigrams = map[uint64][]int32{}
	var rs []rune
	for newID, old := range order {
		rank[old] = int32(newID)
		w := words[old]
		s.words[newID] = w
		s.masks[newID] = letterMask(w)
		n := min(utf8.RuneCountInString(w), maxWordLen)
		s.lens[newID] = uint8(n)
		s.byLen[n] = append(s.byLen[n], int32(newID))
		rs = appendRunes(rs[:0], w)
		for i := 0; i+3 <= len(rs); i++ {
			k := trigramKey(rs[i], rs[i+1], rs[i+2])
			if ids := s.trigrams[k]; len(ids) == 0 || ids[len(ids)-1] != int32(newID) {
				s.trigrams[k] = append(ids, int32(newID))
			}
		}
	}
	for k, ids := range s.trigrams {
		s.trigrams[k] = slices.Clip(ids)
	}
	for n := range s.byLen {
		s.byLen[n] = slices.Clip(s.byLen[n])
	}
	total := 0
	for _, ws := range perName {
		for _, w := range ws {
			s.postStart[rank[w]+1]++
			total++
		}
	}
	for i := 1; i < len(s.postStart); i++ {
		s.postStart[i] += s.postStart[i-1]
	}
	s.post = make([]int32, total)
	fill := slices.Clone(s.postStart[:len(words)])
	for i, ws := range perName {
		for _, w := range ws {
			s.post[fill[rank[w]]] = int32(i)
			fill[rank[w]]++
		}
	}
	nNames, nTaxa := len(r.names), len(r.taxa)
	s.pool = &sync.Pool{New: func() any {
		return &scratch{seen: make([]uint32, nNames), taxonEpoch: make([]uint32, nTaxa), best: make([]float32, nTaxa),
			bestName: make([]int32, nTaxa)}
	}}
	r.search = s
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
	pat        bitPattern // the query word being looked for
	qpat       bitPattern // the whole query, when qascii
	qascii     bool
}

// letterMask sets one bit for each letter in w: Latin letters and digits on their own
// bits, Cyrillic letters on theirs, anything else folded. Each edit changes at most two
// bits, so two words more than 2k bits apart are more than k edits apart.
func letterMask(w string) uint64 {
	var m uint64
	for _, r := range w {
		switch {
		case r >= 'a' && r <= 'z':
			m |= 1 << (r - 'a')
		case r >= 'а' && r <= 'я':
			m |= 1 << (26 + (r - 'а'))
		default:
			m |= 1 << (58 + r%6)
		}
	}
	return m
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
	sc.qascii = len(key) < 64 && isASCII(key)
	if sc.qascii {
		sc.qpat.set(key)
	}
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

// candidates collects the names that may match key: those holding a word of the query,
// a word the query's last word begins, a word within the query's typos of one of its
// words, or (for one-word queries) a word containing it or beginning it.
func (r *Reference) candidates(key string, sc *scratch) {
	s := &r.search
	take := func(w int) {
		for _, ni := range s.post[s.postStart[w]:s.postStart[w+1]] {
			if sc.seen[ni] != sc.epoch {
				sc.seen[ni] = sc.epoch
				sc.cands = append(sc.cands, ni)
			}
		}
	}
	qwords := strings.Fields(key)
	ql := utf8.RuneCountInString(key)
	var wr, vr []rune
	for wi, w := range qwords {
		last := wi == len(qwords)-1
		wl := utf8.RuneCountInString(w)
		if wl < 3 && !last {
			continue
		}
		lo := sort.SearchStrings(s.words, w)
		if last {
			for k := lo; k < len(s.words) && strings.HasPrefix(s.words[k], w); k++ {
				take(k)
			}
		} else if lo < len(s.words) && s.words[lo] == w {
			take(lo)
		}
		if wl < 4 {
			continue
		}
		k := min(maxTypos(wl), maxTypos(ql))
		qm := letterMask(w)
		ascii := qm&^latinMask == 0 && len(w) < 64
		if ascii {
			sc.pat.set(w)
		}
		wr = appendRunes(wr[:0], w)
		// within tells whether word v, or its first wl letters, is within k typos.
		within := func(v int, prefix bool) bool {
			if ascii && s.masks[v]&^latinMask == 0 {
				word := s.words[v]
				if prefix {
					word = word[:wl]
				}
				return sc.pat.distance(word) <= k
			}
			vr = appendRunes(vr[:0], s.words[v])
			if prefix {
				vr = vr[:wl]
			}
			return distanceRunes(wr, vr, k, &sc.rows) <= k
		}
		// Words within k typos of the query's word.
		for n := max(1, wl-k); n <= min(maxWordLen, wl+k); n++ {
			for _, v := range s.byLen[n] {
				if bits.OnesCount64(qm^s.masks[v]) <= 2*k && within(int(v), false) {
					take(int(v))
				}
			}
		}
		// A word being typed, with a typo after its first two letters: a longer word
		// with the same two first letters whose start is within k typos of the
		// query's last word.
		if last {
			two := string(wr[:2])
			from := sort.SearchStrings(s.words, two)
			for v := from; v < len(s.words) && strings.HasPrefix(s.words[v], two); v++ {
				if int(s.lens[v]) > wl && within(v, true) {
					take(v)
				}
			}
		}
	}
	if len(qwords) == 1 && ql >= 3 {
		w := qwords[0]
		wr = appendRunes(wr[:0], w)
		// Part of a word ("leopard" in "snowleopard"): the words holding the query's
		// rarest run of three letters, checked.
		var rarest []int32
		for i := 0; i+3 <= len(wr); i++ {
			ids := s.trigrams[trigramKey(wr[i], wr[i+1], wr[i+2])]
			if i == 0 || len(ids) < len(rarest) {
				rarest = ids
			}
		}
		for _, v := range rarest {
			if len(s.words[v]) > len(w) && strings.Contains(s.words[v], w) {
				take(int(v))
			}
		}
		// The query is two words run together ("falcocherrug"): the words it starts
		// with.
		for i := range w {
			if i >= 3 && i < len(w)-1 {
				if lo := sort.SearchStrings(s.words, w[:i]); lo < len(s.words) && s.words[lo] == w[:i] {
					take(lo)
				}
			}
		}
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
	bitwise := sc.qascii && len(name) == nl
	dist := func(from, to, limit int) int {
		if d := ql - (to - from); d > limit || -d > limit {
			return limit + 1
		}
		if bitwise {
			return sc.qpat.distance(name[from:to])
		}
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

// latinMask holds the bits of letterMask for a to z.
const latinMask = 1<<26 - 1

// distanceBytes is distanceRunes for two strings of ASCII letters.
func distanceBytes(a, b string, limit int, rows *[3][]int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	for i := range rows {
		if cap(rows[i]) < len(b)+1 {
			rows[i] = make([]int, len(b)+1, max(len(b)+1, 64))
		}
		rows[i] = rows[i][:len(b)+1]
	}
	prev2, prev, cur := rows[0], rows[1], rows[2]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
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
