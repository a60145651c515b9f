package permits

import (
	"context"
	"time"

	"github.com/opencites/opencites"
	"gorm.io/gorm"
)

// Event is something that happened in the registry, told to observers
// (the suspicious-conduct rules, the regional exchange) after it is stored.
type Event struct {
	Kind  string // EventVerification, EventIssue, EventRevocation, EventEndorsement
	At    time.Time
	Actor opencites.Actor
	// Authority and Number name the permit, when the event has one (a
	// forged or unknown-key code has none).
	Authority string
	Number    string
	// Verification is set for EventVerification.
	Verification *VerificationEvent
	// Permit is the permit after the change (issue, revocation,
	// endorsement) or as shown in the verdict.
	Permit *Permit
	// Endorsement is set for EventEndorsement and EventEndorsementRefused
	// (the refused one: direction, port, officer, time).
	Endorsement *Endorsement
	// Refusal is the machine code of a refused endorsement (already_used,
	// permit_revoked).
	Refusal string
}

// Event kinds.
const (
	EventVerification = "verification"
	EventIssue        = "issue"
	EventRevocation   = "revocation"
	EventEndorsement  = "endorsement"
	// EventEndorsementRefused is an endorsement refused because the permit
	// was already used or revoked: an officer held a spent document at a
	// checkpoint, as a second scan of a used permit shows.
	EventEndorsementRefused = "endorsement_refused"
)

// VerificationEvent is a check of a code, whatever its verdict.
type VerificationEvent struct {
	ID         string
	Verdict    string
	Reason     string
	Port       string
	Direction  string
	Source     string // "code", "photo" or "number"
	KeyID      string
	CodeSHA256 string
}

// Observer is told of every event after it is stored. Observe must not
// block for long: it runs on the request's goroutine, so an observer that
// does real work queues the event and returns.
type Observer interface {
	Observe(ctx context.Context, e Event)
}

// AddObserver registers an observer. Call it before serving.
func (s *Service) AddObserver(o Observer) { s.observers = append(s.observers, o) }

// Committer is told of an issue, a revocation, an endorsement and an
// acceptance at import of a foreign permit inside the transaction that
// stores it, so that what it writes commits or rolls back with the change:
// the exchange's outbox, where a change committed is a change sent to the
// other countries even if the process dies the moment after. An error
// rolls the change back. Observers are told too, after the commit.
type Committer interface {
	ObserveInTx(tx *gorm.DB, e Event) error
}

// AddCommitter registers a committer. Call it before serving.
func (s *Service) AddCommitter(c Committer) { s.committers = append(s.committers, c) }

// emitTx tells the committers of an event inside tx. The event's permit is
// read inside tx, as the change left it, when e has none and a committer
// is registered.
func (s *Service) emitTx(tx *gorm.DB, e Event) error {
	if len(s.committers) == 0 {
		return nil
	}
	if e.Permit == nil {
		p, err := permitIn(tx, e.Number)
		if err != nil {
			return err
		}
		e.Permit = p
		if e.Endorsement != nil {
			for i := range p.Endorsements {
				if p.Endorsements[i].Direction == e.Endorsement.Direction {
					e.Endorsement = &p.Endorsements[i]
				}
			}
		}
	}
	for _, c := range s.committers {
		if err := c.ObserveInTx(tx, e); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) emit(ctx context.Context, e Event) {
	for _, o := range s.observers {
		o.Observe(ctx, e)
	}
}
