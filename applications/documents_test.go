package applications

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
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
