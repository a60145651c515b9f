package applications

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/keys"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/notify"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/rules"
	"github.com/opencites/opencites/users"
	"gorm.io/gorm"
)

// Application states. An exporter drafts and submits; an issuer of the
// authority asks for changes, rejects, or approves, which issues the permit
// in the same transaction.
const (
	AppDraft            = "draft"
	AppSubmitted        = "submitted"
	AppChangesRequested = "changes_requested"
	AppRejected         = "rejected"
	AppApproved         = "approved"
)

// Attachment kinds: the supporting documents an application may carry.
var AttachmentKinds = map[string]string{
	"legal_acquisition": "proof of legal acquisition",
	"captive_breeding":  "captive-breeding or artificial-propagation registration",
	"import_permit":     "the importing country's import permit",
	"veterinary":        "veterinary certificate",
	"other":             "other document",
}

// MaxAttachmentSize is the largest supporting document accepted.
const MaxAttachmentSize = 20 << 20

// Service takes exporters' applications to the authority's decision.
type Service struct {
	db      *gorm.DB
	now     func() time.Time
	permits *permits.Service
	keys    *keys.Keyring
}

// New returns the applications service; approvals issue through reg and
// sign with keys.
func New(db *gorm.DB, reg *permits.Service, keys *keys.Keyring) *Service {
	return &Service{db: db, now: reg.Now, permits: reg, keys: keys}
}

// Reference is how people name an application, on the phone or in a
// letter: "A-2026-000123", the year it was created and its number.
func Reference(id int64, created time.Time) string {
	return fmt.Sprintf("A-%d-%06d", created.UTC().Year(), id)
}

// ParseReference returns the number of a reference written by Reference
// (letters in any case, spaces around it trimmed); ok is false for
// anything else.
func ParseReference(ref string) (id int64, year int, ok bool) {
	parts := strings.Split(strings.ToUpper(strings.TrimSpace(ref)), "-")
	if len(parts) != 3 || parts[0] != "A" || len(parts[1]) != 4 {
		return 0, 0, false
	}
	y, err1 := strconv.Atoi(parts[1])
	n, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || n <= 0 {
		return 0, 0, false
	}
	return n, y, true
}

// Application is an exporter's request for a permit or certificate.
type Application struct {
	ID               int64
	Reference        string // see Reference
	Exporter         string // the applicant's username
	Authority        string
	Status           string
	Request          permits.IssueRequest
	PaymentReference string
	Missing          []string // attachment kinds still missing at submission
	// Changed lists the fields of the request (dotted JSON paths such as
	// "importer.country" or "specimens.0.quantity") that differ from the
	// request as it stood at the last request for changes; nil before one.
	Changed      []string
	PermitNumber string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	SubmittedAt  *time.Time
	Messages     []AppMessage
	Attachments  []AttachmentInfo
}

// AppMessage is a step or a note in an application's conversation.
type AppMessage struct {
	At     time.Time
	Author string
	Kind   string // submitted, changes_requested, rejected, approved, resubmitted
	Text   string
}

// AttachmentInfo describes a stored supporting document.
type AttachmentInfo struct {
	ID          int64
	Kind        string
	Filename    string
	ContentType string
	Size        int64
	SHA256      string
	CreatedAt   time.Time
}

func errAppNotFound(id int64) error {
	return opencites.Errorf(opencites.KindNotFound, "application_not_found", "no application %d", id)
}

// loadApp reads an application the actor may see: its exporter, the
// authority's issuers, admins. Others get not found.
func (s *Service) loadApp(tx *gorm.DB, actor opencites.Actor, id int64) (*models.Application, error) {
	var row models.Application
	err := tx.Take(&row, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errAppNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case actor.Role == opencites.RoleAdmin:
	case actor.Role == opencites.RoleExporter && row.ExporterID == actor.UserID:
	case actor.Role == opencites.RoleIssuer && row.Authority == actor.Authority:
	default:
		return nil, errAppNotFound(id)
	}
	return &row, nil
}

// applicationAuthority is the Management Authority that decides: the
// exporting country's, or for an import permit the importing country's.
func applicationAuthority(req permits.IssueRequest) string {
	if dt, ok := opencites.DocTypeByName(req.Type); ok && dt.ImportSide {
		return strings.ToUpper(strings.TrimSpace(req.Importer.Country))
	}
	return strings.ToUpper(strings.TrimSpace(req.Exporter.Country))
}

// fillFromProfile puts the exporter's organisation into box 4 where the
// application leaves it empty.
func (s *Service) fillFromProfile(tx *gorm.DB, actor opencites.Actor, req *permits.IssueRequest) error {
	u, err := users.Profile(tx, actor.UserID)
	if err != nil {
		return err
	}
	if req.Exporter.Name == "" {
		req.Exporter.Name = u.Organisation.Name
	}
	if req.Exporter.Address == "" {
		req.Exporter.Address = u.Organisation.Address
	}
	if req.Exporter.Country == "" {
		req.Exporter.Country = u.Organisation.Country
	}
	req.ExporterAccount = actor.Username
	return nil
}

// Save creates a draft (id 0) or edits one that is a draft or
// awaiting changes. Only its exporter may. Fields are checked in full at
// submission, so a draft may be incomplete.
// Errors: forbidden, application_not_found, invalid_state, invalid_country,
// field_too_long.
func (s *Service) Save(ctx context.Context, actor opencites.Actor, id int64, req permits.IssueRequest, payment string) (*Application, error) {
	if err := opencites.RequireRole(actor, opencites.RoleExporter); err != nil {
		return nil, err
	}
	if err := opencites.CheckLen("payment_reference", payment, 100); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.fillFromProfile(tx, actor, &req); err != nil {
			return err
		}
		if err := checkCountries(&req); err != nil {
			return err
		}
		authority := applicationAuthority(req)
		if !opencites.ValidCountry(authority) {
			return opencites.Invalid("invalid_country", "name the exporter's country (or, for an import permit, the importer's): it decides which authority reviews the application")
		}
		body, err := json.Marshal(req)
		if err != nil {
			return err
		}
		if len(body) > 256<<10 {
			return opencites.Invalid("field_too_long", "the application is too large")
		}
		if id == 0 {
			row := models.Application{ExporterID: actor.UserID, Authority: authority, Status: AppDraft, Request: string(body),
				PaymentReference: payment, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			id = row.ID
			if err := models.ClaimIdempotency(tx, "application", strconv.FormatInt(id, 10)); err != nil {
				return err
			}
			return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "application.create", EntityType: "application", EntityID: strconv.FormatInt(id, 10), After: map[string]any{"status": AppDraft}})
		}
		row, err := s.loadApp(tx, actor, id)
		if err != nil {
			return err
		}
		res := tx.Model(&models.Application{}).Where("id = ? AND status IN ?", id, []string{AppDraft, AppChangesRequested}).
			Updates(map[string]any{"request": string(body), "payment_reference": payment, "authority": authority, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errState(row.Status, "edited")
		}
		return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "application.edit", EntityType: "application", EntityID: strconv.FormatInt(id, 10), After: map[string]any{"status": row.Status}})
	})
	if err != nil {
		return nil, opencites.AsDomain("save application", err)
	}
	return s.Get(ctx, actor, id)
}

// checkCountries normalises the country codes of a request and refuses
// one that is not ISO 3166 (invalid_country, naming the field), so a
// draft never stores a country the permit could not carry. Empty codes
// pass: a draft may be incomplete.
func checkCountries(req *permits.IssueRequest) error {
	var err error
	if req.Exporter.Country, err = opencites.CheckCountry("exporter.country", req.Exporter.Country, false); err != nil {
		return err
	}
	if req.Importer.Country, err = opencites.CheckCountry("importer.country", req.Importer.Country, false); err != nil {
		return err
	}
	for i := range req.Specimens {
		sp := &req.Specimens[i]
		if sp.OriginCountry, err = opencites.CheckCountry(fmt.Sprintf("specimens.%d.origin_country", i), sp.OriginCountry, false); err != nil {
			return err
		}
	}
	return nil
}

func errState(status, action string) error {
	return opencites.Errorf(opencites.KindConflict, "invalid_state", "an application that is %s cannot be %s", strings.ReplaceAll(status, "_", " "), action)
}

// Get returns an application with its messages and attachments.
// Errors: application_not_found.
func (s *Service) Get(ctx context.Context, actor opencites.Actor, id int64) (*Application, error) {
	db := s.db.WithContext(ctx)
	row, err := s.loadApp(db, actor, id)
	if err != nil {
		return nil, opencites.AsDomain("get application", err)
	}
	a, err := s.applicationOf(db, row)
	if err != nil {
		return nil, opencites.Internal("get application", err)
	}
	var msgs []models.ApplicationMessage
	if err := db.Where("application_id = ?", id).Order("id").Find(&msgs).Error; err != nil {
		return nil, opencites.Internal("application messages", err)
	}
	for _, m := range msgs {
		a.Messages = append(a.Messages, AppMessage{At: m.At.UTC(), Author: m.Author, Kind: m.Kind, Text: m.Text})
	}
	var atts []models.Attachment
	if err := db.Omit("data").Where("application_id = ?", id).Order("id").Find(&atts).Error; err != nil {
		return nil, opencites.Internal("application attachments", err)
	}
	for _, at := range atts {
		a.Attachments = append(a.Attachments, AttachmentInfo{ID: at.ID, Kind: at.Kind, Filename: at.Filename,
			ContentType: at.ContentType, Size: at.Size, SHA256: at.SHA256, CreatedAt: at.CreatedAt.UTC()})
	}
	return a, nil
}

func (s *Service) applicationOf(db *gorm.DB, row *models.Application) (*Application, error) {
	a := &Application{ID: row.ID, Reference: Reference(row.ID, row.CreatedAt), Authority: row.Authority, Status: row.Status, PaymentReference: row.PaymentReference,
		CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC(), SubmittedAt: row.SubmittedAt}
	if err := json.Unmarshal([]byte(row.Request), &a.Request); err != nil {
		return nil, err
	}
	a.Exporter = a.Request.ExporterAccount
	if row.Missing != "" {
		if err := json.Unmarshal([]byte(row.Missing), &a.Missing); err != nil {
			return nil, err
		}
	}
	if row.ChangesBase != "" {
		changed, err := changedFields(row.ChangesBase, row.Request)
		if err != nil {
			return nil, err
		}
		a.Changed = changed
	}
	if row.PermitID != nil {
		if err := db.Model(&models.Permit{}).Where("id = ?", *row.PermitID).Pluck("number", &a.PermitNumber).Error; err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Filter selects and orders a list of applications.
type Filter struct {
	Status string // one state, or "" for all
	// Query matches a reference (A-2026-000123), a number, or text of the
	// application: parties, taxa, the exporter's account.
	Query string
	// Sort is "updated" (newest change first, the default), "oldest"
	// (longest waiting first: the review queue's order) or "newest"
	// (latest submitted first).
	Sort string
	// From and To, when set, keep applications submitted (drafts:
	// created) at or after From and before To.
	From, To time.Time
	Page     int // 1-based
	Size     int // at most 100
}

// Page is one page of a list of applications and how many there are.
type Page struct {
	Applications []*Application
	Total        int64
	Page, Size   int
}

// List lists what the actor may see: exporters their own, issuers
// their authority's (status=submitted is the review queue), admins all,
// filtered, sorted and paged by f.
// Errors: forbidden, invalid_status, invalid_sort.
func (s *Service) List(ctx context.Context, actor opencites.Actor, f Filter) (*Page, error) {
	status := f.Status
	if f.Page < 1 {
		f.Page = 1
	}
	if f.Size < 1 || f.Size > 100 {
		f.Size = 50
	}
	q := s.db.WithContext(ctx).Model(&models.Application{})
	switch actor.Role {
	case opencites.RoleExporter:
		q = q.Where("exporter_id = ?", actor.UserID)
	case opencites.RoleIssuer:
		q = q.Where("authority = ?", actor.Authority)
	case opencites.RoleAdmin:
	default:
		return nil, opencites.Errorf(opencites.KindForbidden, "forbidden", "the %s role has no applications", actor.Role)
	}
	switch status {
	case "":
	case AppDraft, AppSubmitted, AppChangesRequested, AppRejected, AppApproved:
		q = q.Where("status = ?", status)
	default:
		return nil, opencites.Invalid("invalid_status", "status must be draft, submitted, changes_requested, rejected or approved")
	}
	if err := opencites.CheckLen("q", f.Query, 100); err != nil {
		return nil, err
	}
	if text := strings.TrimSpace(f.Query); text != "" {
		if id, _, ok := ParseReference(text); ok {
			q = q.Where("id = ?", id)
		} else if id, err := strconv.ParseInt(text, 10, 64); err == nil {
			q = q.Where("id = ?", id)
		} else {
			// The request is stored as JSON text: a match anywhere in it
			// finds parties, taxa and the exporter's account alike.
			like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(text)) + "%"
			q = q.Where(`LOWER(request) LIKE ? ESCAPE '\'`, like)
		}
	}
	if !f.From.IsZero() {
		q = q.Where("COALESCE(submitted_at, created_at) >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("COALESCE(submitted_at, created_at) < ?", f.To.UTC())
	}
	var order string
	switch f.Sort {
	case "", "updated":
		order = "updated_at DESC, id DESC"
	case "oldest":
		order = "COALESCE(submitted_at, created_at) ASC, id ASC"
	case "newest":
		order = "COALESCE(submitted_at, created_at) DESC, id DESC"
	default:
		return nil, opencites.Invalid("invalid_sort", "sort must be updated, oldest or newest")
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, opencites.Internal("count applications", err)
	}
	var rows []models.Application
	if err := q.Order(order).Offset((f.Page - 1) * f.Size).Limit(f.Size).Find(&rows).Error; err != nil {
		return nil, opencites.Internal("list applications", err)
	}
	out := &Page{Applications: make([]*Application, 0, len(rows)), Total: total, Page: f.Page, Size: f.Size}
	for i := range rows {
		a, err := s.applicationOf(s.db.WithContext(ctx), &rows[i])
		if err != nil {
			return nil, opencites.Internal("list applications", err)
		}
		out.Applications = append(out.Applications, a)
	}
	return out, nil
}

// sniffDocument accepts PDF, JPEG and PNG by their first bytes, whatever
// the client claims.
func sniffDocument(b []byte) (string, bool) {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf", true
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg", true
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", true
	}
	return "", false
}

// AddAttachment stores a supporting document (PDF, JPEG or PNG, up to
// 20 MB) on an application its exporter may still edit. The document is
// checked whole first (see checkDocument) and its filename cleaned (see
// cleanFilename). When the server's decode memory stays taken for
// DocumentWait, the error wraps scan.ErrBusy.
// Errors: forbidden, application_not_found, invalid_state,
// invalid_attachment_kind, unsupported_document, damaged_document,
// image_too_large, document_too_complex, document_too_large.
func (s *Service) AddAttachment(ctx context.Context, actor opencites.Actor, id int64, kind, filename string, data []byte) (AttachmentInfo, error) {
	if err := opencites.RequireRole(actor, opencites.RoleExporter); err != nil {
		return AttachmentInfo{}, err
	}
	if _, ok := AttachmentKinds[kind]; !ok {
		return AttachmentInfo{}, opencites.Invalid("invalid_attachment_kind", "kind must be legal_acquisition, captive_breeding, import_permit, veterinary or other")
	}
	if len(data) > MaxAttachmentSize {
		return AttachmentInfo{}, opencites.Invalid("document_too_large", "a document is at most 20 MB")
	}
	ct, err := checkDocument(ctx, data)
	if err != nil {
		return AttachmentInfo{}, err
	}
	filename = cleanFilename(filename, ct)
	sum := sha256.Sum256(data)
	now := s.now()
	row := models.Attachment{ApplicationID: id, Kind: kind, Filename: filename, ContentType: ct, Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), Data: data, CreatedAt: now}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		app, err := s.loadApp(tx, actor, id)
		if err != nil {
			return err
		}
		if app.Status != AppDraft && app.Status != AppChangesRequested {
			return errState(app.Status, "changed")
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "application.attach", EntityType: "application", EntityID: strconv.FormatInt(id, 10), After: map[string]any{"kind": kind, "filename": filename, "sha256": row.SHA256, "size": row.Size}})
	})
	if err != nil {
		return AttachmentInfo{}, opencites.AsDomain("add attachment", err)
	}
	return AttachmentInfo{ID: row.ID, Kind: kind, Filename: filename, ContentType: ct, Size: row.Size, SHA256: row.SHA256, CreatedAt: now}, nil
}

// Attachment returns a stored document to those who may see its application.
// Errors: application_not_found, attachment_not_found.
func (s *Service) Attachment(ctx context.Context, actor opencites.Actor, appID, id int64) (AttachmentInfo, []byte, error) {
	db := s.db.WithContext(ctx)
	if _, err := s.loadApp(db, actor, appID); err != nil {
		return AttachmentInfo{}, nil, opencites.AsDomain("attachment", err)
	}
	var row models.Attachment
	err := db.Where("id = ? AND application_id = ?", id, appID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return AttachmentInfo{}, nil, opencites.Errorf(opencites.KindNotFound, "attachment_not_found", "no attachment %d", id)
	}
	if err != nil {
		return AttachmentInfo{}, nil, opencites.Internal("attachment", err)
	}
	return AttachmentInfo{ID: row.ID, Kind: row.Kind, Filename: row.Filename, ContentType: row.ContentType, Size: row.Size,
		SHA256: row.SHA256, CreatedAt: row.CreatedAt.UTC()}, row.Data, nil
}

// DeleteAttachment removes a document from a draft, for its exporter
// (a wrong file, a wrong kind); the audit keeps what it was. Once
// submitted, the authority has seen the documents and they stay.
// Errors: forbidden, application_not_found, attachment_not_found,
// invalid_state.
func (s *Service) DeleteAttachment(ctx context.Context, actor opencites.Actor, appID, id int64) error {
	if err := opencites.RequireRole(actor, opencites.RoleExporter); err != nil {
		return err
	}
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		app, err := s.loadApp(tx, actor, appID)
		if err != nil {
			return err
		}
		if app.Status != AppDraft {
			return errState(app.Status, "changed by removing a document")
		}
		var row models.Attachment
		err = tx.Omit("data").Where("id = ? AND application_id = ?", id, appID).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return opencites.Errorf(opencites.KindNotFound, "attachment_not_found", "no attachment %d", id)
		}
		if err != nil {
			return err
		}
		if err := tx.Delete(&models.Attachment{}, row.ID).Error; err != nil {
			return err
		}
		return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "application.detach", EntityType: "application",
			EntityID: strconv.FormatInt(appID, 10), Before: map[string]any{"attachment": row.ID, "kind": row.Kind, "filename": row.Filename, "sha256": row.SHA256, "size": row.Size}})
	})
	if err != nil {
		return opencites.AsDomain("delete attachment", err)
	}
	return nil
}

// errDocumentsMissing refuses to go on while documents the requirements
// list are missing, unless the caller gives a reason; details.missing
// lists their kinds.
func errDocumentsMissing(missing []string, what string) error {
	names := make([]string, len(missing))
	for i, k := range missing {
		names[i] = AttachmentKinds[k]
	}
	e := opencites.Invalid("documents_missing", "documents are missing (%s): attach them, or give a reason to %s without them", strings.Join(names, "; "), what)
	e.Details = map[string]any{"missing": missing}
	return e
}

// missingOf lists the documents an application still lacks, from its
// stored attachments.
func (s *Service) missingOf(tx *gorm.DB, id int64, p *permits.Permit) ([]string, error) {
	var kinds []string
	if err := tx.Model(&models.Attachment{}).Where("application_id = ?", id).Pluck("kind", &kinds).Error; err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, k := range kinds {
		have[k] = true
	}
	return s.missingDocuments(p, have), nil
}

// missingDocuments runs the requirements rules on a validated application
// and lists the supporting documents it still lacks.
func (s *Service) missingDocuments(p *permits.Permit, have map[string]bool) []string {
	need := map[string]bool{"legal_acquisition": true}
	for _, l := range p.Lines {
		switch strings.TrimPrefix(l.Source, "O") {
		case "C", "D", "F", "A", "R":
			need["captive_breeding"] = true
		}
		if l.Term == "LIV" {
			need["veterinary"] = true
		}
		if dir, ok := permits.TradeDirection(p.Type); ok && dir == rules.Export {
			r := rules.Required(rules.Shipment{Appendix: l.Appendix, Direction: dir, Purpose: p.Purpose, Source: l.Source, Term: l.Term})
			for _, d := range r.Documents {
				if d.Type == "import" && d.First {
					need["import_permit"] = true
				}
			}
		}
	}
	var missing []string
	for _, k := range []string{"legal_acquisition", "import_permit", "captive_breeding", "veterinary"} {
		if need[k] && !have[k] {
			missing = append(missing, k)
		}
	}
	return missing
}

// Submit sends a draft (or a changed application) to the
// authority's issuers. The permit's rules run in full; when documents the
// requirements rules list are missing, the exporter must say why
// (missingReason), which is recorded in the application's history and the
// audit, and the missing documents are listed for the issuers.
// Errors: the issuing rules' codes (422), documents_missing (422, with
// details.missing), field_too_long, invalid_state (409).
func (s *Service) Submit(ctx context.Context, actor opencites.Actor, id int64, missingReason string) (*Application, error) {
	if err := opencites.RequireRole(actor, opencites.RoleExporter); err != nil {
		return nil, err
	}
	missingReason = strings.TrimSpace(missingReason)
	if err := opencites.CheckLen("missing_documents_reason", missingReason, 2000); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := s.loadApp(tx, actor, id)
		if err != nil {
			return err
		}
		a, err := s.applicationOf(tx, row)
		if err != nil {
			return err
		}
		p, err := s.permits.Validate(ctx, row.Authority, a.Request, now)
		if err != nil {
			return err
		}
		lacking, err := s.missingOf(tx, id, p)
		if err != nil {
			return err
		}
		if len(lacking) > 0 && missingReason == "" {
			return errDocumentsMissing(lacking, "submit")
		}
		if len(lacking) == 0 {
			missingReason = ""
		}
		missing, _ := json.Marshal(lacking)
		res := tx.Model(&models.Application{}).Where("id = ? AND status IN ?", id, []string{AppDraft, AppChangesRequested}).
			Updates(map[string]any{"status": AppSubmitted, "missing": string(missing), "submitted_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errState(row.Status, "submitted")
		}
		kind := "submitted"
		if row.Status == AppChangesRequested {
			kind = "resubmitted"
		}
		if err := s.appStep(tx, now, actor, row, kind, missingReason, AppSubmitted, map[string]any{"missing": lacking}); err != nil {
			return err
		}
		return s.notifyApp(tx, now, row, "application."+kind, "Application "+Reference(row.ID, row.CreatedAt)+" was "+kind+" by "+actor.Username+".", true)
	})
	if err != nil {
		return nil, opencites.AsDomain("submit application", err)
	}
	return s.Get(ctx, actor, id)
}

// appStep writes the message and audit entry of a state change; extra,
// if any, adds to the audit entry's after.
func (s *Service) appStep(tx *gorm.DB, now time.Time, actor opencites.Actor, row *models.Application, kind, text, status string, extra ...map[string]any) error {
	if err := tx.Create(&models.ApplicationMessage{ApplicationID: row.ID, At: now, Author: actor.Username, Kind: kind, Text: text}).Error; err != nil {
		return err
	}
	after := map[string]any{"status": status, "message": text}
	for _, x := range extra {
		for k, v := range x {
			after[k] = v
		}
	}
	return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "application." + kind, EntityType: "application", EntityID: strconv.FormatInt(row.ID, 10), Before: map[string]any{"status": row.Status}, After: after})
}

// notifyApp tells the applicant, or with issuers true the authority's
// issuers, about an application.
func (s *Service) notifyApp(tx *gorm.DB, now time.Time, row *models.Application, kind, text string, issuers bool) error {
	id := strconv.FormatInt(row.ID, 10)
	if !issuers {
		return notify.Write(tx, now, row.ExporterID, kind, "application", id, text)
	}
	return notify.Tell(tx, now, users.Audience{IssuersOf: row.Authority}, kind, "application", id, text)
}

// changedFields lists the dotted paths whose values differ between two
// requests (JSON), sorted: a field added, removed or changed, a specimen
// line added or removed.
func changedFields(before, after string) ([]string, error) {
	var b, a any
	if err := json.Unmarshal([]byte(before), &b); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(after), &a); err != nil {
		return nil, err
	}
	fb, fa := map[string]string{}, map[string]string{}
	flatten("", b, fb)
	flatten("", a, fa)
	changed := []string{}
	for k, v := range fa {
		if w, ok := fb[k]; !ok || w != v {
			changed = append(changed, k)
		}
	}
	for k := range fb {
		if _, ok := fa[k]; !ok {
			changed = append(changed, k)
		}
	}
	slices.Sort(changed)
	return changed, nil
}

// flatten writes v's leaves into out under dotted paths, named as the
// API names the fields (the stored request has Go's names: OriginCountry
// is origin_country); empty values are left out, so that a field going
// from absent to "" is no change.
func flatten(path string, v any, out map[string]string) {
	join := func(k string) string {
		k = snake(k)
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			flatten(join(k), e, out)
		}
	case []any:
		for i, e := range x {
			flatten(join(strconv.Itoa(i)), e, out)
		}
	case nil:
	default:
		if s := fmt.Sprint(x); s != "" && s != "0" && s != "false" {
			out[path] = s
		}
	}
}

// snake writes a Go field name as the API's JSON name: "ValidUntil" is
// "valid_until".
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// DecideRequest is an issuer's answer to an application.
type DecideRequest struct {
	Decision string // "request_changes", "reject" or "approve"
	Message  string
	// ConfirmOutOfRange and OutOfRangeReason approve lines of wild
	// specimens from outside their range (permits.ConfirmRange).
	ConfirmOutOfRange bool
	OutOfRangeReason  string
	// ConfirmMissingDocuments and MissingDocumentsReason approve an
	// application that still lacks documents the requirements list; the
	// reason is audited on the permit and shown in its history.
	ConfirmMissingDocuments bool
	MissingDocumentsReason  string
	// IssuedPlace and SecurityStamp are box 13's place of issue and box
	// 5b's security stamp number, set by the issuer on approval.
	IssuedPlace   string
	SecurityStamp string
}

// Decide lets an issuer of the authority ask for changes (with a
// message), reject (with a reason) or approve a submitted application.
// Approval issues the permit in the same transaction (numbering, quota,
// signing, audit), linked to the application.
// Approval with documents still missing needs ConfirmMissingDocuments and
// a reason.
// Errors: forbidden, application_not_found, invalid_decision,
// message_required, documents_missing, field_too_long, invalid_state, and
// the issuing rules' codes.
func (s *Service) Decide(ctx context.Context, actor opencites.Actor, id int64, d DecideRequest) (*Application, error) {
	if err := opencites.RequireRole(actor, opencites.RoleIssuer); err != nil {
		return nil, err
	}
	d.Message = strings.TrimSpace(d.Message)
	d.MissingDocumentsReason = strings.TrimSpace(d.MissingDocumentsReason)
	d.IssuedPlace, d.SecurityStamp = strings.TrimSpace(d.IssuedPlace), strings.TrimSpace(d.SecurityStamp)
	for _, f := range []struct {
		name, v string
		max     int
	}{{"message", d.Message, 2000}, {"missing_documents_reason", d.MissingDocumentsReason, 2000}, {"issued_place", d.IssuedPlace, 200}, {"security_stamp", d.SecurityStamp, 100}} {
		if err := opencites.CheckLen(f.name, f.v, f.max); err != nil {
			return nil, err
		}
	}
	var status string
	switch d.Decision {
	case "request_changes":
		status = AppChangesRequested
	case "reject":
		status = AppRejected
	case "approve":
		status = AppApproved
	default:
		return nil, opencites.Invalid("invalid_decision", "decision must be request_changes, reject or approve")
	}
	if status != AppApproved && d.Message == "" {
		return nil, opencites.Invalid("message_required", "tell the exporter what to change, or why the application is rejected")
	}
	now := s.now()
	var key *keys.Key
	if status == AppApproved {
		var err error
		if key, err = s.keys.Signer(ctx); err != nil {
			return nil, err
		}
	}
	var issued *permits.Permit
	var err error
	for attempt := 0; attempt < 5; attempt++ { // a status-index collision or a changed signer: again (see Issue)
		err = s.decideIn(ctx, actor, id, d, status, key, now, &issued)
		if errors.Is(err, keys.ErrSignerChanged) {
			if key, err = s.permits.NextSigner(ctx); err != nil {
				break
			}
			continue
		}
		if !errors.Is(err, gorm.ErrDuplicatedKey) {
			break
		}
	}
	if err != nil {
		return nil, opencites.AsDomain("decide application", err)
	}
	if issued != nil {
		s.permits.Issued(ctx, actor, issued)
	}
	return s.Get(ctx, actor, id)
}

// decideIn applies a decision in one transaction.
func (s *Service) decideIn(ctx context.Context, actor opencites.Actor, id int64, d DecideRequest, status string, key *keys.Key, now time.Time, issued **permits.Permit) error {
	*issued = nil
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := s.loadApp(tx, actor, id)
		if err != nil {
			return err
		}
		updates := map[string]any{"status": status, "updated_at": now}
		if status == AppChangesRequested {
			// What the resubmission will be compared with.
			updates["changes_base"] = row.Request
		}
		var waived []string
		if status == AppApproved {
			a, err := s.applicationOf(tx, row)
			if err != nil {
				return err
			}
			if d.IssuedPlace != "" {
				a.Request.IssuedPlace = d.IssuedPlace
			}
			if d.SecurityStamp != "" {
				a.Request.SecurityStamp = d.SecurityStamp
			}
			p, err := s.permits.Validate(ctx, row.Authority, a.Request, now)
			if err != nil {
				return err
			}
			if err := permits.ConfirmRange(p, d.ConfirmOutOfRange, d.OutOfRangeReason); err != nil {
				return err
			}
			missing, err := s.missingOf(tx, id, p)
			if err != nil {
				return err
			}
			if len(missing) > 0 && (!d.ConfirmMissingDocuments || d.MissingDocumentsReason == "") {
				return errDocumentsMissing(missing, "approve")
			}
			if err := s.permits.IssueIn(tx, actor, p, key); err != nil {
				return err
			}
			waived = missing
			if len(missing) > 0 {
				// On the permit's own history, where whoever reads the
				// permit later sees it was issued without them, and why.
				if err := models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "permit.documents_waived", EntityType: "permit", EntityID: p.Number,
					After: map[string]any{"application": id, "missing": missing, "reason": d.MissingDocumentsReason}}); err != nil {
					return err
				}
			}
			updates["permit_id"] = p.ID
			*issued = p
		}
		res := tx.Model(&models.Application{}).Where("id = ? AND status = ?", id, AppSubmitted).Updates(updates)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errState(row.Status, "decided")
		}
		text := d.Message
		if *issued != nil {
			text = strings.TrimSpace("Permit " + (*issued).Number + " issued. " + d.Message)
			if len(waived) > 0 {
				text += " Approved without documents (" + strings.Join(waived, ", ") + "): " + d.MissingDocumentsReason
			}
		}
		extra := map[string]any{}
		if len(waived) > 0 {
			extra = map[string]any{"missing": waived, "missing_documents_reason": d.MissingDocumentsReason}
		}
		if err := s.appStep(tx, now, actor, row, status, text, status, extra); err != nil {
			return err
		}
		return s.notifyApp(tx, now, row, "application."+status, "Application "+Reference(row.ID, row.CreatedAt)+": "+
			strings.ReplaceAll(status, "_", " ")+". "+text, false)
	})
}
