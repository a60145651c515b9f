package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites/scan"
	"github.com/opencites/opencites/verifier"
)

// PhotoTimeout bounds the time spent looking for codes in one photo.
const PhotoTimeout = 8 * time.Second

// upload describes a multipart form: one file field, read into memory up
// to max bytes, and short text fields.
type upload struct {
	file     string // the file's field name
	max      int
	tooLarge [2]string // code and message when the file is larger than max
	missing  [2]string // code and message when there is no file
}

// form is what readUpload read.
type form struct {
	data     []byte
	filename string
	values   map[string]string // the other fields, trimmed, at most 256 bytes each
}

// readUpload streams a multipart form, refusing a file larger than u.max
// without reading further. Used for photos to verify, case photos and
// application attachments.
func readUpload(c echo.Context, u upload) (*form, error) {
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if ct != echo.MIMEMultipartForm {
		return nil, apiError(http.StatusUnsupportedMediaType, "unsupported_media_type", `send multipart/form-data with the file in the field "`+u.file+`"`)
	}
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return nil, apiError(http.StatusBadRequest, "invalid_multipart", "the multipart body could not be read")
	}
	f := &form{values: map[string]string{}}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, tooLargeOr(err, apiError(http.StatusBadRequest, "invalid_multipart", "the multipart body could not be read"))
		}
		if part.FormName() == u.file {
			b, err := io.ReadAll(io.LimitReader(part, int64(u.max)+1))
			if err != nil {
				return nil, tooLargeOr(err, apiError(http.StatusBadRequest, "invalid_multipart", "the file could not be read"))
			}
			if len(b) > u.max {
				return nil, apiError(http.StatusRequestEntityTooLarge, u.tooLarge[0], u.tooLarge[1])
			}
			f.data, f.filename = b, part.FileName()
		} else {
			b, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				return nil, tooLargeOr(err, apiError(http.StatusBadRequest, "invalid_multipart", "the form could not be read"))
			}
			if badText(part.FormName()) || badText(string(b)) {
				return nil, errBadText("form field " + strconv.Quote(part.FormName()))
			}
			f.values[part.FormName()] = strings.TrimSpace(string(b))
		}
		part.Close()
	}
	if f.data == nil {
		return nil, apiError(http.StatusUnprocessableEntity, u.missing[0], u.missing[1])
	}
	return f, nil
}

// photoUpload is a phone photo in the field "photo".
var photoUpload = upload{file: "photo", max: MaxPhotoSize,
	tooLarge: [2]string{"photo_too_large", "the photo is larger than 20 MB"},
	missing:  [2]string{"photo_required", `send the photo in the multipart field "photo"`}}

// readPhoto reads a photo to verify, with the checkpoint's port and
// direction when given.
func readPhoto(c echo.Context) ([]byte, *Checkpoint, error) {
	f, err := readUpload(c, photoUpload)
	if err != nil {
		return nil, nil, err
	}
	return f.data, &Checkpoint{Port: f.values["port"], Direction: f.values["direction"]}, nil
}

func tooLargeOr(err error, other error) error {
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge {
		return apiError(http.StatusRequestEntityTooLarge, "body_too_large", "the request body is too large")
	}
	return other
}

// PhotoWait bounds the time a photo waits for its turn in the decode pool
// (scan.DefaultPool: its memory and one of its workers) before the
// request is refused as busy.
const PhotoWait = 30 * time.Second

// PhotoBudget bounds the search for a permit's code in a photo sent to
// POST /api/v1/verify/photo (scan.Options.Budget): past it the officer
// hears "no code found: take another photo" rather than wait. Nearly
// every dev photo that is read at all is read within it (with a helper
// searching on the idle core, 400 ms read as many as 1 s without), and
// those that take longest are mostly photos with nothing readable
// (docs/benchmarks.md, where scan-bench's verify pass uses the same
// budget). The first pass over the photo always ends, however long it
// takes (scan.Options.Budget).
const PhotoBudget = 400 * time.Millisecond

// decodePhoto finds QR codes in a photo. Decodes share scan.DefaultPool
// with case photos and attachments, which bounds the memory and the cores
// they take; a photo waits up to PhotoWait for its turn, then the search
// has PhotoTimeout, or budget when positive (see scan.Options).
func (s *Server) decodePhoto(ctx context.Context, photo []byte, accept func(string) bool, budget time.Duration) ([]scan.Code, error) {
	ctx, cancel := context.WithTimeout(ctx, PhotoWait+PhotoTimeout)
	defer cancel()
	codes, err := scan.Decode(ctx, bytes.NewReader(photo), scan.Options{Accept: accept, Timeout: PhotoTimeout, Budget: budget})
	return codes, busyOr(err)
}

// busyOr turns a decode that could not start in time into 503 busy.
func busyOr(err error) error {
	if errors.Is(err, scan.ErrBusy) {
		return apiError(http.StatusServiceUnavailable, "busy", "the scanner is busy: try again")
	}
	return err
}

func isPermitCode(text string) bool { return strings.HasPrefix(text, verifier.CodePrefix) }

// verifyPhoto reads the permit's QR code from a photo and verifies it.
func (s *Server) verifyPhoto(c echo.Context) error {
	photo, cp, err := readPhoto(c)
	if err != nil {
		return err
	}
	codes, err := s.decodePhoto(c.Request().Context(), photo, isPermitCode, PhotoBudget)
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
	codes, err := s.decodePhoto(c.Request().Context(), photo, nil, 0)
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
