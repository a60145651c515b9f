// Package web serves the officers', exporters' and issuers' phone app: a
// progressive web app of plain HTML, CSS and JavaScript modules with no
// build step and no dependencies, embedded in the binary so that
// `citesd serve` is the whole deployment.
//
// The WebAssembly modules (web/wasm/verifier: the offline verifier;
// web/wasm/qr: the camera frame decoder) and Go's wasm_exec.js are built
// files, committed so that a
// fresh clone runs without a separate step; `go generate ./web` rebuilds
// them, and TestBuiltFilesCurrent fails when they are older than their
// sources.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:generate go run ./build

//go:embed app
var files embed.FS

// Prefix is where the app is served.
const Prefix = "/app/"

// CSP allows nothing from other origins: the app makes no third-party
// requests, and WebAssembly needs 'wasm-unsafe-eval'.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' blob: data:; media-src 'self' blob: mediastream:; connect-src 'self'; " +
	"worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

type asset struct {
	body    []byte
	gzipped bool   // body is gzip-compressed (the .gz file on disk)
	gz      []byte // for a text file, body compressed once at start
	ctype   string
	etag    string
}

// compress keeps a gzip copy of a text file: a border post on a 2G link
// downloads the app once, and its scripts shrink to a third.
func (as *asset) compress() {
	if as.gzipped || !strings.HasPrefix(as.ctype, "text/") && !strings.Contains(as.ctype, "json") && !strings.Contains(as.ctype, "svg") {
		return
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(as.body)
	zw.Close()
	if b.Len() < len(as.body) {
		as.gz = b.Bytes()
	} else {
		as.gz = nil
	}
}

// App serves the embedded app under Prefix.
type App struct {
	assets  map[string]*asset // by path below Prefix
	version string
}

// New loads the embedded files. The service worker gets the app's version
// (a hash of every file) and the list of files to keep offline, so a new
// build replaces the cached app in one step.
func New() (*App, error) {
	a := &App{assets: map[string]*asset{}}
	sub, err := fs.Sub(files, "app")
	if err != nil {
		return nil, err
	}
	var names []string
	all := sha256.New()
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		name, gz := strings.CutSuffix(p, ".gz")
		sum := sha256.Sum256(b)
		all.Write([]byte(p))
		all.Write(sum[:])
		ct := mime.TypeByExtension(path.Ext(name))
		switch path.Ext(name) {
		case ".webmanifest":
			ct = "application/manifest+json"
		case ".wasm":
			ct = "application/wasm"
		case ".js":
			ct = "text/javascript; charset=utf-8"
		}
		as := &asset{body: b, gzipped: gz, ctype: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		as.compress()
		a.assets[name] = as
		// The service worker keeps every file for offline start but the QR
		// readers (qr.wasm and the quick one under vendor/), which only a
		// browser without BarcodeDetector fetches (and the worker then
		// keeps): a phone on 2G downloads the app once, not a module it
		// will never run.
		if name != "sw.js" && name != "qr.wasm" && !strings.HasPrefix(name, "vendor/") {
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.version = hex.EncodeToString(all.Sum(nil)[:8])
	sort.Strings(names)
	sw, ok := a.assets["sw.js"]
	if !ok {
		return nil, fs.ErrNotExist
	}
	list, _ := json.Marshal(names)
	body := bytes.Replace(sw.body, []byte(`"__VERSION__"`), []byte(`"`+a.version+`"`), 1)
	body = bytes.Replace(body, []byte(`["__ASSETS__"]`), list, 1)
	sw.body = body
	sw.etag = `"` + a.version + `"`
	sw.compress()
	return a, nil
}

// Version identifies this build of the app.
func (a *App) Version() string { return a.version }

// ServeHTTP answers GET and HEAD for the app's files; "/app/" is index.html.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(Prefix, "/"))
	name = strings.TrimPrefix(name, "/")
	if name == "" {
		name = "index.html"
	}
	as, ok := a.assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", as.ctype)
	h.Set("ETag", as.etag)
	// Revalidate every time: the service worker keeps the offline copy,
	// and a 304 costs a phone almost nothing.
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", CSP)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
	if name == "sw.js" {
		h.Set("Service-Worker-Allowed", Prefix)
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, as.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := io.Reader(bytes.NewReader(as.body))
	if as.gzipped || as.gz != nil {
		h.Add("Vary", "Accept-Encoding")
	}
	if as.gz != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(len(as.gz)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(as.gz)
		}
		return
	}
	if as.gzipped && !acceptsGzip(r) {
		// The rare client that takes no gzip gets it decompressed as sent.
		zr, err := gzip.NewReader(bytes.NewReader(as.body))
		if err != nil {
			http.Error(w, "corrupt asset", http.StatusInternalServerError)
			return
		}
		defer zr.Close()
		body = zr
	} else {
		if as.gzipped {
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("Content-Length", strconv.Itoa(len(as.body)))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	io.Copy(w, body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(q), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			return err == nil && f > 0
		}
		return true
	}
	return false
}
