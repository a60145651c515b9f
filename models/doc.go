// Package models owns the registry's storage: the GORM row types, opening
// SQLite or PostgreSQL, and the versioned SQL migrations for each dialect.
//
// It knows no HTTP and no CITES rules: rows here are plain records, and the
// permits package decides what may be written. Rows are never marshalled to
// JSON; the api package has its own response types.
package models
