package scan

import (
	"context"
	"os"
	"testing"
)

// BenchmarkPhotos scores Decode on the real photos of the BoofCV QR data
// set (CITES_QR_PHOTOS, default ../../shared/qr-photos) and prints the
// per-category table. Run it once: go test -run=^$ -bench=Photos -benchtime=1x.
func BenchmarkPhotos(b *testing.B) {
	dir := os.Getenv("CITES_QR_PHOTOS")
	if dir == "" {
		dir = "../../shared/qr-photos"
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		b.Skipf("no photos at %s (set CITES_QR_PHOTOS)", dir)
	}
	for b.Loop() {
		rep, err := RunBenchmark(context.Background(), dir, os.Stdout)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(rep.Mean, "score")
		b.ReportMetric(rep.MedianMS, "median-ms")
		b.ReportMetric(rep.P95MS, "p95-ms")
	}
}
