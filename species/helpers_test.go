package species

import (
	"bytes"
	"encoding/csv"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/opencites/opencites/internal/testenv"
)

// The Species+ excerpt is shared reference data, not part of the repository: tests that
// need it find it at CITES_SPECIESPLUS_EXCERPT or where the development machines keep
// it, and skip when it is absent (CI=true makes them fail instead).
const defaultExcerpt = "/work/shared/speciesplus/index-of-cites-species-excerpt.csv"

var excerpt struct {
	once  sync.Once
	data  []byte
	err   error
	rows  [][]string
	ref   *Reference
	bytes []byte
	perr  error
}

func excerptPath() string {
	if p := os.Getenv("CITES_SPECIESPLUS_EXCERPT"); p != "" {
		return p
	}
	return defaultExcerpt
}

func loadExcerpt() {
	excerpt.data, excerpt.err = os.ReadFile(excerptPath())
	if excerpt.err != nil {
		return
	}
	r := csv.NewReader(bytes.NewReader(excerpt.data))
	excerpt.rows, excerpt.err = r.ReadAll()
	if excerpt.err != nil {
		return
	}
	excerpt.ref, excerpt.bytes, excerpt.perr = Parse(bytes.NewReader(excerpt.data), "2017-04-21-excerpt",
		time.Date(2017, 4, 21, 0, 0, 0, 0, time.UTC), "Species+ (UNEP-WCMC, CITES Secretariat), Index of CITES Species, excerpt")
}

func needExcerpt(tb testing.TB) {
	tb.Helper()
	excerpt.once.Do(loadExcerpt)
	hint := "set CITES_SPECIESPLUS_EXCERPT to the Species+ excerpt CSV"
	if excerpt.err != nil {
		hint = excerpt.err.Error() + "; " + hint
	}
	testenv.Need(tb, "the Species+ excerpt", excerpt.err == nil, hint)
}

// mustExcerptRows returns the excerpt as encoding/csv reads it, header first: the
// independent reading the tests compare with.
func mustExcerptRows(tb testing.TB) [][]string {
	tb.Helper()
	needExcerpt(tb)
	return excerpt.rows
}

// mustExcerpt returns the excerpt parsed, and the bytes Parse returned.
func mustExcerpt(tb testing.TB) (*Reference, []byte) {
	tb.Helper()
	needExcerpt(tb)
	if excerpt.perr != nil {
		tb.Fatalf("Parse(excerpt): %v", excerpt.perr)
	}
	return excerpt.ref, excerpt.bytes
}
