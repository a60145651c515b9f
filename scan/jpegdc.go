package scan

import (
	"errors"
	"image"
)

// Checking a JPEG and making its thumbnail at an eighth of its size.
//
// A block's DC coefficient is eight times the mean of its 64 samples, so
// the DC coefficients alone are the image at an eighth of its size, each
// pixel the mean of the 8x8 pixels it stands for: what a thumbnail wants,
// for no inverse DCT and 3 bytes a block instead of 3 bytes a pixel.
// Every block is still entropy-decoded, so a damaged or cut file is
// refused as image/jpeg refuses it. Case photos are checked and
// thumbnailed this way (a 12-megapixel photo's thumbnail of 256 pixels
// needs 504); a photo smaller than eight times the thumbnail, a
// progressive one, and any other layout are decoded whole by image/jpeg.

// dcLayout reports whether dcImage reads a baseline frame: grey, or YCbCr
// whose two chroma components share a sampling image.YCbCr has.
func dcLayout(f *lumaFrame) (image.YCbCrSubsampleRatio, bool) {
	if f.progressive {
		return 0, false
	}
	if len(f.comps) == 1 {
		return 0, true
	}
	cb, cr := f.comps[1], f.comps[2]
	if cb.h != cr.h || cb.v != cr.v {
		return 0, false
	}
	switch [2]int{f.hmax / cb.h, f.vmax / cb.v} {
	case [2]int{1, 1}:
		return image.YCbCrSubsampleRatio444, f.hmax == cb.h && f.vmax == cb.v
	case [2]int{2, 1}:
		return image.YCbCrSubsampleRatio422, f.hmax == 2*cb.h && f.vmax == cb.v
	case [2]int{2, 2}:
		return image.YCbCrSubsampleRatio420, f.hmax == 2*cb.h && f.vmax == 2*cb.v
	case [2]int{1, 2}:
		return image.YCbCrSubsampleRatio440, f.hmax == cb.h && f.vmax == 2*cb.v
	case [2]int{4, 1}:
		return image.YCbCrSubsampleRatio411, f.hmax == 4*cb.h && f.vmax == cb.v
	case [2]int{4, 2}:
		return image.YCbCrSubsampleRatio410, f.hmax == 4*cb.h && f.vmax == 2*cb.v
	}
	return 0, false
}

// dcSize is the size of the image at an eighth of the frame's.
func (f *lumaFrame) dcSize() (int, int) { return (f.w + 7) / 8, (f.h + 7) / 8 }

// dcCost is what dcImage allocates: its planes and the decoder's tables.
func (f *lumaFrame) dcCost() int64 {
	w, h := f.dcSize()
	return 3*int64(w)*int64(h) + 64<<10
}

// dcImage decodes a frame that dcLayout accepts at an eighth of its size.
func dcImage(data []byte, f *lumaFrame) (image.Image, error) {
	ratio, _ := dcLayout(f)
	w, h := f.dcSize()
	r := image.Rect(0, 0, w, h)
	var planes [3][]byte
	var strides [3]int
	var img image.Image
	if len(f.comps) == 1 {
		g := image.NewGray(r)
		planes[0], strides[0], img = g.Pix, g.Stride, g
	} else {
		m := image.NewYCbCr(r, ratio)
		planes = [3][]byte{m.Y, m.Cb, m.Cr}
		strides = [3]int{m.YStride, m.CStride, m.CStride}
		img = m
	}
	end, err := walkBaseline(data, f, nil, func(i, bx, by int, dc int32, _ int) {
		if p := by*strides[i] + bx; bx < strides[i] && p < len(planes[i]) {
			planes[i][p] = clampSample((dc + 4) >> 3)
		}
	})
	if err != nil {
		return nil, err
	}
	if err := requireEnd(data, end); err != nil {
		return nil, err
	}
	return img, nil
}

// checkBaseline reads every block of a baseline frame and the markers
// after its scan, as image/jpeg does to decode it.
func checkBaseline(data []byte, f *lumaFrame) error {
	end, err := walkBaseline(data, f, nil, nil)
	if err != nil {
		return err
	}
	return requireEnd(data, end)
}

// requireEnd follows the segments from offset p to the end-of-image
// marker: a file that ends before it was cut short (image/jpeg refuses
// it too, and Check promises as much).
func requireEnd(b []byte, p int) error {
	for p+1 < len(b) {
		if b[p] != 0xFF {
			return errors.New("jpeg: data after the scan")
		}
		switch m := b[p+1]; {
		case m == 0xD9:
			return nil
		case m == 0xFF:
			p++
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			p += 2
		default:
			if p+4 > len(b) {
				return errors.New("jpeg: missing end of image")
			}
			p += 2 + (int(b[p+2])<<8 | int(b[p+3]))
		}
	}
	return errors.New("jpeg: missing end of image")
}
