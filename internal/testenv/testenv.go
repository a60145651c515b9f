// Package testenv decides, in one place, what a test does when a tool or
// service it needs is missing: on a developer's machine it skips; where the
// environment promises everything, it fails, so that CI can never pass with
// those tests silently skipped. CI=true makes that promise for tools and
// services (.ci/run sets it once it has installed and started them);
// CITES_TEST_REQUIRE_POSTGRES=1 makes it for the PostgreSQL server alone, so
// that `make test-pg` insists on the database without requiring the rest.
package testenv

import (
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// CI reports whether the tests run under CI=true, where a missing tool or
// service fails the test instead of skipping it.
func CI() bool { return os.Getenv("CI") == "true" }

// Need lets the test go on when ok. Otherwise it stops tb, saying that what
// is not available and, in hint, how to get it or the error that showed it
// missing: it skips the test, or fails it under CI=true.
func Need(tb testing.TB, what string, ok bool, hint string) {
	tb.Helper()
	need(tb, CI(), "CI=true", what, ok, hint)
}

// NeedCommand returns the path of the program name found on the PATH, or
// stops tb as Need does; hint says how to install it.
func NeedCommand(tb testing.TB, name, hint string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	Need(tb, name, err == nil, hint)
	return path
}

// NeedTCP checks that a service (what, for the message) accepts
// connections at addr within a second, or stops tb as Need does.
func NeedTCP(tb testing.TB, what, addr string) {
	tb.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		Need(tb, what+" at "+addr, false, err.Error())
		return
	}
	c.Close()
}

// NeedPostgres is Need for the PostgreSQL server the database tests share,
// which CITES_TEST_REQUIRE_POSTGRES=1 requires rather than CI=true.
func NeedPostgres(tb testing.TB, ok bool, hint string) {
	tb.Helper()
	need(tb, os.Getenv("CITES_TEST_REQUIRE_POSTGRES") == "1", "CITES_TEST_REQUIRE_POSTGRES=1", "PostgreSQL", ok, hint)
}

// need skips tb, or fails it when required (by the setting named in by),
// unless ok.
func need(tb testing.TB, required bool, by, what string, ok bool, hint string) {
	tb.Helper()
	if ok {
		return
	}
	msg := what + " is not available"
	if hint != "" {
		msg += " (" + hint + ")"
	}
	if required {
		tb.Fatal(msg + "; " + by + " requires it")
		return
	}
	tb.Skip(msg)
}
