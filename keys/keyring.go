package keys

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/verifier"
	"gorm.io/gorm"
)

// Key is one ES256 signing key. The private half is loaded from the data
// directory only on the node that signs; it is never stored in the database
// nor sent anywhere.
type Key struct {
	Kid       string
	Status    string
	CreatedAt time.Time
	// ActivatesAt is when the key starts signing: a rotation publishes the
	// new key first and switches every replica at this instant, the old
	// key's RetiredAt.
	ActivatesAt time.Time
	RetiredAt   *time.Time
	Public      *ecdsa.PublicKey
	private     *ecdsa.PrivateKey
}

// SignsAt reports whether the key may sign at t: not compromised, already
// active, and not yet retired. A retired key verifies what it signed
// before RetiredAt; so that a permit's time of issue and its key always
// agree, online and offline, nothing is signed at or after it.
func (key *Key) SignsAt(t time.Time) bool {
	return key.Status != verifier.KeyCompromised && !t.Before(key.ActivatesAt) &&
		(key.RetiredAt == nil || t.Before(*key.RetiredAt))
}

// Keyring holds the registry's signing keys: the public halves from the
// database (so every replica sees a rotation) and the private halves from
// DataDir/keys.
type Keyring struct {
	db  *gorm.DB
	dir string
	now func() time.Time

	mu       sync.RWMutex
	keys     map[string]*Key
	loadedAt time.Time
	refresh  time.Duration // Watch's interval; Signer reloads when older

	anchorMu sync.Mutex
	anchor   *ecdsa.PrivateKey

	lists       Lists
	authorities func(context.Context) ([]string, error)
}

// SetAuthorities tells the keyring which authorities its keys sign for
// (those with an issuer on this node), for the trust list. Call it before
// serving; without it the trust list names no authority.
func (k *Keyring) SetAuthorities(f func(context.Context) ([]string, error)) { k.authorities = f }

// Open loads the keys stored in db, with private keys from dataDir.
func Open(ctx context.Context, db *gorm.DB, dataDir string, now func() time.Time) (*Keyring, error) {
	k := &Keyring{db: db, dir: filepath.Join(dataDir, "keys"), now: now}
	if err := k.Reload(ctx); err != nil {
		return nil, err
	}
	return k, nil
}

// Reload reads the key table again, picking up rotations made by other
// processes.
func (k *Keyring) Reload(ctx context.Context) error {
	var rows []models.SigningKey
	if err := k.db.WithContext(ctx).Find(&rows).Error; err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	keys := make(map[string]*Key, len(rows))
	k.mu.RLock()
	old := k.keys
	k.mu.RUnlock()
	for _, r := range rows {
		pub, err := parsePublicPEM(r.PublicKey)
		if err != nil {
			return fmt.Errorf("signing key %s: %w", r.Kid, err)
		}
		key := &Key{Kid: r.Kid, Status: r.Status, CreatedAt: r.CreatedAt.UTC(), ActivatesAt: r.CreatedAt.UTC(), RetiredAt: utcPtr(r.RetiredAt), Public: pub}
		if r.ActivatesAt != nil {
			key.ActivatesAt = r.ActivatesAt.UTC()
		}
		if prev, ok := old[r.Kid]; ok && prev.private != nil {
			key.private = prev.private
		} else if r.Status != verifier.KeyCompromised {
			priv, err := k.readPrivate(r.Kid)
			if err == nil && priv.PublicKey.Equal(pub) {
				key.private = priv
			}
		}
		keys[r.Kid] = key
	}
	k.mu.Lock()
	k.keys = keys
	k.loadedAt = time.Now()
	k.mu.Unlock()
	return nil
}

// Lookup returns the key with this kid; on a miss it reloads the table at
// most once a second, so a key rotated on another replica verifies here too.
func (k *Keyring) Lookup(ctx context.Context, kid string) (*Key, bool) {
	k.mu.RLock()
	key, ok := k.keys[kid]
	stale := time.Since(k.loadedAt) > time.Second
	k.mu.RUnlock()
	if ok || !stale {
		return key, ok
	}
	if err := k.Reload(ctx); err != nil {
		return nil, false
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	key, ok = k.keys[kid]
	return key, ok
}

// Signer returns the key this node signs with now: of the keys that sign
// at this instant (SignsAt) and whose private half this node holds, the
// one activated last. Issuing checks the choice again inside its
// transaction (CheckSigner), since another replica may have rotated since
// this one last reloaded.
func (k *Keyring) Signer(ctx context.Context) (*Key, error) {
	k.mu.RLock()
	stale := time.Since(k.loadedAt) > k.refreshEvery()
	k.mu.RUnlock()
	if stale {
		if err := k.Reload(ctx); err != nil {
			return nil, opencites.Internal("reload keys", err)
		}
	}
	now := k.now().UTC()
	k.mu.RLock()
	defer k.mu.RUnlock()
	var best, orphan *Key
	for _, key := range k.keys {
		if !key.SignsAt(now) {
			continue
		}
		if key.private == nil {
			orphan = key
			continue
		}
		if best == nil || key.ActivatesAt.After(best.ActivatesAt) {
			best = key
		}
	}
	if best == nil {
		err := errors.New("no active signing key: run `citesd keys rotate`")
		if orphan != nil {
			err = fmt.Errorf("active key %s has no private key in %s: copy the data directory from the node that made it, or run `citesd keys rotate`", orphan.Kid, k.dir)
		}
		return nil, &opencites.Error{Kind: opencites.KindInternal, Code: "no_signing_key", Message: "no active signing key", Err: err}
	}
	return best, nil
}

// ErrSignerChanged is what CheckSigner returns when the key chosen to sign
// no longer signs at the permit's time of issue: a rotation or a
// compromise committed since the keyring last reloaded. Reload and sign
// again.
var ErrSignerChanged = errors.New("keys: the signing key changed")

// CheckSigner reads the signing key's row inside tx, the issuing
// transaction, and returns ErrSignerChanged unless it signs at t. A
// rotation sets the old key's retirement in the future (RotationDelay), so
// a permit that passes here, even one committed after a rotation, was
// signed before its key retired.
func CheckSigner(tx *gorm.DB, kid string, t time.Time) error {
	var row models.SigningKey
	if err := tx.Where("kid = ?", kid).Take(&row).Error; err != nil {
		return fmt.Errorf("check signing key %s: %w", kid, err)
	}
	key := Key{Status: row.Status, ActivatesAt: row.CreatedAt, RetiredAt: row.RetiredAt}
	if row.ActivatesAt != nil {
		key.ActivatesAt = *row.ActivatesAt
	}
	if !key.SignsAt(t) {
		return ErrSignerChanged
	}
	return nil
}

// SetRefresh says how often this keyring is reread (registry rereads it
// on that timer, so that a rotation, a retirement or a compromise made by
// any process takes effect here within it); Signer rereads a keyring
// older than that itself.
func (k *Keyring) SetRefresh(interval time.Duration) {
	k.mu.Lock()
	k.refresh = interval
	k.mu.Unlock()
}

func (k *Keyring) refreshEvery() time.Duration {
	if k.refresh > 0 {
		return k.refresh
	}
	return DefaultRefresh
}

// DefaultRefresh is how often a serving keyring rereads the key table.
const DefaultRefresh = 2 * time.Second

// DefaultRotationDelay is how long a new key is published before it signs.
// It must exceed the time every replica takes to see the new key (the
// refresh interval) and the trust list's rebuild; phones refresh their
// trust list every few minutes, so a longer delay lets them learn the new
// key before they meet a permit it signed.
const DefaultRotationDelay = 10 * time.Minute

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Keys lists every key, newest first.
func (k *Keyring) Keys() []Key {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]Key, 0, len(k.keys))
	for _, key := range k.keys {
		out = append(out, Key{Kid: key.Kid, Status: key.Status, CreatedAt: key.CreatedAt, ActivatesAt: key.ActivatesAt, RetiredAt: key.RetiredAt, Public: key.Public})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out
}

// EnsureActive creates the first signing key when none is active: the
// zero-configuration first start.
func (k *Keyring) EnsureActive(ctx context.Context, actor opencites.Actor) (created bool, err error) {
	var n int64
	if err := k.db.WithContext(ctx).Model(&models.SigningKey{}).Where("status = ?", verifier.KeyActive).Count(&n).Error; err != nil {
		return false, fmt.Errorf("count keys: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := k.Rotate(ctx, actor, 0); err != nil {
		return false, err
	}
	return true, nil
}

// Rotate makes a new signing key, staged: it is stored (and so published
// in the trust list) at once, and signs from now+delay on, the instant at
// which the keys active today retire; until then they go on signing. Every
// replica switches at that same published instant, so a permit's time of
// issue and its key agree online and offline. Delay 0 switches at once (the
// first key, or after a compromise).
func (k *Keyring) Rotate(ctx context.Context, actor opencites.Actor, delay time.Duration) (Key, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Key{}, fmt.Errorf("generate key: %w", err)
	}
	kid := KeyID(&priv.PublicKey)
	pubPEM, err := publicPEM(&priv.PublicKey)
	if err != nil {
		return Key{}, err
	}
	if err := k.writePrivate(kid, priv); err != nil {
		return Key{}, err
	}
	now := k.now().UTC().Truncate(time.Microsecond)
	// The switch falls on a whole second, as the trust list publishes it.
	switchAt := now.Add(delay)
	if delay > 0 {
		switchAt = switchAt.Truncate(time.Second).Add(time.Second)
	}
	row := models.SigningKey{Kid: kid, Alg: "ES256", PublicKey: pubPEM, Status: verifier.KeyActive, CreatedAt: now, ActivatesAt: &switchAt}
	err = k.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var exists int64
		if err := tx.Model(&models.SigningKey{}).Where("kid = ?", kid).Count(&exists).Error; err != nil {
			return err
		}
		if exists > 0 {
			return fmt.Errorf("key id %s collides with an existing key", kid)
		}
		var retiring []models.SigningKey
		if err := tx.Where("status = ?", verifier.KeyActive).Find(&retiring).Error; err != nil {
			return err
		}
		for _, r := range retiring {
			// A key staged by an earlier rotation that has not started
			// signing yet never will: it retires when it would have begun.
			at := switchAt
			if r.ActivatesAt != nil && r.ActivatesAt.After(at) {
				at = *r.ActivatesAt
			}
			if err := tx.Model(&models.SigningKey{}).Where("kid = ?", r.Kid).
				Updates(map[string]any{"status": verifier.KeyRetired, "retired_at": at}).Error; err != nil {
				return err
			}
			if err := models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "key.retire", EntityType: "signing_key", EntityID: r.Kid,
				Before: keyAudit(r.Kid, verifier.KeyActive), After: map[string]string{"kid": r.Kid, "status": verifier.KeyRetired, "retired_at": at.Format(time.RFC3339)}}); err != nil {
				return err
			}
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "key.create", EntityType: "signing_key", EntityID: kid,
			After: map[string]string{"kid": kid, "status": verifier.KeyActive, "activates_at": switchAt.Format(time.RFC3339)}})
	})
	if err != nil {
		os.Remove(filepath.Join(k.dir, kid+".pem"))
		return Key{}, fmt.Errorf("store key: %w", err)
	}
	if err := k.Reload(ctx); err != nil {
		return Key{}, err
	}
	return Key{Kid: kid, Status: verifier.KeyActive, CreatedAt: now, ActivatesAt: switchAt, Public: &priv.PublicKey}, nil
}

func keyAudit(kid, status string) map[string]string {
	return map[string]string{"kid": kid, "status": status}
}

// KeyID is the key's short identifier: the first 8 base64url characters of
// its RFC 7638 JWK thumbprint (as SMART Health Cards, but truncated to keep
// the QR code small; Rotate refuses a collision).
func KeyID(pub *ecdsa.PublicKey) string {
	sum := sha256.Sum256([]byte(thumbprintInput(pub)))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:8]
}

func thumbprintInput(pub *ecdsa.PublicKey) string {
	x, y := coords(pub)
	return `{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`
}

func coords(pub *ecdsa.PublicKey) (x, y string) {
	b, _ := pub.Bytes() // 0x04 || X || Y, 32 bytes each for P-256
	return base64.RawURLEncoding.EncodeToString(b[1:33]), base64.RawURLEncoding.EncodeToString(b[33:65])
}

// JWK is a public key in JSON Web Key form.
type JWK struct {
	Kty    string `json:"kty"`
	Crv    string `json:"crv"`
	X      string `json:"x"`
	Y      string `json:"y"`
	Kid    string `json:"kid"`
	Alg    string `json:"alg"`
	Use    string `json:"use"`
	Status string `json:"status"`
}

// JWKOf is a key's public half in JSON Web Key form.
func JWKOf(key Key) JWK {
	x, y := coords(key.Public)
	return JWK{Kty: "EC", Crv: "P-256", X: x, Y: y, Kid: key.Kid, Alg: "ES256", Use: "sig", Status: key.Status}
}

func (k *Keyring) writePrivate(kid string, priv *ecdsa.PrivateKey) error {
	if err := os.MkdirAll(k.dir, 0o700); err != nil {
		return fmt.Errorf("key directory: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	path := filepath.Join(k.dir, kid+".pem")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return fmt.Errorf("write private key: %w", err)
	}
	return os.Rename(tmp, path)
}

func (k *Keyring) readPrivate(kid string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(filepath.Join(k.dir, kid+".pem"))
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("not a P-256 key")
	}
	return ec, nil
}

func publicPEM(pub *ecdsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

func parsePublicPEM(s string) (*ecdsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	ec, ok := key.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("not a P-256 public key")
	}
	return ec, nil
}

// SetStatus retires or marks compromised a key. A retired key keeps
// verifying what it signed before; a compromised one verifies nothing, and
// the permits it signed must be re-issued. Retiring the only active key
// leaves nothing to sign with until `citesd keys rotate`.
func (k *Keyring) SetStatus(ctx context.Context, actor opencites.Actor, kid, status string) error {
	if status != verifier.KeyRetired && status != verifier.KeyCompromised {
		return fmt.Errorf("status must be %s or %s", verifier.KeyRetired, verifier.KeyCompromised)
	}
	now := k.now().UTC().Truncate(time.Microsecond)
	err := k.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row models.SigningKey
		if err := tx.Where("kid = ?", kid).Take(&row).Error; err != nil {
			return fmt.Errorf("no key %q", kid)
		}
		if row.Status == verifier.KeyCompromised || row.Status == status {
			return fmt.Errorf("key %s is already %s", kid, row.Status)
		}
		updates := map[string]any{"status": status}
		if row.RetiredAt == nil {
			updates["retired_at"] = now
		}
		if err := tx.Model(&models.SigningKey{}).Where("kid = ?", kid).Updates(updates).Error; err != nil {
			return err
		}
		return models.WriteAudit(tx, opencites.Audit{At: now, Actor: actor, Action: "key." + status, EntityType: "signing_key", EntityID: kid, Before: keyAudit(kid, row.Status), After: keyAudit(kid, status)})
	})
	if err != nil {
		return err
	}
	return k.Reload(ctx)
}

// SignJWT signs claims with the active signing key under a JWS type, for
// messages that speak for this node's authorities (the regional exchange).
// The private key stays inside the keyring.
func (k *Keyring) SignJWT(ctx context.Context, claims jwt.Claims, typ string) (string, error) {
	key, err := k.Signer(ctx)
	if err != nil {
		return "", err
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["typ"] = typ
	t.Header["kid"] = key.Kid
	return t.SignedString(key.private)
}

// Sign signs claims with the key under a JWS type: the permit token
// (verifier.TokenType) or an exchange message. The private key never
// leaves the keyring.
func (key *Key) Sign(claims jwt.Claims, typ string) (string, error) {
	if key.private == nil {
		return "", fmt.Errorf("key %s: no private key on this node", key.Kid)
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["kid"] = key.Kid
	t.Header["typ"] = typ
	return t.SignedString(key.private)
}
