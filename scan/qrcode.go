package scan

// Symbols are laid out by github.com/skip2/go-qrcode, the project's
// mandated encoder: it splits a text into numeric, alphanumeric and byte
// segments, which a permit code ("CP1:" and digits) needs to fit version 20
// at level Q. This package only draws the module grid it returns (encode.go).

import (
	"errors"

	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	qrcode "github.com/skip2/go-qrcode"
)

// qrMatrix is a square symbol without quiet zone, one byte per module.
type qrMatrix struct {
	size int
	m    []byte
}

// dark marks a dark module in qrMatrix.m.
const dark = 1

var goqrLevel = map[decoder.ErrorCorrectionLevel]qrcode.RecoveryLevel{
	decoder.ErrorCorrectionLevel_L: qrcode.Low,
	decoder.ErrorCorrectionLevel_M: qrcode.Medium,
	decoder.ErrorCorrectionLevel_Q: qrcode.High,
	decoder.ErrorCorrectionLevel_H: qrcode.Highest,
}

// encodeQR returns the modules of text at level, without quiet zone, and
// the version chosen (the smallest that fits).
func encodeQR(text string, level decoder.ErrorCorrectionLevel) (*qrMatrix, int, error) {
	if text == "" {
		return nil, 0, errors.New("scan: nothing to encode")
	}
	lv, ok := goqrLevel[level]
	if !ok {
		return nil, 0, errors.New("scan: unknown error-correction level")
	}
	q, err := qrcode.New(text, lv)
	if err != nil {
		return nil, 0, ErrTooLong
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	n := len(bm)
	m := &qrMatrix{size: n, m: make([]byte, n*n)}
	for y, row := range bm {
		for x, on := range row {
			if on {
				m.m[y*n+x] = dark
			}
		}
	}
	return m, q.VersionNumber, nil
}
