package models

import "gorm.io/gorm"

// DayOf returns the SQL expression for the UTC day, written YYYY-MM-DD, of
// the timestamp column in db's dialect, so that other packages can group
// rows by day without knowing which database they run on. SQLite's date()
// converts a stored offset to UTC; PostgreSQL converts explicitly. column
// is pasted into the SQL as it is: pass a column name, never user input.
func DayOf(db *gorm.DB, column string) string {
	if DialectOfDB(db) == Postgres {
		return "CAST(CAST(" + column + " AT TIME ZONE 'UTC' AS DATE) AS TEXT)"
	}
	return "date(" + column + ")"
}
