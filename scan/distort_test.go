package scan

// Distortions for the synthetic photos of decode_test.go.

import (
	"image"
	"math"
	"math/rand/v2"
)

// highlight adds a specular reflection: a veil of white, opaque where amp
// times the Gaussian of radius sigma around (cx, cy) passes 1, fading out
// beyond.
func highlight(img *image.Gray, cx, cy, sigma, amp float64) *image.Gray {
	return mapGray(img, func(x, y int, v uint8) uint8 {
		dx, dy := float64(x)-cx, float64(y)-cy
		a := min(1, amp*math.Exp(-(dx*dx+dy*dy)/(2*sigma*sigma)))
		return clamp8(float64(v) + (255-float64(v))*a)
	})
}

// tilted returns the corners of a square of side seen turned by deg degrees
// about its vertical axis, from a camera dist sides away, centred at
// (cx, cy) and as wide as side would be face on at that distance.
func tilted(cx, cy, side, deg, dist float64) [4]point {
	s, c := math.Sincos(deg * math.Pi / 180)
	var q [4]point
	for i, d := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
		x, y := d[0]/2, d[1]/2
		z := dist + x*s
		q[i] = point{cx + side*dist*x*c/z, cy + side*dist*y/z}
	}
	return q
}

// cylinder bends img around a vertical cylinder of radius r whose axis
// passes through column cx, seen face on from far away: a column at arc
// length u from the axis lands at cx + r sin(u/r), so the paper narrows
// towards both edges, as a permit in a curved plastic sleeve or round a
// bottle does. Columns beyond the cylinder's rim show bg.
func cylinder(img *image.Gray, cx, r float64, bg uint8) *image.Gray {
	b := img.Bounds()
	out := image.NewGray(b)
	for x := range b.Dx() {
		s := (float64(x) + 0.5 - cx) / r
		for y := range b.Dy() {
			v := bg
			if math.Abs(s) < 1 {
				// Bilinear along the row.
				u := cx + r*math.Asin(s) - 0.5
				if x0 := int(math.Floor(u)); x0 >= 0 && x0+1 < b.Dx() {
					f := u - float64(x0)
					row := img.Pix[y*img.Stride:]
					v = clamp8(float64(row[x0])*(1-f) + float64(row[x0+1])*f)
				}
			}
			out.Pix[y*out.Stride+x] = v
		}
	}
	return out
}

// motionBlur smears img along the rows over length pixels, as a camera
// moving sideways during the exposure does.
func motionBlur(img *image.Gray, length int) *image.Gray {
	b := img.Bounds()
	out := image.NewGray(b)
	for y := range b.Dy() {
		row := img.Pix[y*img.Stride:]
		for x := range b.Dx() {
			sum, n := 0, 0
			for k := x - length/2; k < x-length/2+length; k++ {
				if k >= 0 && k < b.Dx() {
					sum += int(row[k])
					n++
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / n)
		}
	}
	return out
}

// crumple moves every pixel of img by a smooth random field, up to about
// amp pixels, whose bumps are about wave pixels across: creased paper
// that lies unevenly, with no pattern a grid between the finder and
// alignment patterns could follow.
func crumple(img *image.Gray, amp, wave float64, seed uint64) *image.Gray {
	r := rand.New(rand.NewPCG(seed, 2))
	type bump struct{ kx, ky, phase, ax, ay float64 }
	bumps := make([]bump, 6)
	for i := range bumps {
		th := r.Float64() * 2 * math.Pi
		k := 2 * math.Pi / wave * (0.7 + 0.6*r.Float64())
		bumps[i] = bump{k * math.Cos(th), k * math.Sin(th), r.Float64() * 2 * math.Pi, amp * (r.Float64() - 0.5), amp * (r.Float64() - 0.5)}
	}
	b := img.Bounds()
	out := image.NewGray(b)
	for y := range b.Dy() {
		for x := range b.Dx() {
			sx, sy := float64(x), float64(y)
			for _, p := range bumps {
				s := math.Sin(p.kx*float64(x) + p.ky*float64(y) + p.phase)
				sx += p.ax * s
				sy += p.ay * s
			}
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			v := uint8(255)
			if x0 >= 0 && y0 >= 0 && x0+1 < b.Dx() && y0+1 < b.Dy() {
				fx, fy := sx-float64(x0), sy-float64(y0)
				at := func(x, y int) float64 { return float64(img.Pix[y*img.Stride+x]) }
				v = clamp8((at(x0, y0)*(1-fx)+at(x0+1, y0)*fx)*(1-fy) + (at(x0, y0+1)*(1-fx)+at(x0+1, y0+1)*fx)*fy)
			}
			out.Pix[y*out.Stride+x] = v
		}
	}
	return out
}

// scratches draws n white scratches width pixels wide, straight lines
// between random points of the rectangle (x0, y0)-(x1, y1): ink flaked
// off a folded receipt, through the finder patterns' rings as well.
func scratches(img *image.Gray, n int, width, x0, y0, x1, y1 float64, seed uint64) *image.Gray {
	r := rand.New(rand.NewPCG(seed, 3))
	type line struct{ ax, ay, bx, by float64 }
	lines := make([]line, n)
	for i := range lines {
		lines[i] = line{x0 + r.Float64()*(x1-x0), y0 + r.Float64()*(y1-y0), x0 + r.Float64()*(x1-x0), y0 + r.Float64()*(y1-y0)}
	}
	return mapGray(img, func(x, y int, v uint8) uint8 {
		px, py := float64(x), float64(y)
		for _, l := range lines {
			dx, dy := l.bx-l.ax, l.by-l.ay
			t := math.Max(0, math.Min(1, ((px-l.ax)*dx+(py-l.ay)*dy)/(dx*dx+dy*dy)))
			if math.Hypot(px-l.ax-t*dx, py-l.ay-t*dy) < width/2 {
				return 225
			}
		}
		return v
	})
}
