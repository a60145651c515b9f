package exchange

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/verifier"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Config says how a node joins the exchange.
type Config struct {
	URL       string // NATS server, e.g. nats://127.0.0.1:4222 (CITES_EXCHANGE_URL)
	Authority string // the authority this node speaks for, e.g. KG
	// Peers are the trust anchors this node pinned for the other
	// authorities: only trust lists they sign are believed.
	Peers map[string]*ecdsa.PublicKey
	// Stream and Prefix name the JetStream stream and subject prefix;
	// defaults "CITES" and "cites". Tests use their own.
	Stream string
	Prefix string
	// Consumer is this node's durable consumer; default "node-<authority>".
	Consumer string
	// Alerts receives alerts from other nodes and refused messages; may be nil.
	Alerts AlertSink
	Log    *slog.Logger
}

// AlertSink receives what the exchange raises: alerts shared by other
// nodes, and forgery attempts it refused.
type AlertSink interface {
	ExchangeAlert(ctx context.Context, from string, a Alert)
}

// Node is this registry's place in the exchange.
type Node struct {
	cfg  Config
	db   *gorm.DB
	svc  *permits.Service
	nc   *nats.Conn
	js   jetstream.JetStream
	cons jetstream.ConsumeContext
	out  chan *nats.Msg
	done chan struct{}
	wg   sync.WaitGroup

	mu    sync.RWMutex
	trust map[string]*verifier.TrustList // by authority
}

// Start connects the node, catches up on what it missed, and begins
// publishing the registry's events. It registers itself with svc as an
// observer and as the source of foreign permits, so call it before serving.
func Start(ctx context.Context, cfg Config, db *gorm.DB, svc *permits.Service) (*Node, error) {
	if cfg.Stream == "" {
		cfg.Stream = "CITES"
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "cites"
	}
	if cfg.Consumer == "" {
		cfg.Consumer = "node-" + cfg.Authority
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if !opencites.ValidCountry(cfg.Authority) {
		return nil, fmt.Errorf("exchange: the node's authority %q is not a country code", cfg.Authority)
	}
	n := &Node{cfg: cfg, db: db, svc: svc, out: make(chan *nats.Msg, 4096), done: make(chan struct{}), trust: map[string]*verifier.TrustList{}}
	if err := n.loadTrust(ctx); err != nil {
		return nil, err
	}
	nc, err := nats.Connect(cfg.URL, nats.Name("opencites-"+cfg.Authority), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second))
	if err != nil {
		return nil, fmt.Errorf("exchange: connect %s: %w", cfg.URL, err)
	}
	n.nc = nc
	if n.js, err = jetstream.New(nc); err != nil {
		nc.Close()
		return nil, err
	}
	stream, err := n.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: cfg.Stream, Subjects: []string{cfg.Prefix + ".>"}, Storage: jetstream.FileStorage,
		MaxAge: 90 * 24 * time.Hour, Duplicates: 10 * time.Minute,
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("exchange: stream: %w", err)
	}
	cons, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable: cfg.Consumer, AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverAllPolicy,
		FilterSubject: cfg.Prefix + ".>", MaxDeliver: 50, AckWait: 30 * time.Second,
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("exchange: consumer: %w", err)
	}
	if n.cons, err = cons.Consume(n.handle); err != nil {
		nc.Close()
		return nil, err
	}
	svc.AddObserver(n)
	svc.SetForeign(n)
	n.wg.Add(1)
	go n.publisher()
	return n, nil
}

// Close stops consuming, sends what is queued and disconnects.
func (n *Node) Close() {
	n.cons.Stop()
	close(n.done)
	n.wg.Wait()
	n.nc.Drain()
}

func (n *Node) subject(authority, kind string) string {
	return n.cfg.Prefix + "." + authority + "." + kind
}

// publisher sends queued messages and republishes the trust list whenever
// it changes (checked every 10 s).
func (n *Node) publisher() {
	defer n.wg.Done()
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	lastTrust := ""
	publishTrust := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		doc, _, err := n.svc.Keys().TrustList(ctx)
		if err != nil || doc == lastTrust {
			return
		}
		if _, err := n.js.Publish(ctx, n.subject(n.cfg.Authority, KindTrust), []byte(doc)); err != nil {
			n.cfg.Log.Warn("exchange: publish trust list", "err", err)
			return
		}
		lastTrust = doc
	}
	publishTrust()
	send := func(m *nats.Msg) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for attempt := 0; ; attempt++ {
			if _, err := n.js.PublishMsg(ctx, m); err == nil {
				return
			} else if attempt == 5 {
				n.cfg.Log.Error("exchange: publish", "subject", m.Subject, "err", err)
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	for {
		select {
		case m := <-n.out:
			send(m)
		case <-t.C:
			publishTrust()
		case <-n.done:
			for {
				select {
				case m := <-n.out:
					send(m)
				default:
					return
				}
			}
		}
	}
}

// Observe publishes the state of a permit of this node's authority after
// every issue, revocation and endorsement.
func (n *Node) Observe(ctx context.Context, e permits.Event) {
	if e.Kind == permits.EventForeignImport && e.Endorsement != nil && e.Authority != n.cfg.Authority {
		a := &Acceptance{Authority: e.Authority, Number: e.Number, Port: e.Endorsement.Port, At: e.Endorsement.At, Lines: map[string]float64{}}
		for _, l := range e.Endorsement.Lines {
			a.Lines[l.Line] = l.Quantity
		}
		c := &EventClaims{Kind: KindImport, Seq: time.Now().UnixNano(), Import: a}
		c.Issuer, c.ID = n.cfg.Authority, fmt.Sprintf("import/%s/%s", e.Authority, e.Number)
		c.IssuedAt = jwt.NewNumericDate(time.Now())
		n.enqueue(ctx, KindImport, c)
		return
	}
	if e.Permit == nil || e.Authority != n.cfg.Authority {
		return
	}
	switch e.Kind {
	case permits.EventIssue, permits.EventRevocation, permits.EventEndorsement:
	default:
		return
	}
	c := &EventClaims{Kind: KindPermit, Seq: time.Now().UnixNano(), Permit: stateOf(e.Permit)}
	c.Issuer, c.ID = n.cfg.Authority, fmt.Sprintf("%s/%d", e.Permit.Number, c.Seq)
	c.IssuedAt = jwt.NewNumericDate(time.Now())
	n.enqueue(ctx, KindPermit, c)
}

// PublishAlert shares an alert (a seizure, a suspicious pattern) with the
// other nodes. It carries no personal data.
func (n *Node) PublishAlert(ctx context.Context, a Alert) {
	c := &EventClaims{Kind: KindAlert, Seq: time.Now().UnixNano(), Alert: &a}
	c.Issuer, c.ID = n.cfg.Authority, fmt.Sprintf("alert/%d", c.Seq)
	c.IssuedAt = jwt.NewNumericDate(time.Now())
	n.enqueue(ctx, KindAlert, c)
}

func (n *Node) enqueue(ctx context.Context, kind string, c *EventClaims) {
	doc, err := n.svc.Keys().SignJWT(ctx, c, EventType)
	if err != nil {
		n.cfg.Log.Error("exchange: sign event", "err", err)
		return
	}
	m := nats.NewMsg(n.subject(n.cfg.Authority, kind))
	m.Data = []byte(doc)
	m.Header.Set(jetstream.MsgIDHeader, c.ID) // the broker drops duplicates
	select {
	case n.out <- m:
	case <-ctx.Done():
	}
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

// handle applies one message from the stream.
func (n *Node) handle(m jetstream.Msg) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	parts := strings.Split(m.Subject(), ".")
	if len(parts) != 3 {
		n.reject(ctx, m.Subject(), "", "bad subject")
		m.Ack()
		return
	}
	authority, kind := parts[1], parts[2]
	err := n.apply(ctx, authority, kind, string(m.Data()))
	var retry retryLater
	switch {
	case errors.As(err, &retry):
		m.NakWithDelay(time.Second) // e.g. a permit event before its trust list
		return
	case err != nil:
		n.reject(ctx, m.Subject(), authority, err.Error())
	}
	m.Ack()
}

type retryLater struct{ error }

func (n *Node) apply(ctx context.Context, authority, kind, doc string) error {
	if authority == n.cfg.Authority {
		// Our own messages come back too: check they are really ours.
		if kind == KindTrust {
			return nil
		}
		_, err := verifyEvent(doc, authority, n.ownTrust(ctx))
		return err
	}
	switch kind {
	case KindTrust:
		anchor, ok := n.cfg.Peers[authority]
		if !ok {
			return fmt.Errorf("no pinned anchor for %s", authority)
		}
		tl, err := verifier.ParseTrustList(doc, anchor)
		if err != nil {
			return err
		}
		return n.storeTrust(ctx, authority, tl, doc)
	case KindPermit, KindAlert, KindImport:
		n.mu.RLock()
		tl := n.trust[authority]
		n.mu.RUnlock()
		if tl == nil {
			if _, pinned := n.cfg.Peers[authority]; pinned {
				return retryLater{fmt.Errorf("no trust list from %s yet", authority)}
			}
			return fmt.Errorf("no trust list from %s", authority)
		}
		c, err := verifyEvent(doc, authority, tl)
		if err != nil {
			return err
		}
		if kind == KindAlert {
			if c.Alert != nil && n.cfg.Alerts != nil {
				n.cfg.Alerts.ExchangeAlert(ctx, authority, *c.Alert)
			}
			return nil
		}
		if kind == KindImport {
			return n.applyImport(ctx, authority, c.Import)
		}
		return n.storePermit(ctx, authority, c)
	}
	return fmt.Errorf("unknown message kind %q", kind)
}

// ownTrust is this node's own trust list, to check messages in its name.
func (n *Node) ownTrust(ctx context.Context) *verifier.TrustList {
	doc, _, err := n.svc.Keys().TrustList(ctx)
	if err != nil {
		return nil
	}
	a, err := n.svc.Keys().Anchor()
	if err != nil {
		return nil
	}
	tl, _ := verifier.ParseTrustList(doc, &a.PublicKey)
	return tl
}

func (n *Node) reject(ctx context.Context, subject, authority, reason string) {
	n.cfg.Log.Warn("exchange: message refused", "subject", subject, "reason", reason)
	n.db.WithContext(ctx).Create(&models.ExchangeRejection{At: time.Now().UTC(), Subject: subject, Authority: authority, Reason: reason})
	if n.cfg.Alerts != nil {
		n.cfg.Alerts.ExchangeAlert(ctx, authority, Alert{Kind: "forged_exchange_message", Severity: "high",
			Reason: fmt.Sprintf("A message on the regional exchange in the name of %s was refused: %s.", authority, reason)})
	}
}

func (n *Node) loadTrust(ctx context.Context) error {
	var rows []models.ForeignTrust
	if err := n.db.WithContext(ctx).Find(&rows).Error; err != nil {
		return fmt.Errorf("exchange: load trust lists: %w", err)
	}
	for _, r := range rows {
		if anchor, ok := n.cfg.Peers[r.Authority]; ok {
			if tl, err := verifier.ParseTrustList(r.Doc, anchor); err == nil {
				n.trust[r.Authority] = tl
			}
		}
	}
	return nil
}

func (n *Node) storeTrust(ctx context.Context, authority string, tl *verifier.TrustList, doc string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if cur := n.trust[authority]; cur != nil && tl.Seq < cur.Seq {
		return nil // an older list arriving late changes nothing
	}
	row := models.ForeignTrust{Authority: authority, Seq: tl.Seq, Doc: doc, UpdatedAt: time.Now().UTC()}
	if err := n.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
		return err
	}
	n.trust[authority] = tl
	return nil
}

// storePermit keeps the newest state of a foreign permit; an older or
// repeated state changes nothing.
func (n *Node) storePermit(ctx context.Context, authority string, c *EventClaims) error {
	if c.Permit == nil || c.Permit.Number == "" {
		return errors.New("permit event without a permit")
	}
	data, _ := json.Marshal(c.Permit)
	row := models.ForeignPermit{Authority: authority, Number: c.Permit.Number, Status: c.Permit.Status, Data: string(data),
		Seq: c.Seq, EventID: c.ID, UpdatedAt: time.Now().UTC()}
	return n.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "authority"}, {Name: "number"}},
		DoUpdates: clause.AssignmentColumns([]string{"status", "data", "seq", "event_id", "updated_at"}),
		Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "foreign_permits.seq < excluded.seq"}}},
	}).Create(&row).Error
}

// Key implements permits.Foreign: a key from another authority's trust
// list, which speaks for that authority only.
func (n *Node) Key(_ context.Context, kid string) (verifier.Key, map[string]bool, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	for authority, tl := range n.trust {
		if k, auths, ok := tl.Key(kid); ok && auths[authority] {
			return k, map[string]bool{authority: true}, true
		}
	}
	return verifier.Key{}, nil, false
}

// Permit implements permits.Foreign.
func (n *Node) Permit(ctx context.Context, authority, number string) (*permits.Permit, time.Time, bool, error) {
	var row models.ForeignPermit
	err := n.db.WithContext(ctx).Where("authority = ? AND number = ?", authority, number).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, err
	}
	var s PermitState
	if err := json.Unmarshal([]byte(row.Data), &s); err != nil {
		return nil, time.Time{}, false, err
	}
	p := &permits.Permit{Number: s.Number, Authority: authority, Type: s.Type, Purpose: s.Purpose, Status: row.Status,
		Exporter:   permits.Party{Name: s.Exporter.Name, Country: s.Exporter.Country},
		Importer:   permits.Party{Name: s.Importer.Name, Country: s.Importer.Country},
		ValidUntil: s.ValidUntil, IssuedAt: s.IssuedAt, RevocationReason: s.Revocation}
	p.ValidFrom, _ = time.Parse(time.DateOnly, s.ValidFrom)
	for _, l := range s.Lines {
		p.Lines = append(p.Lines, permits.Line{Line: l.Line, Taxon: l.Taxon, Appendix: l.Appendix, Term: l.Term,
			Source: l.Source, Quantity: l.Quantity, Unit: l.Unit})
	}
	for _, sh := range s.Shipped {
		e := permits.Endorsement{Direction: sh.Direction, Port: sh.Port, At: sh.At}
		for line, q := range sh.Lines {
			e.Lines = append(e.Lines, permits.EndorsedLine{Line: line, Quantity: q})
		}
		p.Endorsements = append(p.Endorsements, e)
	}
	return p, row.UpdatedAt, true, nil
}

// applyImport records an acceptance at import that another country made of
// one of this node's permits; those of other authorities are not ours.
func (n *Node) applyImport(ctx context.Context, from string, a *Acceptance) error {
	if a == nil || a.Authority != n.cfg.Authority {
		return nil
	}
	end := permits.Endorsement{Direction: "import", Port: a.Port, At: a.At}
	for line, q := range a.Lines {
		end.Lines = append(end.Lines, permits.EndorsedLine{Line: line, Quantity: q})
	}
	if err := n.svc.AcceptAtImport(ctx, from, a.Number, end); err != nil {
		n.cfg.Log.Warn("exchange: acceptance at import not recorded", "from", from, "number", a.Number, "err", err)
	}
	return nil
}

// FindPermit implements permits.Foreign.
func (n *Node) FindPermit(ctx context.Context, number string) (*permits.Permit, bool, error) {
	var row models.ForeignPermit
	err := n.db.WithContext(ctx).Where("number = ?", number).Order("updated_at DESC").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	p, _, ok, err := n.Permit(ctx, row.Authority, number)
	return p, ok, err
}
