package permits

import (
	"context"
	"time"

	"github.com/opencites/opencites/verifier"
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
}

// SetForeign connects the regional exchange. Call it before serving.
func (s *Service) SetForeign(f Foreign) { s.foreign = f }
