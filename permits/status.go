package permits

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"time"

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

	mu      sync.Mutex
	pending []*statusWait
	running int // queries in flight, at most maxStatusQueries
}

// maxStatusQueries is how many batched status queries run at once; scans
// arriving while they run wait for the next. Two: on two cores shared with
// the server, PostgreSQL's backend often waits a scheduler slice for a
// core, and with one query every scan waited behind it (p99 34 ms at
// 20,000 scans a second, 20 ms with two, for a tenth of a core more of
// database work on smaller batches; docs/benchmarks.md).
const maxStatusQueries = 2

// maxStatusBatch bounds one query's size (and its number of parameters).
const maxStatusBatch = 64

// statusQueryTimeout bounds a batched query; it is not tied to any one
// request, since it answers several.
const statusQueryTimeout = 10 * time.Second

type permitKey struct{ authority, number string }

type statusWait struct {
	key   permitKey
	row   statusRow
	found bool
	err   error
	done  chan struct{}
}

// read returns the status of the permit authority/number; found is false
// when the registry has no such permit.
func (r *statusReader) read(ctx context.Context, authority, number string) (statusRow, bool, error) {
	w := &statusWait{key: permitKey{authority, number}, done: make(chan struct{})}
	r.mu.Lock()
	r.pending = append(r.pending, w)
	start := r.running < maxStatusQueries
	if start {
		r.running++
	}
	r.mu.Unlock()
	if start {
		go r.run()
	}
	select {
	case <-w.done:
		return w.row, w.found, w.err
	case <-ctx.Done():
		return statusRow{}, false, ctx.Err()
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
	sqlDB, err := r.db.DB()
	for authority, nums := range numbers {
		if err != nil {
			break
		}
		q, args := statusQuery(r.db.Dialector.Name(), authority, nums)
		var rows *sql.Rows
		if rows, err = sqlDB.QueryContext(ctx, q, args...); err == nil {
			err = scanStatus(rows, authority, waits)
		}
	}
	if err != nil {
		for _, w := range batch {
			w.err = err
		}
	}
}

// statusQuery reads the permits of one authority with the given numbers,
// in the dialect's placeholders (database/sql, not GORM: this is the one
// query of the hot path). PostgreSQL gets one statement for every batch
// size (an array), which pgx prepares once per connection.
func statusQuery(dialect, authority string, numbers []string) (string, []any) {
	const cols = `SELECT id, number, status, revocation_reason FROM permits `
	if len(numbers) == 1 { // a quiet moment: the unique index's point lookup
		if dialect == "postgres" {
			return cols + `WHERE authority = $1 AND number = $2`, []any{authority, numbers[0]}
		}
		return cols + `WHERE authority = ? AND number = ?`, []any{authority, numbers[0]}
	}
	if dialect == "postgres" {
		return cols + `WHERE authority = $1 AND number = ANY($2::text[])`, []any{authority, numbers}
	}
	q := cols + `WHERE authority = ? AND number IN (?` + strings.Repeat(",?", len(numbers)-1) + `)`
	args := make([]any, 0, 1+len(numbers))
	args = append(args, authority)
	for _, n := range numbers {
		args = append(args, n)
	}
	return q, args
}

func scanStatus(rows *sql.Rows, authority string, waits map[permitKey][]*statusWait) error {
	defer rows.Close()
	for rows.Next() {
		var st statusRow
		k := permitKey{authority: authority}
		if err := rows.Scan(&st.ID, &k.number, &st.Status, &st.RevocationReason); err != nil {
			return err
		}
		for _, w := range waits[k] {
			w.row, w.found = st, true
		}
	}
	return rows.Err()
}
