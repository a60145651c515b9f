package quotas

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/species"
	"gorm.io/gorm"
)

// Service keeps annual export quotas and their use.
type Service struct {
	db      *gorm.DB
	now     func() time.Time
	species func() *species.Reference
}

// New returns the quotas service; ref is the species listing in force
// (it tells the sturgeons, whose quota year starts on 1 March).
func New(db *gorm.DB, ref func() *species.Reference, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, species: ref, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
}

// Quota is an annual export quota (Res. Conf. 14.7): a ceiling on what one
// authority may export of a taxon, source and term in a quota year. The
// quota year is the calendar year, or 1 March to the end of February for
// sturgeons and paddlefish (Acipenseriformes) and their caviar.
type Quota struct {
	ID        int64
	Authority string
	Taxon     string
	Source    string
	Term      string
	Year      int
	YearStart time.Time
	YearEnd   time.Time // exclusive
	Quantity  float64
	Unit      string
	Used      float64
	Notes     string
}

// Remaining is what the quota still allows.
func (q Quota) Remaining() float64 { return max(0, q.Quantity-q.Used) }

// LineQuota is box 11a of one specimen line: the quota's use, this permit
// included, and its total, at the time of issue.
type LineQuota struct {
	ID    int64
	Year  int
	Used  float64
	Total float64
}

// Request records or changes a quota.
type Request struct {
	Authority string // admins name it; issuers record their own authority's
	Taxon     string
	Source    string
	Term      string
	Year      int
	Quantity  float64
	Unit      string
	Notes     string
}

// yearOf returns the quota year an instant falls in, and its bounds.
func (s *Service) yearOf(taxon string, t time.Time) (year int, start, end time.Time) {
	if s.isSturgeon(taxon) {
		year = t.Year()
		if t.Month() < time.March {
			year--
		}
		start = time.Date(year, time.March, 1, 0, 0, 0, 0, time.UTC)
		return year, start, start.AddDate(1, 0, 0)
	}
	start = time.Date(t.Year(), time.January, 1, 0, 0, 0, 0, time.UTC)
	return t.Year(), start, start.AddDate(1, 0, 0)
}

// isSturgeon reports whether taxon belongs to the Acipenseriformes.
func (s *Service) isSturgeon(taxon string) bool {
	t, err := s.species().Lookup(taxon)
	if err != nil {
		return false
	}
	for i := 0; i < 10; i++ {
		if strings.EqualFold(t.Name, "Acipenseriformes") {
			return true
		}
		if t.Parent == "" {
			return false
		}
		if t, err = s.species().Get(t.Parent); err != nil {
			return false
		}
	}
	return false
}

func (s *Service) quotaOf(r models.Quota) Quota {
	_, start, end := s.yearOf(r.Taxon, time.Date(r.Year, time.June, 1, 0, 0, 0, 0, time.UTC))
	return Quota{ID: r.ID, Authority: r.Authority, Taxon: r.Taxon, Source: r.Source, Term: r.Term, Year: r.Year,
		YearStart: start, YearEnd: end, Quantity: r.Quantity, Unit: r.Unit, Used: r.Used, Notes: r.Notes}
}

// Set records an annual export quota, zero quotas included. Admins
// and the authority's issuers may. If the quota exists its quantity is
// changed (never below what is already used).
// Errors: forbidden, unknown_taxon, invalid_source, invalid_term,
// invalid_unit, invalid_quantity, invalid_year, invalid_authority,
// quota_below_use.
func (s *Service) Set(ctx context.Context, actor opencites.Actor, req Request) (Quota, error) {
	if err := opencites.RequireRole(actor, opencites.RoleAdmin, opencites.RoleIssuer); err != nil {
		return Quota{}, err
	}
	req.Authority = strings.ToUpper(strings.TrimSpace(req.Authority))
	if actor.Role == opencites.RoleIssuer {
		if req.Authority != "" && req.Authority != actor.Authority {
			return Quota{}, opencites.Errorf(opencites.KindForbidden, "forbidden", "an issuer records quotas of its own authority only")
		}
		req.Authority = actor.Authority
	}
	req.Source = strings.ToUpper(strings.TrimSpace(req.Source))
	req.Term = strings.ToUpper(strings.TrimSpace(req.Term))
	req.Unit = strings.TrimSpace(req.Unit)
	switch {
	case !opencites.ValidCountry(req.Authority):
		return Quota{}, opencites.Invalid("invalid_authority", "authority must be an ISO 3166 code such as KG")
	case !opencites.ValidSource(req.Source):
		return Quota{}, opencites.Invalid("invalid_source", "source %q is not a CITES source code", req.Source)
	case opencites.Terms[req.Term] == "":
		return Quota{}, opencites.Invalid("invalid_term", "term %q is not a CITES specimen code", req.Term)
	case !validUnit(req.Unit):
		return Quota{}, opencites.Invalid("invalid_unit", "unit %q is not a CITES unit", req.Unit)
	case !(req.Quantity >= 0) || req.Quantity > 1e12:
		return Quota{}, opencites.Invalid("invalid_quantity", "a quota is zero or more")
	case !opencites.WholeCount(req.Quantity, req.Unit):
		return Quota{}, opencites.Invalid("invalid_quantity", "a quota counted in specimens is a whole number")
	case req.Year < 2000 || req.Year > 2100:
		return Quota{}, opencites.Invalid("invalid_year", "year must be the year the quota year starts in, e.g. 2026")
	}
	if err := opencites.CheckLen("notes", req.Notes, 1000); err != nil {
		return Quota{}, err
	}
	t, err := s.species().Lookup(req.Taxon)
	if err != nil {
		return Quota{}, opencites.Invalid("unknown_taxon", "taxon %q is not in the species reference", req.Taxon)
	}
	req.Taxon = t.Name
	now := s.now()
	var row models.Quota
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Where("authority = ? AND taxon = ? AND source = ? AND term = ? AND year = ?",
			req.Authority, req.Taxon, req.Source, req.Term, req.Year).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			row = models.Quota{Authority: req.Authority, Taxon: req.Taxon, Source: req.Source, Term: req.Term, Year: req.Year,
				Quantity: req.Quantity, Unit: req.Unit, Notes: req.Notes, CreatedAt: now, CreatedBy: actor.UserID}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "quota.create", EntityType: "quota", EntityID: quotaKey(row), After: quotaAudit(row)})
		}
		if err != nil {
			return err
		}
		before := quotaAudit(row)
		// The condition keeps a concurrent issue from being squeezed out.
		res := tx.Model(&models.Quota{}).Where("id = ? AND used <= ?", row.ID, req.Quantity).
			Updates(map[string]any{"quantity": req.Quantity, "unit": req.Unit, "notes": req.Notes})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return opencites.Invalid("quota_below_use", "%g is already used or authorised: the quota cannot be set lower", row.Used)
		}
		row.Quantity, row.Unit, row.Notes = req.Quantity, req.Unit, req.Notes
		return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "quota.update", EntityType: "quota", EntityID: quotaKey(row), Before: before, After: quotaAudit(row)})
	})
	if err != nil {
		return Quota{}, opencites.AsDomain("set quota", err)
	}
	if err := s.db.WithContext(ctx).Take(&row, row.ID).Error; err != nil {
		return Quota{}, opencites.Internal("read quota", err)
	}
	return s.quotaOf(row), nil
}

func validUnit(u string) bool { _, ok := opencites.Units[u]; return ok }

func quotaKey(r models.Quota) string {
	return strings.Join([]string{r.Authority, r.Taxon, r.Source, r.Term, strconv.Itoa(r.Year)}, "/")
}

func quotaAudit(r models.Quota) map[string]any {
	return map[string]any{"authority": r.Authority, "taxon": r.Taxon, "source": r.Source, "term": r.Term,
		"year": r.Year, "quantity": r.Quantity, "unit": r.Unit, "used": r.Used}
}

// List lists quotas with their use, for a year (0: every year). Issuers
// see their authority's; admins, officers all. Exporters see none.
func (s *Service) List(ctx context.Context, actor opencites.Actor, year int) ([]Quota, error) {
	if err := opencites.RequireRole(actor, opencites.RoleAdmin, opencites.RoleIssuer, opencites.RoleOfficer); err != nil {
		return nil, err
	}
	q := s.db.WithContext(ctx).Model(&models.Quota{})
	if actor.Role == opencites.RoleIssuer {
		q = q.Where("authority = ?", actor.Authority)
	}
	if year != 0 {
		q = q.Where("year = ?", year)
	}
	var rows []models.Quota
	if err := q.Order("authority, taxon, source, term, year").Find(&rows).Error; err != nil {
		return nil, opencites.Internal("list quotas", err)
	}
	out := make([]Quota, len(rows))
	for i, r := range rows {
		out[i] = s.quotaOf(r)
	}
	return out, nil
}

// Charge is what an export permit's line counts against a quota.
type Charge struct {
	Authority string
	Taxon     string
	Source    string
	Term      string
	Quantity  float64
	At        time.Time // the permit's time of issue, which picks the quota year
	Line      string    // A, B, ... for the error message
}

// Take counts one line against its quota, in the issuing transaction, and
// returns box 11a (nil when no quota covers the line). The conditional
// update is atomic on both databases, so concurrent issues cannot
// overshoot a quota. Errors: quota_exceeded.
func (s *Service) Take(tx *gorm.DB, c Charge) (*LineQuota, error) {
	year, _, _ := s.yearOf(c.Taxon, c.At)
	var row models.Quota
	err := tx.Where("authority = ? AND taxon IN ? AND source = ? AND term = ? AND year = ?",
		c.Authority, taxaOf(c.Taxon), c.Source, c.Term, year).Order("LENGTH(taxon) DESC").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	res := tx.Model(&models.Quota{}).Where("id = ? AND used + ? <= quantity + 1e-9", row.ID, c.Quantity).
		Update("used", gorm.Expr("used + ?", c.Quantity))
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		if err := tx.Take(&row, row.ID).Error; err != nil {
			return nil, err
		}
		e := opencites.Invalid("quota_exceeded", "the %d export quota for %s (source %s, %s) is %g%s; %g is left, %g asked",
			year, row.Taxon, row.Source, row.Term, row.Quantity, unitSuffix(row.Unit), max(0, row.Quantity-row.Used), c.Quantity)
		e.Message = "line " + c.Line + ": " + e.Message
		return nil, e
	}
	if err := tx.Take(&row, row.ID).Error; err != nil {
		return nil, err
	}
	return &LineQuota{ID: row.ID, Year: year, Used: row.Used, Total: row.Quantity}, nil
}

// taxaOf are the names whose quotas a line counts against: its own, and
// for a subspecies its species'.
func taxaOf(taxon string) []string {
	names := []string{taxon}
	if f := strings.Fields(taxon); len(f) == 3 {
		names = append(names, f[0]+" "+f[1])
	}
	return names
}

func unitSuffix(u string) string {
	if u == "" {
		return " specimens"
	}
	return " " + u
}

// Adjust moves a quota's use by delta, in the transaction of the change
// (endorsement: shipped minus authorised; revocation before shipping:
// minus authorised).
func Adjust(tx *gorm.DB, quotaID *int64, delta float64) error {
	if quotaID == nil || delta == 0 {
		return nil
	}
	return tx.Model(&models.Quota{}).Where("id = ?", *quotaID).Update("used", gorm.Expr("used + ?", delta)).Error
}
