package permits

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"gorm.io/gorm"
)

// Recorder writes verification records in batches off the request path: a
// busy border post scans far more often than anything changes, and one
// commit per scan would cap the verify rate at the database's commit rate.
// Records wait at most FlushEvery in memory; Close writes what is queued. A
// full queue makes Verify wait (back-pressure) rather than drop a record.
type Recorder struct {
	db    *gorm.DB
	ch    chan models.Verification
	flush chan chan struct{}
	done  chan struct{}
	wg    sync.WaitGroup
	log   *slog.Logger
	once  sync.Once

	// OnDeadLetter, if set before the first record, is told of every
	// record the database refused and that was set aside (the alert rules
	// raise an alert from it).
	OnDeadLetter func(v models.Verification, err error)

	mu    sync.Mutex
	stats RecorderStats
}

// RecorderStats is what the recorder has done since it started.
type RecorderStats struct {
	Written      int64
	DeadLettered int64
	// Failing is set while the database refuses to take the batch (it is
	// down or unreachable): records wait in memory, the queue fills, and
	// verifications slow down. /readyz reports it.
	Failing   bool
	LastError string
	LastAt    time.Time
}

// FlushEvery is how long a verification record may wait before it is written.
const FlushEvery = 50 * time.Millisecond

const recordBatch = 500

// NewRecorder starts a recorder writing to db.
func NewRecorder(db *gorm.DB, log *slog.Logger) *Recorder {
	r := &Recorder{db: db, ch: make(chan models.Verification, 8192), flush: make(chan chan struct{}),
		done: make(chan struct{}), log: log}
	r.wg.Add(1)
	go r.run()
	return r
}

// Stats returns what the recorder has done.
func (r *Recorder) Stats() RecorderStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

func (r *Recorder) run() {
	defer r.wg.Done()
	t := time.NewTicker(FlushEvery)
	defer t.Stop()
	var batch []models.Verification
	write := func(final bool) {
		for len(batch) > 0 {
			n := min(len(batch), recordBatch)
			kept, err := r.write(batch[:n])
			if err != nil {
				if final {
					for _, v := range batch {
						r.log.Error("verification record lost at shutdown: the database does not answer", "id", v.ID, "number", v.Number, "verdict", v.Verdict)
					}
					return
				}
				// Kept in batch, retried on the next tick. Only once an
				// unreachable database comes back is anything written.
				batch = append(kept, batch[n:]...)
				return
			}
			batch = batch[n:]
		}
	}
	for {
		select {
		case v := <-r.ch:
			batch = append(batch, v)
			if len(batch) >= recordBatch {
				write(false)
			}
		case <-t.C:
			write(false)
		case ack := <-r.flush:
			r.drain(&batch)
			write(false)
			close(ack)
		case <-r.done:
			r.drain(&batch)
			write(true)
			return
		}
	}
}

func (r *Recorder) drain(batch *[]models.Verification) {
	for {
		select {
		case v := <-r.ch:
			*batch = append(*batch, v)
		default:
			return
		}
	}
}

// write stores a batch in one statement. When the database refuses the
// batch, each record is tried alone: those it refuses while it otherwise
// answers are set aside in dead_letters (with an alert), so that one bad
// record never blocks the ones behind it. When the database does not
// answer at all, write returns the records still to write and the error.
func (r *Recorder) write(vs []models.Verification) ([]models.Verification, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := models.InsertVerifications(ctx, r.db, vs)
	if err == nil {
		r.note(int64(len(vs)), 0, nil)
		return nil, nil
	}
	if pingErr := r.ping(ctx); pingErr != nil {
		r.log.Error("write verification records: the database does not answer; kept for retry", "count", len(vs), "err", err)
		r.note(0, 0, err)
		return vs, err
	}
	var written, dead int64
	for i, v := range vs {
		one := []models.Verification{v}
		if err := models.InsertVerifications(ctx, r.db, one); err == nil {
			written++
			continue
		} else if pingErr := r.ping(ctx); pingErr != nil {
			r.note(written, dead, err)
			return vs[i:], err
		} else {
			dead++
			r.deadLetter(ctx, v, err)
		}
	}
	r.note(written, dead, nil)
	return nil, nil
}

func (r *Recorder) ping(ctx context.Context) error {
	sqlDB, err := r.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// deadLetter sets a refused record aside, as JSON (which escapes what the
// database refused), and tells OnDeadLetter.
func (r *Recorder) deadLetter(ctx context.Context, v models.Verification, cause error) {
	payload, _ := json.Marshal(v)
	row := models.DeadLetter{Kind: "verification", At: time.Now().UTC(), Payload: string(payload), Error: cause.Error()}
	if err := r.db.WithContext(ctx).Create(&row).Error; err != nil {
		r.log.Error("verification record refused and not set aside", "id", v.ID, "number", v.Number, "err", cause, "dead_letter_err", err)
	} else {
		r.log.Error("verification record refused by the database, set aside in dead_letters", "id", v.ID, "number", v.Number, "err", cause)
	}
	if r.OnDeadLetter != nil {
		r.OnDeadLetter(v, cause)
	}
}

func (r *Recorder) note(written, dead int64, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.Written += written
	r.stats.DeadLettered += dead
	r.stats.Failing = err != nil
	if err != nil {
		r.stats.LastError, r.stats.LastAt = err.Error(), time.Now().UTC()
	}
}

// Record queues one verification record. The verdict was reached, so a
// record with room in the queue is always taken, even when ctx has ended
// (the officer's phone lost the connection); only a full queue makes the
// caller wait, until ctx ends.
func (r *Recorder) Record(ctx context.Context, v models.Verification) error {
	select {
	case r.ch <- v:
		return nil
	default:
	}
	select {
	case r.ch <- v:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Flush returns once every record queued before the call is written (or
// its write failed and was logged).
func (r *Recorder) Flush(ctx context.Context) error {
	ack := make(chan struct{})
	select {
	case r.flush <- ack:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued and stops the recorder.
func (r *Recorder) Close() {
	r.once.Do(func() { close(r.done) })
	r.wg.Wait()
}

// record stores a verification, through the recorder when there is one.
func (s *Service) record(ctx context.Context, v models.Verification) error {
	if s.rec != nil {
		return s.rec.Record(ctx, v)
	}
	return s.db.WithContext(ctx).Create(&v).Error
}

// VerificationRecord is a stored verification, for audit and later case work.
type VerificationRecord struct {
	ID        string
	CheckedAt time.Time
	Username  string
	Verdict   string
	Reason    string
	Number    string
	Port      string
	Direction string
	Source    string
}

// Verifications lists the recorded checks of a permit the actor may see,
// newest first. Errors: permit_not_found.
func (s *Service) Verifications(ctx context.Context, actor opencites.Actor, number string) ([]VerificationRecord, error) {
	p, err := s.Get(ctx, actor, number)
	if err != nil {
		return nil, err
	}
	if s.rec != nil {
		_ = s.rec.Flush(ctx)
	}
	var rows []models.Verification
	if err := s.db.WithContext(ctx).Where("authority = ? AND number = ?", p.Authority, p.Number).
		Order("checked_at DESC").Limit(500).Find(&rows).Error; err != nil {
		return nil, opencites.Internal("verifications", err)
	}
	out := make([]VerificationRecord, len(rows))
	for i, r := range rows {
		out[i] = VerificationRecord{ID: r.ID, CheckedAt: r.CheckedAt.UTC(), Username: r.Username, Verdict: r.Verdict,
			Reason: r.Reason, Number: r.Number, Port: r.Port, Direction: r.Direction, Source: r.Source}
	}
	return out, nil
}
