package species

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const sampleCSV = `FullName,RankName,Parent,CurrentListing,Annotation,Populations,ZeroQuotas,Synonyms,English,Russian,Kyrgyz,Terms,IdHints,RiskNotes
Bovidae,FAMILY,,,,,,,,,,,,
Ovis,GENUS,Bovidae,,,,,,,,,,,
Ovis ammon,SPECIES,,II,,,,,argali,архар,аркар,TRO,,
Ovis ammon polii,SUBSPECIES,,I,,,,,Marco Polo sheep,,,TRO,,Uplisted in this test listing
Saiga,GENUS,Bovidae,II,,,W/T,,saiga,сайгак,,HOR,,
Saiga tatarica,SPECIES,,,,,,Saiga borealis,,,,,,
Ursus,GENUS,,,,,,,,,,,,
Ursus arctos,SPECIES,,II,,"BT,CN,MX,MN=I",,,brown bear,,,TRO,,
Tulipa,GENUS,,NC,,,,,tulips,,,,,
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
		{"Ovis ammon karelini", "", "II"},
		{"Saiga borealis", "", "II"},
		{"Ursus arctos", "MN", "I"},
		{"Ursus arctos", "KG", "II"},
		{"Tulipa greigii", "", ""},
	} {
		l, err := ref.ListingFor(c.name, c.country)
		if err != nil || l.Appendix != c.want {
			t.Errorf("%s (%s): %q %v, want %q", c.name, c.country, l.Appendix, err, c.want)
		}
	}
	l, _ := ref.ListingFor("Saiga tatarica", "KZ")
	if _, ok := l.ZeroQuota("W", "T"); !ok {
		t.Errorf("saiga zero quota lost")
	}
	if tx, err := ref.Lookup("архар"); err != nil || tx.Name != "Ovis ammon" {
		t.Errorf("Russian name: %v %v", tx, err)
	}
}

func TestFromCSVErrors(t *testing.T) {
	for name, csv := range map[string]string{
		"BadHeader":     "Name,Rank\nx,y\n",
		"OrphanParent":  strings.Join(CSVColumns, ",") + "\nFalco cherrug,SPECIES,,II,,,,,,,,,,\n",
		"BadListing":    strings.Join(CSVColumns, ",") + "\nFalco,GENUS,,IV,,,,,,,,,,\n",
		"BadPopulation": strings.Join(CSVColumns, ",") + "\nFalco,GENUS,,II,,MN,,,,,,,,\n",
		"ShortRow":      strings.Join(CSVColumns, ",") + "\nFalco,GENUS\n",
	} {
		if _, _, err := FromCSV(strings.NewReader(csv), "v", time.Now(), ""); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, _, err := FromCSV(strings.NewReader(sampleCSV), "", time.Now(), ""); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("no version: %v", err)
	}
}
