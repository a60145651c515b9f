package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/scan"
)

// PhotoTimeout bounds the time spent looking for codes in one photo.
const PhotoTimeout = 8 * time.Second

// readPhoto streams the multipart field "photo" into memory, refusing more
// than MaxPhotoSize without reading further. Other fields are skipped; the
// "checkpoint" fields port and direction are returned.
func readPhoto(c echo.Context) ([]byte, *Checkpoint, error) {
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if ct != echo.MIMEMultipartForm {
		return nil, nil, apiError(http.StatusUnsupportedMediaType, "unsupported_media_type", `send the photo as multipart/form-data in the field "photo"`)
	}
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return nil, nil, apiError(http.StatusBadRequest, "invalid_multipart", "the multipart body could not be read")
	}
	var photo []byte
	cp := &Checkpoint{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, tooLargeOr(err, apiError(http.StatusBadRequest, "invalid_multipart", "the multipart body could not be read"))
		}
		switch part.FormName() {
		case "photo":
			b, err := io.ReadAll(io.LimitReader(part, MaxPhotoSize+1))
			if err != nil {
				return nil, nil, tooLargeOr(err, apiError(http.StatusBadRequest, "invalid_multipart", "the photo could not be read"))
			}
			if len(b) > MaxPhotoSize {
				return nil, nil, apiError(http.StatusRequestEntityTooLarge, "photo_too_large", "the photo is larger than 20 MB")
			}
			photo = b
		case "port", "direction":
			b, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				return nil, nil, tooLargeOr(err, apiError(http.StatusBadRequest, "invalid_multipart", "the form could not be read"))
			}
			if part.FormName() == "port" {
				cp.Port = strings.TrimSpace(string(b))
			} else {
				cp.Direction = strings.TrimSpace(string(b))
			}
		}
		part.Close()
	}
	if photo == nil {
		return nil, nil, apiError(http.StatusUnprocessableEntity, "photo_required", `send the photo in the multipart field "photo"`)
	}
	return photo, cp, nil
}

func tooLargeOr(err error, other error) error {
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge {
		return apiError(http.StatusRequestEntityTooLarge, "body_too_large", "the request body is too large")
	}
	return other
}

// decodePhoto finds QR codes in a photo. At most GOMAXPROCS photos are
// decoded at once, which bounds the memory photos can take.
func (s *Server) decodePhoto(ctx context.Context, photo []byte, accept func(string) bool) ([]scan.Code, error) {
	select {
	case s.photoSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, apiError(http.StatusServiceUnavailable, "busy", "the scanner is busy: try again")
	}
	defer func() { <-s.photoSlots }()
	ctx, cancel := context.WithTimeout(ctx, PhotoTimeout)
	defer cancel()
	return scan.Decode(ctx, bytes.NewReader(photo), scan.Options{Accept: accept})
}

func isPermitCode(text string) bool { return strings.HasPrefix(text, permits.CodePrefix) }

// verifyPhoto reads the permit's QR code from a photo and verifies it.
func (s *Server) verifyPhoto(c echo.Context) error {
	photo, cp, err := readPhoto(c)
	if err != nil {
		return err
	}
	codes, err := s.decodePhoto(c.Request().Context(), photo, isPermitCode)
	if err != nil {
		return err
	}
	// Prefer a permit code; otherwise verify what was read, which reports
	// "malformed: not a CITES permit code" rather than "no code".
	text := codes[0].Text
	for _, code := range codes {
		if isPermitCode(code.Text) {
			text = code.Text
			break
		}
	}
	if cp.Port == "" && cp.Direction == "" {
		cp = nil
	}
	return s.verifyCode(c, text, cp, "photo")
}

// scanPhoto returns every code read from a photo.
func (s *Server) scanPhoto(c echo.Context) error {
	photo, _, err := readPhoto(c)
	if err != nil {
		return err
	}
	start := time.Now()
	codes, err := s.decodePhoto(c.Request().Context(), photo, nil)
	if err != nil {
		return err
	}
	out := ScanJSON{Codes: []ScanCodeJSON{}, MS: float64(time.Since(start).Microseconds()) / 1000}
	for _, code := range codes {
		sc := ScanCodeJSON{Text: code.Text}
		for _, p := range code.Corners {
			sc.Corners = append(sc.Corners, [2]int{p.X, p.Y})
		}
		out.Codes = append(out.Codes, sc)
	}
	return c.JSON(http.StatusOK, out)
}
