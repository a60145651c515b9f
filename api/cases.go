package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites/cases"
)

// casesEnabled answers 503 when the server was built without a cases
// service (api.Config.Cases), rather than failing inside a handler.
func (s *Server) casesEnabled(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.cases == nil {
			return apiError(http.StatusServiceUnavailable, "cases_unavailable", "cases and alerts are not enabled on this server")
		}
		return next(c)
	}
}

// CaseRequest is the body of POST /api/v1/cases and PUT (or, partly,
// PATCH) /api/v1/cases/{id}.
type CaseRequest struct {
	OccurredAt         time.Time             `json:"occurred_at"`
	Checkpoint         string                `json:"checkpoint"`
	Port               string                `json:"port"`
	Latitude           *float64              `json:"latitude"`
	Longitude          *float64              `json:"longitude"`
	Concealment        string                `json:"concealment"`
	TransportMode      string                `json:"transport_mode"`
	OriginCountry      string                `json:"origin_country"`
	TransitCountries   []string              `json:"transit_countries"`
	DestinationCountry string                `json:"destination_country"`
	Outcome            string                `json:"outcome"`
	Notes              string                `json:"notes"`
	Specimens          []CaseSpecimenRequest `json:"specimens"`
	Documents          []CaseDocumentRequest `json:"documents"`
	Parties            []CasePartyJSON       `json:"parties"`
}

// CaseSpecimenRequest is a specimen found; taxon is any name the species
// reference knows.
type CaseSpecimenRequest struct {
	Taxon       string  `json:"taxon"`
	Term        string  `json:"term"`
	Quantity    float64 `json:"quantity"`
	Unit        string  `json:"unit"`
	Description string  `json:"description"`
	Source      string  `json:"source,omitempty"` // W: taken from the wild, ...
}

// CaseDocumentRequest is a document presented: a permit number, the id of
// its verification, or both.
type CaseDocumentRequest struct {
	Number         string `json:"number"`
	VerificationID string `json:"verification_id"`
}

// CasePartyJSON is an organisation or role, never a person.
type CasePartyJSON struct {
	Role         string `json:"role"`
	Organisation string `json:"organisation"`
	Country      string `json:"country"`
}

func (r CaseRequest) domain() cases.Input {
	in := cases.Input{OccurredAt: r.OccurredAt, Checkpoint: r.Checkpoint, Port: r.Port, Latitude: r.Latitude, Longitude: r.Longitude,
		Concealment: r.Concealment, TransportMode: r.TransportMode, OriginCountry: r.OriginCountry, TransitCountries: r.TransitCountries,
		DestinationCountry: r.DestinationCountry, Outcome: r.Outcome, Notes: r.Notes}
	for _, sp := range r.Specimens {
		in.Specimens = append(in.Specimens, cases.SpecimenInput(sp))
	}
	for _, d := range r.Documents {
		in.Documents = append(in.Documents, cases.DocumentInput(d))
	}
	for _, p := range r.Parties {
		in.Parties = append(in.Parties, cases.Party(p))
	}
	return in
}

func caseRequestOf(in cases.Input) CaseRequest {
	r := CaseRequest{OccurredAt: in.OccurredAt, Checkpoint: in.Checkpoint, Port: in.Port, Latitude: in.Latitude, Longitude: in.Longitude,
		Concealment: in.Concealment, TransportMode: in.TransportMode, OriginCountry: in.OriginCountry, TransitCountries: in.TransitCountries,
		DestinationCountry: in.DestinationCountry, Outcome: in.Outcome, Notes: in.Notes}
	for _, sp := range in.Specimens {
		r.Specimens = append(r.Specimens, CaseSpecimenRequest(sp))
	}
	for _, d := range in.Documents {
		r.Documents = append(r.Documents, CaseDocumentRequest(d))
	}
	for _, p := range in.Parties {
		r.Parties = append(r.Parties, CasePartyJSON(p))
	}
	return r
}

// CaseJSON is a case as officers and analysts read it.
type CaseJSON struct {
	ID                 int64              `json:"id"`
	Authority          string             `json:"authority"`
	OccurredAt         time.Time          `json:"occurred_at"`
	Checkpoint         string             `json:"checkpoint"`
	Port               string             `json:"port"`
	Latitude           *float64           `json:"latitude"`
	Longitude          *float64           `json:"longitude"`
	Concealment        string             `json:"concealment"`
	TransportMode      string             `json:"transport_mode"`
	OriginCountry      string             `json:"origin_country"`
	TransitCountries   []string           `json:"transit_countries"`
	DestinationCountry string             `json:"destination_country"`
	Outcome            string             `json:"outcome"`
	Notes              string             `json:"notes"`
	VerificationID     string             `json:"verification_id,omitempty"`
	Specimens          []CaseSpecimenJSON `json:"specimens"`
	Documents          []CaseDocumentJSON `json:"documents"`
	Parties            []CasePartyJSON    `json:"parties"`
	Photos             []CasePhotoJSON    `json:"photos"`
	CreatedAt          time.Time          `json:"created_at"`
	UpdatedAt          time.Time          `json:"updated_at"`
}

// CaseSpecimenJSON is a specimen line with its taxon resolved.
type CaseSpecimenJSON struct {
	TaxonID     string  `json:"taxon_id"`
	Taxon       string  `json:"taxon"`
	Appendix    string  `json:"appendix"`
	Term        string  `json:"term"`
	Quantity    float64 `json:"quantity"`
	Unit        string  `json:"unit"`
	Description string  `json:"description"`
	Source      string  `json:"source,omitempty"`
}

// CaseDocumentJSON is a presented document and its links to the registry.
type CaseDocumentJSON struct {
	Number          string `json:"number"`
	PermitLinked    bool   `json:"permit_linked"`
	PermitAuthority string `json:"permit_authority,omitempty"`
	VerificationID  string `json:"verification_id,omitempty"`
	Verdict         string `json:"verdict,omitempty"`
}

// CasePhotoJSON describes a photo of a case.
type CasePhotoJSON struct {
	ID           int64     `json:"id"`
	Kind         string    `json:"kind"`
	ContentType  string    `json:"content_type"`
	Size         int64     `json:"size"`
	SHA256       string    `json:"sha256"`
	Width        int       `json:"width"`
	Height       int       `json:"height"`
	CreatedAt    time.Time `json:"created_at"`
	URL          string    `json:"url"`
	ThumbnailURL string    `json:"thumbnail_url"`
}

// CaseListJSON is a page of cases.
type CaseListJSON struct {
	Cases []CaseJSON `json:"cases"`
	Total int64      `json:"total"`
	Page  int        `json:"page"`
	Size  int        `json:"size"`
}

func casePhotoJSON(caseID int64, p cases.Photo) CasePhotoJSON {
	url := fmt.Sprintf("/api/v1/cases/%d/photos/%d", caseID, p.ID)
	return CasePhotoJSON{ID: p.ID, Kind: p.Kind, ContentType: p.ContentType, Size: p.Size, SHA256: p.SHA256, Width: p.Width,
		Height: p.Height, CreatedAt: p.CreatedAt, URL: url, ThumbnailURL: url + "/thumb"}
}

func caseJSON(c *cases.Case) CaseJSON {
	out := CaseJSON{ID: c.ID, Authority: c.Authority, OccurredAt: c.OccurredAt, Checkpoint: c.Checkpoint, Port: c.Port,
		Latitude: c.Latitude, Longitude: c.Longitude, Concealment: c.Concealment, TransportMode: c.TransportMode,
		OriginCountry: c.OriginCountry, TransitCountries: c.TransitCountries, DestinationCountry: c.DestinationCountry,
		Outcome: c.Outcome, Notes: c.Notes, VerificationID: c.VerificationID, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		Specimens: []CaseSpecimenJSON{}, Documents: []CaseDocumentJSON{}, Parties: []CasePartyJSON{}, Photos: []CasePhotoJSON{}}
	if out.TransitCountries == nil {
		out.TransitCountries = []string{}
	}
	for _, sp := range c.Specimens {
		out.Specimens = append(out.Specimens, CaseSpecimenJSON(sp))
	}
	for _, d := range c.Documents {
		out.Documents = append(out.Documents, CaseDocumentJSON(d))
	}
	for _, p := range c.Parties {
		out.Parties = append(out.Parties, CasePartyJSON(p))
	}
	for _, p := range c.Photos {
		out.Photos = append(out.Photos, casePhotoJSON(c.ID, p))
	}
	return out
}

// pathID reads a numeric path parameter; anything else is not found.
func pathID(c echo.Context, name, code, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apiError(http.StatusNotFound, code, "no such "+what)
	}
	return id, nil
}

func (s *Server) createCase(c echo.Context) error {
	var req CaseRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	cs, err := s.cases.Create(c.Request().Context(), actor(c), req.domain())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/cases/%d", cs.ID))
	return c.JSON(http.StatusCreated, caseJSON(cs))
}

// caseFromVerification opens a case from a verification that was not
// valid. The body is optional: fields given replace the draft's (the time,
// checkpoint, document and declared specimens of the scan).
func (s *Server) caseFromVerification(c echo.Context) error {
	ctx, a, vid := c.Request().Context(), actor(c), c.Param("vid")
	draft, err := s.cases.Draft(ctx, a, vid)
	if err != nil {
		return err
	}
	req := caseRequestOf(draft)
	if c.Request().ContentLength != 0 {
		if err := bindJSON(c, &req); err != nil {
			return err
		}
	}
	cs, err := s.cases.FromVerification(ctx, a, vid, req.domain())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/cases/%d", cs.ID))
	return c.JSON(http.StatusCreated, caseJSON(cs))
}

func (s *Server) getCase(c echo.Context) error {
	id, err := pathID(c, "id", "case_not_found", "case")
	if err != nil {
		return err
	}
	cs, err := s.cases.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, caseJSON(cs))
}

// replaceCase (PUT) takes the whole case; patchCase (PATCH) only the fields
// given, on top of the case as stored (lists are replaced whole).
func (s *Server) replaceCase(c echo.Context) error { return s.editCase(c, false) }
func (s *Server) patchCase(c echo.Context) error   { return s.editCase(c, true) }

func (s *Server) editCase(c echo.Context, patch bool) error {
	id, err := pathID(c, "id", "case_not_found", "case")
	if err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actor(c)
	var req CaseRequest
	if patch {
		cur, err := s.cases.Get(ctx, a, id)
		if err != nil {
			return err
		}
		req = caseRequestOf(cur.Input())
	}
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	cs, err := s.cases.Update(ctx, a, id, req.domain())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, caseJSON(cs))
}

func (s *Server) caseHistory(c echo.Context) error {
	id, err := pathID(c, "id", "case_not_found", "case")
	if err != nil {
		return err
	}
	entries, err := s.cases.History(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	out := make([]AuditJSON, len(entries))
	for i, e := range entries {
		out[i] = AuditJSON{At: e.At, Actor: e.Actor, Action: e.Action, Before: rawOrNil(e.Before), After: rawOrNil(e.After)}
	}
	return c.JSON(http.StatusOK, map[string]any{"history": out})
}

func pageParams(c echo.Context) (page, size int, err error) {
	page, size = 1, 50
	if v := c.QueryParam("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			return 0, 0, apiError(http.StatusBadRequest, "invalid_page", "page must be a positive whole number")
		}
		page = n
	}
	if v := c.QueryParam("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return 0, 0, apiError(http.StatusBadRequest, "invalid_size", "size must be between 1 and 100")
		}
		size = n
	}
	return page, size, nil
}

// dateRange reads from and to (YYYY-MM-DD, both inclusive) as [from, to).
func dateRange(c echo.Context) (from, to time.Time, err error) {
	for _, p := range []struct {
		name string
		t    *time.Time
		add  time.Duration
	}{{"from", &from, 0}, {"to", &to, 24 * time.Hour}} {
		if v := c.QueryParam(p.name); v != "" {
			d, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return from, to, apiError(http.StatusBadRequest, "invalid_date", p.name+" must be a date written YYYY-MM-DD")
			}
			*p.t = d.Add(p.add)
		}
	}
	return from, to, nil
}

func caseFilter(c echo.Context) (cases.Filter, error) {
	from, to, err := dateRange(c)
	if err != nil {
		return cases.Filter{}, err
	}
	page, size, err := pageParams(c)
	if err != nil {
		return cases.Filter{}, err
	}
	return cases.Filter{Taxon: c.QueryParam("species"), Country: c.QueryParam("country"), Checkpoint: c.QueryParam("checkpoint"),
		From: from, To: to, Concealment: c.QueryParam("concealment"), Outcome: c.QueryParam("outcome"), Query: c.QueryParam("q"),
		Page: page, Size: size}, nil
}

func (s *Server) listCases(c echo.Context) error {
	f, err := caseFilter(c)
	if err != nil {
		return err
	}
	res, err := s.cases.List(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	out := CaseListJSON{Cases: []CaseJSON{}, Total: res.Total, Page: res.Page, Size: res.Size}
	for _, cs := range res.Cases {
		out.Cases = append(out.Cases, caseJSON(cs))
	}
	return c.JSON(http.StatusOK, out)
}

// exportCases writes the matching cases as CSV, one row per specimen line,
// without personal data or free text.
func (s *Server) exportCases(c echo.Context) error {
	if f := c.QueryParam("format"); f != "" && f != "csv" {
		return apiError(http.StatusBadRequest, "invalid_format", `format must be "csv"`)
	}
	f, err := caseFilter(c)
	if err != nil {
		return err
	}
	rows, err := s.cases.Export(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="cases.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write(cases.ExportHeader)
	_ = w.WriteAll(rows)
	return w.Error()
}

func (s *Server) addCasePhoto(c echo.Context) error {
	id, err := pathID(c, "id", "case_not_found", "case")
	if err != nil {
		return err
	}
	f, err := readUpload(c, photoUpload)
	if err != nil {
		return err
	}
	p, err := s.cases.AddPhoto(c.Request().Context(), actor(c), id, f.values["kind"], f.data)
	if err != nil {
		return busyOr(err)
	}
	out := casePhotoJSON(id, p)
	c.Response().Header().Set(echo.HeaderLocation, out.URL)
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) casePhoto(c echo.Context) error {
	id, err := pathID(c, "id", "case_not_found", "case")
	if err != nil {
		return err
	}
	pid, err := pathID(c, "pid", "photo_not_found", "photo")
	if err != nil {
		return err
	}
	thumb := strings.HasSuffix(c.Path(), "/thumb")
	p, data, err := s.cases.PhotoData(c.Request().Context(), actor(c), id, pid, thumb)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, p.ContentType, data)
}
