package species

import (
	"errors"
	"fmt"
	"strings"
)

// ErrTooLarge is wrapped by the *FormatError for a file or a cell over its limit
// (MaxFileSize, MaxCellSize).
var ErrTooLarge = errors.New("too large")

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
