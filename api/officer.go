package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites/locale"
	"github.com/opencites/opencites/permits"
)

// What the phone app needs beside the verdict: a look-up by the printed
// number when the code will not read, the guidance again in another
// language, the live permits to show parties and marks offline, and the
// server's messages to render codes with no connection.

// LookupRequest is the body of POST /api/v1/verify/number.
type LookupRequest struct {
	Number     string      `json:"number"`
	Checkpoint *Checkpoint `json:"checkpoint"`
}

// verifyNumber checks a permit by its printed number: the registry's own
// code for that number is verified and recorded like a scan, with
// checked_by "number", so that the answer is the verdict the genuine paper
// would get. The paper in the officer's hand was not checked; the app says
// so. Look-ups are limited per account (permits.LookupLimit).
func (s *Server) verifyNumber(c echo.Context) error {
	var req LookupRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	number := strings.ToUpper(strings.Join(strings.Fields(req.Number), ""))
	if number == "" {
		return apiError(http.StatusUnprocessableEntity, "number_required", "send the permit number printed on the paper as \"number\"")
	}
	code, err := s.svc.Lookup(c.Request().Context(), actor(c), number)
	if err != nil {
		return err
	}
	return s.verifyCode(c, code, req.Checkpoint, "number")
}

// permitGuidance answers a permit's guidance (species, documents, rules)
// in the caller's language: a phone switching language on a verdict asks
// for it again.
func (s *Server) permitGuidance(c echo.Context) error {
	direction := c.QueryParam("direction")
	if direction != "" && direction != "export" && direction != "import" {
		return apiError(http.StatusUnprocessableEntity, "invalid_direction", `direction must be "export" or "import"`)
	}
	p, err := s.svc.Get(c.Request().Context(), actor(c), c.Param("number"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, guidanceJSON(localizer(c), s.svc.Guide(p, direction)))
}

// OfflinePermitJSON is what a phone keeps of a live permit to show beside
// an offline verdict: what the paper prints and the signed code does not
// carry (the parties, the marks).
type OfflinePermitJSON struct {
	Number     string            `json:"number"`
	Authority  string            `json:"authority"`
	ValidUntil string            `json:"valid_until"`
	Exporter   PartyJSON         `json:"exporter"`
	Importer   PartyJSON         `json:"importer"`
	Lines      []OfflineLineJSON `json:"lines"`
}

// OfflineLineJSON is one specimen line of an OfflinePermitJSON.
type OfflineLineJSON struct {
	Line        string  `json:"line"`
	Taxon       string  `json:"taxon"`
	Quantity    float64 `json:"quantity"`
	Unit        string  `json:"unit"`
	Description string  `json:"description,omitempty"`
	Marks       string  `json:"marks,omitempty"`
}

// offlinePermits lists the live permits after a cursor, for phones to
// keep (permits.Service.Expected).
func (s *Server) offlinePermits(c echo.Context) error {
	var after int64
	if v := c.QueryParam("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return apiError(http.StatusBadRequest, "invalid_cursor", "after must be the cursor of an earlier answer")
		}
		after = n
	}
	limit := 500
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return apiError(http.StatusBadRequest, "invalid_size", "limit must be between 1 and 500")
		}
		limit = n
	}
	ps, cursor, more, err := s.svc.Expected(c.Request().Context(), actor(c), after, limit)
	if err != nil {
		return err
	}
	out := struct {
		Permits []OfflinePermitJSON `json:"permits"`
		Cursor  string              `json:"cursor"`
		More    bool                `json:"more"`
	}{Permits: []OfflinePermitJSON{}, Cursor: strconv.FormatInt(cursor, 10), More: more}
	for _, p := range ps {
		out.Permits = append(out.Permits, offlinePermitJSON(p))
	}
	return jsonMaybeGzip(c, out)
}

func offlinePermitJSON(p *permits.Permit) OfflinePermitJSON {
	o := OfflinePermitJSON{Number: p.Number, Authority: p.Authority, ValidUntil: p.LastValidDay(),
		Exporter: PartyJSON(p.Exporter), Importer: PartyJSON(p.Importer), Lines: []OfflineLineJSON{}}
	for _, l := range p.Lines {
		o.Lines = append(o.Lines, OfflineLineJSON{Line: l.Line, Taxon: l.Taxon, Quantity: l.Quantity, Unit: l.Unit,
			Description: l.Description, Marks: l.Marks})
	}
	return o
}

// messages serves a language's message catalogue, public and cacheable:
// the phone renders the verifier's reason codes with it when it has no
// connection, in the language the officer reads.
func (s *Server) messages(c echo.Context) error {
	m := locale.Messages(c.Param("lang"))
	if m == nil {
		return apiError(http.StatusNotFound, "unknown_language", "messages are served in "+strings.Join(locale.Languages, ", "))
	}
	b, err := json.Marshal(map[string]any{"lang": c.Param("lang"), "messages": m})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=3600")
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return blobMaybeGzip(c, b)
}

// jsonMaybeGzip writes v as JSON, gzip-compressed for a client that takes
// it: these answers are fetched over the border posts' slow links.
func jsonMaybeGzip(c echo.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return blobMaybeGzip(c, b)
}

func blobMaybeGzip(c echo.Context, b []byte) error {
	h := c.Response().Header()
	h.Add("Vary", "Accept-Encoding")
	if len(b) < 1024 || !strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		return err
	}
	h.Set("Content-Encoding", "gzip")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, buf.Bytes())
}
