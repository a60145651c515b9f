package permits

import (
	"context"
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

func (r *Recorder) run() {
	defer r.wg.Done()
	t := time.NewTicker(FlushEvery)
	defer t.Stop()
	var batch []models.Verification
	write := func() {
		for len(batch) > 0 {
			n := min(len(batch), recordBatch)
			if err := r.write(batch[:n]); err != nil {
				r.log.Error("write verification records", "count", n, "err", err)
				return // kept in batch; retried on the next tick
			}
			batch = batch[n:]
		}
	}
	for {
		select {
		case v := <-r.ch:
			batch = append(batch, v)
			if len(batch) >= recordBatch {
				write()
			}
		case <-t.C:
			write()
		case ack := <-r.flush:
			r.drain(&batch)
			write()
			close(ack)
		case <-r.done:
			r.drain(&batch)
			write()
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

func (r *Recorder) write(vs []models.Verification) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return models.InsertVerifications(ctx, r.db, vs)
}

// Record queues one verification record.
func (r *Recorder) Record(ctx context.Context, v models.Verification) error {
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
