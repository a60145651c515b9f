package exchange

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/permits"
	"gorm.io/gorm"
)

// What this node sends goes through exchange_outbox. A permit's change
// (issue, revocation, endorsement, acceptance at import of another
// country's permit) is stored there by ObserveInTx, in the transaction that
// makes the change: a change committed is a change sent, even if the
// process dies the moment after, and a change rolled back is never sent.
// Such a row holds the event's claims; they are signed when sent, with the
// key in force then. An alert is signed and stored as it is raised. The
// publisher sends the rows in order, deleting each once JetStream
// acknowledged it. While the broker is away the rows wait; when it returns
// they go out in order. A row sent twice (the acknowledgement was lost)
// carries the same Nats-Msg-Id, which the broker drops within its 10-minute
// window, and receivers apply an event id once in any case.

// ObserveInTx stores the event of a permit of this node's authority after
// every issue, revocation and endorsement, and an acceptance at import of
// another authority's permit, to be sent back to it, in tx.
func (n *Node) ObserveInTx(tx *gorm.DB, e permits.Event) error {
	if n.closed.Load() {
		// Closed at shutdown, after the server stopped taking requests; a
		// node started again on the same service stores instead.
		return nil
	}
	kind, c := n.claimsOf(e)
	if c == nil {
		return nil
	}
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.Create(&models.ExchangeOutbox{Subject: n.subject(n.cfg.Authority, kind), MsgID: n.cfg.Authority + "/" + c.ID,
		Doc: string(doc), CreatedAt: n.now()}).Error
}

// Observe wakes the publisher after a change ObserveInTx stored.
func (n *Node) Observe(_ context.Context, e permits.Event) {
	if _, c := n.claimsOf(e); c != nil && !n.closed.Load() {
		n.wake()
	}
}

// claimsOf is the message this node sends for an event, if any.
func (n *Node) claimsOf(e permits.Event) (string, *EventClaims) {
	if e.Kind == permits.EventForeignImport && e.Endorsement != nil && e.Authority != n.cfg.Authority {
		a := &Acceptance{Authority: e.Authority, Number: e.Number, Port: e.Endorsement.Port, At: e.Endorsement.At, Lines: map[string]float64{}}
		for _, l := range e.Endorsement.Lines {
			a.Lines[l.Line] = l.Quantity
		}
		c := &EventClaims{Kind: KindImport, Seq: n.cfg.Now().UnixNano(), Import: a}
		c.Issuer, c.ID = n.cfg.Authority, fmt.Sprintf("import/%s/%s", e.Authority, e.Number)
		c.IssuedAt = jwt.NewNumericDate(n.cfg.Now())
		return KindImport, c
	}
	if e.Permit == nil || e.Authority != n.cfg.Authority {
		return "", nil
	}
	switch e.Kind {
	case permits.EventIssue, permits.EventRevocation, permits.EventEndorsement:
	default:
		return "", nil
	}
	c := &EventClaims{Kind: KindPermit, Seq: n.cfg.Now().UnixNano(), Permit: stateOf(e.Permit)}
	c.Issuer, c.ID = n.cfg.Authority, fmt.Sprintf("%s/%d", e.Permit.Number, c.Seq)
	c.IssuedAt = jwt.NewNumericDate(n.cfg.Now())
	return KindPermit, c
}

// PublishAlert shares an alert (a seizure, a suspicious pattern) with the
// other nodes. It carries no personal data.
func (n *Node) PublishAlert(ctx context.Context, a Alert) {
	if n.closed.Load() {
		return
	}
	c := &EventClaims{Kind: KindAlert, Seq: n.cfg.Now().UnixNano(), Alert: &a}
	c.Issuer, c.ID = n.cfg.Authority, fmt.Sprintf("alert/%d", c.Seq)
	c.IssuedAt = jwt.NewNumericDate(n.cfg.Now())
	n.enqueue(ctx, KindAlert, c)
}

// enqueue signs an event and stores it in the outbox. It outlives the
// request's cancellation: the change it reports is committed.
func (n *Node) enqueue(ctx context.Context, kind string, c *EventClaims) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	doc, err := n.svc.Keys().SignJWT(ctx, c, EventType)
	if err != nil {
		n.cfg.Log.Error("exchange: sign event", "id", c.ID, "err", err)
		return
	}
	row := models.ExchangeOutbox{Subject: n.subject(n.cfg.Authority, kind), MsgID: n.cfg.Authority + "/" + c.ID, Doc: doc, CreatedAt: n.now()}
	if err := n.db.WithContext(ctx).Create(&row).Error; err != nil {
		n.cfg.Log.Error("exchange: event not stored for sending", "id", c.ID, "err", err)
		return
	}
	n.wake()
}

func stateOf(p *permits.Permit) *PermitState {
	s := &PermitState{Number: p.Number, Type: p.Type, Purpose: p.Purpose, Status: p.Status,
		Exporter: Party{p.Exporter.Name, p.Exporter.Country}, Importer: Party{p.Importer.Name, p.Importer.Country},
		ValidFrom: p.ValidFrom.Format(time.DateOnly), ValidUntil: p.ValidUntil, IssuedAt: p.IssuedAt, Revocation: p.RevocationReason}
	for _, l := range p.Lines {
		s.Lines = append(s.Lines, Line{Line: l.Line, Taxon: l.Taxon, Appendix: l.Appendix, Term: l.Term, Source: l.Source, Quantity: l.Quantity, Unit: l.Unit})
	}
	for _, e := range p.Endorsements {
		sh := Shipment{Direction: e.Direction, Port: e.Port, At: e.At, Lines: map[string]float64{}}
		for _, l := range e.Lines {
			sh.Lines[l.Line] = l.Quantity
		}
		s.Shipped = append(s.Shipped, sh)
	}
	return s
}

// publisher sends the outbox whenever woken, announces the trust list
// when it changes and every Config.Announce, reads the peers' lists as
// often, and sweeps the pending table every hour (or quarter of
// Config.PendingTTL, if shorter).
func (n *Node) publisher() {
	defer n.wg.Done()
	tick := time.NewTicker(n.cfg.Announce)
	defer tick.Stop()
	var put, streamed string // the trust list last put in the bucket and on the stream
	ctx := n.ctx
	n.announce(ctx, true, &put, &streamed)
	n.sweep(ctx)
	lastSweep := time.Now()
	retry := time.NewTimer(0)
	defer retry.Stop()
	for {
		select {
		case <-n.done:
			// Send what can be sent in a few seconds; the rest stays in
			// the outbox for the next start.
			final, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			n.drain(final)
			cancel()
			return
		case <-n.kick:
		case <-retry.C:
		case <-tick.C:
			n.announce(ctx, true, &put, &streamed)
			n.pollTrust(ctx)
			if time.Since(lastSweep) > min(sweepEvery, n.cfg.PendingTTL/4) {
				n.sweep(ctx)
				lastSweep = time.Now()
			}
		}
		n.announce(ctx, false, &put, &streamed)
		if !n.drain(ctx) {
			retry.Reset(500 * time.Millisecond)
		}
	}
}

// drain sends the outbox in order until it is empty (true) or a send
// fails (false).
func (n *Node) drain(ctx context.Context) bool {
	for {
		var rows []models.ExchangeOutbox
		if err := n.db.WithContext(ctx).Order("id").Limit(100).Find(&rows).Error; err != nil {
			if ctx.Err() == nil && n.every("outbox-read", time.Minute) {
				n.cfg.Log.Error("exchange: read outbox", "err", err)
			}
			return false
		}
		if len(rows) == 0 {
			return true
		}
		var sent []int64
		var failed error
		for _, r := range rows {
			if failed = n.send(ctx, r); failed != nil {
				break
			}
			sent = append(sent, r.ID)
		}
		if len(sent) > 0 {
			if err := n.db.WithContext(context.WithoutCancel(ctx)).Delete(&models.ExchangeOutbox{}, sent).Error; err != nil {
				// They will be sent again, and dropped as duplicates.
				n.cfg.Log.Error("exchange: clear outbox", "err", err)
				return false
			}
		}
		if failed != nil {
			if ctx.Err() == nil && n.every("publish", 10*time.Second) {
				n.cfg.Log.Warn("exchange: publish failed; the outbox keeps the messages", "err", failed)
			}
			return false
		}
	}
}

// send publishes one outbox row and waits for JetStream's acknowledgement.
func (n *Node) send(ctx context.Context, r models.ExchangeOutbox) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	doc := r.Doc
	if strings.HasPrefix(doc, "{") { // claims stored with a change: signed now
		var c EventClaims
		if err := json.Unmarshal([]byte(doc), &c); err != nil {
			return fmt.Errorf("outbox row %d: %w", r.ID, err)
		}
		var err error
		if doc, err = n.svc.Keys().SignJWT(ctx, &c, EventType); err != nil {
			return fmt.Errorf("sign event %s: %w", c.ID, err)
		}
	}
	m := nats.NewMsg(r.Subject)
	m.Data = []byte(doc)
	m.Header.Set(jetstream.MsgIDHeader, r.MsgID)
	if _, err := n.js.PublishMsg(ctx, m); err != nil {
		return err
	}
	n.stats.published.Add(1)
	if n.cfg.Now().Sub(r.CreatedAt) > delayedAfter {
		n.stats.delayed.Add(1)
	}
	return nil
}
