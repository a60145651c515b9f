package api_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/opencites/opencites/api"
)

// sendKeyed sends a JSON request with an Idempotency-Key.
func (e *env) sendKeyed(user, method, path, key string, body any, want int, out any) []byte {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(api.HeaderIdempotencyKey, key)
	return e.send(user, req, want, out)
}

// A creating request sent again with the same Idempotency-Key (the client
// lost the answer: a connection reset after the commit) gets the first
// answer and creates nothing; the same key with another body is refused.
func TestIdempotentRetries(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		var first, again api.PermitJSON
		e.sendKeyed("issuer-kg", "POST", "/api/v1/permits", "issue-0001", falconPermit(), 201, &first)
		e.sendKeyed("issuer-kg", "POST", "/api/v1/permits", "issue-0001", falconPermit(), 201, &again)
		if again.Number != first.Number || again.QR != first.QR {
			t.Fatalf("the retry issued %s, the first %s", again.Number, first.Number)
		}
		var list struct {
			Total int64 `json:"total"`
		}
		e.do("issuer-kg", "GET", "/api/v1/permits", nil, 200, &list)
		if list.Total != 1 {
			t.Fatalf("%d permits after a retried issue", list.Total)
		}
		other := falconPermit()
		other["conditions"] = "another shipment"
		var eb api.ErrorBody
		e.sendKeyed("issuer-kg", "POST", "/api/v1/permits", "issue-0001", other, 422, &eb)
		if eb.Error != "idempotency_key_reused" {
			t.Fatalf("same key, another body: %+v", eb)
		}

		// An endorsement retried is the first endorsement, not already_used.
		end := map[string]any{"port": "Manas", "direction": "export", "lines": []map[string]any{{"line": "A", "quantity": 2}}}
		path := "/api/v1/permits/" + first.Number + "/endorsements"
		e.sendKeyed("officer", "POST", path, "end-1", end, 201, nil)
		e.sendKeyed("officer", "POST", path, "end-1", end, 201, nil)
		e.wantError("officer", "POST", path, end, 409, "already_used") // without a key: a second endorsement

		// The answer was lost in a crash after the commit: the record is
		// read back and answered as created.
		var lost api.PermitJSON
		e.sendKeyed("issuer-kg", "POST", "/api/v1/permits", "issue-0002", falconPermit(), 201, &lost)
		if err := e.reg.DB.Exec("UPDATE idempotency_keys SET status = 0, response = NULL WHERE key = ?", "issue-0002").Error; err != nil {
			t.Fatal(err)
		}
		var readBack api.PermitJSON
		e.sendKeyed("issuer-kg", "POST", "/api/v1/permits", "issue-0002", falconPermit(), 201, &readBack)
		if readBack.Number != lost.Number {
			t.Fatalf("after a lost answer the retry gave %s, want %s", readBack.Number, lost.Number)
		}

		// A case retried is one case.
		e.mustCaseUsers()
		var c1, c2 api.CaseJSON
		e.sendKeyed("officer-kg", "POST", "/api/v1/cases", "case-1", seizure(), 201, &c1)
		e.sendKeyed("officer-kg", "POST", "/api/v1/cases", "case-1", seizure(), 201, &c2)
		if c1.ID != c2.ID {
			t.Fatalf("a retried case made cases %d and %d", c1.ID, c2.ID)
		}
	})
}
