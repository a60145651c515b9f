package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencites/opencites/models/modelstest"
)

var binary string

// TestMain builds the real citesd binary once for the end-to-end tests.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "citesd-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "citesd")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build citesd: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// citesd runs the binary with the given environment and stdin.
func citesd(t *testing.T, env []string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("citesd %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// startServer starts `citesd serve` on a free port and returns its base
// URL; the server stops (SIGKILL) when the test ends.
func startServer(t *testing.T, env []string) string {
	t.Helper()
	return runServer(t, env).base
}

type client struct {
	t     *testing.T
	base  string
	token string
}

func (c *client) call(method, path string, body any, want int, out any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, c.base+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

func signIn(t *testing.T, base, user, pass string) *client {
	t.Helper()
	c := &client{t: t, base: base}
	var tok struct{ Token string }
	c.call("POST", "/api/v1/auth/token", map[string]string{"username": user, "password": pass}, 200, &tok)
	c.token = tok.Token
	return c
}

const permitBody = `{"type":"export","purpose":"T",
 "exporter":{"name":"Ala-Too Trade LLC","address":"Bishkek","country":"KG"},"importer":{"name":"Gulf Falconry","address":"Dubai","country":"AE"},
 "valid_until":"%s","conditions":"","exporter_account":"alatoo-trade",
 "specimens":[{"taxon":"Falco cherrug","description":"live falcons, closed rings","term":"LIV","source":"C","quantity":2,"unit":"","marks":"KG-R-0012, KG-R-0013"}]}`

func validUntil() string { return time.Now().AddDate(0, 3, 0).Format(time.DateOnly) }

// TestBinaryEndToEnd drives the real binary the way the README does, on
// SQLite and PostgreSQL: create users from the CLI, serve, issue, verify,
// rotate the key from the CLI, and keep verifying.
func TestBinaryEndToEnd(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, dsn string) {
		env := []string{"CITES_DATA_DIR=" + t.TempDir(), "CITES_DATABASE_URL=" + dsn, "CITES_BCRYPT_COST=4"}
		out := citesd(t, env, "issuer-password\n", "user", "add", "--username", "ma-kg", "--role", "issuer", "--authority", "KG")
		if !strings.Contains(out, "created user ma-kg") {
			t.Fatalf("user add: %s", out)
		}
		citesd(t, env, "officer-password\n", "user", "add", "--username", "officer", "--role", "officer")
		citesd(t, env, "exporter-password\n", "user", "add", "--username", "alatoo-trade", "--role", "exporter")
		base := startServer(t, env)

		c := &client{t: t, base: base}
		c.call("GET", "/readyz", nil, 200, nil)
		issuer := signIn(t, base, "ma-kg", "issuer-password")
		officer := signIn(t, base, "officer", "officer-password")
		var p struct{ Number, QR string }
		var body any
		json.Unmarshal([]byte(fmt.Sprintf(permitBody, validUntil())), &body)
		issuer.call("POST", "/api/v1/permits", body, 201, &p)

		var v struct{ Verdict string }
		officer.call("POST", "/api/v1/verify", map[string]string{"code": p.QR}, 200, &v)
		if v.Verdict != "valid" {
			t.Fatalf("verdict %q", v.Verdict)
		}

		// A staged rotation, as an operator runs it on a live server: the
		// new key is published at once and signs from its switch instant;
		// until then the old key signs, and what it signs stays valid.
		out = citesd(t, env, "", "keys", "rotate", "--delay", "2s")
		var newKid string
		if _, err := fmt.Sscanf(out, "new signing key %s", &newKid); err != nil || !strings.Contains(out, "retire") {
			t.Fatalf("keys rotate: %s", out)
		}
		newKid = strings.TrimSuffix(newKid, ",")
		var during struct {
			QR    string
			KeyID string `json:"key_id"`
		}
		issuer.call("POST", "/api/v1/permits", body, 201, &during)
		for _, code := range []string{p.QR, during.QR} {
			officer.call("POST", "/api/v1/verify", map[string]string{"code": code}, 200, &v)
			if v.Verdict != "valid" {
				t.Fatalf("right after the rotation: %q", v.Verdict)
			}
		}
		if during.KeyID == newKid {
			t.Fatalf("a permit issued a second after the rotation was signed by the staged key %s before its switch", newKid)
		}
		time.Sleep(2*time.Second + 2500*time.Millisecond) // the switch, then the 2 s key refresh
		var p2 struct {
			QR    string
			KeyID string `json:"key_id"`
		}
		issuer.call("POST", "/api/v1/permits", body, 201, &p2)
		if p2.KeyID != newKid {
			t.Errorf("after the switch the permit was signed with %s, want %s; keys:\n%s", p2.KeyID, newKid, out)
		}
		for _, code := range []string{during.QR} {
			officer.call("POST", "/api/v1/verify", map[string]string{"code": code}, 200, &v)
			if v.Verdict != "valid" {
				t.Fatalf("the permit signed just before the switch, after it: %q", v.Verdict)
			}
		}
		officer.call("POST", "/api/v1/verify", map[string]string{"code": p2.QR}, 200, &v)
		if v.Verdict != "valid" {
			t.Fatalf("new key: %q", v.Verdict)
		}
	})
}

// TestReplicasAgreeOnRevocation runs two servers on one PostgreSQL: a permit
// revoked through one is revoked through the other at once.
func TestReplicasAgreeOnRevocation(t *testing.T) {
	dsn := modelstest.NewPostgresSchema(t)
	env := []string{"CITES_DATA_DIR=" + t.TempDir(), "CITES_DATABASE_URL=" + dsn, "CITES_BCRYPT_COST=4"}
	citesd(t, env, "issuer-password\n", "user", "add", "--username", "ma-kg", "--role", "issuer", "--authority", "KG")
	citesd(t, env, "officer-password\n", "user", "add", "--username", "officer", "--role", "officer")
	citesd(t, env, "exporter-password\n", "user", "add", "--username", "alatoo-trade", "--role", "exporter")
	a, b := startServer(t, env), startServer(t, env)
	issuerA := signIn(t, a, "ma-kg", "issuer-password")
	officerB := signIn(t, b, "officer", "officer-password")
	var body any
	json.Unmarshal([]byte(fmt.Sprintf(permitBody, validUntil())), &body)
	for i := 0; i < 5; i++ {
		var p struct{ Number, QR string }
		issuerA.call("POST", "/api/v1/permits", body, 201, &p)
		var v struct{ Verdict string }
		officerB.call("POST", "/api/v1/verify", map[string]string{"code": p.QR}, 200, &v)
		if v.Verdict != "valid" {
			t.Fatalf("on B before revocation: %q", v.Verdict)
		}
		issuerA.call("POST", "/api/v1/permits/"+p.Number+"/revoke", map[string]string{"reason": "test"}, 200, nil)
		officerB.call("POST", "/api/v1/verify", map[string]string{"code": p.QR}, 200, &v)
		if v.Verdict != "revoked" {
			t.Fatalf("on B right after revocation on A: %q", v.Verdict)
		}
	}
}

func TestUsage(t *testing.T) {
	cmd := exec.Command(binary, "frobnicate")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "unknown command") {
		t.Fatalf("unknown command: %v %s", err, out)
	}
	cmd = exec.Command(binary, "user", "add", "--username", "xi", "--role", "emperor")
	cmd.Env = append(os.Environ(), "CITES_DATA_DIR="+t.TempDir())
	cmd.Stdin = strings.NewReader("long-enough-password\n")
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "invalid_role") {
		t.Fatalf("bad role: %v %s", err, out)
	}
}

func TestSpeciesImportCLI(t *testing.T) {
	env := []string{"CITES_DATA_DIR=" + t.TempDir()}
	out := citesd(t, env, "", "species", "list")
	if !strings.Contains(out, "* 2025-CoP20-starter") {
		t.Fatalf("species list: %s", out)
	}
	csv := filepath.Join(t.TempDir(), "listing.csv")
	os.WriteFile(csv, []byte("FullName,RankName,Parent,CurrentListing,Annotation,Populations,ZeroQuotas,Synonyms,English,Russian,Kyrgyz,Terms,IdHints,RiskNotes,IdHintsRu,IdHintsKy,RiskNotesRu,RiskNotesKy\n"+
		"Falconiformes,ORDER,,II,,,,,birds of prey,,,LIV,,,,,,\nFalco,GENUS,Falconiformes,,,,,,,,,,,,,,,\nFalco cherrug,SPECIES,,I,,,,,saker falcon,балобан,,LIV,,,,,,\n"), 0o600)
	out = citesd(t, env, "", "species", "import", csv, "--version", "2027-test", "--effective", "2026-01-01")
	if !strings.Contains(out, "imported listing 2027-test (3 taxa)") || !strings.Contains(out, "* 2027-test") {
		t.Fatalf("species import: %s", out)
	}
}

func (c *client) get(path string) []byte {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		c.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}

// TestVerifyCLI: citesd verify checks a code online (against the
// database) and offline (against the pinned anchor and the lists fetched
// from the server), and reads a code from a photo.
func TestVerifyCLI(t *testing.T) {
	dir := t.TempDir()
	env := []string{"CITES_DATA_DIR=" + filepath.Join(dir, "data"), "CITES_BCRYPT_COST=4"}
	citesd(t, env, "issuer-password\n", "user", "add", "--username", "ma-kg", "--role", "issuer", "--authority", "KG")
	citesd(t, env, "exporter-password\n", "user", "add", "--username", "alatoo-trade", "--role", "exporter")
	base := startServer(t, env)
	issuer := signIn(t, base, "ma-kg", "issuer-password")
	var body any
	json.Unmarshal([]byte(fmt.Sprintf(permitBody, validUntil())), &body)
	var good, bad struct{ Number, QR string }
	issuer.call("POST", "/api/v1/permits", body, 201, &good)
	issuer.call("POST", "/api/v1/permits", body, 201, &bad)
	issuer.call("POST", "/api/v1/permits/"+bad.Number+"/revoke", map[string]string{"reason": "stolen"}, 200, nil)

	anchor := citesd(t, env, "", "keys", "anchor")
	if !strings.Contains(anchor, "BEGIN PUBLIC KEY") || !strings.Contains(anchor, "fingerprint") {
		t.Fatalf("keys anchor: %s", anchor)
	}
	os.WriteFile(filepath.Join(dir, "anchor.pem"), []byte(anchor[:strings.Index(anchor, "fingerprint")]), 0o600)
	os.WriteFile(filepath.Join(dir, "trust.jwt"), issuer.get("/.well-known/cites-trust-list"), 0o600)
	os.MkdirAll(filepath.Join(dir, "status"), 0o700)
	os.WriteFile(filepath.Join(dir, "status", "KG.jwt"), issuer.get("/api/v1/status-lists/KG"), 0o600)
	offline := []string{"verify", "--offline", "--anchor", filepath.Join(dir, "anchor.pem"), "--trust", filepath.Join(dir, "trust.jwt"), "--status", filepath.Join(dir, "status")}
	for code, want := range map[string]string{good.QR: `"verdict": "valid"`, bad.QR: `"verdict": "revoked"`} {
		if out := citesd(t, env, "", append(offline, code)...); !strings.Contains(out, want) || !strings.Contains(out, `"mode": "offline"`) {
			t.Errorf("offline verify: %s", out)
		}
		if out := citesd(t, env, "", "verify", code); !strings.Contains(out, want) || !strings.Contains(out, `"mode": "online"`) {
			t.Errorf("online verify: %s", out)
		}
	}
	png := issuer.get("/api/v1/permits/" + good.Number + "/qr.png")
	os.WriteFile(filepath.Join(dir, "photo.png"), png, 0o600)
	if out := citesd(t, env, "", append(offline, filepath.Join(dir, "photo.png"))...); !strings.Contains(out, `"verdict": "valid"`) {
		t.Errorf("photo: %s", out)
	}
}
