package exchange

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/verifier"
	"gorm.io/gorm"
)

// Defaults of Config.
const (
	DefaultAnnounce          = time.Minute
	DefaultPendingTTL        = 30 * 24 * time.Hour
	DefaultPendingMax        = 10000
	DefaultPendingBytes      = 16 << 20
	DefaultPendingTotalBytes = 64 << 20
)

// Limits that are not configuration.
const (
	streamMaxAge = 90 * 24 * time.Hour
	// receivedTTL is how long an applied event's id is remembered: longer
	// than the stream keeps messages, so a replay of the stream is
	// recognised.
	receivedTTL = 100 * 24 * time.Hour
	// maxMessage is the largest message kept waiting for its key; a
	// permit state is a few kilobytes.
	maxMessage = 256 << 10
	// delayedAfter: a message sent later than this after it was queued
	// counts as delayed.
	delayedAfter = time.Second
	sweepEvery   = time.Hour
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
	// TrustBucket is the JetStream key-value bucket that keeps each
	// authority's latest trust list under its code; default
	// Stream+"_TRUST".
	TrustBucket string
	// Consumer is this node's durable consumer; default "node-<authority>".
	Consumer string
	// Announce is how often the node puts its trust list in the bucket
	// again even when it has not changed, and reads its peers' lists
	// there (besides watching it); default DefaultAnnounce.
	Announce time.Duration
	// PendingTTL is how long a message whose signing key is unknown is
	// kept waiting for it; default DefaultPendingTTL. Expired messages
	// are recorded as refused.
	PendingTTL time.Duration
	// PendingMax and PendingBytes bound the messages kept waiting for one
	// authority (count and bytes), PendingTotalBytes those of all
	// authorities; defaults DefaultPendingMax, DefaultPendingBytes and
	// DefaultPendingTotalBytes. Beyond them a message is not kept, but the
	// authority's messages are read again from the stream when its trust
	// list arrives.
	PendingMax        int
	PendingBytes      int64
	PendingTotalBytes int64
	// Alerts receives alerts from other nodes and refused messages; may be nil.
	Alerts AlertSink
	Log    *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// AlertSink receives what the exchange raises: alerts shared by other
// nodes, and forgery attempts it refused.
type AlertSink interface {
	ExchangeAlert(ctx context.Context, from string, a Alert)
}

// Stats are a node's counters, for the operator. The counts run from the
// node's start; Pending and Outbox are read from the database.
type Stats struct {
	// Published counts the messages the broker accepted from this node,
	// Delayed those of them sent more than a second after they were
	// queued (the broker was unreachable or slow).
	Published int64
	Delayed   int64
	// Delivered counts the messages from other nodes applied here,
	// Recovered those of them that had waited for their signing key, and
	// Duplicates the messages that changed nothing because they had been
	// applied already or a newer state was held.
	Delivered  int64
	Recovered  int64
	Duplicates int64
	// Rejected counts the messages refused (forgeries, bad messages);
	// Overflowed those not kept waiting because the pending bounds were
	// reached (they are read again from the stream later).
	Rejected   int64
	Overflowed int64
	// Pending is the number of messages waiting for their signing key;
	// Outbox the number of messages not yet sent and OutboxAge the age of
	// the oldest.
	Pending   int64
	Outbox    int64
	OutboxAge time.Duration
	// LastLag is the time from the creation of the last applied message
	// at its sender to its application here (it includes any wait in the
	// sender's outbox or in the pending table, and the clocks' skew).
	LastLag time.Duration
	// Connected tells whether the node is connected to the broker now.
	Connected bool
}

// Node is this registry's place in the exchange.
type Node struct {
	cfg    Config
	db     *gorm.DB
	svc    *permits.Service
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	kv     jetstream.KeyValue
	cons   jetstream.ConsumeContext

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	kick   chan struct{} // wakes the publisher
	done   chan struct{}
	wg     sync.WaitGroup
	closed atomic.Bool

	mu       sync.RWMutex
	trust    map[string]*verifier.TrustList // by authority
	trustDoc map[string]string
	badDoc   map[string]string // the last trust list refused, by authority: refused once
	own      *verifier.TrustList
	ownDoc   string

	// pmu orders the handling of messages against the arrival of trust
	// lists, so that no message is kept waiting for a key that has just
	// arrived.
	pmu sync.Mutex

	stats    counters
	lastWarn sync.Map // rate limits of warnings and alerts, by key
}

type counters struct {
	published, delayed, delivered, recovered, duplicates, rejected, overflowed atomic.Int64
	lastLag                                                                    atomic.Int64
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
	if cfg.TrustBucket == "" {
		cfg.TrustBucket = cfg.Stream + "_TRUST"
	}
	if cfg.Consumer == "" {
		cfg.Consumer = "node-" + cfg.Authority
	}
	if cfg.Announce <= 0 {
		cfg.Announce = DefaultAnnounce
	}
	if cfg.PendingTTL <= 0 {
		cfg.PendingTTL = DefaultPendingTTL
	}
	if cfg.PendingMax <= 0 {
		cfg.PendingMax = DefaultPendingMax
	}
	if cfg.PendingBytes <= 0 {
		cfg.PendingBytes = DefaultPendingBytes
	}
	if cfg.PendingTotalBytes <= 0 {
		cfg.PendingTotalBytes = DefaultPendingTotalBytes
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if !opencites.ValidCountry(cfg.Authority) {
		return nil, fmt.Errorf("exchange: the node's authority %q is not a country code", cfg.Authority)
	}
	n := &Node{cfg: cfg, db: db, svc: svc, kick: make(chan struct{}, 1), done: make(chan struct{}),
		trust: map[string]*verifier.TrustList{}, trustDoc: map[string]string{}, badDoc: map[string]string{}}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	if err := n.loadTrust(ctx); err != nil {
		return nil, err
	}
	if err := n.connect(ctx); err != nil {
		n.cancel()
		if n.nc != nil {
			n.nc.Close()
		}
		return nil, err
	}
	svc.AddCommitter(n)
	svc.AddObserver(n)
	svc.SetForeign(n)
	n.wg.Add(2)
	go n.watchTrust()
	go n.publisher()
	return n, nil
}

// connect joins the broker: the stream, the trust-list bucket, what the
// bucket holds for the pinned peers, then the durable consumer.
func (n *Node) connect(ctx context.Context) error {
	cfg := n.cfg
	var err error
	// No reconnect buffer: a publish while the broker is away fails at
	// once, and the message stays in the outbox until it returns.
	n.nc, err = nats.Connect(cfg.URL, nats.Name("opencites-"+cfg.Authority), nats.MaxReconnects(-1),
		nats.ReconnectWait(500*time.Millisecond), nats.ReconnectBufSize(-1),
		nats.ReconnectHandler(func(*nats.Conn) { n.cfg.Log.Info("exchange: reconnected"); n.wake() }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if !n.closed.Load() {
				n.cfg.Log.Warn("exchange: disconnected", "err", err)
			}
		}))
	if err != nil {
		return fmt.Errorf("exchange: connect %s: %w", cfg.URL, err)
	}
	if n.js, err = jetstream.New(n.nc); err != nil {
		return err
	}
	n.stream, err = n.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: cfg.Stream, Subjects: []string{cfg.Prefix + ".>"}, Storage: jetstream.FileStorage,
		MaxAge: streamMaxAge, Duplicates: 10 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("exchange: stream: %w", err)
	}
	n.kv, err = n.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: cfg.TrustBucket,
		Description: "the latest trust list of each authority, under its code", Storage: jetstream.FileStorage})
	if err != nil {
		return fmt.Errorf("exchange: trust-list bucket: %w", err)
	}
	// What arrived before this start: the peers' lists as the bucket has
	// them, then the messages kept waiting for them.
	n.pollTrust(ctx)
	n.pmu.Lock()
	err = n.retryPending(ctx, func(r models.ExchangePending) bool {
		return n.trustOf(ctx, r.Authority) != nil || n.keyOwner(ctx, r.Kid, r.Authority) != ""
	})
	if err == nil {
		err = n.replayAll(ctx)
	}
	n.pmu.Unlock()
	if err != nil {
		return fmt.Errorf("exchange: messages kept waiting: %w", err)
	}
	cons, err := n.stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable: cfg.Consumer, AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverAllPolicy,
		FilterSubject: cfg.Prefix + ".>", MaxDeliver: -1, AckWait: 30 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("exchange: consumer: %w", err)
	}
	if n.cons, err = cons.Consume(n.handle); err != nil {
		return err
	}
	return nil
}

// Close stops consuming (handling what was already delivered), sends
// what it can of the outbox within a few seconds (the rest waits for the
// next start) and disconnects. After Close the node ignores the
// registry's events.
func (n *Node) Close() {
	if n.closed.Swap(true) {
		return
	}
	if n.nc.IsConnected() {
		n.cons.Drain()
		select {
		case <-n.cons.Closed():
		case <-time.After(10 * time.Second):
			n.cons.Stop()
		}
		// Make sure the broker saw the consumer go before this returns,
		// so it delivers nothing more to this node.
		n.nc.FlushTimeout(2 * time.Second)
	} else {
		n.cons.Stop() // what was delivered and not acknowledged comes again
	}
	close(n.done)
	n.cancel()
	n.wg.Wait()
	closed := make(chan struct{})
	n.nc.SetClosedHandler(func(*nats.Conn) { close(closed) })
	if err := n.nc.Drain(); err != nil {
		n.nc.Close()
		return
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		n.nc.Close()
	}
}

// Stats returns the node's counters; Pending, Outbox and OutboxAge are
// read from the database.
func (n *Node) Stats(ctx context.Context) (Stats, error) {
	s := Stats{
		Published: n.stats.published.Load(), Delayed: n.stats.delayed.Load(),
		Delivered: n.stats.delivered.Load(), Recovered: n.stats.recovered.Load(), Duplicates: n.stats.duplicates.Load(),
		Rejected: n.stats.rejected.Load(), Overflowed: n.stats.overflowed.Load(),
		LastLag: time.Duration(n.stats.lastLag.Load()), Connected: n.nc.IsConnected(),
	}
	db := n.db.WithContext(ctx)
	if err := db.Model(&models.ExchangePending{}).Count(&s.Pending).Error; err != nil {
		return s, fmt.Errorf("exchange: stats: %w", err)
	}
	var oldest models.ExchangeOutbox
	if err := db.Model(&models.ExchangeOutbox{}).Count(&s.Outbox).Error; err != nil {
		return s, fmt.Errorf("exchange: stats: %w", err)
	}
	if s.Outbox > 0 {
		if err := db.Order("id").Limit(1).Find(&oldest).Error; err != nil {
			return s, fmt.Errorf("exchange: stats: %w", err)
		}
		if oldest.ID != 0 {
			s.OutboxAge = n.cfg.Now().Sub(oldest.CreatedAt)
		}
	}
	return s, nil
}

func (n *Node) subject(authority, kind string) string {
	return n.cfg.Prefix + "." + authority + "." + kind
}

func (n *Node) now() time.Time { return n.cfg.Now().UTC().Truncate(time.Microsecond) }

// wake tells the publisher there is something to send.
func (n *Node) wake() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// every reports whether an action named key may run again, at most once
// per period: warnings and alerts that a flood would otherwise repeat.
func (n *Node) every(key string, period time.Duration) bool {
	now := time.Now()
	if last, ok := n.lastWarn.Load(key); ok && now.Sub(last.(time.Time)) < period {
		return false
	}
	n.lastWarn.Store(key, now)
	return true
}
