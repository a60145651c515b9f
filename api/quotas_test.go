package api_test

import (
	"sync"
	"testing"

	"github.com/opencites/opencites/api"
)

func sakerPermit(qty float64) map[string]any {
	r := falconPermit()
	spec(r)["quantity"] = qty
	return r
}

func TestQuotas(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		quota := map[string]any{"taxon": "Falco cherrug", "source": "C", "term": "LIV", "year": 2026, "quantity": 10}
		var q api.QuotaJSON
		e.do("issuer-kg", "POST", "/api/v1/quotas", quota, 200, &q)
		if q.Authority != "KG" || q.Remaining != 10 || q.YearStart != "2026-01-01" || q.YearEnd != "2026-12-31" {
			t.Fatalf("quota = %+v", q)
		}
		e.wantError("officer", "POST", "/api/v1/quotas", quota, 403, "forbidden")
		e.wantError("issuer-kz", "POST", "/api/v1/quotas", map[string]any{"authority": "KG", "taxon": "Falco cherrug", "source": "C", "term": "LIV", "year": 2026, "quantity": 99}, 403, "forbidden")

		p := e.issue(sakerPermit(4))
		if p.Specimens[0].Quota == nil || p.Specimens[0].Quota.Text != "4 / 10" {
			t.Errorf("box 11a = %+v", p.Specimens[0].Quota)
		}
		e.wantError("issuer-kg", "POST", "/api/v1/permits", sakerPermit(7), 422, "quota_exceeded")
		// Endorsement replaces the authorised 4 by the 3 shipped.
		e.do("officer", "POST", "/api/v1/permits/"+p.Number+"/endorsements",
			map[string]any{"port": "Manas", "direction": "export", "lines": []map[string]any{{"line": "A", "quantity": 3}}}, 201, nil)
		var list struct{ Quotas []api.QuotaJSON }
		e.do("issuer-kg", "GET", "/api/v1/quotas?year=2026", nil, 200, &list)
		if len(list.Quotas) != 1 || list.Quotas[0].Used != 3 || list.Quotas[0].Remaining != 7 {
			t.Fatalf("after endorsement: %+v", list.Quotas)
		}
		// Revoking an unshipped permit gives its quantity back.
		p2 := e.issue(sakerPermit(7))
		e.wantError("issuer-kg", "POST", "/api/v1/permits", sakerPermit(1), 422, "quota_exceeded")
		e.do("issuer-kg", "POST", "/api/v1/permits/"+p2.Number+"/revoke", map[string]string{"reason": "cancelled by exporter"}, 200, nil)
		e.do("issuer-kz", "GET", "/api/v1/quotas", nil, 200, &list)
		if len(list.Quotas) != 0 {
			t.Errorf("KZ issuer sees %+v", list.Quotas)
		}
		e.do("officer", "GET", "/api/v1/quotas", nil, 200, &list)
		if list.Quotas[0].Used != 3 {
			t.Errorf("after revocation: %+v", list.Quotas)
		}
		// The quota cannot go below what is used; a zero quota refuses all.
		quota["quantity"] = 2
		e.wantError("issuer-kg", "POST", "/api/v1/quotas", quota, 422, "quota_below_use")
		e.do("admin", "POST", "/api/v1/quotas", map[string]any{"authority": "KG", "taxon": "Falco cherrug", "source": "W", "term": "LIV", "year": 2026, "quantity": 0}, 200, nil)
		wild := sakerPermit(1)
		spec(wild)["source"] = "W"
		e.wantError("issuer-kg", "POST", "/api/v1/permits", wild, 422, "quota_exceeded")
		// Sturgeon quotas run from 1 March.
		e.do("issuer-kg", "POST", "/api/v1/quotas", map[string]any{"taxon": "Acipenser baerii", "source": "C", "term": "CAV", "year": 2026, "quantity": 100, "unit": "kg"}, 200, &q)
		if q.YearStart != "2026-03-01" || q.YearEnd != "2027-02-28" {
			t.Errorf("sturgeon quota year = %s..%s", q.YearStart, q.YearEnd)
		}
	})
}

// TestQuotaRace: concurrent issues against the last units of a quota
// cannot overshoot it.
func TestQuotaRace(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.do("issuer-kg", "POST", "/api/v1/quotas", map[string]any{"taxon": "Falco cherrug", "source": "C", "term": "LIV", "year": 2026, "quantity": 5}, 200, nil)
		const n = 10
		var wg sync.WaitGroup
		results := make(chan int, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results <- e.try("issuer-kg", "POST", "/api/v1/permits", sakerPermit(1), nil)
			}()
		}
		wg.Wait()
		close(results)
		issued := 0
		for code := range results {
			switch code {
			case 201:
				issued++
			case 422:
			default:
				t.Errorf("status %d", code)
			}
		}
		var list struct{ Quotas []api.QuotaJSON }
		e.do("issuer-kg", "GET", "/api/v1/quotas", nil, 200, &list)
		if issued != 5 || list.Quotas[0].Used != 5 {
			t.Errorf("issued %d, quota used %g; want 5 and 5", issued, list.Quotas[0].Used)
		}
	})
}

// An issue refused after its number was taken (the quota ran out as it was
// charged) stores nothing, and its number is never given to another
// permit: numbers may have gaps, never repeats.
func TestRefusedIssueNeverReusesNumber(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.do("issuer-kg", "POST", "/api/v1/quotas", map[string]any{"taxon": "Falco cherrug", "source": "C", "term": "LIV", "year": 2026, "quantity": 5}, 200, nil)
		first := e.issue(sakerPermit(3))
		e.wantError("issuer-kg", "POST", "/api/v1/permits", sakerPermit(3), 422, "quota_exceeded")
		next := e.issue(sakerPermit(1))
		if next.Number <= first.Number {
			t.Fatalf("numbers %s then %s", first.Number, next.Number)
		}
		var list struct {
			Permits []api.PermitJSON
			Total   int
		}
		e.do("issuer-kg", "GET", "/api/v1/permits", nil, 200, &list)
		if len(list.Permits) != 2 {
			t.Fatalf("%d permits stored, want 2", len(list.Permits))
		}
		var h struct{ History []api.AuditJSON }
		e.do("issuer-kg", "GET", "/api/v1/permits/"+next.Number+"/history", nil, 200, &h)
		if len(h.History) != 1 || h.History[0].Action != "permit.issue" {
			t.Errorf("history of %s: %+v", next.Number, h.History)
		}
	})
}
