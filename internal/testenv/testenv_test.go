package testenv

import (
	"net"
	"testing"
)

// recorder is a testing.TB that records how the test would stop instead
// of stopping it.
type recorder struct {
	testing.TB
	stop string // "", "skip" or "fatal"
	msg  string
}

func (r *recorder) Helper()           {}
func (r *recorder) Skip(args ...any)  { r.stop, r.msg = "skip", args[0].(string) }
func (r *recorder) Fatal(args ...any) { r.stop, r.msg = "fatal", args[0].(string) }

func TestNeed(t *testing.T) {
	for _, c := range []struct {
		name, ci, requirePG string
		run                 func(tb testing.TB)
		stop, msg           string
	}{
		{"OK", "true", "1", func(tb testing.TB) { Need(tb, "zbarimg", true, "install zbar-tools") }, "", ""},
		{"Skip", "", "1", func(tb testing.TB) { Need(tb, "zbarimg", false, "install zbar-tools") },
			"skip", "zbarimg is not available (install zbar-tools)"},
		{"FailInCI", "true", "", func(tb testing.TB) { Need(tb, "zbarimg", false, "install zbar-tools") },
			"fatal", "zbarimg is not available (install zbar-tools); CI=true requires it"},
		{"CINotTrue", "1", "", func(tb testing.TB) { Need(tb, "zbarimg", false, "") },
			"skip", "zbarimg is not available"},
		{"Command", "true", "", func(tb testing.TB) { NeedCommand(tb, "no-such-program-here", "it does not exist") },
			"fatal", "no-such-program-here is not available (it does not exist); CI=true requires it"},
		{"PostgresSkipsInCI", "true", "", func(tb testing.TB) { NeedPostgres(tb, false, "CITES_TEST_POSTGRES_DSN is not set") },
			"skip", "PostgreSQL is not available (CITES_TEST_POSTGRES_DSN is not set)"},
		{"PostgresRequired", "", "1", func(tb testing.TB) { NeedPostgres(tb, false, "CITES_TEST_POSTGRES_DSN is not set") },
			"fatal", "PostgreSQL is not available (CITES_TEST_POSTGRES_DSN is not set); CITES_TEST_REQUIRE_POSTGRES=1 requires it"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("CI", c.ci)
			t.Setenv("CITES_TEST_REQUIRE_POSTGRES", c.requirePG)
			r := &recorder{TB: t}
			c.run(r)
			if r.stop != c.stop || r.msg != c.msg {
				t.Errorf("stopped with %s %q, want %s %q", r.stop, r.msg, c.stop, c.msg)
			}
		})
	}
}

func TestNeedTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	NeedTCP(r, "the service", addr)
	if r.stop != "" {
		t.Errorf("listening: stopped with %s %q", r.stop, r.msg)
	}
	ln.Close()
	NeedTCP(r, "the service", addr)
	if r.stop != "fatal" {
		t.Errorf("closed: stopped with %q %q, want fatal", r.stop, r.msg)
	}
}
