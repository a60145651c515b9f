package applications

import (
	"testing"
	"time"
)

func TestReference(t *testing.T) {
	created := time.Date(2026, 11, 29, 23, 30, 0, 0, time.FixedZone("KGT", 6*3600)) // 17:30 UTC
	ref := Reference(123, created)
	if ref != "A-2026-000123" {
		t.Fatalf("Reference = %q", ref)
	}
	for _, s := range []string{ref, " a-2026-000123 ", "A-2026-123"} {
		if id, year, ok := ParseReference(s); !ok || id != 123 || year != 2026 {
			t.Errorf("ParseReference(%q) = %d, %d, %v", s, id, year, ok)
		}
	}
	for _, s := range []string{"", "A-26-000123", "B-2026-000123", "A-2026-", "A-2026-0", "A-2026--5", "123"} {
		if _, _, ok := ParseReference(s); ok {
			t.Errorf("ParseReference(%q) accepted", s)
		}
	}
}

// FuzzParseReference: a search for any text never panics, and what it
// accepts names a positive number that Reference writes back.
func FuzzParseReference(f *testing.F) {
	f.Add("A-2026-000123")
	f.Add("a-1999-1")
	f.Fuzz(func(t *testing.T, s string) {
		id, year, ok := ParseReference(s)
		if ok && (id <= 0 || year < 0) {
			t.Fatalf("ParseReference(%q) = %d, %d", s, id, year)
		}
	})
}
