package permits

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/verifier"
)

// StatusListSize is the number of entries of every authority's status
// list. Indexes are drawn at random from it, so the list reveals neither
// the order nor the number of permits; at 4 bits an entry it is 2 MB raw
// and a few KB compressed while most entries are zero.
const StatusListSize = 1 << 22

// List lifetimes: a verifier may use a trust list offline for 48 hours and
// a status list for 24, after which its verdicts are marked stale.
const (
	TrustListTTL  = 48 * time.Hour
	StatusListTTL = 24 * time.Hour
	listRebuild   = 5 * time.Second // how long a built list is served before the database is read again
	listReissue   = time.Hour       // an unchanged list is signed anew after this
)

// drawStatusIndex draws a random status-list index for a new permit. It
// does not look first: the unique index on (authority, status_index)
// refuses the rare collision (one in millions), and Issue draws again.
func drawStatusIndex() (int, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(StatusListSize))
	if err != nil {
		return 0, err
	}
	return int(n.Int64()), nil
}

// Anchor returns the node's trust-anchor key, creating it on first use.
// It signs the trust list and the status lists; verifier apps pin its
// public half (citesd keys anchor). It never signs permits.
func (k *Keyring) Anchor() (*ecdsa.PrivateKey, error) {
	k.anchorMu.Lock()
	defer k.anchorMu.Unlock()
	if k.anchor != nil {
		return k.anchor, nil
	}
	path := filepath.Join(k.dir, "anchor.pem")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(k.dir, 0o700); err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return nil, err
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, fmt.Errorf("write anchor key: %w", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return nil, err
		}
		k.anchor = priv
		return priv, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read anchor key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("anchor key: no PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("anchor key: %w", err)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("anchor key is not ECDSA")
	}
	k.anchor = ec
	return ec, nil
}

// AnchorPublicPEM is the anchor's public key for verifier apps to pin.
func (k *Keyring) AnchorPublicPEM() (string, string, error) {
	a, err := k.Anchor()
	if err != nil {
		return "", "", err
	}
	pemText, err := publicPEM(&a.PublicKey)
	return pemText, verifier.AnchorID(&a.PublicKey), err
}

// signedList is a built, signed list and its ETag.
type signedList struct {
	doc     string
	etag    string
	content string // what was signed, less the times: unchanged content is not re-signed
	signed  time.Time
	checked time.Time
}

type listCache struct {
	mu    sync.Mutex
	lists map[string]*signedList
}

func (c *listCache) get(key string, now time.Time, build func() (content string, sign func() (string, error), err error)) (*signedList, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lists == nil {
		c.lists = map[string]*signedList{}
	}
	cur := c.lists[key]
	if cur != nil && now.Sub(cur.checked) < listRebuild {
		return cur, nil
	}
	content, sign, err := build()
	if err != nil {
		return nil, err
	}
	if cur != nil && cur.content == content && now.Sub(cur.signed) < listReissue {
		cur.checked = now
		return cur, nil
	}
	doc, err := sign()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(doc))
	l := &signedList{doc: doc, etag: `"` + hex.EncodeToString(sum[:16]) + `"`, content: content, signed: now, checked: now}
	c.lists[key] = l
	return l, nil
}

// TrustList returns the signed trust list: every authority this node
// issues for, with the node's keys and their status, and its ETag.
func (s *Service) TrustList(ctx context.Context) (doc, etag string, err error) {
	now := s.now()
	l, err := s.lists.get("trust", now, func() (string, func() (string, error), error) {
		if err := s.keys.Reload(ctx); err != nil {
			return "", nil, opencites.Internal("trust list", err)
		}
		var authorities []string
		if err := s.db.WithContext(ctx).Model(&models.User{}).Distinct("authority").
			Where("role = ? AND authority <> ''", opencites.RoleIssuer).Order("authority").Pluck("authority", &authorities).Error; err != nil {
			return "", nil, opencites.Internal("trust list", err)
		}
		var keys []verifier.TrustedKey
		var seq int64
		for _, k := range s.keys.Keys() {
			x, y := verifier.JWKCoordinates(k.Public)
			tk := verifier.TrustedKey{Kid: k.Kid, Kty: "EC", Crv: "P-256", X: x, Y: y, Status: k.Status, NotBefore: k.CreatedAt.Unix()}
			seq = max(seq, k.CreatedAt.Unix())
			if k.RetiredAt != nil {
				r := k.RetiredAt.Unix()
				tk.RetiredAt = &r
				seq = max(seq, r)
			}
			keys = append(keys, tk)
		}
		c := &verifier.TrustListClaims{Seq: seq}
		for _, a := range authorities {
			c.Authorities = append(c.Authorities, verifier.TrustedAuthority{Authority: a, Keys: keys})
		}
		content := fmt.Sprintf("%+v", c.Authorities)
		return content, func() (string, error) {
			anchor, err := s.keys.Anchor()
			if err != nil {
				return "", err
			}
			c.Issuer = "opencites"
			c.IssuedAt = jwt.NewNumericDate(now)
			c.ExpiresAt = jwt.NewNumericDate(now.Add(TrustListTTL))
			return verifier.SignTrustList(c, anchor)
		}, nil
	})
	if err != nil {
		return "", "", opencites.AsDomain("trust list", err)
	}
	return l.doc, l.etag, nil
}

// StatusList returns an authority's signed status list and its ETag.
// Errors: invalid_authority.
func (s *Service) StatusList(ctx context.Context, authority string) (doc, etag string, err error) {
	if !ValidCountry(authority) {
		return "", "", opencites.Errorf(opencites.KindNotFound, "invalid_authority", "no status list for %q", authority)
	}
	now := s.now()
	l, err := s.lists.get("status/"+authority, now, func() (string, func() (string, error), error) {
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
			c.ExpiresAt = jwt.NewNumericDate(now.Add(StatusListTTL))
			return verifier.SignStatusList(c, anchor)
		}, nil
	})
	if err != nil {
		return "", "", opencites.AsDomain("status list", err)
	}
	return l.doc, l.etag, nil
}
