package cases

import (
	"context"
	"strings"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/verifier"
)

// scan is a recorded verification, as the cases and the rules need it.
type scan struct {
	ID         string
	CheckedAt  time.Time
	UserID     int64
	Scanner    string // the scanning user's authority
	Verdict    string
	Authority  string // of the permit the code names, if any
	Number     string
	Port       string
	Direction  string
	CodeSHA256 string
}

// verification finds a verification by id: among those the registry has
// recorded or, since permits records verifications in batches, among
// those the engine saw in the last moments.
func (s *Service) verification(ctx context.Context, id string) (scan, bool, error) {
	if len(id) > 64 {
		return scan{}, false, nil
	}
	v, err := s.permits.RecordedScan(ctx, id)
	if err == nil {
		return scan{ID: v.ID, CheckedAt: v.CheckedAt, UserID: v.UserID, Scanner: v.ScannerAuthority, Verdict: v.Verdict,
			Authority: v.Authority, Number: v.Number, Port: v.Port, Direction: v.Direction, CodeSHA256: v.CodeSHA256}, true, nil
	}
	if opencites.CodeOf(err) != "verification_not_found" {
		return scan{}, false, err
	}
	sc, ok := s.engine.recent.get(id)
	return sc, ok, nil
}

// Draft returns a case prepared from a verification that was not valid:
// when and where it was scanned, the document and, if the registry knows
// the permit, the specimens it declares. Only officers of the scanning
// officer's authority may.
//
// Errors: forbidden, authority_required (403), verification_not_found
// (404), verification_valid, case_exists (409).
func (s *Service) Draft(ctx context.Context, actor opencites.Actor, verificationID string) (Input, error) {
	authority, err := writeScope(actor)
	if err != nil {
		return Input{}, err
	}
	v, ok, err := s.verification(ctx, verificationID)
	if err != nil {
		return Input{}, err
	}
	if !ok || (v.UserID != actor.UserID && v.Scanner != authority) {
		return Input{}, opencites.Errorf(opencites.KindNotFound, "verification_not_found", "no verification %q", verificationID)
	}
	if v.Verdict == verifier.VerdictValid {
		return Input{}, opencites.Errorf(opencites.KindConflict, "verification_valid", "the verification was valid: record a case with POST /api/v1/cases if something else was wrong")
	}
	var existing int64
	if err := s.db.WithContext(ctx).Model(&models.Case{}).Select("id").Where("verification_id = ?", v.ID).Limit(1).Scan(&existing).Error; err != nil {
		return Input{}, opencites.Internal("case of verification", err)
	}
	if existing != 0 {
		return Input{}, opencites.Errorf(opencites.KindConflict, "case_exists", "case %d was already opened from this verification", existing)
	}
	in := Input{OccurredAt: v.CheckedAt, Checkpoint: v.Port, Port: v.Port, Outcome: "seized",
		Documents: []DocumentInput{{Number: v.Number, VerificationID: v.ID}}}
	if in.Checkpoint == "" {
		in.Checkpoint = "unknown"
	}
	if v.Number != "" {
		if p, err := s.permits.Get(ctx, opencites.System, v.Number); err == nil {
			for _, l := range p.Lines {
				in.Specimens = append(in.Specimens, SpecimenInput{Taxon: l.Taxon, Term: l.Term, Quantity: l.Quantity, Unit: l.Unit,
					Description: strings.TrimSpace("declared on " + p.Number + ": " + l.Description)})
			}
			in.OriginCountry, in.DestinationCountry = p.Exporter.Country, p.Importer.Country
			in.Parties = []Party{{Role: "exporter", Organisation: p.Exporter.Name, Country: p.Exporter.Country},
				{Role: "importer", Organisation: p.Importer.Name, Country: p.Importer.Country}}
		} else if opencites.CodeOf(err) != "permit_not_found" {
			return Input{}, err
		}
	}
	return in, nil
}

// FromVerification records a case opened from a verification that was not
// valid, keeping the link to it; in is usually Draft's, as edited by the
// officer. Errors: as Draft and Create.
func (s *Service) FromVerification(ctx context.Context, actor opencites.Actor, verificationID string, in Input) (*Case, error) {
	if _, err := s.Draft(ctx, actor, verificationID); err != nil {
		return nil, err
	}
	linked := false
	for _, d := range in.Documents {
		linked = linked || d.VerificationID == verificationID
	}
	if !linked {
		in.Documents = append(in.Documents, DocumentInput{VerificationID: verificationID})
	}
	return s.create(ctx, actor, in, verificationID)
}
