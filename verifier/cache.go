//go:build !js

package verifier

import (
	"time"

	"github.com/opencites/opencites/internal/cache"
)

// Cache remembers codes whose signature has verified, so that a code
// scanned again is not verified again. A shipment's permit is scanned many
// times (each crate, each checkpoint, each re-check); the ECDSA check is
// by far the dearest step of a scan, and its answer for the same bytes
// under the same key never changes.
//
// Only what is fixed by the bytes is remembered: the key's status and the
// dates are judged again on every check, so a key marked compromised or an
// expired permit are seen at once. An entry counts only while its kid
// still resolves to the very key that verified it. Forged or garbled codes
// are never remembered, so they cannot fill the cache.
type Cache struct {
	codes *cache.Cache[string, *signedCode]
}

// NewCache returns a cache of verified codes within maxBytes of memory
// (a code of four lines costs about 2 KB).
func NewCache(maxBytes int) *Cache {
	return &Cache{codes: cache.New(maxBytes, codeCost)}
}

// codeCost counts the code's text and its decoded claims.
func codeCost(text string, sc *signedCode) int {
	n := len(text) + 400 + len(sc.kid)
	for _, l := range sc.claims.Lines {
		n += 96 + len(l.Taxon)
	}
	return n
}

// Len is how many codes the cache holds; Bytes their counted size.
func (c *Cache) Len() int   { return c.codes.Len() }
func (c *Cache) Bytes() int { return c.codes.Bytes() }

// CheckToken is the package's CheckToken, answered from the cache when the
// code's signature was verified before.
func (c *Cache) CheckToken(text string, keys KeyLookup, now time.Time) TokenCheck {
	if sc, ok := c.codes.Get(text); ok {
		key, ok := keys(sc.kid)
		if tc := checkKey(sc.kid, key, ok); tc != nil {
			return *tc
		}
		if key.Public.Equal(sc.key.Public) {
			hit := *sc
			hit.key = key // today's status and retirement date
			return checkClaims(hit, now)
		}
	}
	sc, fail := checkSignature(text, keys)
	if fail != nil {
		return *fail
	}
	c.codes.Put(text, &sc)
	return checkClaims(sc, now)
}
