package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/permits"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// A received message ends in one of four ways: applied; refused (a
// forgery or a malformed message: recorded in exchange_rejections and
// alerted); kept waiting for its signing key (exchange_pending); or, when
// the database fails, left unacknowledged for the broker to deliver again.

// refusal is a message this node will never accept.
type refusal struct{ reason string }

func (r refusal) Error() string { return r.reason }

// unknownKey is a message this node cannot verify yet: it does not know
// the key that signed it.
type unknownKey struct {
	kid    string
	reason string
}

func (u unknownKey) Error() string { return u.reason }

// inbound is a message to handle, fresh from the stream, read again from
// it, or kept waiting in exchange_pending (pending is then set).
type inbound struct {
	subject   string
	authority string
	kind      string
	doc       string
	streamSeq uint64
	pending   *models.ExchangePending
	replayed  bool // read again from the stream after an overflow
}

// handle applies one message from the durable consumer.
func (n *Node) handle(m jetstream.Msg) {
	ctx, cancel := context.WithTimeout(n.ctx, 30*time.Second)
	defer cancel()
	in := inbound{subject: m.Subject(), doc: string(m.Data())}
	var delivered uint64 = 1
	if meta, err := m.Metadata(); err == nil {
		in.streamSeq, delivered = meta.Sequence.Stream, meta.NumDelivered
	}
	n.pmu.Lock()
	err := n.process(ctx, in)
	n.pmu.Unlock()
	if err != nil {
		// The database failed: the broker delivers the message again.
		if n.every("handle", time.Minute) {
			n.cfg.Log.Error("exchange: message not handled, will retry", "subject", in.subject, "err", err)
		}
		m.NakWithDelay(min(time.Duration(delivered)*time.Second, time.Minute))
		return
	}
	m.Ack()
}

// process verifies and applies one message, refuses it, or keeps it
// waiting for its key; it returns an error only when it should be tried
// again later. The caller holds pmu.
func (n *Node) process(ctx context.Context, in inbound) error {
	parts := strings.Split(in.subject, ".")
	if len(parts) != 3 || !opencites.ValidCountry(parts[1]) {
		return n.refuse(ctx, in, "", "bad subject")
	}
	in.authority, in.kind = parts[1], parts[2]
	if in.kind == KindTrust {
		// Lists also come through the bucket, which keeps the latest:
		// one on the stream (from a node that announces there) is
		// judged the same way.
		if err := n.learnTrustLocked(ctx, in.authority, in.doc); err != nil {
			return err
		}
		return n.settle(ctx, in)
	}
	if in.kind != KindPermit && in.kind != KindAlert && in.kind != KindImport {
		return n.refuse(ctx, in, in.authority, fmt.Sprintf("unknown message kind %q", in.kind))
	}
	c, err := n.verify(ctx, in.authority, in.kind, in.doc)
	var uk unknownKey
	var no refusal
	switch {
	case errors.As(err, &uk):
		if in.pending != nil {
			return nil // still waiting
		}
		return n.keep(ctx, in, uk)
	case errors.As(err, &no):
		return n.refuse(ctx, in, in.authority, no.reason)
	case err != nil:
		return err
	}
	if in.authority == n.cfg.Authority {
		return n.settle(ctx, in) // our own, come back
	}
	applied, err := n.applyEvent(ctx, in.authority, in.kind, c)
	if err != nil {
		if errors.As(err, &no) {
			return n.refuse(ctx, in, in.authority, no.reason)
		}
		return err
	}
	if applied && (in.pending != nil || in.replayed) {
		n.stats.recovered.Add(1)
	}
	return n.settle(ctx, in)
}

// settle forgets a message kept waiting, once it is handled.
func (n *Node) settle(ctx context.Context, in inbound) error {
	if in.pending == nil {
		return nil
	}
	return n.db.WithContext(ctx).Delete(&models.ExchangePending{}, in.pending.ID).Error
}

// refuse records a refused message and raises an alert.
func (n *Node) refuse(ctx context.Context, in inbound, authority, reason string) error {
	n.reject(ctx, in.subject, authority, reason)
	return n.settle(ctx, in)
}

// reject records a message refused as forged or malformed and raises an
// alert.
func (n *Node) reject(ctx context.Context, subject, authority, reason string) {
	n.record(ctx, subject, authority, reason, Alert{Kind: "forged_exchange_message", Severity: "high",
		Reason: fmt.Sprintf("A message on the regional exchange in the name of %s was refused: %s.", authority, reason)})
}

// record writes a refusal to exchange_rejections and raises a.
func (n *Node) record(ctx context.Context, subject, authority, reason string, a Alert) {
	n.stats.rejected.Add(1)
	n.cfg.Log.Warn("exchange: message refused", "subject", subject, "reason", reason)
	if err := n.db.WithContext(ctx).Create(&models.ExchangeRejection{At: n.now(), Subject: subject, Authority: authority, Reason: reason}).Error; err != nil {
		n.cfg.Log.Error("exchange: record a refused message", "err", err)
	}
	if n.cfg.Alerts != nil {
		n.cfg.Alerts.ExchangeAlert(ctx, authority, a)
	}
}

// verify checks a message against the trust list of the authority it
// names. It returns a refusal for a forgery (a bad signature by a listed
// key; a key that another authority's list holds; claims naming another
// authority) and unknownKey when no list this node holds knows the key.
func (n *Node) verify(ctx context.Context, authority, kind, doc string) (*EventClaims, error) {
	kid, err := kidOf(doc)
	if err != nil {
		return nil, refusal{err.Error()}
	}
	tl := n.trustOf(ctx, authority)
	if tl != nil {
		if _, auths, ok := tl.Key(kid); ok && auths[authority] {
			c, err := verifyEvent(doc, authority, tl)
			if err != nil {
				return nil, refusal{err.Error()}
			}
			if c.Kind != "" && c.Kind != kind {
				return nil, refusal{fmt.Sprintf("a %s event sent as %s", c.Kind, kind)}
			}
			return c, nil
		}
	}
	if other := n.keyOwner(ctx, kid, authority); other != "" {
		return nil, refusal{fmt.Sprintf("%s (a key of %s)", errUntrusted, other)}
	}
	switch _, pinned := n.cfg.Peers[authority]; {
	case tl != nil:
		return nil, unknownKey{kid, fmt.Sprintf("key %s is not in the trust list of %s yet", kid, authority)}
	case pinned:
		return nil, unknownKey{kid, fmt.Sprintf("no trust list from %s yet", authority)}
	default:
		return nil, unknownKey{kid, fmt.Sprintf("no pinned anchor for %s yet", authority)}
	}
}

// kidOf reads the key id of a JWS without verifying it.
func kidOf(doc string) (string, error) {
	t, _, err := jwt.NewParser().ParseUnverified(strings.TrimSpace(doc), &EventClaims{})
	if err != nil {
		return "", fmt.Errorf("unreadable message: %w", err)
	}
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return "", errors.New("message without a key id")
	}
	return kid, nil
}

// applyEvent applies a verified event of another authority, once: an
// event id already applied, or a permit state older than the one held,
// changes nothing. It reports whether the event applied.
func (n *Node) applyEvent(ctx context.Context, authority, kind string, c *EventClaims) (bool, error) {
	if c.ID != "" {
		var seen int64
		if err := n.db.WithContext(ctx).Model(&models.ExchangeReceived{}).Where("authority = ? AND event_id = ?", authority, c.ID).Count(&seen).Error; err != nil {
			return false, err
		}
		if seen > 0 {
			n.stats.duplicates.Add(1)
			return false, nil
		}
	}
	applied := true
	var err error
	switch kind {
	case KindPermit:
		applied, err = n.storePermit(ctx, authority, c)
	case KindAlert:
		if c.Alert != nil && n.cfg.Alerts != nil {
			n.cfg.Alerts.ExchangeAlert(ctx, authority, *c.Alert)
		}
		err = n.markReceived(n.db.WithContext(ctx), authority, c.ID)
	case KindImport:
		if err = n.applyImport(ctx, authority, c.Import); err == nil {
			err = n.markReceived(n.db.WithContext(ctx), authority, c.ID)
		}
	}
	if err != nil {
		return false, err
	}
	if !applied {
		n.stats.duplicates.Add(1)
		return false, nil
	}
	n.stats.delivered.Add(1)
	if c.Seq > 0 {
		n.stats.lastLag.Store(int64(n.cfg.Now().Sub(time.Unix(0, c.Seq))))
	}
	return true, nil
}

func (n *Node) markReceived(tx *gorm.DB, authority, id string) error {
	if id == "" {
		return nil
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.ExchangeReceived{Authority: authority, EventID: id, At: n.now()}).Error
}

// storePermit keeps the newest state of a foreign permit; an older or
// repeated state changes nothing (it reports whether this one applied).
func (n *Node) storePermit(ctx context.Context, authority string, c *EventClaims) (bool, error) {
	if c.Permit == nil || c.Permit.Number == "" {
		return false, refusal{"permit event without a permit"}
	}
	data, _ := json.Marshal(c.Permit)
	row := models.ForeignPermit{Authority: authority, Number: c.Permit.Number, Status: c.Permit.Status, Data: string(data),
		Seq: c.Seq, EventID: c.ID, UpdatedAt: n.now()}
	applied := false
	err := n.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "authority"}, {Name: "number"}},
			DoUpdates: clause.AssignmentColumns([]string{"status", "data", "seq", "event_id", "updated_at"}),
			Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "foreign_permits.seq < excluded.seq"}}},
		}).Create(&row)
		if res.Error != nil {
			return res.Error
		}
		applied = res.RowsAffected > 0
		return n.markReceived(tx, authority, c.ID)
	})
	return applied, err
}

// applyImport records an acceptance at import that another country made of
// one of this node's permits; those of other authorities are not ours. An
// acceptance the registry refuses (the permit was revoked meanwhile) is
// logged and dropped; only a failure of the database is tried again.
func (n *Node) applyImport(ctx context.Context, from string, a *Acceptance) error {
	if a == nil || a.Authority != n.cfg.Authority {
		return nil
	}
	end := permits.Endorsement{Direction: "import", Port: a.Port, At: a.At}
	for line, q := range a.Lines {
		end.Lines = append(end.Lines, permits.EndorsedLine{Line: line, Quantity: q})
	}
	err := n.svc.AcceptAtImport(ctx, from, a.Number, end)
	var de *opencites.Error
	if err != nil && errors.As(err, &de) && de.Kind != opencites.KindInternal {
		n.cfg.Log.Warn("exchange: acceptance at import not recorded", "from", from, "number", a.Number, "err", err)
		return nil
	}
	return err
}
