package scan

import (
	"encoding/binary"
	"image"
	"image/color"
)

// What decodes cost, in bytes, worked out from the header before any pixel
// is allocated. The figures count what a decode allocates in all, live or
// already garbage, so that the pool bounds the heap's growth and not only
// its live part (see Pool.Reserve).

// streamPNGCost is what pngRows holds besides its output: two encoded rows
// and a converted one (at most 8+8+4 bytes a pixel of width), zlib's window
// and buffers.
func streamPNGCost(w int) int64 { return 20*int64(w) + 64<<10 }

// decodedCost is what image.Decode allocates for an image of the given
// format and header: the pixels in the decoder's output form (for an RGB
// JPEG its planes and the RGBA image made of them), and for a progressive
// JPEG its coefficients (4 bytes a pixel of each component).
// data is the whole file, from which a JPEG's frame header is read.
func decodedCost(data []byte, format string, cfg image.Config) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	switch format {
	case "jpeg":
		if c, ok := jpegCost(data); ok {
			if cfg.ColorModel == color.RGBAModel {
				c += 4 * px // RGB components, turned into an RGBA image
			}
			return c
		}
		return 24 * px // unreadable frame header: the worst, CMYK and progressive
	case "gif":
		return px + 64<<10 // one paletted frame
	case "webp":
		switch cfg.ColorModel {
		case color.YCbCrModel:
			return px*3/2 + 64<<10 // lossy, 4:2:0
		case color.NYCbCrAModel:
			return px*5/2 + 64<<10 // lossy with alpha
		}
		return 8*px + 64<<10 // lossless: ARGB words, then NRGBA
	case "png":
		return 8*px + streamPNGCost(cfg.Width) // as image/png decodes it: up to 8 bytes a pixel
	}
	return 8 * px
}

// jpegCost reads a JPEG's frame header and returns what image/jpeg
// allocates to decode it: each component's plane (padded to whole MCUs),
// for four components the CMYK image they are turned into, and for a
// progressive JPEG each component's coefficients (a 256-byte block for
// every 8x8 pixels).
func jpegCost(b []byte) (int64, bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 0, false
	}
	p := 2
	for range 1000 {
		if p+4 > len(b) || b[p] != 0xFF {
			return 0, false
		}
		marker := b[p+1]
		if marker == 0xFF {
			p++
			continue
		}
		if marker == 0xD9 || marker == 0xDA {
			return 0, false
		}
		n := int(binary.BigEndian.Uint16(b[p+2:]))
		if n < 2 || p+2+n > len(b) {
			return 0, false
		}
		seg := b[p+4 : p+2+n]
		if marker == 0xC0 || marker == 0xC1 || marker == 0xC2 {
			return sofCost(seg, marker == 0xC2)
		}
		p += 2 + n
	}
	return 0, false
}

// sofCost computes jpegCost from a start-of-frame segment.
func sofCost(seg []byte, progressive bool) (int64, bool) {
	if len(seg) < 6 {
		return 0, false
	}
	h, w := int64(binary.BigEndian.Uint16(seg[1:])), int64(binary.BigEndian.Uint16(seg[3:]))
	nc := int(seg[5])
	if nc < 1 || nc > 4 || len(seg) < 6+3*nc || w == 0 || h == 0 {
		return 0, false
	}
	h0, v0 := int64(seg[7]>>4), int64(seg[7]&15)
	if h0 == 0 || v0 == 0 {
		return 0, false
	}
	// image/jpeg sizes every plane from the first component's factors.
	mxx, myy := (w+8*h0-1)/(8*h0), (h+8*v0-1)/(8*v0)
	var cost int64
	for i := range nc {
		hi, vi := int64(seg[6+3*i+1]>>4), int64(seg[6+3*i+1]&15)
		plane := 64 * mxx * myy * max(hi, 1) * max(vi, 1)
		cost += plane
		if progressive {
			cost += 4 * plane
		}
	}
	if nc == 4 {
		cost += 4 * 64 * mxx * myy * h0 * v0
	}
	return cost + 64<<10, true
}

// scanCost is what the search for codes holds at most on an upright
// luminance image of w x h pixels, besides the image itself: the levels
// run makes and, while the largest is in use, its stretched copy, an
// integral image (4 bytes a pixel), the binarisers' bit matrices and block
// statistics, and what the finder and grid searches keep: 9 bytes a pixel
// of the largest level in all, measured (the peak heap of full searches at
// GOGC=5 was 8.8 bytes a pixel for 12 megapixels, 7.9 for 49). The fine
// level is at most about 4800 pixels on the long side (3500 for a
// 49-megapixel photo), so this is about 125 MB for 49 megapixels and 110
// MB for a 12-megapixel photo, whose fine level is the photo itself.
// A helper (run's split) searches the other levels while the base one is
// searched: the base level's working memory, 9 bytes a pixel of it, comes
// on top (12 MB for 12 megapixels).
func scanCost(w, h int) int64 {
	long := max(w, h)
	k := 1
	for long/k > 1600 {
		k++
	}
	area := func(f int) int64 { return int64(w/f) * int64(h/f) }
	// The levels of run: k, k/2 when k > 2, 2k and 4k when large enough.
	// downscale(1) is the image itself, not a copy.
	var copies, largest int64
	levels, base := 0, area(k)
	for i, f := range []int{k, k / 2, 2 * k, 4 * k} {
		if (i == 1 && k <= 2) || (i == 2 && long/f < 400) || (i == 3 && long/f < 300) {
			continue
		}
		levels++
		if f > 1 {
			copies += area(f)
		}
		largest = max(largest, area(f))
	}
	if long < 800 {
		// The upscaled level; and every level, being under 1600 pixels,
		// padded by a tenth on each side.
		copies = (copies + 5*area(1)) * 144 / 100
		largest = 4 * area(1) * 144 / 100
		levels, base = levels+1, area(1)*144/100
	}
	if levels > 1 {
		copies += 9 * base
	}
	return copies + 9*largest + 64<<10
}
