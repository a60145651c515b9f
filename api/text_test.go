package api_test

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opencites/opencites/api"
)

// Text with a NUL character or invalid UTF-8, anywhere a client can put
// text, is refused with 400 invalid_text before it reaches a database:
// PostgreSQL refused it with a 500, SQLite stored it.
func TestHostileTextRefused(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.mustCaseUsers()
		p := e.issue(falconPermit())
		withNUL := func(field string) map[string]any {
			req := falconPermit()
			req[field] = "a\x00b"
			return req
		}
		line := falconPermit()
		line["specimens"].([]map[string]any)[0]["marks"] = "KG-R\x00-1"
		sz := seizure()
		sz["notes"] = "hidden\x00floor"
		app := falconPermit()
		app["payment_reference"] = "PAY\x00"
		for _, c := range []struct {
			user, method, path string
			body               any
		}{
			{"issuer-kg", "POST", "/api/v1/permits", withNUL("conditions")},
			{"issuer-kg", "POST", "/api/v1/permits", line},
			{"officer-kg", "POST", "/api/v1/cases", sz},
			{"issuer-kg", "POST", "/api/v1/permits/" + p.Number + "/revoke", map[string]any{"reason": "typo\x00"}},
			{"issuer-kg", "POST", "/api/v1/quotas", map[string]any{"taxon": "Falco cherrug", "source": "C", "term": "LIV", "year": 2026, "quantity": 5, "notes": "\x00"}},
			{"alatoo-trade", "POST", "/api/v1/applications", app},
			{"", "POST", "/api/v1/auth/token", map[string]any{"username": "officer\x00", "password": "officer-password-1"}},
			{"officer", "POST", "/api/v1/verify", map[string]any{"code": "CP1:00", "checkpoint": map[string]any{"port": "a\x00b", "direction": "export"}}},
			{"officer", "GET", "/api/v1/permits?q=%00", nil},
			{"officer-kg", "GET", "/api/v1/cases?q=%00", nil},
			{"analyst-kg", "GET", "/api/v1/alerts?rule=%FF", nil},
			{"officer", "GET", "/api/v1/permits/26KG%00", nil},
			{"officer", "GET", "/api/v1/permits/%FF%FE", nil},
			{"officer", "GET", "/api/v1/species?q=%C3", nil},
		} {
			if got := e.try(c.user, c.method, c.path, c.body, nil); got != 400 {
				t.Errorf("%s %s: status %d, want 400", c.method, c.path, got)
			}
		}
		// Invalid UTF-8 inside a JSON body is named too.
		req := httptest.NewRequest("POST", "/api/v1/permits/"+p.Number+"/revoke", bytes.NewReader([]byte("{\"reason\":\"bad \xff byte\"}")))
		req.Header.Set("Content-Type", "application/json")
		var eb api.ErrorBody
		e.send("issuer-kg", req, 400, &eb)
		if eb.Error != "invalid_text" || !strings.Contains(eb.Message, "reason") {
			t.Errorf("invalid UTF-8 body: %+v", eb)
		}
		// The permit and the log are intact: a later scan is recorded.
		e.verify("officer", p.QR, map[string]string{"port": "Manas", "direction": "export"})
		var vs struct {
			Verifications []api.VerificationRecordJSON `json:"verifications"`
		}
		e.do("officer", "GET", "/api/v1/permits/"+p.Number+"/verifications", nil, 200, &vs)
		if len(vs.Verifications) != 1 || vs.Verifications[0].Verdict != "valid" {
			t.Fatalf("verifications after the hostile requests: %+v", vs.Verifications)
		}
	})
}

// Counts of specimens are whole numbers; API answers are never cached and
// never sniffed as another type.
func TestCountsAndHeaders(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		req := falconPermit()
		req["specimens"].([]map[string]any)[0]["quantity"] = 2.5
		e.wantError("issuer-kg", "POST", "/api/v1/permits", req, 422, "invalid_quantity")
		p := e.issue(falconPermit())
		e.wantError("officer", "POST", "/api/v1/permits/"+p.Number+"/endorsements",
			map[string]any{"port": "Manas", "direction": "export", "lines": []map[string]any{{"line": "A", "quantity": 1.5}}}, 422, "invalid_quantity")
		r := httptest.NewRequest("GET", "/api/v1/permits/"+p.Number, nil)
		r.Header.Set("Authorization", "Bearer "+e.tokens["officer"])
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, r)
		if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("GET permit: %d, Cache-Control %q, nosniff %q", rec.Code, rec.Header().Get("Cache-Control"), rec.Header().Get("X-Content-Type-Options"))
		}
		rec = httptest.NewRecorder()
		e.srv.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/status-lists/KG", nil))
		if cc := rec.Header().Get("Cache-Control"); rec.Code != 200 || cc == "no-store" {
			t.Fatalf("the public status list: %d, Cache-Control %q", rec.Code, cc)
		}
	})
}
