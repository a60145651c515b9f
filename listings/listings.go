package listings

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/species"
	"gorm.io/gorm"
)

// Store keeps the versions of the CITES listing and the one in force.
type Store struct {
	db  *gorm.DB
	now func() time.Time
	ref atomic.Pointer[species.Reference]
}

// New returns the store with the embedded listing in force until Refresh
// finds a newer stored one.
func New(db *gorm.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	s := &Store{db: db, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
	s.ref.Store(species.Default())
	return s
}

// Current returns the species reference in force.
func (s *Store) Current() *species.Reference { return s.ref.Load() }

// Use puts a reference in force (tests, and a node given its own list).
func (s *Store) Use(ref *species.Reference) { s.ref.Store(ref) }

// Listing is one stored version of the species listing.
type Listing struct {
	Version    string
	Effective  time.Time
	Source     string
	ImportedAt time.Time
	ImportedBy string
	Taxa       int
	InForce    bool
}

// Import stores a newer CITES listing (the CSV of species.FromCSV)
// without a rebuild, keeping every earlier one. It takes effect on its
// effective date; permits keep the appendix recorded at issue.
// Errors: forbidden, invalid_listing, listing_exists.
func (s *Store) Import(ctx context.Context, actor opencites.Actor, r io.Reader, version string, effective time.Time, source string) (Listing, error) {
	if err := opencites.RequireRole(actor, opencites.RoleAdmin); err != nil {
		return Listing{}, err
	}
	ref, data, err := species.FromCSV(r, strings.TrimSpace(version), effective.UTC(), source)
	if err != nil {
		return Listing{}, &opencites.Error{Kind: opencites.KindInvalid, Code: "invalid_listing", Message: err.Error()}
	}
	now := s.now()
	row := models.SpeciesListing{Version: ref.Version(), Effective: ref.Effective(), Source: source, Data: string(data),
		ImportedAt: now, ImportedBy: actor.Username}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "species.import", EntityType: "species_listing", EntityID: row.Version, After: map[string]any{"version": row.Version, "effective": row.Effective.Format(time.DateOnly), "taxa": len(ref.Taxa())}})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return Listing{}, opencites.Errorf(opencites.KindConflict, "listing_exists", "a listing %q is already stored", row.Version)
	}
	if err != nil {
		return Listing{}, opencites.Internal("import listing", err)
	}
	if _, err := s.Refresh(ctx); err != nil {
		return Listing{}, err
	}
	return Listing{Version: row.Version, Effective: row.Effective, Source: source, ImportedAt: now,
		ImportedBy: actor.Username, Taxa: len(ref.Taxa()), InForce: s.Current().Version() == row.Version}, nil
}

// Refresh puts in force the newest stored listing whose effective
// date has come, if it is newer than the one in use (the embedded listing
// counts as stored). It reports whether the listing changed.
func (s *Store) Refresh(ctx context.Context) (bool, error) {
	var row models.SpeciesListing
	err := s.db.WithContext(ctx).Where("effective <= ?", s.now()).Order("effective DESC, id DESC").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	if err != nil {
		return false, opencites.Internal("read listing", err)
	}
	cur := s.Current()
	if row.Version == cur.Version() || !row.Effective.After(species.Default().Effective()) && cur == species.Default() {
		return false, nil
	}
	ref, err := species.Load(bytes.NewReader([]byte(row.Data)))
	if err != nil {
		return false, opencites.Internal("load stored listing "+row.Version, err)
	}
	s.ref.Store(ref)
	return true, nil
}

// List lists the stored listings, newest first, with the embedded one.
func (s *Store) List(ctx context.Context) ([]Listing, error) {
	var rows []models.SpeciesListing
	if err := s.db.WithContext(ctx).Order("effective DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, opencites.Internal("list listings", err)
	}
	cur := s.Current().Version()
	var out []Listing
	for _, r := range rows {
		out = append(out, Listing{Version: r.Version, Effective: r.Effective.UTC(), Source: r.Source, ImportedAt: r.ImportedAt.UTC(),
			ImportedBy: r.ImportedBy, InForce: r.Version == cur})
	}
	d := species.Default()
	out = append(out, Listing{Version: d.Version(), Effective: d.Effective(), Source: "embedded", Taxa: len(d.Taxa()), InForce: d.Version() == cur})
	return out, nil
}
