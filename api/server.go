package api

import (
	"crypto/subtle"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/opencites/opencites/applications"
	"github.com/opencites/opencites/cases"
	"github.com/opencites/opencites/listings"
	"github.com/opencites/opencites/metrics"
	"github.com/opencites/opencites/notify"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/quotas"
	"github.com/opencites/opencites/registry"
	"github.com/opencites/opencites/users"
)

//go:embed openapi.yaml
var openAPI []byte

// OpenAPI returns the API description served at /api/v1/openapi.yaml.
func OpenAPI() []byte { return openAPI }

// Limits on request bodies.
const (
	MaxJSONBody  = 1 << 20  // 1 MiB
	MaxPhotoSize = 20 << 20 // 20 MiB, the photo itself
)

// Config wires a Server.
type Config struct {
	// Registry is the node's services (package registry).
	Registry *registry.Registry
	// SessionKey signs session tokens (HMAC-SHA256); at least 32 bytes.
	SessionKey []byte
	Logger     *slog.Logger
	// PublicURL is where readers of a printed permit verify it, e.g.
	// https://cites.gov.kg; it is printed under the QR code.
	PublicURL string
	// TrustedProxies are the networks of reverse proxies whose
	// X-Forwarded-For header names the client (CITES_TRUSTED_PROXIES); with
	// none, the client is the connection's peer and the header is ignored,
	// so that a client cannot pick the address its sign-in attempts count
	// against.
	TrustedProxies []*net.IPNet
	// Metrics, if set, times every request and is served at /metrics, to
	// MetricsToken as a bearer token, or without one to loopback clients
	// only.
	Metrics      *metrics.Metrics
	MetricsToken string
	// HSTS sends Strict-Transport-Security on every answer: set it when the
	// server (or the proxy in front of it) speaks only HTTPS.
	HSTS bool
	// App is the phone app (package web), served under /app/; nil serves
	// the API alone.
	App http.Handler
}

// Server is the HTTP API.
type Server struct {
	echo          *echo.Echo
	reg           *registry.Registry
	svc           *permits.Service
	users         *users.Service
	listings      *listings.Store
	quotas        *quotas.Service
	apps          *applications.Service
	notify        *notify.Service
	recorder      *permits.Recorder
	sessionKey    []byte
	sessionParser *jwt.Parser
	log           *slog.Logger
	sessions      *sessionCache
	guidance      renderedGuidance
	qrImages      *qrImages
	publicURL     string
	cases         *cases.Service
	app           http.Handler
	hsts          bool
	dbDown        func(error) bool
	metrics       *metrics.Metrics
	metricsToken  string
}

// New builds the server and its routes.
func New(cfg Config) (*Server, error) {
	if len(cfg.SessionKey) < 32 {
		return nil, errors.New("api: session key must be at least 32 bytes")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{
		echo:         echo.New(),
		reg:          cfg.Registry,
		svc:          cfg.Registry.Permits,
		users:        cfg.Registry.Users,
		listings:     cfg.Registry.Listings,
		quotas:       cfg.Registry.Quotas,
		apps:         cfg.Registry.Applications,
		notify:       cfg.Registry.Notify,
		recorder:     cfg.Registry.Recorder,
		sessionKey:   cfg.SessionKey,
		log:          log,
		publicURL:    strings.TrimRight(cfg.PublicURL, "/"),
		cases:        cfg.Registry.Cases,
		app:          cfg.App,
		hsts:         cfg.HSTS,
		metrics:      cfg.Metrics,
		metricsToken: cfg.MetricsToken,
		dbDown:       cfg.Registry.DatabaseUnavailable,
		sessions:     newSessionCache(cfg.Registry.Budget.Sessions),
		guidance:     newRenderedGuidance(cfg.Registry.Budget.Rendered),
		qrImages:     newQRImages(cfg.Registry.Budget.QRImages),
	}
	if s.publicURL == "" {
		s.publicURL = "http://localhost:8080"
	}
	s.echo.IPExtractor = echo.ExtractIPDirect()
	if len(cfg.TrustedProxies) > 0 {
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range cfg.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(n))
		}
		s.echo.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	s.sessionParser = jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.now))
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	s.routes()
	return s, nil
}

// recoverPanics turns a handler's panic into an internal error for
// HTTPErrorHandler, logging the panicking goroutine's stack.
func (s *Server) recoverPanics() echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic", "path", c.Path(), "err", err, "stack", string(stack))
			return err
		},
	})
}

func (s *Server) now() time.Time { return s.svc.Now() }

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Routes lists "METHOD path" for every registered route, for the OpenAPI
// consistency test.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.echo.Routes() {
		if r.Method == echo.RouteNotFound { // Echo's own catch-all for groups
			continue
		}
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

var jsonLimit = middleware.BodyLimit(fmt.Sprint(MaxJSONBody/1024) + "K")

// bindJSON decodes a JSON body strictly: the right content type, no unknown
// fields (a typo such as "valid_untill" is an error, not a silent default),
// names matched exactly, no duplicate names, nothing after the object.
//
// It decodes with encoding/json/v2's prototype (go-json-experiment/json,
// the package that Go ships as encoding/json/v2 behind GOEXPERIMENT=jsonv2):
// decoding a scan's request with encoding/json was a sizeable share of the
// server's work on a scan, and this takes a fraction of its time and
// allocations (docs/benchmarks.md).
func bindJSON(c echo.Context, v any) error {
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if ct != echo.MIMEApplicationJSON {
		return apiError(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
	}
	body := http.MaxBytesReader(c.Response(), c.Request().Body, MaxJSONBody)
	if err := json.UnmarshalRead(body, v, json.RejectUnknownMembers(true)); err != nil {
		var mbe *http.MaxBytesError
		var he *echo.HTTPError
		if errors.As(err, &mbe) || (errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge) {
			return apiError(http.StatusRequestEntityTooLarge, "body_too_large", "the request body is too large")
		}
		var syn *jsontext.SyntacticError
		if errors.As(err, &syn) && strings.Contains(syn.Err.Error(), "invalid UTF-8") {
			return errBadText("field " + strconv.Quote(strings.TrimPrefix(string(syn.JSONPointer), "/")))
		}
		return apiError(http.StatusBadRequest, "invalid_json", "the body is not valid JSON for this endpoint: "+jsonProblem(err))
	}
	if field := textField(reflect.ValueOf(v), ""); field != "" {
		return errBadText("field " + strconv.Quote(field))
	}
	return nil
}

// jsonProblem names what was wrong without echoing the input back.
func jsonProblem(err error) string {
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	field := func(p jsontext.Pointer) string { return strings.TrimPrefix(string(p), "/") }
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "the body is empty or cut short"
	case errors.Is(err, jsontext.ErrDuplicateName) && errors.As(err, &syn):
		return fmt.Sprintf("field %q appears twice", field(syn.JSONPointer))
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d (one JSON object is expected)", syn.ByteOffset)
	case errors.Is(err, json.ErrUnknownName) && errors.As(err, &sem):
		return fmt.Sprintf("unknown field %q", field(sem.JSONPointer))
	case errors.As(err, &sem) && sem.JSONPointer == "":
		return "the body must be a JSON object"
	case errors.As(err, &sem) && sem.GoType != nil:
		return fmt.Sprintf("field %q must be %s", field(sem.JSONPointer), sem.GoType)
	}
	return "it could not be decoded"
}

// securityHeaders marks every answer nosniff (a browser must never read an
// upload or an error as HTML) and, on an HTTPS deployment, HSTS.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if s.hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		return next(c)
	}
}

// noStore keeps API answers (permits, cases, sessions) out of every cache;
// the public lists that may be cached say so themselves.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

// serveMetrics answers Prometheus: to the metrics token, or without one
// only to the machine itself (the counts say how busy each border post is).
func (s *Server) serveMetrics(c echo.Context) error {
	if s.metricsToken != "" {
		if subtle.ConstantTimeCompare([]byte(c.Request().Header.Get("Authorization")), []byte("Bearer "+s.metricsToken)) != 1 {
			return apiError(http.StatusUnauthorized, "unauthorized", "metrics need the metrics token")
		}
	} else if ip := net.ParseIP(c.RealIP()); ip == nil || !ip.IsLoopback() {
		return apiError(http.StatusForbidden, "forbidden", "metrics are served to this machine only; set CITES_METRICS_TOKEN to scrape from elsewhere")
	}
	s.metrics.Handler().ServeHTTP(c.Response(), c.Request())
	return nil
}
