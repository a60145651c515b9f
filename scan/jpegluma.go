package scan

import (
	"encoding/binary"
	"errors"
)

// A decoder of a baseline JPEG's luminance alone.
//
// Why not image/jpeg: it decodes every component and runs the inverse DCT
// on every block, and the scanner keeps only the Y plane. On the dev
// photos (twelve megapixels, most of them 4:4:4) two thirds of its time
// went to chroma blocks that were then dropped, and it was most of the
// time an officer waited for a photo verdict. This decoder entropy-decodes
// every block (it must, to find the next one) but transforms only the
// luminance blocks, fills a block that has only its DC coefficient
// without a transform, and never allocates chroma planes.
//
// It reads what cameras and phones write: baseline or extended sequential
// Huffman-coded 8-bit frames, grey or YCbCr with every component in one
// interleaved scan, with or without restart markers; and progressive ones
// (jpegprog.go). Anything else (12-bit samples, arithmetic coding, RGB or
// CMYK components, a sequential frame's components in separate scans) is
// refused with errLumaUnsupported before anything is allocated, and left
// to image/jpeg.

// errLumaUnsupported is returned for a JPEG this decoder leaves to
// image/jpeg.
var errLumaUnsupported = errors.New("jpeg: not a grey or YCbCr frame the luminance decoder reads")

// zigzag[i] is the natural (row-major) index of the i-th coefficient in
// zig-zag order.
var zigzag = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}

// lookBits is how many bits a Huffman table's lookup covers at once: all
// but the rarest codes are shorter.
const lookBits = 9

// huffTable is one Huffman table, decoded by a lookup of the next
// lookBits bits and, for longer codes, canonically length by length.
type huffTable struct {
	ok      bool
	look    [1 << lookBits]uint16 // code length << 8 | symbol; 0 when longer
	maxCode [17]int32             // largest code of each length, -1 if none
	valPtr  [17]int32             // index in vals of the first code of each length, less that code
	vals    [256]uint8
}

// build makes the table from a DHT segment's 16 counts and its symbols.
func (t *huffTable) build(counts []byte, symbols []byte) error {
	*t = huffTable{ok: true}
	copy(t.vals[:], symbols)
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		t.maxCode[l] = -1
		if n > 0 {
			t.valPtr[l] = k - code
			for range n {
				if code >= 1<<l {
					return errors.New("jpeg: bad Huffman table")
				}
				if l <= lookBits {
					shift := lookBits - l
					for s := int32(0); s < 1<<shift; s++ {
						t.look[code<<shift|s] = uint16(l)<<8 | uint16(t.vals[k])
					}
				}
				code++
				k++
			}
			t.maxCode[l] = code - 1
		}
		code <<= 1
	}
	return nil
}

// lumaFrame is what the headers before the first scan say.
type lumaFrame struct {
	w, h       int
	comps      []lumaComp
	hmax, vmax int
	quant      [4][64]int32 // in zig-zag order
	quantSet   [4]bool
	dc, ac     [4]huffTable
	restart    int // MCUs between restart markers, 0 for none
	// scan is the offset of the entropy-coded data; of a progressive
	// frame, of its first scan's header.
	scan        int
	progressive bool
}

type lumaComp struct {
	id, h, v, tq int
	td, ta       int // Huffman tables, from the scan header
}

// planeSize is the size of the Y plane the decoder fills: the image padded
// to whole MCUs (whole blocks for a grey image).
func (f *lumaFrame) planeSize() (w, h int) {
	if len(f.comps) == 1 {
		return (f.w + 7) &^ 7, (f.h + 7) &^ 7
	}
	mw, mh := 8*f.hmax, 8*f.vmax
	return (f.w + mw - 1) / mw * mw, (f.h + mh - 1) / mh * mh
}

// parseLumaFrame reads a JPEG's headers up to its first scan. It returns
// errLumaUnsupported for a file the decoder leaves to image/jpeg, and
// another error for one that is broken.
func parseLumaFrame(b []byte) (*lumaFrame, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, errLumaUnsupported
	}
	f := &lumaFrame{}
	jfif, adobe, adobeTransform := false, false, byte(0)
	p := 2
	for {
		if p+2 > len(b) || b[p] != 0xFF {
			return nil, errLumaUnsupported
		}
		m := b[p+1]
		if m == 0xFF { // fill byte
			p++
			continue
		}
		if m == 0xD8 || m == 0xD9 || m == 0x01 || (m >= 0xD0 && m <= 0xD7) {
			return nil, errLumaUnsupported // no frame, or a marker out of place
		}
		if p+4 > len(b) {
			return nil, errLumaUnsupported
		}
		n := int(binary.BigEndian.Uint16(b[p+2:]))
		if n < 2 || p+2+n > len(b) {
			return nil, errLumaUnsupported
		}
		seg := b[p+4 : p+2+n]
		p += 2 + n
		switch {
		case m == 0xC0 || m == 0xC1 || m == 0xC2:
			if f.comps != nil {
				return nil, errLumaUnsupported
			}
			f.progressive = m == 0xC2
			if err := f.readFrame(seg); err != nil {
				return nil, err
			}
		case m >= 0xC3 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			return nil, errLumaUnsupported // lossless or arithmetic
		case m == 0xC4:
			if err := f.readHuffman(seg); err != nil {
				return nil, err
			}
		case m == 0xDB:
			if err := f.readQuant(seg); err != nil {
				return nil, err
			}
		case m == 0xDD:
			if len(seg) != 2 {
				return nil, errLumaUnsupported
			}
			f.restart = int(binary.BigEndian.Uint16(seg))
		case m == 0xE0:
			jfif = jfif || (len(seg) >= 5 && string(seg[:5]) == "JFIF\x00")
		case m == 0xEE:
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
				adobe, adobeTransform = true, seg[11]
			}
		case m == 0xDA:
			if f.comps == nil {
				return nil, errLumaUnsupported
			}
			if len(f.comps) == 3 && !jfif && ((adobe && adobeTransform == 0) ||
				(f.comps[0].id == 'R' && f.comps[1].id == 'G' && f.comps[2].id == 'B')) {
				return nil, errLumaUnsupported // RGB: the first component is red
			}
			if f.progressive {
				f.scan = p - 2 - n // decodeProgressive reads each scan's header
				return f, nil
			}
			if err := f.readScan(seg); err != nil {
				return nil, err
			}
			f.scan = p
			return f, nil
		}
	}
}

func (f *lumaFrame) readFrame(seg []byte) error {
	if len(seg) < 6 || seg[0] != 8 {
		return errLumaUnsupported // 12-bit samples, or no header
	}
	f.h, f.w = int(binary.BigEndian.Uint16(seg[1:])), int(binary.BigEndian.Uint16(seg[3:]))
	nc := int(seg[5])
	if f.w == 0 || f.h == 0 || (nc != 1 && nc != 3) || len(seg) != 6+3*nc {
		return errLumaUnsupported // height from a DNL marker, CMYK, or a short header
	}
	f.comps = make([]lumaComp, nc)
	for i := range f.comps {
		c := seg[6+3*i:]
		f.comps[i] = lumaComp{id: int(c[0]), h: int(c[1] >> 4), v: int(c[1] & 15), tq: int(c[2])}
		ci := f.comps[i]
		if ci.h < 1 || ci.h > 4 || ci.v < 1 || ci.v > 4 || ci.tq > 3 {
			return errors.New("jpeg: bad component")
		}
		f.hmax, f.vmax = max(f.hmax, ci.h), max(f.vmax, ci.v)
	}
	if nc == 3 && (f.comps[0].h != f.hmax || f.comps[0].v != f.vmax) {
		return errLumaUnsupported // luminance subsampled below a chroma plane
	}
	return nil
}

func (f *lumaFrame) readHuffman(seg []byte) error {
	for len(seg) > 0 {
		if len(seg) < 17 {
			return errors.New("jpeg: short Huffman table")
		}
		class, id := seg[0]>>4, seg[0]&15
		if class > 1 || id > 3 {
			return errors.New("jpeg: bad Huffman table")
		}
		n := 0
		for _, c := range seg[1:17] {
			n += int(c)
		}
		if n == 0 || n > 256 || len(seg) < 17+n {
			return errors.New("jpeg: bad Huffman table")
		}
		t := &f.dc[id]
		if class == 1 {
			t = &f.ac[id]
		}
		if err := t.build(seg[1:17], seg[17:17+n]); err != nil {
			return err
		}
		seg = seg[17+n:]
	}
	return nil
}

func (f *lumaFrame) readQuant(seg []byte) error {
	for len(seg) > 0 {
		prec, id := seg[0]>>4, seg[0]&15
		if prec > 1 || id > 3 {
			return errors.New("jpeg: bad quantization table")
		}
		size := 64 << prec
		if len(seg) < 1+size {
			return errors.New("jpeg: short quantization table")
		}
		for i := range 64 {
			if prec == 0 {
				f.quant[id][i] = int32(seg[1+i])
			} else {
				f.quant[id][i] = int32(binary.BigEndian.Uint16(seg[1+2*i:]))
			}
		}
		f.quantSet[id] = true
		seg = seg[1+size:]
	}
	return nil
}

func (f *lumaFrame) readScan(seg []byte) error {
	if len(seg) < 1 {
		return errors.New("jpeg: short scan header")
	}
	ns := int(seg[0])
	if ns != len(f.comps) || len(seg) != 4+2*ns {
		return errLumaUnsupported // components in separate scans
	}
	for i := range ns {
		c := &f.comps[i]
		if int(seg[1+2*i]) != c.id {
			return errLumaUnsupported
		}
		c.td, c.ta = int(seg[2+2*i]>>4), int(seg[2+2*i]&15)
		if c.td > 3 || c.ta > 3 || !f.dc[c.td].ok || !f.ac[c.ta].ok || !f.quantSet[c.tq] {
			return errors.New("jpeg: scan refers to a missing table")
		}
	}
	if ss, se, a := seg[1+2*ns], seg[2+2*ns], seg[3+2*ns]; ss != 0 || se != 63 || a != 0 {
		return errLumaUnsupported
	}
	return nil
}

// bitReader reads entropy-coded bits, removing stuffed zero bytes. At a
// marker or the end of the data it supplies zero bits and counts them, so
// that a decode that used any of them is known to be short of data.
type bitReader struct {
	data []byte
	pos  int
	acc  uint64 // the next bits, most significant first
	n    uint   // how many bits of acc are valid
	pad  uint   // how many of them were supplied past the data

	interval int // MCUs between restart markers, 0 for none
	mcus     int // MCUs started
}

// fill tops acc up to more than 56 bits.
func (r *bitReader) fill() {
	for r.n <= 56 {
		var c byte
		switch {
		case r.pad > 0:
			r.pad += 8
		case r.pos < len(r.data) && r.data[r.pos] != 0xFF:
			c = r.data[r.pos]
			r.pos++
		case r.pos+1 < len(r.data) && r.data[r.pos+1] == 0:
			c = 0xFF
			r.pos += 2
		default: // a marker, or the end
			r.pad += 8
		}
		r.acc |= uint64(c) << (56 - r.n)
		r.n += 8
	}
}

// short reports whether the decode has used bits past the data.
func (r *bitReader) short() bool { return r.pad > r.n }

// symbol decodes one Huffman-coded symbol; acc must hold at least 16 bits.
func (r *bitReader) symbol(t *huffTable) (int32, error) {
	if e := t.look[r.acc>>(64-lookBits)]; e != 0 {
		l := uint(e >> 8)
		r.acc <<= l
		r.n -= l
		return int32(e & 0xFF), nil
	}
	for l := lookBits + 1; l <= 16; l++ {
		code := int32(r.acc >> (64 - l))
		if code <= t.maxCode[l] {
			r.acc <<= uint(l)
			r.n -= uint(l)
			return int32(t.vals[t.valPtr[l]+code]), nil
		}
	}
	return 0, errors.New("jpeg: bad Huffman code")
}

// value reads s (1 to 16) bits as a signed coefficient (F.2.2.1's EXTEND).
func (r *bitReader) value(s int32) int32 {
	v := int32(r.acc >> (64 - s))
	r.acc <<= uint(s)
	r.n -= uint(s)
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// startMCU is called before each MCU of a scan. Where a restart marker is
// due it moves past it and reports true: the caller resets what it
// predicts from the blocks before (DC values, end-of-band runs).
func (r *bitReader) startMCU() (bool, error) {
	n := r.mcus
	r.mcus++
	if r.interval == 0 || n == 0 || n%r.interval != 0 {
		return false, nil
	}
	// The markers count RST0 to RST7 and round again.
	return true, r.restart(0xD0 + byte((n/r.interval-1)%8))
}

// restart moves past the restart marker the data should hold next,
// tolerating fill bytes or junk before it, as image/jpeg does.
func (r *bitReader) restart(want byte) error {
	if r.short() {
		return errors.New("jpeg: short Huffman data")
	}
	for p := r.pos; p+1 < len(r.data); p++ {
		if r.data[p] != 0xFF || r.data[p+1] == 0 || r.data[p+1] == 0xFF {
			continue
		}
		if r.data[p+1] != want {
			return errors.New("jpeg: bad restart marker")
		}
		r.pos, r.acc, r.n, r.pad = p+2, 0, 0, 0
		return nil
	}
	return errors.New("jpeg: missing restart marker")
}

// decodeJPEGLuma decodes the luminance of a JPEG whose frame f describes
// into a gray image of the frame's size.
func decodeJPEGLuma(data []byte, f *lumaFrame) (*gray, error) {
	if f.progressive {
		return decodeProgressive(data, f)
	}
	pw, ph := f.planeSize()
	plane := make([]byte, pw*ph)
	var blk [64]int32
	_, err := walkBaseline(data, f, func(i, bx, by int) *[64]int32 {
		if i == 0 {
			return &blk
		}
		return nil
	}, func(i, bx, by int, _ int32, last int) {
		if i == 0 {
			idct8x8(&blk, last, plane[8*by*pw+8*bx:], pw)
			blk = [64]int32{}
		}
	})
	if err != nil {
		return nil, err
	}
	// Pack the rows to the image's width, in place.
	for y := 1; y < f.h; y++ {
		copy(plane[y*f.w:(y+1)*f.w], plane[y*pw:y*pw+f.w])
	}
	return &gray{w: f.w, h: f.h, pix: plane[: f.w*f.h : f.w*f.h]}, nil
}

// walkBaseline entropy-decodes every block of a baseline frame in order.
// For the block of component i at (bx, by) in that component's blocks,
// into (when not nil) says where its dequantized coefficients go (nil:
// only past it); then done (when not nil) gets its dequantized DC
// coefficient and the zig-zag index of its last non-zero coefficient
// written. The data are checked as image/jpeg checks them: a bad code, a
// missing restart marker or data cut short is an error.
//
// It returns the offset of the marker that ends the scan.
func walkBaseline(data []byte, f *lumaFrame, into func(i, bx, by int) *[64]int32, done func(i, bx, by int, dc int32, last int)) (int, error) {
	r := &bitReader{data: data, pos: f.scan, interval: f.restart}
	var pred [3]int32
	// block decodes one block of component i.
	block := func(i, bx, by int) error {
		var blk *[64]int32
		if into != nil {
			blk = into(i, bx, by)
		}
		c := &f.comps[i]
		q := &f.quant[c.tq]
		r.fill()
		s, err := r.symbol(&f.dc[c.td])
		if err != nil {
			return err
		}
		if s > 11 {
			return errors.New("jpeg: bad DC coefficient")
		}
		if s > 0 {
			pred[i] += r.value(s)
		}
		if blk != nil {
			blk[0] = pred[i] * q[0]
		}
		last := 0
		ac := &f.ac[c.ta]
		for k := 1; k < 64; k++ {
			if r.n < 32 {
				r.fill()
			}
			rs, err := r.symbol(ac)
			if err != nil {
				return err
			}
			run, size := rs>>4, rs&15
			if size == 0 {
				if run != 15 {
					break
				}
				k += 15
				continue
			}
			k += int(run)
			if k > 63 {
				return errors.New("jpeg: too many coefficients")
			}
			v := r.value(size)
			if blk != nil {
				blk[zigzag[k]] = v * q[k]
				last = k
			}
		}
		if done != nil {
			done(i, bx, by, pred[i]*q[0], last)
		}
		return nil
	}

	pw, ph := f.planeSize()
	var mcux, mcuy int
	if len(f.comps) == 1 {
		mcux, mcuy = pw/8, ph/8
	} else {
		mcux, mcuy = pw/(8*f.hmax), ph/(8*f.vmax)
	}
	for my := range mcuy {
		for mx := range mcux {
			if restarted, err := r.startMCU(); err != nil {
				return 0, err
			} else if restarted {
				pred = [3]int32{}
			}
			if len(f.comps) == 1 {
				if err := block(0, mx, my); err != nil {
					return 0, err
				}
				continue
			}
			for i := range f.comps {
				c := &f.comps[i]
				for v := range c.v {
					for h := range c.h {
						if err := block(i, mx*c.h+h, my*c.v+v); err != nil {
							return 0, err
						}
					}
				}
			}
		}
		if r.short() {
			return 0, errors.New("jpeg: short Huffman data")
		}
	}
	return nextMarker(data, r.pos), nil
}

// The inverse DCT is the accurate integer one of the IJG's jidctint.c
// (Loeffler, Ligtenberg and Moschytz), with 13-bit constants and two
// extra bits of precision between the passes.
const (
	idctConstBits = 13
	idctPass1Bits = 2

	fix0298631336 = 2446
	fix0390180644 = 3196
	fix0541196100 = 4433
	fix0765366865 = 6270
	fix0899976223 = 7373
	fix1175875602 = 9633
	fix1501321110 = 12299
	fix1847759065 = 15137
	fix1961570560 = 16069
	fix2053119869 = 16819
	fix2562915447 = 20995
	fix3072711026 = 25172
)

// idct8x8 transforms the dequantized coefficients of b (natural order),
// whose last non-zero one in zig-zag order is last, and writes the 8x8
// samples, level-shifted and clamped, to dst with the given stride.
func idct8x8(b *[64]int32, last int, dst []byte, stride int) {
	if last == 0 {
		// Only the DC coefficient: every sample is the same.
		v := clampSample((b[0] + 4) >> 3)
		for y := range 8 {
			row := dst[y*stride : y*stride+8]
			for x := range row {
				row[x] = v
			}
		}
		return
	}
	var ws [64]int32
	for c := range 8 {
		in := b[c:]
		if in[8] == 0 && in[16] == 0 && in[24] == 0 && in[32] == 0 && in[40] == 0 && in[48] == 0 && in[56] == 0 {
			dc := in[0] << idctPass1Bits
			for i := range 8 {
				ws[8*i+c] = dc
			}
			continue
		}
		t0, t1, t2, t3, t10, t11, t12, t13 := idct1d(in[0], in[8], in[16], in[24], in[32], in[40], in[48], in[56])
		const sh = idctConstBits - idctPass1Bits
		ws[c] = descale(t10+t3, sh)
		ws[56+c] = descale(t10-t3, sh)
		ws[8+c] = descale(t11+t2, sh)
		ws[48+c] = descale(t11-t2, sh)
		ws[16+c] = descale(t12+t1, sh)
		ws[40+c] = descale(t12-t1, sh)
		ws[24+c] = descale(t13+t0, sh)
		ws[32+c] = descale(t13-t0, sh)
	}
	for y := range 8 {
		in := ws[8*y : 8*y+8]
		out := dst[y*stride : y*stride+8]
		if in[1] == 0 && in[2] == 0 && in[3] == 0 && in[4] == 0 && in[5] == 0 && in[6] == 0 && in[7] == 0 {
			v := clampSample(descale(in[0], idctPass1Bits+3))
			for x := range out {
				out[x] = v
			}
			continue
		}
		t0, t1, t2, t3, t10, t11, t12, t13 := idct1d(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7])
		const sh = idctConstBits + idctPass1Bits + 3
		out[0] = clampSample(descale(t10+t3, sh))
		out[7] = clampSample(descale(t10-t3, sh))
		out[1] = clampSample(descale(t11+t2, sh))
		out[6] = clampSample(descale(t11-t2, sh))
		out[2] = clampSample(descale(t12+t1, sh))
		out[5] = clampSample(descale(t12-t1, sh))
		out[3] = clampSample(descale(t13+t0, sh))
		out[4] = clampSample(descale(t13-t0, sh))
	}
}

// idct1d is one 8-point pass: the odd part's t0..t3 and the even part's
// t10..t13, scaled by 2^idctConstBits, for the caller to combine.
func idct1d(i0, i1, i2, i3, i4, i5, i6, i7 int32) (t0, t1, t2, t3, t10, t11, t12, t13 int32) {
	// Even part.
	z1 := (i2 + i6) * fix0541196100
	e2 := z1 - i6*fix1847759065
	e3 := z1 + i2*fix0765366865
	e0 := (i0 + i4) << idctConstBits
	e1 := (i0 - i4) << idctConstBits
	t10, t13 = e0+e3, e0-e3
	t11, t12 = e1+e2, e1-e2
	// Odd part.
	t0, t1, t2, t3 = i7, i5, i3, i1
	z1 = t0 + t3
	z2 := t1 + t2
	z3 := t0 + t2
	z4 := t1 + t3
	z5 := (z3 + z4) * fix1175875602
	t0 *= fix0298631336
	t1 *= fix2053119869
	t2 *= fix3072711026
	t3 *= fix1501321110
	z1 *= -fix0899976223
	z2 *= -fix2562915447
	z3 = z3*-fix1961570560 + z5
	z4 = z4*-fix0390180644 + z5
	t0 += z1 + z3
	t1 += z2 + z4
	t2 += z2 + z3
	t3 += z1 + z4
	return
}

func descale(x int32, n uint) int32 { return (x + 1<<(n-1)) >> n }

// clampSample level-shifts a sample by 128 and clamps it to a byte.
func clampSample(x int32) byte {
	x += 128
	if uint32(x) > 255 {
		if x < 0 {
			return 0
		}
		return 255
	}
	return byte(x)
}
