package web_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/opencites/opencites/web"
	"github.com/opencites/opencites/web/internal/stamp"
)

func get(t *testing.T, app http.Handler, path string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	return rec.Result()
}

func TestServesTheApp(t *testing.T) {
	app, err := web.New()
	if err != nil {
		t.Fatal(err)
	}
	r := get(t, app, "/app/")
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 || !strings.Contains(string(body), `<script type="module" src="js/app.js">`) {
		t.Fatalf("index: %d %s", r.StatusCode, body)
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	// A revalidation costs a phone a 304.
	if r2 := get(t, app, "/app/", "If-None-Match", r.Header.Get("ETag")); r2.StatusCode != 304 {
		t.Errorf("revalidation: %d", r2.StatusCode)
	}
	if r := get(t, app, "/app/nope.js"); r.StatusCode != 404 {
		t.Errorf("missing file: %d", r.StatusCode)
	}
	if r := get(t, app, "/app/../web.go"); r.StatusCode != 404 {
		t.Errorf("path outside the app: %d", r.StatusCode)
	}
}

// The service worker gets the version and the list of files to keep.
func TestServiceWorkerManifest(t *testing.T) {
	app, _ := web.New()
	r := get(t, app, "/app/sw.js")
	body, _ := io.ReadAll(r.Body)
	s := string(body)
	if strings.Contains(s, "__VERSION__") || strings.Contains(s, "__ASSETS__") || !strings.Contains(s, app.Version()) {
		t.Fatalf("sw.js not filled in:\n%s", s)
	}
	for _, f := range []string{`"index.html"`, `"js/officer.js"`, `"verifier.wasm"`, `"wasm_exec.js"`} {
		if !strings.Contains(s, f) {
			t.Errorf("sw.js does not keep %s offline", f)
		}
	}
	// The QR readers are kept when first used, never downloaded ahead.
	if strings.Contains(s, `"qr.wasm"`) || strings.Contains(s, `"vendor/jsQR.js"`) {
		t.Errorf("sw.js downloads a QR reader ahead")
	}
}

// The WebAssembly modules are stored compressed and sent as is to clients
// that take gzip, decompressed for the others.
func TestWasmEncoding(t *testing.T) {
	app, _ := web.New()
	r := get(t, app, "/app/verifier.wasm", "Accept-Encoding", "gzip, br")
	if r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Content-Type") != "application/wasm" {
		t.Fatalf("headers %v", r.Header)
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	magic := make([]byte, 4)
	io.ReadFull(zr, magic)
	if string(magic) != "\x00asm" {
		t.Errorf("not a wasm module: %q", magic)
	}
	r = get(t, app, "/app/qr.wasm", "Accept-Encoding", "gzip;q=0")
	io.ReadFull(r.Body, magic)
	if r.Header.Get("Content-Encoding") != "" || string(magic) != "\x00asm" {
		t.Errorf("identity: %v %q", r.Header, magic)
	}
}

// TestScriptsCompressed: scripts and styles go out gzip-compressed to a
// browser that takes it, whole to one that does not.
func TestScriptsCompressed(t *testing.T) {
	app, _ := web.New()
	for _, path := range []string{"/app/js/officer.js", "/app/app.css", "/app/sw.js", "/app/"} {
		r := get(t, app, path, "Accept-Encoding", "gzip")
		if r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("%s: headers %v", path, r.Header)
		}
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		gz, _ := io.ReadAll(zr)
		plain, _ := io.ReadAll(get(t, app, path).Body)
		if string(gz) != string(plain) || len(plain) == 0 {
			t.Errorf("%s: compressed and plain differ", path)
		}
	}
}

// TestBuiltFilesCurrent fails when the committed WebAssembly module is older
// than its Go sources: run `go generate ./web`.
func TestBuiltFilesCurrent(t *testing.T) {
	want, err := os.ReadFile("wasm.stamp")
	if err != nil {
		t.Fatal(err)
	}
	got, err := stamp.Sources(".")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(want)) != got {
		t.Fatal("web/app/*.wasm.gz are older than their sources: run `go generate ./web` and commit the result")
	}
}
