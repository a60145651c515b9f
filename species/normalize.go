package species

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// qualifiers are the words a scientific name may carry that say nothing about which
// taxon is meant ("Saiga spp.", "Ovis ammon ssp. polii").
var qualifiers = map[string]bool{
	"spp": true, "sp": true, "ssp": true, "subsp": true,
}

// normalize folds a name to the key used for matching: diacritics removed (so "ё" is
// "е" and a stress mark disappears), lower case, any parenthesised part dropped (the
// subgenus in "Testudo (Agrionemys) horsfieldii"), apostrophes dropped, other
// punctuation turned into spaces, rank qualifiers such as "spp." removed, and spaces
// collapsed.
func normalize(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range norm.NFD.String(s) {
		switch {
		case r == '(':
			depth++
			b.WriteByte(' ')
		case r == ')':
			if depth > 0 {
				depth--
			}
			b.WriteByte(' ')
		case depth > 0:
		case unicode.Is(unicode.Mn, r):
		case r == '\'' || r == '’' || r == 'ʼ' || r == '`':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteByte(' ')
		}
	}
	words := strings.Fields(b.String())
	kept := words[:0]
	for _, w := range words {
		if !qualifiers[w] {
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " ")
}

// slug turns a normalised name into a taxon id: "falco cherrug" -> "falco-cherrug".
func slug(key string) string {
	return strings.ReplaceAll(key, " ", "-")
}

// isLatin reports whether every word of a normalised key is plain ASCII letters, as the
// words of a scientific name are.
func isLatin(key string) bool {
	for _, r := range key {
		if r != ' ' && (r < 'a' || r > 'z') {
			return false
		}
	}
	return key != ""
}
