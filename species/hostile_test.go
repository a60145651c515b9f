package species

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Listing files that must be refused, built in the Species+ layout without the excerpt.

// spHeader is the export's header row.
var spHeader = strings.Join(SpeciesPlusColumns, ",") + "\r\n"

// spRow is a valid row of the export for taxon id, with cells replaced by col.
func spRow(id int, name string, set map[int]string) string {
	cells := make([]string, len(SpeciesPlusColumns))
	cells[colTaxonID] = strconv.Itoa(id)
	cells[colKingdom] = "Animalia"
	cells[colFullName] = name
	cells[colRank] = "SPECIES"
	cells[colListing] = "II"
	cells[colAccepted] = "true"
	for c, v := range set {
		cells[c] = v
	}
	for i, c := range cells {
		if strings.ContainsAny(c, ",\"\n\r") {
			cells[i] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		}
	}
	return strings.Join(cells, ",") + "\r\n"
}

func TestParseFormatErrors(t *testing.T) {
	okRow := spRow(1, "Falco cherrug", map[int]string{colAnnotation: "Appendix II:Excludes <i>Caracara lutosa</i>.\nSecond line"})
	// okRow holds one newline inside a quoted cell: the header is line 1, okRow lines 2
	// and 3, the next row starts on line 4.
	tests := []struct {
		name    string
		file    string
		line    int
		column  int
		colName string
	}{
		{"WrongHeader", strings.Replace(spHeader, "FullName", "Full Name", 1) + okRow, 1, colFullName + 1, "FullName"},
		{"MissingColumn", strings.Replace(spHeader, ",Distribution_Uncertain", "", 1) + okRow, 1, len(SpeciesPlusColumns), "Distribution_Uncertain"},
		{"ExtraColumn", strings.Replace(spHeader, "\r\n", ",Extra\r\n", 1) + okRow, 1, len(SpeciesPlusColumns) + 1, ""},
		{"RowCutShort", spHeader + okRow + "2,Animalia,Chordata,Aves,Falconiformes,Falconidae,Falco,peregrinus,,Falco peregrinus,\"Tunstall,\n1771\",SPECIES,I\r\n",
			5, colListing + 2, SpeciesPlusColumns[colListing+1]},
		{"LastRowCutShort", spHeader + okRow + "2,Animalia", 4, colKingdom + 2, SpeciesPlusColumns[colKingdom+1]},
		{"RowTooLong", spHeader + strings.Replace(okRow, "\r\n", ",extra\r\n", 1), 3, len(SpeciesPlusColumns) + 1, ""},
		{"InvalidUTF8", spHeader + okRow + spRow(2, "Falco peregrinus", map[int]string{colFullAnnotation: "one\ntwo", colEnglish: "Peregrine \xff Falcon"}),
			5, colEnglish + 1, "EnglishNames"},
		{"InvalidUTF8SecondLineOfCell", spHeader + spRow(2, "Falco peregrinus", map[int]string{colEnglish: "Peregrine\n\xc3("}),
			3, colEnglish + 1, "EnglishNames"},
		{"UnclosedQuote", spHeader + okRow + "3,Animalia,\"Chordata\n\nAves", 4, colPhylum + 1, "Phylum"},
		{"TextAfterQuote", spHeader + `1,"Animalia"x` + "\r\n", 2, colKingdom + 1, "Kingdom"},
		{"BadTaxonId", spHeader + spRow(1, "Falco cherrug", map[int]string{colTaxonID: "x1"}), 2, colTaxonID + 1, "TaxonId"},
		{"DuplicateTaxonId", spHeader + okRow + spRow(1, "Falco rusticolus", nil), 4, colTaxonID + 1, "TaxonId"},
		{"EmptyName", spHeader + spRow(1, " ", nil), 2, colFullName + 1, "FullName"},
		{"BadRank", spHeader + spRow(1, "Falco cherrug", map[int]string{colRank: "TRIBE"}), 2, colRank + 1, "RankName"},
		{"BadListing", spHeader + spRow(1, "Falco cherrug", map[int]string{colListing: "IV"}), 2, colListing + 1, "CurrentListing"},
		{"RepeatedListing", spHeader + spRow(1, "Falco cherrug", map[int]string{colListing: "II/II"}), 2, colListing + 1, "CurrentListing"},
		{"BadAccepted", spHeader + spRow(1, "Falco cherrug", map[int]string{colAccepted: "yes"}), 2, colAccepted + 1, "CitesAccepted"},
		{"BadCountryCode", spHeader + okRow + spRow(2, "Falco peregrinus", map[int]string{colCodes: "KZ, Kazakhstan"}), 4, colCodes + 1, "All_DistributionISOCodes"},
		{"NeitherFormat", "Name,Rank\r\nFalco,GENUS\r\n", 1, 1, "TaxonId"},
		{"Empty", "", 1, 1, "TaxonId"},
		{"HeaderOnly", spHeader, 2, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, stored, err := Parse(strings.NewReader(tt.file), "v", time.Now(), "")
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse error = %v, want a *FormatError", err)
			}
			if ref != nil || stored != nil {
				t.Error("Parse returned a reference or bytes with its error")
			}
			if fe.Line != tt.line || fe.Column != tt.column || fe.Name != tt.colName {
				t.Errorf("error at line %d, column %d (%s), want line %d, column %d (%s): %v",
					fe.Line, fe.Column, fe.Name, tt.line, tt.column, tt.colName, err)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("line %d", tt.line)) {
				t.Errorf("message %q does not name the line", err)
			}
		})
	}
	// The good rows alone import.
	if _, _, err := Parse(strings.NewReader(spHeader+okRow), "v", time.Now(), ""); err != nil {
		t.Errorf("the good row: %v", err)
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += int64(k)
	return k, err
}

// endless repeats a header and then rows made by row(i), without end, or up to limit
// bytes.
type endless struct {
	buf   bytes.Buffer
	row   func(i int) string
	i     int
	limit int64
	n     int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.limit > 0 && e.n >= e.limit {
		return 0, io.EOF
	}
	for e.buf.Len() < len(p) {
		e.buf.WriteString(e.row(e.i))
		e.i++
	}
	k, _ := e.buf.Read(p)
	e.n += int64(k)
	return k, nil
}

// TestParseHugeCell refuses a 10 MB cell after reading little more than the cell limit.
func TestParseHugeCell(t *testing.T) {
	prefix := spHeader + `1,Animalia,Chordata,Aves,Falconiformes,Falconidae,Falco,cherrug,,Falco cherrug,"`
	cell := io.LimitReader(&endless{row: func(int) string { return strings.Repeat("a long annotation\n", 64) }}, 10<<20)
	cr := &countingReader{r: io.MultiReader(strings.NewReader(prefix), cell, strings.NewReader("\"\r\n"))}
	start := time.Now()
	_, _, err := Parse(cr, "v", time.Now(), "")
	var fe *FormatError
	if !errors.As(err, &fe) || !errors.Is(err, ErrTooLarge) || fe.Column != colAuthor+1 || fe.Name != "AuthorYear" {
		t.Fatalf("Parse error = %v, want a *FormatError for AuthorYear wrapping ErrTooLarge", err)
	}
	if fe.Line < 2 || fe.Line > 2+MaxCellSize/18+1 {
		t.Errorf("line %d", fe.Line)
	}
	if cr.n > MaxCellSize+256<<10 {
		t.Errorf("read %d bytes of a 10 MB file to refuse it, want little more than the %d-byte cell limit", cr.n, MaxCellSize)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestParseHugeFile refuses a 200 MB file of valid rows from a generating reader once
// MaxFileSize bytes have been read.
func TestParseHugeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 128 MB")
	}
	// Rows of about 60 KB, their annotation one long shared text, so that the rows
	// read before the limit take little memory.
	long := strings.Repeat("Appendix II: a long annotation. ", 1800)
	gen := &endless{limit: 200 << 20, row: func(i int) string {
		if i == 0 {
			return spHeader
		}
		return spRow(i, fmt.Sprintf("Falco synthetica%d", i), map[int]string{colFullAnnotation: long})
	}}
	cr := &countingReader{r: gen}
	start := time.Now()
	_, _, err := Parse(cr, "v", time.Now(), "")
	var fe *FormatError
	if !errors.As(err, &fe) || !errors.Is(err, ErrTooLarge) || fe.Line < 1000 {
		t.Fatalf("Parse error = %v, want a *FormatError wrapping ErrTooLarge, past line 1000", err)
	}
	if cr.n > MaxFileSize+1<<20 {
		t.Errorf("read %d bytes, want about MaxFileSize (%d)", cr.n, MaxFileSize)
	}
	t.Logf("refused after %d bytes, at line %d, in %v: %v", cr.n, fe.Line, time.Since(start).Round(time.Millisecond), err)
	if _, err := Load(io.LimitReader(&endless{row: func(int) string { return "x" }}, MaxFileSize+10)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Load of a file over the limit: %v", err)
	}
}

// FuzzParse feeds arbitrary bytes after a header, as an upload would: Parse must
// refuse or accept, never panic, and return nothing with an error.
func FuzzParse(f *testing.F) {
	f.Add([]byte(spRow(1, "Falco cherrug", map[int]string{colAnnotation: "Appendix I:Popns of BT, CN.\nAppendix II:x", colListing: "I/II"})))
	f.Add([]byte("1,\"a\n\"\"b\",\r\n"))
	f.Add([]byte("\xff\xfe"))
	f.Add([]byte(spRow(2, "Ovis ammon", map[int]string{colListing: "I/II", colAnnotation: "Appendix II:Except <i>O. a. hodgsonii</i>",
		colSynonyms: "Ovis jubata Peters, 1876, Ovis arabica Sopin & Harrison, 1986", colCodes: "KG, KZ", colNames: "Kyrgyzstan, Kazakhstan",
		colNative: "Kyrgyzstan"})))
	f.Fuzz(func(t *testing.T, rows []byte) {
		ref, stored, err := Parse(io.MultiReader(strings.NewReader(spHeader), bytes.NewReader(rows)), "v", time.Now(), "")
		if err != nil {
			if ref != nil || stored != nil {
				t.Fatal("a reference with an error")
			}
			return
		}
		back, err := Load(bytes.NewReader(stored))
		if err != nil || back.Len() != ref.Len() {
			t.Fatalf("stored form does not load back: %v", err)
		}
		for tx := range ref.All() {
			_, _ = ref.Resolve(tx.Name, "KG")
			_ = ref.Search(tx.Name, 3)
		}
	})
}
