package scan

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// diagnosis collects what the passes saw, to tell the officer why nothing
// was read.
type diagnosis struct {
	finders  bool   // three finder patterns were grouped into a code
	rsFailed bool   // a module grid was sampled but its format or error correction failed
	cands    []cand // finder-pattern candidates, full-resolution coordinates
}

type cand struct {
	x, y, module float64
}

// maxCands bounds the candidates kept; a textured photo yields many.
const maxCands = 256

// merge adds what another search of the same image noted.
func (d *diagnosis) merge(o *diagnosis) {
	d.finders = d.finders || o.finders
	d.rsFailed = d.rsFailed || o.rsFailed
	d.cands = append(d.cands, o.cands[:max(0, min(len(o.cands), maxCands-len(d.cands)))]...)
}

func (d *diagnosis) noteCandidates(fps []*detector.FinderPattern, lv level) {
	for _, fp := range fps {
		if len(d.cands) >= maxCands {
			return
		}
		// A candidate seen on two rows is a real ring of black-white-black,
		// not a chance run; the patterns of a grouped code count anyway.
		if fp.GetCount() >= 2 || len(fps) == 3 {
			c := lv.full(fp.GetX(), fp.GetY())
			d.cands = append(d.cands, cand{c.x, c.y, fp.GetEstimatedModuleSize() * lv.scale})
		}
	}
}

// Thresholds of the diagnosis, on 8-bit luminance.
const (
	darkMean      = 40   // mean luminance below this: too dark
	saturated     = 250  // a pixel at or above this is clipped
	glareFraction = 0.20 // share of clipped pixels over the code: glare
	smallModule   = 2.0  // module side in pixels below which codes are too small
	blurSharpness = 0.35 // module-normalised edge energy below this: blurred
)

// diagnose classifies a failure from cheap image statistics and what the
// passes saw. The order matters: the first cause that explains the failure
// and that the officer can fix is reported.
func (s *scanner) diagnose() *Error {
	g := s.full
	mean := 0.0
	for _, v := range g.pix {
		mean += float64(v)
	}
	mean /= float64(len(g.pix))
	if mean < darkMean {
		return newError(QRTooDark, fmt.Errorf("mean luminance %.0f", mean))
	}

	found := len(s.diag.cands) >= 2
	// Where the code is: around the finder candidates (tight, for
	// sharpness; widened by the 21 modules of the smallest code, for
	// glare, which may hide the rest of the symbol), or the whole image.
	tight := [4]int{0, 0, g.w, g.h}
	wide := tight
	module := 0.0
	if found {
		xs, ys, ms := []float64{}, []float64{}, []float64{}
		for _, c := range s.diag.cands {
			xs, ys, ms = append(xs, c.x), append(ys, c.y), append(ms, c.module)
		}
		sort.Float64s(ms)
		module = ms[len(ms)/2]
		box := func(pad float64) [4]int {
			return [4]int{clampInt(minF(xs)-pad, 0, g.w), clampInt(minF(ys)-pad, 0, g.h), clampInt(maxF(xs)+pad, 0, g.w), clampInt(maxF(ys)+pad, 0, g.h)}
		}
		tight, wide = box(4*module), box(21*module)
	}
	if tight[2]-tight[0] < 3 || tight[3]-tight[1] < 3 {
		tight = [4]int{0, 0, g.w, g.h}
	}
	st := regionStats(g, tight[0], tight[1], tight[2], tight[3])
	// Glare is clipped light in a photo; a screenshot or a generated image
	// is all black and white, with hardly any mid-tones.
	clipped, mid := clippedShare(g, wide[0], wide[1], wide[2], wide[3])
	if clipped > glareFraction && mid > 0.05 {
		return newError(QRGlare, fmt.Errorf("%.0f%% of the code area clipped", 100*clipped))
	}
	if !found {
		return newError(NoQRFound, errors.New("no finder patterns"))
	}
	if module < smallModule {
		return newError(QRTooSmall, fmt.Errorf("module %.1f px", module))
	}
	if sharp := st.sharpness * module * module; sharp < blurSharpness {
		return newError(QRBlurred, fmt.Errorf("sharpness %.2f", sharp))
	}
	if s.diag.rsFailed {
		return newError(QRDamaged, errors.New("error correction failed"))
	}
	return newError(NoQRFound, errors.New("finder patterns but no code"))
}

type stats struct {
	sharpness float64 // mean squared gradient over squared contrast
}

// regionStats measures a rectangle of g. Sharpness is the mean squared
// gradient divided by the squared contrast (5th to 95th percentile), so it
// does not depend on lighting. Measured on synthetic codes, sharpness times
// the squared module size is about 0.13 m/sigma for a Gaussian blur of
// sigma pixels, and 0.4 m for a sharp code of module m pixels; gozxing stops
// reading at about sigma = 0.6 m, that is 0.22; below 0.35 blur is the
// likeliest cause.
func regionStats(g *gray, x0, y0, x1, y1 int) stats {
	var hist [256]int
	var n int
	var grad float64
	for y := y0; y < y1; y++ {
		row := g.pix[y*g.w : (y+1)*g.w]
		for x := x0; x < x1; x++ {
			v := row[x]
			hist[v]++
			n++
			if x+1 < x1 && y+1 < y1 {
				gx := float64(row[x+1]) - float64(v)
				gy := float64(g.pix[(y+1)*g.w+x]) - float64(v)
				grad += gx*gx + gy*gy
			}
		}
	}
	if n == 0 {
		return stats{}
	}
	lo, hi := percentileHist(&hist, n, 0.05), percentileHist(&hist, n, 0.95)
	c := math.Max(float64(hi-lo), 8)
	return stats{sharpness: grad / float64(n) / (c * c)}
}

// clippedShare is the share of a rectangle's pixels that are saturated,
// and the share of mid-tones (neither near black nor near white).
func clippedShare(g *gray, x0, y0, x1, y1 int) (clipped, mid float64) {
	n, nc, nm := 0, 0, 0
	for y := y0; y < y1; y++ {
		for _, v := range g.pix[y*g.w+x0 : y*g.w+x1] {
			n++
			if v >= saturated {
				nc++
			}
			if v > 30 && v < 225 {
				nm++
			}
		}
	}
	if n == 0 {
		return 0, 0
	}
	return float64(nc) / float64(n), float64(nm) / float64(n)
}

func percentileHist(h *[256]int, n int, p float64) int {
	want := int(p * float64(n))
	acc := 0
	for v, c := range h {
		acc += c
		if acc > want {
			return v
		}
	}
	return 255
}

func minF(v []float64) float64 {
	m := math.Inf(1)
	for _, x := range v {
		m = math.Min(m, x)
	}
	return m
}

func maxF(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}

func clampInt(v float64, lo, hi int) int {
	return max(lo, min(hi, int(v)))
}
