package scan

import "math"

// This file moves a module grid onto the modules a photo shows. A grid
// fitted to the finder and alignment patterns is right near them and
// drifts between and beyond them where the paper is crumpled or bent: by
// half a module, and then every sample on that side reads an edge. A mesh
// of control points every few modules, started from the fitted grid, is
// moved point by point to where the modules it places sample farthest
// from grey, since module centres are dark or light and edges are grey.

// Refinement is for the versions with at most one alignment pattern
// (1-6), whose fitted grids have the fewest anchors. The limits keep its
// cost off the photos it cannot help: on the benchmark's photos 8, 12 or
// 24 refinements a search read the same codes, and refining the larger
// symbols, already sampled piecewise between many alignment patterns,
// read none more and took seconds.
const (
	maxRefineDim = 41   // modules a side: version 6
	maxRefines   = 8    // per search (and per helper)
	refineCell   = 6    // modules between control points
	refineReach  = 0.45 // how far a control point may move, in modules
)

// mesh maps module coordinates to image coordinates by bilinear
// interpolation between control points every step modules.
type mesh struct {
	n    int     // control points a side
	step float64 // modules between control points
	pts  []point // n*n, row-major
}

func (ms *mesh) at(x, y float64) point {
	fx, fy := x/ms.step, y/ms.step
	i := min(max(int(fx), 0), ms.n-2)
	j := min(max(int(fy), 0), ms.n-2)
	u, v := fx-float64(i), fy-float64(j)
	p00, p10 := ms.pts[j*ms.n+i], ms.pts[j*ms.n+i+1]
	p01, p11 := ms.pts[(j+1)*ms.n+i], ms.pts[(j+1)*ms.n+i+1]
	return point{
		(1-v)*((1-u)*p00.x+u*p10.x) + v*((1-u)*p01.x+u*p11.x),
		(1-v)*((1-u)*p00.y+u*p10.y) + v*((1-u)*p01.y+u*p11.y),
	}
}

// refineDecode reads g again after moving it onto the luminance, within
// the limits above; it reports whether it read a code.
func (s *scanner) refineDecode(g *grid, lv level) bool {
	if g.dim > maxRefineDim || s.refined >= maxRefines {
		return false
	}
	s.refined++
	rg, ok := refineGrid(g, lv.g)
	return ok && s.sampleGrayDecode(rg, lv)
}

// refineGrid returns g moved onto the luminance im: a mesh started from g,
// each control point moved, within refineReach modules of where g put it
// (farther, a sample would land in the next module), to where the modules
// around it sample least grey. It reports false when g leaves the image.
func refineGrid(g *grid, im *gray) (*grid, bool) {
	d := g.dim
	cells := max(int(math.Round(float64(d)/refineCell)), 2)
	ms := &mesh{n: cells + 1, step: float64(d) / float64(cells)}
	ms.pts = make([]point, ms.n*ms.n)
	size := make([]float64, len(ms.pts)) // a module's size in pixels there
	for k := range ms.pts {
		x, y := float64(k%ms.n)*ms.step, float64(k/ms.n)*ms.step
		p, q, r := g.at(x, y), g.at(x+1, y), g.at(x, y+1)
		ms.pts[k] = p
		size[k] = (math.Hypot(q.x-p.x, q.y-p.y) + math.Hypot(r.x-p.x, r.y-p.y)) / 2
	}
	fitted := append([]point(nil), ms.pts...)
	// spread is the variance of the samples of the modules in the cells
	// around control point k: greatest with every sample in a module's
	// middle.
	spread := func(k int) (float64, bool) {
		i, j := k%ms.n, k/ms.n
		x0 := int(float64(max(i-1, 0)) * ms.step)
		x1 := min(int(math.Ceil(float64(min(i+1, ms.n-1))*ms.step)), d)
		y0 := int(float64(max(j-1, 0)) * ms.step)
		y1 := min(int(math.Ceil(float64(min(j+1, ms.n-1))*ms.step)), d)
		var s, s2 float64
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				p := ms.at(float64(x)+0.5, float64(y)+0.5)
				v, ok := im.bilinear(p.x, p.y)
				if !ok {
					return 0, false
				}
				s += v
				s2 += v * v
			}
		}
		n := float64((x1 - x0) * (y1 - y0))
		return s2/n - (s/n)*(s/n), true
	}
	for k := range ms.pts {
		if _, ok := spread(k); !ok {
			return nil, false
		}
	}
	// Each sweep tries the 24 points around each control point at a
	// finer step.
	for _, frac := range []float64{0.2, 0.1, 0.1, 0.05} {
		for k := range ms.pts {
			best, _ := spread(k)
			start := ms.pts[k]
			bp := start
			step := frac * size[k]
			for dy := -2.0; dy <= 2; dy++ {
				for dx := -2.0; dx <= 2; dx++ {
					p := point{start.x + dx*step, start.y + dy*step}
					if (dx == 0 && dy == 0) || math.Hypot(p.x-fitted[k].x, p.y-fitted[k].y) > refineReach*size[k] {
						continue
					}
					ms.pts[k] = p
					if v, ok := spread(k); ok && v > best {
						best, bp = v, p
					}
				}
			}
			ms.pts[k] = bp
		}
	}
	return &grid{dim: d, h: g.h, mesh: ms}, true
}
