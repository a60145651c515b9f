package models

import (
	"context"
	"errors"
	"time"

	"github.com/opencites/opencites"
	"gorm.io/gorm"
)

// IdempotencyKey is a claimed Idempotency-Key (see opencites.Idempotency).
type IdempotencyKey struct {
	UserID      int64  `gorm:"primaryKey"`
	Key         string `gorm:"primaryKey"`
	RequestHash string
	EntityType  string
	EntityID    string
	Status      int
	Response    []byte
	CreatedAt   time.Time
}

// ClaimIdempotency records, inside tx (the transaction creating the
// record), that the request in tx's context created entityType/entityID.
// Without a key in the context it does nothing. A key claimed meanwhile by
// a concurrent request with the same key answers 409
// idempotency_key_in_use, and that transaction rolls back.
func ClaimIdempotency(tx *gorm.DB, entityType, entityID string) error {
	i, ok := opencites.IdempotencyFrom(tx.Statement.Context)
	if !ok {
		return nil
	}
	err := tx.Create(&IdempotencyKey{UserID: i.UserID, Key: i.Key, RequestHash: i.RequestHash,
		EntityType: entityType, EntityID: entityID, CreatedAt: time.Now().UTC()}).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		e := opencites.Errorf(opencites.KindConflict, "idempotency_key_in_use", "a request with this Idempotency-Key is being processed; send it again in a moment")
		e.RetryAfter = time.Second
		return e
	}
	return err
}

// FindIdempotency returns the claim of a user's key, if any.
func FindIdempotency(ctx context.Context, db *gorm.DB, userID int64, key string) (IdempotencyKey, bool, error) {
	var row IdempotencyKey
	err := db.WithContext(ctx).Where("user_id = ? AND key = ?", userID, key).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return IdempotencyKey{}, false, nil
	}
	return row, err == nil, err
}

// StoreIdempotentAnswer keeps the answer sent for a claimed key.
func StoreIdempotentAnswer(ctx context.Context, db *gorm.DB, userID int64, key string, status int, body []byte) error {
	return db.WithContext(ctx).Model(&IdempotencyKey{}).Where("user_id = ? AND key = ?", userID, key).
		Updates(map[string]any{"status": status, "response": body}).Error
}

// ForgetIdempotency drops claims older than before (a day is plenty for a
// client's retries).
func ForgetIdempotency(ctx context.Context, db *gorm.DB, before time.Time) (int64, error) {
	res := db.WithContext(ctx).Where("created_at < ?", before).Delete(&IdempotencyKey{})
	return res.RowsAffected, res.Error
}
