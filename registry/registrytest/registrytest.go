// Package registrytest builds a whole registry on a fresh test database,
// wired as citesd serve wires it (package registry), for the tests and
// benchmarks of api, cases, permits and exchange.
package registrytest

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/cases"
	"github.com/opencites/opencites/models/modelstest"
	"github.com/opencites/opencites/registry"
	"github.com/opencites/opencites/users"
)

// Clock is a settable clock shared by a registry and its test.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set sets the clock.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// Options change the registry a test gets; the zero value is production's
// wiring with a fast password hash and a silent log.
type Options struct {
	Now     func() time.Time // nil: time.Now
	Log     io.Writer        // nil: discarded
	DataDir string           // "": a temporary directory
	// Rules are the alert thresholds; NoRules leaves the engine out.
	Rules          cases.RulesConfig
	NoRules        bool
	SignatureCache int
	SyncRecords    bool
	KeyRefresh     time.Duration
}

// New opens a registry on the database dsn names (modelstest.NewSQLite,
// modelstest.NewPostgres) and closes it when the test ends.
func New(tb testing.TB, dsn string, o Options) *registry.Registry {
	tb.Helper()
	db := modelstest.MustOpen(tb, dsn)
	dir := o.DataDir
	if dir == "" {
		dir = tb.TempDir()
	}
	w := o.Log
	if w == nil {
		w = io.Discard
	}
	reg, err := registry.Open(context.Background(), registry.Config{DB: db, DataDir: dir, Now: o.Now, BcryptCost: 4,
		Logger: slog.New(slog.NewTextHandler(w, nil)), Rules: o.Rules, NoRules: o.NoRules,
		SignatureCache: o.SignatureCache, SyncRecords: o.SyncRecords, KeyRefresh: o.KeyRefresh})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(reg.Close)
	return reg
}

// MustUser creates an account and returns it as an actor.
func MustUser(tb testing.TB, reg *registry.Registry, u users.NewUser) opencites.Actor {
	tb.Helper()
	created, err := reg.Users.Create(context.Background(), opencites.System, u)
	if err != nil {
		tb.Fatal(err)
	}
	return opencites.Actor{UserID: created.ID, Username: created.Username, Role: created.Role, Authority: created.Authority}
}
