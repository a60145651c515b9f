package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"time"

	"github.com/opencites/opencites/api"
	"github.com/opencites/opencites/exchange"
	"github.com/opencites/opencites/metrics"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/registry"
	"github.com/opencites/opencites/scan"
	"github.com/opencites/opencites/web"
	"gorm.io/gorm"
)

// Main is the running service: citesd serve, and what end-to-end tests
// start on port 0 with a temporary database.
type Main struct {
	Config Config
	Log    *slog.Logger
	// Now replaces the clock (tests only).
	Now func() time.Time

	db   *gorm.DB
	reg  *registry.Registry
	http *http.Server
	ln   net.Listener

	exchange *exchange.Node
	metrics  *metrics.Metrics
}

// serveGCPercent is the garbage collector's setting for a serving process
// unless GOGC says otherwise. A scan allocates a good deal and keeps almost
// none of it, so collecting half as often as Go's default of 100 saves
// server CPU on every scan for some more resident memory, within the
// memory goal; collecting half as often again saved nothing more and went
// past the goal. The figures are in docs/benchmarks.md.
const serveGCPercent = 200

// tuneMemory applies serveGCPercent unless the operator set GOGC, and a
// soft memory limit of four fifths of the memory budget unless the operator set
// GOMEMLIMIT (the Go runtime reads both from the environment): the
// collector then works harder near the budget instead of letting garbage
// grow past it (at GOGC 200 a cold scan load reached 330 MB). A photo
// decode's memory, reserved in the decoding pool, comes on top; while one
// runs the collector works harder. It sizes the decoding pool.
func tuneMemory(cfg Config) {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serveGCPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		// Four fifths: resident memory also counts the program's own code
		// and data (about 30 MB) and memory the runtime has not handed
		// back yet, which the limit does not.
		debug.SetMemoryLimit(cfg.MemoryBudget * 4 / 5)
	}
	scan.DefaultPool = scan.NewPool(cfg.DecodeMemory, 0)
}

// openDB opens the database and migrates it.
func openDB(ctx context.Context, cfg Config, log *slog.Logger) (*gorm.DB, error) {
	db, err := models.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	v, err := models.Migrate(ctx, db)
	if err != nil {
		closeDB(db)
		return nil, err
	}
	log.Debug("schema ready", "version", v)
	return db, nil
}

func closeDB(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.Close()
	}
}

// Run opens the registry, creates the signing key on first start, and starts
// serving in the background. Close stops it.
func (m *Main) Run(ctx context.Context) error {
	if m.Now == nil {
		m.Now = time.Now
	}
	db, err := openDB(ctx, m.Config, m.Log)
	if err != nil {
		return err
	}
	m.db = db
	skey, err := sessionKey(m.Config.DataDir)
	if err != nil {
		return err
	}
	m.reg, err = registry.Open(ctx, registry.Config{DB: db, DataDir: m.Config.DataDir, Now: m.Now, BcryptCost: m.Config.BcryptCost, Logger: m.Log,
		MemoryBudget: m.Config.MemoryBudget})
	if err != nil {
		return err
	}
	svc := m.reg.Permits
	if m.Config.ExchangeURL != "" {
		peers, err := m.Config.peers()
		if err != nil {
			return err
		}
		m.exchange, err = exchange.Start(ctx, exchange.Config{URL: m.Config.ExchangeURL, Authority: m.Config.Authority,
			Peers: peers, Log: m.Log, Alerts: exchange.CasesSink{Cases: m.reg.Cases, Authority: m.Config.Authority}}, db, svc)
		if err != nil {
			return err
		}
		m.reg.Cases.OnCase(m.exchange.ShareCase)
		m.Log.Info("joined the regional exchange", "url", m.Config.ExchangeURL, "authority", m.Config.Authority, "peers", len(peers))
	}
	m.Log.Info("species listing", "version", m.reg.Listings.Current().Version())
	app, err := web.New()
	if err != nil {
		return fmt.Errorf("load the app: %w", err)
	}
	m.metrics = metrics.New(m.reg)
	if x := m.exchange; x != nil {
		stat := func(f func(exchange.Stats) float64) func() float64 {
			return func() float64 {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				st, err := x.Stats(ctx)
				if err != nil {
					return -1
				}
				return f(st)
			}
		}
		m.metrics.Gauge("cites_exchange_published", "Messages the broker accepted from this node.", stat(func(s exchange.Stats) float64 { return float64(s.Published) }))
		m.metrics.Gauge("cites_exchange_delayed", "Messages sent more than a second after they were queued.", stat(func(s exchange.Stats) float64 { return float64(s.Delayed) }))
		m.metrics.Gauge("cites_exchange_delivered", "Messages from other nodes applied here.", stat(func(s exchange.Stats) float64 { return float64(s.Delivered) }))
		m.metrics.Gauge("cites_exchange_rejected", "Messages refused (forgeries, bad messages).", stat(func(s exchange.Stats) float64 { return float64(s.Rejected) }))
		m.metrics.Gauge("cites_exchange_pending", "Messages waiting for their signing key.", stat(func(s exchange.Stats) float64 { return float64(s.Pending) }))
		m.metrics.Gauge("cites_exchange_outbox", "Messages not yet sent.", stat(func(s exchange.Stats) float64 { return float64(s.Outbox) }))
		m.metrics.Gauge("cites_exchange_lag_seconds", "From a message's creation at its sender to its application here, last seen.", stat(func(s exchange.Stats) float64 { return s.LastLag.Seconds() }))
	}
	srv, err := api.New(api.Config{Registry: m.reg, Metrics: m.metrics, MetricsToken: m.Config.MetricsToken, SessionKey: skey, Logger: m.Log, PublicURL: m.Config.PublicURL, App: app,
		TrustedProxies: m.Config.TrustedProxies, HSTS: m.Config.TLSCert != ""})
	if err != nil {
		return err
	}
	m.ln, err = net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.http = &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	m.http.RegisterOnShutdown(m.reg.Cases.EndStreams) // open alert streams would hold Shutdown
	if m.Config.PprofAddr != "" {
		go m.servePprof()
	}
	if m.Config.TLSCert != "" {
		// Fail at start, not at the first handshake, on an unreadable pair.
		cert, err := tls.LoadX509KeyPair(m.Config.TLSCert, m.Config.TLSKey)
		if err != nil {
			return fmt.Errorf("CITES_TLS_CERT/CITES_TLS_KEY: %w", err)
		}
		m.http.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	go func() {
		var err error
		if m.http.TLSConfig != nil {
			err = m.http.ServeTLS(m.ln, "", "")
		} else {
			err = m.http.Serve(m.ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("http server", "err", err)
		}
	}()
	// A fresh install has no account to sign in with, and the app says
	// that accounts come from an administrator: say how to make the first.
	if n, err := m.reg.Users.Admins(ctx); err == nil && n == 0 {
		m.Log.Warn("no administrator account yet: create the first with `citesd user add --username admin --role admin` " +
			"(it reads the password from standard input, with the same CITES_* settings as serve); " +
			"the administrator then creates the other accounts (citesd user add, or POST /api/v1/users)")
	}
	m.Log.Info("citesd listening", "addr", m.ln.Addr().String(), "database", m.Config.Redacted(), "data_dir", m.Config.DataDir)
	return nil
}

// Close stops accepting requests, lets running ones finish, writes the
// queued verification records and closes the database.
func (m *Main) Close() error {
	var err error
	if m.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = m.http.Shutdown(ctx)
		cancel()
	}
	if m.exchange != nil {
		m.exchange.Close()
	}
	if m.reg != nil {
		m.reg.Close()
	}
	if m.db != nil {
		closeDB(m.db)
	}
	return err
}

// servePprof exposes Go's profiler for diagnosing a slow server. It is off
// unless CITES_PPROF_ADDR is set, and must stay on a loopback address.
func (m *Main) servePprof() {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/heap", pprof.Index)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace) // where requests wait: go tool trace
	srv := &http.Server{Addr: m.Config.PprofAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	m.Log.Info("pprof listening", "addr", m.Config.PprofAddr)
	if err := srv.ListenAndServe(); err != nil {
		m.Log.Error("pprof", "err", err)
	}
}
