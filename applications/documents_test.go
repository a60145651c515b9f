package applications

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"github.com/opencites/opencites"
)

// FuzzCleanFilename: whatever a client sends, the stored name is valid
// UTF-8, short, and holds no control or bidirectional formatting
// character and no path.
func FuzzCleanFilename(f *testing.F) {
	for _, s := range []string{"invoice\u202Efdp.exe", "a/b\\c.pdf", "\xff\xfe.png", strings.Repeat("ж", 500) + ".jpeg", "", "..", "\u2066\u2069"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := cleanFilename(in, "application/pdf")
		if !utf8.ValidString(out) || utf8.RuneCountInString(out) > maxFilename || out == "" || strings.ContainsAny(out, `/\`) {
			t.Fatalf("%q -> %q", in, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || isBidiControl(r) {
				t.Fatalf("%q -> %q keeps %U", in, out, r)
			}
		}
	})
}

// bombPDF is a small PDF whose one object stream inflates to n bytes of
// spaces: pdfcpu inflates it whole while reading.
func bombPDF(n int) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte("3 0 "))
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	for range n >> 20 {
		zw.Write(chunk)
	}
	zw.Write([]byte("<< /Type /Pages /Kids [] /Count 0 >>"))
	zw.Close()
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	off1 := b.Len()
	b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 3 0 R >>\nendobj\n")
	off2 := b.Len()
	fmt.Fprintf(&b, "2 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n", z.Len())
	b.Write(z.Bytes())
	b.WriteString("\nendstream\nendobj\n")
	off4 := b.Len()
	// A cross-reference stream: 0 free, 1 and 2 in the file, 3 in the
	// object stream, 4 this stream.
	var x bytes.Buffer
	for _, e := range [][3]int{{0, 0, 255}, {1, off1, 0}, {1, off2, 0}, {2, 2, 0}, {1, off4, 0}} {
		x.Write([]byte{byte(e[0]), byte(e[1] >> 24), byte(e[1] >> 16), byte(e[1] >> 8), byte(e[1]), byte(e[2])})
	}
	fmt.Fprintf(&b, "4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 1] /Root 1 0 R /Length %d >>\nstream\n", x.Len())
	b.Write(x.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", off4)
	return b.Bytes()
}

func TestCheckPDF(t *testing.T) {
	doc := fpdf.New("P", "mm", "A4", "")
	doc.AddPage()
	doc.SetFont("Helvetica", "", 12)
	doc.Cell(40, 10, "Certificate of captive breeding")
	var good bytes.Buffer
	if err := doc.Output(&good); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
		code string
	}{
		{"OK", good.Bytes(), ""},
		{"SmallObjectStream", bombPDF(1 << 20), ""},
		{"HeaderThenHTML", []byte("%PDF-1.4\n<html><body>not a pdf</body></html>"), "damaged_document"},
		{"CutShort", good.Bytes()[:good.Len()/2], "damaged_document"},
		// 300 KB that pdfcpu would inflate to 256 MB: the child gives up,
		// the server's memory is untouched.
		{"DecompressionBomb", bombPDF(256 << 20), "document_too_complex"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := checkPDF(context.Background(), tt.in)
			got := ""
			if err != nil {
				got = opencites.CodeOf(err)
			}
			if got != tt.code {
				t.Errorf("%d bytes: %v, want %q", len(tt.in), err, tt.code)
			}
			t.Logf("%d bytes checked in %v", len(tt.in), time.Since(start))
		})
	}
}
