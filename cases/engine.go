package cases

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/opencites/opencites/internal/cache"
	"github.com/opencites/opencites/permits"
)

// item is one thing for the rules to look at: a registry event or a case.
type item struct {
	ev      *permits.Event
	c       *Case
	updated bool
	ext     *raised // an alert from outside: the regional exchange
}

// Engine evaluates the rules on one goroutine, so that observers return at
// once and alerts of one group never race each other.
type Engine struct {
	s      *Service
	cfg    RulesConfig
	ch     chan item
	flushC chan chan struct{}
	done   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	recent *recentScans
	subs   broker

	// Owned by the engine's goroutine.
	seen       *cache.Cache[string, []sighting] // permit -> where it was seen lately; the least recently seen forgotten first
	watch      map[string][]int64               // "permit:N" / "org:name" -> cases naming it
	watched    bool
	pending    []*raised // alerts raised in the current batch
	pendingIdx map[string]int
	open       map[string]*openAlert // rule|group|authority -> alert stored
	// volumeChecks are the captive-volume and spike checks owed by the
	// issues of the current batch, one per permit. They wait in
	// volumeOwed, the newest permit per exporter and species, until
	// VolumeCheckEvery has passed since that key's last check (volumeAt):
	// each check scans the window's permits, and one per issue made a
	// busy issuing day cost the database more than the issues themselves.
	volumeChecks []volumeCheck
	volumeOwed   map[string]volumeCheck
	volumeAt     map[string]time.Time
}

// volumeCheck is a deferred captive-volume and spike check of one permit.
type volumeCheck struct {
	p  *permits.Permit
	ev Evidence
}

func newEngine(s *Service, cfg RulesConfig) *Engine {
	e := &Engine{s: s, cfg: cfg, ch: make(chan item, cfg.QueueSize), flushC: make(chan chan struct{}), done: make(chan struct{}),
		recent: newRecentScans(cfg.RecentScans), seen: cache.New(sightingsBytes(cfg.RecentScans), sightingsCost), watch: map[string][]int64{}, pendingIdx: map[string]int{}, open: map[string]*openAlert{},
		volumeOwed: map[string]volumeCheck{}, volumeAt: map[string]time.Time{}}
	e.subs.subs = map[*subscription]struct{}{}
	e.wg.Add(1)
	go e.run()
	return e
}

// ObserveWait is how long an observer waits for room in a full queue
// before its event is dropped with a warning.
const ObserveWait = 30 * time.Second

// observe queues ev for the rules. What ev reports is committed, so it is
// queued whether or not the client that caused it is still there (ctx
// ended: an issuing client that hung up after the commit must not let its
// permit escape the rules). A full queue holds the observer back, up to
// ObserveWait: backpressure on whoever makes events faster than the rules
// evaluate them.
func (e *Engine) observe(_ context.Context, ev permits.Event) {
	if v := ev.Verification; v != nil {
		e.recent.put(scan{ID: v.ID, CheckedAt: ev.At, UserID: ev.Actor.UserID, Scanner: ev.Actor.Authority, Verdict: v.Verdict,
			Authority: ev.Authority, Number: ev.Number, Port: v.Port, Direction: v.Direction, CodeSHA256: v.CodeSHA256})
	}
	select {
	case e.ch <- item{ev: &ev}:
		return
	case <-e.done:
		return
	default:
	}
	t := time.NewTimer(ObserveWait)
	defer t.Stop()
	select {
	case e.ch <- item{ev: &ev}:
	case <-e.done:
	case <-t.C:
		e.s.log.Warn("alert rules: event dropped, the queue stayed full", "kind", ev.Kind, "number", ev.Number, "wait", ObserveWait)
	}
}

// external queues an alert raised outside the rules engine.
func (e *Engine) external(r raised) {
	select {
	case e.ch <- item{ext: &r}:
	case <-e.done:
	}
}

func (e *Engine) caseRecorded(c *Case, updated bool) {
	select {
	case e.ch <- item{c: c, updated: updated}:
	case <-e.done:
	}
}

func (e *Engine) run() {
	defer e.wg.Done()
	tick := time.NewTicker(e.cfg.VolumeCheckEvery)
	defer tick.Stop()
	for {
		select {
		case it := <-e.ch:
			e.batch(it)
		case <-tick.C:
			e.runVolumeChecks(false)
			e.storePending()
		case ack := <-e.flushC:
			e.drain()
			e.runVolumeChecks(true)
			e.storePending()
			close(ack)
		case <-e.done:
			e.drain()
			e.runVolumeChecks(true)
			e.storePending()
			return
		}
	}
}

// maxBatch is how many queued events the engine evaluates before it
// stores the alerts they raised.
const maxBatch = 256

// batch evaluates first and what else is queued, up to maxBatch events,
// then stores their alerts: under a burst of bad scans, one write per alert
// group instead of one per scan.
func (e *Engine) batch(first item) {
	e.eval(first)
	for i := 1; i < maxBatch; i++ {
		select {
		case it := <-e.ch:
			e.eval(it)
		default:
			e.endBatch()
			return
		}
	}
	e.endBatch()
}

// endBatch runs the volume checks that are due and stores the alerts
// raised.
func (e *Engine) endBatch() {
	e.runVolumeChecks(false)
	e.storePending()
}

// runVolumeChecks runs the owed captive-volume and spike checks whose key
// was last checked VolumeCheckEvery ago or more; all runs every one (a
// flush, or shutting down).
func (e *Engine) runVolumeChecks(all bool) {
	for _, vc := range e.volumeChecks { // oldest first: the newest stays owed
		e.volumeOwed[volumeKey(vc.p)] = vc
	}
	e.volumeChecks = e.volumeChecks[:0]
	if len(e.volumeOwed) == 0 {
		return
	}
	now := time.Now() // the engine's own pace, not the registry's clock
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	captiveDone, spikeDone := map[string]bool{}, map[string]bool{}
	for k, vc := range e.volumeOwed {
		if !all && now.Sub(e.volumeAt[k]) < e.cfg.VolumeCheckEvery {
			continue
		}
		delete(e.volumeOwed, k)
		e.volumeAt[k] = now
		if err := e.captive(ctx, vc.p, vc.ev, captiveDone); err != nil {
			e.s.log.Error("alert rules", "err", err)
		}
		if err := e.spike(ctx, vc.p, vc.ev, spikeDone); err != nil {
			e.s.log.Error("alert rules", "err", err)
		}
	}
	for k, at := range e.volumeAt { // forget keys checked long ago
		if now.Sub(at) >= e.cfg.VolumeCheckEvery {
			if _, owed := e.volumeOwed[k]; !owed {
				delete(e.volumeAt, k)
			}
		}
	}
}

// volumeKey names what a permit's volume checks cover: its authority,
// exporter and species lines.
func volumeKey(p *permits.Permit) string {
	parts := []string{p.Authority, strings.ToLower(p.Exporter.Name)}
	for _, l := range p.Lines {
		parts = append(parts, l.Taxon+"/"+l.Unit+"/"+l.Source)
	}
	sort.Strings(parts[2:])
	return strings.Join(parts, "|")
}

func (e *Engine) drain() {
	for {
		select {
		case it := <-e.ch:
			e.batch(it)
		default:
			return
		}
	}
}

func (e *Engine) flush(ctx context.Context) error {
	ack := make(chan struct{})
	select {
	case e.flushC <- ack:
	case <-e.done:
		return nil
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

func (e *Engine) close() {
	e.once.Do(func() { close(e.done) })
	e.wg.Wait()
}

// eval runs the rules for one item. A rule that fails is logged; the
// others still run.
func (e *Engine) eval(it item) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			e.s.log.Error("alert rules: panic", "err", r)
		}
	}()
	if !e.watched {
		if err := e.loadWatch(ctx); err != nil {
			e.s.log.Error("alert rules: load case links", "err", err)
		} else {
			e.watched = true
		}
	}
	var err error
	switch {
	case it.ext != nil:
		err = e.raise(*it.ext)
	case it.c != nil:
		err = e.onCase(ctx, it.c)
	case it.ev.Kind == permits.EventVerification:
		err = e.onVerification(ctx, it.ev)
	case it.ev.Kind == permits.EventIssue:
		err = e.onIssue(ctx, it.ev)
	case it.ev.Kind == permits.EventEndorsement:
		err = e.onEndorsement(ctx, it.ev)
	case it.ev.Kind == permits.EventEndorsementRefused:
		err = e.onRefusedEndorsement(ctx, it.ev)
	}
	if err != nil {
		e.s.log.Error("alert rules", "err", err)
	}
}

// raised is an alert as a rule states it. Alerts of one group raised
// while the engine works through a batch of events are merged, and
// stored once.
type raised struct {
	authority, rule, severity, group string
	// said is the reason as a message code with its parameters (and its
	// English text); reason, the English text alone, serves a rule whose
	// reason has no code yet.
	said     Reason
	reason   string
	evidence []Evidence
	count    int // occurrences merged into this one
	// escalateAt, if set, is the occurrence count at which the alert
	// becomes critical, its reason then escalated(count).
	escalateAt int
	escalated  func(n int) Reason
}

// why is the reason an alert is stored with.
func (r raised) why() Reason {
	if r.said.Code != "" || r.said.Text != "" {
		return r.said
	}
	return Reason{Text: r.reason}
}

// raise queues an alert for the end of the batch, merged with the others
// of its group.
func (e *Engine) raise(r raised) error {
	key := r.rule + "|" + r.group + "|" + r.authority
	if i, ok := e.pendingIdx[key]; ok {
		p := e.pending[i]
		p.count++
		if severityRank(r.severity) > severityRank(p.severity) {
			p.severity = r.severity
		}
		p.said, p.reason, p.escalated = r.said, r.reason, r.escalated
		p.evidence = append(p.evidence, r.evidence...)
		return nil
	}
	r.count = 1
	e.pendingIdx[key] = len(e.pending)
	e.pending = append(e.pending, &r)
	return nil
}

// storePending writes the alerts raised in a batch.
func (e *Engine) storePending() {
	if len(e.pending) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, r := range e.pending {
		if err := e.store(ctx, *r); err != nil {
			e.s.log.Error("alert rules: store alert", "rule", r.rule, "err", err)
		} else if e.s.onAlert != nil {
			e.s.onAlert(r.rule, r.severity, r.count)
		}
	}
	e.pending, e.pendingIdx = e.pending[:0], map[string]int{}
}

// recentScans remembers the last scans the engine was told of, so that a
// case can be opened from a verification still waiting in the recorder's
// batch.
type recentScans struct {
	mu   sync.Mutex
	m    map[string]scan
	ring []string
	next int
}

func newRecentScans(n int) *recentScans {
	return &recentScans{m: make(map[string]scan, n), ring: make([]string, n)}
}

func (r *recentScans) put(s scan) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old := r.ring[r.next]; old != "" {
		delete(r.m, old)
	}
	r.ring[r.next] = s.ID
	r.next = (r.next + 1) % len(r.ring)
	r.m[s.ID] = s
}

func (r *recentScans) get(id string) (scan, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.m[id]
	return s, ok
}

// sightingsBytes sizes the memory of where permits were seen: about 250
// bytes a permit, for as many permits as scans are remembered.
func sightingsBytes(recentScans int) int { return max(recentScans, 1000) * 250 }

func sightingsCost(key string, ss []sighting) int {
	n := len(key) + 24
	for _, s := range ss {
		n += 80 + len(s.port) + len(s.ref) + len(s.kind) + len(s.checkpoint)
	}
	return n
}
