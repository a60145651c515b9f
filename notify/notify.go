package notify

import (
	"context"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/users"
	"gorm.io/gorm"
)

// Notification is an in-app message to a user: an application changed
// state, or a permit was issued, revoked, endorsed or accepted at import.
type Notification struct {
	ID         int64
	Kind       string // e.g. "application.changes_requested", "permit.endorsed"
	EntityType string // "application" or "permit"
	EntityID   string
	Text       string
	CreatedAt  time.Time
	Read       bool
}

// Sender delivers notifications outside the app (e-mail, SMS). None ships
// yet: in-app notifications are written in the transaction of the change
// itself, and a Sender, once configured, is called after the commit.
type Sender interface {
	Send(ctx context.Context, userID int64, n Notification) error
}

// Write stores one in-app notification for a user in tx, the transaction
// of the change it tells of, so a change and its news commit together.
func Write(tx *gorm.DB, at time.Time, userID int64, kind, entityType, entityID, text string) error {
	return tx.Create(&models.Notification{UserID: userID, Kind: kind, EntityType: entityType, EntityID: entityID,
		Text: text, CreatedAt: at}).Error
}

// Tell writes a notification for every account in the audience, in tx.
func Tell(tx *gorm.DB, at time.Time, to users.Audience, kind, entityType, entityID, text string) error {
	ids, err := users.Recipients(tx, to)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := Write(tx, at, id, kind, entityType, entityID, text); err != nil {
			return err
		}
	}
	return nil
}

// Service reads and marks a user's notifications.
type Service struct {
	db  *gorm.DB
	now func() time.Time
}

// New returns the notifications service.
func New(db *gorm.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
}

// Unread counts the caller's unread notifications (the app shows the
// count on its menu).
func (s *Service) Unread(ctx context.Context, actor opencites.Actor) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&models.Notification{}).Where("user_id = ? AND read_at IS NULL", actor.UserID).Count(&n).Error; err != nil {
		return 0, opencites.Internal("count notifications", err)
	}
	return n, nil
}

// Notifications lists the caller's notifications, newest first.
func (s *Service) Notifications(ctx context.Context, actor opencites.Actor, unreadOnly bool) ([]Notification, error) {
	q := s.db.WithContext(ctx).Where("user_id = ?", actor.UserID)
	if unreadOnly {
		q = q.Where("read_at IS NULL")
	}
	var rows []models.Notification
	if err := q.Order("id DESC").Limit(200).Find(&rows).Error; err != nil {
		return nil, opencites.Internal("notifications", err)
	}
	out := make([]Notification, len(rows))
	for i, r := range rows {
		out[i] = Notification{ID: r.ID, Kind: r.Kind, EntityType: r.EntityType, EntityID: r.EntityID, Text: r.Text,
			CreatedAt: r.CreatedAt.UTC(), Read: r.ReadAt != nil}
	}
	return out, nil
}

// MarkRead marks one of the caller's notifications read.
// Errors: notification_not_found.
func (s *Service) MarkRead(ctx context.Context, actor opencites.Actor, id int64) error {
	res := s.db.WithContext(ctx).Model(&models.Notification{}).Where("id = ? AND user_id = ?", id, actor.UserID).
		Update("read_at", s.now())
	if res.Error != nil {
		return opencites.Internal("mark read", res.Error)
	}
	if res.RowsAffected == 0 {
		return opencites.Errorf(opencites.KindNotFound, "notification_not_found", "no notification %d", id)
	}
	return nil
}
