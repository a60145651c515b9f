package api

import (
	"encoding/csv"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites/applications"
	"github.com/opencites/opencites/permits"
)

// ApplicationRequest is the body of POST and PUT /api/v1/applications: the
// fields of a permit, and a payment reference (fees are out of scope).
type ApplicationRequest struct {
	IssueRequest
	PaymentReference string `json:"payment_reference"`
}

// ApplicationJSON is an application as the exporter and the issuers see it.
type ApplicationJSON struct {
	ID int64 `json:"id"`
	// Reference is the name people use for it: "A-2026-000123".
	Reference        string       `json:"reference"`
	Exporter         string       `json:"exporter"`
	Authority        string       `json:"authority"`
	Status           string       `json:"status"`
	Request          IssueRequest `json:"request"`
	PaymentReference string       `json:"payment_reference"`
	Missing          []string     `json:"missing"`
	// ChangedSinceRequest lists the request's fields changed since the
	// authority last asked for changes (dotted paths); absent before.
	ChangedSinceRequest []string         `json:"changed_since_request,omitempty"`
	PermitNumber        string           `json:"permit_number,omitempty"`
	CreatedAt           time.Time        `json:"created_at"`
	UpdatedAt           time.Time        `json:"updated_at"`
	SubmittedAt         *time.Time       `json:"submitted_at,omitempty"`
	Messages            []AppMessageJSON `json:"messages"`
	Attachments         []AttachmentJSON `json:"attachments"`
}

// AppMessageJSON is one step or note of an application.
type AppMessageJSON struct {
	At     time.Time `json:"at"`
	Author string    `json:"author"`
	Kind   string    `json:"kind"`
	Text   string    `json:"text"`
}

// AttachmentJSON describes a supporting document.
type AttachmentJSON struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

func issueRequestJSON(r permits.IssueRequest) IssueRequest {
	out := IssueRequest{Type: r.Type, Purpose: r.Purpose, Exporter: PartyJSON(r.Exporter), Importer: PartyJSON(r.Importer),
		ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil, Conditions: r.Conditions, ExporterAccount: r.ExporterAccount,
		SecurityStamp: r.SecurityStamp, IssuedPlace: r.IssuedPlace, Specimens: []SpecimenRequest{}}
	for _, s := range r.Specimens {
		out.Specimens = append(out.Specimens, SpecimenRequest(s))
	}
	return out
}

func applicationJSON(a *applications.Application) ApplicationJSON {
	out := ApplicationJSON{ID: a.ID, Reference: a.Reference, Exporter: a.Exporter, Authority: a.Authority, Status: a.Status,
		Request: issueRequestJSON(a.Request), PaymentReference: a.PaymentReference, Missing: a.Missing, ChangedSinceRequest: a.Changed,
		PermitNumber: a.PermitNumber, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, SubmittedAt: a.SubmittedAt,
		Messages: []AppMessageJSON{}, Attachments: []AttachmentJSON{}}
	if out.Missing == nil {
		out.Missing = []string{}
	}
	for _, m := range a.Messages {
		out.Messages = append(out.Messages, AppMessageJSON(m))
	}
	for _, at := range a.Attachments {
		out.Attachments = append(out.Attachments, AttachmentJSON(at))
	}
	return out
}

func (s *Server) saveApplication(c echo.Context) error {
	var id int64
	if c.Param("id") != "" {
		var err error
		if id, err = pathID(c, "id", "application_not_found", "application"); err != nil {
			return err
		}
	}
	var req ApplicationRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	a, err := s.apps.Save(c.Request().Context(), actor(c), id, req.IssueRequest.domain(), req.PaymentReference)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	return c.JSON(status, applicationJSON(a))
}

// ApplicationListJSON is one page of applications and how many match.
type ApplicationListJSON struct {
	Applications []ApplicationJSON `json:"applications"`
	Total        int64             `json:"total"`
	Page         int               `json:"page"`
	Size         int               `json:"size"`
}

func (s *Server) listApplications(c echo.Context) error {
	page, size := 1, 50
	for _, p := range []struct {
		name string
		v    *int
		max  int
	}{{"page", &page, 1_000_000}, {"size", &size, 100}} {
		if v := c.QueryParam(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > p.max {
				return apiError(http.StatusBadRequest, "invalid_"+p.name, fmt.Sprintf("%s must be a whole number from 1 to %d", p.name, p.max))
			}
			*p.v = n
		}
	}
	from, to, err := dateRange(c)
	if err != nil {
		return err
	}
	res, err := s.apps.List(c.Request().Context(), actor(c), applications.Filter{Status: c.QueryParam("status"),
		Query: c.QueryParam("q"), Sort: c.QueryParam("sort"), From: from, To: to, Page: page, Size: size})
	if err != nil {
		return err
	}
	out := ApplicationListJSON{Applications: make([]ApplicationJSON, len(res.Applications)), Total: res.Total, Page: res.Page, Size: res.Size}
	for i, a := range res.Applications {
		out.Applications[i] = applicationJSON(a)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getApplication(c echo.Context) error {
	id, err := pathID(c, "id", "application_not_found", "application")
	if err != nil {
		return err
	}
	a, err := s.apps.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, applicationJSON(a))
}

// SubmitRequest is the optional body of POST
// /api/v1/applications/{id}/submit: why the application goes without
// documents the requirements list (422 documents_missing without it).
type SubmitRequest struct {
	MissingDocumentsReason string `json:"missing_documents_reason"`
}

func (s *Server) submitApplication(c echo.Context) error {
	id, err := pathID(c, "id", "application_not_found", "application")
	if err != nil {
		return err
	}
	var req SubmitRequest
	if c.Request().ContentLength != 0 {
		if err := bindJSON(c, &req); err != nil {
			return err
		}
	}
	a, err := s.apps.Submit(c.Request().Context(), actor(c), id, req.MissingDocumentsReason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, applicationJSON(a))
}

// DecisionRequest is the body of POST /api/v1/applications/{id}/decision.
type DecisionRequest struct {
	Decision          string `json:"decision"`
	Message           string `json:"message"`
	ConfirmOutOfRange bool   `json:"confirm_out_of_range,omitempty"`
	OutOfRangeReason  string `json:"out_of_range_reason,omitempty"`
	// ConfirmMissingDocuments and MissingDocumentsReason approve although
	// documents are missing (422 documents_missing without them).
	ConfirmMissingDocuments bool   `json:"confirm_missing_documents,omitempty"`
	MissingDocumentsReason  string `json:"missing_documents_reason,omitempty"`
	// IssuedPlace (box 13) and SecurityStamp (box 5b) go on the permit.
	IssuedPlace   string `json:"issued_place,omitempty"`
	SecurityStamp string `json:"security_stamp,omitempty"`
}

func (s *Server) decideApplication(c echo.Context) error {
	id, err := pathID(c, "id", "application_not_found", "application")
	if err != nil {
		return err
	}
	var req DecisionRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	a, err := s.apps.Decide(c.Request().Context(), actor(c), id, applications.DecideRequest(req))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, applicationJSON(a))
}

// addAttachment reads the multipart fields "kind" and "file".
func (s *Server) addAttachment(c echo.Context) error {
	id, err := pathID(c, "id", "application_not_found", "application")
	if err != nil {
		return err
	}
	f, err := readUpload(c, upload{file: "file", max: applications.MaxAttachmentSize,
		tooLarge: [2]string{"document_too_large", "a document is at most 20 MB"},
		missing:  [2]string{"file_required", `send the document in the multipart field "file"`}})
	if err != nil {
		return err
	}
	at, err := s.apps.AddAttachment(c.Request().Context(), actor(c), id, f.values["kind"], f.filename, f.data)
	if err != nil {
		return busyOr(err)
	}
	return c.JSON(http.StatusCreated, AttachmentJSON(at))
}

// attachmentPath reads /applications/:id/attachments/:aid.
func attachmentPath(c echo.Context) (id, aid int64, err error) {
	if id, err = pathID(c, "id", "application_not_found", "application"); err != nil {
		return 0, 0, err
	}
	aid, err = pathID(c, "aid", "attachment_not_found", "attachment")
	return id, aid, err
}

func (s *Server) deleteAttachment(c echo.Context) error {
	id, aid, err := attachmentPath(c)
	if err != nil {
		return err
	}
	if err := s.apps.DeleteAttachment(c.Request().Context(), actor(c), id, aid); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) getAttachment(c echo.Context) error {
	id, aid, err := attachmentPath(c)
	if err != nil {
		return err
	}
	info, data, err := s.apps.Attachment(c.Request().Context(), actor(c), id, aid)
	if err != nil {
		return err
	}
	// RFC 6266: a name that is not plain ASCII goes as filename*=utf-8''...
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": info.Filename})
	if disposition == "" {
		disposition = "attachment"
	}
	c.Response().Header().Set("Content-Disposition", disposition)
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, info.ContentType, data)
}

// NotificationJSON is an in-app notification.
type NotificationJSON struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	EntityType string    `json:"entity_type"`
	EntityID   string    `json:"entity_id"`
	Text       string    `json:"text"`
	CreatedAt  time.Time `json:"created_at"`
	Read       bool      `json:"read"`
}

func (s *Server) listNotifications(c echo.Context) error {
	unread, err := s.notify.Unread(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	if c.QueryParam("count") == "1" {
		// Only the count, for the app's menu, on every screen.
		return c.JSON(http.StatusOK, map[string]any{"notifications": []NotificationJSON{}, "unread": unread})
	}
	ns, err := s.notify.Notifications(c.Request().Context(), actor(c), c.QueryParam("unread") == "1")
	if err != nil {
		return err
	}
	out := make([]NotificationJSON, len(ns))
	for i, n := range ns {
		out[i] = NotificationJSON(n)
	}
	return c.JSON(http.StatusOK, map[string]any{"notifications": out, "unread": unread})
}

func (s *Server) readNotification(c echo.Context) error {
	id, err := pathID(c, "id", "notification_not_found", "notification")
	if err != nil {
		return err
	}
	if err := s.notify.MarkRead(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// annualReport answers CSV (format=csv) or JSON.
func (s *Server) annualReport(c echo.Context) error {
	year, err := strconv.Atoi(c.QueryParam("year"))
	if err != nil {
		return apiError(http.StatusBadRequest, "invalid_year", "year must be a year such as 2026")
	}
	rows, err := s.svc.AnnualReport(c.Request().Context(), actor(c), strings.ToUpper(c.QueryParam("authority")), year)
	if err != nil {
		return err
	}
	if c.QueryParam("format") != "csv" {
		return c.JSON(http.StatusOK, map[string]any{"rows": rows})
	}
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="cites-annual-report-%d.csv"`, year))
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	w.Write([]string{"year", "permit_number", "appendix", "taxon", "term", "quantity", "unit", "direction",
		"partner_country", "origin", "purpose", "source", "quantity_basis"})
	for _, r := range rows {
		basis := "authorised"
		if r.Shipped {
			basis = "shipped"
		}
		w.Write([]string{strconv.Itoa(r.Year), r.Number, r.Appendix, r.Taxon, r.Term, strconv.FormatFloat(r.Quantity, 'f', -1, 64),
			r.Unit, r.Direction, r.Partner, r.Origin, r.Purpose, r.Source, basis})
	}
	w.Flush()
	return w.Error()
}
