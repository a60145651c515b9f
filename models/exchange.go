package models

import "time"

// ForeignTrust is the newest trust list received from another authority's
// node, verified against the anchor this node pinned for it.
type ForeignTrust struct {
	Authority string `gorm:"primaryKey"`
	Seq       int64
	Doc       string
	UpdatedAt time.Time
}

// TableName keeps GORM from pluralising.
func (ForeignTrust) TableName() string { return "foreign_trust" }

// ForeignPermit is the live state of another authority's permit, as its
// issuing node last reported it (Data is the permit as JSON).
type ForeignPermit struct {
	Authority string `gorm:"primaryKey"`
	Number    string `gorm:"primaryKey"`
	Status    string
	Data      string
	Seq       int64
	EventID   string
	UpdatedAt time.Time
}

// ExchangeRejection records a message the exchange refused.
type ExchangeRejection struct {
	ID        int64 `gorm:"primaryKey"`
	At        time.Time
	Subject   string
	Authority string
	Reason    string
}
