package scan

import (
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// This file holds a second way from three finder patterns to a module grid,
// used when gozxing's fails. gozxing builds its perspective transform from
// the three finder centres and one alignment pattern (or a parallelogram
// guess), and the symbol size from distances over module size: on codes
// seen at an angle, or large versions, the grid drifts off the modules
// (measured on the benchmark's perspective and high_version photos: finders
// found, Reed-Solomon fails). Here each finder pattern's outer square is
// fitted from its edges, so the three give twelve corners whose module
// coordinates are known; the symbol size comes from the version
// information, or is tried at the estimate and its neighbours; the
// alignment patterns are tracked from neighbour to neighbour, and the
// modules are sampled piecewise between them (following bent paper and
// lens distortion), or through one least-squares homography.

// homog maps module coordinates to image coordinates.
type homog [9]float64

func (h homog) apply(x, y float64) point {
	d := h[6]*x + h[7]*y + h[8]
	return point{(h[0]*x + h[1]*y + h[2]) / d, (h[3]*x + h[4]*y + h[5]) / d}
}

// fitHomog fits a homography taking src to dst (at least four pairs) by
// least squares on the linearised equations, after normalising both sets.
func fitHomog(src, dst []point) (homog, bool) {
	ns, ts := normalizer(src)
	nd, td := normalizer(dst)
	var ata [8][9]float64 // normal equations, augmented
	for i := range src {
		u, v := ns(src[i])
		x, y := nd(dst[i])
		rows := [2][9]float64{
			{u, v, 1, 0, 0, 0, -u * x, -v * x, x},
			{0, 0, 0, u, v, 1, -u * y, -v * y, y},
		}
		for _, r := range rows {
			for a := range 8 {
				for b := range 9 {
					ata[a][b] += r[a] * r[b]
				}
			}
		}
	}
	h, ok := solve8(ata)
	if !ok {
		return homog{}, false
	}
	hn := homog{h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1}
	// Undo the normalisations: H = Td^-1 * Hn * Ts.
	return mul(mul(td.inverse(), hn), ts), true
}

// normalizer returns a function moving points to centroid 0 and mean
// distance sqrt(2), and the matrix doing the same.
func normalizer(p []point) (func(point) (float64, float64), homog) {
	var cx, cy float64
	for _, q := range p {
		cx += q.x
		cy += q.y
	}
	cx /= float64(len(p))
	cy /= float64(len(p))
	d := 0.0
	for _, q := range p {
		d += math.Hypot(q.x-cx, q.y-cy)
	}
	s := math.Sqrt2 * float64(len(p)) / math.Max(d, 1e-9)
	return func(q point) (float64, float64) { return (q.x - cx) * s, (q.y - cy) * s },
		homog{s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1}
}

func (h homog) inverse() homog {
	a, b, c, d, e, f, g, hh, i := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
	return homog{e*i - f*hh, c*hh - b*i, b*f - c*e, f*g - d*i, a*i - c*g, c*d - a*f, d*hh - e*g, b*g - a*hh, a*e - b*d}
}

func mul(a, b homog) homog {
	var r homog
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				r[3*i+j] += a[3*i+k] * b[3*k+j]
			}
		}
	}
	return r
}

// solve8 solves an 8x8 system given as an augmented matrix, by Gaussian
// elimination with partial pivoting.
func solve8(m [8][9]float64) ([8]float64, bool) {
	var x [8]float64
	for c := range 8 {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		if math.Abs(m[p][c]) < 1e-12 {
			return x, false
		}
		m[c], m[p] = m[p], m[c]
		for r := c + 1; r < 8; r++ {
			f := m[r][c] / m[c][c]
			for k := c; k < 9; k++ {
				m[r][k] -= f * m[c][k]
			}
		}
	}
	for r := 7; r >= 0; r-- {
		s := m[r][8]
		for k := r + 1; k < 8; k++ {
			s -= m[r][k] * x[k]
		}
		x[r] = s / m[r][r]
	}
	return x, true
}

// finderSquare fits the outer square of the finder pattern centred at c:
// it casts rays from the centre and takes where each leaves the outer black
// ring, drops those out of line with their neighbours, finds the four
// corners of the quadrilateral the rest trace (farthest point, farthest
// from it, farthest either side of their diagonal), fits a line to the
// points of each side and intersects the lines. The corners come back as
// top-left, top-right, bottom-right, bottom-left relative to the code's
// axes ux and uy.
func finderSquare(m *gozxing.BitMatrix, c point, ux, uy point, module float64) ([4]point, bool) {
	const rays = 90
	var edges []point
	maxDist := 12 * module
	step := 0.5
	for k := range rays {
		th := 2 * math.Pi * float64(k) / rays
		dx, dy := math.Cos(th), math.Sin(th)
		state := 0 // 0 centre black, 1 white ring, 2 black ring
		for t := 0.0; t < maxDist; t += step {
			x, y := c.x+dx*t, c.y+dy*t
			ix, iy := int(x), int(y)
			if ix < 0 || iy < 0 || ix >= m.GetWidth() || iy >= m.GetHeight() {
				break
			}
			black := m.Get(ix, iy)
			if state == 0 && !black {
				state = 1
			} else if state == 1 && black {
				state = 2
			} else if state == 2 && !black {
				edges = append(edges, point{x - dx*step/2, y - dy*step/2})
				break
			}
		}
	}
	edges = dropOutliers(edges, c, 0.75*module)
	if len(edges) < rays/2 {
		return [4]point{}, false
	}
	// Corner indices into edges, in ray (angular) order.
	far := func(from point) int {
		best, bd := 0, -1.0
		for i, e := range edges {
			if d := math.Hypot(e.x-from.x, e.y-from.y); d > bd {
				best, bd = i, d
			}
		}
		return best
	}
	i0 := far(c)
	i2 := far(edges[i0])
	a, b := edges[i0], edges[i2]
	i1, i3, d1, d3 := -1, -1, 0.0, 0.0
	for i, e := range edges {
		d := (b.x-a.x)*(e.y-a.y) - (b.y-a.y)*(e.x-a.x)
		if d > d1 {
			i1, d1 = i, d
		}
		if -d > d3 {
			i3, d3 = i, -d
		}
	}
	if i1 < 0 || i3 < 0 {
		return [4]point{}, false
	}
	idx := []int{i0, i1, i2, i3}
	sort.Ints(idx)
	// Points strictly between consecutive corners (cyclically) form the
	// sides; drop the fifth nearest each corner.
	var lines [4][3]float64
	n := len(edges)
	for s := range 4 {
		from, to := idx[s], idx[(s+1)%4]
		span := (to - from + n) % n
		var pts []point
		for k := span / 5; k <= span-span/5; k++ {
			pts = append(pts, edges[(from+k)%n])
		}
		if len(pts) < 3 {
			return [4]point{}, false
		}
		lines[s] = fitLineTrimmed(pts, math.Max(1, module/2))
	}
	var corners [4]point
	for s := range 4 {
		p, ok := intersect(lines[(s+3)%4], lines[s])
		if !ok || math.Hypot(p.x-c.x, p.y-c.y) > 12*module {
			return [4]point{}, false
		}
		corners[s] = p
	}
	// Order as the code's axes say.
	proj := func(p point) (float64, float64) {
		return (p.x-c.x)*ux.x + (p.y-c.y)*ux.y, (p.x-c.x)*uy.x + (p.y-c.y)*uy.y
	}
	pick := func(score func(a, b float64) float64) point {
		best, bs := corners[0], math.Inf(1)
		for _, p := range corners {
			a, b := proj(p)
			if v := score(a, b); v < bs {
				best, bs = p, v
			}
		}
		return best
	}
	q := [4]point{
		pick(func(a, b float64) float64 { return a + b }),
		pick(func(a, b float64) float64 { return -a + b }),
		pick(func(a, b float64) float64 { return -a - b }),
		pick(func(a, b float64) float64 { return a - b }),
	}
	for i := range q {
		for j := i + 1; j < 4; j++ {
			if q[i] == q[j] {
				return q, false
			}
		}
	}
	return q, true
}

// dropOutliers drops the edge points (in angular order about c) farther
// than tol from the median distance of their four neighbours: rays that
// left the outer ring through a scratch or ran on into a merged module.
// The farthest of them would pass for a corner of the square.
func dropOutliers(edges []point, c point, tol float64) []point {
	n := len(edges)
	if n < 5 {
		return edges
	}
	dist := make([]float64, n)
	for i, e := range edges {
		dist[i] = math.Hypot(e.x-c.x, e.y-c.y)
	}
	out := make([]point, 0, n)
	for i := range edges {
		nb := [4]float64{dist[(i+n-2)%n], dist[(i+n-1)%n], dist[(i+1)%n], dist[(i+2)%n]}
		sort.Float64s(nb[:])
		if med := (nb[1] + nb[2]) / 2; math.Abs(dist[i]-med) <= tol {
			out = append(out, edges[i])
		}
	}
	return out
}

// fitLine returns a, b, c with a*x + b*y = c through pts (total least
// squares).
func fitLine(pts []point) [3]float64 {
	var mx, my float64
	for _, p := range pts {
		mx += p.x
		my += p.y
	}
	n := float64(len(pts))
	mx /= n
	my /= n
	var sxx, sxy, syy float64
	for _, p := range pts {
		dx, dy := p.x-mx, p.y-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	// Direction of largest spread; the normal is perpendicular.
	th := 0.5 * math.Atan2(2*sxy, sxx-syy)
	a, b := -math.Sin(th), math.Cos(th)
	return [3]float64{a, b, a*mx + b*my}
}

// fitLineTrimmed fits a line to pts, then again without the points
// farther than tol from it (rays that ran past a blurred or merged edge).
func fitLineTrimmed(pts []point, tol float64) [3]float64 {
	l := fitLine(pts)
	for range 2 {
		var keep []point
		for _, p := range pts {
			if math.Abs(l[0]*p.x+l[1]*p.y-l[2]) <= tol {
				keep = append(keep, p)
			}
		}
		if len(keep) < 3 || len(keep) == len(pts) {
			return l
		}
		pts = keep
		l = fitLine(pts)
	}
	return l
}

func intersect(l1, l2 [3]float64) (point, bool) {
	det := l1[0]*l2[1] - l1[1]*l2[0]
	if math.Abs(det) < 1e-9 {
		return point{}, false
	}
	return point{(l1[2]*l2[1] - l1[1]*l2[2]) / det, (l1[0]*l2[2] - l1[2]*l2[0]) / det}, true
}

// grid maps module coordinates of one code to image coordinates.
type grid struct {
	dim int
	h   homog // global fit
	// Piecewise: cells between alignment-pattern centres, each with the
	// homography through its four corner anchors.
	centers []int
	cells   []homog // (len(centers)-1)^2, row-major; nil when global
	mesh    *mesh   // moved onto the photo's modules (refine.go), or nil
}

func (g *grid) at(x, y float64) point {
	if g.mesh != nil {
		return g.mesh.at(x, y)
	}
	if g.cells == nil {
		return g.h.apply(x, y)
	}
	n := len(g.centers) - 1
	cell := func(v float64) int {
		for i := 1; i < n; i++ {
			if v < float64(g.centers[i])+0.5 {
				return i - 1
			}
		}
		return n - 1
	}
	return g.cells[cell(y)*n+cell(x)].apply(x, y)
}

// tryGrid reads the code framed by info with finder-square fitting; it
// reports whether it read a code.
func (s *scanner) tryGrid(m *gozxing.BitMatrix, info *detector.FinderPatternInfo, lv level) bool {
	tlp, trp, blp := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	tl, tr, bl := point{tlp.GetX(), tlp.GetY()}, point{trp.GetX(), trp.GetY()}, point{blp.GetX(), blp.GetY()}
	module := (tlp.GetEstimatedModuleSize() + trp.GetEstimatedModuleSize() + blp.GetEstimatedModuleSize()) / 3
	ux, uy := unit(tl, tr), unit(tl, bl)
	var sq [3][4]point
	for i, c := range []point{tl, tr, bl} {
		q, ok := finderSquare(m, c, ux, uy, module)
		if !ok {
			return false
		}
		sq[i] = q
	}
	// Each finder's own square gives a homography from its frame (its
	// top-left module at (0, 0)) to the image, exact near it.
	var local [3]homog
	for i := range sq {
		h, ok := fitHomog([]point{{0, 0}, {7, 0}, {7, 7}, {0, 7}}, sq[i][:])
		if !ok {
			return false
		}
		local[i] = h
	}
	if !formatReadable(m, local) {
		return false
	}
	s.sampled++
	dims := symbolSizes(m, sq, local, tl, tr, bl)
	for _, dim := range dims {
		if s.stop() {
			return false
		}
		d := float64(dim)
		src := []point{
			{0, 0}, {7, 0}, {7, 7}, {0, 7},
			{d - 7, 0}, {d, 0}, {d, 7}, {d - 7, 7},
			{0, d - 7}, {7, d - 7}, {7, d}, {0, d},
		}
		dst := append(append(append([]point{}, sq[0][:]...), sq[1][:]...), sq[2][:]...)
		h, ok := fitHomog(src, dst)
		if !ok {
			continue
		}
		// Piecewise through the alignment patterns first: it follows bent
		// paper and lens distortion, and places the corners better.
		g := &grid{dim: dim, h: h}
		closest := g // the fit to refine if every read fails
		if g.align(m, local, src, dst) {
			if s.sampleDecode(m, g, lv) {
				return true
			}
			closest = &grid{dim: dim, h: g.h, centers: g.centers, cells: g.cells}
			// One homography through finders and alignment patterns.
			g.cells = nil
			if s.sampleDecode(m, g, lv) {
				return true
			}
			g.h = h
		}
		if s.sampleDecode(m, g, lv) || s.refineDecode(closest, lv) {
			return true
		}
	}
	return false
}

// align locates the alignment patterns, each from where its neighbours
// put it, makes g piecewise and refits g.h through src, dst and the
// alignment patterns found. It reports whether any were found.
func (g *grid) align(m *gozxing.BitMatrix, local [3]homog, src, dst []point) bool {
	ver, err := decoder.Version_GetProvisionalVersionForDimension(g.dim)
	if err != nil || len(ver.GetAlignmentPatternCenters()) == 0 {
		return false
	}
	centers := ver.GetAlignmentPatternCenters()
	n := len(centers)
	d := float64(g.dim)
	// The anchors under the finder patterns come from each finder's own
	// square: module (6.5, 6.5) and its mirror images.
	anchor := make([]point, n*n)
	known := make([]bool, n*n)
	found := 0
	for sum := 0; sum <= 2*(n-1); sum++ {
		for b := 0; b < n; b++ {
			a := sum - b
			if a < 0 || a >= n {
				continue
			}
			cx, cy := float64(centers[a])+0.5, float64(centers[b])+0.5
			k := b*n + a
			switch {
			case a == 0 && b == 0:
				anchor[k], known[k] = local[0].apply(cx, cy), true
				continue
			case a == n-1 && b == 0:
				anchor[k], known[k] = local[1].apply(cx-(d-7), cy), true
				continue
			case a == 0 && b == n-1:
				anchor[k], known[k] = local[2].apply(cx, cy-(d-7)), true
				continue
			}
			// Predict from known neighbours: complete the parallelogram,
			// else continue a line, else the global fit.
			p := g.h.apply(cx, cy)
			switch {
			case a > 0 && b > 0 && known[k-1] && known[k-n] && known[k-n-1]:
				p = point{anchor[k-1].x + anchor[k-n].x - anchor[k-n-1].x, anchor[k-1].y + anchor[k-n].y - anchor[k-n-1].y}
			case a > 1 && known[k-1] && known[k-2]:
				p = extrapolate(anchor[k-2], anchor[k-1], centers[a-2], centers[a-1], centers[a])
			case b > 1 && known[k-n] && known[k-2*n]:
				p = extrapolate(anchor[k-2*n], anchor[k-n], centers[b-2], centers[b-1], centers[b])
			}
			q := g.h.apply(cx+1, cy)
			ms := math.Max(math.Hypot(q.x-g.h.apply(cx, cy).x, q.y-g.h.apply(cx, cy).y), 1)
			if ap, ok := findAlignment(m, p, ms); ok {
				p = ap
				found++
				src = append(src, point{cx, cy})
				dst = append(dst, ap)
			}
			anchor[k], known[k] = p, true
		}
	}
	if found == 0 {
		return false
	}
	cells := make([]homog, (n-1)*(n-1))
	for b := 0; b+1 < n; b++ {
		for a := 0; a+1 < n; a++ {
			x0, x1 := float64(centers[a])+0.5, float64(centers[a+1])+0.5
			y0, y1 := float64(centers[b])+0.5, float64(centers[b+1])+0.5
			k := b*n + a
			h, ok := fitHomog(
				[]point{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}},
				[]point{anchor[k], anchor[k+1], anchor[k+n+1], anchor[k+n]})
			if !ok {
				return false
			}
			cells[b*(n-1)+a] = h
		}
	}
	g.centers, g.cells = centers, cells
	if h, ok := fitHomog(src, dst); ok {
		g.h = h
	}
	return true
}

// extrapolate continues the line through p0 (at module c0) and p1 (c1) to
// module c2.
func extrapolate(p0, p1 point, c0, c1, c2 int) point {
	f := float64(c2-c1) / float64(c1-c0)
	return point{p1.x + (p1.x-p0.x)*f, p1.y + (p1.y-p0.y)*f}
}

// findAlignment looks for an alignment pattern within two modules of p.
func findAlignment(m *gozxing.BitMatrix, p point, ms float64) (point, bool) {
	r := int(2.5*ms) + 2
	x0, y0 := max(int(p.x)-r, 0), max(int(p.y)-r, 0)
	x1, y1 := min(int(p.x)+r, m.GetWidth()-1), min(int(p.y)+r, m.GetHeight()-1)
	if float64(x1-x0) < 3*ms || float64(y1-y0) < 3*ms {
		return p, false
	}
	ap, err := detector.NewAlignmentPatternFinder(m, x0, y0, x1-x0, y1-y0, ms, nil).Find()
	if err != nil {
		return p, false
	}
	q := point{ap.GetX(), ap.GetY()}
	if math.Hypot(q.x-p.x, q.y-p.y) > 2*ms {
		return p, false
	}
	return q, true
}

// formatReadable reports whether the two copies of the format information
// (beside the top-left finder; split between the other two) decode alike,
// read straight or mirrored. Three patterns that are not one code fail this
// almost always, so it spares sampling and decoding them at every size.
func formatReadable(m *gozxing.BitMatrix, local [3]homog) bool {
	// bit reads module (x, y) of finder f's frame: the top-left finder's
	// frame is the symbol's; the others are shifted so their own top-left
	// module is (0, 0).
	bit := func(f int, x, y float64) uint {
		p := local[f].apply(x+0.5, y+0.5)
		if p.x < 0 || p.y < 0 || int(p.x) >= m.GetWidth() || int(p.y) >= m.GetHeight() {
			return 0
		}
		if m.Get(int(p.x), int(p.y)) {
			return 1
		}
		return 0
	}
	for _, mirrored := range []bool{false, true} {
		// As gozxing's BitMatrixParser.ReadFormatInformation, with
		// copyBit(i, j) reading column i, row j (or row i, column j when
		// mirrored).
		at := func(f int, i, j float64) uint {
			if mirrored {
				i, j = j, i
			}
			return bit(f, i, j)
		}
		var b1, b2 uint
		for i := 0.0; i < 6; i++ {
			b1 = b1<<1 | at(0, i, 8)
		}
		b1 = b1<<1 | at(0, 7, 8)
		b1 = b1<<1 | at(0, 8, 8)
		b1 = b1<<1 | at(0, 8, 7)
		for j := 5.0; j >= 0; j-- {
			b1 = b1<<1 | at(0, 8, j)
		}
		// Rows d-1 .. d-7 of column 8: rows 6 .. 0 of the bottom-left
		// finder's frame; columns d-8 .. d-1 of row 8: columns -1 .. 6 of
		// the top-right finder's frame (swapped when mirrored).
		bf, rf := 2, 1
		if mirrored {
			bf, rf = 1, 2
		}
		for j := 6.0; j >= 0; j-- {
			b2 = b2<<1 | at(bf, 8, j)
		}
		for i := -1.0; i < 7; i++ {
			b2 = b2<<1 | at(rf, i, 8)
		}
		// Both copies must decode, to the same level and mask: the copy
		// beside the top-left finder is read correctly whenever that is a
		// real finder pattern, even of another code.
		f1 := decoder.FormatInformation_DecodeFormatInformation(b1, b1)
		f2 := decoder.FormatInformation_DecodeFormatInformation(b2, b2)
		if f1 != nil && f2 != nil && f1.GetDataMask() == f2.GetDataMask() && f1.GetErrorCorrectionLevel() == f2.GetErrorCorrectionLevel() {
			return true
		}
	}
	return false
}

// symbolSizes returns the symbol sizes to try, likeliest first: the one the
// version information blocks give (versions 7 and up), else estimates from
// the finder squares and their neighbours.
func symbolSizes(m *gozxing.BitMatrix, sq [3][4]point, local [3]homog, tl, tr, bl point) []int {
	// Version information: 6 x 3 modules left of the top-right finder and
	// 3 x 6 above the bottom-left one, read in the order of ISO/IEC 18004
	// (as gozxing's BitMatrixParser.readVersion).
	read := func(h homog, x, y float64) int {
		p := h.apply(x+0.5, y+0.5)
		if p.x < 0 || p.y < 0 || int(p.x) >= m.GetWidth() || int(p.y) >= m.GetHeight() {
			return 0
		}
		if m.Get(int(p.x), int(p.y)) {
			return 1
		}
		return 0
	}
	var out []int
	seen := map[int]bool{}
	addDim := func(d int) {
		if d >= 21 && d <= 177 && !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	for corner := range 2 {
		bits := 0
		for a := 5; a >= 0; a-- {
			for b := -2; b >= -4; b-- {
				if corner == 0 {
					bits = bits<<1 | read(local[1], float64(b), float64(a))
				} else {
					bits = bits<<1 | read(local[2], float64(a), float64(b))
				}
			}
		}
		if v, err := decoder.Version_decodeVersionInformation(bits); err == nil && v.GetVersionNumber() >= 7 {
			addDim(v.GetDimensionForVersion())
		}
	}
	// Distances between finder centres over the module size the squares
	// show, along each leg.
	side := func(q [4]point, a, b int) float64 { return math.Hypot(q[b].x-q[a].x, q[b].y-q[a].y) / 7 }
	mx := (side(sq[0], 0, 1) + side(sq[0], 3, 2) + side(sq[1], 0, 1) + side(sq[1], 3, 2)) / 4
	my := (side(sq[0], 0, 3) + side(sq[0], 1, 2) + side(sq[2], 0, 3) + side(sq[2], 1, 2)) / 4
	est := (math.Hypot(tr.x-tl.x, tr.y-tl.y)/mx + math.Hypot(bl.x-tl.x, bl.y-tl.y)/my) / 2
	base := int(math.Round((est+7-17)/4))*4 + 17
	for _, d := range []int{base, base - 4, base + 4} {
		addDim(d)
	}
	return out
}

func unit(a, b point) point {
	d := math.Hypot(b.x-a.x, b.y-a.y)
	if d == 0 {
		return point{1, 0}
	}
	return point{(b.x - a.x) / d, (b.y - a.y) / d}
}

// sampleDecode samples g and decodes it: each module at its centre, then,
// failing that, as the majority of five samples a quarter module apart,
// which rides out noisy pixels and a slightly misplaced grid, then from the
// luminance.
func (s *scanner) sampleDecode(m *gozxing.BitMatrix, g *grid, lv level) bool {
	return s.sampleDecodeWith(m, g, lv, [][2]float64{{0.5, 0.5}}) ||
		s.sampleDecodeWith(m, g, lv, [][2]float64{{0.5, 0.5}, {0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}}) ||
		s.sampleGrayDecode(g, lv)
}

// sampleGrayDecode samples the luminance at the module centres and
// thresholds each module against the mean of the modules around it, so the
// threshold follows glare and shadow at the scale of the code rather than
// of a binariser's window. A module's distance from that mean is its
// confidence: the least certain codewords become erasures (soft.go).
// A blurred photo mixes each module with its neighbours (a light module
// among dark ones reads grey): failing the plain read, the samples are
// sharpened at module scale, each moved away from the mean of its four
// neighbours.
func (s *scanner) sampleGrayDecode(g *grid, lv level) bool {
	for _, sharpen := range []float64{0, 0.6, 1.2} {
		if sg, ok := sampleGray(g, lv.g, sharpen); ok && s.decodeSoftGrid(sg, g, lv) {
			return true
		}
	}
	return false
}

// sampleGray samples g's modules from the luminance im, sharpened by
// sharpen (0 for none).
func sampleGray(g *grid, im *gray, sharpen float64) (*softGrid, bool) {
	d := g.dim
	vals := make([]float64, d*d)
	for y := range d {
		for x := range d {
			p := g.at(float64(x)+0.5, float64(y)+0.5)
			v, ok := im.bilinear(p.x, p.y)
			if !ok {
				return nil, false
			}
			vals[y*d+x] = v
		}
	}
	if sharpen > 0 {
		sharp := make([]float64, d*d)
		for y := range d {
			for x := range d {
				n, t := 0.0, 0.0
				for _, o := range [4][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}} {
					if xx, yy := x+o[0], y+o[1]; xx >= 0 && yy >= 0 && xx < d && yy < d {
						t += vals[yy*d+xx]
						n++
					}
				}
				sharp[y*d+x] = vals[y*d+x] + sharpen*(vals[y*d+x]-t/n)
			}
		}
		vals = sharp
	}
	// Integral over the module grid.
	sum := make([]float64, (d+1)*(d+1))
	for y := range d {
		row := 0.0
		for x := range d {
			row += vals[y*d+x]
			sum[(y+1)*(d+1)+x+1] = sum[y*(d+1)+x+1] + row
		}
	}
	const r = 4 // modules either side
	bits, err := gozxing.NewSquareBitMatrix(d)
	if err != nil {
		return nil, false
	}
	conf := make([]float32, d*d)
	for y := range d {
		y0, y1 := max(y-r, 0), min(y+r+1, d)
		for x := range d {
			x0, x1 := max(x-r, 0), min(x+r+1, d)
			n := float64((x1 - x0) * (y1 - y0))
			mean := (sum[y1*(d+1)+x1] - sum[y0*(d+1)+x1] - sum[y1*(d+1)+x0] + sum[y0*(d+1)+x0]) / n
			v := vals[y*d+x]
			if v < mean {
				bits.Set(x, y)
			}
			conf[y*d+x] = float32(math.Abs(v - mean))
		}
	}
	return &softGrid{dim: d, bits: bits, conf: conf}, true
}

func (s *scanner) sampleDecodeWith(m *gozxing.BitMatrix, g *grid, lv level, offs [][2]float64) bool {
	bits, err := gozxing.NewSquareBitMatrix(g.dim)
	if err != nil {
		return false
	}
	conf := make([]float32, g.dim*g.dim)
	w, hh := m.GetWidth(), m.GetHeight()
	for y := range g.dim {
		for x := range g.dim {
			votes := 0
			for _, o := range offs {
				p := g.at(float64(x)+o[0], float64(y)+o[1])
				ix, iy := int(p.x), int(p.y)
				if ix < 0 || iy < 0 || ix >= w || iy >= hh {
					return false
				}
				if m.Get(ix, iy) {
					votes++
				}
			}
			if 2*votes > len(offs) {
				bits.Set(x, y)
			}
			conf[y*g.dim+x] = float32(max(2*votes-len(offs), len(offs)-2*votes))
		}
	}
	return s.decodeSoftGrid(&softGrid{dim: g.dim, bits: bits, conf: conf}, g, lv)
}

// decodeSoftGrid decodes sampled modules and records the code with the
// corners of g.
func (s *scanner) decodeSoftGrid(sg *softGrid, g *grid, lv level) bool {
	res, mirrored, err := decodeSoft(sg)
	if err != nil {
		return false
	}
	s.addGrid(res.GetText(), mirrored, g, lv)
	return true
}

func (s *scanner) addGrid(text string, mirrored bool, g *grid, lv level) {
	d := float64(g.dim)
	var corners [4]point
	for i, c := range []point{{0, 0}, {d, 0}, {d, d}, {0, d}} {
		p := g.at(c.x, c.y)
		corners[i] = lv.full(p.x, p.y)
	}
	if mirrored {
		corners[1], corners[3] = corners[3], corners[1]
	}
	s.add(text, corners)
}

// bilinear interpolates g at (x, y) (pixel centres at half-integers).
func (g *gray) bilinear(x, y float64) (float64, bool) {
	x, y = x-0.5, y-0.5
	if x < 0 || y < 0 || x > float64(g.w-1) || y > float64(g.h-1) {
		return 0, false
	}
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, g.w-1), min(y0+1, g.h-1)
	fx, fy := x-float64(x0), y-float64(y0)
	a := float64(g.pix[y0*g.w+x0])*(1-fx) + float64(g.pix[y0*g.w+x1])*fx
	b := float64(g.pix[y1*g.w+x0])*(1-fx) + float64(g.pix[y1*g.w+x1])*fx
	return a*(1-fy) + b*fy, true
}
