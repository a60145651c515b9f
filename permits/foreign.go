package permits

import (
	"context"
	"strings"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/verifier"
	"gorm.io/gorm"
)

// Foreign answers for other authorities' permits, as learned from the
// regional exchange: their keys (from their trust lists) and the live
// state of their permits. The registry asks it only when its own keys or
// records do not know a code.
type Foreign interface {
	// Key returns a foreign signing key and the authorities it signs for.
	Key(ctx context.Context, kid string) (verifier.Key, map[string]bool, bool)
	// Permit returns the last reported state of a foreign permit.
	Permit(ctx context.Context, authority, number string) (*Permit, time.Time, bool, error)
	// FindPermit finds a foreign permit by its number alone.
	FindPermit(ctx context.Context, number string) (*Permit, bool, error)
}

// SetForeign connects the regional exchange. Call it before serving.
func (s *Service) SetForeign(f Foreign) { s.foreign = f }

// EventForeignImport is an officer's acceptance at import of another
// authority's permit: the exchange sends it back to the issuing country.
const EventForeignImport = "foreign_import"

// endorseForeign accepts at import a permit another country issued, as
// known from the exchange. The issuing country records the acceptance,
// which cancels its document; its new state then comes back.
// Errors: permit_not_found, wrong_direction, permit_revoked, already_used,
// permit_expired, unknown_line, duplicate_line, invalid_quantity,
// over_quantity.
func (s *Service) endorseForeign(ctx context.Context, actor opencites.Actor, number string, req EndorseRequest) (*Permit, error) {
	p, ok, err := s.foreign.FindPermit(ctx, number)
	if err != nil {
		return nil, opencites.Internal("endorse foreign", err)
	}
	if !ok {
		return nil, errPermitNotFound(number)
	}
	now := s.now()
	switch {
	case req.Direction != "import":
		return nil, opencites.Invalid("wrong_direction", "a permit of %s is endorsed for export in %s; here it can only be accepted at import", p.Authority, p.Authority)
	case p.Status == StatusRevoked:
		return nil, opencites.Errorf(opencites.KindConflict, "permit_revoked", "permit %s was revoked: it may not be endorsed", number)
	case p.Status == StatusCancelled:
		return nil, opencites.Errorf(opencites.KindConflict, "already_used", "permit %s was already accepted at import and is cancelled", number)
	case !now.Before(p.ValidUntil):
		return nil, opencites.Invalid("permit_expired", "permit %s expired: it may not be endorsed", number)
	}
	allowed := map[string]float64{}
	for _, l := range p.Lines {
		allowed[l.Line] = l.Quantity
	}
	end := Endorsement{Direction: "import", Port: req.Port, At: now, Officer: "officer of " + actor.Authority}
	seen := map[string]bool{}
	shipped := false
	for _, el := range req.Lines {
		el.Line = strings.ToUpper(strings.TrimSpace(el.Line))
		max, ok := allowed[el.Line]
		switch {
		case !ok:
			return nil, opencites.Invalid("unknown_line", "permit %s has no line %q", number, el.Line)
		case seen[el.Line]:
			return nil, opencites.Invalid("duplicate_line", "line %s is given twice", el.Line)
		case el.Quantity < 0 || el.Quantity != el.Quantity:
			return nil, opencites.Invalid("invalid_quantity", "line %s: quantity may not be negative", el.Line)
		case el.Quantity > max:
			return nil, opencites.Invalid("over_quantity", "line %s: %g is more than the %g the permit allows", el.Line, el.Quantity, max)
		}
		seen[el.Line] = true
		shipped = shipped || el.Quantity > 0
		end.Lines = append(end.Lines, el)
	}
	if !shipped {
		return nil, opencites.Invalid("invalid_quantity", "at least one line must have a quantity above zero")
	}
	before := p.Status
	p.Status = StatusCancelled
	p.Endorsements = append(p.Endorsements, end)
	e := Event{Kind: EventForeignImport, At: now, Actor: actor, Authority: p.Authority, Number: number, Permit: p, Endorsement: &end}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "permit.endorse.import.foreign", EntityType: "foreign_permit", EntityID: p.Authority + "/" + number, Before: map[string]any{"status": before}, After: map[string]any{"status": StatusCancelled, "port": req.Port, "lines": req.Lines}}); err != nil {
			return err
		}
		return s.emitTx(tx, e)
	})
	if err != nil {
		return nil, opencites.Internal("endorse foreign", err)
	}
	s.emit(ctx, e)
	return p, nil
}

// AcceptAtImport records, for a permit of this registry, an acceptance at
// import made in another country and sent over the exchange. Accepting the
// same acceptance twice changes nothing.
func (s *Service) AcceptAtImport(ctx context.Context, from, number string, end Endorsement) error {
	_, err := s.endorse(ctx, opencites.Actor{}, number, EndorseRequest{Port: end.Port, Direction: "import", Lines: end.Lines}, from)
	if opencites.CodeOf(err) == "already_used" {
		return nil
	}
	return err
}
