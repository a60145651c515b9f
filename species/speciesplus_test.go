package species

import (
	"bytes"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Tests of the Species+ import on the real excerpt: what is read back is compared with
// what encoding/csv and a few lines of independent reading find in the same file.

// synonymStart is where a synonym of a species or lower taxon begins in a
// SynonymsWithAuthors cell: a capitalised genus, maybe a subgenus, and an epithet that
// is not an author's particle.
var synonymStart = regexp.MustCompile(`(?:^|, )[A-Z][a-z-]+ (?:\([A-Z][a-z]+\) )?(?:in |ex |de |von |van )?([a-z][a-z-]+)`)

func countSynonyms(cell, rank string) int {
	cell = strings.TrimSpace(cell)
	if cell == "" {
		return 0
	}
	if rank != "SPECIES" && rank != "SUBSPECIES" && rank != "VARIETY" {
		// Higher taxa: one-word names, each after a year or at the start.
		n := 0
		for i, p := range strings.Split(cell, ", ") {
			if i == 0 || regexp.MustCompile(`^[A-Z][a-z]+( |$)`).MatchString(p) && !regexp.MustCompile(`^[A-Z][a-z]+ [a-z]`).MatchString(p) {
				n++
			}
		}
		return n
	}
	n := 0
	for _, m := range synonymStart.FindAllStringSubmatch(cell, -1) {
		switch m[1] {
		case "in", "ex", "de", "von", "van", "et":
			continue
		}
		n++
	}
	return n
}

func TestParseExcerptCounts(t *testing.T) {
	rows := mustExcerptRows(t)
	ref, _ := mustExcerpt(t)
	want := Counts{Taxa: len(rows) - 1, ByRank: map[string]int{}, CommonNames: map[string]int{}}
	for _, r := range rows[1:] {
		want.ByRank[strings.ToLower(r[colRank])]++
		if r[colAccepted] == "false" {
			want.NotAccepted++
		}
		want.Synonyms += countSynonyms(r[colSynonyms], r[colRank])
		for lang, col := range map[string]int{"en": colEnglish, "es": colSpanish, "fr": colFrench} {
			for _, n := range strings.Split(r[col], ", ") {
				if strings.TrimSpace(n) != "" {
					want.CommonNames[lang]++
				}
			}
		}
	}
	got := ref.Counts()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Counts() mismatch (-independent reading +Parse):\n%s", diff)
	}
	if ref.Len() != 2345 || got.ByRank["species"] != 1834 || got.NotAccepted != 354 {
		t.Errorf("Len %d, species %d, not accepted %d; the README says 2,345 rows", ref.Len(), got.ByRank["species"], got.NotAccepted)
	}
	if w := ref.Warnings(); len(w) > 0 {
		t.Errorf("the excerpt imports with warnings: %q", w)
	}
}

// TestParseExcerptSynonymsSplit checks synonym cells whose authors hold commas, counted
// by hand.
func TestParseExcerptSynonymsSplit(t *testing.T) {
	ref, _ := mustExcerpt(t)
	tests := []struct {
		name string
		want []string // without authors
	}{
		{"Testudo horsfieldii", []string{"Testudo baluchiorum", "Homopus burnesii", "Agrionemys horsfieldii"}},
		{"Acipenser sturio", []string{"Acipenser attilus", "Accipenser attilus", "Acipenser europeus", "Acipenser hospitus",
			"Acipenser laevissimus", "Acipenser latirostris", "Acipenser lichtensteinii", "Acipenser sturioides",
			"Acipenser thompsoni", "Sturio vulgaris", "Acipenser yarrellii"}},
		{"Ceratozamia zoquorum", []string{"Ceratozamia zoquensis"}},
		{"Puma concolor couguar", []string{"Felis concolor couguar", "Felis concolor coryi", "Puma concolor azteca",
			"Puma concolor coryi", "Puma concolor mayensis", "Puma concolor missoulensis"}},
		{"Sclerocactus brevihamatus tobuschii", []string{"Pediocactus brevihamatus tobuschii", "Ancistrocactus tobuschii",
			"Ancistrocactus tobuschii", "Ferocactus tobuschii"}},
		{"Cleistocactus serpens", []string{"Borzicactus serpens", "Loxanthocereus parvitesselatus", "Loxanthocereus sulcifer",
			"Borzicactus psuedothelegonus", "Cleistocactus leonensis", "Loxanthocereus granditessellatus",
			"Loxanthocereus otuscensis", "Borzicactus sulcifer", "Bolivicereus serpens"}},
		{"Echinopsis", []string{"Chamaecereus"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx, err := ref.Lookup(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, tx.Synonyms); diff != "" {
				t.Errorf("synonyms (-want +got):\n%s", diff)
			}
			if len(tx.SynonymsWithAuthors) != len(tt.want) || !strings.HasPrefix(tx.SynonymsWithAuthors[0], tt.want[0]) {
				t.Errorf("with authors: %q", tx.SynonymsWithAuthors)
			}
		})
	}
	tx, _ := ref.Lookup("Testudo horsfieldii")
	if want := "Testudo baluchiorum Annandale, 1906"; tx.SynonymsWithAuthors[0] != want {
		t.Errorf("first synonym with author = %q, want %q", tx.SynonymsWithAuthors[0], want)
	}
}

func TestParseExcerptTaxon(t *testing.T) {
	ref, _ := mustExcerpt(t)
	got, err := ref.Get("ursus-arctos")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Ursus arctos" || got.Rank != "species" || got.Parent != "ursus" || got.Author != "Linnaeus, 1758" ||
		got.SpeciesPlusID != 9829 || got.Kingdom != "Animalia" || got.Class != "Mammalia" || !got.CitesAccepted ||
		got.CurrentListing != "I/II" || got.Appendix != "II" || got.NotListed {
		t.Errorf("Ursus arctos: %+v", got)
	}
	wantAnn := "Appendix I: Popns of BT, CN, MN, MX.\nAppendix II: Included in Ursidae spp."
	if got.Annotation != wantAnn {
		t.Errorf("Annotation = %q, want %q", got.Annotation, wantAnn)
	}
	if strings.ContainsAny(got.FullAnnotation, "<>\u00a0") || !strings.Contains(got.FullAnnotation, "which are included in Appendix I.") {
		t.Errorf("FullAnnotation = %q: want it without HTML or non-breaking spaces", got.FullAnnotation)
	}
	if diff := cmp.Diff([]Population{{Countries: []string{"BT", "CN", "MN", "MX"}, Appendix: "I", Note: "Popns of BT, CN, MN, MX."}}, got.Populations); diff != "" {
		t.Errorf("Populations (-want +got):\n%s", diff)
	}
	wantNames := map[string][]string{"en": {"Brown Bear", "Grizzly Bear"}, "es": {"Oso pardo"}, "fr": {"Ours brun", "Ours grizzly"}}
	if diff := cmp.Diff(wantNames, got.CommonNames); diff != "" {
		t.Errorf("CommonNames (-want +got):\n%s", diff)
	}
	if got.Annotations["es"] == "" || got.Annotations["fr"] == "" {
		t.Errorf("Annotations = %v, want es and fr", got.Annotations)
	}
	orchids, _ := ref.Lookup("Orchidaceae")
	if orchids.AnnotationSymbol != "#4" || !strings.HasPrefix(orchids.SymbolAnnotation, "All parts and derivatives, except: a) seeds") ||
		strings.Contains(orchids.SymbolAnnotation, "<p>") {
		t.Errorf("Orchidaceae annotation %q: %q", orchids.AnnotationSymbol, orchids.SymbolAnnotation)
	}
	// No taxon keeps HTML or non-breaking spaces in what people read.
	for tx := range ref.All() {
		for _, s := range []string{tx.Annotation, tx.FullAnnotation, tx.SymbolAnnotation, tx.Annotations["es"], tx.Annotations["fr"]} {
			if strings.ContainsAny(s, "<>\u00a0") {
				t.Errorf("%s: annotation %q keeps HTML", tx.Name, s)
				break
			}
		}
	}
}

// resolveCase is one permit line: the name, the country of origin, and what it must
// resolve to; "" for want means an *AmbiguousError, "NC" not listed.
type resolveCase struct {
	name, country string
	taxon, want   string
}

func checkResolve(t *testing.T, ref *Reference, tests []resolveCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.country, func(t *testing.T) {
			res, err := ref.Resolve(tt.name, tt.country)
			if tt.want == "" {
				var amb *AmbiguousError
				if !errors.As(err, &amb) || !errors.Is(err, ErrAmbiguous) || !errors.Is(err, ErrNotFound) {
					t.Fatalf("Resolve(%q, %q) = %+v, %v; want an *AmbiguousError", tt.name, tt.country, res.Listing, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%q, %q): %v", tt.name, tt.country, err)
			}
			got := res.Listing.Appendix
			if res.Listing.NotListed {
				got = "NC"
			}
			if res.Taxon.Name != tt.taxon || got != tt.want {
				t.Errorf("Resolve(%q, %q) = %s, Appendix %q; want %s, %q", tt.name, tt.country, res.Taxon.Name, got, tt.taxon, tt.want)
			}
		})
	}
}

func TestParseExcerptResolve(t *testing.T) {
	ref, _ := mustExcerpt(t)
	checkResolve(t, ref, []resolveCase{
		// Populations: Appendix I for BT, CN, MN, MX; II elsewhere.
		{"Ursus arctos", "MN", "Ursus arctos", "I"},
		{"Ursus arctos", "mn ", "Ursus arctos", "I"},
		{"Ursus arctos", "KZ", "Ursus arctos", "II"},
		{"Ursus arctos", "KG", "Ursus arctos", "II"},
		{"Ursus arctos", "", "", ""},
		// The Tian Shan bear: its row repeats the species' lines and adds its own
		// "Appendix I:", so the whole subspecies is in Appendix I wherever it comes from.
		{"Ursus arctos isabellinus", "MN", "Ursus arctos isabellinus", "I"},
		{"Ursus arctos isabellinus", "KZ", "Ursus arctos isabellinus", "I"},
		{"Ursus arctos isabellinus", "KG", "Ursus arctos isabellinus", "I"},
		{"Ursus arctos isabellinus", "", "Ursus arctos isabellinus", "I"},
		// Excepted subspecies are rows of their own, in Appendix I.
		{"Ovis ammon", "KG", "Ovis ammon", "II"},
		{"Ovis ammon", "", "Ovis ammon", "II"},
		{"Ovis ammon nigrimontana", "KZ", "Ovis ammon nigrimontana", "I"},
		{"Ovis ammon hodgsonii", "CN", "Ovis ammon hodgsonii", "I"},
		{"Ovis ammon ssp. hodgsonii", "IN", "Ovis ammon hodgsonii", "I"},
		{"Falco peregrinus", "KG", "Falco peregrinus", "I"},
		{"Falco cherrug", "KZ", "Falco cherrug", "II"},
		{"Uncia uncia", "KG", "Uncia uncia", "I"},
		{"Panthera uncia", "KG", "Uncia uncia", "I"},
		// Sturgeons: II, except the two species in Appendix I.
		{"Acipenseriformes", "", "Acipenseriformes", "II"},
		{"Acipenser spp.", "RU", "Acipenser", "II"},
		{"Acipenser sturio", "FR", "Acipenser sturio", "I"},
		{"Acipenser brevirostrum", "US", "Acipenser brevirostrum", "I"},
		{"Acipenser nudiventris", "KZ", "Acipenser nudiventris", "II"},
		{"Acipenser gueldenstaedtii", "RU", "Acipenser gueldenstaedtii", "II"},
		{"Huso huso", "KZ", "Huso huso", "II"},
		{"Pseudoscaphirhynchus fedtschenkoi", "KZ", "Pseudoscaphirhynchus fedtschenkoi", "II"},
		// Higher taxa.
		{"Falconiformes", "", "Falconiformes", "II"},
		{"Falconiformes spp.", "KG", "Falconiformes", "II"},
		{"Orchidaceae spp.", "", "Orchidaceae", "II"},
		{"Felidae", "KG", "Felidae", "II"},
		{"Tapiridae", "", "Tapiridae", "I"},
		{"Cathartidae", "", "", ""},
		{"Vultur", "PE", "", ""},
		// Common names, any case or spacing.
		{"saker falcon", "KZ", "Falco cherrug", "II"},
		{"  SNOW   leopard ", "KG", "Uncia uncia", "I"},
		{"Léopard des neiges", "KG", "Uncia uncia", "I"},
		{"Atlantic Sturgeon", "", "", ""}, // Acipenser sturio and A. oxyrinchus
		// Not listed.
		{"Capra falconeri", "TJ", "Capra falconeri", "I"},
		{"Vipera ursinii", "KZ", "Vipera ursinii", "NC"},
	})
}

// TestParseExcerptSplitListings walks every split listing of the excerpt (a
// CurrentListing such as I/II, read by encoding/csv) and checks that Resolve gives the
// Appendix its annotation states. Population splits and the listings whose annotation
// names populations are in splitPopulations, read off the annotation by hand; the
// others state one Appendix for the taxon as a whole (the other Appendices of the split
// are those of lower taxa listed on their own rows), found here from the annotation's
// "Appendix X:" lines, or nothing at all, and then the lower taxa decide: an
// *AmbiguousError.
func TestParseExcerptSplitListings(t *testing.T) {
	rows := mustExcerptRows(t)
	ref, _ := mustExcerpt(t)
	lines := regexp.MustCompile(`Appendix (I|II|III):([^\n]*)`)
	placeWords := regexp.MustCompile(`(?i:popul|popns|\bstocks? of\b|asia|europe|americ|tropical)|\b[A-Z]{2}\b`)
	quotaSentence := regexp.MustCompile(`[^.]*quota[^.]*|Appendix I+|Appendices`)
	seen := map[string]bool{}
	splits := 0
	for _, r := range rows[1:] {
		listing := r[colListing]
		if !strings.Contains(listing, "/") {
			continue
		}
		splits++
		name := r[colFullName]
		countries := append([]string{"ZZ"}, strings.Split(r[colCodes], ", ")...)
		if countries[len(countries)-1] == "" {
			countries = countries[:len(countries)-1]
		}
		t.Run(name, func(t *testing.T) {
			if p, ok := splitPopulations[name]; ok {
				seen[name] = true
				var tests []resolveCase
				for c, app := range p.want {
					tests = append(tests, resolveCase{name, c, name, app})
				}
				if _, ok := p.want[""]; !ok {
					p.ambiguous = append(p.ambiguous, "") // the populations differ
				}
				for _, c := range p.ambiguous {
					tests = append(tests, resolveCase{name, c, "", ""})
				}
				checkResolve(t, ref, tests)
				return
			}
			// The annotation's lines in the Appendices of the split.
			apps := map[string]bool{}
			for _, m := range lines.FindAllStringSubmatch(r[colAnnotation], -1) {
				if slices.Contains(strings.Split(listing, "/"), m[1]) {
					apps[m[1]] = true
					if placeWords.MatchString(quotaSentence.ReplaceAllString(m[2], "")) {
						t.Fatalf("annotation line %q names populations: add %s to splitPopulations", m[0], name)
					}
				}
			}
			switch len(apps) {
			case 0:
				res, err := ref.Resolve(name, "")
				var amb *AmbiguousError
				if !errors.As(err, &amb) {
					t.Fatalf("Resolve(%q) = %+v, %v; the annotation states nothing: want an *AmbiguousError", name, res.Listing, err)
				}
				if len(ref.Children(res.Taxon.ID)) > 0 && len(amb.Candidates) == 0 {
					t.Errorf("%v names no lower taxa", amb)
				}
			case 1:
				var want string
				for a := range apps {
					want = a
				}
				var tests []resolveCase
				for _, c := range append(countries, "") {
					tests = append(tests, resolveCase{name, c, name, want})
				}
				checkResolve(t, ref, tests)
			default:
				t.Fatalf("annotation %q states several Appendices: add %s to splitPopulations", r[colAnnotation], name)
			}
		})
	}
	for name := range splitPopulations {
		if !seen[name] {
			t.Errorf("splitPopulations has %s, which is not a split listing of the excerpt", name)
		}
	}
	t.Logf("%d split listings", splits)
}

// splitPopulations are the split listings of the excerpt whose annotation places
// populations, read by hand: the Appendix for countries, and the countries for which
// the annotation cannot decide (and Resolve must refuse).
var splitPopulations = map[string]struct {
	want      map[string]string
	ambiguous []string
}{
	// "Appendix I: Only the population of MX; no other population is included in the Appendices."
	"Antilocapra americana": {map[string]string{"MX": "I", "US": "NC", "CA": "NC"}, nil},
	// "Appendix II: Except A. c. microdon (populations of CM and NG)": the subspecies
	// decides there.
	"Aonyx capensis": {map[string]string{"KE": "II", "ZA": "II", "AO": "II"}, []string{"CM", "NG"}},
	// "Appendix I: Except stock of west Greenland. Appendix II: Population of West Greenland."
	"Balaenoptera acutorostrata": {map[string]string{"JP": "I", "NO": "I", "ZZ": "I"}, []string{"GL"}},
	// "Appendix I: Except population of AR. Appendix II: Population of AR; ..."
	"Caiman latirostris": {map[string]string{"AR": "II", "BR": "I", "PY": "I", "UY": "I"}, nil},
	// "Appendix I: Populations of BT, IN, NP, PK. ... Appendix II: All populations except those included in Appendix I."
	"Canis lupus": {map[string]string{"IN": "I", "BT": "I", "NP": "I", "PK": "I", "KG": "II", "KZ": "II", "MN": "II", "US": "II"}, nil},
	// "Appendix I: Only the population of Asia. Appendix II: Except Asian population";
	// Egypt and Turkey are partly in Asia.
	"Caracal caracal": {map[string]string{"IN": "I", "KZ": "I", "IR": "I", "TM": "I", "ZA": "II", "KE": "II", "MA": "II"}, []string{"EG", "TR"}},
	// "Appendix I: All species and populations except SZ and ZA populations of C. s. simum"
	"Ceratotherium":       {map[string]string{"KE": "I", "ZZ": "I"}, []string{"ZA", "SZ"}},
	"Ceratotherium simum": {map[string]string{"KE": "I", "NA": "I"}, []string{"ZA", "SZ"}},
	"Rhinocerotidae":      {map[string]string{"KE": "I", "IN": "I"}, []string{"ZA", "SZ"}},
	// "Appendix I: Except the populations of SZ and ZA ... Appendix II: SZ and ZA populations only."
	"Ceratotherium simum simum": {map[string]string{"ZA": "II", "SZ": "II", "KE": "I", "NA": "I"}, nil},
	// "Appendix I: All populations except those included in Appendix II. Appendix II:
	// Part of the population of CO, and the population of CU."
	"Crocodylus acutus": {map[string]string{"CU": "II", "MX": "I", "US": "I", "VE": "I"}, []string{"CO"}},
	// "Appendix II: Only the population of BZ, with a zero quota ..., and the population of MX."
	"Crocodylus moreletii": {map[string]string{"BZ": "II", "MX": "II", "GT": "I"}, nil},
	// "Appendix II: Population of: BW, EG (...) ET, KE, MG, MW, MZ, NA, TZ(...), UG, ZA, ZM, ZW."
	"Crocodylus niloticus": {map[string]string{"EG": "II", "KE": "II", "ZA": "II", "TZ": "II", "ZW": "II", "NG": "I", "SN": "I", "SD": "I"}, nil},
	// "Appendix II: Population of AU, ID, MY, PG."
	"Crocodylus porosus": {map[string]string{"AU": "II", "ID": "II", "MY": "II", "PG": "II", "IN": "I", "BD": "I", "PH": "I"}, nil},
	// "Appendix II: Excludes ... Appendix I: Population of SC."
	"Falco newtoni": {map[string]string{"SC": "I", "MG": "II", "KM": "II"}, nil},
	// "Appendix I: All populations except those of BW, NA, ZA, and ZW. Appendix II: Populations of BW, NA, ZA, ZW"
	"Loxodonta africana": {map[string]string{"BW": "II", "NA": "II", "ZA": "II", "ZW": "II", "KE": "I", "TZ": "I"}, nil},
	// "Appendix II: Population of BR and population of EC."
	"Melanosuchus niger": {map[string]string{"BR": "II", "EC": "II", "PE": "I", "CO": "I"}, nil},
	// "Appendix I: Populations of AF, BT, IN, MM, NP, PK. Appendix II: All populations except those included in Appendix I"
	"Moschus":              {map[string]string{"AF": "I", "IN": "I", "PK": "I", "RU": "II", "CN": "II", "KZ": "II"}, nil},
	"Moschus chrysogaster": {map[string]string{"BT": "I", "IN": "I", "NP": "I", "CN": "II"}, nil},
	"Moschus fuscus":       {map[string]string{"BT": "I", "IN": "I", "MM": "I", "NP": "I", "CN": "II"}, nil},
	// "Appendix II: Population of MX only (Populations of CA & US removed)."
	"Ovis canadensis": {map[string]string{"MX": "II", "US": "NC", "CA": "NC"}, nil},
	// "Appendix I: Populations of BD, IN, TH. Appendix II: All populations except those of BD, IN, TH."
	"Prionailurus bengalensis bengalensis": {map[string]string{"BD": "I", "IN": "I", "TH": "I", "CN": "II", "VN": "II"}, nil},
	// "Appendix I: Population of IN. Appendix II: Except the population of IN."
	"Prionailurus rubiginosus": {map[string]string{"IN": "I", "LK": "II"}, nil},
	// "Appendix I: Only the populations of Central and North America; ..."
	"Puma yagouaroundi": {map[string]string{"MX": "I", "US": "I", "GT": "I", "PA": "I", "BR": "II", "AR": "II", "CO": "II"}, nil},
	// "Appendix I: Populations of BF, CF, CM, DZ, MA, ML, MR, NE, NG, SD, SN, TD.": other
	// populations are not listed (I/NC).
	"Struthio camelus": {map[string]string{"ML": "I", "MA": "I", "DZ": "I", "KE": "NC", "ZA": "NC", "EG": "NC"}, nil},
	// "Appendix II: Except ... the populations of Pecari tajacu of Mexico and the United
	// States of America, which are not included in the Appendices."
	"Tayassuidae":  {map[string]string{"BR": "II", "AR": "II"}, []string{"MX", "US"}},
	"Ursus arctos": {map[string]string{"MN": "I", "CN": "I", "BT": "I", "MX": "I", "KZ": "II", "KG": "II", "RU": "II", "US": "II"}, nil},
	// The species' lines, then its own: "Appendix I:".
	"Ursus arctos isabellinus": {map[string]string{"MN": "I", "KZ": "I", "KG": "I", "PK": "I", "IN": "I", "": "I"}, nil},
	// "Appendix II: Parts of populations of AR and CL, and the populations of BO, PE and EC."
	"Vicugna vicugna": {map[string]string{"BO": "II", "PE": "II", "EC": "II", "ZZ": "I"}, []string{"AR", "CL"}},
	// "Appendix I: Population of Europe excluding the area that formerly constituted the
	// USSR." (I/NC); Turkey is partly in Europe.
	"Vipera ursinii": {map[string]string{"FR": "I", "IT": "I", "HU": "I", "RO": "I", "RU": "NC", "KZ": "NC", "UA": "NC", "MD": "NC", "CN": "NC"}, []string{"TR"}},
	// "Appendix II: All populations in the Americas." (II/NC)
	"Dicksonia": {map[string]string{"BR": "II", "MX": "II", "NZ": "NC", "AU": "NC"}, nil},
	// "Appendix II: Neotropical populations." (II/NC); the United States are partly
	// Neotropical.
	"Swietenia macrophylla": {map[string]string{"BR": "II", "MX": "II", "BO": "II", "FJ": "NC", "IN": "NC"}, []string{"US"}},
}

func TestParseExcerptSynonymsResolve(t *testing.T) {
	ref, _ := mustExcerpt(t)
	tests := []struct{ name, country, taxon, requestedAs string }{
		{"Panthera uncia", "KG", "Uncia uncia", "Panthera uncia"},
		{"Uncia uncia", "KG", "Uncia uncia", ""},
		{"Agrionemys horsfieldii", "UZ", "Testudo horsfieldii", "Agrionemys horsfieldii"},
		{"Testudo (Agrionemys) horsfieldii", "UZ", "Testudo horsfieldii", ""}, // the accepted name, with its subgenus
		{"Falco altaicus", "MN", "Falco cherrug", "Falco altaicus"},
		{"Ovis nigrimontana", "KZ", "Ovis ammon nigrimontana", "Ovis nigrimontana"},
		{"Felis manul", "MN", "Felis manul", ""},
		{"Saker", "KZ", "Falco cherrug", "Saker"},
		// A name CITES has not adopted, which Species+ gives as a synonym of an adopted
		// one, resolves to the adopted name.
		{"Ocadia philippeni", "CN", "Mauremys sinensis", "Ocadia philippeni"},
	}
	for _, tt := range tests {
		res, err := ref.Resolve(tt.name, tt.country)
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.name, err)
			continue
		}
		if res.Taxon.Name != tt.taxon || res.RequestedAs != tt.requestedAs {
			t.Errorf("Resolve(%q) = %s asked as %q; want %s asked as %q", tt.name, res.Taxon.Name, res.RequestedAs, tt.taxon, tt.requestedAs)
		}
	}
	// A name CITES has not adopted and that is no synonym of an adopted one resolves to
	// its own row, with the listing the export gives it.
	res, err := ref.Resolve("Abronia frosti", "GT")
	if err != nil || res.Taxon.CitesAccepted || res.Listing.Appendix != "I" || res.RequestedAs != "" {
		t.Errorf("Resolve(Abronia frosti) = %+v, %v; want its own row, not CITES-accepted, App. I", res, err)
	}
}

func TestParseExcerptNotFound(t *testing.T) {
	ref, _ := mustExcerpt(t)
	for _, name := range []string{"Falco imaginarius", "Falco peregrinnus", "xqzvbnmwrtk", "Ovis", "Homo sapiens", "", "spp."} {
		if res, err := ref.Resolve(name, "KG"); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrAmbiguous) {
			t.Errorf("Resolve(%q) = %s, %v; want ErrNotFound", name, res.Taxon.Name, err)
		}
	}
	if got := ref.Suggest("Falco peregrinnus", 5); len(got) == 0 || got[0].Taxon.Name != "Falco peregrinus" {
		t.Errorf("Suggest(Falco peregrinnus) = %v, want Falco peregrinus first", matchNames(got))
	}
	if got := ref.Suggest("xqzvbnmwrtk", 5); len(got) != 0 {
		t.Errorf("Suggest(random) = %v, want nothing", matchNames(got))
	}
	for _, tt := range []struct{ q, want string }{
		{"Falco cherug", "Falco cherrug"},
		{"Uncia unica", "Uncia uncia"},
		{"Acipenser sturoi", "Acipenser sturio"},
		{"snow leopad", "Uncia uncia"},
		{"Ovis amon", "Ovis ammon"},
	} {
		if got := ref.Suggest(tt.q, 3); len(got) == 0 || got[0].Taxon.Name != tt.want {
			t.Errorf("Suggest(%q) = %v, want %s first", tt.q, matchNames(got), tt.want)
		}
	}
}

func matchNames(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Taxon.Name)
	}
	return out
}

func TestParseExcerptRange(t *testing.T) {
	ref, _ := mustExcerpt(t)
	saker, err := ref.Lookup("Falco cherrug")
	if err != nil {
		t.Fatal(err)
	}
	// The excerpt's distribution of the saker: 67 countries, native in 65 of them,
	// Germany among them; extinct in Turkmenistan; uncertain in Burundi.
	tests := []struct {
		country string
		in      bool
		state   RangeState
	}{
		{"KZ", true, Native},
		{"KG", true, Native},
		{"DE", true, Native},
		{"TM", false, Extinct},
		{"BI", true, Uncertain},
		{"US", false, 0},
		{"ZZ", false, 0},
	}
	for _, tt := range tests {
		if got := saker.InRange(tt.country); got != tt.in {
			t.Errorf("Falco cherrug InRange(%s) = %v, want %v", tt.country, got, tt.in)
		}
		if got := saker.RangeState(tt.country); got != tt.state {
			t.Errorf("Falco cherrug RangeState(%s) = %v, want %v", tt.country, got, tt.state)
		}
	}
	if n := len(saker.Range.Native); n != 65 {
		t.Errorf("Falco cherrug native in %d countries, want 65", n)
	}
	// A country may be in two states, and names with commas are kept whole.
	lynx, _ := ref.Lookup("Lynx lynx")
	if got := lynx.RangeState("CH"); got != Reintroduced|Extinct || !lynx.InRange("CH") {
		t.Errorf("Lynx lynx in CH: %v", got)
	}
	peregrine, _ := ref.Lookup("Falco peregrinus")
	for _, c := range []string{"HK", "TW"} {
		if !peregrine.InRange(c) {
			t.Errorf("Falco peregrinus not native in %s (\"Hong Kong, SAR\", \"Taiwan, Province of China\")", c)
		}
	}
	if got := peregrine.RangeState("GP"); got != Uncertain {
		t.Errorf("Falco peregrinus in GP: %v, want uncertain", got)
	}
}

func TestParseExcerptAmbiguous(t *testing.T) {
	ref, _ := mustExcerpt(t)
	tests := []struct {
		name, country string
		candidates    []string // that must be among those named
	}{
		{"Atlantic Sturgeon", "", []string{"Acipenser sturio", "Acipenser oxyrinchus"}},
		{"Cathartidae", "", []string{"Vultur", "Gymnogyps", "Sarcoramphus"}},
		{"Colinus virginianus", "US", []string{"Colinus virginianus ridgwayi"}},
		{"Ursus arctos", "", []string{"Ursus arctos (populations of BT, CN, MN, MX)", "Ursus arctos (other populations)"}},
		{"Crocodylus acutus", "CO", nil},
		{"Aonyx capensis", "CM", []string{"Aonyx capensis microdon (populations of CM, NG)"}},
		// Species+ gives these as synonyms of Canis lupus, whose annotation excludes the
		// dingo and the domesticated form: they do not take the wolf's listing.
		{"Canis lupus dingo", "AU", []string{"Canis lupus dingo"}},
		{"Canis familiaris", "KG", []string{"Canis lupus familiaris"}},
	}
	for _, tt := range tests {
		_, err := ref.Resolve(tt.name, tt.country)
		var amb *AmbiguousError
		if !errors.As(err, &amb) {
			t.Errorf("Resolve(%q, %q) error = %v, want an *AmbiguousError", tt.name, tt.country, err)
			continue
		}
		var got []string
		for _, c := range amb.Candidates {
			got = append(got, c.Name)
		}
		for _, want := range tt.candidates {
			if !slices.Contains(got, want) {
				t.Errorf("Resolve(%q, %q): candidates %q lack %q", tt.name, tt.country, got, want)
			}
		}
		if amb.Reason == "" || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("error %q does not say why", err)
		}
	}
}

func TestParseExcerptListedDifferently(t *testing.T) {
	ref, _ := mustExcerpt(t)
	res, err := ref.Resolve("Ovis ammon", "KG")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range res.ListedDifferently {
		got = append(got, c.Name+" "+c.Appendix)
	}
	if want := []string{"Ovis ammon hodgsonii I", "Ovis ammon nigrimontana I"}; !cmp.Equal(want, got) {
		t.Errorf("ListedDifferently = %q, want %q", got, want)
	}
}

func TestParseExcerptZeroQuotas(t *testing.T) {
	ref, _ := mustExcerpt(t)
	tests := []struct {
		name, country, source, purpose string
		want                           bool
	}{
		{"Crocodylus niloticus", "EG", "W", "T", true},
		{"Crocodylus niloticus", "EG", "C", "T", false},
		{"Crocodylus niloticus", "KE", "W", "T", false},
		{"Crocodylus moreletii", "BZ", "W", "T", true},
		{"Crocodylus moreletii", "MX", "W", "T", false},
		{"Centrochelys sulcata", "SN", "W", "T", true},
		{"Centrochelys sulcata", "SN", "W", "S", false},
		{"Testudo horsfieldii", "UZ", "W", "T", false}, // the same annotation, another species
		{"Falco cherrug", "KZ", "W", "T", false},
	}
	for _, tt := range tests {
		l, err := ref.ListingFor(tt.name, tt.country)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if _, got := l.ZeroQuota(tt.source, tt.purpose); got != tt.want {
			t.Errorf("%s from %s, %s/%s: zero quota %v, want %v (%+v)", tt.name, tt.country, tt.source, tt.purpose, got, tt.want, l.ZeroQuotas)
		}
	}
}

// TestParseLoadRoundTrip stores the excerpt and reads it back: every taxon, listing and
// name is the same.
func TestParseLoadRoundTrip(t *testing.T) {
	ref, stored := mustExcerpt(t)
	back, err := Load(bytes.NewReader(stored))
	if err != nil {
		t.Fatal(err)
	}
	if back.Version() != ref.Version() || !back.Effective().Equal(ref.Effective()) || back.Source() != ref.Source() {
		t.Errorf("header %q %v %q, want %q %v %q", back.Version(), back.Effective(), back.Source(), ref.Version(), ref.Effective(), ref.Source())
	}
	if back.Len() != ref.Len() || !cmp.Equal(back.Counts(), ref.Counts()) || !cmp.Equal(back.Warnings(), ref.Warnings()) {
		t.Fatalf("Len %d, Counts %+v; want %d, %+v", back.Len(), back.Counts(), ref.Len(), ref.Counts())
	}
	for i := range ref.Len() {
		if diff := cmp.Diff(ref.At(i), back.At(i)); diff != "" {
			t.Fatalf("taxon %d (-parsed +loaded):\n%s", i, diff)
		}
	}
	for _, r := range mustExcerptRows(t)[1:] {
		for _, c := range []string{"", "MN", "KZ", "CO"} {
			a, aerr := ref.Resolve(r[colFullName], c)
			b, berr := back.Resolve(r[colFullName], c)
			if !cmp.Equal(a, b) || (aerr == nil) != (berr == nil) || aerr != nil && aerr.Error() != berr.Error() {
				t.Fatalf("Resolve(%q, %q): parsed %+v, %v; loaded %+v, %v", r[colFullName], c, a.Listing, aerr, b.Listing, berr)
			}
		}
	}
	// Stored again, the same bytes.
	if again, _, err := Parse(bytes.NewReader(excerpt.data), ref.Version(), ref.Effective(), ref.Source()); err != nil {
		t.Fatal(err)
	} else if again.Len() != ref.Len() {
		t.Errorf("a second Parse gives %d taxa", again.Len())
	}
	t.Logf("stored form of the excerpt: %d bytes", len(stored))
}

func TestParseFormats(t *testing.T) {
	// The OpenCITES CSV still imports through Parse, with the starter format stored.
	ref, stored, err := Parse(strings.NewReader(sampleCSV), "2027-test", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), "test")
	if err != nil {
		t.Fatal(err)
	}
	back, err := Load(bytes.NewReader(stored))
	if err != nil || back.Len() != ref.Len() || ref.Len() != 9 {
		t.Fatalf("Load of the stored OpenCITES CSV: %v, %d taxa", err, ref.Len())
	}
	if _, _, err := Parse(strings.NewReader(sampleCSV), " ", time.Now(), ""); err == nil {
		t.Error("Parse without a version succeeded")
	}
}
