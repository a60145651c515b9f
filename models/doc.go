// Package models is the registry's one door to the database: the GORM row
// types, opening SQLite or PostgreSQL, the versioned SQL migrations for each
// dialect, and the few queries that must be written per dialect or that
// join several packages' tables (the status read of every scan, the COPY of
// verification records, the permit number counter, the summaries by day).
// No other package imports a driver, database/sql or pgx, or knows a
// dialect (TestImportRules at the module's root checks the imports).
//
// It knows no HTTP and no CITES rules: rows here are plain records, and the
// domain packages decide what may be written. It imports only the shared
// vocabulary (package opencites), to write the audit entry. Rows are never
// marshalled to JSON; the api package has its own response types.
package models
