package scan

import (
	"math"
	"math/bits"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// maxFinderCands bounds the candidates findFinders keeps; a textured photo
// can hold thousands of chance 1:1:3:1:1 runs.
const maxFinderCands = 400

// findFinders scans a binarised image for finder patterns: runs of
// black-white-black-white-black in about 1:1:3:1:1 along a row, confirmed
// on the column and then the row through their centre. gozxing's search
// additionally requires the pattern along a diagonal and the same module
// size across and down, which fails on codes seen at an angle (measured on
// the perspective photos of the benchmark: no candidate at all on codes a
// person reads easily); here the size down may be a third to three times
// the size across.
func findFinders(m *gozxing.BitMatrix, step int) []*detector.FinderPattern {
	w, h := m.GetWidth(), m.GetHeight()
	var cands []*fcand
	runs := make([]int, 0, 64)
	row := gozxing.NewBitArray(w)
	for y := 0; y < h; y += step {
		// Run lengths of row y, starting with a white run (maybe empty),
		// found a word at a time.
		row = m.GetRow(y, row)
		words := row.GetBitArray()
		runs = runs[:0]
		black, x := false, 0
		for x < w {
			next := nextChange(words, x, w, black)
			runs = append(runs, next-x)
			x, black = next, !black
		}
		// Odd indices are black runs.
		x0 := runs[0]
		for i := 1; i+4 < len(runs); i += 2 {
			r := runs[i : i+5]
			if ok, _ := ratios(r[0], r[1], r[2], r[3], r[4]); ok {
				cx := float64(x0+r[0]+r[1]) + float64(r[2])/2
				if c := confirm(m, cx, float64(y), float64(r[0]+r[1]+r[2]+r[3]+r[4])/7); c != nil {
					cands = addCand(cands, c)
					if len(cands) >= maxFinderCands {
						return toPatterns(cands)
					}
				}
			}
			x0 += runs[i] + runs[i+1]
		}
	}
	return toPatterns(cands)
}

// nextChange returns the first x' >= x whose pixel in the row words is
// not black (when black) or black (when not), or w.
func nextChange(words []uint32, x, w int, black bool) int {
	for x < w {
		word := words[x>>5]
		if black {
			word = ^word
		}
		word >>= uint(x & 31)
		if word != 0 {
			return min(x+bits.TrailingZeros32(word), w)
		}
		x = (x | 31) + 1
	}
	return w
}

// ratios checks five run lengths for 1:1:3:1:1 and returns the module size.
func ratios(a, b, c, d, e int) (bool, float64) {
	total := a + b + c + d + e
	if total < 7 {
		return false, 0
	}
	m := float64(total) / 7
	tol := 0.6 * m
	ok := math.Abs(float64(a)-m) < tol && math.Abs(float64(b)-m) < tol &&
		math.Abs(float64(d)-m) < tol && math.Abs(float64(e)-m) < tol &&
		math.Abs(float64(c)-3*m) < 2.5*tol
	return ok, m
}

type fcand struct {
	x, y, module float64
	count        int
}

// confirm checks the column through (x, y), then the row through the
// column's centre, and returns the pattern's centre and module size.
func confirm(m *gozxing.BitMatrix, x, y, module float64) *fcand {
	maxRun := int(8*module) + 2
	cy, vm, ok := crossRun(m, int(x), int(y), 0, 1, maxRun)
	if !ok || vm < module/3 || vm > 3*module {
		return nil
	}
	cx, hm, ok := crossRun(m, int(x), int(cy), 1, 0, maxRun)
	if !ok || math.Abs(cx-x) > 2*module {
		return nil
	}
	return &fcand{x: cx + 0.5, y: cy + 0.5, module: (hm + vm) / 2, count: 1}
}

// crossRun walks from (x, y), which must be black, both ways along (dx, dy)
// through the centre run and the white and black runs either side. It
// returns the centre coordinate along the walk and the module size when
// the five runs are in 1:1:3:1:1.
func crossRun(m *gozxing.BitMatrix, x, y, dx, dy, maxRun int) (float64, float64, bool) {
	w, h := m.GetWidth(), m.GetHeight()
	if x < 0 || y < 0 || x >= w || y >= h || !m.Get(x, y) {
		return 0, 0, false
	}
	var back, fwd [3]int // centre, white, black runs going each way
	for dir, counts := range []*[3]int{&back, &fwd} {
		s := 2*dir - 1 // -1 backwards, +1 forwards
		px, py := x, y
		if dir == 1 {
			px, py = x+dx, y+dy
		}
		state := 0
		for state < 3 {
			if px < 0 || py < 0 || px >= w || py >= h {
				break
			}
			black := m.Get(px, py)
			want := state != 1 // centre and outer runs are black
			if black != want {
				state++
				continue
			}
			counts[state]++
			if counts[state] > maxRun {
				return 0, 0, false
			}
			px, py = px+s*dx, py+s*dy
		}
		if counts[1] == 0 || counts[2] == 0 {
			return 0, 0, false
		}
	}
	c := back[0] + fwd[0]
	ok, module := ratios(back[2], back[1], c, fwd[1], fwd[2])
	if !ok {
		return 0, 0, false
	}
	start := x*dx + y*dy - back[0] + 1
	return float64(start) + float64(c)/2 - 0.5, module, true
}

// addCand merges c into a nearby candidate of similar size, or appends it.
func addCand(cands []*fcand, c *fcand) []*fcand {
	for _, o := range cands {
		if math.Abs(o.x-c.x) <= 1.5*o.module && math.Abs(o.y-c.y) <= 1.5*o.module && similarSize(o.module, c.module) {
			n := float64(o.count)
			o.x = (o.x*n + c.x) / (n + 1)
			o.y = (o.y*n + c.y) / (n + 1)
			o.module = (o.module*n + c.module) / (n + 1)
			o.count++
			return cands
		}
	}
	return append(cands, c)
}

func toPatterns(cands []*fcand) []*detector.FinderPattern {
	out := make([]*detector.FinderPattern, len(cands))
	for i, c := range cands {
		out[i] = detector.NewFinderPattern(c.x, c.y, c.module, c.count)
	}
	return out
}
