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
	b.Grow(len(s))
	depth := 0
	if !isASCII(s) {
		s = norm.NFD.String(s)
	}
	for _, r := range s {
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
	out := b.String()
	words := strings.Fields(out)
	kept := words[:0]
	for _, w := range words {
		if !qualifiers[w] {
			kept = append(kept, w)
		}
	}
	if len(kept) == len(words) && len(out) > 0 && out[0] != ' ' && out[len(out)-1] != ' ' && !strings.Contains(out, "  ") {
		return out // already tidy: no second copy
	}
	return strings.Join(kept, " ")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// slug turns a normalised name into a taxon id: "falco cherrug" -> "falco-cherrug".
func slug(key string) string {
	return strings.ReplaceAll(key, " ", "-")
}
