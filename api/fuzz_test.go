package api_test

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/opencites/opencites/models/modelstest"
)

// FuzzVerifyPhoto sends arbitrary bytes as the photo through the real
// router: whatever arrives, the answer is a 4xx JSON error or a verdict,
// never a 5xx or a panic.
func FuzzVerifyPhoto(f *testing.F) {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8)))
	f.Add(buf.Bytes())
	f.Add(hugePNGHeader())
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*\x00\x00\x00\x08"))
	f.Add([]byte("GIF89a\x01\x00\x01\x00"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	e := newEnv(f, modelstest.NewSQLite(f))
	f.Fuzz(func(t *testing.T, img []byte) {
		e.t = t
		code := e.photoStatus("officer", "/api/v1/verify/photo", img)
		if code >= 500 || code < 200 {
			t.Fatalf("status %d for %d bytes", code, len(img))
		}
	})
}
