package permits

import (
	"context"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"gorm.io/gorm"
)

// ReportRow is one line of the CITES annual trade report (Guidelines for
// the preparation of annual reports): one specimen line of one permit.
type ReportRow struct {
	Year     int
	Number   string
	Appendix string
	Taxon    string
	Term     string
	Quantity float64
	Unit     string
	// Direction is "E" for the authority's exports and re-exports, "I" for
	// its imports; Partner is the importing or exporting country.
	Direction string
	Partner   string
	Origin    string
	Purpose   string
	Source    string
	// Shipped is true when Quantity is what an officer endorsed as actually
	// exported (box 14) rather than what the permit authorised.
	Shipped bool
}

// AnnualReport builds the authority's annual trade report for a calendar
// year from the permits issued that year, revoked ones excepted, using the
// quantities actually shipped where an export endorsement exists. Issuers
// report for their authority; admins name one.
// Errors: forbidden, invalid_authority, invalid_year.
func (s *Service) AnnualReport(ctx context.Context, actor opencites.Actor, authority string, year int) ([]ReportRow, error) {
	if err := opencites.RequireRole(actor, opencites.RoleIssuer, opencites.RoleAdmin); err != nil {
		return nil, err
	}
	if actor.Role == opencites.RoleIssuer {
		authority = actor.Authority
	}
	if !opencites.ValidCountry(authority) {
		return nil, opencites.Invalid("invalid_authority", "name the authority: authority=KG")
	}
	if year < 2000 || year > 2100 {
		return nil, opencites.Invalid("invalid_year", "year must be a year such as 2026")
	}
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	var rows []models.Permit
	err := s.db.WithContext(ctx).Where("authority = ? AND issued_at >= ? AND issued_at < ? AND status <> ?",
		authority, from, from.AddDate(1, 0, 0), StatusRevoked).
		Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("line") }).
		Preload("Endorsements", "direction = ?", "export").Preload("Endorsements.Lines").
		Order("number").Find(&rows).Error
	if err != nil {
		return nil, opencites.Internal("annual report", err)
	}
	out := []ReportRow{}
	for _, p := range rows {
		dt, _ := opencites.DocTypeByName(p.Type)
		dir, partner := "E", p.ImporterCountry
		if dt.ImportSide {
			dir, partner = "I", p.ExporterCountry
		}
		var shipped map[string]float64
		if len(p.Endorsements) > 0 {
			shipped = map[string]float64{}
			for _, l := range p.Endorsements[0].Lines {
				shipped[l.Line] = l.Quantity
			}
		}
		for _, l := range p.Lines {
			r := ReportRow{Year: year, Number: p.Number, Appendix: l.Appendix, Taxon: l.Taxon, Term: l.Term, Quantity: l.Quantity,
				Unit: l.Unit, Direction: dir, Partner: partner, Origin: l.OriginCountry, Purpose: p.Purpose, Source: l.Source}
			if shipped != nil {
				r.Quantity, r.Shipped = shipped[l.Line], true
				if r.Quantity == 0 {
					continue // endorsed as not shipped
				}
			}
			out = append(out, r)
		}
	}
	return out, nil
}
