package models

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unavailable reports whether err means the database cannot be reached or
// is restarting (not that it refused the request): the connection was
// refused or broken, PostgreSQL is shutting down or starting up, or SQLite
// stayed locked past its busy timeout. Callers answer such errors with
// 503 and Retry-After; the connection pool reconnects by itself.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// 08: connection exception; 57P01-03: admin or crash shutdown,
		// cannot connect now; 53300: too many connections.
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P") || pgErr.Code == "53300"
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connErr), errors.As(err, &netErr),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, io.ErrUnexpectedEOF), pgconn.SafeToRetry(err):
		return true
	case errors.Is(err, context.DeadlineExceeded):
		return false // the request's own deadline: not the database's state
	}
	msg := err.Error()
	for _, s := range []string{"conn closed", "connection refused", "broken pipe", "database is locked", "SQLITE_BUSY",
		"failed to connect", "the database system is", "unexpected EOF", "server closed the connection"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
