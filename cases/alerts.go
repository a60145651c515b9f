package cases

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Alert statuses.
const (
	StatusOpen         = "open"
	StatusAcknowledged = "acknowledged"
	StatusClosed       = "closed"
)

// Alert is a suspicious-conduct alert with its evidence.
type Alert struct {
	ID        int64
	Authority string
	Rule      string
	Severity  string
	Status    string
	// Reason is the English text; ReasonCode and ReasonArgs render it in
	// another language (empty for alerts raised before they were stored).
	Reason         string
	ReasonCode     string
	ReasonArgs     map[string]string
	Occurrences    int // how many times its conduct was seen
	CreatedAt      time.Time
	LastSeenAt     time.Time
	AcknowledgedAt *time.Time
	AcknowledgedBy string
	ClosedAt       *time.Time
	ClosedBy       string
	Evidence       []Evidence
}

// Evidence links an alert to what raised it.
type Evidence struct {
	Kind string // verification, permit, case
	Ref  string // its id or number
	At   time.Time
}

func alertOf(r *models.Alert) Alert {
	a := Alert{ID: r.ID, Authority: r.Authority, Rule: r.Rule, Severity: r.Severity, Status: r.Status, Reason: r.Reason,
		ReasonCode: r.ReasonCode, ReasonArgs: parseArgs(r.ReasonArgs),
		Occurrences: r.Occurrences, CreatedAt: r.CreatedAt.UTC(), LastSeenAt: r.LastSeenAt.UTC(), AcknowledgedAt: utcPtr(r.AcknowledgedAt),
		AcknowledgedBy: r.AcknowledgedBy, ClosedAt: utcPtr(r.ClosedAt), ClosedBy: r.ClosedBy, Evidence: []Evidence{}}
	for _, ev := range r.Evidence {
		a.Evidence = append(a.Evidence, Evidence{Kind: ev.Kind, Ref: ev.Ref, At: ev.At.UTC()})
	}
	return a
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// openAlert is what the engine remembers of an alert it stored and
// believes open, so that a repeat costs one UPDATE (and the new evidence)
// instead of reading the alert back.
type openAlert struct {
	id          int64
	occurrences int
	severity    string
	evidence    map[string]bool // kind|ref, at most MaxEvidence
}

// maxOpenCached bounds the engine's memory of open alerts.
const maxOpenCached = 20000

// store writes an alert, or adds to the open (or acknowledged) alert of
// the same rule and group, and tells the subscribers.
func (e *Engine) store(ctx context.Context, r raised) error {
	key := r.rule + "|" + r.group + "|" + r.authority
	if oa, ok := e.open[key]; ok {
		done, err := e.storeRepeat(ctx, oa, r)
		if err != nil || done {
			return err
		}
		delete(e.open, key) // closed meanwhile: raise a new alert
	}
	now := e.s.now()
	var row models.Alert
	created := false
	oa := &openAlert{evidence: map[string]bool{}}
	err := e.s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Where("rule = ? AND group_key = ? AND authority = ? AND status <> ?", r.rule, r.group, r.authority, StatusClosed).
			Order("id DESC").Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			created = true
			row = models.Alert{Authority: r.authority, Rule: r.rule, Severity: r.severity, Status: StatusOpen,
				GroupKey: r.group, Occurrences: r.count, CreatedAt: now, LastSeenAt: now}
			setReason(&row, r.why())
			escalate(&row, r)
			if err := tx.Omit(clause.Associations).Create(&row).Error; err != nil {
				return err
			}
			return e.addEvidence(tx, row.ID, oa, r.evidence)
		}
		if err != nil {
			return err
		}
		var have []models.AlertEvidence
		if err := tx.Select("kind, ref").Where("alert_id = ?", row.ID).Find(&have).Error; err != nil {
			return err
		}
		for _, h := range have {
			oa.evidence[h.Kind+"|"+h.Ref] = true
		}
		wasCritical := row.Severity == "critical"
		if severityRank(r.severity) > severityRank(row.Severity) {
			row.Severity = r.severity
		}
		row.Occurrences += r.count
		row.LastSeenAt = now
		setReason(&row, r.why())
		escalate(&row, r)
		if wasCritical {
			row.Severity = "critical"
		}
		if err := tx.Model(&models.Alert{}).Where("id = ?", row.ID).
			Updates(map[string]any{"severity": row.Severity, "reason": row.Reason, "reason_code": row.ReasonCode, "reason_args": row.ReasonArgs,
				"occurrences": row.Occurrences, "last_seen_at": now}).Error; err != nil {
			return err
		}
		return e.addEvidence(tx, row.ID, oa, r.evidence)
	})
	if err != nil {
		return err
	}
	oa.id, oa.occurrences, oa.severity = row.ID, row.Occurrences, row.Severity
	if len(e.open) >= maxOpenCached {
		clear(e.open)
	}
	e.open[key] = oa
	return e.publish(ctx, row.ID, created)
}

// storeRepeat adds a repeat to an alert the engine stored before. It
// reports false if the alert has been closed since.
func (e *Engine) storeRepeat(ctx context.Context, oa *openAlert, r raised) (bool, error) {
	row := models.Alert{Severity: oa.severity, Occurrences: oa.occurrences + r.count}
	setReason(&row, r.why())
	if severityRank(r.severity) > severityRank(row.Severity) {
		row.Severity = r.severity
	}
	escalate(&row, r)
	if oa.severity == "critical" {
		row.Severity = "critical"
	}
	now := e.s.now()
	closed := false
	err := e.s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.Alert{}).Where("id = ? AND status <> ?", oa.id, StatusClosed).
			Updates(map[string]any{"severity": row.Severity, "reason": row.Reason, "reason_code": row.ReasonCode, "reason_args": row.ReasonArgs, "last_seen_at": now,
				"occurrences": gorm.Expr("occurrences + ?", r.count)})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			closed = true
			return nil
		}
		return e.addEvidence(tx, oa.id, oa, r.evidence)
	})
	if err != nil || closed {
		return false, err
	}
	oa.occurrences, oa.severity = row.Occurrences, row.Severity
	return true, e.publish(ctx, oa.id, false)
}

func escalate(row *models.Alert, r raised) {
	if r.escalateAt > 0 && row.Occurrences >= r.escalateAt && r.escalated != nil {
		row.Severity = "critical"
		setReason(row, r.escalated(row.Occurrences))
	}
}

// setReason stores a reason: its English text, code and parameters.
func setReason(row *models.Alert, r Reason) {
	row.Reason, row.ReasonCode, row.ReasonArgs = r.Text, r.Code, r.argsJSON()
}

// addEvidence links evidence to an alert, each item once and at most
// MaxEvidence items in all: a forged code scanned ten thousand times counts
// every scan but lists the first ones. oa.evidence holds what is linked.
func (e *Engine) addEvidence(tx *gorm.DB, alertID int64, oa *openAlert, evs []Evidence) error {
	var rows []models.AlertEvidence
	for _, ev := range evs {
		k := ev.Kind + "|" + ev.Ref
		if ev.Ref == "" || oa.evidence[k] || len(oa.evidence) >= e.cfg.MaxEvidence {
			continue
		}
		oa.evidence[k] = true
		rows = append(rows, models.AlertEvidence{AlertID: alertID, Kind: ev.Kind, Ref: ev.Ref, At: ev.At.UTC()})
	}
	if len(rows) == 0 {
		return nil
	}
	return tx.Create(&rows).Error
}

// publish tells the subscribers, if there are any, of a new or changed
// alert.
func (e *Engine) publish(ctx context.Context, id int64, created bool) error {
	if !e.subs.any() {
		return nil
	}
	a, err := e.s.loadAlert(e.s.db.WithContext(ctx), id, "")
	if err != nil {
		return err
	}
	e.subs.publish(AlertEvent{New: created, Alert: a})
	return nil
}

func (s *Service) loadAlert(db *gorm.DB, id int64, authority string) (Alert, error) {
	q := db.Preload("Evidence", orderID).Where("id = ?", id)
	if authority != "" {
		q = q.Where("authority = ?", authority)
	}
	var row models.Alert
	err := q.Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Alert{}, opencites.Errorf(opencites.KindNotFound, "alert_not_found", "no alert %d", id)
	}
	if err != nil {
		return Alert{}, opencites.Internal("read alert", err)
	}
	return alertOf(&row), nil
}

// AlertFilter selects alerts.
type AlertFilter struct {
	Status   string // open, acknowledged, closed, or "" for all
	Rule     string
	Severity string
	// Evidence, when set, keeps alerts with this evidence: a permit
	// number, a case number or a verification id.
	Evidence string
	// From and To, when set, keep alerts last seen at or after From and
	// before To.
	From, To time.Time
	Page     int
	Size     int
}

// AlertPage is one page of alerts, most recently seen first.
type AlertPage struct {
	Alerts []Alert
	Total  int64
	Page   int
	Size   int
}

// Alerts lists the alerts of the actor's authority (all, for admins),
// once the rules have seen every event already observed.
// Errors: forbidden, authority_required (403), invalid_alert_status (422).
func (s *Service) Alerts(ctx context.Context, actor opencites.Actor, f AlertFilter) (*AlertPage, error) {
	authority, err := alertScope(actor)
	if err != nil {
		return nil, err
	}
	switch f.Status {
	case "", StatusOpen, StatusAcknowledged, StatusClosed:
	default:
		return nil, opencites.Invalid("invalid_alert_status", "status must be one of open, acknowledged, closed")
	}
	if err := opencites.CheckLen("rule", f.Rule, 60); err != nil {
		return nil, err
	}
	s.settle(ctx)
	q := s.db.WithContext(ctx).Model(&models.Alert{})
	if authority != "" {
		q = q.Where("authority = ?", authority)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Rule != "" {
		q = q.Where("rule = ?", f.Rule)
	}
	if f.Severity != "" {
		q = q.Where("severity = ?", f.Severity)
	}
	if err := opencites.CheckLen("evidence", f.Evidence, 100); err != nil {
		return nil, err
	}
	if ev := strings.TrimSpace(f.Evidence); ev != "" {
		q = q.Where("id IN (SELECT alert_id FROM alert_evidence WHERE ref = ?)", ev)
	}
	if !f.From.IsZero() {
		q = q.Where("last_seen_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("last_seen_at < ?", f.To.UTC())
	}
	if f.Size <= 0 || f.Size > 100 {
		f.Size = 50
	}
	if f.Page <= 0 {
		f.Page = 1
	}
	page := &AlertPage{Page: f.Page, Size: f.Size, Alerts: []Alert{}}
	if err := q.Count(&page.Total).Error; err != nil {
		return nil, opencites.Internal("count alerts", err)
	}
	var rows []models.Alert
	if err := q.Preload("Evidence", orderID).Order("last_seen_at DESC, id DESC").Limit(f.Size).Offset((f.Page - 1) * f.Size).
		Find(&rows).Error; err != nil {
		return nil, opencites.Internal("list alerts", err)
	}
	for i := range rows {
		page.Alerts = append(page.Alerts, alertOf(&rows[i]))
	}
	return page, nil
}

// Alert returns one alert the actor may see. Errors: forbidden,
// authority_required (403), alert_not_found (404).
func (s *Service) Alert(ctx context.Context, actor opencites.Actor, id int64) (Alert, error) {
	authority, err := alertScope(actor)
	if err != nil {
		return Alert{}, err
	}
	return s.loadAlert(s.db.WithContext(ctx), id, authority)
}

// Acknowledge marks an open alert as being looked at, with who and when.
// Errors: as Alert, and alert_not_open (409).
func (s *Service) Acknowledge(ctx context.Context, actor opencites.Actor, id int64) (Alert, error) {
	return s.setStatus(ctx, actor, id, StatusAcknowledged)
}

// CloseAlert closes an open or acknowledged alert; later conduct of the same
// group raises a new one. Errors: as Alert, and alert_closed (409).
func (s *Service) CloseAlert(ctx context.Context, actor opencites.Actor, id int64) (Alert, error) {
	return s.setStatus(ctx, actor, id, StatusClosed)
}

func (s *Service) setStatus(ctx context.Context, actor opencites.Actor, id int64, status string) (Alert, error) {
	authority, err := alertScope(actor)
	if err != nil {
		return Alert{}, err
	}
	now := s.now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a, err := s.loadAlert(tx, id, authority)
		if err != nil {
			return err
		}
		from := []string{StatusOpen}
		set := map[string]any{"status": status, "acknowledged_at": now, "acknowledged_by": actor.Username}
		if status == StatusClosed {
			from = []string{StatusOpen, StatusAcknowledged}
			set = map[string]any{"status": status, "closed_at": now, "closed_by": actor.Username}
		}
		res := tx.Model(&models.Alert{}).Where("id = ? AND status IN ?", id, from).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if a.Status == StatusClosed {
				return opencites.Errorf(opencites.KindConflict, "alert_closed", "alert %d is closed", id)
			}
			return opencites.Errorf(opencites.KindConflict, "alert_not_open", "alert %d is already %s", id, a.Status)
		}
		return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "alert." + status, EntityType: "alert", EntityID: strconv.FormatInt(id, 10), Before: map[string]string{"status": a.Status}, After: map[string]string{"status": status}})
	})
	if err != nil {
		return Alert{}, opencites.AsDomain("alert status", err)
	}
	a, err := s.loadAlert(s.db.WithContext(ctx), id, "")
	if err != nil {
		return Alert{}, err
	}
	s.engine.subs.publish(AlertEvent{Alert: a})
	return a, nil
}

// AlertEvent is what a subscriber receives: an alert just raised (New), or
// one that changed (seen again, acknowledged, closed).
type AlertEvent struct {
	New   bool
	Alert Alert
}

// subscription is one live listener, limited to an authority ("" for all).
type subscription struct {
	authority string
	ch        chan AlertEvent
}

type broker struct {
	mu    sync.Mutex
	subs  map[*subscription]struct{}
	ended bool
}

func (b *broker) any() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs) > 0
}

// publish hands an event to every subscriber that may see it; a
// subscriber too slow to take it misses it rather than holding up the rules.
func (b *broker) publish(ev AlertEvent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		if s.authority != "" && s.authority != ev.Alert.Authority {
			continue
		}
		select {
		case s.ch <- ev:
		default:
		}
	}
}

// Subscribe returns a channel of the alert events the actor may see, and a
// function that ends the subscription. The channel is closed when the
// subscription ends. Errors: as Alerts.
func (s *Service) Subscribe(actor opencites.Actor) (<-chan AlertEvent, func(), error) {
	authority, err := alertScope(actor)
	if err != nil {
		return nil, nil, err
	}
	sub := &subscription{authority: authority, ch: make(chan AlertEvent, 64)}
	b := &s.engine.subs
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ended {
		close(sub.ch)
		return sub.ch, func() {}, nil
	}
	b.subs[sub] = struct{}{}
	return sub.ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, ok := b.subs[sub]; ok {
			delete(b.subs, sub)
			close(sub.ch)
		}
	}, nil
}

// EndStreams closes every subscription, now and later, so that live event
// streams end and a server can shut down (http.Server.RegisterOnShutdown).
func (s *Service) EndStreams() {
	b := &s.engine.subs
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ended = true
	for sub := range b.subs {
		delete(b.subs, sub)
		close(sub.ch)
	}
}

// SeverityValid reports whether s is a known severity.
func SeverityValid(s string) bool { return severityRank(strings.TrimSpace(s)) >= 0 }
