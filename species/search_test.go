package species

import (
	"testing"
	"unicode/utf8"
)

func TestSearch(t *testing.T) {
	tests := []struct {
		query   string
		wantTop string // id of the best match
	}{
		{"Falco cherrug", "falco-cherrug"},
		{"Falco chrrug", "falco-cherrug"},  // one letter missing
		{"Falco cehrrug", "falco-cherrug"}, // transposition
		{"Falko cherug", "falco-cherrug"},  // two typos
		{"Ovis amon polii", "ovis-ammon-polii"},
		{"ovis ammon poli", "ovis-ammon-polii"},
		{"Ovis amon", "ovis-ammon"},
		{"snow leopad", "panthera-uncia"},
		{"leopart", "panthera-pardus"},
		{"балабан", "falco-cherrug"},
		{"илбирс", "panthera-uncia"},
		{"ирбиз", "panthera-uncia"},
		{"сапсан", "falco-peregrinus"},
		{"Testudo horsfeldi", "testudo-horsfieldii"},
		{"Agrionemys", "testudo"},
		{"Marco Polo", "ovis-ammon-polii"},
		{"argal", "ovis-ammon"},
		{"saiga", "saiga"},
		{"Cistanche", "cistanche"},
		{"Cistanche desert", "cistanche-deserticola"},
		{"  SNOW   leopard ", "panthera-uncia"},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := r.Search(tt.query, 5)
			if len(got) == 0 {
				t.Fatalf("Search(%q) found nothing", tt.query)
			}
			if got[0].Taxon.ID != tt.wantTop {
				t.Errorf("Search(%q) best = %q (%q, %.3f), want %q; all: %v",
					tt.query, got[0].Taxon.ID, got[0].MatchedName, got[0].Score, tt.wantTop, ids(got))
			}
			for i := 1; i < len(got); i++ {
				if got[i].Score > got[i-1].Score {
					t.Errorf("Search(%q) not sorted by score: %v", tt.query, got)
				}
			}
		})
	}
}

func TestSearchScoresAndLimit(t *testing.T) {
	r := Default()
	if got := r.Search("", 5); got != nil {
		t.Errorf("Search(\"\") = %v, want nil", got)
	}
	if got := r.Search("qqqqqqqq", 5); len(got) != 0 {
		t.Errorf("Search(nonsense) = %v, want none", ids(got))
	}
	got := r.Search("Falco", 3)
	if len(got) != 3 {
		t.Fatalf("Search(Falco, 3) returned %d matches", len(got))
	}
	if got[0].Taxon.ID != "falco" || got[0].Score != 1 || got[0].MatchedName != "Falco" {
		t.Errorf("Search(Falco) best = %+v, want the genus with score 1", got[0])
	}
	if n := len(r.Search("a", 0)); n == 0 || n > defaultLimit {
		t.Errorf("Search with limit 0 returned %d matches, want 1..%d", n, defaultLimit)
	}
	// A match through a common name reports that name.
	got = r.Search("илбирс", 1)
	if len(got) != 1 || got[0].MatchedName != "илбирс" || got[0].Taxon.Name != "Panthera uncia" {
		t.Errorf("Search(илбирс) = %+v", got)
	}
	// Each taxon appears once.
	seen := map[string]bool{}
	for _, m := range r.Search("falcon", 50) {
		if seen[m.Taxon.ID] {
			t.Errorf("Search(falcon) lists %q twice", m.Taxon.ID)
		}
		seen[m.Taxon.ID] = true
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"", "", 2, 0},
		{"cherrug", "cherrug", 2, 0},
		{"chrrug", "cherrug", 2, 1},
		{"cehrrug", "cherrug", 2, 1},
		{"falko cherug", "falco cherrug", 2, 2},
		{"балабан", "балобан", 2, 1},
		{"abc", "xyz", 2, 3},  // capped at limit+1
		{"a", "abcdef", 2, 3}, // length difference alone exceeds the limit
		{"ca", "abc", 3, 3},   // optimal string alignment, not full Damerau
		{"kitten", "sitting", 5, 3},
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b, tt.limit); got != tt.want {
			t.Errorf("distance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Falco cherrug", "falco cherrug"},
		{"  FALCO\t cherrug\n", "falco cherrug"},
		{"Saiga spp.", "saiga"},
		{"Ovis ammon ssp. polii", "ovis ammon polii"},
		{"Testudo (Agrionemys) horsfieldii", "testudo horsfieldii"},
		{"Pallas's cat", "pallass cat"},
		{"орлан-белохвост", "орлан белохвост"},
		{"Винторогий козёл", "винторогии козел"}, // й and ё lose their diacritics
		{"арка́р", "аркар"},
		{"Теңир-Тоо аркары", "теңир тоо аркары"}, // Kyrgyz letters are kept
		{"Felis silvestris × catus", "felis silvestris catus"},
		{"spp.", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := normalize(tt.in); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzSearch feeds arbitrary text, as a query parameter would, to the name functions.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"Falco chrrug", "илбирс", "Testudo (Agrionemys", "spp.", "a b c d", "\xff", "арка́р"} {
		f.Add(s)
	}
	r := Default()
	f.Fuzz(func(t *testing.T, q string) {
		if !utf8.ValidString(normalize(q)) {
			t.Errorf("normalize(%q) is not valid UTF-8", q)
		}
		for _, m := range r.Search(q, 5) {
			if m.Score <= 0 || m.Score > 1 {
				t.Errorf("Search(%q): score %v out of range", q, m.Score)
			}
		}
		if l, err := r.ListingFor(q, "KG"); err == nil && l.Taxon.ID == "" {
			t.Errorf("ListingFor(%q) returned a taxon without id", q)
		}
		_, _ = r.Lookup(q)
	})
}

func ids(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Taxon.ID)
	}
	return out
}
