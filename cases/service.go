package cases

import (
	"context"
	"log/slog"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/permits"
	"gorm.io/gorm"
)

// Service records cases and runs the alert rules.
type Service struct {
	db      *gorm.DB
	permits *permits.Service
	photos  PhotoStore
	engine  *Engine
	log     *slog.Logger
	now     func() time.Time
	onCase  func(ctx context.Context, c *Case)
	onAlert func(rule, severity string, occurrences int)
}

// Config wires a Service.
type Config struct {
	DB      *gorm.DB
	Permits *permits.Service
	// Photos stores case photos; nil stores them in the database.
	Photos PhotoStore
	// Rules are the alert thresholds; zero fields take DefaultRules' values.
	Rules  RulesConfig
	Logger *slog.Logger
}

// New returns a Service and starts its rules engine; Close stops it.
// Register the Service with permits.Service.AddObserver so that the rules
// see verifications, issues, revocations and endorsements.
func New(cfg Config) *Service {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	st := cfg.Photos
	if st == nil {
		st = NewDBStore(cfg.DB)
	}
	s := &Service{db: cfg.DB, permits: cfg.Permits, photos: st, log: log, now: cfg.Permits.Now}
	s.engine = newEngine(s, cfg.Rules.withDefaults())
	return s
}

// Close stops the rules engine after it has evaluated what is queued.
func (s *Service) Close() { s.engine.close() }

// Observe queues a registry event for the rules, whether or not ctx has
// ended (the event is committed); it implements permits.Observer and waits
// only while the rules' queue is full, at most ObserveWait.
func (s *Service) Observe(ctx context.Context, e permits.Event) { s.engine.observe(ctx, e) }

// Flush returns once every event queued before the call is evaluated.
func (s *Service) Flush(ctx context.Context) error { return s.engine.flush(ctx) }

// settle lets the rules engine handle the events already queued, for at
// most two seconds, so that alert lists and counts include what was just
// scanned or issued.
func (s *Service) settle(ctx context.Context) {
	fctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_ = s.Flush(fctx)
}

// Rules returns the thresholds in force.
func (s *Service) Rules() RulesConfig { return s.engine.cfg }

// Who may do what. Officers record and edit their authority's cases;
// analysts read them, the alerts and the summaries; admins read
// everything; issuers see their authority's alerts; exporters nothing.

// readScope reports whether the actor may read cases at all, and
// returns the authority they are limited to ("" for all).
func readScope(a opencites.Actor) (authority string, err error) {
	switch a.Role {
	case opencites.RoleAdmin:
		return "", nil
	case opencites.RoleOfficer, opencites.RoleAnalyst:
		if a.Authority == "" {
			return "", opencites.Errorf(opencites.KindForbidden, "authority_required", "your account is not bound to an authority: ask an admin to set one")
		}
		return a.Authority, nil
	}
	return "", opencites.Forbidden(a)
}

// writeScope is the authority an officer records cases for.
func writeScope(a opencites.Actor) (string, error) {
	if a.Role != opencites.RoleOfficer {
		return "", opencites.Forbidden(a)
	}
	if a.Authority == "" {
		return "", opencites.Errorf(opencites.KindForbidden, "authority_required", "your account is not bound to an authority: ask an admin to set one")
	}
	return a.Authority, nil
}

// alertScope is the authority whose alerts the actor sees ("" for all).
func alertScope(a opencites.Actor) (string, error) {
	switch a.Role {
	case opencites.RoleAdmin:
		return "", nil
	case opencites.RoleAnalyst, opencites.RoleIssuer:
		if a.Authority == "" {
			return "", opencites.Errorf(opencites.KindForbidden, "authority_required", "your account is not bound to an authority: ask an admin to set one")
		}
		return a.Authority, nil
	}
	return "", opencites.Forbidden(a)
}

// statsScope is the authority whose summaries the actor reads ("" for all).
func statsScope(a opencites.Actor, asked string) (string, error) {
	switch a.Role {
	case opencites.RoleAdmin:
		return asked, nil
	case opencites.RoleAnalyst:
		if a.Authority == "" {
			return "", opencites.Errorf(opencites.KindForbidden, "authority_required", "your account is not bound to an authority: ask an admin to set one")
		}
		return a.Authority, nil
	}
	return "", opencites.Forbidden(a)
}

// RaiseExternal records an alert that came from outside this node's rules,
// such as a seizure shared by another country over the regional exchange or
// a message the exchange refused. Alerts of one rule and group merge as
// the engine's own do.
func (s *Service) RaiseExternal(authority, rule, severity, group string, reason Reason, evidence ...Evidence) {
	s.engine.external(raised{authority: authority, rule: rule, severity: severity, group: group, said: reason, evidence: evidence})
}

// OnCase registers a function told of every new case after it is stored,
// such as the regional exchange sharing a seizure. Call it before serving.
func (s *Service) OnCase(f func(ctx context.Context, c *Case)) { s.onCase = f }

// OnAlert registers a function told of every alert raised or merged into
// an open one (the metrics count them). Call it before serving.
func (s *Service) OnAlert(f func(rule, severity string, occurrences int)) { s.onAlert = f }
