package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/scan"
)

// ErrorBody is every error response: a stable machine code and a sentence
// for a person.
type ErrorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
	// RequestID names the request in the server's log, for a report.
	RequestID string `json:"request_id,omitempty"`
	// Details is what a client acts on, for some codes (suggestions for
	// unknown_taxon, the lines of outside_range).
	Details any `json:"details,omitempty"`
}

var kindStatus = map[opencites.Kind]int{
	opencites.KindInternal:     http.StatusInternalServerError,
	opencites.KindInvalid:      http.StatusUnprocessableEntity,
	opencites.KindBadRequest:   http.StatusBadRequest,
	opencites.KindUnauthorized: http.StatusUnauthorized,
	opencites.KindForbidden:    http.StatusForbidden,
	opencites.KindNotFound:     http.StatusNotFound,
	opencites.KindConflict:     http.StatusConflict,
	opencites.KindTooMany:      http.StatusTooManyRequests,
}

var scanStatus = map[string]int{
	scan.InvalidImage:           http.StatusBadRequest,
	scan.UnsupportedImageFormat: http.StatusUnsupportedMediaType,
	scan.ImageTooLarge:          http.StatusRequestEntityTooLarge,
}

// StatusClientClosed is logged for a request whose client left before the
// answer (nginx's 499).
const StatusClientClosed = 499

// apiError is an error raised by the api layer itself.
func apiError(status int, code, msg string) *echo.HTTPError {
	return echo.NewHTTPError(status, ErrorBody{Error: code, Message: msg})
}

// handleError writes every error as JSON. Only 5xx are logged, with their
// cause; the client never sees internals.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if c.Request().Context().Err() != nil && opencites.KindOf(err) == opencites.KindInternal {
		// The client went away: nobody reads an answer, and the failure
		// is its leaving, no fault of ours. (A transaction is rolled back
		// when its request's context ends, and its commit then fails.)
		c.Response().WriteHeader(StatusClientClosed)
		return
	}
	status, body := s.errorBody(err)
	var de *opencites.Error
	if errors.As(err, &de) && de.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(de.RetryAfter.Seconds())+1))
	}
	if status == http.StatusInternalServerError && s.dbDown != nil && s.dbDown(err) {
		// The database is restarting or unreachable: the client may retry
		// the same request (with the same Idempotency-Key) shortly.
		status, body = http.StatusServiceUnavailable, ErrorBody{Error: "database_unavailable", Message: "the database is not answering; try again in a few seconds"}
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(DatabaseRetryAfter.Seconds())))
		s.log.Warn("database unavailable", "method", c.Request().Method, "path", c.Path(), "request_id", requestID(c), "err", err)
	}
	body.RequestID = requestID(c)
	l := localizer(c)
	body.Message = l.Text(body.Error, body.Message, nil)
	if body.Hint != "" {
		body.Hint = body.Message
	}
	if status >= 500 && status != http.StatusServiceUnavailable {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Path(), "request_id", body.RequestID, "err", err)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, body)
}

func (s *Server) errorBody(err error) (int, ErrorBody) {
	var de *opencites.Error
	if errors.As(err, &de) {
		status := kindStatus[de.Kind]
		if de.Kind == opencites.KindInternal {
			return status, ErrorBody{Error: "internal", Message: "internal error"}
		}
		return status, ErrorBody{Error: de.Code, Message: de.Message, Details: de.Details}
	}
	var se *scan.Error
	if errors.As(err, &se) {
		status, ok := scanStatus[se.Code]
		if !ok {
			status = http.StatusUnprocessableEntity
		}
		return status, ErrorBody{Error: se.Code, Message: se.Hint, Hint: se.Hint}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if b, ok := he.Message.(ErrorBody); ok {
			return he.Code, b
		}
		switch he.Code {
		case http.StatusNotFound:
			return he.Code, ErrorBody{Error: "route_not_found", Message: "no such endpoint"}
		case http.StatusMethodNotAllowed:
			return he.Code, ErrorBody{Error: "method_not_allowed", Message: "method not allowed on this endpoint"}
		case http.StatusRequestEntityTooLarge:
			return he.Code, ErrorBody{Error: "body_too_large", Message: "the request body is too large"}
		case http.StatusUnauthorized:
			return he.Code, ErrorBody{Error: "unauthorized", Message: "sign in first"}
		}
		if he.Code < 500 {
			return he.Code, ErrorBody{Error: "bad_request", Message: http.StatusText(he.Code)}
		}
	}
	return http.StatusInternalServerError, ErrorBody{Error: "internal", Message: "internal error"}
}

// RequestTimeout bounds every request but the alert stream.
const RequestTimeout = 30 * time.Second

// DatabaseRetryAfter is what a 503 database_unavailable asks the client
// to wait.
const DatabaseRetryAfter = 5 * time.Second

// requestID returns the request's id (see withRequestID).
func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// withRequestID names every request: the client's X-Request-ID when it
// sends a sane one, else a random one; it is sent back, logged with every
// line the request writes, and put in error answers.
func withRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if len(id) == 0 || len(id) > 64 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// deadline bounds a request: a database that stops answering must not
// hold a client past it (the alert stream, which lives long, has none).
func deadline(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if strings.HasSuffix(c.Path(), "/stream") {
				return next(c)
			}
			orig := c.Request()
			ctx, cancel := context.WithTimeout(orig.Context(), d)
			defer cancel()
			c.SetRequest(orig.WithContext(ctx))
			err := next(c)
			// The error handler tells a client that left by the request's
			// own context: give it back the one without this deadline.
			c.SetRequest(orig)
			if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && orig.Context().Err() == nil {
				c.Response().Header().Set("Retry-After", strconv.Itoa(int(DatabaseRetryAfter.Seconds())))
				return apiError(http.StatusServiceUnavailable, "request_timeout", "the request took too long; try again")
			}
			return err
		}
	}
}
