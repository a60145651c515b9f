package permits

import (
	"context"
	"time"

	"github.com/opencites/opencites"
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

func (s *Service) emit(ctx context.Context, e Event) {
	for _, o := range s.observers {
		o.Observe(ctx, e)
	}
}
