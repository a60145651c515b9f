package opencites

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
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

var kindNames = [...]string{"internal", "invalid", "bad_request", "unauthorized", "forbidden", "not_found", "conflict", "too_many"}

// String names the kind, for logs.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// Error is the one error type the domain returns. Code is a stable
// snake_case machine code; Message is safe to show to a person; Err, if set,
// is the internal cause and never leaves the server.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Err     error
	// RetryAfter, when set, is how long the caller should wait before
	// trying again (a sign-in limit, a database restarting).
	RetryAfter time.Duration
	// Details, when set, is data a client acts on (the suggestions for an
	// unknown name, the lines a warning is about); it is sent as JSON.
	Details any
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

// Invalid is a request that breaks a rule (KindInvalid).
func Invalid(code, format string, args ...any) *Error {
	return Errorf(KindInvalid, code, format, args...)
}

// Internal wraps an unexpected failure of operation op; its message never
// reaches a client.
func Internal(op string, err error) *Error {
	return &Error{Kind: KindInternal, Code: "internal", Message: "internal error", Err: fmt.Errorf("%s: %w", op, err)}
}

// AsDomain passes a domain error (anywhere in err's chain) through and
// wraps anything else as Internal.
func AsDomain(op string, err error) error {
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	return Internal(op, err)
}

// CodeOf returns the machine code of err, or "internal".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "internal"
}

// KindOf returns the kind of err, KindInternal for an error of no kind.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// CheckLen refuses a text field longer than max characters with
// field_too_long, naming the field.
func CheckLen(field, v string, max int) error {
	if utf8.RuneCountInString(v) > max {
		return Invalid("field_too_long", "%s is longer than %d characters", field, max)
	}
	return nil
}
