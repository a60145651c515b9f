package models

import (
	"context"
	"encoding/json"

	"github.com/opencites/opencites"
	"gorm.io/gorm"
)

// WriteAudit stores one audit entry in tx, the transaction of the change
// itself, so that a change and its entry commit or roll back together.
// Before and After are stored as JSON.
func WriteAudit(tx *gorm.DB, a opencites.Audit) error {
	enc := func(v any) (string, error) {
		if v == nil {
			return "", nil
		}
		b, err := json.Marshal(v)
		return string(b), err
	}
	b, err := enc(a.Before)
	if err != nil {
		return err
	}
	after, err := enc(a.After)
	if err != nil {
		return err
	}
	return tx.Create(&AuditEntry{At: a.At, ActorID: a.Actor.UserID, Actor: a.Actor.Username, Action: a.Action,
		EntityType: a.EntityType, EntityID: a.EntityID, Before: b, After: after}).Error
}

// AuditTrail returns the entries of one record, oldest first.
func AuditTrail(ctx context.Context, db *gorm.DB, entityType, entityID string) ([]opencites.AuditEntry, error) {
	var rows []AuditEntry
	if err := db.WithContext(ctx).Where("entity_type = ? AND entity_id = ?", entityType, entityID).
		Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]opencites.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = opencites.AuditEntry{At: r.At.UTC(), Actor: r.Actor, Action: r.Action, Before: r.Before, After: r.After}
	}
	return out, nil
}
