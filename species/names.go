package species

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// The kinds of name a taxon is known by.
const (
	kindAccepted uint8 = iota
	kindSynonym
	kindCommon
)

// nameEntry is one name of a taxon in the name index, sorted by key.
type nameEntry struct {
	key   string // normalised
	disp  string // as written, without author
	taxon int32
	kind  uint8
	lang  uint8 // for common names
}

// nameRange returns the entries whose key is key, as indexes lo..hi of r.names.
func (r *Reference) nameRange(key string) (int, int) {
	lo := sort.Search(len(r.names), func(i int) bool { return r.names[i].key >= key })
	hi := lo
	for hi < len(r.names) && r.names[hi].key == key {
		hi++
	}
	return lo, hi
}

// matchName finds the one taxon whose accepted name is key, else the one whose synonym
// it is.
func (r *Reference) matchName(key string) (int32, bool) {
	lo, hi := r.nameRange(key)
	for _, kind := range []uint8{kindAccepted, kindSynonym} {
		found := int32(-1)
		for _, e := range r.names[lo:hi] {
			if e.kind != kind {
				continue
			}
			if found >= 0 && found != e.taxon {
				return -1, false // two taxa: no match rather than a guess
			}
			found = e.taxon
		}
		if found >= 0 {
			return found, true
		}
	}
	return -1, false
}

// indexNames builds the sorted name index. strict refuses a scientific name or synonym
// of two taxa, as the starter format always has.
func (r *Reference) indexNames(strict bool) error {
	n := 0
	for i := range r.taxa {
		n += 1 + len(r.taxa[i].synonyms) + len(r.taxa[i].common)
	}
	entries := make([]nameEntry, 0, n)
	add := func(i int, disp string, kind, lang uint8) {
		key := normalize(disp)
		if key == "" {
			return
		}
		entries = append(entries, nameEntry{key: key, disp: disp, taxon: int32(i), kind: kind, lang: lang})
	}
	for i := range r.taxa {
		t := &r.taxa[i]
		add(i, t.name, kindAccepted, 0)
		own := normalize(t.name)
		for _, s := range t.synonyms {
			name := s
			if r.format == 2 {
				name = synonymName(s)
			}
			if normalize(name) != own { // Species+ lists some names as their own synonym
				add(i, name, kindSynonym, 0)
			}
		}
		for _, c := range t.common {
			add(i, c.name, kindCommon, c.lang)
		}
	}
	slices.SortFunc(entries, func(a, b nameEntry) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		if c := cmp.Compare(a.kind, b.kind); c != 0 {
			return c
		}
		return cmp.Compare(a.taxon, b.taxon)
	})
	// Drop repeats: the same name of one taxon twice (in two languages, or as a
	// synonym of itself).
	out := entries[:0]
	for _, e := range entries {
		if k := len(out); k > 0 && out[k-1].key == e.key && out[k-1].taxon == e.taxon {
			continue
		}
		if strict && e.kind != kindCommon {
			for k := len(out) - 1; k >= 0 && out[k].key == e.key; k-- {
				if out[k].kind != kindCommon && out[k].taxon != e.taxon {
					return errorf("taxon %q: name %q already names taxon %q", r.taxa[e.taxon].id, e.disp, r.taxa[out[k].taxon].id)
				}
			}
		}
		out = append(out, e)
	}
	r.names = slices.Clip(out)
	return nil
}

// authorParticles are lower-case words that begin or continue an author, not an
// epithet.
var authorParticles = map[string]bool{
	"in": true, "ex": true, "et": true, "de": true, "da": true, "do": true, "du": true, "di": true,
	"del": true, "della": true, "des": true, "der": true, "den": true, "van": true, "von": true,
	"la": true, "le": true, "ter": true, "non": true, "nec": true, "sensu": true, "auct": true,
	"hort": true, "emend": true, "and": true,
}

// rankMarkers stand before an infraspecific epithet inside a name.
var rankMarkers = map[string]bool{
	"var.": true, "subsp.": true, "ssp.": true, "f.": true, "fa.": true, "forma": true, "var": true, "subsp": true,
}

// synonymName returns the name part of a synonym as the export writes it, "Name
// Author, Year": "Testudo baluchiorum Annandale, 1906" gives "Testudo baluchiorum".
func synonymName(s string) string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return ""
	}
	kept := 1
	for k := 1; k < len(words); k++ {
		w := words[k]
		switch {
		case rankMarkers[w] && k+1 < len(words) && isEpithet(words[k+1]):
			kept = k + 2
			k++
		case k == 1 && strings.HasPrefix(w, "(") && strings.HasSuffix(w, ")") && len(w) > 2 && unicode.IsUpper(rune(w[1])) &&
			k+1 < len(words) && isEpithet(words[k+1]):
			kept = k + 1 // a subgenus: "Testudo (Agrionemys) horsfieldii"
		case w == "×" || w == "x" && k+1 < len(words) && isEpithet(words[k+1]):
			kept = k + 1
		case isEpithet(w) || strings.HasPrefix(w, `"`) && k == 1:
			kept = k + 1
		default:
			return strings.Join(words[:kept], " ")
		}
	}
	return strings.Join(words[:kept], " ")
}

// isEpithet reports whether w can be the epithet of a scientific name: lower-case
// letters and hyphens, not an author's particle.
func isEpithet(w string) bool {
	if len(w) < 2 || authorParticles[w] {
		return false
	}
	for _, r := range w {
		if !(unicode.IsLower(r) || r == '-') {
			return false
		}
	}
	return true
}

// splitSynonyms splits a SynonymsWithAuthors cell into synonyms. The separator, ", ",
// also stands inside authors ("Testudo baluchiorum Annandale, 1906, Homopus burnesii
// Blyth, 1854"), so a piece starts a new synonym only when it begins like a name: a
// capitalised genus and a lower-case epithet (for names of species and below), or, for
// higher taxa, a capitalised word after a year.
func splitSynonyms(cell string, higher bool) []string {
	cell = strings.TrimSpace(cell)
	if cell == "" {
		return nil
	}
	var out []string
	for piece := range strings.SplitSeq(cell, ", ") {
		piece = strings.TrimSpace(piece)
		if piece == "" {
			continue
		}
		if len(out) == 0 || startsName(piece, higher, out[len(out)-1]) {
			out = append(out, piece)
			continue
		}
		out[len(out)-1] += ", " + piece
	}
	return out
}

func startsName(piece string, higher bool, prev string) bool {
	words := strings.Fields(piece)
	if !isGenus(words[0]) {
		return false
	}
	if len(words) >= 2 {
		second := words[1]
		if strings.HasPrefix(second, "(") && len(words) >= 3 && unicode.IsUpper(rune(second[1])) {
			second = words[2] // a subgenus
		}
		if isEpithet(second) {
			return true
		}
	}
	if !higher {
		return false
	}
	// A higher taxon's synonym is one word: it starts a new one after a year or a
	// closing parenthesis, or after another bare name.
	last := prev[len(prev)-1]
	return last >= '0' && last <= '9' || last == ')' || len(strings.Fields(prev)) == 1
}

// isGenus reports whether w is a capitalised word of letters, as a genus is.
func isGenus(w string) bool {
	if len(w) < 2 || !unicode.IsUpper(rune(w[0])) {
		return false
	}
	for _, r := range w[1:] {
		if !unicode.IsLower(r) && r != '-' {
			return false
		}
	}
	return true
}

// splitList splits a comma-separated cell of names, dropping empty ones.
func splitNames(cell string) []string {
	var out []string
	for p := range strings.SplitSeq(cell, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
