package countries

import (
	"slices"
	"strings"
	"unicode"

	"github.com/opencites/opencites"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/unicode/norm"
)

// Languages are those names are given in; any other asks for English.
var Languages = []string{"en", "ru", "ky"}

// Country is a country's code and its name in one language.
type Country struct {
	Code string
	Name string
}

// entry is a country with its names in every language and the words a
// search compares with.
type entry struct {
	code  string
	names map[string]string
	// words holds, per name (of every language), its normalised words;
	// initials holds the initials of the names of two or more words.
	words    [][]string
	initials []string
}

var (
	entries []*entry
	byCode  = map[string]*entry{}
	// sorted holds, per language, the entries in that language's
	// alphabetical order.
	sorted = map[string][]*entry{}
)

func init() {
	namers := map[string]display.Namer{}
	for _, l := range Languages {
		namers[l] = display.Regions(language.MustParse(l))
	}
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			if !opencites.ValidCountry(code) {
				continue
			}
			e := &entry{code: code, names: map[string]string{}}
			region := language.MustParseRegion(code)
			for _, l := range Languages {
				n := namers[l].Name(region)
				if n == "" {
					n = namers["en"].Name(region)
				}
				if n == "" {
					n = code
				}
				e.names[l] = n
				w := words(n)
				e.words = append(e.words, w)
				if ini := initials(w); len([]rune(ini)) >= 2 {
					e.initials = append(e.initials, ini)
				}
			}
			entries = append(entries, e)
			byCode[code] = e
		}
	}
	for _, l := range Languages {
		c := collate.New(language.MustParse(l))
		s := slices.Clone(entries)
		slices.SortStableFunc(s, func(x, y *entry) int { return c.CompareString(x.names[l], y.names[l]) })
		sorted[l] = s
	}
}

// lang returns l if names are given in it, else "en".
func lang(l string) string {
	l = strings.ToLower(l)
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
	}
	if slices.Contains(Languages, l) {
		return l
	}
	return "en"
}

// Valid reports whether code is an ISO 3166-1 alpha-2 code, exactly as
// stored (upper case, no spaces).
func Valid(code string) bool { return byCode[code] != nil }

// Name returns the country's name in language l, or "" for an unknown code.
func Name(code, l string) string {
	e := byCode[code]
	if e == nil {
		return ""
	}
	return e.names[lang(l)]
}

// All lists every country with its name in language l, in l's
// alphabetical order.
func All(l string) []Country {
	l = lang(l)
	out := make([]Country, len(sorted[l]))
	for i, e := range sorted[l] {
		out[i] = Country{Code: e.code, Name: e.names[l]}
	}
	return out
}

// Search finds the countries that what someone typed may mean, best first,
// with names in language l, at most limit of them (all when limit <= 0).
// It compares the query with the code, the initials of the names ("UAE",
// "ОАЭ") and the words of the names in every language, so an English word
// finds a country on a Russian screen; a word of the query also matches a
// word it shares all but its last two letters with (at least four), so
// that an inflected Russian or Kyrgyz word ("Эмираты") finds the name
// ("Эмираттары").
func Search(q, l string, limit int) []Country {
	l = lang(l)
	qw := words(q)
	if len(qw) == 0 {
		return nil
	}
	joined := strings.Join(qw, "")
	type hit struct {
		e     *entry
		score int
	}
	var hits []hit
	for _, e := range sorted[l] {
		if s, ok := score(e, qw, joined); ok {
			hits = append(hits, hit{e, s})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return a.score - b.score })
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]Country, len(hits))
	for i, h := range hits {
		out[i] = Country{Code: h.e.code, Name: h.e.names[l]}
	}
	return out
}

// score says how well e matches the query words qw (joined: them without
// spaces); lower is better.
func score(e *entry, qw []string, joined string) (int, bool) {
	if joined == strings.ToLower(e.code) {
		return 0, true
	}
	if slices.Contains(e.initials, joined) {
		return 1, true
	}
	best, found := 0, false
	for _, name := range e.words {
		s, ok := matchName(name, qw)
		if ok && (!found || s < best) {
			best, found = s, true
		}
	}
	return best, found
}

// matchName matches every query word against a word of the name: 2 when
// the name starts with the first query word, 3 when every query word
// begins a word, 4 when some only share a stem.
func matchName(name, qw []string) (int, bool) {
	s := 3
	for _, q := range qw {
		prefix, stem := false, false
		for _, w := range name {
			if strings.HasPrefix(w, q) {
				prefix = true
				break
			}
			if sameStem(w, q) {
				stem = true
			}
		}
		switch {
		case prefix:
		case stem:
			s = 4
		default:
			return 0, false
		}
	}
	if s == 3 && len(name) > 0 && strings.HasPrefix(name[0], qw[0]) {
		s = 2
	}
	return s, true
}

// sameStem reports whether w and q share a prefix of at least four letters
// that leaves at most two letters of q over.
func sameStem(w, q string) bool {
	wr, qr := []rune(w), []rune(q)
	n := 0
	for n < len(wr) && n < len(qr) && wr[n] == qr[n] {
		n++
	}
	return n >= 4 && len(qr)-n <= 2
}

// words splits s into lower-case words without accents or other marks, so
// that "Côte d’Ivoire" and "cote divoire" compare alike (and ё as е, й as
// и: both sides lose the same marks).
func words(s string) []string {
	s = norm.NFD.String(strings.ToLower(s))
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r), r == '’', r == '\'':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteRune(' ')
		}
	}
	return strings.Fields(b.String())
}

// minor words are left out of initials ("Bosnia and Herzegovina": "BH").
var minor = map[string]bool{"and": true, "of": true, "the": true, "и": true, "жана": true}

func initials(ws []string) string {
	if len(ws) < 2 {
		return ""
	}
	var b strings.Builder
	for _, w := range ws {
		if minor[w] {
			continue
		}
		r := []rune(w)
		b.WriteRune(r[0])
	}
	return b.String()
}
