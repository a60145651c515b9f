package scan

import (
	"image"

	"github.com/makiuchi-d/gozxing"
)

// gray is an 8-bit luminance image, the one form every strategy works on.
type gray struct {
	w, h int
	pix  []byte // row-major, stride w
}

func newGray(w, h int) *gray { return &gray{w: w, h: h, pix: make([]byte, w*h)} }

// toGray converts img to luminance once. JPEG photos arrive as YCbCr, whose
// Y plane is already the luminance.
func toGray(img image.Image) *gray {
	b := img.Bounds()
	g := newGray(b.Dx(), b.Dy())
	switch m := img.(type) {
	case *image.YCbCr:
		for y := range g.h {
			i := m.YOffset(b.Min.X, b.Min.Y+y)
			copy(g.pix[y*g.w:(y+1)*g.w], m.Y[i:i+g.w])
		}
	case *image.Gray:
		for y := range g.h {
			i := m.PixOffset(b.Min.X, b.Min.Y+y)
			copy(g.pix[y*g.w:(y+1)*g.w], m.Pix[i:i+g.w])
		}
	case *image.NRGBA:
		for y := range g.h {
			i := m.PixOffset(b.Min.X, b.Min.Y+y)
			row := g.pix[y*g.w : (y+1)*g.w]
			for x := range row {
				p := m.Pix[i+4*x : i+4*x+4]
				// Transparent pixels count as white paper.
				l := luma(uint32(p[0]), uint32(p[1]), uint32(p[2]))
				row[x] = uint8((l*uint32(p[3]) + 255*(255-uint32(p[3]))) / 255)
			}
		}
	case *image.RGBA:
		for y := range g.h {
			i := m.PixOffset(b.Min.X, b.Min.Y+y)
			row := g.pix[y*g.w : (y+1)*g.w]
			for x := range row {
				p := m.Pix[i+4*x : i+4*x+4]
				// Premultiplied: add the missing white for transparency.
				row[x] = uint8(luma(uint32(p[0]), uint32(p[1]), uint32(p[2])) + 255 - uint32(p[3]))
			}
		}
	default:
		for y := range g.h {
			row := g.pix[y*g.w : (y+1)*g.w]
			for x := range row {
				r, gg, bb, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				l := luma(r>>8, gg>>8, bb>>8) + 255 - a>>8
				row[x] = uint8(min(l, 255))
			}
		}
	}
	return g
}

// luma is the Rec. 601 luminance of 8-bit (premultiplied) components.
func luma(r, g, b uint32) uint32 { return (19595*r + 38470*g + 7471*b + 1<<15) >> 16 }

// downscale returns g reduced by the integer factor k, each output pixel
// the mean of a k-by-k block (area averaging keeps thin modules visible).
func (g *gray) downscale(k int) *gray {
	if k <= 1 {
		return g
	}
	w, h := g.w/k, g.h/k
	out := newGray(w, h)
	sums := make([]uint32, w)
	kk := uint32(k * k)
	for y := range h {
		clear(sums)
		for dy := range k {
			src := g.pix[(y*k+dy)*g.w : (y*k+dy)*g.w+w*k]
			for x := range w {
				s := uint32(0)
				for _, v := range src[x*k : x*k+k] {
					s += uint32(v)
				}
				sums[x] += s
			}
		}
		row := out.pix[y*w : (y+1)*w]
		for x := range row {
			row[x] = uint8((sums[x] + kk/2) / kk)
		}
	}
	return out
}

// upscale2 returns g doubled in each direction by bilinear interpolation,
// which helps the finder-pattern scan on small codes.
func (g *gray) upscale2() *gray {
	w, h := g.w*2, g.h*2
	out := newGray(w, h)
	for y := range h {
		sy := float32(y)*0.5 - 0.25
		y0 := max(int(sy), 0)
		fy := max(sy-float32(y0), 0)
		y1 := min(y0+1, g.h-1)
		for x := range w {
			sx := float32(x)*0.5 - 0.25
			x0 := max(int(sx), 0)
			fx := max(sx-float32(x0), 0)
			x1 := min(x0+1, g.w-1)
			a := float32(g.pix[y0*g.w+x0])*(1-fx) + float32(g.pix[y0*g.w+x1])*fx
			b := float32(g.pix[y1*g.w+x0])*(1-fx) + float32(g.pix[y1*g.w+x1])*fx
			out.pix[y*w+x] = uint8(a*(1-fy) + b*fy + 0.5)
		}
	}
	return out
}

// source adapts gray to gozxing's LuminanceSource without copying.
type source struct {
	gozxing.LuminanceSourceBase
	g *gray
}

func newSource(g *gray) *source {
	return &source{LuminanceSourceBase: gozxing.LuminanceSourceBase{Width: g.w, Height: g.h}, g: g}
}

func (s *source) GetRow(y int, row []byte) ([]byte, error) {
	if len(row) < s.g.w {
		row = make([]byte, s.g.w)
	}
	copy(row, s.g.pix[y*s.g.w:(y+1)*s.g.w])
	return row, nil
}

func (s *source) GetMatrix() []byte { return s.g.pix }

func (s *source) Invert() gozxing.LuminanceSource { return gozxing.NewInvertedLuminanceSource(s) }

func (s *source) String() string { return "scan.source" }

// stretch returns g with its 1st to 99th percentile stretched to 0-255
// when that range is narrow (a dark or washed-out photo), else g itself.
// gozxing's hybrid binariser treats blocks of less than 24 levels of
// contrast as blank, which in a photo taken in the dark is every block.
func (g *gray) stretch() *gray {
	var hist [256]int
	for _, v := range g.pix {
		hist[v]++
	}
	n := len(g.pix)
	lo, hi := percentileHist(&hist, n, 0.01), percentileHist(&hist, n, 0.99)
	if hi-lo >= 128 || hi <= lo {
		return g
	}
	var lut [256]uint8
	for v := range lut {
		lut[v] = uint8(max(0, min(255, (v-lo)*255/(hi-lo))))
	}
	out := newGray(g.w, g.h)
	for i, v := range g.pix {
		out.pix[i] = lut[v]
	}
	return out
}

// padded returns g inside a margin of pad pixels of value v.
func (g *gray) padded(pad int, v uint8) *gray {
	out := newGray(g.w+2*pad, g.h+2*pad)
	for i := range out.pix {
		out.pix[i] = v
	}
	for y := range g.h {
		copy(out.pix[(y+pad)*out.w+pad:], g.pix[y*g.w:(y+1)*g.w])
	}
	return out
}
