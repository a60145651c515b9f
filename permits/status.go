package permits

import (
	"context"
	"sync"
	"time"

	"github.com/opencites/opencites/internal/cache"
	"github.com/opencites/opencites/models"
	"gorm.io/gorm"
)

// statusReader reads permits' mutable status for verification, batching
// the reads of scans that arrive together into one query. A busy border
// post's scans would otherwise cost one database round trip each, and the
// database's per-query work, not the signature check, would bound the
// verify rate.
//
// Batching never serves a stale answer: a read joins only a query that
// has not been sent yet, so every verification sees each revocation that
// committed before it arrived, whichever replica committed it.
type statusReader struct {
	db *gorm.DB
	// contents holds permits' fixed contents: a batch reads only the
	// status of the permits found there, and the whole permit, status
	// included and in the same query, of the others, which it hands to
	// their scans and offers to the cache.
	contents *cache.Cache[permitKey, *Permit]

	mu      sync.Mutex
	pending []*statusWait
	running int // queries in flight, at most maxStatusQueries
}

// maxStatusQueries is how many batched status queries run at once, and
// secondQueryAt how many scans must be waiting before a second starts;
// other scans arriving while a query runs wait for the next. Each query
// costs PostgreSQL a fixed share besides its rows, so batches should be
// large; but with one query in flight, scans queued behind it while a
// core sat idle. Two in flight at any batch size had cut the p99 while
// PostgreSQL planned every query anew; once it kept its plans
// (models.inList), one query in flight gave a lower p50 and p99 and
// PostgreSQL a fifth less CPU a scan, and a second query for a batch of
// 16 or more the highest cold rate at the same latency
// (docs/benchmarks.md).
const (
	maxStatusQueries = 2
	secondQueryAt    = 16
)

// maxStatusBatch bounds one query's size (and its number of parameters).
const maxStatusBatch = 64

// statusQueryTimeout bounds a batched query; it is not tied to any one
// request, since it answers several.
const statusQueryTimeout = 10 * time.Second

type permitKey struct{ authority, number string }

type statusWait struct {
	key     permitKey
	row     statusRow
	content *Permit // the permit's contents, when the batch read them
	found   bool
	err     error
	done    chan struct{}
}

// read returns the status of the permit authority/number, and its
// contents when they were not in memory; found is false when the
// registry has no such permit.
func (r *statusReader) read(ctx context.Context, authority, number string) (statusRow, *Permit, bool, error) {
	w := &statusWait{key: permitKey{authority, number}, done: make(chan struct{})}
	r.mu.Lock()
	r.pending = append(r.pending, w)
	start := r.running == 0 || (r.running < maxStatusQueries && len(r.pending) >= secondQueryAt)
	if start {
		r.running++
	}
	r.mu.Unlock()
	if start {
		go r.run()
	}
	select {
	case <-w.done:
		return w.row, w.content, w.found, w.err
	case <-ctx.Done():
		return statusRow{}, nil, false, ctx.Err()
	}
}

// run sends queries until no read is waiting.
func (r *statusReader) run() {
	for {
		r.mu.Lock()
		n := min(len(r.pending), maxStatusBatch)
		if n == 0 {
			r.running--
			r.mu.Unlock()
			return
		}
		batch := make([]*statusWait, n)
		copy(batch, r.pending)
		r.pending = append(r.pending[:0], r.pending[n:]...)
		r.mu.Unlock()
		r.query(batch)
	}
}

func (r *statusReader) query(batch []*statusWait) {
	defer func() {
		for _, w := range batch {
			close(w.done)
		}
	}()
	// Almost every batch names one authority: one indexed query each.
	waits := make(map[permitKey][]*statusWait, len(batch))
	numbers := map[string][]string{}
	for _, w := range batch {
		if _, dup := waits[w.key]; !dup {
			numbers[w.key.authority] = append(numbers[w.key.authority], w.key.number)
		}
		waits[w.key] = append(waits[w.key], w)
	}
	ctx, cancel := context.WithTimeout(context.Background(), statusQueryTimeout)
	defer cancel()
	var err error
	found := func(authority string, id int64, number, status, reason string, content *Permit) {
		for _, w := range waits[permitKey{authority, number}] {
			w.row, w.content, w.found = statusRow{ID: id, Status: status, RevocationReason: reason}, content, true
		}
	}
	for authority, nums := range numbers {
		var known, unknown []string
		for _, n := range nums {
			if _, ok := r.contents.Get(permitKey{authority, n}); ok {
				known = append(known, n)
			} else {
				unknown = append(unknown, n)
			}
		}
		if len(known) > 0 {
			var sts []models.PermitStatus
			if sts, err = models.PermitStatuses(ctx, r.db, authority, known); err != nil {
				break
			}
			for _, st := range sts {
				found(authority, st.ID, st.Number, st.Status, st.RevocationReason, nil)
			}
		}
		if len(unknown) > 0 {
			var rows []models.Permit
			if rows, err = models.PermitsByNumber(ctx, r.db, authority, unknown); err != nil {
				break
			}
			for i := range rows {
				p := &rows[i]
				content := permitFromRows(p, p.Lines, nil)
				r.contents.Put(permitKey{authority, p.Number}, content)
				found(authority, p.ID, p.Number, p.Status, p.RevocationReason, content)
			}
		}
	}
	if err != nil {
		for _, w := range batch {
			w.err = err
		}
	}
}
