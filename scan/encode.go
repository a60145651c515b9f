package scan

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"sync"

	"github.com/makiuchi-d/gozxing/qrcode/decoder"
)

// ErrTooLong is returned by the encoders when text does not fit in a version
// 40 symbol at level Q.
var ErrTooLong = errors.New("scan: text too long for a QR code at level Q")

// maxPixelsPerModule bounds EncodePNG so a caller cannot ask for a huge image.
const maxPixelsPerModule = 64

// quietZone is the margin, in modules, drawn around every symbol.
const quietZone = 4

// Version reports the QR version (1-40) that text needs at level Q. It
// returns ErrTooLong when text does not fit.
func Version(text string) (int, error) {
	_, v, err := encodeQR(text, decoder.ErrorCorrectionLevel_Q)
	return v, err
}

// EncodePNG draws text as a QR code at error-correction level Q with a
// four-module quiet zone and exactly pixelsPerModule pixels per module, as a
// two-colour (1-bit) PNG compressed for speed. Uniform module size keeps the
// code readable when printed at any scale. It returns ErrTooLong when text
// does not fit.
func EncodePNG(text string, pixelsPerModule int) ([]byte, error) {
	if pixelsPerModule < 1 || pixelsPerModule > maxPixelsPerModule {
		return nil, fmt.Errorf("scan: pixels per module %d outside 1..%d", pixelsPerModule, maxPixelsPerModule)
	}
	q, _, err := encodeQR(text, decoder.ErrorCorrectionLevel_Q)
	if err != nil {
		return nil, err
	}
	return q.png(pixelsPerModule)
}

// png writes the symbol as a 1-bit greyscale PNG (0 black, 1 white), the
// smallest two-colour form. image/png would do the same but walks the image
// pixel by pixel through an interface, which costs more than the encoding.
func (q *qrMatrix) png(ppm int) ([]byte, error) {
	n := q.size + 2*quietZone
	side := n * ppm
	stride := (side + 7) / 8

	var out bytes.Buffer
	out.Grow(1024 + side*stride/20)
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(side))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(side))
	ihdr[8] = 1 // bit depth
	ihdr[9] = 0 // greyscale
	writeChunk(&out, "IHDR", ihdr)

	var idat bytes.Buffer
	zw := zlibPool.Get().(*zlib.Writer)
	defer zlibPool.Put(zw)
	zw.Reset(&idat)
	line := make([]byte, 1+stride) // filter byte 0 (none), then pixels
	up := make([]byte, (1+stride)*(ppm-1))
	for i := 0; i < len(up); i += 1 + stride {
		up[i] = 2
	}
	for my := range n {
		clear(line[1:])
		for mx := range n {
			x, y := mx-quietZone, my-quietZone
			if x >= 0 && y >= 0 && x < q.size && y < q.size && q.m[y*q.size+x]&dark != 0 {
				continue
			}
			setBits(line[1:], mx*ppm, (mx+1)*ppm)
		}
		if _, err := zw.Write(line); err != nil {
			return nil, err
		}
		// The other rows of a module repeat this one: filter "Up" makes
		// them all zero, which deflate consumes fastest.
		if _, err := zw.Write(up); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	writeChunk(&out, "IDAT", idat.Bytes())
	writeChunk(&out, "IEND", nil)
	return out.Bytes(), nil
}

// zlibPool keeps compressors: each holds about a megabyte of state.
var zlibPool = sync.Pool{New: func() any {
	zw, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return zw
}}

// setBits sets bits [from, to) of b, MSB first.
func setBits(b []byte, from, to int) {
	for from < to && from%8 != 0 {
		b[from/8] |= 0x80 >> uint(from%8)
		from++
	}
	for ; from+8 <= to; from += 8 {
		b[from/8] = 0xff
	}
	for ; from < to; from++ {
		b[from/8] |= 0x80 >> uint(from%8)
	}
}

func writeChunk(w *bytes.Buffer, typ string, data []byte) {
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(data)))
	copy(hdr[4:], typ)
	w.Write(hdr[:])
	w.Write(data)
	crc := crc32.NewIEEE()
	crc.Write(hdr[4:])
	crc.Write(data)
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc.Sum32())
	w.Write(sum[:])
}

// EncodeSVG draws the same symbol as EncodePNG as an SVG document for
// printing: one path of rectangles (horizontal runs of dark modules), with
// the viewBox in modules and the quiet zone included, so it scales to any
// print size without resampling. It returns ErrTooLong when text does not
// fit.
func EncodeSVG(text string) ([]byte, error) {
	q, _, err := encodeQR(text, decoder.ErrorCorrectionLevel_Q)
	if err != nil {
		return nil, err
	}
	n := strconv.Itoa(q.size + 2*quietZone)
	var b bytes.Buffer
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + n + " " + n +
		`" shape-rendering="crispEdges"><rect width="` + n + `" height="` + n +
		`" fill="#fff"/><path fill="#000" d="`)
	for y := range q.size {
		row := q.m[y*q.size : (y+1)*q.size]
		for x := 0; x < q.size; {
			if row[x]&dark == 0 {
				x++
				continue
			}
			end := x
			for end < q.size && row[end]&dark != 0 {
				end++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+quietZone, y+quietZone, end-x, end-x)
			x = end
		}
	}
	b.WriteString(`"/></svg>` + "\n")
	return b.Bytes(), nil
}
