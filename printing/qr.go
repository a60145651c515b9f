package printing

import (
	"fmt"

	"github.com/skip2/go-qrcode"
)

// QR geometry (DOMAIN.md 8.6-8.7).
const (
	// dotMM is one dot of a 300 dpi printer: every module is a whole
	// number of dots, so no printer has to smear one module over two.
	dotMM = 25.4 / 300
	// minModuleDots makes modules at least 0.5 mm (6 dots, 0.508 mm), the
	// size that reads reliably from a printed page.
	minModuleDots = 6
	// minQRMM is the smallest printed width of the symbol with its quiet
	// zone.
	minQRMM = 50.0
	// maxQRMM is the width the form's right column gives the code: modules
	// grow in whole dots up to it, since larger modules read better from
	// phone photos of the page (DOMAIN.md 8.7).
	maxQRMM = 66.0
	// quietModules is the quiet zone on each side, in modules.
	quietModules = 4
	// minEdgeMM is the least distance from the code to the page edge.
	minEdgeMM = 5.0
)

// symbol is a QR code ready to print.
type symbol struct {
	bits   [][]bool // dark modules, without quiet zone
	module float64  // module width in mm
}

// newSymbol encodes text at level Q, the level for documents that get
// folded and stamped, and picks the largest module of whole printer dots
// that keeps the code within maxQRMM, but never less than minModuleDots
// nor a code narrower than minQRMM.
func newSymbol(text string) (symbol, error) {
	q, err := qrcode.New(text, qrcode.High) // High is Q in go-qrcode
	if err != nil {
		return symbol{}, fmt.Errorf("printing: encode QR code: %w", err)
	}
	q.DisableBorder = true
	bits := q.Bitmap()
	n := len(bits) + 2*quietModules
	dots := max(minModuleDots, int(maxQRMM/(float64(n)*dotMM)))
	for float64(n*dots)*dotMM < minQRMM {
		dots++
	}
	return symbol{bits: bits, module: float64(dots) * dotMM}, nil
}

// modules is the number of modules on a side, without quiet zone.
func (s symbol) modules() int { return len(s.bits) }

// width is the printed width with the quiet zone, in mm.
func (s symbol) width() float64 {
	return float64(s.modules()+2*quietModules) * s.module
}

// draw paints the symbol with its quiet zone's top-left corner at (x, y).
// Each run of dark modules in a row is one rectangle, and all of them are
// one path filled once, so rasterisers leave no hairline seams between
// neighbouring modules.
func (s symbol) draw(pg page, x, y float64) {
	pg.SetFillColor(255, 255, 255)
	pg.Rect(x, y, s.width(), s.width(), "F")
	pg.SetFillColor(0, 0, 0)
	m := s.module
	x0, y0 := x+quietModules*m, y+quietModules*m
	for r, row := range s.bits {
		top, bottom := y0+float64(r)*m, y0+float64(r+1)*m
		for c := 0; c < len(row); {
			if !row[c] {
				c++
				continue
			}
			end := c
			for end < len(row) && row[end] {
				end++
			}
			left, right := x0+float64(c)*m, x0+float64(end)*m
			pg.MoveTo(left, top)
			pg.LineTo(right, top)
			pg.LineTo(right, bottom)
			pg.LineTo(left, bottom)
			pg.ClosePath()
			c = end
		}
	}
	pg.DrawPath("F")
}
