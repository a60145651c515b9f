package permits

import (
	"context"
	"crypto/rand"
	"math/big"

	"github.com/golang-jwt/jwt/v5"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/keys"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/verifier"
)

// StatusListSize is the number of entries of every authority's status
// list. Indexes are drawn at random from it, so the list reveals neither
// the order nor the number of permits; at 4 bits an entry it is 2 MB raw
// and a few KB compressed while most entries are zero.
const StatusListSize = 1 << 22

// drawStatusIndex draws a random status-list index for a new permit. It
// does not look first: the unique index on (authority, status_index)
// refuses a collision, and Issue draws again. A collision is as likely as
// the share of the list already taken: one issue in 400 at 10,000 permits,
// one in four at a million (each then costs a retried transaction).
func drawStatusIndex() (int, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(StatusListSize))
	if err != nil {
		return 0, err
	}
	return int(n.Int64()), nil
}

// StatusList returns an authority's signed status list and its ETag.
// Errors: invalid_authority.
func (s *Service) StatusList(ctx context.Context, authority string) (doc, etag string, err error) {
	if !opencites.ValidCountry(authority) {
		return "", "", opencites.Errorf(opencites.KindNotFound, "invalid_authority", "no status list for %q", authority)
	}
	now := s.now()
	l, err := s.lists.Get("status/"+authority, now, func() (string, func() (string, error), error) {
		var rows []struct {
			StatusIndex int
			Status      string
		}
		if err := s.db.WithContext(ctx).Model(&models.Permit{}).Select("status_index", "status").
			Where("authority = ? AND status <> ? AND status_index IS NOT NULL", authority, StatusIssued).Find(&rows).Error; err != nil {
			return "", nil, opencites.Internal("status list", err)
		}
		entries := make(map[int]uint8, len(rows))
		for _, r := range rows {
			if v, ok := statusValue[r.Status]; ok {
				entries[r.StatusIndex] = v
			}
		}
		lst, err := verifier.EncodeStatusList(entries, StatusListSize)
		if err != nil {
			return "", nil, opencites.Internal("status list", err)
		}
		return lst, func() (string, error) {
			anchor, err := s.keys.Anchor()
			if err != nil {
				return "", err
			}
			c := &verifier.StatusListClaims{Authority: authority, Bits: verifier.StatusBits, Size: StatusListSize, List: lst}
			c.Issuer = "opencites"
			c.IssuedAt = jwt.NewNumericDate(now)
			c.ExpiresAt = jwt.NewNumericDate(now.Add(keys.StatusListTTL))
			return verifier.SignStatusList(c, anchor)
		}, nil
	})
	if err != nil {
		return "", "", opencites.AsDomain("status list", err)
	}
	return l.Doc, l.ETag, nil
}

// JWKS returns the public keys that still verify a live permit: every
// active key, and retired keys that signed a permit not yet expired.
func (s *Service) JWKS(ctx context.Context) ([]keys.JWK, error) {
	now := s.now()
	var live []string
	if err := s.db.WithContext(ctx).Model(&models.Permit{}).Distinct("key_id").
		Where("valid_until > ?", now).Pluck("key_id", &live).Error; err != nil {
		return nil, opencites.Internal("jwks", err)
	}
	signedLive := map[string]bool{}
	for _, kid := range live {
		signedLive[kid] = true
	}
	out := []keys.JWK{}
	for _, key := range s.keys.Keys() {
		if key.Status == verifier.KeyActive || (key.Status == verifier.KeyRetired && signedLive[key.Kid]) {
			out = append(out, keys.JWKOf(key))
		}
	}
	return out, nil
}
