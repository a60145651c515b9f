package verifier

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencites/opencites/internal/testenv"
)

// nodeRunner loads the WebAssembly verifier in Node.js, feeds it the
// fixture's lists, and prints one JSON verdict per line for the cases on
// stdin.
const nodeRunner = `
const fs = require("fs");
require(process.argv[2]);
const dir = process.argv[3];
const go = new Go();
WebAssembly.instantiate(fs.readFileSync(dir + "/verifier.wasm"), go.importObject).then((r) => {
  go.run(r.instance);
  const v = globalThis.citesVerifier;
  for (const [fn, file] of [["pinAnchor", "anchor.pem"], ["loadTrustList", "trust.jwt"], ["loadStatusList", "status-KG.jwt"]]) {
    const err = v[fn](fs.readFileSync(dir + "/" + file, "utf8"));
    if (err) { console.error(fn, err); process.exit(1); }
  }
  const cases = JSON.parse(fs.readFileSync(dir + "/cases.json", "utf8"));
  for (const c of cases) {
    console.log(JSON.stringify(v.verify(c.code, c.direction, c.now, c.record || undefined)));
  }
  process.exit(0);
});
`

// TestWebAssembly builds the verifier for GOOS=js GOARCH=wasm and runs it
// under Node.js on the fixture's codes: it must give the verdicts the Go
// verifier gives (valid, revoked, used, forged, expired, unknown key,
// stale lists).
func TestWebAssembly(t *testing.T) {
	node := testenv.NeedCommand(t, "node", "install Node.js; the WebAssembly test needs it")
	if testing.Short() {
		t.Skip("short mode")
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "verifier.wasm"), "../web/wasm/verifier")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build wasm: %v\n%s", err, out)
	}
	f := newFixture(t)
	os.WriteFile(filepath.Join(dir, "anchor.pem"), f.anchorPEM, 0o600)
	os.WriteFile(filepath.Join(dir, "trust.jwt"), []byte(f.trustList), 0o600)
	os.WriteFile(filepath.Join(dir, "status-KG.jwt"), []byte(f.statusList), 0o600)
	type jsCase struct {
		Code      string         `json:"code"`
		Direction string         `json:"direction"`
		Now       int64          `json:"now"`
		Record    map[string]any `json:"record,omitempty"`
	}
	var cases []jsCase
	for _, c := range offlineCases {
		cases = append(cases, jsCase{f.codes[c.code], c.direction, f.now.Add(time.Duration(c.hoursLater * float64(time.Hour))).UnixMilli(), nil})
	}
	// The registry's copy of the valid permit, as the phone keeps it: its
	// parties and marks are shown only when it is the permit signed, and
	// the dates are those printed on the paper.
	validUntil := f.now.AddDate(0, 3, 0).Add(-time.Second).UTC().Format(time.DateOnly)
	record := map[string]any{"number": "26KG000001", "authority": "KG", "valid_until": validUntil,
		"exporter": map[string]any{"name": "Ala-Too Trade LLC", "address": "Bishkek", "country": "KG"},
		"importer": map[string]any{"name": "Gulf Falconry", "address": "Dubai", "country": "AE"},
		"lines":    []map[string]any{{"taxon": "Falco cherrug", "quantity": 2, "unit": "", "marks": "KG-R-0012, KG-R-0013"}}}
	forgedRecord := map[string]any{}
	for k, v := range record {
		forgedRecord[k] = v
	}
	forgedRecord["lines"] = []map[string]any{{"taxon": "Falco cherrug", "quantity": 3, "unit": "", "marks": "X"}}
	now := f.now.UnixMilli()
	cases = append(cases, jsCase{f.codes["valid"], "export", now, record}, jsCase{f.codes["valid"], "export", now, forgedRecord})
	b, _ := json.Marshal(cases)
	os.WriteFile(filepath.Join(dir, "cases.json"), b, 0o600)
	os.WriteFile(filepath.Join(dir, "run.js"), []byte(nodeRunner), 0o600)
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	wasmExec := filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js")
	out, err := exec.Command(node, filepath.Join(dir, "run.js"), wasmExec, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(offlineCases)+2 {
		t.Fatalf("node printed %d lines for %d cases:\n%s", len(lines), len(offlineCases), out)
	}
	for i, c := range offlineCases {
		var r struct {
			Verdict string `json:"verdict"`
			Stale   bool   `json:"stale"`
			Mode    string `json:"mode"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &r); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, lines[i])
		}
		if r.Verdict != c.want || r.Stale != c.stale || r.Mode != "offline" {
			t.Errorf("wasm %s at %s +%gh: %s stale=%v, want %s stale=%v", c.code, c.direction, c.hoursLater, r.Verdict, r.Stale, c.want, c.stale)
		}
	}
	var matched, mismatched struct {
		Verdict string
		Record  string
		Permit  struct {
			Number     string `json:"number"`
			ValidUntil string `json:"valid_until"`
			Exporter   *struct{ Name string }
			Lines      []struct{ Marks string }
		}
	}
	json.Unmarshal([]byte(lines[len(offlineCases)]), &matched)
	json.Unmarshal([]byte(lines[len(offlineCases)+1]), &mismatched)
	if matched.Verdict != "valid" || matched.Record != "matched" || matched.Permit.ValidUntil != validUntil ||
		matched.Permit.Exporter == nil || matched.Permit.Exporter.Name != "Ala-Too Trade LLC" || matched.Permit.Lines[0].Marks != "KG-R-0012, KG-R-0013" {
		t.Errorf("with the registry's copy: %s", lines[len(offlineCases)])
	}
	if mismatched.Record != "mismatch" || mismatched.Permit.Exporter != nil || mismatched.Permit.Lines[0].Marks != "" {
		t.Errorf("with a copy that does not match the code: %s", lines[len(offlineCases)+1])
	}
}
