//go:build !linux

package main

import (
	"errors"
	"time"
)

// The generator's event loop uses Linux's epoll; elsewhere, use wrk.
type loop struct {
	latencies []time.Duration
	errors    int64
}

func newLoop(string, int, [][]byte, func(int, []byte) bool) (*loop, error) {
	return nil, errors.New("citesload runs on Linux only; use wrk (scripts/loadtest.sh)")
}

func (l *loop) run(float64, time.Duration, int, bool) error { return nil }
func (l *loop) close()                                      {}
