package scan

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
)

// pngRows decodes a PNG row by row, holding two rows of the encoded image
// and one converted row instead of the whole image: image/png has no other
// way than to allocate every pixel (4 bytes each for 8-bit colour, 8 for
// 16-bit), which for a 49-megapixel photo is 196 or 392 MB. It checks what
// image/png checks (chunk order, every CRC, the zlib checksum, the amount
// of pixel data, IEND), so a file it accepts decodes with image/png too;
// FuzzPNGRows compares the two.
//
// Each row of each pass reaches fn as 8-bit non-premultiplied RGBA
// (16-bit samples keep their high byte): pixel i of nrgba is at
// (x0 + i*dx, y). A non-interlaced image has one pass, x0 = 0 and dx = 1.
func pngRows(data []byte, fn func(y, x0, dx int, nrgba []byte)) error {
	d := &pngDecoder{r: bytes.NewReader(data), crc: crc32.NewIEEE()}
	if _, err := io.ReadFull(d.r, d.tmp[:8]); err != nil || string(d.tmp[:8]) != "\x89PNG\r\n\x1a\n" {
		return errors.New("png: not a PNG file")
	}
	d.fn = fn
	for d.stage != pngSeenIEND {
		if err := d.chunk(); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// Decoding stages, in the order the chunks must come.
const (
	pngStart = iota
	pngSeenIHDR
	pngSeenPLTE
	pngSeentRNS
	pngSeenIDAT
	pngSeenIEND
)

// Colour types.
const (
	pngGray      = 0
	pngTrueColor = 2
	pngPaletted  = 3
	pngGrayAlpha = 4
	pngTrueAlpha = 6
)

type pngDecoder struct {
	r         *bytes.Reader
	crc       hash.Hash32
	tmp       [3 * 256]byte
	stage     int
	w, h      int
	depth     int
	ctype     int
	interlace bool
	palette   [256][4]uint8 // NRGBA; entries past the PLTE are opaque black
	// transparent is the tRNS colour of a grey or truecolour image, as
	// stored (two bytes a sample).
	useTransparent bool
	transparent    [6]byte
	idatLength     uint32
	fn             func(y, x0, dx int, nrgba []byte)
}

func (d *pngDecoder) chunk() error {
	if _, err := io.ReadFull(d.r, d.tmp[:8]); err != nil {
		return err
	}
	length := binary.BigEndian.Uint32(d.tmp[:4])
	d.crc.Reset()
	d.crc.Write(d.tmp[4:8])
	paletted := d.ctype == pngPaletted
	switch string(d.tmp[4:8]) {
	case "IHDR":
		if d.stage != pngStart {
			return errPNGOrder
		}
		d.stage = pngSeenIHDR
		return d.ihdr(length)
	case "PLTE":
		if d.stage != pngSeenIHDR {
			return errPNGOrder
		}
		d.stage = pngSeenPLTE
		return d.plte(length)
	case "tRNS":
		switch {
		case paletted && d.stage != pngSeenPLTE,
			d.ctype == pngTrueColor && d.stage != pngSeenIHDR && d.stage != pngSeenPLTE,
			!paletted && d.ctype != pngTrueColor && d.stage != pngSeenIHDR:
			return errPNGOrder
		}
		d.stage = pngSeentRNS
		return d.trns(length)
	case "IDAT":
		if d.stage < pngSeenIHDR || d.stage > pngSeenIDAT || (d.stage == pngSeenIHDR && paletted) {
			return errPNGOrder
		}
		if d.stage != pngSeenIDAT {
			d.stage = pngSeenIDAT
			d.idatLength = length
			if err := d.pixels(); err != nil {
				return err
			}
			return d.verifyChecksum()
		}
		// Trailing IDAT chunks are skipped, as image/png does.
	case "IEND":
		if d.stage != pngSeenIDAT {
			return errPNGOrder
		}
		d.stage = pngSeenIEND
		if length != 0 {
			return errors.New("png: bad IEND length")
		}
		return d.verifyChecksum()
	}
	if length > 0x7fffffff {
		return fmt.Errorf("png: bad chunk length %d", length)
	}
	for length > 0 {
		n, err := io.ReadFull(d.r, d.tmp[:min(len(d.tmp), int(length))])
		if err != nil {
			return err
		}
		d.crc.Write(d.tmp[:n])
		length -= uint32(n)
	}
	return d.verifyChecksum()
}

var errPNGOrder = errors.New("png: chunk out of order")

func (d *pngDecoder) verifyChecksum() error {
	if _, err := io.ReadFull(d.r, d.tmp[:4]); err != nil {
		return err
	}
	if binary.BigEndian.Uint32(d.tmp[:4]) != d.crc.Sum32() {
		return errors.New("png: invalid checksum")
	}
	return nil
}

func (d *pngDecoder) ihdr(length uint32) error {
	if length != 13 {
		return errors.New("png: bad IHDR length")
	}
	if _, err := io.ReadFull(d.r, d.tmp[:13]); err != nil {
		return err
	}
	d.crc.Write(d.tmp[:13])
	if d.tmp[10] != 0 || d.tmp[11] != 0 || d.tmp[12] > 1 {
		return errors.New("png: unsupported compression, filter or interlace method")
	}
	d.interlace = d.tmp[12] == 1
	w, h := int32(binary.BigEndian.Uint32(d.tmp[0:4])), int32(binary.BigEndian.Uint32(d.tmp[4:8]))
	if w <= 0 || h <= 0 {
		return errors.New("png: non-positive dimension")
	}
	d.w, d.h = int(w), int(h)
	d.depth, d.ctype = int(d.tmp[8]), int(d.tmp[9])
	ok := false
	switch d.ctype {
	case pngGray:
		ok = d.depth == 1 || d.depth == 2 || d.depth == 4 || d.depth == 8 || d.depth == 16
	case pngPaletted:
		ok = d.depth == 1 || d.depth == 2 || d.depth == 4 || d.depth == 8
	case pngTrueColor, pngGrayAlpha, pngTrueAlpha:
		ok = d.depth == 8 || d.depth == 16
	}
	if !ok {
		return fmt.Errorf("png: unsupported bit depth %d, colour type %d", d.depth, d.ctype)
	}
	for i := range d.palette {
		d.palette[i] = [4]uint8{0, 0, 0, 0xff}
	}
	return d.verifyChecksum()
}

func (d *pngDecoder) plte(length uint32) error {
	np := int(length / 3)
	if length%3 != 0 || np <= 0 || np > 256 || np > 1<<uint(d.depth) {
		return errors.New("png: bad PLTE length")
	}
	if _, err := io.ReadFull(d.r, d.tmp[:3*np]); err != nil {
		return err
	}
	d.crc.Write(d.tmp[:3*np])
	switch d.ctype {
	case pngPaletted:
		for i := range np {
			d.palette[i] = [4]uint8{d.tmp[3*i], d.tmp[3*i+1], d.tmp[3*i+2], 0xff}
		}
	case pngTrueColor, pngTrueAlpha:
		// Optional and ignored for truecolour images.
	default:
		return errors.New("png: PLTE, colour type mismatch")
	}
	return d.verifyChecksum()
}

func (d *pngDecoder) trns(length uint32) error {
	switch d.ctype {
	case pngGray, pngTrueColor:
		want := uint32(2)
		if d.ctype == pngTrueColor {
			want = 6
		}
		if length != want {
			return errors.New("png: bad tRNS length")
		}
		if _, err := io.ReadFull(d.r, d.tmp[:length]); err != nil {
			return err
		}
		d.crc.Write(d.tmp[:length])
		copy(d.transparent[:], d.tmp[:length])
		d.useTransparent = true
	case pngPaletted:
		if length > 256 {
			return errors.New("png: bad tRNS length")
		}
		if _, err := io.ReadFull(d.r, d.tmp[:length]); err != nil {
			return err
		}
		d.crc.Write(d.tmp[:length])
		for i := range int(length) {
			d.palette[i][3] = d.tmp[i]
		}
	default:
		return errors.New("png: tRNS, colour type mismatch")
	}
	return d.verifyChecksum()
}

// Read presents the consecutive IDAT chunks as one stream, checking each
// chunk's CRC, as image/png does.
func (d *pngDecoder) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for d.idatLength == 0 {
		if err := d.verifyChecksum(); err != nil {
			return 0, err
		}
		if _, err := io.ReadFull(d.r, d.tmp[:8]); err != nil {
			return 0, err
		}
		d.idatLength = binary.BigEndian.Uint32(d.tmp[:4])
		if string(d.tmp[4:8]) != "IDAT" {
			return 0, errors.New("png: not enough pixel data")
		}
		d.crc.Reset()
		d.crc.Write(d.tmp[4:8])
	}
	if int(d.idatLength) < 0 {
		return 0, errors.New("png: IDAT chunk length overflow")
	}
	n, err := d.r.Read(p[:min(len(p), int(d.idatLength))])
	d.crc.Write(p[:n])
	d.idatLength -= uint32(n)
	return n, err
}

// adam7 is the placement of the seven passes of an interlaced image:
// x and y step, x and y offset.
var adam7 = [7][4]int{{8, 8, 0, 0}, {8, 8, 4, 0}, {4, 8, 0, 4}, {4, 4, 2, 0}, {2, 4, 0, 2}, {2, 2, 1, 0}, {1, 2, 0, 1}}

// pixels inflates the image data and hands every row to d.fn.
func (d *pngDecoder) pixels() error {
	zr, err := zlib.NewReader(d)
	if err != nil {
		return err
	}
	defer zr.Close()
	channels := map[int]int{pngGray: 1, pngTrueColor: 3, pngPaletted: 1, pngGrayAlpha: 2, pngTrueAlpha: 4}[d.ctype]
	bits := channels * d.depth
	bpp := (bits + 7) / 8
	passes := [][4]int{{1, 1, 0, 0}}
	if d.interlace {
		passes = adam7[:]
	}
	for _, p := range passes {
		w := (d.w - p[2] + p[0] - 1) / p[0]
		h := (d.h - p[3] + p[1] - 1) / p[1]
		if w <= 0 || h <= 0 {
			continue
		}
		rowSize := 1 + (int64(bits)*int64(w)+7)/8
		if rowSize != int64(int(rowSize)) {
			return errors.New("png: dimension overflow")
		}
		cr, pr := make([]byte, rowSize), make([]byte, rowSize)
		out := make([]byte, 4*w)
		for y := range h {
			if _, err := io.ReadFull(zr, cr); err != nil {
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					return errors.New("png: not enough pixel data")
				}
				return err
			}
			if err := unfilter(cr, pr, bpp); err != nil {
				return err
			}
			d.convert(cr[1:], out)
			if d.fn != nil {
				d.fn(p[3]+y*p[1], p[2], p[0], out)
			}
			pr, cr = cr, pr
		}
	}
	// The zlib stream must end here, with a good checksum.
	n := 0
	for i := 0; n == 0 && err == nil; i++ {
		if i == 100 {
			return io.ErrNoProgress
		}
		n, err = zr.Read(d.tmp[:1])
	}
	if err != nil && err != io.EOF {
		return fmt.Errorf("png: %w", err)
	}
	if n != 0 || d.idatLength != 0 {
		return errors.New("png: too much pixel data")
	}
	return nil
}

// unfilter undoes the row's filter in place; pr is the previous row,
// unfiltered.
func unfilter(cr, pr []byte, bpp int) error {
	cdat, pdat := cr[1:], pr[1:]
	switch cr[0] {
	case 0:
	case 1:
		for i := bpp; i < len(cdat); i++ {
			cdat[i] += cdat[i-bpp]
		}
	case 2:
		for i, p := range pdat {
			cdat[i] += p
		}
	case 3:
		for i := 0; i < bpp && i < len(cdat); i++ {
			cdat[i] += pdat[i] / 2
		}
		for i := bpp; i < len(cdat); i++ {
			cdat[i] += uint8((int(cdat[i-bpp]) + int(pdat[i])) / 2)
		}
	case 4:
		for i := range bpp {
			a, c := 0, 0
			for j := i; j < len(cdat); j += bpp {
				b := int(pdat[j])
				pa, pb := b-c, a-c
				pc := abs(pa + pb)
				pa, pb = abs(pa), abs(pb)
				if pa <= pb && pa <= pc {
				} else if pb <= pc {
					a = b
				} else {
					a = c
				}
				a = (a + int(cdat[j])) & 0xff
				cdat[j] = uint8(a)
				c = b
			}
		}
	default:
		return errors.New("png: bad filter type")
	}
	return nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// convert turns one unfiltered row into 8-bit NRGBA, as image/png's
// image would give it: tRNS colours transparent, palette indexes past the
// palette opaque black.
func (d *pngDecoder) convert(src, out []byte) {
	w := len(out) / 4
	switch {
	case d.depth < 8: // grey or paletted, 1, 2 or 4 bits
		mask := byte(1<<d.depth - 1)
		perByte := 8 / d.depth
		for x := range w {
			v := src[x/perByte] >> (8 - d.depth*(x%perByte+1)) & mask
			if d.ctype == pngPaletted {
				copy(out[4*x:4*x+4], d.palette[v][:])
				continue
			}
			g := v * (255 / mask)
			a := byte(0xff)
			if d.useTransparent && g == d.transparent[1]*(255/mask) {
				a = 0
			}
			out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = g, g, g, a
		}
	case d.ctype == pngPaletted:
		for x := range w {
			copy(out[4*x:4*x+4], d.palette[src[x]][:])
		}
	case d.depth == 8:
		switch d.ctype {
		case pngGray:
			for x := range w {
				g, a := src[x], byte(0xff)
				if d.useTransparent && g == d.transparent[1] {
					a = 0
				}
				out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = g, g, g, a
			}
		case pngGrayAlpha:
			for x := range w {
				g := src[2*x]
				out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = g, g, g, src[2*x+1]
			}
		case pngTrueColor:
			t := d.transparent
			for x := range w {
				r, g, b, a := src[3*x], src[3*x+1], src[3*x+2], byte(0xff)
				if d.useTransparent && r == t[1] && g == t[3] && b == t[5] {
					a = 0
				}
				out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = r, g, b, a
			}
		case pngTrueAlpha:
			copy(out, src[:4*w])
		}
	default: // 16 bits a sample
		n := map[int]int{pngGray: 1, pngGrayAlpha: 2, pngTrueColor: 3, pngTrueAlpha: 4}[d.ctype]
		for x := range w {
			s := src[2*n*x : 2*n*(x+1)]
			var r, g, b, a byte
			switch d.ctype {
			case pngGray:
				r, g, b, a = s[0], s[0], s[0], 0xff
				if d.useTransparent && s[0] == d.transparent[0] && s[1] == d.transparent[1] {
					a = 0
				}
			case pngGrayAlpha:
				r, g, b, a = s[0], s[0], s[0], s[2]
			case pngTrueColor:
				r, g, b, a = s[0], s[2], s[4], 0xff
				if d.useTransparent && bytes.Equal(s[:6], d.transparent[:6]) {
					a = 0
				}
			case pngTrueAlpha:
				r, g, b, a = s[0], s[2], s[4], s[6]
			}
			out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = r, g, b, a
		}
	}
}
