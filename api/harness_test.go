package api_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/api"
	"github.com/opencites/opencites/cases"
	"github.com/opencites/opencites/keys"
	"github.com/opencites/opencites/models/modelstest"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/registry"
	"github.com/opencites/opencites/registry/registrytest"
	"github.com/opencites/opencites/users"
	"github.com/opencites/opencites/verifier"
)

// env is a registry on a fresh database behind the real router.
type env struct {
	t       testing.TB
	srv     *api.Server
	reg     *registry.Registry
	svc     *permits.Service
	cases   *cases.Service
	keys    *keys.Keyring
	clock   *registrytest.Clock
	dataDir string
	tokens  map[string]string
}

var testUsers = []users.NewUser{
	{Username: "admin", Password: "admin-password-1", Role: opencites.RoleAdmin},
	{Username: "issuer-kg", Password: "issuer-password-1", Role: opencites.RoleIssuer, Authority: "KG"},
	{Username: "issuer-kz", Password: "issuer-password-2", Role: opencites.RoleIssuer, Authority: "KZ"},
	{Username: "officer", Password: "officer-password-1", Role: opencites.RoleOfficer},
	{Username: "officer2", Password: "officer-password-2", Role: opencites.RoleOfficer},
	{Username: "alatoo-trade", Password: "exporter-password-1", Role: opencites.RoleExporter},
	{Username: "other-trade", Password: "exporter-password-2", Role: opencites.RoleExporter},
}

func newEnv(t testing.TB, dsn string) *env {
	t.Helper()
	ck := registrytest.NewClock(time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC))
	dir := t.TempDir()
	ctx := context.Background()
	// Verification records go through the batching recorder, as in
	// production; the verifications endpoint flushes it before reading.
	reg := registrytest.New(t, dsn, registrytest.Options{Now: ck.Now, Log: testWriter{t}, DataDir: dir})
	srv, err := api.New(api.Config{Registry: reg, SessionKey: bytes.Repeat([]byte("k"), 32), Logger: reg.Log})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, reg: reg, svc: reg.Permits, cases: reg.Cases, keys: reg.Keys, clock: ck, dataDir: dir, tokens: map[string]string{}}
	// CITES_TEST_LISTING runs the suite on a bigger list than the starter
	// one (.ci/run runs it on the Species+ excerpt): the same tests must
	// pass on the official list.
	if path := os.Getenv("CITES_TEST_LISTING"); path != "" {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := reg.Listings.Import(ctx, opencites.System, f, "test-listing", ck.Now().AddDate(0, 0, -1), path); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range testUsers {
		if _, err := reg.Users.Create(ctx, opencites.System, u); err != nil {
			t.Fatal(err)
		}
		e.tokens[u.Username] = e.login(u.Username, u.Password)
	}
	return e
}

func (e *env) login(user, pass string) string {
	e.t.Helper()
	var tr api.TokenResponse
	e.do("", "POST", "/api/v1/auth/token", map[string]string{"username": user, "password": pass}, 200, &tr)
	return tr.Token
}

// do sends a JSON request as user ("" for none) and checks the status; out,
// if not nil, receives the decoded body. It returns the raw body.
func (e *env) do(user, method, path string, body any, want int, out any) []byte {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.send(user, req, want, out)
}

func (e *env) send(user string, req *http.Request, want int, out any) []byte {
	e.t.Helper()
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != want {
		e.t.Fatalf("%s %s as %q: status %d, want %d; body %s", req.Method, req.URL.Path, user, rec.Code, want, rec.Body.String())
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			e.t.Fatalf("%s %s: decode %T: %v; body %s", req.Method, req.URL.Path, out, err, rec.Body.String())
		}
	}
	return rec.Body.Bytes()
}

// wantError checks a JSON error body's machine code.
func (e *env) wantError(user, method, path string, body any, status int, code string) {
	e.t.Helper()
	var eb api.ErrorBody
	e.do(user, method, path, body, status, &eb)
	if eb.Error != code || eb.Message == "" {
		e.t.Fatalf("%s %s: error %q (%q), want %q", method, path, eb.Error, eb.Message, code)
	}
}

func (e *env) photo(user, path string, img []byte, want int, out any) []byte {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("photo", "permit.jpg")
	fw.Write(img)
	mw.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return e.send(user, req, want, out)
}

// falconPermit is the issue's example request.
func falconPermit() map[string]any {
	return map[string]any{
		"type": "export", "purpose": "T",
		"exporter":    map[string]string{"name": "Ala-Too Trade LLC", "address": "12 Chui Ave, Bishkek", "country": "KG"},
		"importer":    map[string]string{"name": "Gulf Falconry Centre", "address": "Dubai", "country": "AE"},
		"valid_until": "2027-03-01", "conditions": "Valid only with IATA Live Animals Regulations", "exporter_account": "alatoo-trade",
		"specimens": []map[string]any{{"taxon": "Falco cherrug", "description": "live falcons, closed rings", "term": "LIV",
			"source": "C", "quantity": 2, "unit": "", "marks": "KG-R-0012, KG-R-0013"}},
	}
}

func (e *env) issue(req map[string]any) api.PermitJSON {
	e.t.Helper()
	var p api.PermitJSON
	e.do("issuer-kg", "POST", "/api/v1/permits", req, 201, &p)
	return p
}

func (e *env) verify(user, code string, checkpoint map[string]string) api.VerificationJSON {
	e.t.Helper()
	body := map[string]any{"code": code}
	if checkpoint != nil {
		body["checkpoint"] = checkpoint
	}
	var v api.VerificationJSON
	e.do(user, "POST", "/api/v1/verify", body, 200, &v)
	return v
}

func forEachDB(t *testing.T, fn func(t *testing.T, e *env)) {
	modelstest.ForEachDB(t, func(t *testing.T, dsn string) { fn(t, newEnv(t, dsn)) })
}

// try sends a JSON request and returns the status without failing the test.
func (e *env) try(user, method, path string, body any, out any) int {
	b, _ := json.Marshal(body)
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if out != nil {
		_ = json.Unmarshal(rec.Body.Bytes(), out)
	}
	return rec.Code
}

// mustPrivateKey reads a signing key from the data directory, as only the
// test (standing in for a stolen key) can.
func mustPrivateKey(t *testing.T, dataDir, kid string) *ecdsa.PrivateKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "keys", kid+".pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*ecdsa.PrivateKey)
}

// advance moves the clock and signs everyone in again, since sessions
// expire after api.SessionTTL.
func (e *env) advance(d time.Duration) { e.setTime(e.clock.Now().Add(d)) }

func (e *env) setTime(t time.Time) {
	e.t.Helper()
	e.clock.Set(t)
	for _, u := range testUsers {
		e.tokens[u.Username] = e.login(u.Username, u.Password)
	}
}

// testWriter sends server logs to the test log, shown when a test fails.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) { w.t.Log(string(b)); return len(b), nil }

// photoStatus posts a photo and returns the status, whatever it is.
func (e *env) photoStatus(user, path string, img []byte) int {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("photo", "permit.jpg")
	fw.Write(img)
	mw.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec.Code
}

// falconClaims are the signed claims of a one-line falcon export permit
// numbered number, valid for a day from now.
func falconClaims(now time.Time, number string) verifier.Claims {
	c := verifier.Claims{Type: "E", Countries: []string{"KG", "AE"}, Purpose: "T",
		Lines: []verifier.ClaimLine{{Taxon: "Falco cherrug", Appendix: "II", Quantity: 2, Source: "C", Term: "LIV"}}}
	c.Issuer, c.ID = "KG", number
	c.IssuedAt = jwt.NewNumericDate(now)
	c.ExpiresAt = jwt.NewNumericDate(now.Add(24 * time.Hour))
	return c
}

// signCode signs claims with key under kid, as the registry signs a
// permit, and returns the QR text.
func signCode(t testing.TB, key *ecdsa.PrivateKey, kid string, c verifier.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	tok.Header["kid"], tok.Header["typ"] = kid, verifier.TokenType
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return verifier.EncodeCode(s)
}
