package species

import (
	"slices"
	"testing"
	"unicode"
)

// Tests of the embedded data itself, independent of how Load validates it.

// termCodes is the term-code subset of DOMAIN.md section 4.3.
var termCodes = []string{
	"BAR", "BOD", "BON", "CAR", "CAV", "CLA", "DER", "DPL", "EGG", "EGL",
	"EXT", "FEA", "FIN", "FLO", "GAB", "GAL", "GAR", "HAI", "HOR", "LEA",
	"LIV", "MEA", "MED", "MUS", "OIL", "PIE", "POW", "ROO", "SEE", "SHE",
	"SKE", "SKI", "SKP", "SKU", "SPE", "STE", "TEE", "TRO", "TUS", "WOO",
}

func TestDataTaxa(t *testing.T) {
	taxa := Default().Taxa()
	byID := make(map[string]Taxon)
	for _, tx := range taxa {
		if _, dup := byID[tx.ID]; dup {
			t.Errorf("duplicate id %q", tx.ID)
		}
		byID[tx.ID] = tx
	}
	for _, tx := range taxa {
		if want := slug(normalize(tx.Name)); tx.ID != want {
			t.Errorf("%s: id %q, want the slug of its name %q", tx.Name, tx.ID, want)
		}
		if tx.Parent != "" {
			if _, ok := byID[tx.Parent]; !ok {
				t.Errorf("%s: parent %q not found", tx.ID, tx.Parent)
			}
		}
		// Walk to the top: no cycles, and a listing or an explicit not-listed
		// somewhere is not required (Ovis), but the chain must end.
		seen := map[string]bool{}
		for cur := tx; cur.Parent != ""; cur = byID[cur.Parent] {
			if seen[cur.ID] {
				t.Fatalf("%s: cycle through %q", tx.ID, cur.ID)
			}
			seen[cur.ID] = true
		}
		if !slices.Contains([]string{"", "I", "II", "III"}, tx.Appendix) {
			t.Errorf("%s: appendix %q", tx.ID, tx.Appendix)
		}
		for _, p := range tx.Populations {
			if !slices.Contains([]string{"I", "II", "III"}, p.Appendix) || p.Appendix == tx.Appendix || p.Note == "" {
				t.Errorf("%s: population %+v", tx.ID, p)
			}
		}
		for _, term := range tx.Terms {
			if !slices.Contains(termCodes, term) {
				t.Errorf("%s: term %q is not in DOMAIN.md section 4.3", tx.ID, term)
			}
		}
		for lang, names := range tx.CommonNames {
			if !slices.Contains([]string{"en", "ru", "ky"}, lang) {
				t.Errorf("%s: common names in %q", tx.ID, lang)
			}
			for _, n := range names {
				cyrillic := hasScript(n, unicode.Cyrillic)
				if (lang == "en") == cyrillic || !hasScript(n, unicode.Latin) && !cyrillic {
					t.Errorf("%s: %s name %q is in the wrong script", tx.ID, lang, n)
				}
			}
		}
		if tx.Annotation != "" && tx.Annotation[0] != '#' {
			t.Errorf("%s: annotation %q does not start with its number", tx.ID, tx.Annotation)
		}
	}
}

func hasScript(s string, script *unicode.RangeTable) bool {
	for _, r := range s {
		if unicode.Is(script, r) {
			return true
		}
	}
	return false
}

// TestDataNotesTranslated checks that every identification hint and risk note of the
// embedded data is in English, Russian and Kyrgyz, the translations in Cyrillic.
func TestDataNotesTranslated(t *testing.T) {
	for _, tx := range Default().Taxa() {
		for field, texts := range map[string]map[string]string{"id_hints": tx.IDHints, "risk_notes": tx.RiskNotes} {
			if len(texts) == 0 {
				continue
			}
			if texts["en"] == "" {
				t.Errorf("%s: %s has no English text", tx.ID, field)
			}
			for lang, text := range texts {
				if !slices.Contains([]string{"en", "ru", "ky"}, lang) {
					t.Errorf("%s: %s in %q", tx.ID, field, lang)
				}
				if cyrillic := hasScript(text, unicode.Cyrillic); (lang == "en") == cyrillic {
					t.Errorf("%s: %s in %s is in the wrong script: %q", tx.ID, field, lang, text)
				}
			}
			for _, lang := range []string{"ru", "ky"} {
				if texts[lang] == "" {
					t.Errorf("%s: %s has no %s translation", tx.ID, field, lang)
				}
			}
		}
	}
}

// TestDataNamesUnique keeps Lookup unambiguous on the embedded data: no two taxa share a
// name of any kind once normalised.
func TestDataNamesUnique(t *testing.T) {
	r := Default()
	for k := 1; k < len(r.names); k++ {
		a, b := r.names[k-1], r.names[k]
		if a.key == b.key && a.taxon != b.taxon {
			t.Errorf("name %q belongs to %q and %q", a.key, r.taxa[a.taxon].id, r.taxa[b.taxon].id)
		}
	}
}

// TestDataDomainSpecies checks that every taxon of DOMAIN.md section 7, and the higher
// taxa and genera that resolve them, are in the data with the expected own listing.
func TestDataDomainSpecies(t *testing.T) {
	tests := []struct {
		name, rank, appendix string
		notListed            bool
	}{
		{"Falco cherrug", "species", "", false},
		{"Falco peregrinus", "species", "I", false},
		{"Falco rusticolus", "species", "I", false},
		{"Chlamydotis macqueenii", "species", "I", false},
		{"Testudo horsfieldii", "species", "", false},
		{"Saiga", "genus", "II", false},
		{"Saiga tatarica", "species", "", false},
		{"Saiga mongolica", "species", "", false},
		{"Ovis ammon", "species", "II", false},
		{"Ovis ammon hodgsonii", "subspecies", "I", false},
		{"Ovis ammon nigrimontana", "subspecies", "I", false},
		{"Ovis ammon polii", "subspecies", "", false},
		{"Ovis ammon karelini", "subspecies", "", false},
		{"Ovis ammon severtzovi", "subspecies", "", false},
		{"Ovis ammon collium", "subspecies", "", false},
		{"Panthera uncia", "species", "I", false},
		{"Cervus elaphus bactrianus", "subspecies", "II", false},
		{"Capra falconeri", "species", "I", false},
		{"Capra falconeri heptneri", "subspecies", "", false},
		{"Ursus arctos", "species", "II", false},
		{"Ursus arctos isabellinus", "subspecies", "I", false},
		{"Acipenseriformes", "order", "II", false},
		{"Acipenser sturio", "species", "I", false},
		{"Acipenser brevirostrum", "species", "I", false},
		{"Acipenser nudiventris", "species", "", false},
		{"Pseudoscaphirhynchus", "genus", "", false},
		{"Varanus griseus", "species", "I", false},
		{"Naja oxiana", "species", "II", false},
		{"Moschus", "genus", "II", false},
		{"Canis lupus", "species", "II", false},
		{"Felidae", "family", "II", false},
		{"Lynx lynx", "species", "", false},
		{"Otocolobus manul", "species", "", false},
		{"Panthera pardus", "species", "I", false},
		{"Aquila heliaca", "species", "I", false},
		{"Haliaeetus albicilla", "species", "I", false},
		{"Tetraogallus caspius", "species", "I", false},
		{"Tetraogallus tibetanus", "species", "I", false},
		{"Gruidae", "family", "II", false},
		{"Grus leucogeranus", "species", "I", false},
		{"Parnassius apollo", "species", "II", false},
		{"Cistanche deserticola", "species", "II", false},
		{"Adonis vernalis", "species", "II", false},
		{"Saussurea costus", "species", "I", false},
		{"Tulipa", "genus", "", true},
		{"Orchidaceae", "family", "II", false},
		{"Falconiformes", "order", "II", false},
		{"Testudinidae", "family", "II", false},
		// Genera, so that a species named only through its genus resolves.
		{"Falco", "genus", "", false},
		{"Aquila", "genus", "", false},
		{"Haliaeetus", "genus", "", false},
		{"Lynx", "genus", "", false},
		{"Otocolobus", "genus", "", false},
		{"Panthera", "genus", "", false},
		{"Testudo", "genus", "", false},
		{"Agrionemys", "genus", "", false}, // synonym of Testudo
		{"Acipenser", "genus", "", false},
		{"Huso", "genus", "", false},
		{"Tetraogallus", "genus", "", false},
		{"Grus", "genus", "", false},
		{"Canis", "genus", "", false},
		{"Ursus", "genus", "", false},
		{"Ovis", "genus", "", false},
		{"Capra", "genus", "", false},
		{"Cervus", "genus", "", false},
		{"Varanus", "genus", "II", false},
		{"Naja", "genus", "", false},
		{"Parnassius", "genus", "", false},
		{"Cistanche", "genus", "", false},
		{"Adonis", "genus", "", false},
		{"Saussurea", "genus", "", true},
		{"Chlamydotis", "genus", "", false},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx, err := r.Lookup(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if tx.Rank != tt.rank || tx.Appendix != tt.appendix || tx.NotListed != tt.notListed {
				t.Errorf("%s: rank %q, appendix %q, not listed %v; want %q, %q, %v",
					tt.name, tx.Rank, tx.Appendix, tx.NotListed, tt.rank, tt.appendix, tt.notListed)
			}
		})
	}
	// The annotations carry their text, not just their number.
	for id, want := range map[string]string{
		"cistanche-deserticola": "#4: All parts and derivatives, except: a) seeds",
		"orchidaceae":           "#4: All parts and derivatives, except: a) seeds",
		"adonis-vernalis":       "#2: All parts and derivatives, except: a) seeds and pollen; and b) finished products packaged and ready for retail trade.",
	} {
		tx, err := r.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(tx.Annotation) < len(want) || tx.Annotation[:len(want)] != want {
			t.Errorf("%s: annotation %q, want it to start %q", id, tx.Annotation, want)
		}
	}
}
