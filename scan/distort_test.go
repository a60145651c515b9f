package scan

import (
	"image"
	"math"
	"testing"
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

// TestDecodeDistorted reads synthetic photos with the distortions of the
// benchmark's hardest categories; each case failed before the change that
// made it pass (named in its comment).
func TestDecodeDistorted(t *testing.T) {
	one := func(q [4]point) scene {
		return scene{w: 640, h: 480, bg: 200, codes: []placed{{permitText, 4, q}}}
	}
	tests := []struct {
		name    string
		scene   scene
		degrade func(*image.Gray) *image.Gray
	}{
		// Soft decisions and erasures (soft.go, rs.go): a glare spot over
		// the data washes out a disc of modules.
		{"GlareOverData", one(square(150, 60, 340, 0)), func(g *image.Gray) *image.Gray {
			return addNoise(highlight(g, 330, 250, 50, 3), 6, 1)
		}},
		// Perspective-tolerant grouping of finder patterns and a finder
		// square fit that ignores rays running past a merged edge.
		{"Perspective60", scene{w: 800, h: 600, bg: 200, codes: []placed{{permitText, 6, tilted(400, 300, 420, 60, 3)}}}, func(g *image.Gray) *image.Gray {
			return gaussianBlur(g, 0.8)
		}},
		// Samples sharpened at module scale (sampleGrayDecode): blur of
		// two thirds of a module.
		{"Blur", scene{w: 800, h: 600, bg: 200, codes: []placed{{permitText, 6, square(240, 140, 6*53, 0)}}}, func(g *image.Gray) *image.Gray {
			return gaussianBlur(g, 4)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, _ := tt.scene.render(t)
			if tt.degrade != nil {
				img = tt.degrade(img)
			}
			codes := mustDecodeImage(t, img)
			if len(codes) != 1 || codes[0].Text != tt.scene.codes[0].text {
				t.Fatalf("read %+v", codes)
			}
		})
	}
}
