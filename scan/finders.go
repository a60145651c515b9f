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
				if ratio < 0.5 || ratio > 2 {
					continue
				}
				cos := (ax*bx + ay*by) / (la * lb)
				if math.Abs(cos) > 0.6 { // 53 to 127 degrees
					continue
				}
				mj, mk := cands[j].GetEstimatedModuleSize(), cands[k].GetEstimatedModuleSize()
				mean := (mi + mj + mk) / 3
				score := math.Abs(math.Log(ratio)) + math.Abs(cos) +
					(math.Abs(mi-mean)+math.Abs(mj-mean)+math.Abs(mk-mean))/mean
				ts = append(ts, triple{i, j, k, score})
			}
		}
	}
	slices.SortFunc(ts, func(a, b triple) int { return cmp.Compare(a.score, b.score) })
	if len(ts) > limit {
		ts = ts[:limit]
	}
	out := make([]*detector.FinderPatternInfo, len(ts))
	for n, t := range ts {
		bl, tl, tr := gozxing.ResultPoint_OrderBestPatterns(cands[t.tl], cands[t.tr], cands[t.bl])
		out[n] = detector.NewFinderPatternInfo(bl.(*detector.FinderPattern), tl.(*detector.FinderPattern), tr.(*detector.FinderPattern))
	}
	return out
}

func similarSize(a, b float64) bool {
	r := a / b
	return r > 0.7 && r < 1/0.7
}
