package api

import (
	"fmt"
	"time"

	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/quotas"
)

// PartyJSON is box 3 (importer) or box 4 (exporter).
type PartyJSON struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Country string `json:"country"`
}

// SpecimenJSON is one specimen line (boxes 7-12).
type SpecimenJSON struct {
	Line          string  `json:"line,omitempty"`
	Taxon         string  `json:"taxon"`
	ListedAs      string  `json:"listed_as,omitempty"`
	Appendix      string  `json:"appendix,omitempty"`
	Description   string  `json:"description"`
	Term          string  `json:"term"`
	Source        string  `json:"source"`
	Quantity      float64 `json:"quantity"`
	Unit          string  `json:"unit"`
	Marks         string  `json:"marks"`
	OriginCountry string  `json:"origin_country,omitempty"`
	// RequestedAs is the name the issuer asked for when it was a synonym
	// or a common name (the line carries the accepted one).
	RequestedAs string `json:"requested_as,omitempty"`
	// OutOfRange marks wild specimens from outside the taxon's range,
	// confirmed by the issuer with a reason.
	OutOfRange bool `json:"out_of_range,omitempty"`
	// Quota is box 11a: total exported (authorised, this permit included,
	// or shipped) / annual quota, when the line counts against one.
	Quota *LineQuotaJSON `json:"quota,omitempty"`
}

// LineQuotaJSON is box 11a of a specimen line.
type LineQuotaJSON struct {
	Year  int     `json:"year"`
	Used  float64 `json:"used"`
	Total float64 `json:"total"`
	Text  string  `json:"text"`
}

// IssueRequest is the body of POST /api/v1/permits.
type IssueRequest struct {
	Type            string            `json:"type"`
	Purpose         string            `json:"purpose"`
	Exporter        PartyJSON         `json:"exporter"`
	Importer        PartyJSON         `json:"importer"`
	ValidFrom       string            `json:"valid_from"`
	ValidUntil      string            `json:"valid_until"`
	Conditions      string            `json:"conditions"`
	ExporterAccount string            `json:"exporter_account"`
	SecurityStamp   string            `json:"security_stamp"`
	IssuedPlace     string            `json:"issued_place"`
	Specimens       []SpecimenRequest `json:"specimens"`
	// ConfirmOutOfRange and OutOfRangeReason issue lines of wild
	// specimens from outside their taxon's range (refused with
	// outside_range otherwise).
	ConfirmOutOfRange bool   `json:"confirm_out_of_range,omitempty"`
	OutOfRangeReason  string `json:"out_of_range_reason,omitempty"`
}

// SpecimenRequest is one requested specimen line. It has no appendix: the
// registry takes that from the species reference, never from the caller.
type SpecimenRequest struct {
	Taxon         string  `json:"taxon"`
	Description   string  `json:"description"`
	Term          string  `json:"term"`
	Source        string  `json:"source"`
	Quantity      float64 `json:"quantity"`
	Unit          string  `json:"unit"`
	Marks         string  `json:"marks"`
	OriginCountry string  `json:"origin_country"`
}

func (r IssueRequest) domain() permits.IssueRequest {
	out := permits.IssueRequest{
		Type: r.Type, Purpose: r.Purpose,
		Exporter:  permits.Party(r.Exporter),
		Importer:  permits.Party(r.Importer),
		ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil, Conditions: r.Conditions,
		ExporterAccount: r.ExporterAccount, SecurityStamp: r.SecurityStamp, IssuedPlace: r.IssuedPlace,
		ConfirmOutOfRange: r.ConfirmOutOfRange, OutOfRangeReason: r.OutOfRangeReason,
	}
	for _, s := range r.Specimens {
		out.Specimens = append(out.Specimens, permits.SpecimenRequest(s))
	}
	return out
}

// EndorsedLineJSON is the quantity shipped for one line.
type EndorsedLineJSON struct {
	Line     string  `json:"line"`
	Quantity float64 `json:"quantity"`
}

// EndorsementJSON is box 14, or the acceptance at import.
type EndorsementJSON struct {
	Direction string             `json:"direction"`
	Port      string             `json:"port"`
	At        time.Time          `json:"at"`
	Officer   string             `json:"officer"`
	Lines     []EndorsedLineJSON `json:"lines"`
}

// PermitJSON is a permit as the API shows it.
type PermitJSON struct {
	Number           string            `json:"number"`
	Authority        string            `json:"authority"`
	Type             string            `json:"type"`
	Purpose          string            `json:"purpose"`
	Status           string            `json:"status"`
	Exporter         PartyJSON         `json:"exporter"`
	Importer         PartyJSON         `json:"importer"`
	ExporterAccount  string            `json:"exporter_account,omitempty"`
	ValidFrom        string            `json:"valid_from"`
	ValidUntil       string            `json:"valid_until"`
	IssuedAt         time.Time         `json:"issued_at"`
	IssuedPlace      string            `json:"issued_place,omitempty"`
	Conditions       string            `json:"conditions"`
	SecurityStamp    string            `json:"security_stamp,omitempty"`
	KeyID            string            `json:"key_id"`
	ListingVersion   string            `json:"listing_version"` // species listing in force at issue
	QR               string            `json:"qr,omitempty"`    // omitted in verdicts: the officer holds the code
	RevokedAt        *time.Time        `json:"revoked_at,omitempty"`
	RevocationReason string            `json:"revocation_reason,omitempty"`
	Specimens        []SpecimenJSON    `json:"specimens"`
	Endorsements     []EndorsementJSON `json:"endorsements"`
}

func permitJSON(p *permits.Permit, now time.Time) *PermitJSON {
	if p == nil {
		return nil
	}
	out := &PermitJSON{
		Number: p.Number, Authority: p.Authority, Type: p.Type, Purpose: p.Purpose, Status: p.DisplayStatus(now),
		Exporter: PartyJSON(p.Exporter), Importer: PartyJSON(p.Importer), ExporterAccount: p.ExporterAccount,
		ValidFrom: p.ValidFrom.Format(time.DateOnly), ValidUntil: p.LastValidDay(), IssuedAt: p.IssuedAt,
		IssuedPlace: p.IssuedPlace, Conditions: p.Conditions, SecurityStamp: p.SecurityStamp, KeyID: p.KeyID,
		QR: p.Code, ListingVersion: p.ListingVersion, RevokedAt: p.RevokedAt, RevocationReason: p.RevocationReason,
		Specimens: []SpecimenJSON{}, Endorsements: []EndorsementJSON{},
	}
	for _, l := range p.Lines {
		out.Specimens = append(out.Specimens, SpecimenJSON{Line: l.Line, Taxon: l.Taxon, ListedAs: l.ListedAs,
			Appendix: l.Appendix, Description: l.Description, Term: l.Term, Source: l.Source, Quantity: l.Quantity,
			Unit: l.Unit, Marks: l.Marks, OriginCountry: l.OriginCountry, Quota: lineQuotaJSON(l.Quota),
			RequestedAs: l.RequestedAs, OutOfRange: l.OutOfRange})
	}
	for _, e := range p.Endorsements {
		ej := EndorsementJSON{Direction: e.Direction, Port: e.Port, At: e.At, Officer: e.Officer, Lines: []EndorsedLineJSON{}}
		for _, l := range e.Lines {
			ej.Lines = append(ej.Lines, EndorsedLineJSON(l))
		}
		out.Endorsements = append(out.Endorsements, ej)
	}
	return out
}

// PermitListJSON is a page of permits.
type PermitListJSON struct {
	Permits []*PermitJSON `json:"permits"`
	Total   int64         `json:"total"`
	Page    int           `json:"page"`
	Size    int           `json:"size"`
}

// TokenRequest is the body of POST /api/v1/auth/token.
type TokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// TokenResponse is a signed-in session.
type TokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Role      string    `json:"role"`
	Authority string    `json:"authority"`
}

// UserRequest is the body of POST /api/v1/users.
type UserRequest struct {
	Username     string           `json:"username"`
	Password     string           `json:"password"`
	Role         string           `json:"role"`
	Authority    string           `json:"authority"`
	Organisation OrganisationJSON `json:"organisation"`
}

// OrganisationJSON is an exporter's company (box 4 of its applications).
type OrganisationJSON struct {
	Name         string `json:"name"`
	Address      string `json:"address"`
	Country      string `json:"country"`
	Registration string `json:"registration_number"`
}

// UserJSON is an account, never with its password hash.
type UserJSON struct {
	ID           int64             `json:"id"`
	Username     string            `json:"username"`
	Role         string            `json:"role"`
	Authority    string            `json:"authority"`
	CreatedAt    time.Time         `json:"created_at"`
	Organisation *OrganisationJSON `json:"organisation,omitempty"`
}

// RevokeRequest is the body of POST /api/v1/permits/{number}/revoke.
type RevokeRequest struct {
	Reason string `json:"reason"`
}

// EndorseRequest is the body of POST /api/v1/permits/{number}/endorsements.
type EndorseRequest struct {
	Port      string             `json:"port"`
	Direction string             `json:"direction"`
	Lines     []EndorsedLineJSON `json:"lines"`
	// RecordedOfflineAt is when an officer recorded this endorsement on a
	// phone with no network; the phone sends it later. A conflict then
	// (the permit was used or revoked meanwhile) raises an alert: the goods
	// may already have crossed.
	RecordedOfflineAt *time.Time `json:"recorded_offline_at,omitempty"`
}

// Checkpoint says where a verification happens.
type Checkpoint struct {
	Port      string `json:"port"`
	Direction string `json:"direction"`
}

// VerifyRequest is the body of POST /api/v1/verify.
type VerifyRequest struct {
	Code       string      `json:"code"`
	Checkpoint *Checkpoint `json:"checkpoint"`
}

// VerificationJSON is the verdict an officer reads.
type VerificationJSON struct {
	ID        string        `json:"verification_id"`
	Verdict   string        `json:"verdict"`
	Reasons   []ReasonJSON  `json:"reasons"`
	Permit    *PermitJSON   `json:"permit"`
	Guidance  *GuidanceJSON `json:"guidance,omitempty"`
	CheckedAt time.Time     `json:"checked_at"`
	Mode      string        `json:"mode"`
	// Source is "registry" (this node) or "exchange" (the issuing
	// country's node, learned in real time).
	Source string `json:"source"`
	// CheckedBy is what was checked: "code" (the text of the paper's QR
	// code), "photo" (a photo of it, read by the server) or "number" (the
	// registry's record for a printed number: the paper itself was not).
	CheckedBy string `json:"checked_by"`
}

// AuditJSON is one history entry.
type AuditJSON struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Before any       `json:"before"`
	After  any       `json:"after"`
}

// VerificationRecordJSON is a recorded check of a permit.
type VerificationRecordJSON struct {
	ID        string    `json:"id"`
	CheckedAt time.Time `json:"checked_at"`
	Username  string    `json:"username"`
	Verdict   string    `json:"verdict"`
	Reason    string    `json:"reason"`
	Port      string    `json:"port,omitempty"`
	Direction string    `json:"direction,omitempty"`
	Source    string    `json:"source"`
}

// ScanJSON is the answer of POST /api/v1/scan.
type ScanJSON struct {
	Codes []ScanCodeJSON `json:"codes"`
	MS    float64        `json:"ms"`
}

// ScanCodeJSON is one code read from a photo.
type ScanCodeJSON struct {
	Text    string   `json:"text"`
	Corners [][2]int `json:"corners"`
}

func lineQuotaJSON(q *quotas.LineQuota) *LineQuotaJSON {
	if q == nil {
		return nil
	}
	return &LineQuotaJSON{Year: q.Year, Used: q.Used, Total: q.Total, Text: fmt.Sprintf("%g / %g", q.Used, q.Total)}
}
