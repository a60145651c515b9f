package permits

import (
	"errors"
	"fmt"
)

// Kind classifies an Error so that a transport can pick its status.
type Kind int

const (
	KindInternal     Kind = iota // a fault of ours; the cause is logged, never shown
	KindInvalid                  // the request breaks a rule (HTTP 422)
	KindBadRequest               // the request cannot be read (HTTP 400)
	KindUnauthorized             // not signed in, or bad credentials (HTTP 401)
	KindForbidden                // signed in but not allowed (HTTP 403)
	KindNotFound                 // no such record visible to the caller (HTTP 404)
	KindConflict                 // the record's state forbids it (HTTP 409)
	KindTooMany                  // rate limited (HTTP 429)
)

// Error is the one error type the domain returns. Code is a stable
// snake_case machine code; Message is safe to show to a person; Err, if set,
// is the internal cause and never leaves the server.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds a domain error with a formatted message.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// internal wraps an unexpected failure; its message never reaches a client.
func internal(op string, err error) error {
	return &Error{Kind: KindInternal, Code: "internal", Message: "internal error", Err: fmt.Errorf("%s: %w", op, err)}
}

// CodeOf returns the machine code of err, or "internal".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "internal"
}
