package scanbench

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencites/opencites/scan"
)

// BenchmarkPhotos scores scan.Decode on the real photos of the BoofCV QR
// data set (CITES_QR_PHOTOS, default ../shared/qr-photos beside the
// repository) and prints the per-category table. Run it once:
// go test -run=^$ -bench=Photos -benchtime=1x ./cmd/citesd/internal/scanbench/.
func BenchmarkPhotos(b *testing.B) {
	dir := os.Getenv("CITES_QR_PHOTOS")
	if dir == "" {
		dir = "../../../../../shared/qr-photos"
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		b.Skipf("no photos at %s (set CITES_QR_PHOTOS)", dir)
	}
	for b.Loop() {
		rep, err := Run(context.Background(), dir, os.Stdout, Config{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(rep.Mean, "score")
		b.ReportMetric(rep.All.Median, "median-ms")
		b.ReportMetric(rep.All.P95, "p95-ms")
		b.ReportMetric(rep.Verify.P95, "verify-p95-ms")
		b.ReportMetric(rep.Verify.Max, "verify-max-ms")
	}
}

// TestScoring checks the two halves of a score without the photos: reading
// a BoofCV truth file in both of its layouts, and crediting each labelled
// code once when a read code's centre lies inside it.
func TestScoring(t *testing.T) {
	dir := t.TempDir()
	sets := filepath.Join(dir, "sets.txt")
	os.WriteFile(sets, []byte("# list of hand selected 2D points\nSETS\n10 10 110 10 110 110 10 110\n200 200 200 300 300 300 300 200\n"), 0o600)
	points := filepath.Join(dir, "points.txt")
	os.WriteFile(points, []byte("# one point a line\n10 10\n110 10\n110 110\n10 110\n"), 0o600)
	truth, err := readTruth(sets)
	if err != nil || len(truth) != 2 {
		t.Fatalf("readTruth(SETS) = %v, %v", truth, err)
	}
	if one, err := readTruth(points); err != nil || len(one) != 1 || one[0] != truth[0] {
		t.Fatalf("readTruth(points) = %v, %v", one, err)
	}
	code := func(x, y int) scan.Code { // a 20-pixel code centred on (x, y)
		return scan.Code{Corners: [4]image.Point{{x - 10, y - 10}, {x + 10, y - 10}, {x + 10, y + 10}, {x - 10, y + 10}}}
	}
	for _, c := range []struct {
		name  string
		codes []scan.Code
		want  int
	}{
		{"OK", []scan.Code{code(60, 60), code(250, 250)}, 2},
		{"SameCodeTwice", []scan.Code{code(60, 60), code(50, 50)}, 1},
		{"Outside", []scan.Code{code(150, 150)}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := matchCodes(c.codes, truth); got != c.want {
				t.Errorf("matchCodes = %d, want %d", got, c.want)
			}
		})
	}
}
