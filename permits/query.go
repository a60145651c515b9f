package permits

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"gorm.io/gorm"
)

// visible narrows a permit query to what the actor may see: issuers their
// authority's permits, exporters the permits issued to their account,
// officers and admins everything.
func visible(q *gorm.DB, a opencites.Actor) (*gorm.DB, error) {
	switch a.Role {
	case opencites.RoleAdmin, opencites.RoleOfficer:
		return q, nil
	case opencites.RoleIssuer, opencites.RoleAnalyst:
		return q.Where("permits.authority = ?", a.Authority), nil
	case opencites.RoleExporter:
		return q.Where("permits.exporter_account = ?", a.Username), nil
	}
	return nil, opencites.Errorf(opencites.KindForbidden, "forbidden", "unknown role")
}

func errPermitNotFound(number string) error {
	return opencites.Errorf(opencites.KindNotFound, "permit_not_found", "no permit %q", number)
}

// Get returns one permit with its lines and endorsements. A permit the
// actor may not see is reported as not found, so numbers cannot be probed.
// Errors: permit_not_found.
func (s *Service) Get(ctx context.Context, actor opencites.Actor, number string) (*Permit, error) {
	q, err := visible(s.db.WithContext(ctx), actor)
	if err != nil {
		return nil, err
	}
	return permitIn(q, number)
}

// permitIn reads one permit with its lines and endorsements through q (a
// transaction, or a query already limited to what an actor may see).
func permitIn(q *gorm.DB, number string) (*Permit, error) {
	var row models.Permit
	err := q.Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("line") }).
		Preload("Endorsements", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Preload("Endorsements.Lines", func(db *gorm.DB) *gorm.DB { return db.Order("line") }).
		Where("number = ?", number).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errPermitNotFound(number)
	}
	if err != nil {
		return nil, opencites.Internal("get permit", err)
	}
	return permitFromRows(&row, row.Lines, row.Endorsements), nil
}

// Filter selects permits for List.
type Filter struct {
	Status string // issued, endorsed, cancelled, revoked, expired, or "" for all
	Query  string // matches number, party names and taxa
	// From and To, when set, keep permits issued at or after From and
	// before To.
	From, To time.Time
	// Sort is "newest" (issued last first, the default), "oldest" or
	// "expiring" (soonest end of validity first).
	Sort string
	Page int // 1-based
	Size int // at most 100
}

// PermitPage is one page of a listing.
type PermitPage struct {
	Permits []*Permit
	Total   int64
	Page    int
	Size    int
}

// List returns the permits the actor may see, newest first.
// Errors: invalid_status.
func (s *Service) List(ctx context.Context, actor opencites.Actor, f Filter) (*PermitPage, error) {
	q, err := visible(s.db.WithContext(ctx).Model(&models.Permit{}), actor)
	if err != nil {
		return nil, err
	}
	now := s.now()
	switch f.Status {
	case "":
	case StatusIssued, StatusEndorsed:
		q = q.Where("status = ? AND valid_until > ?", f.Status, now)
	case StatusExpired:
		q = q.Where("status IN ? AND valid_until <= ?", []string{StatusIssued, StatusEndorsed}, now)
	case StatusCancelled, StatusRevoked:
		q = q.Where("status = ?", f.Status)
	default:
		return nil, opencites.Invalid("invalid_status", "status must be one of issued, endorsed, cancelled, revoked, expired")
	}
	if t := strings.TrimSpace(f.Query); t != "" {
		if len(t) > 100 {
			return nil, opencites.Invalid("field_too_long", "q is longer than 100 characters")
		}
		like := "%" + strings.ToLower(escapeLike(t)) + "%"
		q = q.Where(`LOWER(number) LIKE ? ESCAPE '\' OR LOWER(exporter_name) LIKE ? ESCAPE '\' OR LOWER(importer_name) LIKE ? ESCAPE '\'
			OR id IN (SELECT permit_id FROM permit_lines WHERE LOWER(taxon) LIKE ? ESCAPE '\')`, like, like, like, like)
	}
	if !f.From.IsZero() {
		q = q.Where("issued_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("issued_at < ?", f.To.UTC())
	}
	order := "issued_at DESC, id DESC"
	switch f.Sort {
	case "", "newest":
	case "oldest":
		order = "issued_at ASC, id ASC"
	case "expiring":
		order = "valid_until ASC, id ASC"
	default:
		return nil, opencites.Invalid("invalid_sort", "sort must be newest, oldest or expiring")
	}
	if f.Size <= 0 || f.Size > 100 {
		f.Size = 50
	}
	if f.Page <= 0 {
		f.Page = 1
	}
	page := &PermitPage{Page: f.Page, Size: f.Size, Permits: []*Permit{}}
	if err := q.Count(&page.Total).Error; err != nil {
		return nil, opencites.Internal("count permits", err)
	}
	var rows []models.Permit
	if err := q.Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("line") }).
		Order(order).Limit(f.Size).Offset((f.Page - 1) * f.Size).Find(&rows).Error; err != nil {
		return nil, opencites.Internal("list permits", err)
	}
	for i := range rows {
		page.Permits = append(page.Permits, permitFromRows(&rows[i], rows[i].Lines, nil))
	}
	return page, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// DisplayStatus is the status a person should read: "expired" once the
// validity has passed for a document that is still open.
func (p *Permit) DisplayStatus(now time.Time) string {
	if (p.Status == StatusIssued || p.Status == StatusEndorsed) && !now.Before(p.ValidUntil) {
		return StatusExpired
	}
	return p.Status
}

// History returns the audit trail of a permit the actor may see.
// Errors: permit_not_found.
func (s *Service) History(ctx context.Context, actor opencites.Actor, number string) ([]opencites.AuditEntry, error) {
	if _, err := s.Get(ctx, actor, number); err != nil {
		return nil, err
	}
	var rows []models.AuditEntry
	if err := s.db.WithContext(ctx).Where("entity_type = ? AND entity_id = ?", "permit", number).
		Order("id").Find(&rows).Error; err != nil {
		return nil, opencites.Internal("history", err)
	}
	out := make([]opencites.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = opencites.AuditEntry{At: r.At.UTC(), Actor: r.Actor, Action: r.Action, Before: r.Before, After: r.After}
	}
	return out, nil
}
