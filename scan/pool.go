package scan

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"golang.org/x/sync/semaphore"
)

// DefaultMemory is the memory of DefaultPool: 256 MiB.
const DefaultMemory = 256 << 20

// ErrBusy is wrapped by the error of a decode whose context ended while it
// waited for its share of the pool: the server is busy, the image may be
// fine.
var ErrBusy = errors.New("scan: busy: no decode memory came free in time")

// Pool bounds the image decodes that run at once, in memory and in number,
// across everything that shares it. Before decoding, each decode reads the
// image's header, works out what the decode will hold (see Cost in the
// package documentation) and waits until that many bytes of the pool's
// memory and one of its workers are free. An image whose decode would need
// more than the whole pool is refused with image_too_large.
type Pool struct {
	mem     *semaphore.Weighted
	size    int64
	workers chan struct{}
}

// NewPool returns a pool of memory bytes (DefaultMemory if 0 or less)
// that runs at most workers decodes at once (runtime.GOMAXPROCS if 0 or
// less: a decode keeps a core busy).
func NewPool(memory int64, workers int) *Pool {
	if memory <= 0 {
		memory = DefaultMemory
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return &Pool{mem: semaphore.NewWeighted(memory), size: memory, workers: make(chan struct{}, workers)}
}

// DefaultPool is the pool of every decode whose Options name no other: one
// per process, so that the server's decodes share one budget. A program
// that configures its size replaces it before it decodes anything.
var DefaultPool = NewPool(DefaultMemory, 0)

// Memory returns the pool's size in bytes.
func (p *Pool) Memory() int64 { return p.size }

// gcShare is the fraction of the pool from which a released reservation is
// collected before the next decode takes its place (see Reserve).
const gcShare = 16

// Reserve waits until n bytes and a worker are free and returns the
// function that gives them back. Decodes call it with their cost; other
// work that should share the bound (checking a PDF) may too. It fails with
// image_too_large when n is more than the pool holds, and with an error
// wrapping ErrBusy and ctx.Err() when ctx ends first.
//
// The release of a large reservation (a sixteenth of the pool or more)
// runs the garbage collector first: the decode's pixels are garbage by
// then, but the Go heap would otherwise grow by the next decode's share
// before its pacer collected them (by up to GOGC percent of the live heap,
// 200% under citesd serve), and the pool would bound the live memory but
// not the resident size.
func (p *Pool) Reserve(ctx context.Context, n int64) (release func(), err error) {
	if n > p.size {
		return nil, newError(ImageTooLarge, fmt.Errorf("decoding needs %d MB, more than the %d MB of decode memory", n>>20, p.size>>20))
	}
	n = max(n, 1)
	select {
	case p.workers <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrBusy, ctx.Err())
	}
	if err := p.mem.Acquire(ctx, n); err != nil {
		<-p.workers
		return nil, fmt.Errorf("%w: %w", ErrBusy, err)
	}
	return func() {
		if n >= p.size/gcShare {
			runtime.GC()
		}
		p.mem.Release(n)
		<-p.workers
	}, nil
}
