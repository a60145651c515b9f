package cases

import (
	"context"
	"strings"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"gorm.io/gorm"
)

// Filter selects cases for List. Zero fields select everything.
type Filter struct {
	Taxon       string // a name the species reference knows; its lower taxa match too
	Country     string // origin, transit, destination or a party's country
	Checkpoint  string // part of the checkpoint or port
	From, To    time.Time
	Concealment string
	Outcome     string
	Query       string // free text: notes, descriptions, documents, organisations
	Page        int    // 1-based
	Size        int    // at most 100
}

// Page is one page of cases, newest first.
type Page struct {
	Cases []*Case
	Total int64
	Page  int
	Size  int
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func likeOf(s string) string { return "%" + strings.ToLower(escapeLike(s)) + "%" }

// filtered applies f to a query on cases. Errors: invalid_country,
// invalid_concealment, invalid_outcome, field_too_long.
func (s *Service) filtered(q *gorm.DB, f Filter) (*gorm.DB, error) {
	for _, v := range []struct{ name, v string }{{"species", f.Taxon}, {"checkpoint", f.Checkpoint}, {"q", f.Query}} {
		if err := opencites.CheckLen(v.name, v.v, 100); err != nil {
			return nil, err
		}
	}
	if t := strings.TrimSpace(f.Taxon); t != "" {
		names := s.taxonNames(t)
		if len(names) > 0 {
			q = q.Where("cases.id IN (SELECT case_id FROM case_specimens WHERE taxon IN ?)", names)
		} else {
			q = q.Where(`cases.id IN (SELECT case_id FROM case_specimens WHERE LOWER(taxon) LIKE ? ESCAPE '\')`, likeOf(t))
		}
	}
	if f.Country != "" {
		c, err := country("country", f.Country, true)
		if err != nil {
			return nil, err
		}
		q = q.Where(`cases.origin_country = ? OR cases.destination_country = ? OR cases.transit_countries LIKE ?
			OR cases.id IN (SELECT case_id FROM case_parties WHERE country = ?)`, c, c, "%,"+c+",%", c)
	}
	if t := strings.TrimSpace(f.Checkpoint); t != "" {
		q = q.Where(`LOWER(cases.checkpoint) LIKE ? ESCAPE '\' OR LOWER(cases.port) LIKE ? ESCAPE '\'`, likeOf(t), likeOf(t))
	}
	if !f.From.IsZero() {
		q = q.Where("cases.occurred_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("cases.occurred_at < ?", f.To.UTC())
	}
	if f.Concealment != "" {
		if !oneOf(f.Concealment, Concealments) {
			return nil, opencites.Invalid("invalid_concealment", "concealment must be one of %s", strings.Join(Concealments, ", "))
		}
		q = q.Where("cases.concealment = ?", f.Concealment)
	}
	if f.Outcome != "" {
		if !oneOf(f.Outcome, Outcomes) {
			return nil, opencites.Invalid("invalid_outcome", "outcome must be one of %s", strings.Join(Outcomes, ", "))
		}
		q = q.Where("cases.outcome = ?", f.Outcome)
	}
	if t := strings.TrimSpace(f.Query); t != "" {
		l := likeOf(t)
		q = q.Where(`LOWER(cases.notes) LIKE ? ESCAPE '\' OR LOWER(cases.checkpoint) LIKE ? ESCAPE '\' OR LOWER(cases.port) LIKE ? ESCAPE '\'
			OR cases.id IN (SELECT case_id FROM case_specimens WHERE LOWER(description) LIKE ? ESCAPE '\' OR LOWER(taxon) LIKE ? ESCAPE '\')
			OR cases.id IN (SELECT case_id FROM case_documents WHERE LOWER(number) LIKE ? ESCAPE '\')
			OR cases.id IN (SELECT case_id FROM case_parties WHERE LOWER(organisation) LIKE ? ESCAPE '\')`, l, l, l, l, l, l, l)
	}
	return q, nil
}

// taxonNames resolves a name through the species reference to the
// accepted names of the taxon and every taxon below it; nil if unknown.
func (s *Service) taxonNames(name string) []string {
	ref := s.permits.Species()
	t, err := ref.Lookup(name)
	if err != nil {
		return nil
	}
	all := ref.Taxa()
	parent := make(map[string]string, len(all))
	byID := make(map[string]string, len(all))
	for _, x := range all {
		parent[x.ID], byID[x.ID] = x.Parent, x.Name
	}
	names := []string{t.Name}
	for _, x := range all {
		for p := x.Parent; p != ""; p = parent[p] {
			if p == t.ID {
				names = append(names, x.Name)
				break
			}
		}
	}
	return names
}

// List searches the cases the actor may read, newest first.
// Errors: forbidden, authority_required (403), and those of the filter (422).
func (s *Service) List(ctx context.Context, actor opencites.Actor, f Filter) (*Page, error) {
	authority, err := readScope(actor)
	if err != nil {
		return nil, err
	}
	q := s.db.WithContext(ctx).Model(&models.Case{})
	if authority != "" {
		q = q.Where("cases.authority = ?", authority)
	}
	if q, err = s.filtered(q, f); err != nil {
		return nil, err
	}
	if f.Size <= 0 || f.Size > 100 {
		f.Size = 50
	}
	if f.Page <= 0 {
		f.Page = 1
	}
	page := &Page{Page: f.Page, Size: f.Size, Cases: []*Case{}}
	if err := q.Count(&page.Total).Error; err != nil {
		return nil, opencites.Internal("count cases", err)
	}
	var rows []models.Case
	if err := q.Preload("Specimens", orderID).Preload("Documents", orderID).Preload("Parties", orderID).
		Order("cases.occurred_at DESC, cases.id DESC").Limit(f.Size).Offset((f.Page - 1) * f.Size).Find(&rows).Error; err != nil {
		return nil, opencites.Internal("list cases", err)
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	photos := map[int64][]models.CasePhoto{}
	if len(ids) > 0 {
		var ps []models.CasePhoto
		if err := s.db.WithContext(ctx).Where("case_id IN ?", ids).Order("id").Find(&ps).Error; err != nil {
			return nil, opencites.Internal("list case photos", err)
		}
		for _, p := range ps {
			photos[p.CaseID] = append(photos[p.CaseID], p)
		}
	}
	for i := range rows {
		page.Cases = append(page.Cases, caseOf(&rows[i], photos[rows[i].ID]))
	}
	return page, nil
}
