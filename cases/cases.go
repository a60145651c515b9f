package cases

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/listings"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/species"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Code lists of a case. Concealment and transport follow the categories
// TWIX seizure records use, so that cases compare across posts.
var (
	Concealments = []string{"none", "luggage", "body", "clothing", "false_compartment", "mixed_with_legal",
		"mislabelled", "parcel", "container", "vehicle", "other"}
	TransportModes = []string{"air", "road", "rail", "sea", "post", "pedestrian", "other"}
	Outcomes       = []string{"seized", "released", "referred"} // referred: to prosecution
	PartyRoles     = []string{"carrier", "exporter", "importer", "consignor", "consignee", "broker", "other"}
)

// Limits of a case.
const (
	MaxSpecimens = 50
	MaxDocuments = 20
	MaxParties   = 20
	MaxTransit   = 10
)

// Input is what an officer records; Create and Update take the whole of it.
type Input struct {
	OccurredAt         time.Time
	Checkpoint         string
	Port               string
	Latitude           *float64
	Longitude          *float64
	Concealment        string
	TransportMode      string
	OriginCountry      string
	TransitCountries   []string
	DestinationCountry string
	Outcome            string
	Notes              string
	Specimens          []SpecimenInput
	Documents          []DocumentInput
	Parties            []Party
}

// SpecimenInput is one kind of specimen found; the taxon is any name the
// species reference knows (scientific, synonym or common name).
type SpecimenInput struct {
	Taxon       string
	Term        string
	Quantity    float64
	Unit        string
	Description string
	Source      string // CITES source code as found (W: taken from the wild), "" if not known
}

// DocumentInput is a document presented: a permit number, a verification
// of it, or both.
type DocumentInput struct {
	Number         string
	VerificationID string
}

// Party is an organisation or role: never a person's name.
type Party struct {
	Role         string
	Organisation string
	Country      string
}

// Case is a recorded case.
type Case struct {
	ID                 int64
	Authority          string
	OccurredAt         time.Time
	Checkpoint         string
	Port               string
	Latitude           *float64
	Longitude          *float64
	Concealment        string
	TransportMode      string
	OriginCountry      string
	TransitCountries   []string
	DestinationCountry string
	Outcome            string
	Notes              string
	VerificationID     string
	Specimens          []Specimen
	Documents          []Document
	Parties            []Party
	Photos             []Photo
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Specimen is a specimen line of a case with its taxon resolved.
type Specimen struct {
	TaxonID     string
	Taxon       string
	Appendix    string // "" when the taxon is not listed
	Term        string
	Quantity    float64
	Unit        string
	Description string
	Source      string
}

// Document is a presented document, linked to the registry.
type Document struct {
	Number          string
	PermitLinked    bool   // the registry holds a permit of this number
	PermitAuthority string // its authority
	VerificationID  string
	Verdict         string // of the verification
}

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if v == x {
			return true
		}
	}
	return false
}

func country(field, c string, required bool) (string, error) {
	return opencites.CheckCountry(field, c, required)
}

// validate normalises an input and resolves its taxa and documents into
// the rows of a case.
func (s *Service) validate(ctx context.Context, in Input) (*models.Case, error) {
	now := s.now()
	in.Checkpoint = strings.TrimSpace(in.Checkpoint)
	in.Port = strings.TrimSpace(in.Port)
	in.Notes = strings.TrimSpace(in.Notes)
	in.Concealment = strings.TrimSpace(in.Concealment)
	in.TransportMode = strings.TrimSpace(in.TransportMode)
	in.Outcome = strings.TrimSpace(in.Outcome)
	switch {
	case in.OccurredAt.IsZero():
		return nil, opencites.Invalid("occurred_at_required", "say when the case happened (occurred_at)")
	case in.OccurredAt.After(now.Add(time.Hour)):
		return nil, opencites.Invalid("occurred_in_future", "occurred_at is in the future")
	case in.Checkpoint == "":
		return nil, opencites.Invalid("checkpoint_required", "name the checkpoint")
	case in.Concealment != "" && !oneOf(in.Concealment, Concealments):
		return nil, opencites.Invalid("invalid_concealment", "concealment must be one of %s", strings.Join(Concealments, ", "))
	case in.TransportMode != "" && !oneOf(in.TransportMode, TransportModes):
		return nil, opencites.Invalid("invalid_transport_mode", "transport_mode must be one of %s", strings.Join(TransportModes, ", "))
	case !oneOf(in.Outcome, Outcomes):
		return nil, opencites.Invalid("invalid_outcome", "outcome must be one of %s", strings.Join(Outcomes, ", "))
	case (in.Latitude == nil) != (in.Longitude == nil):
		return nil, opencites.Invalid("invalid_coordinates", "give both latitude and longitude, or neither")
	case in.Latitude != nil && (math.IsNaN(*in.Latitude) || *in.Latitude < -90 || *in.Latitude > 90 ||
		math.IsNaN(*in.Longitude) || *in.Longitude < -180 || *in.Longitude > 180):
		return nil, opencites.Invalid("invalid_coordinates", "latitude is -90 to 90 and longitude -180 to 180 degrees")
	case len(in.Specimens) > MaxSpecimens, len(in.Documents) > MaxDocuments, len(in.Parties) > MaxParties, len(in.TransitCountries) > MaxTransit:
		return nil, opencites.Invalid("too_many_items", "a case holds at most %d specimens, %d documents, %d parties and %d transit countries",
			MaxSpecimens, MaxDocuments, MaxParties, MaxTransit)
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"checkpoint", in.Checkpoint, 200}, {"port", in.Port, 200}, {"notes", in.Notes, 10000}} {
		if err := opencites.CheckLen(f.name, f.v, f.max); err != nil {
			return nil, err
		}
	}
	row := &models.Case{OccurredAt: in.OccurredAt.UTC().Truncate(time.Second), Checkpoint: in.Checkpoint, Port: in.Port,
		Latitude: in.Latitude, Longitude: in.Longitude, Concealment: in.Concealment, TransportMode: in.TransportMode,
		Outcome: in.Outcome, Notes: in.Notes}
	var err error
	if row.OriginCountry, err = country("origin_country", in.OriginCountry, false); err != nil {
		return nil, err
	}
	if row.DestinationCountry, err = country("destination_country", in.DestinationCountry, false); err != nil {
		return nil, err
	}
	var transit []string
	for _, c := range in.TransitCountries {
		c, err := country("transit_countries", c, true)
		if err != nil {
			return nil, err
		}
		transit = append(transit, c)
	}
	row.TransitCountries = joinCountries(transit)
	ref := s.permits.Species()
	for i, sp := range in.Specimens {
		at := "specimens[" + strconv.Itoa(i) + "]."
		sp.Term = strings.ToUpper(strings.TrimSpace(sp.Term))
		sp.Unit = strings.TrimSpace(sp.Unit)
		sp.Description = strings.TrimSpace(sp.Description)
		if _, ok := opencites.Terms[sp.Term]; !ok {
			return nil, opencites.Invalid("invalid_term", "%sterm %q is not a CITES specimen code (LIV, TRO, SKI, HOR, ...)", at, sp.Term)
		}
		if _, ok := opencites.Units[sp.Unit]; !ok {
			return nil, opencites.Invalid("invalid_unit", "%sunit %q is not a CITES unit (empty for a number of specimens, kg, g, l, ...)", at, sp.Unit)
		}
		if !(sp.Quantity > 0) || sp.Quantity > 1e9 {
			return nil, opencites.Invalid("invalid_quantity", "%squantity must be greater than zero", at)
		}
		if !opencites.WholeCount(sp.Quantity, sp.Unit) {
			return nil, opencites.Invalid("invalid_quantity", "%sa number of specimens is a whole number", at)
		}
		if err := opencites.CheckLen(at+"taxon", sp.Taxon, 120); err != nil {
			return nil, err
		}
		if err := opencites.CheckLen(at+"description", sp.Description, 500); err != nil {
			return nil, err
		}
		sp.Source = strings.ToUpper(strings.TrimSpace(sp.Source))
		if sp.Source != "" && !opencites.ValidSource(sp.Source) {
			return nil, opencites.Invalid("invalid_source", "%ssource %q is not a CITES source code (W, R, D, A, C, F, U, I, O, X, Y)", at, sp.Source)
		}
		res, err := ref.Resolve(sp.Taxon, row.OriginCountry)
		var t species.Taxon
		appendix := ""
		switch {
		case err == nil:
			t = res.Taxon
			if !res.Listing.NotListed {
				appendix = res.Listing.Appendix
			}
		case errors.Is(err, species.ErrAmbiguous):
			// A seizure is recorded whatever decides its appendix (the
			// population, the subspecies): the taxon without one.
			var amb *species.AmbiguousError
			if errors.As(err, &amb) && amb.Taxon != "" {
				if t, err = ref.Lookup(amb.Taxon); err != nil {
					return nil, opencites.Internal("species lookup", err)
				}
			} else {
				return nil, listings.Refusal(ref, sp.Taxon, at, err)
			}
		default:
			if r := listings.Refusal(ref, sp.Taxon, at, err); r != nil {
				return nil, r
			}
			return nil, opencites.Internal("species listing", err)
		}
		row.Specimens = append(row.Specimens, models.CaseSpecimen{TaxonID: t.ID, Taxon: t.Name, Appendix: appendix,
			Term: sp.Term, Quantity: sp.Quantity, Unit: sp.Unit, Description: sp.Description, Source: sp.Source})
	}
	for i, d := range in.Documents {
		at := "documents[" + strconv.Itoa(i) + "]."
		d.Number = strings.ToUpper(strings.TrimSpace(d.Number))
		d.VerificationID = strings.TrimSpace(d.VerificationID)
		if d.Number == "" && d.VerificationID == "" {
			return nil, opencites.Invalid("invalid_document", "%sgive a number, a verification_id or both", at)
		}
		if err := opencites.CheckLen(at+"number", d.Number, 60); err != nil {
			return nil, err
		}
		doc := models.CaseDocument{Number: d.Number}
		if d.VerificationID != "" {
			v, ok, err := s.verification(ctx, d.VerificationID)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, opencites.Invalid("unknown_verification", "%sverification %q is not recorded", at, d.VerificationID)
			}
			doc.VerificationID, doc.Verdict = v.ID, v.Verdict
			if doc.Number == "" {
				doc.Number = v.Number
			}
		}
		if doc.Number != "" {
			id, authority, err := s.permits.Ref(ctx, doc.Number)
			switch {
			case err == nil:
				doc.PermitID, doc.PermitAuthority = &id, authority
			case opencites.CodeOf(err) != "permit_not_found":
				return nil, err
			}
		}
		row.Documents = append(row.Documents, doc)
	}
	for i, p := range in.Parties {
		at := "parties[" + strconv.Itoa(i) + "]."
		p.Role = strings.TrimSpace(p.Role)
		p.Organisation = strings.TrimSpace(p.Organisation)
		if !oneOf(p.Role, PartyRoles) {
			return nil, opencites.Invalid("invalid_party_role", "%srole must be one of %s", at, strings.Join(PartyRoles, ", "))
		}
		if err := opencites.CheckLen(at+"organisation", p.Organisation, 200); err != nil {
			return nil, err
		}
		c, err := country(at+"country", p.Country, false)
		if err != nil {
			return nil, err
		}
		row.Parties = append(row.Parties, models.CaseParty{Role: p.Role, Organisation: p.Organisation, Country: c})
	}
	return row, nil
}

func joinCountries(cs []string) string {
	if len(cs) == 0 {
		return ""
	}
	return "," + strings.Join(cs, ",") + ","
}

func splitCountries(s string) []string {
	s = strings.Trim(s, ",")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// Create records a case for the officer's authority, in one transaction
// with its audit entry, and hands it to the rules.
//
// Errors: forbidden, authority_required (403); occurred_at_required,
// occurred_in_future, checkpoint_required, invalid_concealment,
// invalid_transport_mode, invalid_outcome, invalid_coordinates,
// too_many_items, invalid_country, invalid_term, invalid_unit,
// invalid_quantity, unknown_taxon, invalid_document, unknown_verification,
// invalid_party_role, field_too_long (422).
func (s *Service) Create(ctx context.Context, actor opencites.Actor, in Input) (*Case, error) {
	return s.create(ctx, actor, in, "")
}

func (s *Service) create(ctx context.Context, actor opencites.Actor, in Input, verificationID string) (*Case, error) {
	authority, err := writeScope(actor)
	if err != nil {
		return nil, err
	}
	row, err := s.validate(ctx, in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	row.Authority, row.VerificationID = authority, verificationID
	row.CreatedAt, row.UpdatedAt, row.CreatedBy, row.UpdatedBy = now, now, actor.UserID, actor.UserID
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit(clause.Associations).Create(row).Error; err != nil {
			return err
		}
		if err := createChildren(tx, row); err != nil {
			return err
		}
		if err := models.ClaimIdempotency(tx, "case", strconv.FormatInt(row.ID, 10)); err != nil {
			return err
		}
		return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "case.create", EntityType: "case", EntityID: strconv.FormatInt(row.ID, 10), After: auditView(row)})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) && verificationID != "" {
		return nil, opencites.Errorf(opencites.KindConflict, "case_exists", "a case was already opened from this verification")
	}
	if err != nil {
		return nil, opencites.AsDomain("create case", err)
	}
	c := caseOf(row, nil)
	s.engine.caseRecorded(c, false)
	if s.onCase != nil {
		s.onCase(ctx, c)
	}
	return c, nil
}

func createChildren(tx *gorm.DB, row *models.Case) error {
	for i := range row.Specimens {
		row.Specimens[i].ID, row.Specimens[i].CaseID = 0, row.ID
	}
	for i := range row.Documents {
		row.Documents[i].ID, row.Documents[i].CaseID = 0, row.ID
	}
	for i := range row.Parties {
		row.Parties[i].ID, row.Parties[i].CaseID = 0, row.ID
	}
	if len(row.Specimens) > 0 {
		if err := tx.Create(&row.Specimens).Error; err != nil {
			return err
		}
	}
	if len(row.Documents) > 0 {
		if err := tx.Create(&row.Documents).Error; err != nil {
			return err
		}
	}
	if len(row.Parties) > 0 {
		if err := tx.Create(&row.Parties).Error; err != nil {
			return err
		}
	}
	return nil
}

// Update replaces a case's fields; photos stay. Only officers of the
// case's authority may; the audit entry holds the case before and after.
// Errors: as Create, and case_not_found (404).
func (s *Service) Update(ctx context.Context, actor opencites.Actor, id int64, in Input) (*Case, error) {
	authority, err := writeScope(actor)
	if err != nil {
		return nil, err
	}
	next, err := s.validate(ctx, in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		prev, err := loadCase(tx, id, authority)
		if err != nil {
			return err
		}
		next.ID, next.Authority, next.VerificationID = prev.ID, prev.Authority, prev.VerificationID
		next.CreatedAt, next.CreatedBy, next.UpdatedAt, next.UpdatedBy = prev.CreatedAt, prev.CreatedBy, now, actor.UserID
		if err := tx.Omit(clause.Associations).Save(next).Error; err != nil {
			return err
		}
		for _, m := range []any{&models.CaseSpecimen{}, &models.CaseDocument{}, &models.CaseParty{}} {
			if err := tx.Where("case_id = ?", id).Delete(m).Error; err != nil {
				return err
			}
		}
		if err := createChildren(tx, next); err != nil {
			return err
		}
		return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "case.update", EntityType: "case", EntityID: strconv.FormatInt(id, 10), Before: auditView(prev), After: auditView(next)})
	})
	if err != nil {
		return nil, opencites.AsDomain("update case", err)
	}
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	s.engine.caseRecorded(c, true)
	return c, nil
}

func errCaseNotFound(id int64) error {
	return opencites.Errorf(opencites.KindNotFound, "case_not_found", "no case %d", id)
}

// loadCase reads a case with its specimens, documents and parties; a case
// outside authority ("" for any) is not found.
func loadCase(tx *gorm.DB, id int64, authority string) (*models.Case, error) {
	q := tx.Preload("Specimens", orderID).Preload("Documents", orderID).Preload("Parties", orderID).Where("id = ?", id)
	if authority != "" {
		q = q.Where("authority = ?", authority)
	}
	var row models.Case
	err := q.Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errCaseNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	return &row, nil
}

func orderID(db *gorm.DB) *gorm.DB { return db.Order("id") }

// Get returns a case the actor may read, with its photos' descriptions.
// Errors: forbidden, authority_required (403), case_not_found (404).
func (s *Service) Get(ctx context.Context, actor opencites.Actor, id int64) (*Case, error) {
	authority, err := readScope(actor)
	if err != nil {
		return nil, err
	}
	row, err := loadCase(s.db.WithContext(ctx), id, authority)
	if err != nil {
		return nil, opencites.AsDomain("get case", err)
	}
	var photos []models.CasePhoto
	if err := s.db.WithContext(ctx).Where("case_id = ?", id).Order("id").Find(&photos).Error; err != nil {
		return nil, opencites.Internal("case photos", err)
	}
	return caseOf(row, photos), nil
}

func caseOf(r *models.Case, photos []models.CasePhoto) *Case {
	c := &Case{ID: r.ID, Authority: r.Authority, OccurredAt: r.OccurredAt.UTC(), Checkpoint: r.Checkpoint, Port: r.Port,
		Latitude: r.Latitude, Longitude: r.Longitude, Concealment: r.Concealment, TransportMode: r.TransportMode,
		OriginCountry: r.OriginCountry, TransitCountries: splitCountries(r.TransitCountries), DestinationCountry: r.DestinationCountry,
		Outcome: r.Outcome, Notes: r.Notes, VerificationID: r.VerificationID, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Specimens: []Specimen{}, Documents: []Document{}, Parties: []Party{}, Photos: []Photo{}}
	for _, sp := range r.Specimens {
		c.Specimens = append(c.Specimens, Specimen{TaxonID: sp.TaxonID, Taxon: sp.Taxon, Appendix: sp.Appendix, Term: sp.Term,
			Quantity: sp.Quantity, Unit: sp.Unit, Description: sp.Description, Source: sp.Source})
	}
	for _, d := range r.Documents {
		c.Documents = append(c.Documents, Document{Number: d.Number, PermitLinked: d.PermitID != nil, PermitAuthority: d.PermitAuthority,
			VerificationID: d.VerificationID, Verdict: d.Verdict})
	}
	for _, p := range r.Parties {
		c.Parties = append(c.Parties, Party{Role: p.Role, Organisation: p.Organisation, Country: p.Country})
	}
	for _, p := range photos {
		c.Photos = append(c.Photos, photoOf(p))
	}
	return c
}

// Input returns the case as an Input, for a partial edit.
func (c *Case) Input() Input {
	in := Input{OccurredAt: c.OccurredAt, Checkpoint: c.Checkpoint, Port: c.Port, Latitude: c.Latitude, Longitude: c.Longitude,
		Concealment: c.Concealment, TransportMode: c.TransportMode, OriginCountry: c.OriginCountry,
		TransitCountries: append([]string{}, c.TransitCountries...), DestinationCountry: c.DestinationCountry,
		Outcome: c.Outcome, Notes: c.Notes}
	for _, sp := range c.Specimens {
		in.Specimens = append(in.Specimens, SpecimenInput{Taxon: sp.Taxon, Term: sp.Term, Quantity: sp.Quantity, Unit: sp.Unit,
			Description: sp.Description, Source: sp.Source})
	}
	for _, d := range c.Documents {
		in.Documents = append(in.Documents, DocumentInput{Number: d.Number, VerificationID: d.VerificationID})
	}
	in.Parties = append(in.Parties, c.Parties...)
	return in
}

// auditView is the case as written into audit entries.
func auditView(r *models.Case) map[string]any {
	c := caseOf(r, nil)
	return map[string]any{"occurred_at": c.OccurredAt, "checkpoint": c.Checkpoint, "port": c.Port, "latitude": c.Latitude,
		"longitude": c.Longitude, "concealment": c.Concealment, "transport_mode": c.TransportMode, "origin_country": c.OriginCountry,
		"transit_countries": c.TransitCountries, "destination_country": c.DestinationCountry, "outcome": c.Outcome, "notes": c.Notes,
		"specimens": c.Specimens, "documents": c.Documents, "parties": c.Parties}
}

// HistoryEntry is one line of a case's audit trail.
type HistoryEntry struct {
	At     time.Time
	Actor  string
	Action string
	Before string // JSON, "" if none
	After  string
}

// History returns the audit trail of a case the actor may read.
// Errors: as Get.
func (s *Service) History(ctx context.Context, actor opencites.Actor, id int64) ([]HistoryEntry, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	var rows []models.AuditEntry
	if err := s.db.WithContext(ctx).Where("entity_type = ? AND entity_id = ?", "case", strconv.FormatInt(id, 10)).
		Order("id").Find(&rows).Error; err != nil {
		return nil, opencites.Internal("case history", err)
	}
	out := make([]HistoryEntry, len(rows))
	for i, r := range rows {
		out[i] = HistoryEntry{At: r.At.UTC(), Actor: r.Actor, Action: r.Action, Before: r.Before, After: r.After}
	}
	return out, nil
}
