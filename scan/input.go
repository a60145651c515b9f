package scan

import (
	"bytes"
	"fmt"
	_ "image/gif" // registered for image.Decode
	_ "image/jpeg"
	_ "image/png"
	"io"

	_ "golang.org/x/image/webp"
)

// MaxSide bounds either side of an image, whatever Options.MaxPixels says.
const MaxSide = 12000

const (
	// defaultMaxPixels bounds the decoded image when Options.MaxPixels is 0.
	defaultMaxPixels = 50_000_000
	// maxFileBytes bounds what Decode reads from its reader. A 50 MP photo
	// is well below this as a JPEG and usually as a PNG.
	maxFileBytes = 64 << 20
)

// readFile reads an image file, at most maxFileBytes of it.
func readFile(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, newError(InvalidImage, fmt.Errorf("read: %w", err))
	}
	if len(data) > maxFileBytes {
		return nil, newError(ImageTooLarge, fmt.Errorf("file larger than %d bytes", maxFileBytes))
	}
	return data, nil
}

func checkSize(w, h, maxPixels int) error {
	if maxPixels <= 0 {
		maxPixels = defaultMaxPixels
	}
	if w <= 0 || h <= 0 {
		return newError(InvalidImage, fmt.Errorf("empty image %dx%d", w, h))
	}
	if w > MaxSide || h > MaxSide || int64(w)*int64(h) > int64(maxPixels) {
		return newError(ImageTooLarge, fmt.Errorf("%dx%d pixels, limit %d pixels and %d per side", w, h, maxPixels, MaxSide))
	}
	return nil
}

// otherImageFormat names image formats that are recognisable but not
// supported, so the officer is told to send a JPEG rather than that the
// file is broken. Phones save HEIC by default.
func otherImageFormat(b []byte) string {
	if len(b) >= 12 && string(b[4:8]) == "ftyp" {
		switch string(b[8:12]) {
		case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
			return "HEIC/HEIF"
		case "avif", "avis":
			return "AVIF"
		}
	}
	switch {
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "TIFF"
	case bytes.HasPrefix(b, []byte("BM")) && len(b) > 26:
		return "BMP"
	case bytes.HasPrefix(b, []byte("\x00\x00\x00\x0cjP  ")), bytes.HasPrefix(b, []byte("\xff\x4f\xff\x51")):
		return "JPEG 2000"
	case bytes.HasPrefix(b, []byte("\xff\x0a")), bytes.HasPrefix(b, []byte("\x00\x00\x00\x0cJXL ")):
		return "JPEG XL"
	case bytes.HasPrefix(b, []byte("8BPS")):
		return "Photoshop"
	case bytes.HasPrefix(b, []byte("%PDF")):
		return "PDF"
	}
	return ""
}
