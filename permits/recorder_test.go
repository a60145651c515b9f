package permits_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/models/modelstest"
	"github.com/opencites/opencites/permits"
)

// One record the database refuses (PostgreSQL will not store a NUL in
// text) is set aside with an alert; it never blocks the records behind it.
// Before, the bad row stayed in the batch and the verification log
// stopped growing for good.
func TestRecorderSetsRefusedRecordsAside(t *testing.T) {
	db := modelstest.MustOpen(t, modelstest.NewPostgresSchema(t))
	rec := permits.NewRecorder(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer rec.Close()
	var alerted atomic.Int64
	rec.OnDeadLetter = func(models.Verification, error) { alerted.Add(1) }
	ctx := context.Background()
	now := time.Now().UTC()
	record := func(id, port string) {
		if err := rec.Record(ctx, models.Verification{ID: id, CheckedAt: now, Verdict: "valid", Port: port, Mode: "online", Source: "code"}); err != nil {
			t.Fatal(err)
		}
	}
	record("bad", "a\x00b")
	for _, id := range []string{"good-1", "good-2"} {
		record(id, "Manas")
	}
	if err := rec.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	record("good-3", "Torugart")
	if err := rec.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var n, dead int64
	db.Model(&models.Verification{}).Count(&n)
	db.Model(&models.DeadLetter{}).Count(&dead)
	if n != 3 || dead != 1 || alerted.Load() != 1 {
		t.Fatalf("%d records written, %d set aside, %d alerts; want 3, 1, 1", n, dead, alerted.Load())
	}
	if st := rec.Stats(); st.Written != 3 || st.DeadLettered != 1 || st.Failing {
		t.Fatalf("stats %+v", st)
	}
}

// A verdict reached for an officer whose connection dropped is recorded
// all the same while the queue has room. Before, a select between the
// free queue and the ended context dropped about half of them.
func TestRecorderKeepsRecordsOfClientsThatLeft(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, dsn string) {
		db := modelstest.MustOpen(t, dsn)
		rec := permits.NewRecorder(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		defer rec.Close()
		gone, cancel := context.WithCancel(context.Background())
		cancel()
		const n = 20
		for i := range n {
			v := models.Verification{ID: fmt.Sprintf("left-%d", i), CheckedAt: time.Now().UTC(), Verdict: "valid", Port: "Manas", Mode: "online", Source: "code"}
			if err := rec.Record(gone, v); err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
		}
		if err := rec.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		var got int64
		db.Model(&models.Verification{}).Count(&got)
		if got != n {
			t.Errorf("%d of %d records written", got, n)
		}
	})
}
