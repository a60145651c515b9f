// Package metrics exposes what an operator watches, in Prometheus's text
// format at /metrics: verifications by verdict and mode, HTTP latency by
// route, issues and endorsements, alerts, the verification log, the
// signing key's age, the database pool and the regional exchange. It
// observes the registry (permits.Observer) and reads the other services'
// own counters when scraped; it changes nothing.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/registry"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors of one node.
type Metrics struct {
	reg *prometheus.Registry

	verifications *prometheus.CounterVec
	events        *prometheus.CounterVec
	alerts        *prometheus.CounterVec
	http          *prometheus.HistogramVec
}

// New registers the node's collectors and observes its registry.
func New(r *registry.Registry) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.verifications = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cites_verifications_total",
		Help: "Codes checked by the server, by verdict, mode (online) and source (code, photo)."}, []string{"verdict", "mode", "source"})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cites_permit_events_total",
		Help: "Permits issued, revoked, endorsed and endorsements refused."}, []string{"kind"})
	m.alerts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cites_alerts_total",
		Help: "Alert occurrences raised by the rules, by rule and severity."}, []string{"rule", "severity"})
	m.http = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "cites_http_request_duration_seconds",
		Help:    "HTTP requests by route, method and status class.",
		Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"route", "method", "code"})
	m.reg.MustRegister(m.verifications, m.events, m.alerts, m.http,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if sqlDB, err := r.DB.DB(); err == nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(sqlDB, "registry"))
	}
	if rec := r.Recorder; rec != nil {
		m.gauge("cites_verification_log_written", "Verification records written.", func() float64 { return float64(rec.Stats().Written) })
		m.gauge("cites_verification_log_dead_letters", "Verification records the database refused, set aside.", func() float64 { return float64(rec.Stats().DeadLettered) })
		m.gauge("cites_verification_log_failing", "1 while verification records cannot be written.", func() float64 {
			if rec.Stats().Failing {
				return 1
			}
			return 0
		})
	}
	keys := r.Keys
	m.gauge("cites_signing_key_age_seconds", "Age of the key signing now.", func() float64 {
		k, err := keys.Signer(context.Background())
		if err != nil {
			return -1
		}
		return time.Since(k.ActivatesAt).Seconds()
	})
	r.Permits.AddObserver(m)
	if r.Cases != nil {
		r.Cases.OnAlert(func(rule, severity string, n int) { m.alerts.WithLabelValues(rule, severity).Add(float64(n)) })
	}
	return m
}

func (m *Metrics) gauge(name, help string, f func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}

// Gauge adds a value read when scraped (the exchange's counters).
func (m *Metrics) Gauge(name, help string, f func() float64) { m.gauge(name, help, f) }

// Observe counts the registry's events; it implements permits.Observer.
func (m *Metrics) Observe(_ context.Context, e permits.Event) {
	switch e.Kind {
	case permits.EventVerification:
		if v := e.Verification; v != nil {
			m.verifications.WithLabelValues(v.Verdict, "online", v.Source).Inc()
		}
	default:
		m.events.WithLabelValues(e.Kind).Inc()
	}
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Middleware times every request by its route pattern (never the raw
// path, which holds permit numbers).
func (m *Metrics) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		code := c.Response().Status
		if err != nil {
			if he, ok := err.(*echo.HTTPError); ok {
				code = he.Code
			} else if code < 400 {
				code = 500
			}
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		m.http.WithLabelValues(route, c.Request().Method, strconv.Itoa(code/100)+"xx").Observe(time.Since(start).Seconds())
		return err
	}
}
