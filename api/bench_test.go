package api_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

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

// BenchmarkVerifyPhotoHTTP is POST /api/v1/verify/photo through the real
// router, one photo at a time as one officer sends them:
//
//   - permit: a permit's code composed into a rotated, compressed photo
//     (TestVerifyPhoto's), the officer's usual case;
//   - dev-photos: every photo of the BoofCV set (CITES_QR_PHOTOS, default
//     ../shared/qr-photos), which hold no permit code, so each runs the
//     whole search before answering: the longest an officer can wait.
//     It reports the median, 95th percentile and maximum per photo.
//
// Run it with -benchtime 1x: one pass over the set is one op.
func BenchmarkVerifyPhotoHTTP(b *testing.B) {
	e := newEnv(b, modelstest.NewSQLite(b))
	b.Run("permit", func(b *testing.B) {
		p := e.issue(falconPermit())
		png := e.do("officer", "GET", "/api/v1/permits/"+p.Number+"/qr.png", nil, 200, nil)
		photo := composePhoto(b, png)
		for b.Loop() {
			if st := e.photoStatus("officer", "/api/v1/verify/photo", photo); st != 200 {
				b.Fatalf("status %d", st)
			}
		}
	})
	b.Run("dev-photos", func(b *testing.B) {
		photos := devPhotos(b)
		var ms []float64
		for b.Loop() {
			for _, photo := range photos {
				start := time.Now()
				if st := e.photoStatus("officer", "/api/v1/verify/photo", photo); st >= 500 {
					b.Fatalf("status %d", st)
				}
				ms = append(ms, float64(time.Since(start).Microseconds())/1000)
			}
		}
		slices.Sort(ms)
		b.ReportMetric(float64(len(photos)), "photos")
		b.ReportMetric(ms[len(ms)/2], "p50-ms")
		b.ReportMetric(ms[len(ms)*95/100], "p95-ms")
		b.ReportMetric(ms[len(ms)-1], "max-ms")
	})
}

// devPhotos reads the BoofCV photos, skipping where they are absent.
func devPhotos(b *testing.B) [][]byte {
	dir := os.Getenv("CITES_QR_PHOTOS")
	if dir == "" {
		dir = "../../shared/qr-photos"
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*", "image*.*"))
	var photos [][]byte
	for _, p := range paths {
		if ext := filepath.Ext(p); ext != ".jpg" && ext != ".png" {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		photos = append(photos, data)
	}
	if len(photos) == 0 {
		b.Skipf("no photos in %s (set CITES_QR_PHOTOS)", dir)
	}
	return photos
}
