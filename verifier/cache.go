package verifier

import (
	"sync"
	"time"
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
	mu       sync.Mutex
	cur, old map[string]*signedCode
	size     int
}

// NewCache returns a cache of about size codes (at least 1). Memory is
// about 2 KB a code.
func NewCache(size int) *Cache {
	size = max(size/2, 1)
	return &Cache{cur: make(map[string]*signedCode), old: map[string]*signedCode{}, size: size}
}

// CheckToken is the package's CheckToken, answered from the cache when the
// code's signature was verified before.
func (c *Cache) CheckToken(text string, keys KeyLookup, now time.Time) TokenCheck {
	if sc := c.get(text); sc != nil {
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
	c.put(text, &sc)
	return checkClaims(sc, now)
}

// get finds a code, moving it to the current generation when it was found
// in the old one: entries scanned recently survive, the rest age out.
func (c *Cache) get(text string) *signedCode {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sc, ok := c.cur[text]; ok {
		return sc
	}
	sc, ok := c.old[text]
	if ok {
		c.add(text, sc)
	}
	return sc
}

func (c *Cache) put(text string, sc *signedCode) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.add(text, sc)
}

// add stores into the current generation; a full generation becomes the
// old one, and the old one is dropped.
func (c *Cache) add(text string, sc *signedCode) {
	if len(c.cur) >= c.size {
		c.old, c.cur = c.cur, make(map[string]*signedCode, c.size)
	}
	c.cur[text] = sc
}
