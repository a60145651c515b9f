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
	m, _ := gozxing.NewBitMatrix(w, h)
	for y := range h {
		y0, y1 := max(y-r, 0), min(y+r+1, h)
		top := sum[y0*iw : (y0+1)*iw]
		bot := sum[y1*iw : (y1+1)*iw]
		src := g.pix[y*w : (y+1)*w]
		for x, v := range src {
			x0, x1 := max(x-r, 0), min(x+r+1, w)
			n := uint32((x1 - x0) * (y1 - y0))
			s := bot[x1] - bot[x0] - top[x1] + top[x0]
			// Dark when v < mean*(1-1/16) - 2, in integers.
			if uint32(v)*n*16+32*n < s*15 {
				m.Set(x, y)
			}
		}
	}
	return m
}
