package printing

import (
	"strings"

	"github.com/go-pdf/fpdf"
)

// Type sizes in points and the spacing of a box, in millimetres.
const (
	ptMM = 25.4 / 72 // one point in millimetres

	sizeLabel = 6.0 // box labels
	sizeValue = 8.5 // what the issuer filled in
	sizeSmall = 7.0 // secondary values

	padX      = 1.2 // inside a box, left and right
	padTop    = 0.9 // above the label
	padBottom = 1.1 // below the last line
	labelGap  = 0.5 // between label and value

	thin  = 0.2 // box borders
	thick = 0.45
)

// maxParaLines caps one paragraph so that no box can outgrow a page; the
// registry's field limits keep real text well below it.
const maxParaLines = 24

// lineH is the line height of text set at size points.
func lineH(size float64) float64 { return size * ptMM * 1.2 }

// para is one paragraph of a box: plain text, or a row of tick boxes.
type para struct {
	text   string
	style  string // "", "B" or "I"
	size   float64
	align  string // "L" (default) or "C"
	checks []check
}

// check is one tick box with its caption.
type check struct {
	text string
	on   bool
}

// cell is one numbered box: its label at the top, then its paragraphs.
type cell struct {
	w     float64
	label string
	paras []para
	minH  float64
	bold  bool // label in bold, for boxes that head a group
}

// page wraps the PDF with the measuring and drawing of boxes.
type page struct {
	*fpdf.Fpdf
}

func (pg page) font(style string, size float64) {
	pg.SetFont(fontFamily, style, size)
}

// lines wraps s to width w in the current font, keeping explicit line
// breaks, and caps the result at maxParaLines.
func (pg page) lines(s string, w float64) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	out := pg.SplitText(s, w)
	if len(out) > maxParaLines {
		out = out[:maxParaLines]
		out[maxParaLines-1] += " …"
	}
	return out
}

// paraHeight is the height of p set in width w.
func (pg page) paraHeight(p para, w float64) float64 {
	if p.checks != nil {
		return float64(len(pg.checkRows(p, w))) * (lineH(p.size) + 0.6)
	}
	pg.font(p.style, p.size)
	return float64(len(pg.lines(p.text, w))) * lineH(p.size)
}

// checkRows flows the tick boxes of p into rows no wider than w.
func (pg page) checkRows(p para, w float64) [][]check {
	var rows [][]check
	var row []check
	x := 0.0
	for _, c := range p.checks {
		cw := pg.checkWidth(c, p.size)
		if len(row) > 0 && x+cw > w {
			rows = append(rows, row)
			row, x = nil, 0
		}
		row = append(row, c)
		x += cw
	}
	return append(rows, row)
}

// height is the height c needs.
func (pg page) height(c cell) float64 {
	inner := c.w - 2*padX
	pg.font(labelStyle(c), sizeLabel)
	h := padTop + float64(len(pg.lines(c.label, inner)))*lineH(sizeLabel) + labelGap
	for _, p := range c.paras {
		h += pg.paraHeight(p, inner)
	}
	return max(h+padBottom, c.minH)
}

func labelStyle(c cell) string {
	if c.bold {
		return "B"
	}
	return ""
}

// rowHeight is the height of a row of boxes: the tallest of them.
func (pg page) rowHeight(cells []cell) float64 {
	h := 0.0
	for _, c := range cells {
		h = max(h, pg.height(c))
	}
	return h
}

// row draws cells side by side from (x, y), all h high.
func (pg page) row(x, y, h float64, cells []cell) {
	for _, c := range cells {
		pg.box(x, y, h, c)
		x += c.w
	}
}

// box draws one cell at (x, y), h high.
func (pg page) box(x, y, h float64, c cell) {
	pg.SetLineWidth(thin)
	pg.Rect(x, y, c.w, h, "D")
	inner := c.w - 2*padX
	y += padTop
	pg.SetTextColor(70, 70, 70)
	pg.font(labelStyle(c), sizeLabel)
	for _, l := range pg.lines(c.label, inner) {
		pg.textLine(x+padX, y, inner, sizeLabel, l, "L")
		y += lineH(sizeLabel)
	}
	y += labelGap
	pg.SetTextColor(0, 0, 0)
	for _, p := range c.paras {
		y += pg.para(x+padX, y, inner, p)
	}
}

// para draws p at (x, y) in width w and returns its height.
func (pg page) para(x, y, w float64, p para) float64 {
	if p.checks != nil {
		return pg.checkPara(x, y, w, p)
	}
	pg.font(p.style, p.size)
	ls := pg.lines(p.text, w)
	for i, l := range ls {
		pg.textLine(x, y+float64(i)*lineH(p.size), w, p.size, l, p.align)
	}
	return float64(len(ls)) * lineH(p.size)
}

// textLine sets one line of text in a line box whose top is y.
func (pg page) textLine(x, y, w, size float64, s, align string) {
	if align == "C" {
		x += (w - pg.GetStringWidth(s)) / 2
	}
	// The baseline sits at about 80% of the line box for the Go fonts.
	pg.Text(x, y+lineH(size)*0.78, s)
}

func (pg page) checkPara(x, y, w float64, p para) float64 {
	rowH := lineH(p.size) + 0.6
	box := p.size * ptMM * 0.8
	h := 0.0
	for _, row := range pg.checkRows(p, w) {
		cx := x
		for _, c := range row {
			by := y + h + (rowH-box)/2
			pg.SetLineWidth(thin)
			pg.Rect(cx, by, box, box, "D")
			if c.on {
				pg.SetLineWidth(0.35)
				pg.Line(cx+0.4, by+0.4, cx+box-0.4, by+box-0.4)
				pg.Line(cx+0.4, by+box-0.4, cx+box-0.4, by+0.4)
			}
			cw := pg.checkWidth(c, p.size) // sets the font
			pg.textLine(cx+box+1, y+h+0.3, 0, p.size, c.text, "L")
			cx += cw
		}
		h += rowH
	}
	return h
}

// checkWidth is the width of one tick box with its caption and the gap
// after it; it leaves the caption's font set (bold when ticked).
func (pg page) checkWidth(c check, size float64) float64 {
	style := ""
	if c.on {
		style = "B"
	}
	pg.font(style, size)
	return size*ptMM*0.8 + 1 + pg.GetStringWidth(c.text) + 2.5
}
