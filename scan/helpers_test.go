package scan

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing/qrcode/decoder"
)

// MustSymbol returns text encoded at level as a Gray image with a four-module
// quiet zone and ppm pixels per module (dark 0, light 255).
func MustSymbol(tb testing.TB, text string, level decoder.ErrorCorrectionLevel, ppm int) *image.Gray {
	tb.Helper()
	q, _, err := encodeQR(text, level)
	if err != nil {
		tb.Fatalf("encode %q: %v", text, err)
	}
	return matrixImage(q.size, func(x, y int) bool { return q.m[y*q.size+x]&dark != 0 }, ppm)
}

// matrixImage draws a size x size module grid with quiet zone.
func matrixImage(size int, dark func(x, y int) bool, ppm int) *image.Gray {
	n := (size + 2*quietZone) * ppm
	img := image.NewGray(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			mx, my := x/ppm-quietZone, y/ppm-quietZone
			v := uint8(255)
			if mx >= 0 && my >= 0 && mx < size && my < size && dark(mx, my) {
				v = 0
			}
			img.Pix[y*img.Stride+x] = v
		}
	}
	return img
}

// homography maps destination pixels to source pixels.
type homography [9]float64

func (h homography) apply(x, y float64) (float64, float64) {
	d := h[6]*x + h[7]*y + h[8]
	return (h[0]*x + h[1]*y + h[2]) / d, (h[3]*x + h[4]*y + h[5]) / d
}

// squareTo returns the homography taking the unit square's corners
// (0,0),(1,0),(1,1),(0,1) to q.
func squareTo(q [4]point) homography {
	x0, y0, x1, y1, x2, y2, x3, y3 := q[0].x, q[0].y, q[1].x, q[1].y, q[2].x, q[2].y, q[3].x, q[3].y
	dx3, dy3 := x0-x1+x2-x3, y0-y1+y2-y3
	if dx3 == 0 && dy3 == 0 {
		return homography{x1 - x0, x2 - x1, x0, y1 - y0, y2 - y1, y0, 0, 0, 1}
	}
	dx1, dx2, dy1, dy2 := x1-x2, x3-x2, y1-y2, y3-y2
	den := dx1*dy2 - dx2*dy1
	a13 := (dx3*dy2 - dx2*dy3) / den
	a23 := (dx1*dy3 - dx3*dy1) / den
	return homography{x1 - x0 + a13*x1, x3 - x0 + a23*x3, x0, y1 - y0 + a13*y1, y3 - y0 + a23*y3, y0, a13, a23, 1}
}

func (h homography) inverse() homography {
	a, b, c, d, e, f, g, hh, i := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
	return homography{e*i - f*hh, c*hh - b*i, b*f - c*e, f*g - d*i, a*i - c*g, c*d - a*f, d*hh - e*g, b*g - a*hh, a*e - b*d}
}

func (h homography) times(o homography) homography {
	var r homography
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				r[3*i+j] += h[3*i+k] * o[3*k+j]
			}
		}
	}
	return r
}

// place draws src into a w x h canvas of colour bg so that src's corners
// land on q (top-left, top-right, bottom-right, bottom-left), sampling with
// 4x4 supersampling so small placements stay faithful.
func place(src *image.Gray, w, h int, bg uint8, q [4]point) *image.Gray {
	sw, sh := float64(src.Rect.Dx()), float64(src.Rect.Dy())
	// unit square -> src, and unit square -> canvas.
	toSrc := homography{sw, 0, 0, 0, sh, 0, 0, 0, 1}
	m := toSrc.times(squareTo(q).inverse())
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			sum := 0
			for sy := range 4 {
				for sx := range 4 {
					u, v := m.apply(float64(x)+(float64(sx)+0.5)/4, float64(y)+(float64(sy)+0.5)/4)
					if u >= 0 && v >= 0 && u < sw && v < sh {
						sum += int(src.Pix[int(v)*src.Stride+int(u)])
					} else {
						sum += int(bg)
					}
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / 16)
		}
	}
	return out
}

// square returns the corners of an axis-aligned square at (x, y) rotated by
// deg degrees about its centre.
func square(x, y, side, deg float64) [4]point {
	cx, cy := x+side/2, y+side/2
	s, c := math.Sincos(deg * math.Pi / 180)
	var q [4]point
	for i, d := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
		dx, dy := d[0]*side/2, d[1]*side/2
		q[i] = point{cx + dx*c - dy*s, cy + dx*s + dy*c}
	}
	return q
}

// symbolCorners returns where the outer corners of the symbol (inside the
// quiet zone) land when a symbol image of n modules (quiet zone included)
// is placed on q.
func symbolCorners(q [4]point, n int) [4]point {
	h := squareTo(q)
	f := float64(quietZone) / float64(n)
	var out [4]point
	for i, d := range [4][2]float64{{f, f}, {1 - f, f}, {1 - f, 1 - f}, {f, 1 - f}} {
		out[i].x, out[i].y = h.apply(d[0], d[1])
	}
	return out
}

func gaussianBlur(img *image.Gray, sigma float64) *image.Gray {
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	sum := 0.0
	for i := range k {
		d := float64(i - r)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	tmp := make([]float64, w*h)
	for y := range h {
		for x := range w {
			v := 0.0
			for i, kv := range k {
				xx := min(max(x+i-r, 0), w-1)
				v += kv * float64(img.Pix[y*img.Stride+xx])
			}
			tmp[y*w+x] = v
		}
	}
	out := image.NewGray(img.Rect)
	for y := range h {
		for x := range w {
			v := 0.0
			for i, kv := range k {
				yy := min(max(y+i-r, 0), h-1)
				v += kv * tmp[yy*w+x]
			}
			out.Pix[y*out.Stride+x] = uint8(math.Round(v))
		}
	}
	return out
}

// mapGray applies f to every pixel.
func mapGray(img *image.Gray, f func(x, y int, v uint8) uint8) *image.Gray {
	out := image.NewGray(img.Rect)
	for y := range img.Rect.Dy() {
		for x := range img.Rect.Dx() {
			out.Pix[y*out.Stride+x] = f(x, y, img.Pix[y*img.Stride+x])
		}
	}
	return out
}

func addNoise(img *image.Gray, sigma float64, seed uint64) *image.Gray {
	r := rand.New(rand.NewPCG(seed, 1))
	return mapGray(img, func(_, _ int, v uint8) uint8 {
		return clamp8(float64(v) + r.NormFloat64()*sigma)
	})
}

func clamp8(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(v)))) }

// contrast maps 0..255 to lo..hi.
func contrast(img *image.Gray, lo, hi float64) *image.Gray {
	return mapGray(img, func(_, _ int, v uint8) uint8 { return clamp8(lo + (hi-lo)*float64(v)/255) })
}

func MustJPEG(tb testing.TB, img image.Image, quality int) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// withOrientation inserts an Exif APP1 segment carrying orientation o right
// after the SOI marker of a JPEG file.
func withOrientation(jpg []byte, o int, bigEndian bool) []byte {
	tiff := []byte{'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, byte(o), 0, 0, 0, 0, 0, 0, 0}
	if bigEndian {
		tiff = []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0, 0, 0, 0, 0}
	}
	seg := append([]byte("Exif\x00\x00"), tiff...)
	n := len(seg) + 2
	app1 := append([]byte{0xFF, 0xE1, byte(n >> 8), byte(n)}, seg...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, app1...)
	return append(out, jpg[2:]...)
}

// storedFor returns the image that, turned upright by EXIF orientation o,
// shows upright.
func storedFor(upright *image.Gray, o int) (*image.Gray, orientation) {
	w, h := upright.Rect.Dx(), upright.Rect.Dy()
	sw, sh := w, h
	if o >= 5 {
		sw, sh = h, w
	}
	or := orientation{o: o, w: sw, h: sh}
	out := image.NewGray(image.Rect(0, 0, sw, sh))
	for y := range h {
		for x := range w {
			sx, sy := or.toStored(float64(x)+0.5, float64(y)+0.5)
			out.Pix[int(sy)*out.Stride+int(sx)] = upright.Pix[y*upright.Stride+x]
		}
	}
	return out, or
}

// errCode returns the Code of an *Error, or "".
func errCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// mustDecodeImage decodes img and fails the test on error.
func mustDecodeImage(tb testing.TB, img image.Image) []Code {
	tb.Helper()
	codes, err := DecodeImage(context.Background(), img, Options{})
	if err != nil {
		tb.Fatalf("DecodeImage: %v", err)
	}
	return codes
}

// near reports whether every corner is within tol pixels of want.
func near(got [4]image.Point, want [4]point, tol float64) bool {
	for i := range got {
		if math.Hypot(float64(got[i].X)-want[i].x, float64(got[i].Y)-want[i].y) > tol {
			return false
		}
	}
	return true
}

var _ = color.Gray{}
