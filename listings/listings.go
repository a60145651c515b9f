package listings

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"runtime/debug"
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
	// Counts are what the import read (taxa by rank, synonyms, common
	// names by language); Unchanged is set when the same file was stored
	// already and nothing changed.
	Counts    *species.Counts
	Unchanged bool
}

// MaxListingFile bounds an imported file; the full Species+ export is
// about 85 MB.
const MaxListingFile = 128 << 20

// Import stores a newer CITES listing, read from the file as a Management
// Authority downloads it: the Species+ "Index of CITES Species" CSV
// export, or the registry's own CSV (species.Parse tells them by their
// header). Every earlier listing is kept; the new one takes effect on its
// effective date, and permits keep the appendix recorded at issue. It is
// one transaction: a broken file (the line and column named) changes
// nothing, and the same file imported again changes nothing either.
// Errors: forbidden, invalid_listing, version_required, listing_exists.
func (s *Store) Import(ctx context.Context, actor opencites.Actor, r io.Reader, version string, effective time.Time, source string) (Listing, error) {
	if err := opencites.RequireRole(actor, opencites.RoleAdmin); err != nil {
		return Listing{}, err
	}
	version, source = strings.TrimSpace(version), strings.TrimSpace(source)
	if version == "" {
		return Listing{}, opencites.Invalid("version_required", "name the listing's version, e.g. 2025-CoP20")
	}
	if err := opencites.CheckLen("version", version, 100); err != nil {
		return Listing{}, err
	}
	if err := opencites.CheckLen("source", source, 500); err != nil {
		return Listing{}, err
	}
	h := sha256.New()
	tee := io.TeeReader(r, h)
	ref, data, err := species.Parse(tee, version, effective.UTC(), source)
	if err != nil {
		return Listing{}, invalidListing(err)
	}
	// Parse may stop at the end of the table: hash what follows too.
	if _, err := io.Copy(h, io.LimitReader(r, MaxListingFile)); err != nil {
		return Listing{}, invalidListing(err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	var same models.SpeciesListing
	err = s.db.WithContext(ctx).Select("version", "effective", "source", "imported_at", "imported_by").
		Where("sha256 = ?", sum).Order("id").Take(&same).Error
	if err == nil {
		counts := ref.Counts()
		return Listing{Version: same.Version, Effective: same.Effective.UTC(), Source: same.Source, ImportedAt: same.ImportedAt.UTC(),
			ImportedBy: same.ImportedBy, Taxa: ref.Len(), InForce: s.Current().Version() == same.Version, Counts: &counts, Unchanged: true}, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return Listing{}, opencites.Internal("find listing", err)
	}
	now := s.now()
	counts := ref.Counts()
	row := models.SpeciesListing{Version: ref.Version(), Effective: ref.Effective(), Source: source, Data: string(data), SHA256: sum,
		ImportedAt: now, ImportedBy: actor.Username}
	data = nil
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "species.import", EntityType: "species_listing", EntityID: row.Version,
			After: map[string]any{"version": row.Version, "effective": row.Effective.Format(time.DateOnly), "sha256": sum, "counts": counts}})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return Listing{}, opencites.Errorf(opencites.KindConflict, "listing_exists", "a listing %q is already stored", row.Version)
	}
	if err != nil {
		return Listing{}, opencites.Internal("import listing", err)
	}
	// The list just parsed is the one to put in force when it is due now:
	// reading it back from the database would hold two copies at once.
	if !row.Effective.After(now) && !row.Effective.Before(s.Current().Effective()) {
		s.ref.Store(ref.Overlay(species.Default()))
	} else if _, err := s.Refresh(ctx); err != nil {
		return Listing{}, err
	}
	ref = nil
	debug.FreeOSMemory() // an import's parse is garbage now: give it back
	return Listing{Version: row.Version, Effective: row.Effective, Source: source, ImportedAt: now,
		ImportedBy: actor.Username, Taxa: counts.Taxa, InForce: s.Current().Version() == row.Version, Counts: &counts}, nil
}

// invalidListing turns a parse error into invalid_listing: its message
// names the line and the column of a broken file.
func invalidListing(err error) error {
	return &opencites.Error{Kind: opencites.KindInvalid, Code: "invalid_listing", Message: err.Error(), Err: err}
}

// Refresh puts in force the newest stored listing whose effective
// date has come, if it is newer than the one in use (the embedded listing
// counts as stored). It reports whether the listing changed. The starter
// list's Russian and Kyrgyz names, identification hints and risk notes are
// laid over an imported list (species.Overlay), so no import loses them.
func (s *Store) Refresh(ctx context.Context) (bool, error) {
	var row models.SpeciesListing
	// The list itself (megabytes) is read only when it comes into force.
	err := s.db.WithContext(ctx).Select("id", "version", "effective").Where("effective <= ?", s.now()).
		Order("effective DESC, id DESC").Take(&row).Error
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
	var data string
	if err := s.db.WithContext(ctx).Model(&models.SpeciesListing{}).Where("id = ?", row.ID).Pluck("data", &data).Error; err != nil {
		return false, opencites.Internal("read listing", err)
	}
	ref, err := species.Load(strings.NewReader(data))
	if err != nil {
		return false, opencites.Internal("load stored listing "+row.Version, err)
	}
	s.ref.Store(ref.Overlay(species.Default()))
	data, ref = "", nil
	// Loading held the stored text, the loaded list and the overlaid one
	// at once; give what is garbage now back to the system at once rather
	// than when the scavenger gets to it.
	debug.FreeOSMemory()
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
	out = append(out, Listing{Version: d.Version(), Effective: d.Effective(), Source: "embedded", Taxa: d.Len(), InForce: d.Version() == cur})
	return out, nil
}
