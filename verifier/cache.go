//go:build !js

package verifier

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/opencites/opencites/internal/cache"
	"github.com/opencites/opencites/verifier/internal/p256table"
)

// Cache remembers codes whose signature has verified, so that a code
// scanned again is not verified again. A shipment's permit is scanned many
// times (each crate, each checkpoint, each re-check); the ECDSA check is
// by far the dearest step of a scan, and its answer for the same bytes
// under the same key never changes.
//
// A code is remembered at its second check (cache.NewAdmitting): most
// codes of a large registry are scanned once, and remembering them would
// push out the ones scanned again and again.
//
// Only what is fixed by the bytes is remembered: the key's status and the
// dates are judged again on every check, so a key marked compromised or an
// expired permit are seen at once. An entry counts only while its kid
// still resolves to the very key that verified it. Forged or garbled codes
// are never remembered, so they cannot fill the cache.
//
// A code new to the cache is verified with its key's precomputed table
// (package p256table, twice as fast as crypto/ecdsa) once the key has
// signed enough of the codes checked to pay for the table.
type Cache struct {
	codes  *cache.Cache[string, *signedCode]
	tables *cache.Cache[string, *p256table.PublicKey] // by the key's encoding

	mu     sync.Mutex
	checks map[string]int // codes checked with crypto/ecdsa, by key, while it has no table
}

// Key tables: a table costs about as much to build as tableAfter checks
// without it, so a key gets one at its tableAfter-th check (ski rental:
// a key that signs few codes never costs more than twice what crypto/ecdsa
// would). The tables of the tableKeys keys used most recently are kept;
// checks counts at most countedKeys keys before it starts again.
const (
	tableAfter  = 40
	tableKeys   = 4
	countedKeys = 64
	tableCost   = p256table.TableBytes + 65 // with its key's encoding
	tablesBytes = tableKeys * (tableCost + cache.EntryOverhead)
)

// NewCache returns a cache of verified codes within maxBytes of memory
// (a code of four lines costs about 2 KB). Of maxBytes, a quarter and at
// most about 1.6 MB (tableKeys keys' tables) goes to key tables; a budget
// under 1.6 MB keeps one key's table (405 KB) besides.
func NewCache(maxBytes int) *Cache {
	tb := min(maxBytes/4, tablesBytes)
	return &Cache{
		codes:  cache.NewAdmitting(maxBytes-tb, codeCost),
		tables: cache.NewSmall(max(tb, tableCost+cache.EntryOverhead), func(string, *p256table.PublicKey) int { return tableCost }),
		checks: make(map[string]int),
	}
}

// verifyES256 checks a signature with the key's table, building the table
// at the key's tableAfter-th check.
func (c *Cache) verifyES256(pub *PublicKey, signingInput string, sig []byte) bool {
	enc, err := pub.Bytes()
	if err != nil {
		return false
	}
	id := string(enc)
	t, ok := c.tables.Get(id)
	if !ok {
		if !c.due(id) {
			return verifyES256(pub, signingInput, sig)
		}
		if t, err = p256table.New(pub); err != nil {
			return verifyES256(pub, signingInput, sig)
		}
		c.tables.Put(id, t)
	}
	return t.Verify(sha256.Sum256([]byte(signingInput)), sig)
}

// due counts a check with key id and reports whether it is the one that
// builds the key's table.
func (c *Cache) due(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.checks) >= countedKeys {
		clear(c.checks)
	}
	c.checks[id]++
	if c.checks[id] < tableAfter {
		return false
	}
	delete(c.checks, id)
	return true
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
	sc, fail := checkSignature(text, keys, c.verifyES256)
	if fail != nil {
		return *fail
	}
	c.codes.Put(text, &sc)
	return checkClaims(sc, now)
}
