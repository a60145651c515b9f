package models

import "time"

// Case is a seizure or suspicious-shipment case an officer records: when
// and where, how the goods were hidden and carried, and what came of it.
// Parties are organisations or roles only, never people.
type Case struct {
	ID                 int64 `gorm:"primaryKey"`
	Authority          string
	OccurredAt         time.Time
	Checkpoint         string
	Port               string
	Latitude           *float64
	Longitude          *float64
	Concealment        string
	TransportMode      string
	OriginCountry      string
	TransitCountries   string // ",KZ,UZ," so that one LIKE finds a country
	DestinationCountry string
	Outcome            string
	Notes              string
	VerificationID     string // the failed scan the case was opened from, if any
	CreatedAt          time.Time
	CreatedBy          int64
	UpdatedAt          time.Time
	UpdatedBy          int64
	Specimens          []CaseSpecimen `gorm:"foreignKey:CaseID"`
	Documents          []CaseDocument `gorm:"foreignKey:CaseID"`
	Parties            []CaseParty    `gorm:"foreignKey:CaseID"`
}

// CaseSpecimen is what was found, the taxon resolved through the species
// reference.
type CaseSpecimen struct {
	ID          int64 `gorm:"primaryKey"`
	CaseID      int64
	TaxonID     string
	Taxon       string
	Appendix    string
	Term        string
	Quantity    float64
	Unit        string
	Description string
	Source      string // CITES source code, "" if not known
}

// CaseDocument is a document presented with the goods: a permit number,
// linked to the registry's permit when there is one, and the verification
// made of it.
type CaseDocument struct {
	ID              int64 `gorm:"primaryKey"`
	CaseID          int64
	Number          string
	PermitID        *int64
	PermitAuthority string
	VerificationID  string
	Verdict         string
}

// CaseParty is an organisation or role involved: the carrier, the exporter
// named on the documents.
type CaseParty struct {
	ID           int64 `gorm:"primaryKey"`
	CaseID       int64
	Role         string
	Organisation string
	Country      string
}

// CasePhoto describes a photo of the goods or the documents; the bytes
// live in a photo store under StorageKey (the thumbnail under ThumbKey).
type CasePhoto struct {
	ID          int64 `gorm:"primaryKey"`
	CaseID      int64
	Kind        string
	ContentType string
	Size        int64
	SHA256      string `gorm:"column:sha256"`
	Width       int
	Height      int
	StorageKey  string
	ThumbKey    string
	CreatedAt   time.Time
	CreatedBy   int64
}

// CaseBlob is a stored photo or thumbnail, for the database photo store.
type CaseBlob struct {
	Key       string `gorm:"primaryKey"`
	Data      []byte
	CreatedAt time.Time
}

// Alert is a suspicious-conduct alert raised by a rule. Repeats of the same
// conduct (the same forged code, the same permit) add evidence to the
// open alert of their group instead of raising new ones.
type Alert struct {
	ID             int64 `gorm:"primaryKey"`
	Authority      string
	Rule           string
	Severity       string
	Status         string
	Reason         string // English
	ReasonCode     string // the reason's message code ("" before migration 15)
	ReasonArgs     string // its parameters, a JSON object
	GroupKey       string
	Occurrences    int
	CreatedAt      time.Time
	LastSeenAt     time.Time
	AcknowledgedAt *time.Time
	AcknowledgedBy string
	ClosedAt       *time.Time
	ClosedBy       string
	Evidence       []AlertEvidence `gorm:"foreignKey:AlertID"`
}

// AlertEvidence links an alert to a verification, permit or case.
type AlertEvidence struct {
	ID      int64 `gorm:"primaryKey"`
	AlertID int64
	Kind    string // verification, permit, case
	Ref     string
	At      time.Time
}

// TableName keeps evidence uncountable, as the migration names it.
func (AlertEvidence) TableName() string { return "alert_evidence" }
