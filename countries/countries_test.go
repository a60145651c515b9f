package countries_test

import (
	"testing"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/countries"
)

func TestSearch(t *testing.T) {
	for _, tc := range []struct {
		q, lang, want string
	}{
		{"UAE", "en", "AE"},
		{"uae", "ru", "AE"},
		{"Emirates", "en", "AE"},
		{"Эмираты", "ru", "AE"},
		{"эмират", "ky", "AE"},
		{"ОАЭ", "ru", "AE"},
		{"AE", "en", "AE"},
		{"ae", "ky", "AE"},
		{"Kyrgyz", "en", "KG"},
		{"Кыргызстан", "ky", "KG"},
		{"Киргизия", "ru", "KG"},
		{"Kazakhstan", "ru", "KZ"},
		{"cote d'ivoire", "en", "CI"},
		{"United Kingdom", "en", "GB"},
		{"UA", "en", "UA"},
		{"Ukraine", "en", "UA"},
	} {
		got := countries.Search(tc.q, tc.lang, 5)
		if len(got) == 0 || got[0].Code != tc.want {
			t.Errorf("Search(%q, %s) = %v, want %s first", tc.q, tc.lang, got, tc.want)
		}
	}
	for _, q := range []string{"", "  ", "XX", "Atlantis"} {
		if got := countries.Search(q, "en", 5); len(got) != 0 {
			t.Errorf("Search(%q) = %v, want none", q, got)
		}
	}
}

// TestAll: every code the server accepts is offered, named in every
// language, and nothing else is.
func TestAll(t *testing.T) {
	for _, l := range countries.Languages {
		all := countries.All(l)
		n := 0
		for a := 'A'; a <= 'Z'; a++ {
			for b := 'A'; b <= 'Z'; b++ {
				if opencites.ValidCountry(string([]rune{a, b})) {
					n++
				}
			}
		}
		if len(all) != n || n < 240 {
			t.Fatalf("All(%s): %d countries, want %d", l, len(all), n)
		}
		for _, c := range all {
			if c.Name == "" || c.Name == c.Code {
				t.Errorf("All(%s): %s has no name", l, c.Code)
			}
		}
	}
	if got := countries.Name("AE", "ru-RU"); got != "ОАЭ" {
		t.Errorf(`Name("AE", "ru-RU") = %q`, got)
	}
	if got := countries.Name("KG", "ky"); got != "Кыргызстан" {
		t.Errorf(`Name("KG", "ky") = %q`, got)
	}
	if got := countries.Name("KG", "de"); got != "Kyrgyzstan" {
		t.Errorf(`Name("KG", "de") = %q, want English`, got)
	}
}

// FuzzSearch: what anyone types into the public country search never
// panics, and every answer is a country the server accepts.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"UAE", "Эмираты", "cote d'ivoire", "  ", "\x00", "ё й", "A-Z"} {
		f.Add(s, "ru")
	}
	f.Fuzz(func(t *testing.T, q, lang string) {
		for _, c := range countries.Search(q, lang, 10) {
			if !opencites.ValidCountry(c.Code) || c.Name == "" {
				t.Fatalf("Search(%q) gave %+v", q, c)
			}
		}
	})
}
