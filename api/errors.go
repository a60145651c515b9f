package api

import (
	"errors"
	"net/http"
	"strconv"

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
	l := localizer(c)
	body.Message = l.Text(body.Error, body.Message, nil)
	if body.Hint != "" {
		body.Hint = body.Message
	}
	if status >= 500 {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Path(), "err", err)
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
		return status, ErrorBody{Error: de.Code, Message: de.Message}
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
