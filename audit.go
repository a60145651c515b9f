package opencites

import "time"

// Audit is one entry of the audit trail: who did what to which record,
// when, and the record before and after the change. Every state change is
// written in one transaction together with its entry (models.WriteAudit).
type Audit struct {
	At         time.Time
	Actor      Actor
	Action     string // e.g. "permit.issue", "case.update"
	EntityType string // "permit", "case", "user", "key", ...
	EntityID   string
	Before     any // marshalled as JSON; nil for a creation
	After      any
}

// AuditEntry is an entry as read back, for a record's history.
type AuditEntry struct {
	At     time.Time
	Actor  string
	Action string
	Before string // JSON, "" if none
	After  string
}
