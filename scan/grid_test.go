package scan

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// TestTryGrid reads strongly tilted codes through the finder-square grid
// fit alone, without gozxing's transform.
func TestTryGrid(t *testing.T) {
	tests := []struct {
		name string
		text string
		ppm  int
		q    [4]point
	}{
		{"Version3Tilted", permitText[:40], 5, [4]point{{150, 60}, {520, 120}, {500, 430}, {170, 470}}},
		{"Version10Tilted", strings.Repeat("CITES-", 30), 4, [4]point{{80, 40}, {560, 70}, {600, 560}, {60, 520}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, want := scene{w: 680, h: 640, bg: 200, codes: []placed{{tt.text, tt.ppm, tt.q}}}.render(t)
			g := toGray(img)
			m, _ := hybrid(g)
			s := &scanner{ctx: context.Background(), full: g}
			cands := findFinders(m, 1)
			infos := groupFinders(filterCount(cands, 2), 20)
			if len(infos) == 0 {
				t.Fatalf("no finder triple among %d candidates", len(cands))
			}
			for _, info := range infos {
				if s.tryGrid(m, info, level{g: g, scale: 1}) {
					break
				}
			}
			if len(s.codes) != 1 || s.codes[0].text != tt.text {
				t.Fatalf("read %+v", s.codes)
			}
			for i, c := range s.codes[0].corners {
				if d := dist(c, want[0][i]); d > 4 {
					t.Errorf("corner %d at %v, want %v", i, c, want[0][i])
				}
			}
		})
	}
}

func filterCount(cands []*detector.FinderPattern, n int) []*detector.FinderPattern {
	var out []*detector.FinderPattern
	for _, c := range cands {
		if c.GetCount() >= n {
			out = append(out, c)
		}
	}
	return out
}

func dist(a, b point) float64 { return math.Hypot(a.x-b.x, a.y-b.y) }
