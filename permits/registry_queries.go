package permits

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/users"
	"gorm.io/gorm"
)

// The queries below answer other packages' questions about the registry's
// records (package cases: the alert rules and case work), so that only this
// package reads the registry's tables. They do not authorise: the caller
// acts for the system and decides what its own users may see.

// VolumeQuery selects permit lines for AuthorisedQuantity.
type VolumeQuery struct {
	Authority string
	Exporter  string // the exporter's name, matched regardless of case
	Taxon     string
	Unit      string
	Sources   []string  // source codes (box 10), such as "C"
	Since     time.Time // permits issued after this instant
}

// AuthorisedQuantity adds up the quantities of the lines matching q on the
// authority's permits that are not revoked: how much an exporter was
// authorised to trade, which the alert rules hold against the plausible
// output of a captive-breeding facility. Errors: internal.
func (s *Service) AuthorisedQuantity(ctx context.Context, q VolumeQuery) (float64, error) {
	var total float64
	err := s.db.WithContext(ctx).Raw(`SELECT COALESCE(SUM(l.quantity), 0) FROM permit_lines l JOIN permits p ON p.id = l.permit_id
			WHERE p.authority = ? AND LOWER(p.exporter_name) = ? AND l.taxon = ? AND l.unit = ? AND l.source IN ?
			AND p.status <> ? AND p.issued_at > ?`,
		q.Authority, strings.ToLower(q.Exporter), q.Taxon, q.Unit, q.Sources, StatusRevoked, q.Since).Scan(&total).Error
	if err != nil {
		return 0, opencites.Internal("authorised quantity", err)
	}
	return total, nil
}

// IssuedCount counts the authority's permits issued in (from, to] with a
// line of taxon, revoked ones included: the alert rules compare a week's
// issues with the weeks before to notice a spike. Errors: internal.
func (s *Service) IssuedCount(ctx context.Context, authority, taxon string, from, to time.Time) (int64, error) {
	var n int64
	// A join rather than EXISTS: on freshly filled tables the
	// planner ran the subquery as a scan per permit.
	err := s.db.WithContext(ctx).Raw(`SELECT COUNT(DISTINCT p.id) FROM permits p JOIN permit_lines l ON l.permit_id = p.id
				WHERE p.authority = ? AND p.issued_at > ? AND p.issued_at <= ? AND l.taxon = ?`, authority, from, to, taxon).Scan(&n).Error
	if err != nil {
		return 0, opencites.Internal("issued count", err)
	}
	return n, nil
}

// Parties are the exporter and importer named on a permit.
type Parties struct {
	Exporter Party
	Importer Party
}

// partiesBatch bounds the ids one query of Parties names, well within the
// bound parameters SQLite and PostgreSQL take.
const partiesBatch = 1000

// Parties returns the parties of the permits with the given ids, by id; an
// id the registry does not hold is left out. The alert rules watch the
// organisations named on the permits that cases link to. Errors: internal.
func (s *Service) Parties(ctx context.Context, ids []int64) (map[int64]Parties, error) {
	out := make(map[int64]Parties, len(ids))
	for len(ids) > 0 {
		batch := ids[:min(len(ids), partiesBatch)]
		ids = ids[len(batch):]
		var rows []models.Permit
		if err := s.db.WithContext(ctx).Select("id, exporter_name, exporter_address, exporter_country, importer_name, importer_address, importer_country").
			Where("id IN ?", batch).Find(&rows).Error; err != nil {
			return nil, opencites.Internal("permit parties", err)
		}
		for _, r := range rows {
			out[r.ID] = Parties{Exporter: Party{Name: r.ExporterName, Address: r.ExporterAddress, Country: r.ExporterCountry},
				Importer: Party{Name: r.ImporterName, Address: r.ImporterAddress, Country: r.ImporterCountry}}
		}
	}
	return out, nil
}

// Ref returns the id and authority of the permit numbered number, so that
// a case can link a document presented to the permit the registry holds.
// Errors: permit_not_found, internal.
func (s *Service) Ref(ctx context.Context, number string) (id int64, authority string, err error) {
	var p struct {
		ID        int64
		Authority string
	}
	err = s.db.WithContext(ctx).Model(&models.Permit{}).Select("id, authority").Where("number = ?", number).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, "", errPermitNotFound(number)
	}
	if err != nil {
		return 0, "", opencites.Internal("permit ref", err)
	}
	return p.ID, p.Authority, nil
}

// ScanRecord is a recorded verification as case work needs it: besides
// what VerificationRecord shows, the scanning account and its authority,
// the authority of the permit the code named and the code's hash.
type ScanRecord struct {
	ID               string
	CheckedAt        time.Time
	UserID           int64
	ScannerAuthority string // of the scanning user's account
	Verdict          string
	Authority        string // of the permit the code names, if any
	Number           string
	Port             string
	Direction        string
	CodeSHA256       string
}

// RecordedScan returns the verification recorded under id, so that an
// officer can open a case from a scan. A verification still waiting in the
// Recorder's batch is not found yet. Errors: verification_not_found,
// internal.
func (s *Service) RecordedScan(ctx context.Context, id string) (ScanRecord, error) {
	var v models.Verification
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ScanRecord{}, opencites.Errorf(opencites.KindNotFound, "verification_not_found", "no verification %q", id)
	}
	if err != nil {
		return ScanRecord{}, opencites.Internal("read verification", err)
	}
	out := ScanRecord{ID: v.ID, CheckedAt: v.CheckedAt.UTC(), UserID: v.UserID, Verdict: v.Verdict, Authority: v.Authority,
		Number: v.Number, Port: v.Port, Direction: v.Direction, CodeSHA256: v.CodeSHA256}
	if u, err := users.Profile(s.db.WithContext(ctx), v.UserID); err == nil {
		out.ScannerAuthority = u.Authority
	} else if opencites.KindOf(err) != opencites.KindNotFound {
		return ScanRecord{}, opencites.Internal("scanner authority", err)
	}
	return out, nil
}

// VerdictsByDay counts the verifications checked in [from, to) (a zero
// time leaves that end open) by UTC day and verdict, for the summaries
// analysts chart. With an authority it counts the scans of its permits and
// those made by its users. Errors: internal.
func (s *Service) VerdictsByDay(ctx context.Context, authority string, from, to time.Time) ([]models.VerdictCount, error) {
	out, err := models.VerdictsByDay(ctx, s.db, authority, from, to)
	if err != nil {
		return nil, opencites.Internal("verification stats", err)
	}
	return out, nil
}
