package scan

// Distortions for the synthetic photos of decode_test.go.

import (
	"image"
	"math"
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
