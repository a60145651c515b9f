package permits

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/verifier"
	"gorm.io/gorm"
)

// VerifyRequest is a code read at a checkpoint.
type VerifyRequest struct {
	Code      string
	Port      string
	Direction string // "export", "import", or "" for the document's own side
	Source    string // "code" (text from the phone), "photo" (read by the server) or "number" (the registry's own code for a printed number)
}

// Verification is the answer an officer gets.
type Verification struct {
	ID      string
	Verdict string
	Reasons []verifier.Reason
	Permit  *Permit // nil unless the signature verified and the registry knows the permit
	// Guidance is set with Permit: species, listings and the documents the
	// shipment must also carry.
	Guidance  *Guidance
	CheckedAt time.Time
	Mode      string
	// Source says where the permit's status came from: "registry" (this
	// node) or "exchange" (the issuing country's node, in real time).
	Source string
}

// Verify checks a scanned code against its signature and the registry and
// records the check. The verdict is decided in this fixed order, the first
// failing check winning: malformed, unknown_key, bad_signature, malformed
// claims, expired, not_yet_valid, not_found, revoked, used, valid. A code
// whose signature does not verify never shows permit data.
//
// Errors: forbidden (403), invalid_direction, field_too_long (422).
func (s *Service) Verify(ctx context.Context, actor opencites.Actor, req VerifyRequest) (*Verification, error) {
	if err := opencites.RequireRole(actor, opencites.RoleOfficer, opencites.RoleIssuer, opencites.RoleAdmin); err != nil {
		return nil, err
	}
	if req.Direction != "" && req.Direction != "export" && req.Direction != "import" {
		return nil, opencites.Invalid("invalid_direction", `checkpoint.direction must be "export" or "import"`)
	}
	if err := opencites.CheckLen("checkpoint.port", req.Port, 200); err != nil {
		return nil, err
	}
	now := s.now()
	v := &Verification{CheckedAt: now, Mode: "online", Source: "registry"}
	lookup, foreignKey := s.keyLookup(ctx)
	var tc verifier.TokenCheck
	if s.signatures != nil {
		tc = s.signatures.CheckToken(req.Code, lookup, now)
	} else {
		tc = verifier.CheckToken(req.Code, lookup, now)
	}
	check := verifier.Check{Token: tc, Direction: req.Direction}
	if foreignKey.used {
		check.KeyAuthorities = foreignKey.authorities
	}
	var authority, number string
	if tc.Claims != nil && (check.KeyAuthorities == nil || check.KeyAuthorities[tc.Claims.Issuer]) {
		authority, number = tc.Claims.Issuer, tc.Claims.ID
		standing, err := s.standing(ctx, v, tc.Claims)
		if err != nil {
			return nil, err
		}
		check.Standing = &standing
	}
	j := verifier.Judge(check)
	v.Verdict, v.Reasons = j.Verdict, j.Reasons
	if j.Claims == nil {
		v.Permit = nil
	}
	if v.Permit != nil {
		v.Guidance = s.Guide(v.Permit, req.Direction)
	}
	v.ID = newID(now)
	sum := codeSHA256(req.Code)
	rec := models.Verification{
		ID: v.ID, CheckedAt: now, UserID: actor.UserID, Username: actor.Username, Verdict: v.Verdict,
		Reason: firstCode(v.Reasons), Authority: authority, Number: number, KeyID: tc.Kid,
		CodeSHA256: hex.EncodeToString(sum[:]), Port: req.Port, Direction: req.Direction, Mode: v.Mode, Source: req.Source,
	}
	if rec.Source == "" {
		rec.Source = "code"
	}
	if err := s.record(ctx, rec); err != nil {
		return nil, opencites.Internal("record verification", err)
	}
	if len(s.observers) > 0 {
		s.emit(ctx, Event{Kind: EventVerification, At: now, Actor: actor, Authority: authority, Number: number, Permit: v.Permit,
			Verification: &VerificationEvent{ID: v.ID, Verdict: v.Verdict, Reason: rec.Reason, Port: req.Port, Direction: req.Direction,
				Source: rec.Source, KeyID: tc.Kid, CodeSHA256: rec.CodeSHA256}})
	}
	return v, nil
}

// codeSHA256 hashes a scanned code without copying it first: the copy
// was a measurable share of what a scan allocated (docs/benchmarks.md).
func codeSHA256(code string) [sha256.Size]byte {
	h := sha256.New()
	var buf [512]byte
	for len(code) > 0 {
		n := copy(buf[:], code)
		h.Write(buf[:n])
		code = code[n:]
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

func firstCode(rs []verifier.Reason) string {
	if len(rs) == 0 {
		return ""
	}
	return rs[0].Code
}

// foreignUse records whether a lookup fell back to a foreign key.
type foreignUse struct {
	used        bool
	authorities map[string]bool
}

func (s *Service) keyLookup(ctx context.Context) (verifier.KeyLookup, *foreignUse) {
	fu := &foreignUse{}
	return func(kid string) (verifier.Key, bool) {
		if k, ok := s.keys.Lookup(ctx, kid); ok {
			return verifier.Key{Public: k.Public, Status: k.Status, RetiredAt: k.RetiredAt}, true
		}
		if s.foreign == nil {
			return verifier.Key{}, false
		}
		k, auths, ok := s.foreign.Key(ctx, kid)
		fu.used, fu.authorities = ok, auths
		return k, ok
	}, fu
}

// statusRow is the mutable part of a permit: all a verification must read
// from the database on every scan.
type statusRow struct {
	ID               int64
	Status           string
	RevocationReason string
}

// statusValue maps a permit's registry state to its status-list value, the
// one vocabulary of states the verdict is judged in, online and offline.
var statusValue = map[string]uint8{
	StatusIssued:    verifier.StatusValid,
	StatusRevoked:   verifier.StatusRevoked,
	StatusCancelled: verifier.StatusUsed,
	StatusEndorsed:  verifier.StatusExported,
}

// standing reads what the registry (or, for another authority's permit,
// the regional exchange) knows of the permit the claims name, and puts the
// permit on v for the officer to compare with the goods.
func (s *Service) standing(ctx context.Context, v *Verification, c *verifier.Claims) (verifier.Standing, error) {
	// The one query every scan makes, batched with the scans arriving at
	// the same moment (see statusReader).
	st, content, found, err := s.status.read(ctx, c.Issuer, c.ID)
	if err != nil {
		return verifier.Standing{}, opencites.Internal("verify: read status", err)
	}
	if !found && s.foreign != nil {
		fp, _, ok, ferr := s.foreign.Permit(ctx, c.Issuer, c.ID)
		if ferr != nil {
			return verifier.Standing{}, opencites.Internal("verify: foreign permit", ferr)
		}
		if ok {
			v.Source, v.Permit = "exchange", fp
			return verifier.Standing{Known: true, Status: statusValue[fp.Status], RevocationReason: fp.RevocationReason}, nil
		}
	}
	if !found {
		return verifier.Standing{}, nil
	}
	p, err := s.content(ctx, permitKey{c.Issuer, c.ID}, st.ID, content)
	if err != nil {
		return verifier.Standing{}, err
	}
	p.Status, p.RevocationReason = st.Status, st.RevocationReason
	if st.Status == StatusEndorsed || st.Status == StatusCancelled {
		if p.Endorsements, err = s.endorsements(ctx, st.ID); err != nil {
			return verifier.Standing{}, err
		}
	}
	v.Permit = p
	return verifier.Standing{Known: true, Status: statusValue[st.Status], RevocationReason: st.RevocationReason}, nil
}

// content returns the immutable part of a permit: a copy of read (what
// the status reader read of it, when it had to), else from memory, else
// from the database. Header, parties and lines never change after issue.
func (s *Service) content(ctx context.Context, key permitKey, id int64, read *Permit) (*Permit, error) {
	if read != nil {
		cp := *read
		return &cp, nil
	}
	if c, ok := s.contents.Get(key); ok {
		cp := *c
		return &cp, nil
	}
	rows, err := models.PermitContents(ctx, s.db, []int64{id})
	if err != nil || len(rows) == 0 {
		return nil, opencites.Internal("verify: read permit", fmt.Errorf("permit %d: %d rows, %v", id, len(rows), err))
	}
	p := permitFromRows(&rows[0], rows[0].Lines, nil)
	s.contents.Put(key, p)
	cp := *p
	return &cp, nil
}

// permitCost counts a permit's size in the contents cache: its texts and
// a fixed share for the struct, its times and its slices.
func permitCost(k permitKey, p *Permit) int {
	n := 400 + len(k.authority) + len(k.number) + len(p.Number) + len(p.Exporter.Name) + len(p.Exporter.Address) + len(p.Importer.Name) + len(p.Importer.Address) +
		len(p.Conditions) + len(p.Code) + len(p.ExporterAccount) + len(p.SecurityStamp) + len(p.IssuedPlace)
	for _, l := range p.Lines {
		n += 250 + len(l.Taxon) + len(l.ListedAs) + len(l.Description) + len(l.Marks)
	}
	return n
}

func (s *Service) endorsements(ctx context.Context, id int64) ([]Endorsement, error) {
	var ends []models.Endorsement
	if err := s.db.WithContext(ctx).Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("line") }).
		Where("permit_id = ?", id).Order("id").Find(&ends).Error; err != nil {
		return nil, opencites.Internal("verify: read endorsements", err)
	}
	return endorsementsFromRows(ends), nil
}

// newID names a verification: 48 bits of milliseconds, then 80 random
// bits, in hex (as UUIDv7 orders them). Records written in time order fill
// the primary key's index at its end instead of at random pages, each of
// which PostgreSQL would copy whole into its log at its first change after
// every checkpoint.
func newID(at time.Time) string {
	var b [16]byte
	ms := uint64(at.UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	if _, err := rand.Read(b[6:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b[:])
}
