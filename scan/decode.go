package scan

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
	multidetector "github.com/makiuchi-d/gozxing/multi/qrcode/detector"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// Code is one QR code read from an image.
type Code struct {
	Text string
	// Corners are the outer corners of the symbol as read (top-left,
	// top-right, bottom-right, bottom-left of the symbol), in pixel
	// coordinates of the image as stored in the file, before any EXIF
	// rotation.
	Corners [4]image.Point
}

// Options tune Decode and DecodeImage, and Check and Thumbnail.
type Options struct {
	// Accept, when set, stops decoding as soon as a code whose text it
	// accepts has been read (e.g. strings.HasPrefix(text, "CP1:")).
	Accept func(text string) bool
	// MaxPixels bounds the decoded image; 0 means 50_000_000.
	MaxPixels int
	// Pool is the memory the decode waits for and runs in; nil means
	// DefaultPool.
	Pool *Pool
	// Timeout, when positive, bounds the search for codes once the pool
	// has let the decode start; ctx bounds the wait as well.
	Timeout time.Duration
	// Budget, when positive, bounds the search too, from when the image
	// is decoded (decoding a 49-megapixel JPEG alone takes about a second
	// on a small server; the search works on at most 1600 pixels a side
	// whatever the photo), but a search that runs out of it ends as one
	// that tried everything: with the codes read so far or, if none, the
	// *Error telling why (no_qr_found, qr_blurred, ...), not a context
	// error. It is for an officer waiting at a checkpoint, better served
	// by "take another photo" within a second than by a read after
	// several: the photos that take longest are mostly those with nothing
	// readable in them (docs/benchmarks.md). The budget is wall-clock
	// time, so it never cuts the first pass over the image short before
	// that pass has read a code: on a server busy with other decodes a
	// plain photo is still read.
	Budget time.Duration
}

func (o Options) pool() *Pool {
	if o.Pool != nil {
		return o.Pool
	}
	return DefaultPool
}

// Decode reads every QR code it can find in a JPEG, PNG, GIF or WebP photo,
// best first: a code Accept took, then larger codes before smaller. A JPEG's
// EXIF orientation is applied before reading; Corners are in the stored
// frame. It reads the image's header first, refuses a size past the limits
// at once, then waits for the decode's memory in the pool (Options.Pool)
// until ctx ends. It stops when Options.Accept is satisfied or ctx is
// done, returning what it has, or an error wrapping ctx.Err() (not an
// *Error: the officer did nothing wrong) if nothing.
//
// When nothing can be read it returns an *Error with code invalid_image,
// unsupported_image_format, image_too_large, no_qr_found, qr_too_small,
// qr_blurred, qr_glare, qr_too_dark or qr_damaged, or, when ctx ended
// while it waited for the pool, an error wrapping ErrBusy.
func Decode(ctx context.Context, r io.Reader, opt Options) ([]Code, error) {
	data, err := readFile(r)
	if err != nil {
		return nil, err
	}
	e, err := readHeader(data, opt.MaxPixels)
	if err != nil {
		return nil, err
	}
	release, err := opt.pool().Reserve(ctx, e.grayCost()+scanCost(e.cfg.Width, e.cfg.Height))
	if err != nil {
		return nil, err
	}
	// Everything search allocates is garbage once it returns, before the
	// memory goes back to the pool.
	codes, err := e.search(ctx, opt)
	release()
	return codes, err
}

func (e *encoded) search(ctx context.Context, opt Options) ([]Code, error) {
	g, or, err := e.gray()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if opt.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opt.Timeout)
		defer cancel()
	}
	return decodeGray(ctx, g, or, opt, start)
}

// DecodeImage is Decode for an already decoded image, taken as upright.
// Its luminance copy and the search take their memory from the pool.
func DecodeImage(ctx context.Context, img image.Image, opt Options) ([]Code, error) {
	b := img.Bounds()
	if err := checkSize(b.Dx(), b.Dy(), opt.MaxPixels); err != nil {
		return nil, err
	}
	release, err := opt.pool().Reserve(ctx, int64(b.Dx())*int64(b.Dy())+scanCost(b.Dx(), b.Dy()))
	if err != nil {
		return nil, err
	}
	codes, err := decodeUpright(ctx, img, opt)
	release()
	return codes, err
}

func decodeUpright(ctx context.Context, img image.Image, opt Options) ([]Code, error) {
	if opt.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opt.Timeout)
		defer cancel()
	}
	b := img.Bounds()
	or := orientation{o: 1, w: b.Dx(), h: b.Dy()}
	g := toGray(img)
	codes, err := decodeGray(ctx, g, or, opt, time.Now())
	for i := range codes {
		for j := range codes[i].Corners {
			codes[i].Corners[j] = codes[i].Corners[j].Add(b.Min)
		}
	}
	return codes, err
}

// found is a code read by some pass, in upright full-resolution
// coordinates.
type found struct {
	text    string
	corners [4]point
	accept  bool
	pass    int // the pass that read it
}

type point struct{ x, y float64 }

// scanner runs the passes over one upright luminance image.
type scanner struct {
	ctx context.Context
	opt Options
	end time.Time // Options.Budget runs out; zero for none
	// firstDone is set once the first pass has searched the whole base
	// level: the budget cuts that pass short only once it has read a code
	// (a page of many codes, none of them accepted), so a busy server
	// (the budget is wall-clock time) still reads a plain photo.
	firstDone bool
	full      *gray
	codes     []*found
	done      bool // Accept was satisfied
	diag      diagnosis
	grids     int // grid fits tried
	sampled   int // grid fits sampled and decoded
	refined   int // grids moved onto the photo's modules (refine.go)
	pass      int // the pass running (passID)
	// onPass, when set, is called as each pass starts, from the
	// goroutine running it (run may search with a helper).
	onPass func(pass int)
}

var tryHarder = map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}

// decodeGray searches g, an image in orientation or, for codes; the
// search started at start (Options.Budget).
func decodeGray(ctx context.Context, g *gray, or orientation, opt Options, start time.Time) ([]Code, error) {
	s := &scanner{ctx: ctx, opt: opt, full: g}
	if opt.Budget > 0 {
		s.end = start.Add(opt.Budget)
	}
	s.run()
	if len(s.codes) == 0 {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("scan: stopped before a code was read: %w", err)
		}
		return nil, s.diagnose()
	}
	sort.SliceStable(s.codes, func(i, j int) bool {
		a, b := s.codes[i], s.codes[j]
		if a.accept != b.accept {
			return a.accept
		}
		return area(a.corners) > area(b.corners)
	})
	out := make([]Code, len(s.codes))
	for i, f := range s.codes {
		out[i].Text = f.text
		for j, p := range f.corners {
			x, y := or.toStored(p.x, p.y)
			out[i].Corners[j] = image.Pt(int(math.Round(x)), int(math.Round(y)))
		}
	}
	return out, nil
}

// stop reports whether the scan should end now.
func (s *scanner) stop() bool {
	return s.done || s.ctx.Err() != nil || (s.firstDone || len(s.codes) > 0) && !s.end.IsZero() && time.Now().After(s.end)
}

// level is the image at one scale, maybe with a white margin added:
// full maps its coordinates to full-resolution ones.
type level struct {
	g     *gray // nil until made (built)
	make  func() *gray
	long  int // the long side, before padding
	scale float64
	pad   int // margin added on each side, in level pixels
	role  int // levelBase, ...
}

func (lv level) full(x, y float64) point {
	return point{(x - float64(lv.pad)) * lv.scale, (y - float64(lv.pad)) * lv.scale}
}

// levels returns the scales of the image to search, each made when first
// searched (level.make), since most photos are read at the first. Phone
// photos are mostly read best at 1000-1600 pixels on the long side:
// smaller loses modules, larger gives gozxing's finder scan noise and JPEG
// blocks to trip on, and costs more.
func (s *scanner) levels() []level {
	long := max(s.full.w, s.full.h)
	var levels []level
	k := 1
	for long/k > 1600 {
		k++
	}
	down := func(k, role int) level {
		return level{scale: float64(k), role: role, long: long / k, make: func() *gray { return s.full.downscale(k) }}
	}
	levels = append(levels, down(k, levelBase))
	if k > 2 {
		// Fine detail: small codes in a big photo.
		levels = append(levels, down(k/2, levelFine))
	}
	if long/(2*k) >= 400 {
		// Coarse: very large or blurred codes.
		levels = append(levels, down(2*k, levelCoarse))
	}
	if long/(4*k) >= 300 {
		// Coarser: a code filling the frame, whose modules carry texture
		// (a screen's pixels, paper fibres) that finer levels binarise.
		levels = append(levels, down(4*k, levelCoarser))
	}
	if long < 800 {
		levels = append(levels, level{scale: 0.5, role: levelUp, long: 2 * long, make: s.full.upscale2})
		// Codes cropped to the edge of a small image lack the quiet zone
		// the finder search needs there: give them one.
		for i := range levels {
			if lv := &levels[i]; lv.long < 1600 {
				lv.pad = lv.long / 10
			}
		}
	}
	return levels
}

// built makes lv's image, padded, once, and returns lv.
func built(lv *level) level {
	if lv.g == nil {
		lv.g = lv.make()
		if lv.pad > 0 {
			lv.g = lv.g.padded(lv.pad, 255)
		}
	}
	return *lv
}

// run tries the passes, cheapest and most productive first: each
// binarisation of each level, then, when nothing was read, the inverted
// image and the search for codes with a lost finder pattern. While a core
// is idle, a helper searches the other levels beside the base one (see
// split).
func (s *scanner) run() {
	searching.Add(1)
	defer searching.Add(-1)
	levels := s.levels()
	if len(levels) > 1 && takeCore() {
		s.split(levels)
	} else {
		s.searchLevels(levels)
	}
	if len(s.codes) == 0 && !s.stop() {
		// Light modules on dark ground.
		lv := built(&levels[0])
		if m, err := hybrid(lv.g.stretch()); err == nil {
			m.FlipAll()
			s.startPass(passID(levelBase, 0, true))
			s.tryMatrix(m, lv)
		}
	}
	if len(s.codes) == 0 {
		// Last resort: a code whose third finder pattern is lost (glare,
		// a tear, a sticker), from pairs of the others.
		for i := range levels {
			lv := built(&levels[i])
			for bi, b := range binarizers[:2] {
				if s.stop() {
					return
				}
				id := pairsPass + passID(lv.role, bi, false)
				if pruned[id] {
					continue
				}
				if m, err := b(lv.g.stretch()); err == nil {
					s.startPass(id)
					s.tryPairs(m, lv)
				}
			}
		}
	}
}

// searchLevels runs the binarisations of levels, in order.
func (s *scanner) searchLevels(levels []level) {
	for i := range levels {
		lv := built(&levels[i])
		lv.g = lv.g.stretch()
		for bi, b := range binarizers {
			if s.stop() {
				return
			}
			id := passID(lv.role, bi, false)
			idf := passID(lv.role, bi, true)
			if pruned[id] && pruned[idf] {
				continue
			}
			m, err := b(lv.g)
			if err != nil {
				continue
			}
			if !pruned[id] {
				s.startPass(id)
				s.tryMatrix(m, lv)
				s.firstDone = true
				if s.stop() {
					return
				}
			}
			if !pruned[idf] {
				m.FlipAll() // light codes on dark ground
				s.startPass(idf)
				s.tryMatrix(m, lv)
			}
		}
	}
}

// searching counts the goroutines searching images, helpers included.
var searching atomic.Int64

// takeCore reports whether a core is idle for a helper, and counts the
// helper if so; it calls searching.Add(-1) when it ends.
func takeCore() bool {
	if searching.Add(1) <= int64(runtime.GOMAXPROCS(0)) {
		return true
	}
	searching.Add(-1)
	return false
}

// split searches the base level here and the others in a helper at the
// same time, and merges what the helper found. Most photos are read at
// the base level; those that are not wait for the finer and coarser
// levels, which an idle core has started meanwhile (on the dev photos the
// verifier's median fell by a tenth and more were read within a budget:
// docs/benchmarks.md). The first to read an accepted code stops the
// other. The helper has its own codes, diagnosis and grid budget, so the
// two share only the images, which they read.
func (s *scanner) split(levels []level) {
	parent := s.ctx
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	h := &scanner{ctx: ctx, opt: s.opt, end: s.end, full: s.full, onPass: s.onPass}
	s.ctx = ctx
	var wg sync.WaitGroup
	wg.Go(func() {
		defer searching.Add(-1)
		h.searchLevels(levels[1:])
		if h.done {
			cancel()
		}
	})
	s.searchLevels(levels[:1])
	if s.done {
		cancel()
	}
	wg.Wait()
	s.ctx = parent
	for _, f := range h.codes {
		if !s.known(f.text, f.corners) {
			s.codes = append(s.codes, f)
		}
	}
	s.done = s.done || h.done
	s.firstDone = true
	s.grids += h.grids
	s.sampled += h.sampled
	s.refined += h.refined
	s.diag.merge(&h.diag)
}

// Local thresholds first (gozxing's 8x8-block hybrid, then a mean over
// an eighth of the image), a global one, then a finer mean.
var binarizers = []func(*gray) (*gozxing.BitMatrix, error){
	hybrid, meanThreshold(8), globalHistogram, meanThreshold(24),
}

// Roles of the levels of an image, in the order they are searched.
const (
	levelBase    = iota // at most 1600 pixels on the long side
	levelFine           // twice as fine, for big photos
	levelCoarse         // half
	levelCoarser        // a quarter
	levelUp             // small photos doubled
	numLevels
)

// A pass is one binarisation of one level, straight or inverted, searched
// for finder patterns: passID numbers them; pairsPass plus an ID is the
// search for codes with a lost finder pattern on that binarisation.
func passID(role, binarizer int, flipped bool) int {
	id := (role*len(binarizers) + binarizer) * 2
	if flipped {
		id++
	}
	return id
}

const pairsPass = 2 * numLevels * 4

// pruned marks the passes left out: each was measured never to read a code
// that earlier passes had not read, over all the benchmark's photos
// (citesd scan-bench; 29 of the 40 passes and 6 of the 10 pair searches,
// about half the time). No photo there has light modules on dark ground:
// the inverted passes all read nothing, and only the cheapest is kept, run
// when nothing else was read.
var pruned = func() map[int]bool {
	keep := []int{
		passID(levelBase, 0, false), passID(levelBase, 1, false), passID(levelBase, 2, false), passID(levelBase, 3, false),
		passID(levelFine, 0, false), passID(levelFine, 1, false), passID(levelFine, 3, false),
		passID(levelCoarse, 0, false), passID(levelCoarse, 1, false),
		passID(levelCoarser, 2, false),
		passID(levelUp, 2, false),
		pairsPass + passID(levelBase, 0, false), pairsPass + passID(levelBase, 1, false),
		pairsPass + passID(levelCoarse, 0, false), pairsPass + passID(levelUp, 0, false),
	}
	p := map[int]bool{}
	for id := range 2 * pairsPass {
		p[id] = !slices.Contains(keep, id)
	}
	return p
}()

// startPass notes that pass id starts, for the codes it reads and for
// measurements (onPass).
func (s *scanner) startPass(id int) {
	s.pass = id
	if s.onPass != nil {
		s.onPass(id)
	}
}

// tryMatrix looks for codes in one binarised image: gozxing's single and
// multiple finder-pattern searches, then this package's grouping of all
// the finder-pattern candidates the search saw.
func (s *scanner) tryMatrix(m *gozxing.BitMatrix, lv level) {
	f := detector.NewFinderPatternFinder(m, nil)
	if info, err := f.Find(tryHarder); err == nil {
		s.tryInfo(m, info, lv)
	}
	if s.stop() {
		return
	}
	mf := multidetector.NewMultiFinderPatternFinder(m, nil)
	infos, _ := mf.FindMulti(tryHarder)
	for _, info := range infos {
		if s.stop() {
			return
		}
		s.tryInfo(m, info, lv)
	}
	var cands []*detector.FinderPattern
	for _, c := range mf.GetPossibleCenters() {
		if c.GetCount() >= 2 {
			cands = append(cands, c)
		}
	}
	zx := len(cands)
	for _, c := range findFinders(m, 2) {
		if c.GetCount() >= 2 && !nearAny(cands[:zx], c) {
			cands = append(cands, c)
		}
	}
	s.diag.noteCandidates(cands, lv)
	if len(cands) > maxGroupCands {
		return
	}
	for _, info := range groupFinders(cands, 4*len(cands)) {
		if s.stop() {
			return
		}
		s.tryInfo(m, info, lv)
	}
}

// nearAny reports whether c is within a module or two of one of cands.
func nearAny(cands []*detector.FinderPattern, c *detector.FinderPattern) bool {
	for _, o := range cands {
		d := 1.5 * o.GetEstimatedModuleSize()
		if math.Abs(o.GetX()-c.GetX()) <= d && math.Abs(o.GetY()-c.GetY()) <= d {
			return true
		}
	}
	return false
}

// maxGroupCands bounds the candidates grouped (the work is cubic).
const maxGroupCands = 300

// tryInfo samples and decodes the code framed by three finder patterns.
func (s *scanner) tryInfo(m *gozxing.BitMatrix, info *detector.FinderPatternInfo, lv level) {
	// A finder pattern belongs to one code: skip triples using one that
	// is part of a code already read (in this pass or another).
	for _, fp := range []*detector.FinderPattern{info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()} {
		c := lv.full(fp.GetX(), fp.GetY())
		for _, f := range s.codes {
			if inside(c, f.corners) {
				return
			}
		}
	}
	if !s.diag.finders {
		s.diag.finders = true
		s.diag.noteCandidates([]*detector.FinderPattern{info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()}, lv)
	}
	det, err := detector.NewDetector(m).ProcessFinderPatternInfo(info)
	if err != nil {
		s.tryGridBudget(m, info, lv)
		return
	}
	res, err := decoder.NewDecoder().Decode(det.GetBits(), tryHarder)
	if err != nil {
		var ce gozxing.ChecksumException
		var fe gozxing.FormatException
		if errors.As(err, &ce) || errors.As(err, &fe) {
			s.diag.rsFailed = true
		}
		// The same grid read from the luminance, doubtful modules as
		// erasures, when its format was read but too many codewords were
		// wrong; then moved onto the modules the photo shows.
		if errors.As(err, &ce) {
			if g, ok := detGrid(det); ok && (s.sampleGrayDecode(g, lv) || s.refineDecode(g, lv)) {
				return
			}
		}
		s.tryGridBudget(m, info, lv)
		return
	}
	corners := outerCorners(det)
	if md, ok := res.GetOther().(*decoder.QRCodeDecoderMetaData); ok && md.IsMirrored() {
		corners[1], corners[3] = corners[3], corners[1]
	}
	for i, c := range corners {
		corners[i] = lv.full(c.x, c.y)
	}
	s.add(res.GetText(), corners)
}

// Budgets of grid fits per decode. Fitting the finder squares and reading
// the format information is cheap and rejects nearly all wrong triples;
// sampling and decoding at each symbol size is not, and a page of many
// codes offers thousands of triples.
const (
	gridTries   = 3000 // finder-square fits
	gridSamples = 150  // fits that passed the format check
)

func (s *scanner) tryGridBudget(m *gozxing.BitMatrix, info *detector.FinderPatternInfo, lv level) {
	if s.grids >= gridTries || s.sampled >= gridSamples {
		return
	}
	s.grids++
	s.tryGrid(m, info, lv)
}

// add records a code unless it was read before: the same text at the same
// place. The same text elsewhere is another printed copy and is kept (a
// sheet of labels, or a permit photographed next to its copy).
func (s *scanner) add(text string, corners [4]point) {
	if s.known(text, corners) {
		return
	}
	f := &found{text: text, corners: corners, pass: s.pass}
	if s.opt.Accept != nil && s.opt.Accept(text) {
		f.accept = true
		s.done = true
	}
	s.codes = append(s.codes, f)
}

// known reports whether text was read before at the place of corners.
func (s *scanner) known(text string, corners [4]point) bool {
	c := center(corners)
	for _, f := range s.codes {
		if f.text == text && (inside(c, f.corners) || inside(center(f.corners), corners)) {
			return true
		}
	}
	return false
}

// outerCorners maps the corners of the module grid (including the finder
// patterns' outer edges) through the detector's perspective transform.
// gozxing reports only finder and alignment centres.
func outerCorners(det *common.DetectorResult) [4]point {
	pts := det.GetPoints()
	dim := det.GetBits().GetWidth()
	var ap *detector.AlignmentPattern
	if len(pts) > 3 {
		ap, _ = pts[3].(*detector.AlignmentPattern)
	}
	t := detector.Detector_createTransform(pts[1], pts[2], pts[0], ap, dim)
	d := float64(dim)
	xy := []float64{0, 0, d, 0, d, d, 0, d}
	t.TransformPoints(xy)
	var c [4]point
	for i := range c {
		c[i] = point{xy[2*i], xy[2*i+1]}
	}
	return c
}

// detGrid is the module grid of gozxing's detector result.
func detGrid(det *common.DetectorResult) (*grid, bool) {
	c := outerCorners(det)
	d := float64(det.GetBits().GetWidth())
	h, ok := fitHomog([]point{{0, 0}, {d, 0}, {d, d}, {0, d}}, c[:])
	return &grid{dim: det.GetBits().GetWidth(), h: h}, ok
}

func center(q [4]point) point {
	return point{(q[0].x + q[1].x + q[2].x + q[3].x) / 4, (q[0].y + q[1].y + q[2].y + q[3].y) / 4}
}

// area is the area of a quadrilateral (shoelace formula).
func area(q [4]point) float64 {
	a := 0.0
	for i := range q {
		j := (i + 1) % 4
		a += q[i].x*q[j].y - q[j].x*q[i].y
	}
	return math.Abs(a) / 2
}

// inside reports whether p lies in the convex quadrilateral q.
func inside(p point, q [4]point) bool {
	sign := 0.0
	for i := range q {
		j := (i + 1) % 4
		c := (q[j].x-q[i].x)*(p.y-q[i].y) - (q[j].y-q[i].y)*(p.x-q[i].x)
		if c == 0 {
			continue
		}
		if sign == 0 {
			sign = c
		} else if (c > 0) != (sign > 0) {
			return false
		}
	}
	return true
}
