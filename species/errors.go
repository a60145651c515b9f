package species

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is returned (possibly wrapped, with the name that failed) when a name or
// id resolves to no taxon of the reference. An *AmbiguousError matches it too, so that
// callers written before ErrAmbiguous existed refuse an ambiguous name as they refuse an
// unknown one.
var ErrNotFound = errors.New("species: taxon not found")

// ErrAmbiguous is matched by an *AmbiguousError: a name that resolves, but not to one
// listing.
var ErrAmbiguous = errors.New("species: ambiguous")

// ErrTooLarge is wrapped by the *FormatError for a file or a cell over its limit
// (MaxFileSize, MaxCellSize).
var ErrTooLarge = errors.New("too large")

// AmbiguousError says why a name cannot be given one listing, and which lower taxa,
// populations or taxa sharing the name decide it. It matches ErrAmbiguous and
// ErrNotFound with errors.Is.
type AmbiguousError struct {
	Name       string      // the name as asked
	Taxon      string      // the accepted name it resolved to; "" when the name itself is ambiguous
	Reason     string      // why, in a sentence
	Candidates []Candidate // what decides it: lower taxa, populations, or the taxa sharing the name
}

// Candidate is one of the taxa or populations an *AmbiguousError names.
type Candidate struct {
	ID       string // taxon id, "" for a population
	Name     string // "Vultur gryphus", or "Ursus arctos (populations of BT, CN, MN, MX)"
	Appendix string // "I", "II", "III", "NC", or a split such as "I/II"
}

func (e *AmbiguousError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "species: %q is ambiguous: %s", e.Name, e.Reason)
	for i, c := range e.Candidates {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(c.Name)
		if c.Appendix != "" {
			fmt.Fprintf(&b, " (%s)", c.Appendix)
		}
	}
	return b.String()
}

// Is reports whether target is ErrAmbiguous or ErrNotFound.
func (e *AmbiguousError) Is(target error) bool {
	return target == ErrAmbiguous || target == ErrNotFound
}

// FormatError is a listing file refused: the physical line of the file (1-based, counting
// the newlines inside quoted cells) and the column where the problem is.
type FormatError struct {
	Line   int    // physical line, 1-based
	Column int    // 1-based column; 0 when the problem is not in one column
	Name   string // the column's name from the header, when known
	Err    error
}

func (e *FormatError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "species: listing file line %d", e.Line)
	if e.Column > 0 {
		fmt.Fprintf(&b, ", column %d", e.Column)
		if e.Name != "" {
			fmt.Fprintf(&b, " (%s)", e.Name)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *FormatError) Unwrap() error { return e.Err }
