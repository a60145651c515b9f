package cases

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image/jpeg"
	_ "image/png" // decode PNG photos
	"strconv"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	qrscan "github.com/opencites/opencites/scan"
	"gorm.io/gorm"
)

// Photo limits.
const (
	MaxPhotoBytes  = 20 << 20 // 20 MiB
	MaxPhotoPixels = 60e6     // refuses decompression bombs before decoding
	ThumbSize      = 256      // the thumbnail's longer side, in pixels
	// PhotoWait bounds the time a photo waits for its turn to be decoded
	// (the server's decode memory is shared) before AddPhoto gives up with
	// an error wrapping scan.ErrBusy.
	PhotoWait = 30 * time.Second
)

// PhotoKinds say what a photo shows.
var PhotoKinds = []string{"goods", "document", "other"}

// ErrPhotoNotFound is returned by a PhotoStore for a key it does not hold.
var ErrPhotoNotFound = errors.New("cases: photo not found")

// PhotoStore keeps the bytes of photos and thumbnails by key. Keys are
// random hex strings the Service makes.
type PhotoStore interface {
	Put(ctx context.Context, key string, data []byte) error
	Get(ctx context.Context, key string) ([]byte, error)
	Delete(ctx context.Context, key string) error
}

// DBStore keeps photos in the registry database (table case_blobs): one
// thing to back up, fine for thousands of photos.
type DBStore struct{ db *gorm.DB }

// NewDBStore returns a store in db.
func NewDBStore(db *gorm.DB) *DBStore { return &DBStore{db: db} }

// Put stores data under key.
func (s *DBStore) Put(ctx context.Context, key string, data []byte) error {
	return s.db.WithContext(ctx).Create(&models.CaseBlob{Key: key, Data: data, CreatedAt: time.Now().UTC()}).Error
}

// Get returns the data under key, or ErrPhotoNotFound.
func (s *DBStore) Get(ctx context.Context, key string) ([]byte, error) {
	var b models.CaseBlob
	err := s.db.WithContext(ctx).Where(&models.CaseBlob{Key: key}).Take(&b).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrPhotoNotFound
	}
	return b.Data, err
}

// Delete removes key.
func (s *DBStore) Delete(ctx context.Context, key string) error {
	return s.db.WithContext(ctx).Where(&models.CaseBlob{Key: key}).Delete(&models.CaseBlob{}).Error
}

// Photo describes a stored photo of a case.
type Photo struct {
	ID          int64
	Kind        string
	ContentType string
	Size        int64
	SHA256      string
	Width       int
	Height      int
	CreatedAt   time.Time
}

func photoOf(p models.CasePhoto) Photo {
	return Photo{ID: p.ID, Kind: p.Kind, ContentType: p.ContentType, Size: p.Size, SHA256: p.SHA256, Width: p.Width,
		Height: p.Height, CreatedAt: p.CreatedAt.UTC()}
}

// sniffPhoto accepts JPEG and PNG by their first bytes, whatever the client
// claims.
func sniffPhoto(b []byte) (string, bool) {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg", true
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", true
	}
	return "", false
}

// thumbnail checks a photo by decoding it whole, within the server's
// decode memory (scan.DefaultPool, shared with scans and attachments), and
// returns it scaled so that its longer side is at most ThumbSize, as JPEG.
// A PNG is reduced row by row; a camera's JPEG is read block by block and
// scaled from the blocks' means (scan.Thumbnail), its cost budgeted.
func thumbnail(ctx context.Context, data []byte) ([]byte, qrscan.Info, error) {
	ctx, cancel := context.WithTimeout(ctx, PhotoWait)
	defer cancel()
	img, info, err := qrscan.Thumbnail(ctx, data, ThumbSize, qrscan.Options{MaxPixels: MaxPhotoPixels})
	var se *qrscan.Error
	switch {
	case errors.Is(err, qrscan.ErrBusy):
		return nil, info, fmt.Errorf("cases: photo: %w", err)
	case errors.As(err, &se) && se.Code == qrscan.ImageTooLarge:
		return nil, info, opencites.Errorf(opencites.KindInvalid, "photo_too_large", "the photo has too many pixels: at most %d megapixels and %d pixels a side", int(MaxPhotoPixels/1e6), qrscan.MaxSide)
	case err != nil:
		return nil, info, opencites.Invalid("invalid_photo", "the photo cannot be read as an image")
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		return nil, info, opencites.Internal("thumbnail", err)
	}
	return buf.Bytes(), info, nil
}

func newKey() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// AddPhoto stores a JPEG or PNG photo of the goods or the documents of a
// case, with a thumbnail. Officers of the case's authority may.
//
// The photo is decoded whole (a file cut short is invalid_photo), in the
// server's shared decode memory; when that stays taken for PhotoWait the
// error wraps scan.ErrBusy.
//
// Errors: forbidden, authority_required (403), case_not_found (404),
// invalid_photo_kind, unsupported_photo, invalid_photo, photo_too_large
// (422).
func (s *Service) AddPhoto(ctx context.Context, actor opencites.Actor, caseID int64, kind string, data []byte) (Photo, error) {
	authority, err := writeScope(actor)
	if err != nil {
		return Photo{}, err
	}
	if kind == "" {
		kind = "goods"
	}
	if !oneOf(kind, PhotoKinds) {
		return Photo{}, opencites.Invalid("invalid_photo_kind", "kind must be one of goods, document, other")
	}
	if len(data) > MaxPhotoBytes {
		return Photo{}, opencites.Errorf(opencites.KindInvalid, "photo_too_large", "the photo is larger than 20 MB")
	}
	ct, ok := sniffPhoto(data)
	if !ok {
		return Photo{}, opencites.Invalid("unsupported_photo", "send a JPEG or PNG photo")
	}
	if _, err := loadCase(s.db.WithContext(ctx), caseID, authority); err != nil {
		return Photo{}, opencites.AsDomain("photo case", err)
	}
	thumb, info, err := thumbnail(ctx, data)
	if err != nil {
		return Photo{}, err
	}
	sum := sha256.Sum256(data)
	now := s.now()
	row := models.CasePhoto{CaseID: caseID, Kind: kind, ContentType: ct, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		Width: info.Width, Height: info.Height, StorageKey: newKey(), ThumbKey: newKey(), CreatedAt: now, CreatedBy: actor.UserID}
	if err := s.photos.Put(ctx, row.StorageKey, data); err != nil {
		return Photo{}, opencites.Internal("store photo", err)
	}
	if err := s.photos.Put(ctx, row.ThumbKey, thumb); err != nil {
		_ = s.photos.Delete(ctx, row.StorageKey)
		return Photo{}, opencites.Internal("store thumbnail", err)
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "case.photo.add", EntityType: "case", EntityID: strconv.FormatInt(caseID, 10), After: map[string]any{"photo": row.ID, "kind": kind, "sha256": row.SHA256, "size": row.Size}})
	})
	if err != nil {
		_ = s.photos.Delete(ctx, row.StorageKey)
		_ = s.photos.Delete(ctx, row.ThumbKey)
		return Photo{}, opencites.Internal("add photo", err)
	}
	return photoOf(row), nil
}

// PhotoData returns a photo of a case the actor may read, or its
// thumbnail (always JPEG). Errors: as Get, and photo_not_found (404).
func (s *Service) PhotoData(ctx context.Context, actor opencites.Actor, caseID, photoID int64, thumb bool) (Photo, []byte, error) {
	authority, err := readScope(actor)
	if err != nil {
		return Photo{}, nil, err
	}
	if _, err := loadCase(s.db.WithContext(ctx), caseID, authority); err != nil {
		return Photo{}, nil, opencites.AsDomain("photo case", err)
	}
	var row models.CasePhoto
	err = s.db.WithContext(ctx).Where("id = ? AND case_id = ?", photoID, caseID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Photo{}, nil, opencites.Errorf(opencites.KindNotFound, "photo_not_found", "no photo %d in case %d", photoID, caseID)
	}
	if err != nil {
		return Photo{}, nil, opencites.Internal("read photo", err)
	}
	key := row.StorageKey
	p := photoOf(row)
	if thumb {
		key, p.ContentType = row.ThumbKey, "image/jpeg"
	}
	data, err := s.photos.Get(ctx, key)
	if err != nil {
		return Photo{}, nil, opencites.Internal("load photo", err)
	}
	return p, data, nil
}
