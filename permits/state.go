package permits

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/quotas"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// loadForChange reads a permit row by number for a state change, with no
// visibility filter: the caller decides what the actor may do to it.
func loadForChange(tx *gorm.DB, number string) (*models.Permit, error) {
	var row models.Permit
	err := tx.Where("number = ?", number).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errPermitNotFound(number)
	}
	if err != nil {
		return nil, err
	}
	return &row, nil
}

// Revoke makes every later verification of the permit say "revoked". Only
// an issuer of the permit's own authority may revoke it; another
// authority's permit is not found, as it is for GET.
// Errors: forbidden (403, another role), permit_not_found (404), reason_required,
// already_revoked (409).
func (s *Service) Revoke(ctx context.Context, actor opencites.Actor, number, reason string) (*Permit, error) {
	if err := opencites.RequireRole(actor, opencites.RoleIssuer); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, opencites.Invalid("reason_required", "say why the permit is revoked")
	}
	if err := opencites.CheckLen("reason", reason, 500); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := loadForChange(tx, number)
		if err != nil {
			return err
		}
		if row.Authority != actor.Authority {
			// Another authority's permit answers as a missing one, so that
			// numbers cannot be probed through revoke.
			return errPermitNotFound(number)
		}
		// The status condition makes a concurrent revocation lose cleanly.
		res := tx.Model(&models.Permit{}).Where("id = ? AND status <> ?", row.ID, StatusRevoked).
			Updates(map[string]any{"status": StatusRevoked, "revoked_at": now, "revoked_by": actor.UserID, "revocation_reason": reason})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return opencites.Errorf(opencites.KindConflict, "already_revoked", "permit %s is already revoked", number)
		}
		// Nothing shipped on a permit revoked before export: give its
		// quantities back to the quotas they were counted against.
		if row.Status == StatusIssued {
			var lines []models.PermitLine
			if err := tx.Where("permit_id = ?", row.ID).Find(&lines).Error; err != nil {
				return err
			}
			for _, l := range lines {
				if err := quotas.Adjust(tx, l.QuotaID, -l.Quantity); err != nil {
					return err
				}
			}
		}
		if err := models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "permit.revoke", EntityType: "permit", EntityID: number, Before: map[string]any{"status": row.Status}, After: map[string]any{"status": StatusRevoked, "reason": reason}}); err != nil {
			return err
		}
		if err := notifyPermit(tx, now, "permit.revoked", row.Authority, number, row.ExporterAccount,
			"Permit "+number+" was revoked: "+reason, false); err != nil {
			return err
		}
		return s.emitTx(tx, Event{Kind: EventRevocation, At: now, Actor: actor, Authority: row.Authority, Number: number})
	})
	if err != nil {
		return nil, opencites.AsDomain("revoke", err)
	}
	p, err := s.Get(ctx, opencites.System, number)
	if err != nil {
		return nil, err
	}
	s.emit(ctx, Event{Kind: EventRevocation, At: now, Actor: actor, Authority: p.Authority, Number: p.Number, Permit: p})
	return p, nil
}

// EndorseRequest is box 14: what the officer saw cross the border.
type EndorseRequest struct {
	Port      string
	Direction string // "export" (box 14) or "import" (acceptance; cancels the document)
	Lines     []EndorsedLine
}

// Endorse records the quantity actually shipped. Each document serves one
// shipment: a second endorsement in the same direction is refused, by the
// database's unique index as well as here, so two concurrent endorsements
// cannot both succeed. Only officers may endorse.
//
// Errors: forbidden (403), permit_not_found (404), invalid_direction,
// wrong_direction, port_required, no_lines, unknown_line, duplicate_line,
// invalid_quantity, over_quantity, permit_expired, not_yet_valid (422),
// permit_revoked, already_used (409).
func (s *Service) Endorse(ctx context.Context, actor opencites.Actor, number string, req EndorseRequest) (*Permit, error) {
	if err := opencites.RequireRole(actor, opencites.RoleOfficer); err != nil {
		return nil, err
	}
	req.Port = strings.TrimSpace(req.Port)
	switch {
	case req.Direction != "export" && req.Direction != "import":
		return nil, opencites.Invalid("invalid_direction", `direction must be "export" or "import"`)
	case req.Port == "":
		return nil, opencites.Invalid("port_required", "name the port or checkpoint")
	case len(req.Lines) == 0:
		return nil, opencites.Invalid("no_lines", "give the quantity shipped for at least one line")
	}
	if err := opencites.CheckLen("port", req.Port, 200); err != nil {
		return nil, err
	}
	if s.foreign != nil {
		var local int64
		if err := s.db.WithContext(ctx).Model(&models.Permit{}).Where("number = ?", number).Count(&local).Error; err != nil {
			return nil, opencites.Internal("endorse", err)
		}
		if local == 0 {
			return s.endorseForeign(ctx, actor, number, req)
		}
	}
	return s.endorse(ctx, actor, number, req, "")
}

// endorse records an endorsement of a permit of this registry; via names
// the country whose officer accepted it at import, when it came over the
// regional exchange.
func (s *Service) endorse(ctx context.Context, actor opencites.Actor, number string, req EndorseRequest, via string) (*Permit, error) {
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := loadForChange(tx, number)
		if err != nil {
			return err
		}
		if via != "" {
			// The foreign officer has no account here: the endorsement is
			// filed under the permit's issuer, named for the country.
			actor = opencites.Actor{UserID: row.IssuedBy, Username: "exchange:" + via, Role: opencites.RoleOfficer}
		}
		dt, _ := opencites.DocTypeByName(row.Type)
		switch {
		case row.Status == StatusRevoked:
			return opencites.Errorf(opencites.KindConflict, "permit_revoked", "permit %s was revoked: it may not be endorsed", number)
		case row.Status == StatusCancelled:
			return opencites.Errorf(opencites.KindConflict, "already_used", "permit %s was already accepted at import and is cancelled", number)
		case !now.Before(row.ValidUntil.UTC()):
			return opencites.Invalid("permit_expired", "permit %s expired: it may not be endorsed", number)
		case now.Before(row.ValidFrom.UTC()):
			return opencites.Invalid("not_yet_valid", "permit %s is not valid yet", number)
		case dt.ImportSide && req.Direction == "export":
			return opencites.Invalid("wrong_direction", "an import permit is presented at import, not at export")
		}
		var lines []models.PermitLine
		if err := tx.Where("permit_id = ?", row.ID).Find(&lines).Error; err != nil {
			return err
		}
		allowed, units := map[string]float64{}, map[string]string{}
		for _, l := range lines {
			allowed[l.Line], units[l.Line] = l.Quantity, l.Unit
		}
		seen := map[string]bool{}
		shipped := false
		end := models.Endorsement{PermitID: row.ID, Direction: req.Direction, Port: req.Port, EndorsedAt: now, OfficerID: actor.UserID, Officer: actor.Username}
		for _, el := range req.Lines {
			el.Line = strings.ToUpper(strings.TrimSpace(el.Line))
			max, ok := allowed[el.Line]
			switch {
			case !ok:
				return opencites.Invalid("unknown_line", "permit %s has no line %q", number, el.Line)
			case seen[el.Line]:
				return opencites.Invalid("duplicate_line", "line %s is given twice", el.Line)
			case el.Quantity < 0 || el.Quantity != el.Quantity:
				return opencites.Invalid("invalid_quantity", "line %s: quantity may not be negative", el.Line)
			case !opencites.WholeCount(el.Quantity, units[el.Line]):
				return opencites.Invalid("invalid_quantity", "line %s: a number of specimens is a whole number, not %g", el.Line, el.Quantity)
			case el.Quantity > max:
				return opencites.Invalid("over_quantity", "line %s: %g is more than the %g the permit allows", el.Line, el.Quantity, max)
			}
			seen[el.Line] = true
			shipped = shipped || el.Quantity > 0
			end.Lines = append(end.Lines, models.EndorsementLine{Line: el.Line, Quantity: el.Quantity})
		}
		if !shipped {
			return opencites.Invalid("invalid_quantity", "at least one line must have a quantity above zero")
		}
		if err := tx.Omit(clause.Associations).Create(&end).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return errAlreadyUsed(number, req.Direction)
			}
			return err
		}
		for i := range end.Lines {
			end.Lines[i].EndorsementID = end.ID
		}
		if err := tx.Create(&end.Lines).Error; err != nil {
			return err
		}
		if err := models.ClaimIdempotency(tx, "permit", number); err != nil {
			return err
		}
		newStatus, from := StatusEndorsed, []string{StatusIssued}
		if req.Direction == "import" {
			newStatus, from = StatusCancelled, []string{StatusIssued, StatusEndorsed}
		}
		res := tx.Model(&models.Permit{}).Where("id = ? AND status IN ?", row.ID, from).Update("status", newStatus)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errAlreadyUsed(number, req.Direction)
		}
		// Quotas count what actually left: the shipped quantity replaces
		// the authorised one.
		if req.Direction == "export" {
			shipped := map[string]float64{}
			for _, el := range end.Lines {
				shipped[el.Line] = el.Quantity
			}
			for _, l := range lines {
				if err := quotas.Adjust(tx, l.QuotaID, shipped[l.Line]-l.Quantity); err != nil {
					return err
				}
			}
		}
		after := map[string]any{"status": newStatus, "direction": req.Direction, "port": req.Port, "lines": req.Lines}
		if err := models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "permit.endorse." + req.Direction, EntityType: "permit", EntityID: number, Before: map[string]any{"status": row.Status}, After: after}); err != nil {
			return err
		}
		kind, text := "permit.endorsed", "Permit "+number+" was endorsed for export at "+req.Port+"."
		if req.Direction == "import" {
			kind, text = "permit.accepted", "Permit "+number+" was accepted at import at "+req.Port+"."
		}
		if err := notifyPermit(tx, now, kind, row.Authority, number, row.ExporterAccount, text, true); err != nil {
			return err
		}
		return s.emitTx(tx, Event{Kind: EventEndorsement, At: now, Actor: actor, Authority: row.Authority, Number: number,
			Endorsement: &Endorsement{Direction: req.Direction}})
	})
	if err != nil {
		if code := opencites.CodeOf(err); code == "already_used" || code == "permit_revoked" {
			s.refused(ctx, actor, number, req, now, code)
		}
		return nil, opencites.AsDomain("endorse", err)
	}
	p, err := s.Get(ctx, opencites.System, number)
	if err != nil {
		return nil, err
	}
	for i := range p.Endorsements {
		if p.Endorsements[i].Direction == req.Direction {
			s.emit(ctx, Event{Kind: EventEndorsement, At: now, Actor: actor, Authority: p.Authority, Number: p.Number,
				Permit: p, Endorsement: &p.Endorsements[i]})
		}
	}
	return p, nil
}

func errAlreadyUsed(number, direction string) error {
	return opencites.Errorf(opencites.KindConflict, "already_used", "permit %s was already endorsed for %s: each document serves one shipment", number, direction)
}

// refused tells the observers of an endorsement refused because the
// permit was spent or revoked, so the alert rules treat it as they treat a
// scan of a used or revoked permit.
func (s *Service) refused(ctx context.Context, actor opencites.Actor, number string, req EndorseRequest, at time.Time, code string) {
	if len(s.observers) == 0 {
		return
	}
	p, err := s.Get(ctx, opencites.System, number)
	if err != nil {
		return
	}
	s.emit(ctx, Event{Kind: EventEndorsementRefused, At: at, Actor: actor, Authority: p.Authority, Number: p.Number, Permit: p,
		Endorsement: &Endorsement{Direction: req.Direction, Port: req.Port, At: at, Officer: actor.Username}, Refusal: code})
}
