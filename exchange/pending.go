package exchange

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/opencites/opencites/models"
	"gorm.io/gorm/clause"
)

// Messages whose signing key this node does not know yet wait in
// exchange_pending, and are tried again whenever a trust list arrives or
// changes (their authority's, or one that lists their key, which may
// prove them forged). Anyone who can publish to the broker can fill the
// table, so it is bounded: Config.PendingMax messages and
// Config.PendingBytes per authority, Config.PendingTotalBytes in all,
// Config.PendingTTL at most (then the message is recorded as refused).
// A message that does not fit is not lost: the authority is marked in
// exchange_replays with the message's place in the stream, and its
// messages from there are read again from the stream (which keeps 90
// days) when its trust list arrives.

// keep stores a message that waits for its signing key, or marks its
// authority for a replay when the bounds are reached.
func (n *Node) keep(ctx context.Context, in inbound, uk unknownKey) error {
	size := int64(len(in.doc))
	if size > maxMessage {
		return n.refuse(ctx, in, in.authority, fmt.Sprintf("a message of %d bytes from an unknown key", size))
	}
	db := n.db.WithContext(ctx)
	var mine, all struct {
		Count int64
		Bytes int64
	}
	if err := db.Model(&models.ExchangePending{}).Select("COUNT(*) AS count, COALESCE(SUM(size), 0) AS bytes").
		Where("authority = ?", in.authority).Scan(&mine).Error; err != nil {
		return err
	}
	if err := db.Model(&models.ExchangePending{}).Select("COUNT(*) AS count, COALESCE(SUM(size), 0) AS bytes").Scan(&all).Error; err != nil {
		return err
	}
	if mine.Count >= int64(n.cfg.PendingMax) || mine.Bytes+size > n.cfg.PendingBytes || all.Bytes+size > n.cfg.PendingTotalBytes {
		return n.overflow(ctx, in)
	}
	sum := sha256.Sum256([]byte(in.doc))
	row := models.ExchangePending{Authority: in.authority, Kind: in.kind, Subject: in.subject, Kid: uk.kid,
		Digest: hex.EncodeToString(sum[:]), Doc: in.doc, Size: size, StreamSeq: int64(in.streamSeq),
		Reason: uk.reason, ReceivedAt: n.now()}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return err
	}
	if n.every("pending/"+in.authority, time.Minute) {
		n.cfg.Log.Info("exchange: message kept until its key is known", "subject", in.subject, "reason", uk.reason)
	}
	return nil
}

// overflow marks the authority of a message that did not fit for a replay
// of the stream from that message on.
func (n *Node) overflow(ctx context.Context, in inbound) error {
	n.stats.overflowed.Add(1)
	if in.streamSeq == 0 {
		// Without its place in the stream it cannot be read again.
		n.cfg.Log.Error("exchange: message dropped: too many wait for their key", "subject", in.subject)
		return nil
	}
	least := "MIN" // SQLite's two-argument MIN
	if models.DialectOfDB(n.db) == models.Postgres {
		least = "LEAST"
	}
	row := models.ExchangeReplay{Authority: in.authority, StreamSeq: int64(in.streamSeq), At: n.now()}
	err := n.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "authority"}},
		DoUpdates: clause.Assignments(map[string]any{"stream_seq": clause.Expr{SQL: least + "(exchange_replays.stream_seq, excluded.stream_seq)"}}),
	}).Create(&row).Error
	if err != nil {
		return err
	}
	if n.every("overflow/"+in.authority, time.Hour) {
		n.cfg.Log.Warn("exchange: too many messages waiting for their key; they will be read again from the stream",
			"authority", in.authority, "from", in.streamSeq)
		if n.cfg.Alerts != nil {
			n.cfg.Alerts.ExchangeAlert(ctx, in.authority, Alert{Kind: "backlog", Severity: "medium",
				Reason: fmt.Sprintf("More messages in the name of %s wait for a signing key than this node keeps; they will be read again from the exchange when its trust list arrives.", in.authority)})
		}
	}
	return nil
}

// retryPending tries again the waiting messages that want selects, oldest
// first. The caller holds pmu.
func (n *Node) retryPending(ctx context.Context, want func(models.ExchangePending) bool) error {
	var heads []models.ExchangePending
	if err := n.db.WithContext(ctx).Select("id", "authority", "kid").Order("id").Find(&heads).Error; err != nil {
		return err
	}
	var ids []int64
	for _, h := range heads {
		if want(h) {
			ids = append(ids, h.ID)
		}
	}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 100)]
		ids = ids[len(batch):]
		var rows []models.ExchangePending
		if err := n.db.WithContext(ctx).Where("id IN ?", batch).Order("id").Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			r := &rows[i]
			if err := n.process(ctx, inbound{subject: r.Subject, doc: r.Doc, streamSeq: uint64(r.StreamSeq), pending: r}); err != nil {
				return err
			}
		}
	}
	return nil
}

// replayAll reads again from the stream the messages of every authority
// marked for a replay whose trust list this node holds.
func (n *Node) replayAll(ctx context.Context) error {
	var rows []models.ExchangeReplay
	if err := n.db.WithContext(ctx).Find(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		if err := n.replay(ctx, r.Authority); err != nil {
			return err
		}
	}
	return nil
}

// replay reads again from the stream the messages in authority's name
// from the place marked in exchange_replays, if it is marked and its
// trust list is known. The caller holds pmu.
func (n *Node) replay(ctx context.Context, authority string) error {
	if n.trustOf(ctx, authority) == nil {
		return nil
	}
	var mark models.ExchangeReplay
	if err := n.db.WithContext(ctx).Where("authority = ?", authority).Limit(1).Find(&mark).Error; err != nil || mark.Authority == "" {
		return err
	}
	info, err := n.stream.Info(ctx)
	if err != nil {
		return err
	}
	last := info.State.LastSeq
	// The mark goes first: a message that does not fit again marks anew.
	if err := n.db.WithContext(ctx).Delete(&models.ExchangeReplay{}, "authority = ?", authority).Error; err != nil {
		return err
	}
	next, err := n.replayFrom(ctx, authority, uint64(mark.StreamSeq), last)
	if err != nil {
		// Mark again from where it stopped.
		row := models.ExchangeReplay{Authority: authority, StreamSeq: int64(next), At: n.now()}
		n.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		return err
	}
	n.cfg.Log.Info("exchange: messages read again from the stream", "authority", authority, "from", mark.StreamSeq, "to", last)
	return nil
}

// replayFrom processes the messages in authority's name with stream
// sequences from..last; it returns the sequence to start from next time.
func (n *Node) replayFrom(ctx context.Context, authority string, from, last uint64) (uint64, error) {
	next := from
	if from > last {
		return next, nil
	}
	cons, err := n.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{n.subject(authority, ">")},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy, OptStartSeq: from,
	})
	if err != nil {
		return next, err
	}
	for {
		batch, err := cons.Fetch(256, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return next, err
		}
		got := 0
		for m := range batch.Messages() {
			got++
			meta, err := m.Metadata()
			if err != nil {
				return next, err
			}
			seq := meta.Sequence.Stream
			if seq > last {
				return next, nil
			}
			if err := n.process(ctx, inbound{subject: m.Subject(), doc: string(m.Data()), streamSeq: seq, replayed: true}); err != nil {
				return next, err
			}
			next = seq + 1
			if seq == last || meta.NumPending == 0 {
				return next, nil
			}
		}
		if err := batch.Error(); err != nil {
			return next, err
		}
		if got == 0 {
			return next, nil
		}
	}
}

// sweep forgets the messages that waited longer than Config.PendingTTL
// (recording them as refused, one entry per authority) and the ids of
// events applied long ago.
func (n *Node) sweep(ctx context.Context) {
	now := n.now()
	db := n.db.WithContext(ctx)
	var expired []struct {
		Authority string
		Count     int64
	}
	cutoff := now.Add(-n.cfg.PendingTTL)
	if err := db.Model(&models.ExchangePending{}).Select("authority, COUNT(*) AS count").Where("received_at < ?", cutoff).
		Group("authority").Scan(&expired).Error; err != nil {
		n.cfg.Log.Warn("exchange: sweep", "err", err)
		return
	}
	if len(expired) > 0 {
		if err := db.Where("received_at < ?", cutoff).Delete(&models.ExchangePending{}).Error; err != nil {
			n.cfg.Log.Warn("exchange: sweep", "err", err)
			return
		}
	}
	for _, e := range expired {
		reason := fmt.Sprintf("%d messages waited %s for a signing key that never became known", e.Count, n.cfg.PendingTTL)
		n.record(ctx, n.subject(e.Authority, "*"), e.Authority, reason, Alert{Kind: "unverified", Severity: "medium",
			Reason: fmt.Sprintf("Messages on the regional exchange in the name of %s were dropped: %s.", e.Authority, reason)})
	}
	if err := db.Where("at < ?", now.Add(-receivedTTL)).Delete(&models.ExchangeReceived{}).Error; err != nil {
		n.cfg.Log.Warn("exchange: sweep", "err", err)
	}
}
