package scan

import "encoding/binary"

// jpegOrientation returns the EXIF orientation (1-8) of a JPEG file, or 1
// when the file is not a JPEG, has no Exif APP1 segment before the image
// data, or the tag is missing or out of range. It reads only the bytes it is
// given and looks at no more than maxSegments segments and maxIFDEntries IFD
// entries, so hostile files cost little.
func jpegOrientation(b []byte) int {
	const (
		maxSegments   = 32
		maxIFDEntries = 256
	)
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	p := 2
	for range maxSegments {
		if p+4 > len(b) || b[p] != 0xFF {
			return 1
		}
		marker := b[p+1]
		if marker == 0xFF { // fill byte
			p++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[p+2:]))
		if n < 2 || p+2+n > len(b) {
			return 1
		}
		seg := b[p+4 : p+2+n]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			if o := tiffOrientation(seg[6:], maxIFDEntries); o != 0 {
				return o
			}
		}
		p += 2 + n
	}
	return 1
}

// tiffOrientation reads tag 0x0112 from IFD0 of a TIFF structure, or 0.
func tiffOrientation(t []byte, maxEntries int) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0
	}
	off := uint64(bo.Uint32(t[4:]))
	if off+2 > uint64(len(t)) {
		return 0
	}
	count := int(bo.Uint16(t[off:]))
	for i := range min(count, maxEntries) {
		e := off + 2 + uint64(i)*12
		if e+12 > uint64(len(t)) {
			return 0
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		// Type SHORT (3), count 1: the value sits in the first two bytes
		// of the value field.
		if bo.Uint16(t[e+2:]) != 3 || bo.Uint32(t[e+4:]) != 1 {
			return 0
		}
		if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}

// orientation maps between the stored frame of an image (as in the file)
// and the upright frame (as displayed after applying the EXIF tag).
type orientation struct {
	o    int // EXIF value, 1-8
	w, h int // stored size
}

// swaps reports whether the upright frame is the stored one transposed.
func (or orientation) swaps() bool { return or.o >= 5 }

// toStored maps a point of the upright frame (continuous coordinates, the
// image spanning [0,w]x[0,h]) to the stored frame.
func (or orientation) toStored(x, y float64) (float64, float64) {
	w, h := float64(or.w), float64(or.h)
	switch or.o {
	case 2:
		return w - x, y
	case 3:
		return w - x, h - y
	case 4:
		return x, h - y
	case 5:
		return y, x
	case 6:
		return y, h - x
	case 7:
		return w - y, h - x
	case 8:
		return w - y, x
	}
	return x, y
}

// apply returns g turned upright. Pixel (x, y) of the result is the stored
// pixel whose centre toStored maps (x+0.5, y+0.5) to.
func (or orientation) apply(g *gray) *gray {
	if or.o <= 1 || or.o > 8 {
		return g
	}
	w, h := g.w, g.h
	if or.swaps() {
		w, h = h, w
	}
	out := newGray(w, h)
	for y := range h {
		row := out.pix[y*w : (y+1)*w]
		for x := range row {
			sx, sy := or.toStored(float64(x)+0.5, float64(y)+0.5)
			row[x] = g.pix[int(sy)*g.w+int(sx)]
		}
	}
	return out
}
