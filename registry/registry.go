// Package registry assembles one country's node: every domain service on
// one database, wired to each other as production runs them. citesd serve
// and every test that needs the whole registry build it here, so the
// wiring exists once.
package registry

import (
	"context"
	"log/slog"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/applications"
	"github.com/opencites/opencites/cases"
	"github.com/opencites/opencites/keys"
	"github.com/opencites/opencites/listings"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/notify"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/quotas"
	"github.com/opencites/opencites/users"
	"gorm.io/gorm"
)

// Config says how to build a Registry.
type Config struct {
	// DB is an open, migrated database (models.Open, models.Migrate).
	DB *gorm.DB
	// DataDir holds the private keys (DataDir/keys).
	DataDir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// BcryptCost is the password hash cost; 0 means bcrypt's default.
	BcryptCost int
	Logger     *slog.Logger
	// Rules are the alert thresholds; zero fields take the defaults.
	Rules cases.RulesConfig
	// NoRules leaves the alert rules engine out (the cases service too):
	// benchmarks of the registry alone.
	NoRules bool
	// Photos stores case photos; nil stores them in the database.
	Photos cases.PhotoStore
	// SignatureCache is permits.Config.SignatureCache.
	SignatureCache int
	// SyncRecords writes each verification record before answering instead
	// of through the batching recorder.
	SyncRecords bool
	// MemoryBudget sizes the caches (BudgetOf); 0 means DefaultMemoryBudget.
	MemoryBudget int64
	// KeyRefresh is how often the keyring rereads the key table, so that a
	// rotation or a compromise made anywhere takes effect here; 0 means
	// keys.DefaultRefresh. A negative value never rereads it on a timer
	// (one-shot commands).
	KeyRefresh time.Duration
}

// Registry is one node's services.
type Registry struct {
	DB           *gorm.DB
	Keys         *keys.Keyring
	Users        *users.Service
	Listings     *listings.Store
	Quotas       *quotas.Service
	Permits      *permits.Service
	Applications *applications.Service
	Notify       *notify.Service
	Cases        *cases.Service // nil with NoRules
	Recorder     *permits.Recorder
	Log          *slog.Logger
	// Budget is how the memory budget was divided among the caches.
	Budget Budget

	stop context.CancelFunc
}

// Open builds the registry on cfg.DB: it loads the keyring (creating the
// first signing key and the trust anchor on a fresh data directory), puts
// the newest stored species listing in force, and starts the verification
// recorder and the alert rules engine. Close stops them.
func Open(ctx context.Context, cfg Config) (*Registry, error) {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	r := &Registry{DB: cfg.DB, Log: log, Budget: BudgetOf(cfg.MemoryBudget)}
	var err error
	if r.Keys, err = keys.Open(ctx, cfg.DB, cfg.DataDir, now); err != nil {
		return nil, err
	}
	if created, err := r.Keys.EnsureActive(ctx, opencites.System); err != nil {
		return nil, err
	} else if created {
		k, _ := r.Keys.Signer(ctx)
		log.Info("created signing key", "kid", k.Kid, "dir", cfg.DataDir)
	}
	if _, err := r.Keys.Anchor(); err != nil {
		return nil, err
	}
	r.Users = users.New(cfg.DB, cfg.BcryptCost, now)
	r.Keys.SetAuthorities(r.Users.IssuingAuthorities)
	r.Listings = listings.New(cfg.DB, now)
	if _, err := r.Listings.Refresh(ctx); err != nil {
		return nil, err
	}
	r.Quotas = quotas.New(cfg.DB, r.Listings.Current, now)
	if !cfg.SyncRecords {
		r.Recorder = permits.NewRecorder(cfg.DB, log)
	}
	r.Permits = permits.New(permits.Config{DB: cfg.DB, Keys: r.Keys, Users: r.Users, Quotas: r.Quotas, Listings: r.Listings,
		Now: now, Recorder: r.Recorder, SignatureCache: orDefault(cfg.SignatureCache, r.Budget.Signatures), ContentCache: r.Budget.Contents})
	r.Applications = applications.New(cfg.DB, r.Permits, r.Keys)
	r.Notify = notify.New(cfg.DB, now)
	if !cfg.NoRules {
		r.Cases = cases.New(cases.Config{DB: cfg.DB, Permits: r.Permits, Photos: cfg.Photos, Rules: cfg.Rules, Logger: log})
		r.Permits.AddObserver(r.Cases)
		if r.Recorder != nil {
			r.Recorder.OnDeadLetter = func(v models.Verification, err error) {
				r.Cases.RaiseExternal(v.Authority, cases.RuleVerificationLog, "high", "recorder",
					cases.Say("alert_verification_log", map[string]string{"ID": v.ID, "Number": orDash(v.Number), "Port": orDash(v.Port), "Error": err.Error()},
						"A verification record (%s, permit %s, at %s) was refused by the database and set aside in dead_letters: %v. "+
							"Look into it: the inspection trail must be complete.", v.ID, orDash(v.Number), orDash(v.Port), err))
			}
		}
	}
	if cfg.KeyRefresh >= 0 {
		refresh := cfg.KeyRefresh
		if refresh == 0 {
			refresh = keys.DefaultRefresh
		}
		r.Keys.SetRefresh(refresh)
		bg, cancel := context.WithCancel(context.Background())
		r.stop = cancel
		// A failed reload keeps what is known; the next tick tries again.
		go every(bg, refresh, func() { _ = r.Keys.Reload(bg) })
		go every(bg, refresh, func() { _ = r.Users.LoadEndedSessions(bg) })
		go every(bg, time.Hour, func() { r.sweep(bg) })
		// A listing imported on any replica (or reaching its effective
		// date) comes into force without a restart.
		go every(bg, SpeciesRefresh, func() { r.refreshSpecies(bg) })
	}
	return r, nil
}

// Close stops the rules engine after it has evaluated what is queued, then
// writes the queued verification records. It leaves the database open.
func (r *Registry) Close() {
	if r.stop != nil {
		r.stop()
	}
	if r.Cases != nil {
		r.Cases.Close()
	}
	if r.Recorder != nil {
		r.Recorder.Close()
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// DatabaseUnavailable reports whether err means the database is
// unreachable or restarting, for a 503 instead of a 500.
func (r *Registry) DatabaseUnavailable(err error) bool { return models.Unavailable(err) }

// Answer is a creating request's stored answer, found by its
// Idempotency-Key.
type Answer struct {
	RequestHash string
	EntityType  string // "permit", "application", "case"
	EntityID    string
	Status      int // 0 while the answer is not stored (sent, or lost in a crash)
	Body        []byte
}

// IdempotentAnswer finds what a user's earlier request with key created.
func (r *Registry) IdempotentAnswer(ctx context.Context, userID int64, key string) (Answer, bool, error) {
	row, ok, err := models.FindIdempotency(ctx, r.DB, userID, key)
	if !ok || err != nil {
		return Answer{}, ok, err
	}
	return Answer{RequestHash: row.RequestHash, EntityType: row.EntityType, EntityID: row.EntityID, Status: row.Status, Body: row.Response}, true, nil
}

// StoreAnswer keeps the answer sent for a claimed key.
func (r *Registry) StoreAnswer(ctx context.Context, userID int64, key string, status int, body []byte) error {
	return models.StoreIdempotentAnswer(ctx, r.DB, userID, key, status, body)
}

// IdempotencyTTL is how long an Idempotency-Key and its answer are kept: a
// client retries within minutes; a phone's outbox within a day.
const IdempotencyTTL = 48 * time.Hour

// SpeciesRefresh is how often a registry looks for a newer species
// listing.
const SpeciesRefresh = time.Minute

func (r *Registry) refreshSpecies(ctx context.Context) {
	if changed, err := r.Listings.Refresh(ctx); err != nil && ctx.Err() == nil {
		r.Log.Error("refresh species listing", "err", err)
	} else if changed {
		r.Log.Info("species listing changed", "version", r.Listings.Current().Version())
	}
}

// sweep drops expired idempotency keys.
func (r *Registry) sweep(ctx context.Context) {
	if _, err := models.ForgetIdempotency(ctx, r.DB, time.Now().Add(-IdempotencyTTL)); err != nil && ctx.Err() == nil {
		r.Log.Warn("forget old idempotency keys", "err", err)
	}
}

// every runs f now and then every interval until ctx ends: the
// registry's background work, one loop for all of it.
func every(ctx context.Context, interval time.Duration, f func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		f()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func orDefault(set, def int) int {
	if set != 0 {
		return set
	}
	return def
}
