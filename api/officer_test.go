package api_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/opencites/opencites/api"
	"github.com/opencites/opencites/models/modelstest"
	"github.com/opencites/opencites/permits"
)

// TestVerifyByNumber: an officer types the printed number; the registry's
// own code is verified and recorded like a scan (checked_by and source
// "number"), look-ups are limited per account, and only the roles that
// verify may.
func TestVerifyByNumber(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		p := e.issue(falconPermit())
		var v api.VerificationJSON
		e.do("officer", "POST", "/api/v1/verify/number", map[string]any{"number": " " + strings.ToLower(p.Number[:4]) + " " + p.Number[4:],
			"checkpoint": map[string]string{"port": "Torugart", "direction": "export"}}, 200, &v)
		if v.Verdict != "valid" || v.CheckedBy != "number" || v.Permit == nil || v.Permit.Number != p.Number || v.Guidance == nil {
			t.Fatalf("look-up: %+v", v)
		}
		e.do("issuer-kg", "POST", "/api/v1/permits/"+p.Number+"/revoke", map[string]string{"reason": "rings do not match"}, 200, nil)
		e.do("officer", "POST", "/api/v1/verify/number", map[string]any{"number": p.Number}, 200, &v)
		if v.Verdict != "revoked" {
			t.Errorf("look-up of a revoked permit: %s", v.Verdict)
		}
		e.reg.Recorder.Flush(t.Context())
		var recs struct {
			Verifications []api.VerificationRecordJSON
		}
		e.do("officer", "GET", "/api/v1/permits/"+p.Number+"/verifications", nil, 200, &recs)
		ports := map[string]string{}
		for _, r := range recs.Verifications {
			ports[r.Verdict] = r.Port
			if r.Source != "number" {
				t.Errorf("recorded with source %q", r.Source)
			}
		}
		if len(recs.Verifications) != 2 || ports["valid"] != "Torugart" || ports["revoked"] != "" {
			t.Errorf("recorded: %+v", recs.Verifications)
		}
		e.wantError("officer", "POST", "/api/v1/verify/number", map[string]any{"number": "26KG999999"}, 404, "permit_not_found")
		e.wantError("officer", "POST", "/api/v1/verify/number", map[string]any{"number": " "}, 422, "number_required")
		e.wantError("alatoo-trade", "POST", "/api/v1/verify/number", map[string]any{"number": p.Number}, 403, "forbidden")
		// The limit counts every look-up of the account, found or not.
		for i := 4; i <= permits.LookupLimit; i++ {
			e.do("officer2", "POST", "/api/v1/verify/number", map[string]any{"number": p.Number}, 200, nil)
		}
		for range 3 {
			e.do("officer2", "POST", "/api/v1/verify/number", map[string]any{"number": p.Number}, 200, nil)
		}
		req := httptest.NewRequest("POST", "/api/v1/verify/number", strings.NewReader(`{"number":"`+p.Number+`"}`))
		req.Header.Set("Content-Type", "application/json")
		e.send("officer2", req, http.StatusTooManyRequests, nil)
		e.clock.Add(permits.LookupWindow)
		e.do("officer2", "POST", "/api/v1/verify/number", map[string]any{"number": p.Number}, 200, nil)
	})
}

// TestGuidanceInLanguage: the guidance a verdict carries, asked again in
// another language.
func TestGuidanceInLanguage(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		p := e.issue(falconPermit())
		// English "saker falcon" on the starter list, "Saker" on Species+
		// (CITES_TEST_LISTING); the Russian and Kyrgyz names are ours on both.
		english := "saker falcon"
		if os.Getenv("CITES_TEST_LISTING") != "" {
			english = "Saker"
		}
		for lang, name := range map[string]string{"en": english, "ru": "балобан", "ky": "ителги"} {
			var g api.GuidanceJSON
			e.do("officer", "GET", "/api/v1/permits/"+p.Number+"/guidance?direction=export&lang="+lang, nil, 200, &g)
			if len(g.Species) != 1 || g.Species[0].CommonName != name || g.Species[0].IDHints == "" {
				t.Errorf("%s: %+v", lang, g.Species)
			}
		}
		e.wantError("officer", "GET", "/api/v1/permits/"+p.Number+"/guidance?direction=sideways", nil, 422, "invalid_direction")
		e.wantError("other-trade", "GET", "/api/v1/permits/"+p.Number+"/guidance", nil, 404, "permit_not_found")
	})
}

// TestOfflinePermits: a phone fetches the live permits after its cursor,
// with the parties and marks the code does not carry.
func TestOfflinePermits(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		a := e.issue(falconPermit())
		revoked := e.issue(falconPermit())
		e.do("issuer-kg", "POST", "/api/v1/permits/"+revoked.Number+"/revoke", map[string]string{"reason": "error"}, 200, nil)
		type page struct {
			Permits []api.OfflinePermitJSON
			Cursor  string
			More    bool
		}
		var got page
		e.do("officer", "GET", "/api/v1/offline/permits", nil, 200, &got)
		if len(got.Permits) != 1 || got.Permits[0].Number != a.Number || got.Permits[0].Lines[0].Marks != "KG-R-0012, KG-R-0013" ||
			got.Permits[0].Exporter.Name != "Ala-Too Trade LLC" || got.Permits[0].ValidUntil != "2027-03-01" {
			t.Fatalf("offline permits: %+v", got)
		}
		// Just issued: listed, but the cursor does not pass it yet.
		if got.Cursor != "0" {
			t.Errorf("cursor %s passed a permit issued a moment ago", got.Cursor)
		}
		e.clock.Add(time.Minute)
		b := e.issue(falconPermit())
		e.do("officer", "GET", "/api/v1/offline/permits?limit=1", nil, 200, &got)
		if len(got.Permits) != 1 || got.Permits[0].Number != a.Number || !got.More || got.Cursor == "0" {
			t.Fatalf("first page: %+v", got)
		}
		e.do("officer", "GET", "/api/v1/offline/permits?after="+got.Cursor, nil, 200, &got)
		if len(got.Permits) != 1 || got.Permits[0].Number != b.Number || got.More {
			t.Fatalf("after the cursor: %+v", got)
		}
		e.wantError("alatoo-trade", "GET", "/api/v1/offline/permits", nil, 403, "forbidden")
		e.wantError("officer", "GET", "/api/v1/offline/permits?after=x", nil, 400, "invalid_cursor")
	})
}

// TestMessages: the catalogue is public and cacheable.
func TestMessages(t *testing.T) {
	e := newEnv(t, modelstest.NewSQLite(t))
	var m struct {
		Lang     string
		Messages map[string]string
	}
	body := e.do("", "GET", "/api/v1/messages/ru", nil, 200, &m)
	if m.Lang != "ru" || m.Messages["revoked"] != "Выдавший орган отозвал это разрешение: {{.Reason}}" || len(body) < 1000 {
		t.Fatalf("messages: %+v", m)
	}
	req := httptest.NewRequest("GET", "/api/v1/messages/ru", nil)
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "public") {
		t.Errorf("Cache-Control %q", cc)
	}
	req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	rec = httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != 304 {
		t.Errorf("revalidation: %d", rec.Code)
	}
	e.wantError("", "GET", "/api/v1/messages/de", nil, 404, "unknown_language")
}
