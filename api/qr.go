package api

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites/internal/cache"
	"github.com/opencites/opencites/scan"
)

// QRPixelsPerModule is the module size of the QR image: 8 px keeps a
// version-20 code under 900 px square, crisp on screen and in print.
const QRPixelsPerModule = 8

// A permit's code never changes once issued, so its drawings are kept
// for good: the browser is told so (immutable, with a strong ETag named
// after the code's hash), and the server draws each once while it stays in
// qrImages, a cache bounded in bytes (the encoder, go-qrcode, takes 5-9 ms
// a code; an exporter downloading a permit's code again costs nothing).
const qrCacheControl = "private, max-age=31536000, immutable"

// qrFormat is one way of drawing a code.
type qrFormat struct {
	ext, ctype string
	draw       func(code string) ([]byte, error)
}

var qrFormats = map[string]qrFormat{
	"png": {"png", "image/png", func(code string) ([]byte, error) { return scan.EncodePNG(code, QRPixelsPerModule) }},
	"svg": {"svg", "image/svg+xml", scan.EncodeSVG},
}

type qrKey struct {
	sum [sha256.Size]byte
	ext string
}

// qrImages keeps drawn codes by the hash of their text and format.
type qrImages struct {
	c *cache.Cache[qrKey, []byte]
}

func newQRImages(bytes int) *qrImages {
	return &qrImages{c: cache.New(bytes, func(k qrKey, b []byte) int { return len(k.sum) + len(k.ext) + len(b) })}
}

// permitQR answers GET /permits/:number/qr.png and qr.svg.
func (s *Server) permitQR(c echo.Context) error {
	f := qrFormats[strings.TrimPrefix(c.Path()[strings.LastIndexByte(c.Path(), '.'):], ".")]
	p, err := s.svc.Get(c.Request().Context(), actor(c), c.Param("number"))
	if err != nil {
		return err
	}
	k := qrKey{sum: sha256.Sum256([]byte(p.Code)), ext: f.ext}
	etag := `"` + base64.RawURLEncoding.EncodeToString(k.sum[:12]) + "." + f.ext + `"`
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", qrCacheControl)
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	img, ok := s.qrImages.c.Get(k)
	if !ok {
		if img, err = f.draw(p.Code); err != nil {
			return err
		}
		s.qrImages.c.Put(k, img)
	}
	return c.Blob(http.StatusOK, f.ctype, img)
}

// etagMatches reports whether an If-None-Match header names etag (or is
// "*"), as RFC 9110 reads it: a list of tags, weak ones compared weakly.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
