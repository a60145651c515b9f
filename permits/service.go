package permits

import (
	"context"
	"time"

	"github.com/opencites/opencites/internal/cache"
	"github.com/opencites/opencites/keys"
	"github.com/opencites/opencites/listings"
	"github.com/opencites/opencites/quotas"
	"github.com/opencites/opencites/users"
	"github.com/opencites/opencites/verifier"
	"gorm.io/gorm"
)

// Service is the permit registry.
type Service struct {
	db         *gorm.DB
	users      *users.Service
	quotas     *quotas.Service
	keys       *keys.Keyring
	listings   *listings.Store
	now        func() time.Time
	rec        *Recorder
	observers  []Observer
	committers []Committer
	lists      keys.Lists
	foreign    Foreign
	status     statusReader
	signatures *verifier.Cache

	// contents caches the parts of a permit that never change after issue
	// (header, parties, lines), so that verification of a permit scanned
	// before reads only the mutable status from the database (a permit
	// is kept from its second read: cache.NewAdmitting); guides caches
	// each permit's guidance per direction.
	contents *cache.Cache[permitKey, *Permit]
	guides   *cache.Cache[string, *guideEntry]
}

// Config wires a Service.
type Config struct {
	DB     *gorm.DB
	Users  *users.Service
	Quotas *quotas.Service
	Keys   *keys.Keyring
	// Listings is the CITES listing in force; nil uses the embedded one.
	Listings *listings.Store
	// Now is the clock; it defaults to time.Now. Tests inject their own.
	Now func() time.Time
	// Recorder stores verification records; nil records synchronously.
	Recorder *Recorder
	// SignatureCache is the memory, in bytes, for codes whose signature
	// verified: 0 means DefaultSignatureCache, a negative number none
	// (every scan pays the ECDSA check, as a code's first scan does).
	SignatureCache int
	// ContentCache is the memory, in bytes, for permits' fixed contents
	// and guidance; 0 means DefaultContentCache.
	ContentCache int
}

// Default cache budgets: about 4,000 verified codes (2 KB each), and the
// contents and guidance of about 8,000 permits, more than the permits a
// country's border posts see in a day.
const (
	DefaultSignatureCache = 8 << 20
	DefaultContentCache   = 24 << 20
)

// New returns a Service.
func New(cfg Config) *Service {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	ls := cfg.Listings
	if ls == nil {
		ls = listings.New(cfg.DB, cfg.Now)
	}
	s := &Service{db: cfg.DB, keys: cfg.Keys, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }, rec: cfg.Recorder, users: cfg.Users, quotas: cfg.Quotas}
	cb := cfg.ContentCache
	if cb <= 0 {
		cb = DefaultContentCache
	}
	s.contents = cache.NewAdmitting(cb*3/4, permitCost)
	s.status.db, s.status.contents = cfg.DB, s.contents
	s.guides = cache.New(cb/4, guideCost)
	switch n := cfg.SignatureCache; {
	case n == 0:
		s.signatures = verifier.NewCache(DefaultSignatureCache)
	case n > 0:
		s.signatures = verifier.NewCache(n)
	}
	s.listings = ls
	return s
}

// Now returns the service's clock reading.
func (s *Service) Now() time.Time { return s.now() }

// Keys returns the keyring.
func (s *Service) Keys() *keys.Keyring { return s.keys }

// Ping checks that the database answers.
func (s *Service) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}
