package models

import "time"

// User is a person who signs in: an admin, a Management Authority issuer,
// a customs or border officer, or an exporter's account.
type User struct {
	ID           int64 `gorm:"primaryKey"`
	Username     string
	PasswordHash string
	Role         string
	Authority    string // ISO 3166 alpha-2 of the Management Authority, for issuers
	CreatedAt    time.Time
	Disabled     bool
	// SessionsRevokedAt ends every session issued before it.
	SessionsRevokedAt *time.Time
	// An exporter's organisation, printed in box 4 of its permits.
	OrgName         string
	OrgAddress      string
	OrgCountry      string
	OrgRegistration string
}

// Permit is one CITES permit or certificate: the header of the standard
// form (boxes 1-6, 12-13) and its registry state.
type Permit struct {
	ID               int64 `gorm:"primaryKey"`
	Authority        string
	Number           string
	Type             string
	Purpose          string
	Status           string
	ExporterName     string
	ExporterAddress  string
	ExporterCountry  string
	ImporterName     string
	ImporterAddress  string
	ImporterCountry  string
	ExporterAccount  string
	Conditions       string
	SecurityStamp    string
	ValidFrom        time.Time
	ValidUntil       time.Time // the last instant the permit is valid (exclusive)
	IssuedAt         time.Time
	IssuedBy         int64
	IssuedPlace      string
	KeyID            string
	Code             string // the exact text of the QR code
	RevokedAt        *time.Time
	RevokedBy        *int64
	RevocationReason string
	ListingVersion   string        // the species listing in force at issue
	StatusIndex      *int          // entry in the authority's status list
	Lines            []PermitLine  `gorm:"foreignKey:PermitID"`
	Endorsements     []Endorsement `gorm:"foreignKey:PermitID"`
}

// PermitLine is one specimen block (A, B, C...) of a permit: boxes 7-12b.
type PermitLine struct {
	ID            int64 `gorm:"primaryKey"`
	PermitID      int64
	Line          string
	Taxon         string
	ListedAs      string
	Appendix      string
	Description   string
	Term          string
	Source        string
	Quantity      float64
	Unit          string
	Marks         string
	OriginCountry string
	// RequestedAs is the name asked for when it was a synonym or a common
	// name; OutOfRange marks a wild line from a country outside the
	// taxon's range that the issuer confirmed.
	RequestedAs string
	OutOfRange  bool
	// Box 11a: the quota this line counts against, and its use and total
	// right after this permit was issued.
	QuotaID    *int64
	QuotaUsed  *float64
	QuotaTotal *float64
	QuotaYear  *int
}

// Quota is an annual export quota of one authority for a taxon, source and
// term. Used is the running total: quantities authorised on permits not yet
// shipped, and quantities actually shipped (box 14) once endorsed.
type Quota struct {
	ID        int64 `gorm:"primaryKey"`
	Authority string
	Taxon     string
	Source    string
	Term      string
	Year      int // the year the quota year starts in
	Quantity  float64
	Unit      string
	Used      float64
	Notes     string
	CreatedAt time.Time
	CreatedBy int64
}

// Endorsement is box 14: a border officer's record of what actually crossed,
// on export, or the importing side's acceptance that cancels the document.
type Endorsement struct {
	ID         int64 `gorm:"primaryKey"`
	PermitID   int64
	Direction  string
	Port       string
	EndorsedAt time.Time
	OfficerID  int64
	Officer    string
	Lines      []EndorsementLine `gorm:"foreignKey:EndorsementID"`
}

// EndorsementLine is the quantity actually shipped for one permit line.
type EndorsementLine struct {
	ID            int64 `gorm:"primaryKey"`
	EndorsementID int64
	Line          string
	Quantity      float64
}

// PermitSerial hands out permit numbers, one counter per authority and year.
type PermitSerial struct {
	Authority string `gorm:"primaryKey"`
	Year      int    `gorm:"primaryKey"`
	Last      int64
}

// SigningKey is the public half and status of a permit-signing key. The
// private half lives in the data directory, never in the database.
type SigningKey struct {
	Kid       string `gorm:"primaryKey"`
	Alg       string
	PublicKey string // PEM, PKIX
	Status    string
	CreatedAt time.Time
	RetiredAt *time.Time
	// ActivatesAt is when the key starts signing; nil means at CreatedAt.
	ActivatesAt *time.Time
}

// Verification is the record of one check of a code, whatever its verdict:
// the raw material for seizure cases and risk analysis.
type Verification struct {
	ID         string `gorm:"primaryKey"`
	CheckedAt  time.Time
	UserID     int64
	Username   string
	Verdict    string
	Reason     string
	Authority  string
	Number     string
	KeyID      string
	CodeSHA256 string
	Port       string
	Direction  string
	Mode       string
	Source     string // "code" or "photo"
}

// AuditEntry records one state change: who did what to which record, when,
// and the record before and after (JSON).
type AuditEntry struct {
	ID         int64 `gorm:"primaryKey"`
	At         time.Time
	ActorID    int64
	Actor      string
	Action     string
	EntityType string
	EntityID   string
	Before     string
	After      string
}

// SpeciesListing is one imported version of the CITES listing (the species
// reference's JSON format), kept for history.
type SpeciesListing struct {
	ID         int64 `gorm:"primaryKey"`
	Version    string
	Effective  time.Time
	Source     string
	Data       string
	SHA256     string `gorm:"column:sha256"` // of the imported file: the same file twice changes nothing
	ImportedAt time.Time
	ImportedBy string
}

// Application is an exporter's request for a permit: the permit's fields
// (Request, JSON) while it is drafted, reviewed and decided.
type Application struct {
	ID               int64 `gorm:"primaryKey"`
	ExporterID       int64
	Authority        string
	Status           string
	Request          string
	PaymentReference string
	Missing          string // JSON list of documents still missing at submission
	// ChangesBase is the request (JSON) when the authority last asked for
	// changes, "" before: what a resubmission is compared with.
	ChangesBase string
	PermitID    *int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SubmittedAt *time.Time
}

// ApplicationMessage is a note between issuer and exporter on an application.
type ApplicationMessage struct {
	ID            int64 `gorm:"primaryKey"`
	ApplicationID int64
	At            time.Time
	Author        string
	Kind          string
	Text          string
}

// Attachment is a supporting document of an application, stored in the
// database with its hash.
type Attachment struct {
	ID            int64 `gorm:"primaryKey"`
	ApplicationID int64
	Kind          string
	Filename      string
	ContentType   string
	Size          int64
	SHA256        string `gorm:"column:sha256"`
	Data          []byte
	CreatedAt     time.Time
}

// Notification is an in-app message to one user.
type Notification struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64
	Kind       string
	EntityType string
	EntityID   string
	Text       string
	CreatedAt  time.Time
	ReadAt     *time.Time
}

// All lists every row type, for the schema check.
func All() []any {
	return []any{&User{}, &Permit{}, &PermitLine{}, &Endorsement{}, &EndorsementLine{},
		&PermitSerial{}, &SigningKey{}, &Quota{}, &SpeciesListing{},
		&Application{}, &ApplicationMessage{}, &Attachment{}, &Notification{},
		&ForeignTrust{}, &ForeignPermit{}, &ExchangeRejection{},
		&Case{}, &CaseSpecimen{}, &CaseDocument{}, &CaseParty{}, &CasePhoto{}, &CaseBlob{}, &Alert{}, &AlertEvidence{},
		&Verification{}, &AuditEntry{}, &DeadLetter{}, &IdempotencyKey{},
		&ExchangeOutbox{}, &ExchangePending{}, &ExchangeReplay{}, &ExchangeReceived{}}
}

// TableName overrides GORM's inflection, which takes "quota" for a plural.
func (Quota) TableName() string { return "quotas" }

// DeadLetter is a record the database refused, kept as JSON with the
// reason (see permits.Recorder).
type DeadLetter struct {
	ID      int64 `gorm:"primaryKey"`
	Kind    string
	At      time.Time
	Payload string
	Error   string
}
