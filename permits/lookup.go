package permits

import (
	"context"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"gorm.io/gorm"
)

// Look-up by number: an officer whose paper's code will not read types
// the printed number. What comes back is the registry's record, judged
// like a scan of the genuine code; the phone says plainly that the paper
// itself was not checked.
const (
	// LookupLimit is how many look-ups by number one account may make in
	// LookupWindow, counted in the database across every replica: numbers
	// are easy to guess, and a look-up shows the permit's parties.
	LookupLimit  = 30
	LookupWindow = 15 * time.Minute
)

// Lookup returns the code the registry issued for the permit numbered
// number, for the caller to verify with Source "number" (so the check is
// recorded and counted like a scan), and counts the look-up against the
// account's limit. Only the roles that verify may; a permit the caller may
// not see is not found.
//
// Errors: forbidden (403), permit_not_found (404), too_many_lookups (429,
// with RetryAfter), field_too_long (422).
func (s *Service) Lookup(ctx context.Context, actor opencites.Actor, number string) (string, error) {
	if err := opencites.RequireRole(actor, opencites.RoleOfficer, opencites.RoleIssuer, opencites.RoleAdmin); err != nil {
		return "", err
	}
	if err := opencites.CheckLen("number", number, 40); err != nil {
		return "", err
	}
	now := s.now()
	n, since, err := models.CountAttempt(ctx, s.db, "lookup:"+actor.Username, now, LookupWindow)
	if err != nil {
		return "", opencites.Internal("count look-up", err)
	}
	if n > LookupLimit {
		wait := since.Add(LookupWindow).Sub(now)
		e := opencites.Errorf(opencites.KindTooMany, "too_many_lookups",
			"at most %d look-ups by number in %d minutes: scan the code, or try again in %d minutes", LookupLimit, int(LookupWindow.Minutes()), int(wait.Minutes())+1)
		e.RetryAfter = wait
		return "", e
	}
	p, err := s.Get(ctx, actor, number)
	if err != nil {
		return "", err
	}
	return p.Code, nil
}

// settled is how long after its issue a permit is listed by Expected: the
// longest an issuing transaction runs (the request deadline).
const settled = 30 * time.Second

// Expected returns, after the permit whose internal id is after, up to
// limit permits of this registry that a checkpoint may still be shown:
// issued or endorsed for export, and valid yesterday or later. A phone
// keeps them for its offline verdicts, to show the parties and the marks
// that the signed code does not carry; their content never changes after
// issue, so it fetches only what it has not seen: cursor is what to ask
// after next time (after itself when nothing new came), more whether a
// full page was cut short.
//
// Errors: forbidden (403).
func (s *Service) Expected(ctx context.Context, actor opencites.Actor, after int64, limit int) (out []*Permit, cursor int64, more bool, err error) {
	if err := opencites.RequireRole(actor, opencites.RoleOfficer, opencites.RoleIssuer, opencites.RoleAdmin); err != nil {
		return nil, 0, false, err
	}
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	q, err := visible(s.db.WithContext(ctx).Model(&models.Permit{}), actor)
	if err != nil {
		return nil, 0, false, err
	}
	now := s.now()
	var rows []models.Permit
	if err := q.Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("line") }).
		Where("id > ? AND status IN ? AND valid_until > ?", after, []string{StatusIssued, StatusEndorsed}, now.Add(-24*time.Hour)).
		Order("id").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, 0, false, opencites.Internal("expected permits", err)
	}
	if len(rows) > limit {
		rows, more = rows[:limit], true
	}
	// The cursor passes a permit only once its issue has surely committed:
	// ids are taken at insert, so a transaction still open could commit a
	// lower id after a higher one was listed. Newer permits are listed now
	// and again next time.
	cursor = after
	settledAt, advancing := now.Add(-settled), true
	for i := range rows {
		out = append(out, permitFromRows(&rows[i], rows[i].Lines, nil))
		advancing = advancing && rows[i].IssuedAt.Before(settledAt)
		if advancing {
			cursor = rows[i].ID
		}
	}
	return out, cursor, more, nil
}
