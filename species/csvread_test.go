package species

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func readAll(t *testing.T, s string) ([][]string, []int, error) {
	t.Helper()
	c := newCSVReader(strings.NewReader(s))
	var recs [][]string
	var ends []int
	for {
		rec, err := c.read()
		if err == io.EOF {
			return recs, ends, nil
		}
		if err != nil {
			return recs, ends, err
		}
		var row []string
		for _, f := range rec {
			row = append(row, string(f))
		}
		recs = append(recs, row)
		ends = append(ends, c.lastEnd)
	}
}

func TestCSVRead(t *testing.T) {
	recs, ends, err := readAll(t, "a,b,c\r\n1,\"two\r\nlines\",\"say \"\"hi\"\"\"\r\n\r\nx,,\"\"\nlast,row,no newline")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"a", "b", "c"}, {"1", "two\nlines", `say "hi"`}, {"x", "", ""}, {"last", "row", "no newline"}}
	if len(recs) != len(want) {
		t.Fatalf("records %q, want %q", recs, want)
	}
	for i := range want {
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("record %d = %q, want %q", i, recs[i], want[i])
		}
	}
	// Physical lines a record ends on: the quoted newline counts, the blank line too.
	if got := ends; len(got) != 4 || got[0] != 1 || got[1] != 3 || got[2] != 5 || got[3] != 6 {
		t.Errorf("records end on lines %v, want [1 3 5 6]", got)
	}
}

func TestCSVReadErrors(t *testing.T) {
	tests := []struct {
		name, in     string
		line, column int
	}{
		{"UnclosedQuote", "a,b\n1,\"open\nstill open", 2, 2},
		{"TextAfterQuote", "a,b\n1,\"x\"y\n", 2, 2},
		{"InvalidUTF8", "a,b\n1,\"ok\nbad \xff\"\n", 3, 2},
		{"CellTooLong", "a,b\n1," + strings.Repeat("x", MaxCellSize+1) + "\n", 2, 2},
		{"QuotedCellTooLong", "a\n\"" + strings.Repeat("x\n", MaxCellSize/2+1) + "\"\n", 2 + MaxCellSize/2, 1},
		{"TooManyCells", "a\n" + strings.Repeat(",", maxColumns+1) + "\n", 2, maxColumns + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(t, tt.in)
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Line != tt.line || fe.Column != tt.column {
				t.Errorf("error %v (%+v), want line %d, column %d", err, fe, tt.line, tt.column)
			}
		})
	}
}

func TestSizeGuard(t *testing.T) {
	g := &sizeGuard{r: strings.NewReader(strings.Repeat("a", 100)), max: 99}
	if _, err := io.ReadAll(g); !errors.Is(err, ErrTooLarge) {
		t.Errorf("100 bytes through a 99-byte guard: %v", err)
	}
	g = &sizeGuard{r: strings.NewReader(strings.Repeat("a", 99)), max: 99}
	if b, err := io.ReadAll(g); err != nil || len(b) != 99 {
		t.Errorf("99 bytes through a 99-byte guard: %d, %v", len(b), err)
	}
}
