package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// dayOf returns the SQL expression for the UTC day, written YYYY-MM-DD, of
// the timestamp column in db's dialect, so that other packages can group
// rows by day without knowing which database they run on. SQLite's date()
// converts a stored offset to UTC; PostgreSQL converts explicitly. column
// is pasted into the SQL as it is: pass a column name, never user input.
func dayOf(db *gorm.DB, column string) string {
	if DialectOfDB(db) == Postgres {
		return "CAST(CAST(" + column + " AT TIME ZONE 'UTC' AS DATE) AS TEXT)"
	}
	return "date(" + column + ")"
}

// VerdictCount is how many verifications of one UTC day had one verdict.
type VerdictCount struct {
	Day     string // YYYY-MM-DD
	Verdict string
	Count   int64
}

// VerdictsByDay counts the verifications checked in [from, to) (a zero
// time leaves that end open) by UTC day and verdict, in one query. With an
// authority it counts the scans of its permits and those made by its
// users, which joins the users table: only models knows both.
func VerdictsByDay(ctx context.Context, db *gorm.DB, authority string, from, to time.Time) ([]VerdictCount, error) {
	db = db.WithContext(ctx)
	day := dayOf(db, "v.checked_at")
	q := db.Table("verifications v").Select(day + " AS day, v.verdict AS verdict, COUNT(*) AS count")
	if authority != "" {
		q = q.Where("v.authority = ? OR v.user_id IN (SELECT id FROM users WHERE authority = ?)", authority, authority)
	}
	if !from.IsZero() {
		q = q.Where("v.checked_at >= ?", from)
	}
	if !to.IsZero() {
		q = q.Where("v.checked_at < ?", to)
	}
	var out []VerdictCount
	err := q.Group(day + ", v.verdict").Scan(&out).Error
	return out, err
}
