package api_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opencites/opencites/models/modelstest"
	"github.com/opencites/opencites/scan"
)

// A permit's QR code is drawn as PNG and SVG, each with a strong ETag and
// marked immutable: a client that holds it gets 304, and the drawing reads
// back as the permit's code.
func TestPermitQRImages(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		p := e.issue(falconPermit())
		other := e.issue(falconPermit())
		base := "/api/v1/permits/" + p.Number
		get := func(path, inm string) *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+e.tokens["officer"])
			if inm != "" {
				req.Header.Set("If-None-Match", inm)
			}
			rec := httptest.NewRecorder()
			e.srv.ServeHTTP(rec, req)
			return rec
		}
		tags := map[string]bool{}
		for _, c := range []struct{ path, ctype string }{{base + "/qr.png", "image/png"}, {base + "/qr.svg", "image/svg+xml"}, {"/api/v1/permits/" + other.Number + "/qr.png", "image/png"}} {
			r := get(c.path, "")
			etag := r.Header().Get("ETag")
			if r.Code != 200 || r.Header().Get("Content-Type") != c.ctype || !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") ||
				!strings.Contains(r.Header().Get("Cache-Control"), "immutable") || !strings.Contains(r.Header().Get("Cache-Control"), "private") {
				t.Fatalf("GET %s: %d %v", c.path, r.Code, r.Header())
			}
			if tags[etag] {
				t.Errorf("GET %s: ETag %s given to another drawing", c.path, etag)
			}
			tags[etag] = true
			again := get(c.path, `"other", W/`+etag)
			if again.Code != 304 || again.Body.Len() != 0 || again.Header().Get("ETag") != etag {
				t.Errorf("GET %s with its ETag: %d, %d bytes", c.path, again.Code, again.Body.Len())
			}
			// Drawn once, the same bytes every time.
			if second := get(c.path, ""); !bytes.Equal(second.Body.Bytes(), r.Body.Bytes()) {
				t.Errorf("GET %s: a second answer differs", c.path)
			}
			switch c.ctype {
			case "image/png":
				want := p.QR
				if !strings.Contains(c.path, p.Number) {
					want = other.QR
				}
				codes, err := scan.Decode(context.Background(), bytes.NewReader(r.Body.Bytes()), scan.Options{})
				if err != nil || len(codes) != 1 || codes[0].Text != want {
					t.Errorf("GET %s read back as %v, %v", c.path, codes, err)
				}
			case "image/svg+xml":
				if svg := r.Body.String(); !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, `<path fill="#000" d="M`) {
					t.Errorf("GET %s: not an SVG drawing: %.80s", c.path, svg)
				}
			}
		}
		// Who may not see the permit may not see its code either.
		e.wantError("other-trade", "GET", base+"/qr.svg", nil, 404, "permit_not_found")
		e.wantError("officer", "GET", "/api/v1/permits/26KG999999/qr.svg", nil, 404, "permit_not_found")
	})
}

// The second download of a permit's code costs no drawing.
func BenchmarkPermitQR(b *testing.B) {
	e := newEnv(b, modelstest.NewSQLite(b))
	p := e.issue(falconPermit())
	for _, ext := range []string{"png", "svg"} {
		b.Run(ext, func(b *testing.B) {
			for b.Loop() {
				e.do("officer", "GET", "/api/v1/permits/"+p.Number+"/qr."+ext, nil, 200, nil)
			}
		})
	}
}
