package permits

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/keys"
	"github.com/opencites/opencites/listings"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/notify"
	"github.com/opencites/opencites/quotas"
	"github.com/opencites/opencites/rules"
	"github.com/opencites/opencites/species"
	"github.com/opencites/opencites/users"
	"github.com/opencites/opencites/verifier"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Permit statuses as stored. "expired" is derived from the clock, never
// stored, so a permit cannot be both revoked and expired in the table.
const (
	StatusIssued    = "issued"
	StatusEndorsed  = "endorsed"  // endorsed on export (box 14); still valid for the import check
	StatusCancelled = "cancelled" // accepted at import: the document is consumed
	StatusRevoked   = "revoked"
	StatusExpired   = "expired" // derived
)

// Party is the exporter (box 4) or importer (box 3).
type Party struct {
	Name    string
	Address string
	Country string
}

// Line is one specimen block of a permit (boxes 7-12).
type Line struct {
	Line          string // A, B, C...
	Taxon         string
	ListedAs      string // the listing that sets the appendix, e.g. "Falconiformes"
	Appendix      string
	Description   string
	Term          string
	Source        string
	Quantity      float64
	Unit          string
	Marks         string
	OriginCountry string
	Quota         *quotas.LineQuota // box 11a, for lines counted against an export quota
	// RequestedAs is the name the issuer asked for when it was a synonym
	// or a common name: the line carries the accepted name and says so.
	RequestedAs string
	// OutOfRange marks a wild line from a country outside the taxon's
	// range, which the issuer confirmed with a reason (see Issue).
	OutOfRange bool
}

// Endorsement is box 14 (export) or the acceptance at import.
type Endorsement struct {
	Direction string
	Port      string
	At        time.Time
	Officer   string
	Lines     []EndorsedLine
}

// EndorsedLine is the quantity actually shipped for one line.
type EndorsedLine struct {
	Line     string
	Quantity float64
}

// Permit is a permit or certificate as the registry knows it.
type Permit struct {
	ID               int64
	Number           string
	Authority        string
	Type             string
	Purpose          string
	Status           string
	Exporter         Party
	Importer         Party
	ExporterAccount  string
	Conditions       string
	SecurityStamp    string
	IssuedPlace      string
	ValidFrom        time.Time
	ValidUntil       time.Time // exclusive: the permit is valid before this instant
	IssuedAt         time.Time
	KeyID            string
	Code             string
	ListingVersion   string // the species listing in force at issue
	StatusIndex      *int   // entry in the authority's status list (offline verification)
	RevokedAt        *time.Time
	RevocationReason string
	Lines            []Line
	Endorsements     []Endorsement
	// RangeConfirmation is the issuer's reason for confirming lines of
	// wild specimens from outside their range, written into the audit
	// entry of the issue.
	RangeConfirmation string
	// ref is the species reference the permit was validated against.
	ref *species.Reference
}

// LastValidDay is the date printed in box 2: the last day of validity.
func (p *Permit) LastValidDay() string {
	return p.ValidUntil.Add(-time.Nanosecond).Format(time.DateOnly)
}

// IssueRequest is what an issuer fills in.
type IssueRequest struct {
	Type            string
	Purpose         string
	Exporter        Party
	Importer        Party
	ValidFrom       string // YYYY-MM-DD; empty means the day of issue
	ValidUntil      string // YYYY-MM-DD: the last day of validity
	Conditions      string
	ExporterAccount string
	SecurityStamp   string
	IssuedPlace     string
	Specimens       []SpecimenRequest
	// ConfirmOutOfRange and OutOfRangeReason confirm lines of wild
	// specimens from a country outside their taxon's range; without them
	// such a permit is refused with outside_range, naming the lines.
	ConfirmOutOfRange bool
	OutOfRangeReason  string
}

// SpecimenRequest is one specimen line as requested; the appendix is not
// asked for: it comes from the species reference.
type SpecimenRequest struct {
	Taxon         string
	Description   string
	Term          string
	Source        string
	Quantity      float64
	Unit          string
	Marks         string
	OriginCountry string
}

// tradeDirection maps the documents that the trade rules of Art. III-V
// govern to the direction of trade; certificates (Art. VII) are the
// exemptions themselves.
var tradeDirection = map[string]string{
	"export": rules.Export, "re-export": rules.ReExport, "import": rules.Import,
	"introduction-from-sea": rules.IntroductionFromSea,
}

// NextSigner rereads the key table and returns the key to sign with now:
// after IssueIn failed with keys.ErrSignerChanged.
func (s *Service) NextSigner(ctx context.Context) (*keys.Key, error) {
	if err := s.keys.Reload(ctx); err != nil {
		return nil, opencites.Internal("reload keys", err)
	}
	return s.keys.Signer(ctx)
}

// TradeDirection returns the direction of trade (rules.Export, ...) of a
// document type the trade rules govern; certificates have none.
func TradeDirection(docType string) (string, bool) {
	d, ok := tradeDirection[docType]
	return d, ok
}

// MaxLines is the most specimen lines one permit carries (A-J): the signed
// code must still print at a size a phone reads (DOMAIN.md 8.6-8.7).
const MaxLines = 10

// Issue validates, numbers, signs and stores a permit in one transaction
// with its audit entry. Only issuers may, for their own authority.
//
// Errors (all 422 unless noted): forbidden (403), invalid_type,
// invalid_purpose, invalid_party, invalid_country, exporter_country_mismatch,
// invalid_date, validity_in_past, validity_too_long, no_specimens,
// too_many_lines, unknown_taxon, taxon_not_listed, invalid_source,
// invalid_term, invalid_unit, invalid_quantity, appendix_i_commercial,
// zero_quota, unknown_exporter_account, field_too_long.
func (s *Service) Issue(ctx context.Context, actor opencites.Actor, req IssueRequest) (*Permit, error) {
	if err := opencites.RequireRole(actor, opencites.RoleIssuer); err != nil {
		return nil, err
	}
	if !opencites.ValidCountry(actor.Authority) {
		return nil, opencites.Errorf(opencites.KindForbidden, "forbidden", "your account is not bound to an issuing authority")
	}
	now := s.now()
	p, err := s.Validate(ctx, actor.Authority, req, now)
	if err != nil {
		return nil, err
	}
	if err := ConfirmRange(p, req.ConfirmOutOfRange, req.OutOfRangeReason); err != nil {
		return nil, err
	}
	key, err := s.keys.Signer(ctx)
	if err != nil {
		return nil, err
	}
	// The number is taken in a transaction of its own, so concurrent issues
	// wait for each other only for that one statement, not for the whole
	// issue. The cost: an issue that then fails leaves its number unused (a
	// gap, like a spoiled form); a number is never given twice. On
	// PostgreSQL that short transaction does not wait for its own flush to
	// disk: the issue's commit flushes the log up to and past it, and if the
	// server stops before that, neither the count nor the permit survives,
	// so no number can be given twice.
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := models.CommitWithoutFlush(tx); err != nil {
			return err
		}
		return s.number(tx, p)
	})
	if err != nil {
		return nil, opencites.AsDomain("number permit", err)
	}
	// A status-index collision (see drawStatusIndex) fails the insert, and a
	// key rotated or compromised on another replica since this one last
	// looked fails the signer check: try again in a new transaction.
	for attempt := 0; ; attempt++ {
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return s.IssueIn(tx, actor, p, key)
		})
		if attempt == 4 {
			break
		}
		if errors.Is(err, keys.ErrSignerChanged) {
			if key, err = s.NextSigner(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if !errors.Is(err, gorm.ErrDuplicatedKey) {
			break
		}
	}
	if err != nil {
		return nil, opencites.AsDomain("issue permit", err)
	}
	s.Issued(ctx, actor, p)
	return p, nil
}

// Issued tells the observers (the alert rules, the exchange) of a permit
// issued and committed, by Issue or by an application's approval.
func (s *Service) Issued(ctx context.Context, actor opencites.Actor, p *Permit) {
	s.emit(ctx, Event{Kind: EventIssue, At: p.IssuedAt, Actor: actor, Authority: p.Authority, Number: p.Number, Permit: p})
}

// IssueIn signs and stores a validated permit, with its quota charges,
// audit entry and notifications, inside the caller's transaction (an issue
// of its own, or the approval of an application), numbering it first if it
// has no number yet.
func (s *Service) IssueIn(tx *gorm.DB, actor opencites.Actor, p *Permit, key *keys.Key) error {
	p.KeyID = key.Kid
	idx, err := drawStatusIndex()
	if err != nil {
		return err
	}
	p.StatusIndex = &idx
	if p.Number == "" {
		if err := s.number(tx, p); err != nil {
			return err
		}
	}
	row := permitRow(p, actor.UserID)
	if p.Code, err = signToken(claimsOf(p), key); err != nil {
		return err
	}
	row.Number, row.Code = p.Number, p.Code
	if err := keys.CheckSigner(tx, key.Kid, p.IssuedAt); err != nil {
		return err
	}
	if err := tx.Omit(clause.Associations).Create(&row).Error; err != nil {
		return err
	}
	if err := models.ClaimIdempotency(tx, "permit", p.Number); err != nil {
		return err
	}
	if p.Type == "export" {
		for i := range p.Lines {
			l := &p.Lines[i]
			q, err := s.quotas.Take(tx, quotas.Charge{Authority: p.Authority, Taxon: l.Taxon, Source: l.Source, Term: l.Term,
				Quantity: l.Quantity, At: p.IssuedAt, Line: l.Line})
			if err != nil {
				return err
			}
			l.Quota = q
		}
	}
	lines := make([]models.PermitLine, len(p.Lines))
	for i, l := range p.Lines {
		lines[i] = lineRow(row.ID, l)
	}
	if err := tx.Create(&lines).Error; err != nil {
		return err
	}
	p.ID = row.ID
	if err := models.WriteAudit(tx, opencites.Audit{At: p.IssuedAt, Actor: actor, Action: "permit.issue", EntityType: "permit", EntityID: p.Number, After: auditView(p)}); err != nil {
		return err
	}
	if err := notifyPermit(tx, p.IssuedAt, "permit.issued", p.Authority, p.Number, p.ExporterAccount,
		"Permit "+p.Number+" was issued.", false); err != nil {
		return err
	}
	return s.emitTx(tx, Event{Kind: EventIssue, At: p.IssuedAt, Actor: actor, Authority: p.Authority, Number: p.Number, Permit: p})
}

// number gives p the authority's next number for its year of issue:
// YY + authority + six-digit serial.
func (s *Service) number(tx *gorm.DB, p *Permit) error {
	serial, err := models.NextSerial(tx, p.Authority, p.IssuedAt.Year())
	if err != nil {
		return err
	}
	p.Number = fmt.Sprintf("%02d%s%06d", p.IssuedAt.Year()%100, p.Authority, serial)
	return nil
}

// Validate applies the Convention's rules to a request for the authority,
// as of now, and resolves each line's appendix from the species
// reference: the permit as it would be issued, not yet numbered nor
// signed. Errors: those of Issue, but forbidden.
func (s *Service) Validate(ctx context.Context, authority string, req IssueRequest, now time.Time) (*Permit, error) {
	dt, ok := opencites.DocTypeByName(req.Type)
	if !ok {
		names := make([]string, len(opencites.DocTypes))
		for i, d := range opencites.DocTypes {
			names[i] = d.Name
		}
		return nil, opencites.Invalid("invalid_type", "type must be one of %s", strings.Join(names, ", "))
	}
	req.Purpose = strings.ToUpper(strings.TrimSpace(req.Purpose))
	if _, ok := opencites.Purposes[req.Purpose]; !ok {
		return nil, opencites.Invalid("invalid_purpose", "purpose %q is not a CITES purpose code (T, Z, G, Q, S, H, P, M, E, N, B, L)", req.Purpose)
	}
	for _, pt := range []struct {
		name string
		p    *Party
	}{{"exporter", &req.Exporter}, {"importer", &req.Importer}} {
		pt.p.Name = strings.TrimSpace(pt.p.Name)
		pt.p.Address = strings.TrimSpace(pt.p.Address)
		if pt.p.Name == "" {
			return nil, opencites.Invalid("invalid_party", "%s.name is required", pt.name)
		}
		c, err := opencites.CheckCountry(pt.name+".country", pt.p.Country, true)
		if err != nil {
			return nil, err
		}
		pt.p.Country = c
		if err := opencites.CheckLen(pt.name+".name", pt.p.Name, 200); err != nil {
			return nil, err
		}
		if err := opencites.CheckLen(pt.name+".address", pt.p.Address, 500); err != nil {
			return nil, err
		}
	}
	switch {
	case dt.ImportSide && req.Importer.Country != authority:
		return nil, opencites.Invalid("exporter_country_mismatch", "an import permit of %s must name an importer in %s", authority, authority)
	case (dt.Name == "export" || dt.Name == "re-export" || dt.Name == "origin") && req.Exporter.Country != authority:
		return nil, opencites.Invalid("exporter_country_mismatch", "an %s document of %s must name an exporter in %s", dt.Name, authority, authority)
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"conditions", req.Conditions, 2000}, {"security_stamp", req.SecurityStamp, 35}, {"issued_place", req.IssuedPlace, 200}, {"exporter_account", req.ExporterAccount, 63}} {
		if err := opencites.CheckLen(f.name, f.v, f.max); err != nil {
			return nil, err
		}
	}

	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	from := today
	if req.ValidFrom != "" {
		d, err := time.Parse(time.DateOnly, req.ValidFrom)
		if err != nil {
			return nil, opencites.Invalid("invalid_date", "valid_from must be a date YYYY-MM-DD")
		}
		if d.Before(today) {
			return nil, opencites.Invalid("validity_in_past", "valid_from may not be before the day of issue")
		}
		from = d
	}
	last, err := time.Parse(time.DateOnly, req.ValidUntil)
	if err != nil {
		return nil, opencites.Invalid("invalid_date", "valid_until must be a date YYYY-MM-DD")
	}
	if last.Before(from) {
		return nil, opencites.Invalid("validity_in_past", "valid_until must be on or after the first day of validity")
	}
	if maxLast := today.AddDate(0, dt.MaxMonths, 0); last.After(maxLast) {
		return nil, opencites.Invalid("validity_too_long", "a %s document is valid for at most %d months: valid_until may be %s at the latest",
			dt.Name, dt.MaxMonths, maxLast.Format(time.DateOnly))
	}

	if req.ExporterAccount != "" {
		ok, err := s.users.IsExporter(ctx, req.ExporterAccount)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, opencites.Invalid("unknown_exporter_account", "no exporter account %q", req.ExporterAccount)
		}
	}

	if len(req.Specimens) == 0 {
		return nil, opencites.Invalid("no_specimens", "a permit needs at least one specimen line")
	}
	if len(req.Specimens) > MaxLines {
		return nil, opencites.Invalid("too_many_lines", "a permit carries at most %d specimen lines; issue another for the rest", MaxLines)
	}
	p := &Permit{
		Authority: authority, Type: dt.Name, Purpose: req.Purpose, Status: StatusIssued,
		Exporter: req.Exporter, Importer: req.Importer, ExporterAccount: req.ExporterAccount,
		Conditions: strings.TrimSpace(req.Conditions), SecurityStamp: strings.TrimSpace(req.SecurityStamp),
		IssuedPlace: strings.TrimSpace(req.IssuedPlace),
		ValidFrom:   from, ValidUntil: last.AddDate(0, 0, 1), IssuedAt: now,
		ListingVersion: s.Species().Version(), ref: s.Species(),
	}
	for i, sr := range req.Specimens {
		l, err := s.validateLine(dt, req, sr, i)
		if err != nil {
			return nil, err
		}
		p.Lines = append(p.Lines, l)
	}
	return p, nil
}

func (s *Service) validateLine(dt opencites.DocType, req IssueRequest, sr SpecimenRequest, i int) (Line, error) {
	letter := string(rune('A' + i))
	at := "line " + letter + ": "
	sr.Term = strings.ToUpper(strings.TrimSpace(sr.Term))
	sr.Source = strings.ToUpper(strings.TrimSpace(sr.Source))
	sr.Unit = strings.TrimSpace(sr.Unit)
	origin, err := opencites.CheckCountry(fmt.Sprintf("specimens.%d.origin_country", i), sr.OriginCountry, false)
	if err != nil {
		var de *opencites.Error
		errors.As(err, &de)
		de.Message = at + de.Message
		return Line{}, de
	}
	sr.OriginCountry = origin
	if _, ok := opencites.Terms[sr.Term]; !ok {
		return Line{}, lineErr(at, "invalid_term", "term %q is not a CITES specimen code (LIV, TRO, SKI, HOR, ...)", sr.Term)
	}
	if !opencites.ValidSource(sr.Source) {
		return Line{}, lineErr(at, "invalid_source", "source %q is not a CITES source code (W, R, D, A, C, F, U, I, O, X, Y)", sr.Source)
	}
	if _, ok := opencites.Units[sr.Unit]; !ok {
		return Line{}, lineErr(at, "invalid_unit", "unit %q is not a CITES unit (empty for a number of specimens, kg, g, l, ml, m, m2, m3, cm)", sr.Unit)
	}
	if !(sr.Quantity > 0) || sr.Quantity > 1e9 {
		return Line{}, lineErr(at, "invalid_quantity", "quantity must be greater than zero")
	}
	if !opencites.WholeCount(sr.Quantity, sr.Unit) {
		return Line{}, lineErr(at, "invalid_quantity", "a number of specimens (no unit) is a whole number, not %g", sr.Quantity)
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"taxon", sr.Taxon, 120}, {"description", sr.Description, 500}, {"marks", sr.Marks, 1000}} {
		if err := opencites.CheckLen(at+f.name, f.v, f.max); err != nil {
			return Line{}, err
		}
	}
	if origin == "" {
		origin = req.Exporter.Country
	}
	// The list decides the appendix; a name it does not hold is refused,
	// never placed under a higher taxon's listing.
	ref := s.Species()
	res, err := ref.Resolve(sr.Taxon, origin)
	if r := listings.Refusal(ref, sr.Taxon, at, err); r != nil {
		if d, ok := r.Details.(map[string]any); ok {
			d["line"] = letter
		}
		return Line{}, r
	}
	if err != nil {
		return Line{}, opencites.Internal("species listing", err)
	}
	listing := res.Listing
	if listing.NotListed || listing.Appendix == "" {
		return Line{}, lineErr(at, "taxon_not_listed", "%s is not listed in the CITES Appendices: no CITES document is needed (national rules may still apply)", listing.Taxon.Name)
	}
	// The Convention's rules (Art. III-V, VII) decide what may be issued;
	// the requirements lookup asks the same function.
	if dir, ok := tradeDirection[dt.Name]; ok {
		sh := rules.Shipment{Appendix: listing.Appendix, ListedAs: listing.ListedAs, Direction: dir,
			Purpose: req.Purpose, Source: sr.Source, Term: sr.Term, From: req.Exporter.Country, To: req.Importer.Country}
		if zq, ok := listing.ZeroQuota(sr.Source, req.Purpose); ok {
			sh.ZeroQuota, sh.ZeroQuotaNote = true, zq.Note
		}
		if r := rules.Required(sh); r.Prohibited {
			msg := ""
			for _, reason := range r.Reasons {
				if reason.Code == r.ProhibitedCode {
					msg = reason.Message
				}
			}
			return Line{}, lineErr(at, r.ProhibitedCode, "%s (%s, Appendix %s): %s", listing.Taxon.Name, listing.ListedAs, listing.Appendix, msg)
		}
	}
	return Line{
		Line: letter, Taxon: listing.Taxon.Name, ListedAs: listing.ListedAs, Appendix: listing.Appendix,
		Description: strings.TrimSpace(sr.Description), Term: sr.Term, Source: sr.Source, Quantity: sr.Quantity,
		Unit: sr.Unit, Marks: strings.TrimSpace(sr.Marks), OriginCountry: sr.OriginCountry, RequestedAs: res.RequestedAs,
		// Taken from the wild in a country outside the taxon's range (native
		// or reintroduced): a laundering signal the issuer must confirm.
		OutOfRange: strings.TrimPrefix(sr.Source, "O") == "W" && res.Taxon.Range.Known() && !res.Taxon.InRange(origin),
	}, nil
}

func claimsOf(p *Permit) *verifier.Claims {
	dt, _ := opencites.DocTypeByName(p.Type)
	c := &verifier.Claims{Type: dt.Code, Countries: []string{p.Exporter.Country, p.Importer.Country}, Purpose: p.Purpose}
	c.Issuer = p.Authority
	c.ID = p.Number
	c.IssuedAt = jwtTime(p.IssuedAt)
	if p.ValidFrom.After(p.IssuedAt) {
		c.NotBefore = jwtTime(p.ValidFrom)
	}
	c.ExpiresAt = jwtTime(p.ValidUntil)
	c.StatusIndex = p.StatusIndex
	for _, l := range p.Lines {
		c.Lines = append(c.Lines, verifier.ClaimLine{Taxon: l.Taxon, Appendix: l.Appendix, Quantity: l.Quantity, Unit: l.Unit, Source: l.Source, Term: l.Term})
	}
	return c
}

func permitRow(p *Permit, issuedBy int64) models.Permit {
	return models.Permit{
		Authority: p.Authority, Number: p.Number, Type: p.Type, Purpose: p.Purpose, Status: p.Status,
		ExporterName: p.Exporter.Name, ExporterAddress: p.Exporter.Address, ExporterCountry: p.Exporter.Country,
		ImporterName: p.Importer.Name, ImporterAddress: p.Importer.Address, ImporterCountry: p.Importer.Country,
		ExporterAccount: p.ExporterAccount, Conditions: p.Conditions, SecurityStamp: p.SecurityStamp,
		ValidFrom: p.ValidFrom, ValidUntil: p.ValidUntil, IssuedAt: p.IssuedAt, IssuedBy: issuedBy,
		IssuedPlace: p.IssuedPlace, KeyID: p.KeyID, Code: p.Code, ListingVersion: p.ListingVersion, StatusIndex: p.StatusIndex,
	}
}

func lineRow(permitID int64, l Line) models.PermitLine {
	r := models.PermitLine{PermitID: permitID, Line: l.Line, Taxon: l.Taxon, ListedAs: l.ListedAs, Appendix: l.Appendix,
		Description: l.Description, Term: l.Term, Source: l.Source, Quantity: l.Quantity, Unit: l.Unit,
		Marks: l.Marks, OriginCountry: l.OriginCountry, RequestedAs: l.RequestedAs, OutOfRange: l.OutOfRange}
	if q := l.Quota; q != nil {
		r.QuotaID, r.QuotaUsed, r.QuotaTotal, r.QuotaYear = &q.ID, &q.Used, &q.Total, &q.Year
	}
	return r
}

// permitFromRows builds the domain view of stored rows.
func permitFromRows(r *models.Permit, lines []models.PermitLine, ends []models.Endorsement) *Permit {
	p := &Permit{
		ID: r.ID, Number: r.Number, Authority: r.Authority, Type: r.Type, Purpose: r.Purpose, Status: r.Status,
		Exporter:        Party{r.ExporterName, r.ExporterAddress, r.ExporterCountry},
		Importer:        Party{r.ImporterName, r.ImporterAddress, r.ImporterCountry},
		ExporterAccount: r.ExporterAccount, Conditions: r.Conditions, SecurityStamp: r.SecurityStamp,
		IssuedPlace: r.IssuedPlace, ValidFrom: r.ValidFrom.UTC(), ValidUntil: r.ValidUntil.UTC(), IssuedAt: r.IssuedAt.UTC(),
		KeyID: r.KeyID, Code: r.Code, RevokedAt: r.RevokedAt, RevocationReason: r.RevocationReason,
		ListingVersion: r.ListingVersion, StatusIndex: r.StatusIndex,
	}
	for _, l := range lines {
		line := Line{Line: l.Line, Taxon: l.Taxon, ListedAs: l.ListedAs, Appendix: l.Appendix,
			Description: l.Description, Term: l.Term, Source: l.Source, Quantity: l.Quantity, Unit: l.Unit,
			Marks: l.Marks, OriginCountry: l.OriginCountry, RequestedAs: l.RequestedAs, OutOfRange: l.OutOfRange}
		if l.QuotaID != nil && l.QuotaUsed != nil && l.QuotaTotal != nil && l.QuotaYear != nil {
			line.Quota = &quotas.LineQuota{ID: *l.QuotaID, Year: *l.QuotaYear, Used: *l.QuotaUsed, Total: *l.QuotaTotal}
		}
		p.Lines = append(p.Lines, line)
	}
	p.Endorsements = endorsementsFromRows(ends)
	return p
}

func endorsementsFromRows(ends []models.Endorsement) []Endorsement {
	var out []Endorsement
	for _, e := range ends {
		en := Endorsement{Direction: e.Direction, Port: e.Port, At: e.EndorsedAt.UTC(), Officer: e.Officer}
		for _, l := range e.Lines {
			en.Lines = append(en.Lines, EndorsedLine{Line: l.Line, Quantity: l.Quantity})
		}
		out = append(out, en)
	}
	return out
}

// auditView is the permit as written into audit entries.
func auditView(p *Permit) map[string]any {
	lines := make([]map[string]any, len(p.Lines))
	for i, l := range p.Lines {
		lines[i] = map[string]any{"line": l.Line, "taxon": l.Taxon, "appendix": l.Appendix, "term": l.Term,
			"source": l.Source, "quantity": l.Quantity, "unit": l.Unit}
		if l.RequestedAs != "" {
			lines[i]["requested_as"] = l.RequestedAs
		}
		if l.OutOfRange {
			lines[i]["out_of_range"] = true
		}
	}
	v := map[string]any{"number": p.Number, "status": p.Status, "type": p.Type, "purpose": p.Purpose,
		"exporter": p.Exporter.Name, "importer": p.Importer.Name, "valid_until": p.LastValidDay(), "key_id": p.KeyID, "lines": lines}
	if p.RangeConfirmation != "" {
		v["out_of_range_confirmed"] = p.RangeConfirmation
	}
	return v
}

// lineErr is invalid with the specimen line named first ("line B: ...").
func lineErr(at, code, format string, args ...any) error {
	e := opencites.Errorf(opencites.KindInvalid, code, format, args...)
	e.Message = at + e.Message
	return e
}

// notifyPermit tells the exporter account of a permit, and with issuers
// true the authority's issuers too, about a permit event.
func notifyPermit(tx *gorm.DB, at time.Time, kind, authority, number, account, text string, issuers bool) error {
	to := users.Audience{Account: account}
	if issuers {
		to.IssuersOf = authority
	}
	return notify.Tell(tx, at, to, kind, "permit", number, text)
}

// OutOfRangeLine is a line of wild specimens from outside the range.
type OutOfRangeLine struct {
	Line    string   `json:"line"`
	Taxon   string   `json:"taxon"`
	Country string   `json:"country"`
	Range   []string `json:"range_states"` // where the taxon occurs natively or was reintroduced
}

// ConfirmRange refuses a permit with lines of wild specimens from a
// country outside their taxon's range unless the issuer confirmed them
// with a reason, which then goes into the audit entry. None of the peer
// systems checks this; a wild falcon "from" a country it never lived in is
// how a laundered bird looks on paper.
// Errors: outside_range, reason_required (422).
func ConfirmRange(p *Permit, confirmed bool, reason string) error {
	var out []OutOfRangeLine
	for _, l := range p.Lines {
		if !l.OutOfRange {
			continue
		}
		country := l.OriginCountry
		if country == "" {
			country = p.Exporter.Country
		}
		var states []string
		if p.ref == nil {
			// not validated here: nothing to name
		} else if t, err := p.ref.Lookup(l.Taxon); err == nil {
			states = append(append(states, t.Range.Native...), t.Range.Reintroduced...)
		}
		out = append(out, OutOfRangeLine{Line: l.Line, Taxon: l.Taxon, Country: country, Range: states})
	}
	if len(out) == 0 {
		return nil
	}
	reason = strings.TrimSpace(reason)
	if !confirmed {
		names := make([]string, len(out))
		for i, o := range out {
			names[i] = fmt.Sprintf("line %s (%s from %s)", o.Line, o.Taxon, o.Country)
		}
		e := opencites.Invalid("outside_range", "wild specimens from a country outside the taxon's range: %s. Check the origin; to issue anyway, confirm with a reason",
			strings.Join(names, ", "))
		e.Details = map[string]any{"lines": out}
		return e
	}
	if reason == "" {
		return opencites.Invalid("reason_required", "say why wild specimens come from outside their range (out_of_range_reason)")
	}
	if err := opencites.CheckLen("out_of_range_reason", reason, 500); err != nil {
		return err
	}
	p.RangeConfirmation = reason
	return nil
}
