package species

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDefault(t *testing.T) {
	// Load the embedded file directly too, so a broken file fails here with its error
	// rather than as a panic in Default.
	if _, err := Load(bytes.NewReader(listingJSON)); err != nil {
		t.Fatalf("embedded listing: %v", err)
	}
	r := Default()
	if r != Default() {
		t.Error("Default() returned two different references")
	}
	if got, want := r.Version(), "2025-CoP20-starter"; got != want {
		t.Errorf("Version() = %q, want %q", got, want)
	}
	if got, want := r.Effective(), time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Effective() = %v, want %v", got, want)
	}
	if r.Source() == "" {
		t.Error("Source() is empty")
	}
}

// listingResult is the part of a Listing the table tests compare.
type listingResult struct {
	TaxonID    string
	Rank       string
	Appendix   string
	ListedAs   string
	NotListed  bool
	Annotation string // prefix, e.g. "#4"
	ZeroQuotas int
}

func TestListingFor(t *testing.T) {
	tests := []struct {
		name, country string
		want          listingResult
	}{
		{"Falco cherrug", "KG", listingResult{TaxonID: "falco-cherrug", Rank: "species", Appendix: "II", ListedAs: "Falconiformes"}},
		{"Falco peregrinus", "KG", listingResult{TaxonID: "falco-peregrinus", Rank: "species", Appendix: "I", ListedAs: "Falco peregrinus"}},
		{"Falco rusticolus", "", listingResult{TaxonID: "falco-rusticolus", Rank: "species", Appendix: "I", ListedAs: "Falco rusticolus"}},
		{"Aquila heliaca", "KZ", listingResult{TaxonID: "aquila-heliaca", Rank: "species", Appendix: "I", ListedAs: "Aquila heliaca"}},
		{"Aquila chrysaetos", "KG", listingResult{TaxonID: "aquila-chrysaetos", Rank: "species", Appendix: "II", ListedAs: "Falconiformes"}},
		{"Ovis ammon", "KG", listingResult{TaxonID: "ovis-ammon", Rank: "species", Appendix: "II", ListedAs: "Ovis ammon"}},
		{"Ovis ammon nigrimontana", "KZ", listingResult{TaxonID: "ovis-ammon-nigrimontana", Rank: "subspecies", Appendix: "I", ListedAs: "Ovis ammon nigrimontana"}},
		{"Ovis ammon hodgsonii", "CN", listingResult{TaxonID: "ovis-ammon-hodgsonii", Rank: "subspecies", Appendix: "I", ListedAs: "Ovis ammon hodgsonii"}},
		{"Ovis ammon polii", "KG", listingResult{TaxonID: "ovis-ammon-polii", Rank: "subspecies", Appendix: "II", ListedAs: "Ovis ammon"}},
		{"Ovis ammon karelini", "KG", listingResult{TaxonID: "ovis-ammon-karelini", Rank: "subspecies", Appendix: "II", ListedAs: "Ovis ammon"}},
		{"Ursus arctos", "KG", listingResult{TaxonID: "ursus-arctos", Rank: "species", Appendix: "II", ListedAs: "Ursus arctos"}},
		{"Ursus arctos", "MN", listingResult{TaxonID: "ursus-arctos", Rank: "species", Appendix: "I", ListedAs: "Ursus arctos (population of MN)"}},
		{"Ursus arctos", " cn ", listingResult{TaxonID: "ursus-arctos", Rank: "species", Appendix: "I", ListedAs: "Ursus arctos (population of CN)"}},
		{"Ursus arctos isabellinus", "KG", listingResult{TaxonID: "ursus-arctos-isabellinus", Rank: "subspecies", Appendix: "I", ListedAs: "Ursus arctos isabellinus"}},
		{"Ursus arctos isabellinus", "PK", listingResult{TaxonID: "ursus-arctos-isabellinus", Rank: "subspecies", Appendix: "I", ListedAs: "Ursus arctos isabellinus"}},
		{"Canis lupus", "IN", listingResult{TaxonID: "canis-lupus", Rank: "species", Appendix: "I", ListedAs: "Canis lupus (population of IN)"}},
		{"Canis lupus", "KG", listingResult{TaxonID: "canis-lupus", Rank: "species", Appendix: "II", ListedAs: "Canis lupus"}},
		{"Canis lupus familiaris", "KG", listingResult{TaxonID: "canis-lupus-familiaris", Rank: "subspecies", ListedAs: "Canis lupus familiaris", NotListed: true}},
		{"Moschus moschiferus", "NP", listingResult{TaxonID: "moschus-moschiferus", Rank: "species", Appendix: "I", ListedAs: "Moschus (population of NP)"}},
		{"Moschus moschiferus", "RU", listingResult{TaxonID: "moschus-moschiferus", Rank: "species", Appendix: "II", ListedAs: "Moschus"}},
		{"Moschus spp.", "AF", listingResult{TaxonID: "moschus", Rank: "genus", Appendix: "I", ListedAs: "Moschus (population of AF)"}},
		{"Panthera uncia", "KG", listingResult{TaxonID: "panthera-uncia", Rank: "species", Appendix: "I", ListedAs: "Panthera uncia"}},
		{"Uncia uncia", "KG", listingResult{TaxonID: "panthera-uncia", Rank: "species", Appendix: "I", ListedAs: "Panthera uncia"}},
		{"Panthera pardus", "TM", listingResult{TaxonID: "panthera-pardus", Rank: "species", Appendix: "I", ListedAs: "Panthera pardus"}},
		{"Lynx lynx", "KG", listingResult{TaxonID: "lynx-lynx", Rank: "species", Appendix: "II", ListedAs: "Felidae"}},
		{"Otocolobus manul", "MN", listingResult{TaxonID: "otocolobus-manul", Rank: "species", Appendix: "II", ListedAs: "Felidae"}},
		{"Felis catus", "KG", listingResult{TaxonID: "felis-catus", Rank: "species", ListedAs: "Felis catus", NotListed: true}},
		{"Testudo horsfieldii", "UZ", listingResult{TaxonID: "testudo-horsfieldii", Rank: "species", Appendix: "II", ListedAs: "Testudinidae"}},
		{"Agrionemys horsfieldii", "UZ", listingResult{TaxonID: "testudo-horsfieldii", Rank: "species", Appendix: "II", ListedAs: "Testudinidae"}},
		{"Testudo (Agrionemys) horsfieldii", "UZ", listingResult{TaxonID: "testudo-horsfieldii", Rank: "species", Appendix: "II", ListedAs: "Testudinidae"}},
		{"Saiga tatarica", "KZ", listingResult{TaxonID: "saiga-tatarica", Rank: "species", Appendix: "II", ListedAs: "Saiga", ZeroQuotas: 1}},
		{"Saiga borealis", "MN", listingResult{TaxonID: "saiga-mongolica", Rank: "species", Appendix: "II", ListedAs: "Saiga", ZeroQuotas: 1}},
		{"Acipenser sturio", "", listingResult{TaxonID: "acipenser-sturio", Rank: "species", Appendix: "I", ListedAs: "Acipenser sturio"}},
		{"Acipenser brevirostrum", "", listingResult{TaxonID: "acipenser-brevirostrum", Rank: "species", Appendix: "I", ListedAs: "Acipenser brevirostrum"}},
		{"Acipenser nudiventris", "KZ", listingResult{TaxonID: "acipenser-nudiventris", Rank: "species", Appendix: "II", ListedAs: "Acipenseriformes"}},
		{"Huso huso", "", listingResult{TaxonID: "huso-huso", Rank: "species", Appendix: "II", ListedAs: "Acipenseriformes"}},
		{"Pseudoscaphirhynchus fedtschenkoi", "KZ", listingResult{TaxonID: "pseudoscaphirhynchus-fedtschenkoi", Rank: "species", Appendix: "II", ListedAs: "Acipenseriformes"}},
		{"Grus leucogeranus", "", listingResult{TaxonID: "grus-leucogeranus", Rank: "species", Appendix: "I", ListedAs: "Grus leucogeranus"}},
		{"Grus grus", "KG", listingResult{TaxonID: "grus-grus", Rank: "species", Appendix: "II", ListedAs: "Gruidae"}},
		{"Chlamydotis macqueenii", "KZ", listingResult{TaxonID: "chlamydotis-macqueenii", Rank: "species", Appendix: "I", ListedAs: "Chlamydotis macqueenii"}},
		{"Tetraogallus caspius", "", listingResult{TaxonID: "tetraogallus-caspius", Rank: "species", Appendix: "I", ListedAs: "Tetraogallus caspius"}},
		{"Capra falconeri heptneri", "TJ", listingResult{TaxonID: "capra-falconeri-heptneri", Rank: "subspecies", Appendix: "I", ListedAs: "Capra falconeri"}},
		{"Capra sibirica", "KG", listingResult{TaxonID: "capra-sibirica", Rank: "species", ListedAs: "Capra sibirica", NotListed: true}},
		{"Cervus elaphus bactrianus", "TJ", listingResult{TaxonID: "cervus-elaphus-bactrianus", Rank: "subspecies", Appendix: "II", ListedAs: "Cervus elaphus bactrianus"}},
		{"Cervus hanglu bactrianus", "UZ", listingResult{TaxonID: "cervus-elaphus-bactrianus", Rank: "subspecies", Appendix: "II", ListedAs: "Cervus elaphus bactrianus"}},
		{"Varanus griseus", "TM", listingResult{TaxonID: "varanus-griseus", Rank: "species", Appendix: "I", ListedAs: "Varanus griseus"}},
		{"Naja oxiana", "UZ", listingResult{TaxonID: "naja-oxiana", Rank: "species", Appendix: "II", ListedAs: "Naja oxiana"}},
		{"Parnassius apollo", "KG", listingResult{TaxonID: "parnassius-apollo", Rank: "species", Appendix: "II", ListedAs: "Parnassius apollo"}},
		{"Cistanche deserticola", "CN", listingResult{TaxonID: "cistanche-deserticola", Rank: "species", Appendix: "II", ListedAs: "Cistanche deserticola", Annotation: "#4"}},
		{"Adonis vernalis", "KZ", listingResult{TaxonID: "adonis-vernalis", Rank: "species", Appendix: "II", ListedAs: "Adonis vernalis", Annotation: "#2"}},
		{"Orchidaceae spp.", "", listingResult{TaxonID: "orchidaceae", Rank: "family", Appendix: "II", ListedAs: "Orchidaceae", Annotation: "#4"}},
		{"Saussurea lappa", "IN", listingResult{TaxonID: "saussurea-costus", Rank: "species", Appendix: "I", ListedAs: "Saussurea costus"}},
		{"Tulipa greigii", "KG", listingResult{TaxonID: "tulipa-greigii", Rank: "species", ListedAs: "Tulipa", NotListed: true}},
		{"Tulipa spp.", "UZ", listingResult{TaxonID: "tulipa", Rank: "genus", ListedAs: "Tulipa", NotListed: true}},
		{"Falco cherrug", "", listingResult{TaxonID: "falco-cherrug", Rank: "species", Appendix: "II", ListedAs: "Falconiformes"}},
		// Common names and untidy input resolve like scientific names.
		{"snow leopard", "KG", listingResult{TaxonID: "panthera-uncia", Rank: "species", Appendix: "I", ListedAs: "Panthera uncia"}},
		{"балобан", "KZ", listingResult{TaxonID: "falco-cherrug", Rank: "species", Appendix: "II", ListedAs: "Falconiformes"}},
		{"  FALCO   Cherrug ", "KZ", listingResult{TaxonID: "falco-cherrug", Rank: "species", Appendix: "II", ListedAs: "Falconiformes"}},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.country, func(t *testing.T) {
			l, err := r.ListingFor(tt.name, tt.country)
			if err != nil {
				t.Fatalf("ListingFor(%q, %q): %v", tt.name, tt.country, err)
			}
			got := listingResult{
				TaxonID: l.Taxon.ID, Rank: l.Taxon.Rank, Appendix: l.Appendix, ListedAs: l.ListedAs,
				NotListed: l.NotListed, ZeroQuotas: len(l.ZeroQuotas),
			}
			if tt.want.Annotation != "" && strings.HasPrefix(l.Annotation, tt.want.Annotation+":") {
				got.Annotation = tt.want.Annotation
			} else {
				got.Annotation = l.Annotation
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ListingFor(%q, %q) mismatch (-want +got):\n%s", tt.name, tt.country, diff)
			}
		})
	}
}

// TestResolveNoClimbing refuses a binomial or trinomial that is not in the reference
// although its genus or species is: the reference cannot say it is a CITES taxon, and
// the typo of an Appendix I species must not pass as its genus (these resolved through
// the genus before issue 14).
func TestResolveNoClimbing(t *testing.T) {
	r := Default()
	for _, name := range []string{
		"Falco tinnunculus",             // Falco is known
		"Falco tinnunculus tinnunculus", // so is Falco, not the species
		"Falco imaginarius",
		"Falco peregrinnus", // a typo of an Appendix I species
		"Ovis ammon darwini",
		"Ursus arctos arctos",
		"Lynx canadensis",
		"Testudo graeca",
		"Agrionemys kleinmanni", // under a genus synonym
		"Agrionemys graeca",
		"Acipenser ruthenus",
		"Dactylorhiza umbrosa",
		"Tulipa kaufmanniana",
	} {
		t.Run(name, func(t *testing.T) {
			res, err := r.Resolve(name, "KG")
			if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrAmbiguous) {
				t.Errorf("Resolve(%q) = %s, App. %q, %v; want ErrNotFound", name, res.Taxon.Name, res.Listing.Appendix, err)
			}
		})
	}
	if got := r.Suggest("Falco peregrinnus", 3); len(got) == 0 || got[0].Taxon.ID != "falco-peregrinus" {
		t.Errorf("Suggest(Falco peregrinnus) = %v, want falco-peregrinus first", ids(got))
	}
}

// TestResolveAmbiguous refuses a listing the reference cannot decide.
func TestResolveAmbiguous(t *testing.T) {
	r := Default()
	tests := []struct {
		name, country string
		candidate     string
	}{
		// A genus with no listing of its own whose species are listed differently.
		{"Ovis", "KG", "Ovis ammon"},
		{"Capra", "TJ", "Capra falconeri"},
		// Populations listed differently, and no country.
		{"Ursus arctos", "", "Ursus arctos (populations of BT, CN, MX, MN)"},
		{"Moschus moschiferus", "", "Moschus (populations of AF, BT, IN, MM, NP, PK)"},
	}
	for _, tt := range tests {
		_, err := r.Resolve(tt.name, tt.country)
		var amb *AmbiguousError
		if !errors.As(err, &amb) || !errors.Is(err, ErrAmbiguous) || !errors.Is(err, ErrNotFound) {
			t.Errorf("Resolve(%q, %q) error = %v, want an *AmbiguousError", tt.name, tt.country, err)
			continue
		}
		if !slices.ContainsFunc(amb.Candidates, func(c Candidate) bool { return c.Name == tt.candidate }) {
			t.Errorf("Resolve(%q, %q): candidates %+v lack %q", tt.name, tt.country, amb.Candidates, tt.candidate)
		}
	}
}

func TestResolveRequestedAs(t *testing.T) {
	r := Default()
	for _, tt := range []struct{ name, id, requestedAs string }{
		{"Panthera uncia", "panthera-uncia", ""},
		{"  panthera   UNCIA ", "panthera-uncia", ""},
		{"Uncia uncia", "panthera-uncia", "Uncia uncia"},
		{"ирбис", "panthera-uncia", "ирбис"},
		{"Saiga borealis", "saiga-mongolica", "Saiga borealis"},
	} {
		res, err := r.Resolve(tt.name, "KG")
		if err != nil || res.Taxon.ID != tt.id || res.RequestedAs != tt.requestedAs {
			t.Errorf("Resolve(%q) = %s asked as %q, %v; want %s asked as %q", tt.name, res.Taxon.ID, res.RequestedAs, err, tt.id, tt.requestedAs)
		}
	}
}

func TestListingForErrNotFound(t *testing.T) {
	for _, name := range []string{
		"Homo sapiens",
		"",
		"   ",
		"spp.",
		"Ovis aries",            // genus known but has no listing of its own
		"Capra hircus",          // likewise
		"Cervus elaphus hanglu", // species known but has no listing of its own
		"Xenopus",
		"unknown animal",
		"Felis catus domesticus extra words",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Default().ListingFor(name, "KG")
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("ListingFor(%q) error = %v, want ErrNotFound", name, err)
			}
		})
	}
}

func TestListingZeroQuota(t *testing.T) {
	tests := []struct {
		name, source, purpose string
		want                  bool
	}{
		{"Saiga tatarica", "W", "T", true},
		{"Saiga tatarica", "w", " t", true},
		{"Saiga tatarica", "C", "T", false},
		{"Saiga tatarica", "W", "S", false},
		{"Saiga tatarica", "W", "H", false},
		{"Saiga mongolica", "W", "T", true},
		{"Saiga", "W", "T", true},
		{"Falco cherrug", "W", "T", false},
		{"Tulipa greigii", "W", "T", false},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.source+tt.purpose, func(t *testing.T) {
			l, err := Default().ListingFor(tt.name, "KZ")
			if err != nil {
				t.Fatal(err)
			}
			q, got := l.ZeroQuota(tt.source, tt.purpose)
			if got != tt.want {
				t.Errorf("ZeroQuota(%q, %q) = %v, want %v", tt.source, tt.purpose, got, tt.want)
			}
			if got && (q.Source != "W" || q.Purpose != "T" || q.Note == "") {
				t.Errorf("ZeroQuota returned %+v", q)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name   string
		wantID string
	}{
		{"Falco cherrug", "falco-cherrug"},
		{"falco cherrug", "falco-cherrug"},
		{"  Falco\tcherrug  ", "falco-cherrug"},
		{"FALCO CHERRUG", "falco-cherrug"},
		{"Falcó chérrug", "falco-cherrug"},
		{"Saiga spp.", "saiga"},
		{"Falconiformes spp", "falconiformes"},
		{"Ovis ammon ssp. polii", "ovis-ammon-polii"},
		// Synonyms.
		{"Uncia uncia", "panthera-uncia"},
		{"Agrionemys horsfieldii", "testudo-horsfieldii"},
		{"Saussurea lappa", "saussurea-costus"},
		{"Cervus hanglu bactrianus", "cervus-elaphus-bactrianus"},
		{"Agrionemys", "testudo"},
		// Common names in English, Russian and Kyrgyz.
		{"snow leopard", "panthera-uncia"},
		{"Snow Leopard", "panthera-uncia"},
		{"балобан", "falco-cherrug"},
		{"БАЛОБАН", "falco-cherrug"},
		{"илбирс", "panthera-uncia"},
		{"ирбис", "panthera-uncia"},
		{"снежный  барс", "panthera-uncia"},
		{"аркар", "ovis-ammon"},
		{"арка́р", "ovis-ammon"}, // with a stress mark
		{"архар", "ovis-ammon"},
		{"argali", "ovis-ammon"},
		{"Marco Polo sheep", "ovis-ammon-polii"},
		{"Pallas's cat", "otocolobus-manul"},
		{"Pallas’s cat", "otocolobus-manul"},
		{"винторогий козел", "capra-falconeri"}, // ё typed as е
		{"орлан белохвост", "haliaeetus-albicilla"},
		{"карышкыр", "canis-lupus"},
		{"кабарга", "moschus"},
		{"жоогазын", "tulipa"},
		{"Greig's tulip", "tulipa-greigii"},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Lookup(tt.name)
			if err != nil {
				t.Fatalf("Lookup(%q): %v", tt.name, err)
			}
			if got.ID != tt.wantID {
				t.Errorf("Lookup(%q) = %q, want %q", tt.name, got.ID, tt.wantID)
			}
		})
	}
}

func TestLookupErrNotFound(t *testing.T) {
	for _, name := range []string{"", "Homo sapiens", "Falco tinnunculus", "snow leopart", "Falco cherrug x"} {
		t.Run(name, func(t *testing.T) {
			if _, err := Default().Lookup(name); !errors.Is(err, ErrNotFound) {
				t.Errorf("Lookup(%q) error = %v, want ErrNotFound", name, err)
			}
		})
	}
}

func TestGet(t *testing.T) {
	r := Default()
	got, err := r.Get("saiga")
	if err != nil {
		t.Fatal(err)
	}
	want := []ZeroQuota{{Source: "W", Purpose: "T", Note: "Zero export quota for wild specimens traded for commercial purposes (CoP18, 2019)."}}
	if got.Name != "Saiga" || got.Rank != "genus" || got.Appendix != "II" || !cmp.Equal(got.ZeroQuotas, want) {
		t.Errorf("Get(saiga) = %+v", got)
	}
	if _, err := r.Get("Saiga"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(Saiga) error = %v, want ErrNotFound (ids are exact)", err)
	}
}

func TestReturnedTaxaAreCopies(t *testing.T) {
	r := Default()
	a, err := r.Get("ursus-arctos")
	if err != nil {
		t.Fatal(err)
	}
	a.Populations[0].Countries[0] = "KG"
	a.CommonNames["en"][0] = "changed"
	a.Terms[0] = "XXX"
	a.RiskNotes["ru"] = "changed"
	b, _ := r.Get("ursus-arctos")
	if b.Populations[0].Countries[0] == "KG" || b.CommonNames["en"][0] == "changed" || b.Terms[0] == "XXX" ||
		b.RiskNotes["ru"] == "changed" {
		t.Error("changing a returned Taxon changed the reference")
	}
}

func TestLoadErrors(t *testing.T) {
	const header = `{"version":"v","effective":"2025-06-01","source":"test","taxa":[`
	tests := []struct {
		name, taxa string
	}{
		{"DuplicateID", `{"id":"a","name":"A","rank":"genus"},{"id":"a","name":"B","rank":"genus"}`},
		{"MissingParent", `{"id":"a-b","name":"A b","rank":"species","parent":"a"}`},
		{"ParentOfLowerRank", `{"id":"a","name":"A","rank":"genus","parent":"a-b"},{"id":"a-b","name":"A b","rank":"species"}`},
		{"OwnParent", `{"id":"a","name":"A","rank":"genus","parent":"a"}`},
		{"BadRank", `{"id":"a","name":"A","rank":"tribe"}`},
		{"BadAppendix", `{"id":"a","name":"A","rank":"genus","appendix":"IV"}`},
		{"BadID", `{"id":"A B","name":"A","rank":"genus"}`},
		{"NoName", `{"id":"a","name":" ","rank":"genus"}`},
		{"NotListedWithAppendix", `{"id":"a","name":"A","rank":"genus","appendix":"II","not_listed":true}`},
		{"BadPopulationAppendix", `{"id":"a","name":"A","rank":"genus","populations":[{"countries":["MN"],"appendix":"0"}]}`},
		{"BadPopulationCountry", `{"id":"a","name":"A","rank":"genus","populations":[{"countries":["Mongolia"],"appendix":"I"}]}`},
		{"BadZeroQuotaSource", `{"id":"a","name":"A","rank":"genus","zero_quotas":[{"source":"Z","purpose":"T"}]}`},
		{"BadZeroQuotaPurpose", `{"id":"a","name":"A","rank":"genus","zero_quotas":[{"source":"W","purpose":"TT"}]}`},
		{"BadTerm", `{"id":"a","name":"A","rank":"genus","terms":["live"]}`},
		{"BadLanguage", `{"id":"a","name":"A","rank":"genus","common_names":{"Russian":["x"]}}`},
		{"BadHintLanguage", `{"id":"a","name":"A","rank":"genus","id_hints":{"EN":"x"}}`},
		{"BadRiskLanguage", `{"id":"a","name":"A","rank":"genus","risk_notes":{"russian":"x"}}`},
		{"BadRiskNotes", `{"id":"a","name":"A","rank":"genus","risk_notes":["x"]}`},
		{"BadHintValue", `{"id":"a","name":"A","rank":"genus","id_hints":{"en":1}}`},
		{"UnknownField", `{"id":"a","name":"A","rank":"genus","apendix":"I"}`},
		{"SynonymClash", `{"id":"a","name":"A","rank":"genus"},{"id":"b","name":"B","rank":"genus","synonyms":["a"]}`},
		{"NameClash", `{"id":"a","name":"A","rank":"genus"},{"id":"a2","name":"A","rank":"genus"}`},
		{"NoTaxa", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Load(strings.NewReader(header + tt.taxa + `]}`)); err == nil {
				t.Error("Load succeeded, want an error")
			}
		})
	}
	for name, doc := range map[string]string{
		"NoVersion":    `{"effective":"2025-06-01","taxa":[{"id":"a","name":"A","rank":"genus"}]}`,
		"BadEffective": `{"version":"v","effective":"1 June 2025","taxa":[{"id":"a","name":"A","rank":"genus"}]}`,
		"NotJSON":      `version: v`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Load(strings.NewReader(doc)); err == nil {
				t.Error("Load succeeded, want an error")
			}
		})
	}
}

func TestLoadSharedCommonName(t *testing.T) {
	r, err := Load(strings.NewReader(`{"version":"v","effective":"2025-06-01","taxa":[
		{"id":"a","name":"A","rank":"genus","appendix":"II","common_names":{"en":["eagle"]}},
		{"id":"b","name":"B","rank":"genus","appendix":"I","common_names":{"en":["eagle"],"ru":["орёл"]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Lookup("eagle"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Lookup of a shared common name: error = %v, want ErrNotFound (ambiguous)", err)
	}
	if _, err := r.ListingFor("eagle", ""); !errors.Is(err, ErrNotFound) || !errors.Is(err, ErrAmbiguous) {
		t.Errorf("ListingFor of a shared common name: error = %v, want ErrAmbiguous (and ErrNotFound)", err)
	}
	if got, err := r.Lookup("орел"); err != nil || got.ID != "b" {
		t.Errorf("Lookup(орел) = %q, %v; want b", got.ID, err)
	}
	if got := r.Search("eagle", 5); len(got) != 2 {
		t.Errorf("Search(eagle) found %d taxa, want 2", len(got))
	}
}

// TestLoadNotes reads both forms of id_hints and risk_notes: an object by language, and
// the plain English string of listings stored before the notes were translated.
func TestLoadNotes(t *testing.T) {
	r, err := Load(strings.NewReader(`{"version":"v","effective":"2025-06-01","taxa":[
		{"id":"a","name":"A","rank":"genus","id_hints":"Old hint","risk_notes":"Old risk"},
		{"id":"b","name":"B","rank":"genus","id_hints":{"en":"Hint","ru":"Подсказка","ky":"Кеңеш"},"risk_notes":{"en":"Risk","ru":" "}},
		{"id":"c","name":"C","rank":"genus","id_hints":"","risk_notes":null}]}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id        string
		hints     map[string]string
		riskNotes map[string]string
	}{
		{"a", map[string]string{"en": "Old hint"}, map[string]string{"en": "Old risk"}},
		{"b", map[string]string{"en": "Hint", "ru": "Подсказка", "ky": "Кеңеш"}, map[string]string{"en": "Risk"}},
		{"c", nil, nil},
	}
	for _, tt := range tests {
		tx, err := r.Get(tt.id)
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(tx.IDHints, tt.hints) || !cmp.Equal(tx.RiskNotes, tt.riskNotes) {
			t.Errorf("%s: IDHints %v, RiskNotes %v; want %v, %v", tt.id, tx.IDHints, tx.RiskNotes, tt.hints, tt.riskNotes)
		}
	}
}

func TestHintAndRisk(t *testing.T) {
	tx := Taxon{
		IDHints:   map[string]string{"en": "Hint", "ru": "Подсказка", "ky": "Кеңеш"},
		RiskNotes: map[string]string{"en": "Risk", "ru": "Риск"},
	}
	tests := []struct {
		lang, hint, risk string
	}{
		{"en", "Hint", "Risk"},
		{"ru", "Подсказка", "Риск"},
		{"ky", "Кеңеш", "Risk"}, // no Kyrgyz risk note: English
		{"de", "Hint", "Risk"},
		{"", "Hint", "Risk"},
	}
	for _, tt := range tests {
		if got := tx.Hint(tt.lang); got != tt.hint {
			t.Errorf("Hint(%q) = %q, want %q", tt.lang, got, tt.hint)
		}
		if got := tx.Risk(tt.lang); got != tt.risk {
			t.Errorf("Risk(%q) = %q, want %q", tt.lang, got, tt.risk)
		}
	}
	if got := (Taxon{}).Hint("ru"); got != "" {
		t.Errorf("Hint of a taxon without hints = %q, want empty", got)
	}
}
