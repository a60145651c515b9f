package api_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/opencites/opencites/models/modelstest"
)

// BenchmarkVerifyHTTP is POST /api/v1/verify through the real router and
// middleware, without the network: what the handler layer adds to
// permits' BenchmarkVerify.
func BenchmarkVerifyHTTP(b *testing.B) {
	dsn := modelstest.NewPostgresSchema(b)
	e := newEnv(b, dsn)
	var bodies [][]byte
	for i := 0; i < 100; i++ {
		var p struct{ QR string }
		e.try("issuer-kg", "POST", "/api/v1/permits", falconPermit(), &p)
		body, _ := json.Marshal(map[string]any{"code": p.QR, "checkpoint": map[string]string{"port": "Manas", "direction": "export"}})
		bodies = append(bodies, body)
	}
	tok := e.tokens["officer"]
	var n atomic.Int64
	b.SetParallelism(8) // scans in flight, as from a border post's many phones
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", "/api/v1/verify", bytes.NewReader(bodies[n.Add(1)%int64(len(bodies))]))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			e.srv.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatal(rec.Body.String())
			}
		}
	})
}
