//go:build linux

package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestParseResponse: whole answers, by length or in chunks, are read
// with their body; a partial one waits for more bytes.
func TestParseResponse(t *testing.T) {
	var l loop
	for _, c := range []struct {
		in   string
		code int
		body string
		used bool
	}{
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, "hello", true},
		{"HTTP/1.1 201 Created\r\ncontent-length: 2\r\nX: y\r\n\r\n{}", 201, "{}", true},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n", 200, "abcde", true},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", 0, "", false},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", 0, "", false},
		{"HTTP/1.1 200 OK\r\nContent-Le", 0, "", false},
	} {
		code, body, used, err := l.parseResponse([]byte(c.in))
		if err != nil || code != c.code || string(body) != c.body || (used == len(c.in)) != c.used || (!c.used && used != 0) {
			t.Errorf("%q: code %d body %q used %d err %v", c.in, code, body, used, err)
		}
	}
	for _, bad := range []string{
		"HTTP/1.0 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\n",
	} {
		if _, _, _, err := l.parseResponse([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestLoopPaced: at a fixed rate every due request is sent and answered,
// and a server slower than the rate shows in the latencies, counted from
// when each request was due rather than from when a connection was free.
func TestLoopPaced(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		time.Sleep(20 * time.Millisecond)
		fmt.Fprint(w, `{"verdict":"valid"}`)
	}))
	defer srv.Close()
	req, host, err := rawRequest(srv.URL+"/api/v1/verify", "token", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	ok := func(code int, body []byte) bool { return code == 200 && strings.Contains(string(body), "valid") }
	// Two connections, each busy 20 ms a request: at most 100 requests a
	// second get through, and 200 a second are asked for.
	l, err := newLoop(host, 2, [][]byte{req}, ok)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	if err := l.run(200, 500*time.Millisecond, 0, true); err != nil {
		t.Fatal(err)
	}
	if n := len(l.latencies); n < 99 || n > 101 || served.Load() != int64(n) || l.errors != 0 {
		t.Fatalf("%d latencies, %d served, %d errors; want the 100 requests due in 0.5 s, all answered", n, served.Load(), l.errors)
	}
	// The last request was due at 0.5 s and answered at about 1 s.
	last := l.latencies[len(l.latencies)-1]
	for _, d := range l.latencies {
		last = max(last, d)
	}
	if last < 400*time.Millisecond {
		t.Errorf("worst latency %s: the queue behind the busy connections is not counted", last)
	}
}
