package api_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencites/opencites/internal/testenv"
	"github.com/opencites/opencites/scan"
)

// TestPermitPDF downloads the printable permit, rasterises it and reads the
// QR code back from the page: it must hold exactly the permit's code.
func TestPermitPDF(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		p := e.issue(falconPermit())
		path := "/api/v1/permits/" + p.Number + "/pdf"
		pdf := e.do("alatoo-trade", "GET", path, nil, 200, nil)
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("not a PDF: %.20q", pdf)
		}
		e.do("officer", "GET", path, nil, 200, nil)
		e.do("issuer-kg", "GET", path, nil, 200, nil)
		e.wantError("other-trade", "GET", path, nil, 404, "permit_not_found")
		e.wantError("issuer-kz", "GET", path, nil, 404, "permit_not_found")

		testenv.NeedCommand(t, "pdftoppm", "install poppler-utils")
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "p.pdf"), pdf, 0o600)
		if out, err := exec.Command("pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", filepath.Join(dir, "p.pdf"), filepath.Join(dir, "page")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, out)
		}
		pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
		if len(pages) != 1 {
			t.Fatalf("pages %v", pages)
		}
		img, _ := os.ReadFile(pages[0])
		codes, err := scan.Decode(context.Background(), bytes.NewReader(img), scan.Options{Accept: func(s string) bool { return s == p.QR }})
		if err != nil || len(codes) == 0 || codes[0].Text != p.QR {
			t.Fatalf("QR read from the page: %v %v", codes, err)
		}
		// A revoked permit prints REVOKED.
		e.do("issuer-kg", "POST", "/api/v1/permits/"+p.Number+"/revoke", map[string]string{"reason": "test"}, 200, nil)
		pdf = e.do("officer", "GET", path, nil, 200, nil)
		os.WriteFile(filepath.Join(dir, "r.pdf"), pdf, 0o600)
		out, err := exec.Command("pdftotext", filepath.Join(dir, "r.pdf"), "-").Output()
		if err != nil || !strings.Contains(string(out), "REVOKED") || !strings.Contains(string(out), p.Number) {
			t.Errorf("revoked PDF text: %v %.300s", err, out)
		}
	})
}
