package permits

import (
	"context"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
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

// notify writes one in-app notification in tx.
func notify(tx *gorm.DB, at time.Time, userID int64, kind, entityType, entityID, text string) error {
	return tx.Create(&models.Notification{UserID: userID, Kind: kind, EntityType: entityType, EntityID: entityID,
		Text: text, CreatedAt: at}).Error
}

// notifyPermit tells the exporter account of a permit, and with issuers
// true the authority's issuers too, about a permit event.
func (s *Service) notifyPermit(tx *gorm.DB, at time.Time, kind, authority, number, account, text string, issuers bool) error {
	var ids []int64
	q := tx.Model(&models.User{}).Where("disabled = ?", false)
	switch {
	case account != "" && issuers:
		q = q.Where("(role = ? AND username = ?) OR (role = ? AND authority = ?)", opencites.RoleExporter, account, opencites.RoleIssuer, authority)
	case account != "":
		q = q.Where("role = ? AND username = ?", opencites.RoleExporter, account)
	case issuers:
		q = q.Where("role = ? AND authority = ?", opencites.RoleIssuer, authority)
	default:
		return nil
	}
	if err := q.Pluck("id", &ids).Error; err != nil {
		return err
	}
	for _, id := range ids {
		if err := notify(tx, at, id, kind, "permit", number, text); err != nil {
			return err
		}
	}
	return nil
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
