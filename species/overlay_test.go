package species

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestOverlayExcerpt(t *testing.T) {
	imported, _ := mustExcerpt(t)
	ref := imported.Overlay(Default())
	rep := ref.OverlayReport()
	if rep == nil || imported.OverlayReport() != nil {
		t.Fatal("OverlayReport")
	}
	// The import is unchanged.
	if tx, _ := imported.Lookup("Falco cherrug"); len(tx.CommonNames["ru"]) > 0 || tx.IDHints != nil {
		t.Errorf("Overlay changed the import: %v", tx.CommonNames)
	}
	tests := []struct {
		name, taxon, ru string
		notes           bool
	}{
		{"балобан", "Falco cherrug", "балобан", true},
		{"сапсан", "Falco peregrinus", "сапсан", true},
		{"илбирс", "Uncia uncia", "снежный барс", true}, // the starter's Panthera uncia
		{"ирбис", "Uncia uncia", "снежный барс", true},
		{"архар", "Ovis ammon", "архар", true},
		{"манул", "Felis manul", "манул", true}, // the starter's Otocolobus manul, through its synonym
		{"среднеазиатская черепаха", "Testudo horsfieldii", "среднеазиатская черепаха", true},
	}
	for _, tt := range tests {
		res, err := ref.Resolve(tt.name, "KG")
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.name, err)
			continue
		}
		tx := res.Taxon
		if tx.Name != tt.taxon || !slices.Contains(tx.CommonNames["ru"], tt.ru) || tt.notes && (tx.Hint("ru") == "" && tx.Risk("ru") == "") {
			t.Errorf("Resolve(%q) = %s, ru %q, hints %q", tt.name, tx.Name, tx.CommonNames["ru"], tx.IDHints)
		}
		if got := ref.Search(tt.name, 1); len(got) == 0 || got[0].Taxon.Name != tt.taxon {
			t.Errorf("Search(%q) = %v", tt.name, matchNames(got))
		}
		// The import's own English names stay; the starter's are not added.
		if len(tx.CommonNames["en"]) == 0 {
			t.Errorf("%s lost its English names", tx.Name)
		}
	}
	uncia, _ := ref.Lookup("Uncia uncia")
	if !slices.Contains(uncia.Terms, "SKI") || uncia.Risk("ky") == "" || uncia.CurrentListing != "I" {
		t.Errorf("Uncia uncia: terms %v, risk %q, listing %q", uncia.Terms, uncia.Risk("ky"), uncia.CurrentListing)
	}

	// Subspecies of imported species are added, with the species' listing as it
	// applies to them.
	checkResolve(t, ref, []resolveCase{
		{"Ovis ammon polii", "KG", "Ovis ammon polii", "II"},
		{"Ovis ammon polii", "TJ", "Ovis ammon polii", "II"},
		{"Ovis ammon karelini", "KG", "Ovis ammon karelini", "II"},
		{"Ovis ammon nigrimontana", "KZ", "Ovis ammon nigrimontana", "I"}, // imported, not added
		{"Capra falconeri heptneri", "TJ", "Capra falconeri heptneri", "I"},
		{"Marco Polo sheep", "KG", "", ""}, // the import's English name of Ovis ammon, and the starter's of polii
		{"Canis lupus familiaris", "KG", "Canis lupus familiaris", "NC"},
		{"Canis lupus dingo", "AU", "Canis lupus dingo", "NC"},
		{"Canis lupus", "KG", "Canis lupus", "II"},
	})
	polii, err := ref.Lookup("памирский архар")
	if err != nil || polii.Name != "Ovis ammon polii" || polii.Parent != "ovis-ammon" || polii.Rank != "subspecies" {
		t.Errorf("Lookup(памирский архар) = %+v, %v", polii, err)
	}
	for _, want := range []string{"Ovis ammon polii (under Ovis ammon): II", "Capra falconeri heptneri (under Capra falconeri): I",
		"Canis lupus familiaris (under Canis lupus): not listed"} {
		if !slices.Contains(rep.Added, want) {
			t.Errorf("Added %q lacks %q", rep.Added, want)
		}
	}
	for _, want := range []string{"Panthera uncia -> Uncia uncia", "Otocolobus manul -> Felis manul", "Saiga mongolica -> Saiga borealis"} {
		if !slices.Contains(rep.Matched, want) {
			t.Errorf("Matched lacks %q", want)
		}
	}
	// Taxa the import does not hold, nor their species, are left out: not CITES taxa
	// in this import (the excerpt lacks Tulipa and Grus grus).
	for _, name := range []string{"Tulipa", "Grus grus", "Saussurea costus"} {
		if !slices.Contains(rep.Dropped, name) {
			t.Errorf("Dropped %q lacks %q", rep.Dropped, name)
		}
		if _, err := ref.Resolve(name, "KG"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Resolve(%q) error %v, want ErrNotFound", name, err)
		}
	}
	if got := len(rep.Matched) + len(rep.Added) + len(rep.Dropped); got != Default().Len() {
		t.Errorf("the report accounts for %d starter taxa, want %d", got, Default().Len())
	}
	if ref.Len() != imported.Len()+len(rep.Added) {
		t.Errorf("Len %d, want %d + %d", ref.Len(), imported.Len(), len(rep.Added))
	}
	t.Logf("matched %d, added %q, dropped %d: %s", len(rep.Matched), rep.Added, len(rep.Dropped), strings.Join(rep.Dropped, ", "))
}
