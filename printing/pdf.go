package printing

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/permits"
)

// Options carries what the permit row does not: who issued it and how a
// reader can check it.
type Options struct {
	AuthorityName    string // e.g. "Ministry of Natural Resources, Ecology and Technical Supervision of the Kyrgyz Republic"
	AuthorityAddress string
	VerifyURL        string // e.g. "https://cites.gov.kg/verify"; printed with the permit number
	// Watermark is "", "CANCELLED", "REVOKED" or "COPY": drawn large,
	// diagonal and light under the content of every page.
	Watermark string
	// Quota is the optional box 11a text per line letter, e.g. "A": "12 / 40".
	Quota map[string]string
}

// Page geometry in millimetres.
const (
	pageW    = 210.0
	pageH    = 297.0
	margin   = 10.0
	contentW = pageW - 2*margin
	// footH is the band at the foot of each page for the page number.
	footH = 6.0
	// bottom is where the content of a page must end.
	bottom = pageH - margin - footH

	// firstPageBlocks is the number of specimen blocks the standard form
	// has room for (A-D); the rest go on annex pages.
	firstPageBlocks = 4

	fontFamily = "go"

	frameGap = 1.0 // white between the QR quiet zone and its frame
)

// PermitPDF renders p as an A4 PDF laid out like the CITES standard form.
// The output depends only on p and opt: the document dates are p.IssuedAt.
// It fails only on a permit it cannot print: no signed code, or a code too
// long for a QR symbol, or an unknown watermark.
func PermitPDF(p *permits.Permit, opt Options) ([]byte, error) {
	b, _, err := render(p, opt)
	return b, err
}

// placement records where the QR code landed, for tests: its quiet zone's
// top-left corner and width on page 1, in mm from the page's top-left
// corner.
type placement struct {
	x, y, w float64
	module  float64
	modules int
	pages   int
}

func render(p *permits.Permit, opt Options) ([]byte, placement, error) {
	if p == nil {
		return nil, placement{}, errors.New("printing: no permit")
	}
	if p.Code == "" {
		return nil, placement{}, fmt.Errorf("printing: permit %s has no signed code", p.Number)
	}
	if _, ok := watermarks[opt.Watermark]; opt.Watermark != "" && !ok {
		return nil, placement{}, fmt.Errorf("printing: unknown watermark %q", opt.Watermark)
	}
	sym, err := newSymbol(p.Code)
	if err != nil {
		return nil, placement{}, err
	}

	f := fpdf.New("P", "mm", "A4", "")
	f.SetAutoPageBreak(false, 0)
	f.SetMargins(margin, margin, margin)
	f.SetCellMargin(0)
	f.SetCatalogSort(true)
	f.SetCreationDate(p.IssuedAt)
	f.SetModificationDate(p.IssuedAt)
	en, _ := heading(p.Type)
	title := strings.ToLower(en) + " " + p.Number
	if !strings.Contains(en, "CITES") {
		title = "CITES " + title
	}
	f.SetTitle(title, true)
	f.SetAuthor(opt.AuthorityName, true)
	f.SetCreator("OpenCITES", true)
	f.AddUTF8FontFromBytes(fontFamily, "", goregular.TTF)
	f.AddUTF8FontFromBytes(fontFamily, "B", gobold.TTF)
	f.AddUTF8FontFromBytes(fontFamily, "I", goitalic.TTF)
	if err := f.Error(); err != nil {
		return nil, placement{}, fmt.Errorf("printing: load fonts: %w", err)
	}

	r := &renderer{pg: page{f}, p: p, opt: opt, sym: sym}
	r.draw()
	if err := f.Error(); err != nil {
		return nil, placement{}, fmt.Errorf("printing: render permit %s: %w", p.Number, err)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, placement{}, fmt.Errorf("printing: write permit %s: %w", p.Number, err)
	}
	r.at.module, r.at.modules = sym.module, sym.modules()
	return buf.Bytes(), r.at, nil
}

// heading is the document's name in English and Russian.
func heading(typ string) (string, string) {
	if t, ok := docTitle[typ]; ok {
		return t[0], t[1]
	}
	return "CITES PERMIT/CERTIFICATE", "РАЗРЕШЕНИЕ/СЕРТИФИКАТ СИТЕС"
}

type renderer struct {
	pg  page
	p   *permits.Permit
	opt Options
	sym symbol
	at  placement
}

// section is a full-width band of the form that is measured before it is
// drawn, so pages can be planned.
type section struct {
	h    float64
	draw func(y float64)
}

// draw plans the pages, then draws them. Page 1 holds the header boxes,
// up to four specimen blocks and boxes 13-15 at its foot, with the unused
// space between crossed out; annex pages hold the remaining blocks.
func (r *renderer) draw() {
	head := []section{r.title(), r.top(), r.conditions()}
	var blocks []section
	for _, l := range r.p.Lines {
		blocks = append(blocks, r.block(l))
	}
	foot := []section{r.issued(), r.endorsement(), r.billOfLading()}

	y := margin
	for _, s := range head {
		y += s.h
	}
	footTop := bottom
	for _, s := range foot {
		footTop -= s.h
	}
	first := 0
	for first < len(blocks) && first < firstPageBlocks && (first == 0 || y+blocks[first].h <= footTop) {
		y += blocks[first].h
		first++
	}
	// Annex pages: as many blocks as fit, at least one a page.
	var annex [][]section
	annexHead := r.annexTitle()
	for i := first; i < len(blocks); {
		y := margin + annexHead.h
		j := i
		for j < len(blocks) && (j == i || y+blocks[j].h <= bottom) {
			y += blocks[j].h
			j++
		}
		annex = append(annex, blocks[i:j])
		i = j
	}
	r.at.pages = 1 + len(annex)

	// Page 1.
	r.newPage(1)
	y = margin
	for _, s := range head {
		s.draw(y)
		y += s.h
	}
	for _, s := range blocks[:first] {
		s.draw(y)
		y += s.h
	}
	more := ""
	if rest := r.p.Lines[first:]; len(rest) == 1 {
		more = fmt.Sprintf("Block %s continues on page 2 / Блок %[1]s — на стр. 2", rest[0].Line)
	} else if len(rest) > 1 {
		more = fmt.Sprintf("Blocks %s-%s continue on page 2 / Блоки %[1]s-%[2]s — на стр. 2", rest[0].Line, rest[len(rest)-1].Line)
	}
	r.crossOut(y, footTop, more)
	y = footTop
	for _, s := range foot {
		s.draw(y)
		y += s.h
	}
	// Annex pages.
	for i, ss := range annex {
		r.newPage(i + 2)
		annexHead.draw(margin)
		y := margin + annexHead.h
		for _, s := range ss {
			s.draw(y)
			y += s.h
		}
		if i == len(annex)-1 {
			r.crossOut(y, bottom, "End of annex / Конец приложения")
		}
	}
}

// newPage starts page n with the watermark underneath and the page
// number at the foot.
func (r *renderer) newPage(n int) {
	pg := r.pg
	pg.AddPage()
	r.watermark()
	pg.SetTextColor(90, 90, 90)
	pg.font("", sizeLabel)
	y := pageH - margin - lineH(sizeLabel)
	pg.textLine(margin, y, contentW, sizeLabel, "OpenCITES · "+r.p.Number, "L")
	right := fmt.Sprintf("Page %d of %d / Стр. %d из %d", n, r.at.pages, n, r.at.pages)
	pg.textLine(margin+contentW-pg.GetStringWidth(right), y, 0, sizeLabel, right, "L")
	// The status again, upright, for readers and text extraction that
	// skip diagonal text.
	if ru, ok := watermarks[r.opt.Watermark]; ok {
		pg.SetTextColor(170, 0, 0)
		pg.font("B", 8)
		pg.textLine(margin, pageH-margin-lineH(8), contentW, 8, r.opt.Watermark+" / "+ru, "C")
	}
	pg.SetTextColor(0, 0, 0)
}

// watermark draws the status word across the page, light enough to read
// the form through it. The QR box is painted white over it.
func (r *renderer) watermark() {
	ru, ok := watermarks[r.opt.Watermark]
	if !ok {
		return
	}
	pg := r.pg
	// Rising along the page diagonal, centred below and left of the
	// middle so that the word ends short of the QR box at the top right.
	angle := math.Atan2(pageH, pageW) * 180 / math.Pi
	cx, cy := pageW/2-20, pageH/2+28
	pg.TransformBegin()
	pg.TransformRotate(angle, cx, cy)
	if r.opt.Watermark == "COPY" {
		pg.SetTextColor(215, 215, 215)
	} else {
		pg.SetTextColor(247, 210, 210)
	}
	size := 110.0
	pg.font("B", size)
	if w := pg.GetStringWidth(r.opt.Watermark); w > 190 {
		size *= 190 / w
		pg.font("B", size)
	}
	// Centre the two lines on the page: cap heights are about 0.7 em.
	capEN, capRU, gap := 0.7*size*ptMM, 0.7*0.4*size*ptMM, 0.25*size*ptMM
	base := cy - (capEN+gap+capRU)/2 + capEN
	w := pg.GetStringWidth(r.opt.Watermark)
	pg.Text(cx-w/2, base, r.opt.Watermark)
	pg.font("B", size*0.4)
	w = pg.GetStringWidth(ru)
	pg.Text(cx-w/2, base+gap+capRU, ru)
	pg.TransformEnd()
	pg.SetTextColor(0, 0, 0)
}

// title is the Convention's name and the document's type.
func (r *renderer) title() section {
	pg := r.pg
	en, ru := heading(r.p.Type)
	copyEN, copyRU := "ORIGINAL", "ОРИГИНАЛ"
	if r.opt.Watermark == "COPY" {
		copyEN, copyRU = "COPY", "КОПИЯ"
	}
	paras := []para{
		{text: titleEN, style: "B", size: 9, align: "C"},
		{text: titleRU, size: 7.5, align: "C"},
	}
	docLine := en + " / " + ru
	orig := copyEN + " / " + copyRU
	h := 0.0
	for _, p := range paras {
		h += pg.paraHeight(p, contentW)
	}
	h += 1.5 + lineH(11) + 1.5
	return section{h: h, draw: func(y float64) {
		for _, p := range paras {
			y += pg.para(margin, y, contentW, p)
		}
		y += 1.5
		pg.font("B", 11)
		pg.textLine(margin, y, contentW, 11, docLine, "L")
		pg.textLine(margin+contentW-pg.GetStringWidth(orig), y, 0, 11, orig, "L")
	}}
}

// top is boxes 1-5b on the left and the QR code on the right.
func (r *renderer) top() section {
	pg, p := r.pg, r.p
	panelW := max(60, r.sym.width()+2*frameGap+2*2)
	l := contentW - panelW

	typeChecks := []check{
		{"EXPORT / ЭКСПОРТ", p.Type == "export"},
		{"RE-EXPORT / РЕЭКСПОРТ", p.Type == "re-export"},
		{"IMPORT / ИМПОРТ", p.Type == "import"},
		{"OTHER / ДРУГОЕ", p.Type != "export" && p.Type != "re-export" && p.Type != "import"},
	}
	box1 := []para{{text: p.Number, style: "B", size: 14}, {checks: typeChecks, size: 6.5}}
	if typeChecks[3].on {
		en, ru := heading(p.Type)
		box1 = append(box1, para{text: en + " / " + ru, style: "B", size: sizeSmall})
	}
	isCopy := r.opt.Watermark == "COPY"
	box1 = append(box1, para{checks: []check{{"ORIGINAL / ОРИГИНАЛ", !isCopy}, {"COPY / КОПИЯ", isCopy}}, size: 6.5})

	var valid []para
	if !p.ValidUntil.IsZero() {
		valid = append(valid, para{text: p.LastValidDay(), style: "B", size: 10})
	}
	if !p.ValidFrom.IsZero() {
		valid = append(valid, para{text: "Valid from / Действительно с " + p.ValidFrom.Format(time.DateOnly), size: 6.5})
	}

	rows := [][]cell{
		{{w: l, label: label1, paras: box1, bold: true}},
		{{w: l / 2, label: label2, paras: valid}, {w: l / 2, label: label5b, paras: []para{{text: p.SecurityStamp, style: "B", size: 10}}}},
		{{w: l * 0.7, label: label3, paras: party(p.Importer, false)}, {w: l * 0.3, label: label3a, paras: []para{{text: country(p.Importer.Country), style: "B", size: sizeValue}}}},
		{{w: l, label: label4, paras: party(p.Exporter, true)}},
		{{w: l, label: label5a, paras: []para{{text: purpose(p.Purpose), size: sizeValue}}}},
	}
	hs := make([]float64, len(rows))
	left := 0.0
	for i, row := range rows {
		hs[i] = pg.rowHeight(row)
		left += hs[i]
	}
	panelH := r.panelHeight(panelW)
	h := max(left, panelH)
	// Spread any extra height over the two parties' boxes.
	hs[2] += (h - left) / 2
	hs[3] += (h - left) / 2

	return section{h: h, draw: func(y float64) {
		y0 := y
		for i, row := range rows {
			pg.row(margin, y, hs[i], row)
			y += hs[i]
		}
		r.panel(margin+l, y0, panelW, h)
		pg.SetLineWidth(thick)
		pg.Rect(margin, y0, contentW, h, "D")
	}}
}

// party is the name, address and (for the exporter, whose country has no
// box of its own) country of box 3 or 4.
func party(pt permits.Party, withCountry bool) []para {
	ps := []para{{text: pt.Name, style: "B", size: sizeValue}, {text: pt.Address, size: sizeValue}}
	if withCountry {
		ps = append(ps, para{text: country(pt.Country), size: sizeValue})
	}
	return ps
}

// The QR panel's text.
func (r *renderer) verifyLines() []string {
	url := r.opt.VerifyURL
	if url == "" {
		return []string{"Verify: scan this code — permit " + r.p.Number, "Проверка: отсканируйте код — разрешение " + r.p.Number}
	}
	return []string{"Verify: " + url + " — permit " + r.p.Number, "Проверка: " + url + " — разрешение " + r.p.Number}
}

const (
	sizeQRLabel  = 6.5
	sizeQRVerify = 6.0
)

func (r *renderer) panelContent(w float64) (label, verify []string, h float64) {
	pg := r.pg
	inner := w - 2*padX
	pg.font("B", sizeQRLabel)
	label = append(pg.lines(labelQREN, inner), pg.lines(labelQRRU, inner)...)
	pg.font("", sizeQRVerify)
	for _, v := range r.verifyLines() {
		verify = append(verify, pg.lines(v, inner)...)
	}
	h = float64(len(label))*lineH(sizeQRLabel) + 1 + r.sym.width() + 2*frameGap + 1 + float64(len(verify))*lineH(sizeQRVerify)
	return label, verify, h
}

func (r *renderer) panelHeight(w float64) float64 {
	_, _, h := r.panelContent(w)
	return h + padTop + padBottom
}

// panel draws the QR code in its white, framed "do not stamp" box.
func (r *renderer) panel(x, y, w, h float64) {
	pg := r.pg
	label, verify, ch := r.panelContent(w)
	pg.SetLineWidth(thin)
	pg.Rect(x, y, w, h, "D")
	y += (h - ch) / 2
	pg.font("B", sizeQRLabel)
	pg.SetTextColor(150, 0, 0)
	for _, l := range label {
		pg.textLine(x+padX, y, w-2*padX, sizeQRLabel, l, "C")
		y += lineH(sizeQRLabel)
	}
	pg.SetTextColor(0, 0, 0)
	y += 1
	fw := r.sym.width() + 2*frameGap
	fx := x + (w-fw)/2
	pg.SetFillColor(255, 255, 255)
	pg.SetLineWidth(0.5)
	pg.Rect(fx, y, fw, fw, "FD")
	r.sym.draw(pg, fx+frameGap, y+frameGap)
	r.at.x, r.at.y, r.at.w = fx+frameGap, y+frameGap, r.sym.width()
	y += fw + 1
	pg.font("", sizeQRVerify)
	for _, l := range verify {
		pg.textLine(x+padX, y, w-2*padX, sizeQRVerify, l, "C")
		y += lineH(sizeQRVerify)
	}
}

// conditions is boxes 5 and 6.
func (r *renderer) conditions() section {
	pg, p := r.pg, r.p
	const w6 = 80.0
	cond := p.Conditions
	if cond == "" {
		cond = "None / Нет"
	}
	box5 := []para{{text: cond, size: sizeValue}}
	for _, l := range p.Lines {
		if l.Term == "LIV" {
			box5 = append(box5, para{text: liveAnimals, size: 5.8})
			break
		}
	}
	box6 := []para{
		{text: r.opt.AuthorityName, style: "B", size: sizeValue},
		{text: r.opt.AuthorityAddress, size: sizeSmall},
		{text: country(p.Authority), size: sizeSmall},
		{text: "Seal: electronic, the signed code / Печать: электронная, подписанный код", size: 6},
	}
	if p.KeyID != "" {
		box6 = append(box6, para{text: "Key / Ключ: " + p.KeyID, size: 6})
	}
	cells := []cell{{w: contentW - w6, label: label5, paras: box5}, {w: w6, label: label6, paras: box6}}
	h := max(pg.rowHeight(cells), 16)
	return section{h: h, draw: func(y float64) {
		pg.row(margin, y, h, cells)
		pg.SetLineWidth(thick)
		pg.Rect(margin, y, contentW, h, "D")
	}}
}

// block is one specimen line: boxes 7-12 beside its letter.
func (r *renderer) block(l permits.Line) section {
	pg, p := r.pg, r.p
	const letterW = 9.0
	w := contentW - letterW

	names := []para{{text: l.Taxon, style: "I", size: 9.5}}
	if l.RequestedAs != "" {
		names = append(names, para{text: "Requested as / Запрошен как: " + l.RequestedAs, size: 6.5})
	}
	if l.ListedAs != "" && l.ListedAs != l.Taxon {
		names = append(names, para{text: "Listed as / Включён как: " + l.ListedAs, size: 6.5})
	}
	term := l.Term
	if t, ok := opencites.Terms[l.Term]; ok {
		term += " (" + t + ")"
	}
	if l.Description != "" {
		term += ": " + l.Description
	}
	desc := []para{{text: term, size: sizeValue}}
	if l.Marks != "" {
		desc = append(desc, para{text: "Marks / Маркировка: " + l.Marks, size: sizeSmall})
	}
	origin := l.OriginCountry
	if origin == "" {
		origin = p.Exporter.Country // as permits.Issue reads an empty origin
	}
	a := []cell{{w: 74, label: label78, paras: names}, {w: w - 74, label: label9, paras: desc}}
	b := []cell{
		{w: 47, label: label10, paras: []para{{text: l.Appendix + " / " + l.Source, style: "B", size: 10}}},
		{w: 36, label: label11, paras: []para{{text: quantity(l.Quantity, l.Unit), style: "B", size: sizeValue}}},
		{w: 48, label: label11a, paras: []para{{text: r.opt.Quota[l.Line], size: sizeValue}}},
		{w: w - 131, label: label12, paras: []para{{text: country(origin), size: sizeValue}}},
	}
	ha, hb := pg.rowHeight(a), pg.rowHeight(b)
	return section{h: ha + hb, draw: func(y float64) {
		pg.SetLineWidth(thin)
		pg.Rect(margin, y, letterW, ha+hb, "D")
		pg.font("B", 16)
		pg.textLine(margin, y+1.5, letterW, 16, l.Line, "C")
		pg.row(margin+letterW, y, ha, a)
		pg.row(margin+letterW, y+ha, hb, b)
		pg.SetLineWidth(thick)
		pg.Rect(margin, y, contentW, ha+hb, "D")
	}}
}

// crossOut strikes the unused space between the last block on page 1 and
// box 13, so nothing can be added to the form by hand.
func (r *renderer) crossOut(top, bottom float64, note string) {
	if bottom-top < 4 {
		return
	}
	pg := r.pg
	pg.SetLineWidth(thin)
	pg.SetDrawColor(120, 120, 120)
	pg.Rect(margin, top, contentW, bottom-top, "D")
	pg.Line(margin, bottom, margin+contentW, top)
	pg.SetDrawColor(0, 0, 0)
	if note == "" {
		note = "No further specimen blocks / Других блоков нет"
	}
	pg.SetTextColor(90, 90, 90)
	pg.font("", sizeSmall)
	pg.textLine(margin, top+1, contentW, sizeSmall, note, "C")
	pg.SetTextColor(0, 0, 0)
}

// issued is box 13.
func (r *renderer) issued() section {
	pg, p := r.pg, r.p
	var date string
	if !p.IssuedAt.IsZero() {
		date = p.IssuedAt.UTC().Format(time.DateOnly)
	}
	sig := []para{{text: "Electronically signed by the Management Authority / Подписано электронной подписью Административного органа", style: "B", size: sizeSmall}}
	if p.KeyID != "" {
		sig = append(sig, para{text: "Signing key / Ключ подписи: " + p.KeyID, size: 6})
	}
	cells := []cell{
		{w: 64, label: label13, paras: []para{{text: p.IssuedPlace, style: "B", size: sizeValue}}, bold: true},
		{w: 30, label: "Date / Дата", paras: []para{{text: date, style: "B", size: sizeValue}}},
		{w: contentW - 94, label: "Signature and official stamp / Подпись и официальная печать", paras: sig},
	}
	h := pg.rowHeight(cells)
	return section{h: h, draw: func(y float64) {
		pg.row(margin, y, h, cells)
		pg.SetLineWidth(thick)
		pg.Rect(margin, y, contentW, h, "D")
	}}
}

// endorsement is box 14: the quantity actually exported per block, and
// the port, date, officer and stamp, as recorded or blank to fill by hand.
func (r *renderer) endorsement() section {
	pg, p := r.pg, r.p
	var ends []permits.Endorsement
	for _, e := range p.Endorsements {
		if e.Direction == "export" {
			ends = append(ends, e)
		}
	}
	const (
		headW  = 30.0
		letter = 4.2 // letter row
		qtyH   = 5.0 // one quantity row
	)
	inner := contentW - 2*padX
	cols := max(len(p.Lines), 4)
	colW := (inner - headW) / float64(cols)
	qtyRows := max(len(ends), 1)
	pg.font("B", sizeLabel)
	labelH := padTop + float64(len(pg.lines(label14, inner)))*lineH(sizeLabel) + labelGap
	tableH := letter + float64(qtyRows)*qtyH

	var port, date, officer []para
	for _, e := range ends {
		port = append(port, para{text: e.Port, style: "B", size: sizeValue})
		date = append(date, para{text: e.At.UTC().Format(time.DateOnly), style: "B", size: sizeValue})
		officer = append(officer, para{text: e.Officer, size: sizeValue})
	}
	stamp := []para(nil)
	if len(ends) > 0 {
		stamp = []para{{text: "Recorded electronically / Зарегистрировано электронно", size: 6.5}}
	}
	cells := []cell{
		{w: 56, label: "Port of export / Пункт вывоза", paras: port, minH: 12},
		{w: 28, label: "Date / Дата", paras: date},
		{w: 54, label: "Signature of officer / Подпись должностного лица", paras: officer},
		{w: contentW - 138, label: "Official stamp and title / Печать и должность", paras: stamp},
	}
	rowH := pg.rowHeight(cells)
	h := labelH + tableH + padBottom + rowH
	return section{h: h, draw: func(y float64) {
		y0 := y
		pg.SetTextColor(70, 70, 70)
		pg.font("B", sizeLabel)
		for _, l := range pg.lines(label14, inner) {
			pg.textLine(margin+padX, y+padTop, inner, sizeLabel, l, "L")
			y += lineH(sizeLabel)
		}
		y = y0 + labelH
		x := margin + padX
		pg.SetLineWidth(thin)
		pg.Rect(x, y, headW, letter, "D")
		pg.font("", sizeLabel)
		pg.textLine(x+0.8, y+0.2, 0, sizeLabel, "Block / Блок", "L")
		for i := 0; i < qtyRows; i++ {
			pg.Rect(x, y+letter+float64(i)*qtyH, headW, qtyH, "D")
			pg.textLine(x+0.8, y+letter+float64(i)*qtyH+0.7, 0, sizeLabel, "Quantity / Количество", "L")
		}
		pg.SetTextColor(0, 0, 0)
		for c := 0; c < cols; c++ {
			cx := x + headW + float64(c)*colW
			pg.Rect(cx, y, colW, letter, "D")
			pg.Rect(cx, y+letter, colW, float64(qtyRows)*qtyH, "D")
			if c >= len(p.Lines) {
				pg.Line(cx, y+letter+float64(qtyRows)*qtyH, cx+colW, y+letter)
				continue
			}
			ln := p.Lines[c]
			pg.font("B", sizeSmall)
			pg.textLine(cx, y+0.2, colW, sizeSmall, ln.Line, "C")
			for i, e := range ends {
				for _, el := range e.Lines {
					if el.Line == ln.Line {
						pg.font("B", sizeSmall)
						q := quantity(el.Quantity, ln.Unit)
						if pg.GetStringWidth(q) > colW-1 {
							pg.font("B", 5.5)
						}
						pg.textLine(cx, y+letter+float64(i)*qtyH+0.7, colW, sizeSmall, q, "C")
					}
				}
			}
		}
		y += tableH + padBottom
		pg.row(margin, y, rowH, cells)
		pg.SetLineWidth(thick)
		pg.Rect(margin, y0, contentW, h, "D")
	}}
}

// billOfLading is box 15, left for the exporter or customs to fill.
func (r *renderer) billOfLading() section {
	pg := r.pg
	c := []cell{{w: contentW, label: label15, minH: 9, bold: true}}
	h := pg.rowHeight(c)
	return section{h: h, draw: func(y float64) {
		pg.row(margin, y, h, c)
		pg.SetLineWidth(thick)
		pg.Rect(margin, y, contentW, h, "D")
	}}
}

// annexTitle heads each annex page.
func (r *renderer) annexTitle() section {
	pg := r.pg
	paras := []para{
		{text: titleEN, size: 6.5, align: "C"},
		{text: "ANNEX to permit/certificate No. " + r.p.Number + " / ПРИЛОЖЕНИЕ к разрешению/сертификату № " + r.p.Number, style: "B", size: 10},
		{text: "Specimen blocks continued / Продолжение блоков образцов", size: sizeSmall},
	}
	h := 2.0
	for _, p := range paras {
		h += pg.paraHeight(p, contentW)
	}
	return section{h: h, draw: func(y float64) {
		for _, p := range paras {
			y += pg.para(margin, y, contentW, p)
		}
	}}
}
