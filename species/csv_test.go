package species

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const sampleCSV = `FullName,RankName,Parent,CurrentListing,Annotation,Populations,ZeroQuotas,Synonyms,English,Russian,Kyrgyz,Terms,IdHints,RiskNotes,IdHintsRu,IdHintsKy,RiskNotesRu,RiskNotesKy
Bovidae,FAMILY,,,,,,,,,,,,,,,,
Ovis,GENUS,Bovidae,,,,,,,,,,,,,,,
Ovis ammon,SPECIES,,II,,,,,argali,архар,аркар,TRO,,,,,,
Ovis ammon polii,SUBSPECIES,,I,,,,,Marco Polo sheep,,,TRO,Record the subspecies,Uplisted in this test listing,Укажите подвид,Түрчөнү жазыңыз,,
Saiga,GENUS,Bovidae,II,,,W/T,,saiga,сайгак,,HOR,,,,,,
Saiga tatarica,SPECIES,,,,,,Saiga borealis,,,,,,,,,,
Ursus,GENUS,,,,,,,,,,,,,,,,
Ursus arctos,SPECIES,,II,,"BT,CN,MX,MN=I",,,brown bear,,,TRO,,,,,,
Tulipa,GENUS,,NC,,,,,tulips,,,,,,,,,
`

func TestFromCSV(t *testing.T) {
	ref, js, err := FromCSV(strings.NewReader(sampleCSV), "2027-test", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), "test")
	if err != nil {
		t.Fatal(err)
	}
	if ref.Version() != "2027-test" || len(js) == 0 {
		t.Fatalf("version %q", ref.Version())
	}
	for _, c := range []struct{ name, country, want string }{
		{"Ovis ammon polii", "", "I"},
		{"Saiga borealis", "", "II"},
		{"Ursus arctos", "MN", "I"},
		{"Ursus arctos", "KG", "II"},
		{"Tulipa", "", ""},
	} {
		l, err := ref.ListingFor(c.name, c.country)
		if err != nil || l.Appendix != c.want {
			t.Errorf("%s (%s): %q %v, want %q", c.name, c.country, l.Appendix, err, c.want)
		}
	}
	// Names not in the file are refused, even under a listed species or genus.
	for _, name := range []string{"Ovis ammon karelini", "Tulipa greigii", "Saiga mongolica"} {
		if _, err := ref.ListingFor(name, ""); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: error %v, want ErrNotFound", name, err)
		}
	}
	l, _ := ref.ListingFor("Saiga tatarica", "KZ")
	if _, ok := l.ZeroQuota("W", "T"); !ok {
		t.Errorf("saiga zero quota lost")
	}
	if tx, err := ref.Lookup("архар"); err != nil || tx.Name != "Ovis ammon" {
		t.Errorf("Russian name: %v %v", tx, err)
	}
	polii, err := ref.Get("ovis-ammon-polii")
	if err != nil {
		t.Fatal(err)
	}
	wantHints := map[string]string{"en": "Record the subspecies", "ru": "Укажите подвид", "ky": "Түрчөнү жазыңыз"}
	wantRisk := map[string]string{"en": "Uplisted in this test listing"}
	if !cmp.Equal(polii.IDHints, wantHints) || !cmp.Equal(polii.RiskNotes, wantRisk) {
		t.Errorf("polii notes: %v %v", polii.IDHints, polii.RiskNotes)
	}
	if got := polii.Risk("ky"); got != "Uplisted in this test listing" {
		t.Errorf("Risk(ky) = %q, want the English fallback", got)
	}
	if argali, _ := ref.Get("ovis-ammon"); argali.IDHints != nil || argali.RiskNotes != nil {
		t.Errorf("empty cells gave notes: %v %v", argali.IDHints, argali.RiskNotes)
	}
}

func TestFromCSVErrors(t *testing.T) {
	for name, csv := range map[string]string{
		"BadHeader":      "Name,Rank\nx,y\n",
		"OrphanParent":   strings.Join(CSVColumns, ",") + "\nFalco cherrug,SPECIES,,II,,,,,,,,,,,,,,\n",
		"BadListing":     strings.Join(CSVColumns, ",") + "\nFalco,GENUS,,IV,,,,,,,,,,,,,,\n",
		"BadPopulation":  strings.Join(CSVColumns, ",") + "\nFalco,GENUS,,II,,MN,,,,,,,,,,,,\n",
		"ShortRow":       strings.Join(CSVColumns, ",") + "\nFalco,GENUS\n",
		"HalfTranslated": strings.Join(CSVColumns, ",") + "\nFalco,GENUS,,II,,,,,,,,,,,,\n",
		"LongRow":        strings.Join(CSVColumns, ",") + "\nFalco,GENUS,,II,,,,,,,,,,,,,,,\n",
		"LongHeader":     strings.Join(CSVColumns, ",") + ",Extra\nFalco,GENUS,,II,,,,,,,,,,,,,,,\n",
	} {
		_, _, err := FromCSV(strings.NewReader(csv), "v", time.Now(), "")
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Line < 1 {
			t.Errorf("%s: error %v, want a *FormatError with a line", name, err)
		}
	}
	if _, _, err := FromCSV(strings.NewReader(sampleCSV), "", time.Now(), ""); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("no version: %v", err)
	}
}

// TestFromCSVUntranslated imports the layout from before the translated notes: the
// header and rows stop at RiskNotes.
func TestFromCSVUntranslated(t *testing.T) {
	const old = `FullName,RankName,Parent,CurrentListing,Annotation,Populations,ZeroQuotas,Synonyms,English,Russian,Kyrgyz,Terms,IdHints,RiskNotes
Falconiformes,ORDER,,II,,,,,birds of prey,,,LIV,Check the guide,
Falco,GENUS,Falconiformes,,,,,,,,,,,
`
	ref, _, err := FromCSV(strings.NewReader(old), "v", time.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := ref.Get("falconiformes")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"en": "Check the guide"}; !cmp.Equal(tx.IDHints, want) || tx.RiskNotes != nil {
		t.Errorf("notes: %v %v", tx.IDHints, tx.RiskNotes)
	}
}
