//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// loop drives the generator's keep-alive connections from one epoll loop
// on one OS thread, the way wrk does. A goroutine per connection costs Go's
// scheduler and netpoller far more CPU a request than wrk spends; on two
// cores shared with the server and PostgreSQL, that CPU would be taken
// from the server, and the figures would measure the generator
// (docs/benchmarks.md).
type loop struct {
	ep       int
	conns    map[int32]*loopConn
	idle     []*loopConn
	requests [][]byte
	sent     int
	// ok says whether an answer is what a healthy server sends.
	ok      func(code int, body []byte) bool
	scratch []byte // a chunked body, joined

	latencies []time.Duration
	errors    int64
}

type loopConn struct {
	fd   int
	rbuf []byte    // read, not yet parsed
	due  time.Time // when the request in flight was due
}

// newLoop opens n connections to addr ("host:port", loopback).
func newLoop(addr string, n int, requests [][]byte, ok func(int, []byte) bool) (*loop, error) {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	l := &loop{ep: ep, conns: map[int32]*loopConn{}, requests: requests, ok: ok}
	for range n {
		fd, err := dialRaw(addr)
		if err != nil {
			l.close()
			return nil, err
		}
		c := &loopConn{fd: fd, rbuf: make([]byte, 0, 16<<10)}
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}
		if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
			syscall.Close(fd)
			l.close()
			return nil, err
		}
		l.conns[int32(fd)] = c
		l.idle = append(l.idle, c)
	}
	return l, nil
}

func dialRaw(addr string) (int, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return -1, err
	}
	var sa syscall.Sockaddr
	family := syscall.AF_INET
	if ip4 := ta.IP.To4(); ip4 != nil {
		a := &syscall.SockaddrInet4{Port: ta.Port}
		copy(a.Addr[:], ip4)
		sa = a
	} else {
		a := &syscall.SockaddrInet6{Port: ta.Port}
		copy(a.Addr[:], ta.IP.To16())
		sa, family = a, syscall.AF_INET6
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := syscall.Connect(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, fmt.Errorf("connect %s: %w", addr, err)
	}
	if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

func (l *loop) close() {
	for fd := range l.conns {
		syscall.Close(int(fd))
	}
	syscall.Close(l.ep)
}

// run sends requests for d, or until limit requests were sent when
// limit > 0, and waits for their answers. With rate > 0, request i is due
// at start + i/rate whether or not a connection is free (open loop): a
// request waiting for one counts that wait in its latency, so a slow
// server cannot hide its queue (coordinated omission), and requests still
// queued when the time is up are sent and counted too. Due requests are
// released whenever the loop wakes, at least once a millisecond; that
// delay counts as well. With rate 0, an idle connection sends at once
// (closed loop, as wrk). record says whether latencies are kept (not
// during warm-up).
func (l *loop) run(rate float64, d time.Duration, limit int, record bool) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := time.Now()
	end := start.Add(d)
	var interval time.Duration
	if rate > 0 {
		interval = time.Duration(float64(time.Second) / rate)
	}
	var (
		queue    []time.Time // due, not yet sent
		released int
		events   = make([]syscall.EpollEvent, len(l.conns))
	)
	for {
		now := time.Now()
		releasing := now.Before(end) && (limit == 0 || released < limit)
		for releasing && (limit == 0 || released < limit) {
			due := now // closed loop: one for each idle connection
			if rate > 0 {
				due = start.Add(time.Duration(released) * interval)
			}
			if due.After(now) || (rate == 0 && len(queue) >= len(l.idle)) {
				break
			}
			queue = append(queue, due)
			released++
		}
		for len(l.idle) > 0 && len(queue) > 0 {
			c := l.idle[len(l.idle)-1]
			l.idle = l.idle[:len(l.idle)-1]
			if err := l.send(c, queue[0]); err != nil {
				return err
			}
			queue = queue[1:]
		}
		if !releasing && len(queue) == 0 && len(l.idle) == len(l.conns) {
			return nil
		}
		if now.Sub(end) > requestTimeout {
			return errors.New("the server stopped answering")
		}
		timeout := 1 // ms
		if !releasing || rate == 0 {
			timeout = 10
		}
		n, err := syscall.EpollWait(l.ep, events, timeout)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		now = time.Now()
		for _, ev := range events[:n] {
			if err := l.receive(l.conns[ev.Fd], now, record); err != nil {
				return err
			}
		}
	}
}

// send writes the next request on c. Requests are a few hundred bytes:
// a loopback socket takes them whole.
func (l *loop) send(c *loopConn, due time.Time) error {
	req := l.requests[l.sent%len(l.requests)]
	l.sent++
	c.due = due
	for len(req) > 0 {
		n, err := syscall.Write(c.fd, req)
		if err == syscall.EINTR || err == syscall.EAGAIN {
			continue
		}
		if err != nil {
			return fmt.Errorf("send: %w", err)
		}
		req = req[n:]
	}
	return nil
}

// receive reads what c has (one read: the loop is level-triggered) and
// completes its request when the whole answer is in.
func (l *loop) receive(c *loopConn, now time.Time, record bool) error {
	if len(c.rbuf) == cap(c.rbuf) {
		c.rbuf = append(c.rbuf, make([]byte, cap(c.rbuf))...)[:len(c.rbuf)]
	}
	n, err := syscall.Read(c.fd, c.rbuf[len(c.rbuf):cap(c.rbuf)])
	if err == syscall.EAGAIN || err == syscall.EINTR {
		return nil
	}
	if err != nil {
		return fmt.Errorf("receive: %w", err)
	}
	if n == 0 {
		return errors.New("the server closed a connection")
	}
	c.rbuf = c.rbuf[:len(c.rbuf)+n]
	code, body, used, err := l.parseResponse(c.rbuf)
	if err != nil || used == 0 {
		return err
	}
	if !l.ok(code, body) {
		if l.errors++; l.errors <= 3 {
			fmt.Fprintf(os.Stderr, "request failed: %d %.200s\n", code, body)
		}
	}
	if record {
		l.latencies = append(l.latencies, now.Sub(c.due))
	}
	if used != len(c.rbuf) {
		return errors.New("the server answered more than it was asked")
	}
	c.rbuf = c.rbuf[:0]
	l.idle = append(l.idle, c)
	return nil
}

// parseResponse parses the HTTP/1.1 response at the start of b: what
// citesd sends (Content-Length or chunked, kept alive). used is 0 while b
// holds only part of it; body is valid until the next call.
func (l *loop) parseResponse(b []byte) (code int, body []byte, used int, err error) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) > 64<<10 {
			return 0, nil, 0, errors.New("response header too large")
		}
		return 0, nil, 0, nil
	}
	head, rest := b[:end], b[end+4:]
	line, headers, _ := bytes.Cut(head, []byte("\r\n"))
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, nil, 0, fmt.Errorf("bad status line %q", line)
	}
	if code, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, nil, 0, fmt.Errorf("bad status line %q", line)
	}
	length, chunked := -1, false
	for len(headers) > 0 {
		var h []byte
		h, headers, _ = bytes.Cut(headers, []byte("\r\n"))
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return 0, nil, 0, err
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				return 0, nil, 0, errors.New("the server closes the connection")
			}
		}
	}
	switch {
	case chunked:
		l.scratch = l.scratch[:0]
		p := 0
		for {
			i := bytes.Index(rest[p:], []byte("\r\n"))
			if i < 0 {
				return 0, nil, 0, nil
			}
			sizeField, _, _ := bytes.Cut(rest[p:p+i], []byte(";"))
			size, err := strconv.ParseUint(string(bytes.TrimSpace(sizeField)), 16, 31)
			if err != nil {
				return 0, nil, 0, fmt.Errorf("bad chunk size: %w", err)
			}
			p += i + 2
			if len(rest) < p+int(size)+2 {
				return 0, nil, 0, nil
			}
			if size == 0 { // no trailers from citesd
				return code, l.scratch, end + 4 + p + 2, nil
			}
			l.scratch = append(l.scratch, rest[p:p+int(size)]...)
			p += int(size) + 2
		}
	case length >= 0:
		if len(rest) < length {
			return 0, nil, 0, nil
		}
		return code, rest[:length], end + 4 + length, nil
	}
	return 0, nil, 0, errors.New("response without a length")
}
