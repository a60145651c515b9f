package api_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/verifier"
)

// TestOfflineAgreesWithOnline fetches the trust list and the status list
// from the server and checks with the offline verifier that a valid, a
// revoked, an exported and a cancelled permit get the online verdicts.
func TestOfflineAgreesWithOnline(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		valid, revoked, exported, cancelled := e.issue(falconPermit()), e.issue(falconPermit()), e.issue(falconPermit()), e.issue(falconPermit())
		e.do("issuer-kg", "POST", "/api/v1/permits/"+revoked.Number+"/revoke", map[string]string{"reason": "test"}, 200, nil)
		end := func(dir string) map[string]any {
			return map[string]any{"port": "Manas", "direction": dir, "lines": []map[string]any{{"line": "A", "quantity": 2}}}
		}
		e.do("officer", "POST", "/api/v1/permits/"+exported.Number+"/endorsements", end("export"), 201, nil)
		e.do("officer", "POST", "/api/v1/permits/"+cancelled.Number+"/endorsements", end("import"), 201, nil)
		e.advance(6 * time.Second) // past the list cache

		pemText, fingerprint, err := e.keys.AnchorPublicPEM()
		if err != nil || len(fingerprint) != 64 {
			t.Fatalf("anchor: %v %q", err, fingerprint)
		}
		// The phone app pins the anchor the server publishes.
		if served := e.do("", "GET", "/.well-known/cites-anchor.pem", nil, 200, nil); string(served) != pemText {
			t.Fatalf("served anchor %q, want %q", served, pemText)
		}
		anchor, err := verifier.ParseAnchorPEM([]byte(pemText))
		if err != nil {
			t.Fatal(err)
		}
		off := verifier.NewOffline(anchor)
		trust := e.do("", "GET", "/.well-known/cites-trust-list", nil, 200, nil)
		if err := off.LoadTrustList(string(trust)); err != nil {
			t.Fatalf("trust list: %v", err)
		}
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/status-lists/KG", nil))
		if rec.Code != 200 || rec.Header().Get("ETag") == "" {
			t.Fatalf("status list: %d", rec.Code)
		}
		if err := off.LoadStatusList(rec.Body.String()); err != nil {
			t.Fatalf("status list: %v", err)
		}
		t.Logf("status list: %d bytes", rec.Body.Len())
		// The same list again: 304.
		req := httptest.NewRequest("GET", "/api/v1/status-lists/KG", nil)
		req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
		rec2 := httptest.NewRecorder()
		e.srv.ServeHTTP(rec2, req)
		if rec2.Code != 304 {
			t.Errorf("If-None-Match: %d", rec2.Code)
		}
		now := e.clock.Now()
		for _, c := range []struct {
			p         string
			direction string
		}{{valid.QR, "export"}, {revoked.QR, "export"}, {exported.QR, "export"}, {exported.QR, "import"}, {cancelled.QR, "import"}} {
			online := e.verify("officer", c.p, map[string]string{"direction": c.direction})
			r := off.Verify(c.p, c.direction, now)
			if r.Verdict != online.Verdict || r.Stale {
				t.Errorf("offline %s (stale %v) vs online %s (%v)", r.Verdict, r.Stale, online.Verdict, r.Reasons)
			}
		}
		// A compromised key verifies nothing, online or offline.
		if err := e.keys.SetStatus(context.Background(), opencites.System, valid.KeyID, verifier.KeyCompromised); err != nil {
			t.Fatal(err)
		}
		if v := e.verify("officer", valid.QR, nil); v.Verdict != "revoked" || v.Reasons[0].Code != "key_compromised" {
			t.Errorf("online after compromise: %+v", v.Reasons)
		}
		e.advance(6 * time.Second)
		if err := off.LoadTrustList(string(e.do("", "GET", "/.well-known/cites-trust-list", nil, 200, nil))); err != nil {
			t.Fatal(err)
		}
		if r := off.Verify(valid.QR, "export", e.clock.Now()); r.Verdict != "revoked" {
			t.Errorf("offline after compromise: %s", r.Verdict)
		}
		e.wantError("", "GET", "/api/v1/status-lists/XX", nil, 404, "invalid_authority")
	})
}
