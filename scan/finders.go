package scan

import (
	"cmp"
	"math"
	"slices"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// groupFinders forms codes from finder-pattern candidates by geometry: a
// top-left pattern with two others at about the same distance, at about a
// right angle, all of about the same module size, at a distance a QR
// version allows. gozxing's own grouping keeps only the candidates whose
// module sizes are most alike (single) or groups by size alone (multi), and
// on a page of many codes, or with one spurious candidate, it pairs the
// wrong patterns; here every plausible triangle is returned, best first,
// and the caller decodes them in turn.
func groupFinders(cands []*detector.FinderPattern, limit int) []*detector.FinderPatternInfo {
	type triple struct {
		tl, tr, bl int
		score      float64
	}
	// Neighbours of each candidate that could share a code with it.
	near := make([][]int, len(cands))
	for i, c := range cands {
		mi := c.GetEstimatedModuleSize()
		for j, o := range cands {
			if j == i || !similarSize(mi, o.GetEstimatedModuleSize()) {
				continue
			}
			d := math.Hypot(o.GetX()-c.GetX(), o.GetY()-c.GetY())
			if d >= 10*mi && d <= 180*mi {
				near[i] = append(near[i], j)
			}
		}
	}
	var ts []triple
	worst := math.Inf(1)
	keepBest := func() {
		slices.SortFunc(ts, func(a, b triple) int { return cmp.Compare(a.score, b.score) })
		if len(ts) > limit {
			ts = ts[:limit]
			worst = ts[limit-1].score
		}
	}
	for i, c := range cands {
		mi := c.GetEstimatedModuleSize()
		for _, j := range near[i] {
			ax, ay := cands[j].GetX()-c.GetX(), cands[j].GetY()-c.GetY()
			la := math.Hypot(ax, ay)
			for _, k := range near[i] {
				if k == j {
					continue
				}
				bx, by := cands[k].GetX()-c.GetX(), cands[k].GetY()-c.GetY()
				// j is top-right and k bottom-left: the turn from j to k
				// is clockwise on screen (y grows downwards).
				if ax*by-ay*bx <= 0 {
					continue
				}
				lb := math.Hypot(bx, by)
				ratio := la / lb
				if ratio < 1.0/3 || ratio > 3 {
					continue
				}
				cos := (ax*bx + ay*by) / (la * lb)
				if math.Abs(cos) > 0.8 { // 37 to 143 degrees: perspective
					continue
				}
				mj, mk := cands[j].GetEstimatedModuleSize(), cands[k].GetEstimatedModuleSize()
				mean := (mi + mj + mk) / 3
				// Shape, sizes, and a slight preference for small
				// triangles: on a sheet of codes the finders of
				// neighbouring codes also form right angles, wider ones.
				score := math.Abs(math.Log(ratio)) + math.Abs(cos) +
					(math.Abs(mi-mean)+math.Abs(mj-mean)+math.Abs(mk-mean))/mean +
					0.003*(la+lb)/mean
				if score < worst {
					ts = append(ts, triple{i, j, k, score})
					if len(ts) >= 4*limit {
						// Keep the best limit; only better ones join.
						keepBest()
					}
				}
			}
		}
	}
	keepBest()
	out := make([]*detector.FinderPatternInfo, 0, len(ts))
	for _, t := range ts {
		// As found, then as gozxing orders them (top-left opposite the
		// longest side) when that differs: that picks the wrong corner when
		// perspective shortens one side, this one when the angle is wide.
		out = append(out, detector.NewFinderPatternInfo(cands[t.bl], cands[t.tl], cands[t.tr]))
		bl, tl, tr := gozxing.ResultPoint_OrderBestPatterns(cands[t.tl], cands[t.tr], cands[t.bl])
		if tl != gozxing.ResultPoint(cands[t.tl]) {
			out = append(out, detector.NewFinderPatternInfo(bl.(*detector.FinderPattern), tl.(*detector.FinderPattern), tr.(*detector.FinderPattern)))
		}
	}
	return out
}

func similarSize(a, b float64) bool {
	r := a / b
	return r > 0.6 && r < 1/0.6
}

// maxPairs bounds the finder-pattern pairs tryPairs completes per image.
const maxPairs = 40

// tryPairs completes pairs of finder patterns into triples by supposing
// the third where it would be if the two were top-left and top-right,
// top-left and bottom-left, or top-right and bottom-left, and tries to read
// each. The format check in tryGrid and gozxing's own checks reject most
// wrong guesses cheaply.
func (s *scanner) tryPairs(m *gozxing.BitMatrix, lv level) {
	var cands []*detector.FinderPattern
	for _, c := range findFinders(m, 2) {
		if c.GetCount() >= 2 {
			cands = append(cands, c)
		}
	}
	type pair struct {
		a, b  int
		score float64
	}
	var ps []pair
	for i, a := range cands {
		for j := i + 1; j < len(cands); j++ {
			b := cands[j]
			ma, mb := a.GetEstimatedModuleSize(), b.GetEstimatedModuleSize()
			if !similarSize(ma, mb) {
				continue
			}
			d := math.Hypot(b.GetX()-a.GetX(), b.GetY()-a.GetY()) / ((ma + mb) / 2)
			if d < 10 || d > 250 {
				continue
			}
			ps = append(ps, pair{i, j, math.Abs(math.Log(ma / mb))})
		}
	}
	slices.SortFunc(ps, func(x, y pair) int { return cmp.Compare(x.score, y.score) })
	for _, p := range ps[:min(len(ps), maxPairs)] {
		a, b := cands[p.a], cands[p.b]
		ax, ay, bx, by := a.GetX(), a.GetY(), b.GetX(), b.GetY()
		mod := (a.GetEstimatedModuleSize() + b.GetEstimatedModuleSize()) / 2
		vx, vy := bx-ax, by-ay
		// Third corners: beside either end (adjacent pair), or across
		// the diagonal (opposite pair).
		mx, my := (ax+bx)/2, (ay+by)/2
		thirds := [][2]float64{
			{ax - vy, ay + vx}, {ax + vy, ay - vx},
			{bx - vy, by + vx}, {bx + vy, by - vx},
			{mx - vy/2, my + vx/2}, {mx + vy/2, my - vx/2},
		}
		for _, t := range thirds {
			if s.stop() {
				return
			}
			if t[0] < 0 || t[1] < 0 || t[0] >= float64(m.GetWidth()) || t[1] >= float64(m.GetHeight()) {
				continue
			}
			c := detector.NewFinderPattern(t[0], t[1], mod, 1)
			bl, tl, tr := gozxing.ResultPoint_OrderBestPatterns(a, b, c)
			info := detector.NewFinderPatternInfo(bl.(*detector.FinderPattern), tl.(*detector.FinderPattern), tr.(*detector.FinderPattern))
			s.tryInfo(m, info, lv)
		}
	}
}
