package api_test

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opencites/opencites/api"
	"github.com/opencites/opencites/metrics"
)

// /metrics speaks Prometheus's format to the machine itself or to the
// metrics token, and counts what happened.
func TestMetrics(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		m := metrics.New(e.reg)
		srv, err := api.New(api.Config{Registry: e.reg, SessionKey: bytes.Repeat([]byte("k"), 32), Logger: e.reg.Log, Metrics: m, MetricsToken: "scrape-secret"})
		if err != nil {
			t.Fatal(err)
		}
		e.srv = srv
		p := e.issue(falconPermit())
		e.verify("officer", p.QR, nil)
		e.verify("officer", "CP1:00", nil)
		get := func(auth string) (int, string) {
			req := httptest.NewRequest("GET", "/metrics", nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			return rec.Code, rec.Body.String()
		}
		if code, _ := get(""); code != 401 {
			t.Fatalf("metrics without the token: %d", code)
		}
		code, body := get("Bearer scrape-secret")
		if code != 200 {
			t.Fatalf("metrics: %d", code)
		}
		for _, want := range []string{
			`cites_verifications_total{mode="online",source="code",verdict="valid"} 1`,
			`cites_verifications_total{mode="online",source="code",verdict="malformed"} 1`,
			`cites_permit_events_total{kind="issue"} 1`,
			`cites_http_request_duration_seconds_count{code="2xx",method="POST",route="/api/v1/verify"} 2`,
			`cites_signing_key_age_seconds`, `go_sql_open_connections{db_name="registry"}`, `cites_verification_log_written`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}
