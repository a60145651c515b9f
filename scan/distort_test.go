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
