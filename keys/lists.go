package keys

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/verifier"
)

// List lifetimes: a verifier may use a trust list offline for 48 hours and
// a status list for 24, after which its verdicts are marked stale.
const (
	TrustListTTL  = 48 * time.Hour
	StatusListTTL = 24 * time.Hour
	listRebuild   = 5 * time.Second // how long a built list is served before the database is read again
	listReissue   = time.Hour       // an unchanged list is signed anew after this
)

// TrustList returns the signed trust list: every authority this node
// issues for, with the node's keys and their status, and its ETag.
func (k *Keyring) TrustList(ctx context.Context) (doc, etag string, err error) {
	now := k.now().UTC()
	l, err := k.lists.Get("trust", now, func() (string, func() (string, error), error) {
		if err := k.Reload(ctx); err != nil {
			return "", nil, opencites.Internal("trust list", err)
		}
		var authorities []string
		var err error
		if k.authorities != nil {
			authorities, err = k.authorities(ctx)
		}
		if err != nil {
			return "", nil, err
		}
		var keys []verifier.TrustedKey
		var seq int64
		for _, k := range k.Keys() {
			x, y := verifier.JWKCoordinates(k.Public)
			tk := verifier.TrustedKey{Kid: k.Kid, Kty: "EC", Crv: "P-256", X: x, Y: y, Status: k.Status, NotBefore: k.ActivatesAt.Unix()}
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
			anchor, err := k.Anchor()
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
	return l.Doc, l.ETag, nil
}

// SignedList is a built, signed list and its ETag.
type SignedList struct {
	Doc     string
	ETag    string
	content string // what was signed, less the times: unchanged content is not re-signed
	signed  time.Time
	checked time.Time
}

// Lists serves signed lists (the trust list, the status lists): a list is
// rebuilt from the database at most every few seconds, and signed anew
// only when its content changed or an hour has passed, so a busy
// verifier's polling costs neither queries nor signatures.
type Lists struct {
	mu    sync.Mutex
	lists map[string]*SignedList
}

// Get returns the list named key, building it with build when it is older
// than the rebuild interval; build returns the list's content (without its
// times) and a function that signs it.
func (c *Lists) Get(key string, now time.Time, build func() (content string, sign func() (string, error), err error)) (*SignedList, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lists == nil {
		c.lists = map[string]*SignedList{}
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
	l := &SignedList{Doc: doc, ETag: `"` + hex.EncodeToString(sum[:16]) + `"`, content: content, signed: now, checked: now}
	c.lists[key] = l
	return l, nil
}
