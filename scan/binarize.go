package scan

import (
	"github.com/makiuchi-d/gozxing"
)

// hybrid and globalHistogram are gozxing's binarisers on g (true is dark).
func hybrid(g *gray) (*gozxing.BitMatrix, error) {
	return gozxing.NewHybridBinarizer(newSource(g)).GetBlackMatrix()
}

func globalHistogram(g *gray) (*gozxing.BitMatrix, error) {
	return gozxing.NewGlobalHistgramBinarizer(newSource(g)).GetBlackMatrix()
}

// meanThreshold returns a binariser that marks a pixel dark when it is
// below the mean of the surrounding window (side about 1/div of the image's
// long side) by more than a small margin. Unlike gozxing's HybridBinarizer,
// whose 8x8 blocks see only part of a large module, the window adapts to
// the image, and unlike the global histogram it follows shadows and
// gradients of light across the code.
func meanThreshold(div int) func(g *gray) (*gozxing.BitMatrix, error) {
	return func(g *gray) (*gozxing.BitMatrix, error) {
		r := max(max(g.w, g.h)/div/2, 4)
		return adaptive(g, r), nil
	}
}

// adaptive thresholds g against the mean of the (2r+1)-square window around
// each pixel, from an integral image.
func adaptive(g *gray, r int) *gozxing.BitMatrix {
	w, h := g.w, g.h
	// Integral image with a zero first row and column.
	iw := w + 1
	sum := make([]uint32, iw*(h+1))
	for y := range h {
		var rowSum uint32
		src := g.pix[y*w : (y+1)*w]
		prev := sum[y*iw : (y+1)*iw]
		cur := sum[(y+1)*iw : (y+2)*iw]
		for x, v := range src {
			rowSum += uint32(v)
			cur[x+1] = prev[x+1] + rowSum
		}
	}
	// Rows are built a 32-bit word at a time, as gozxing's BitMatrix
	// stores them (pixel x at bit x%32 of word x/32), and copied in whole.
	m, _ := gozxing.NewBitMatrix(w, h)
	row := gozxing.NewBitArray(w)
	words := row.GetBitArray()
	for y := range h {
		y0, y1 := max(y-r, 0), min(y+r+1, h)
		top := sum[y0*iw : (y0+1)*iw]
		bot := sum[y1*iw : (y1+1)*iw]
		src := g.pix[y*w : (y+1)*w]
		dy := uint32(y1 - y0)
		clear(words)
		// Dark when v < mean*(1-1/16) - 2, in integers: v*n*16 + 32*n <
		// s*15 over the n pixels of the window, of sum s.
		dark := func(x, x0, x1 int) {
			n := uint32(x1-x0) * dy
			s := bot[x1] - bot[x0] - top[x1] + top[x0]
			if (uint32(src[x])*16+32)*n < s*15 {
				words[x>>5] |= 1 << (x & 31)
			}
		}
		lo, hi := min(r, w), max(w-r-1, min(r, w))
		for x := 0; x < lo; x++ {
			dark(x, 0, min(x+r+1, w))
		}
		// Inside, the window is whole: no clamping.
		n := uint32(2*r+1) * dy
		for x := lo; x < hi; x++ {
			s := bot[x+r+1] - bot[x-r] - top[x+r+1] + top[x-r]
			if (uint32(src[x])*16+32)*n < s*15 {
				words[x>>5] |= 1 << (x & 31)
			}
		}
		for x := hi; x < w; x++ {
			dark(x, max(x-r, 0), w)
		}
		m.SetRow(y, row)
	}
	return m
}
