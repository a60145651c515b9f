package verifier

import (
	"bytes"
	"compress/zlib"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Document types of the lists, in their JWS "typ" header, so that neither
// can pass for the other nor for a permit.
const (
	TrustListType  = "cites-trust+jwt"
	StatusListType = "cites-status+jwt"
)

// Permit states in a status list.
const (
	StatusValid     = 0
	StatusRevoked   = 1
	StatusSuspended = 2
	StatusUsed      = 3 // accepted at import: the document is cancelled
	StatusExported  = 4 // endorsed for export: used at export, still valid at import
)

// StatusBits is the width of one entry of a status list.
const StatusBits = 4

// TrustedKey is one issuing key of an authority in the trust list.
type TrustedKey struct {
	Kid       string `json:"kid"`
	Kty       string `json:"kty"`
	Crv       string `json:"crv"`
	X         string `json:"x"`
	Y         string `json:"y"`
	Status    string `json:"status"`
	NotBefore int64  `json:"nbf"`
	RetiredAt *int64 `json:"retired_at,omitempty"`
}

// TrustedAuthority is an issuing Management Authority and its keys.
type TrustedAuthority struct {
	Authority string       `json:"authority"`
	Keys      []TrustedKey `json:"keys"`
}

// TrustListClaims is the payload of the trust list.
type TrustListClaims struct {
	Seq         int64              `json:"seq"`
	Authorities []TrustedAuthority `json:"authorities"`
	jwt.RegisteredClaims
}

// StatusListClaims is the payload of an authority's status list: Size
// entries of StatusBits bits, zlib-compressed and base64url-encoded.
type StatusListClaims struct {
	Authority string `json:"authority"`
	Bits      int    `json:"bits"`
	Size      int    `json:"size"`
	List      string `json:"lst"`
	jwt.RegisteredClaims
}

// AnchorID is the anchor key's fingerprint: the hex SHA-256 of its DER
// public key, which a verifier app pins once.
func AnchorID(pub *ecdsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// ParseAnchorPEM reads a pinned anchor public key.
func ParseAnchorPEM(b []byte) (*ecdsa.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("verifier: no PEM block in the anchor")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	ec, ok := k.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("verifier: the anchor is not a P-256 key")
	}
	return ec, nil
}

// signDoc signs claims with the anchor under typ.
func signDoc(claims jwt.Claims, typ string, anchor *ecdsa.PrivateKey) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["typ"] = typ
	t.Header["kid"] = AnchorID(&anchor.PublicKey)[:16]
	return t.SignedString(anchor)
}

// parseDoc verifies a list signed by the anchor. Expiry is not an error
// here: a stale list is still used, and the verdict says it is stale.
func parseDoc(doc, typ string, anchor *ecdsa.PublicKey, claims jwt.Claims) error {
	if len(doc) > 4<<20 {
		return errors.New("verifier: list too large")
	}
	p := jwt.NewParser(jwt.WithValidMethods([]string{"ES256"}), jwt.WithoutClaimsValidation(), jwt.WithStrictDecoding())
	t, err := p.ParseWithClaims(strings.TrimSpace(doc), claims, func(*jwt.Token) (any, error) { return anchor, nil })
	if err != nil {
		return fmt.Errorf("verifier: list signature: %w", err)
	}
	if t.Header["typ"] != typ {
		return fmt.Errorf("verifier: not a %s", typ)
	}
	return nil
}

// SignTrustList signs a trust list with the anchor key.
func SignTrustList(c *TrustListClaims, anchor *ecdsa.PrivateKey) (string, error) {
	return signDoc(c, TrustListType, anchor)
}

// TrustList is a verified trust list.
type TrustList struct {
	Seq       int64
	IssuedAt  time.Time
	ExpiresAt time.Time
	keys      map[string]trusted // by kid
}

type trusted struct {
	authorities map[string]bool // a node's key may sign for several authorities
	key         Key
}

// ParseTrustList verifies a trust list against the pinned anchor.
func ParseTrustList(doc string, anchor *ecdsa.PublicKey) (*TrustList, error) {
	var c TrustListClaims
	if err := parseDoc(doc, TrustListType, anchor, &c); err != nil {
		return nil, err
	}
	if c.IssuedAt == nil || c.ExpiresAt == nil {
		return nil, errors.New("verifier: trust list without iat or exp")
	}
	tl := &TrustList{Seq: c.Seq, IssuedAt: c.IssuedAt.Time, ExpiresAt: c.ExpiresAt.Time, keys: map[string]trusted{}}
	for _, a := range c.Authorities {
		for _, k := range a.Keys {
			pub, err := jwkPublic(k)
			if err != nil {
				return nil, fmt.Errorf("verifier: key %s of %s: %w", k.Kid, a.Authority, err)
			}
			key := Key{Public: pub, Status: k.Status}
			if k.RetiredAt != nil {
				t := time.Unix(*k.RetiredAt, 0).UTC()
				key.RetiredAt = &t
			}
			t, ok := tl.keys[k.Kid]
			if !ok {
				t = trusted{authorities: map[string]bool{}, key: key}
			}
			t.authorities[a.Authority] = true
			tl.keys[k.Kid] = t
		}
	}
	return tl, nil
}

// Key returns a trusted key and the authorities it signs for.
func (tl *TrustList) Key(kid string) (Key, map[string]bool, bool) {
	t, ok := tl.keys[kid]
	return t.key, t.authorities, ok
}

// JWKCoordinates returns the base64url x and y of a P-256 public key.
func JWKCoordinates(pub *ecdsa.PublicKey) (x, y string) {
	b, _ := pub.Bytes() // 0x04 || X || Y
	return base64.RawURLEncoding.EncodeToString(b[1:33]), base64.RawURLEncoding.EncodeToString(b[33:65])
}

func jwkPublic(k TrustedKey) (*ecdsa.PublicKey, error) {
	if k.Kty != "EC" || k.Crv != "P-256" {
		return nil, errors.New("not an EC P-256 key")
	}
	x, err1 := base64.RawURLEncoding.DecodeString(k.X)
	y, err2 := base64.RawURLEncoding.DecodeString(k.Y)
	if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
		return nil, errors.New("bad coordinates")
	}
	raw := append([]byte{4}, append(x, y...)...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return nil, err
	}
	return pub, nil
}

// EncodeStatusList packs the non-valid entries into a list of size entries.
func EncodeStatusList(entries map[int]uint8, size int) (string, error) {
	packed := make([]byte, (size*StatusBits+7)/8)
	for idx, v := range entries {
		if idx < 0 || idx >= size || v > 15 {
			return "", fmt.Errorf("verifier: status entry %d=%d out of range", idx, v)
		}
		packed[idx/2] |= v << (4 * uint(idx%2))
	}
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zw.Write(packed)
	zw.Close()
	return base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// SignStatusList signs an authority's status list with the anchor key.
func SignStatusList(c *StatusListClaims, anchor *ecdsa.PrivateKey) (string, error) {
	return signDoc(c, StatusListType, anchor)
}

// StatusList is a verified, unpacked status list.
type StatusList struct {
	Authority string
	IssuedAt  time.Time
	ExpiresAt time.Time
	packed    []byte
	size      int
}

// ParseStatusList verifies a status list against the pinned anchor.
func ParseStatusList(doc string, anchor *ecdsa.PublicKey) (*StatusList, error) {
	var c StatusListClaims
	if err := parseDoc(doc, StatusListType, anchor, &c); err != nil {
		return nil, err
	}
	if c.Bits != StatusBits || c.Size <= 0 || c.Size > 1<<24 || c.IssuedAt == nil || c.ExpiresAt == nil {
		return nil, errors.New("verifier: malformed status list")
	}
	z, err := base64.RawURLEncoding.DecodeString(c.List)
	if err != nil {
		return nil, err
	}
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, err
	}
	want := (c.Size*StatusBits + 7) / 8
	packed, err := io.ReadAll(io.LimitReader(zr, int64(want)+1))
	if err != nil || len(packed) != want {
		return nil, errors.New("verifier: status list does not match its size")
	}
	return &StatusList{Authority: c.Authority, IssuedAt: c.IssuedAt.Time, ExpiresAt: c.ExpiresAt.Time, packed: packed, size: c.Size}, nil
}

// Get returns the status at idx.
func (l *StatusList) Get(idx int) (uint8, bool) {
	if idx < 0 || idx >= l.size {
		return 0, false
	}
	return (l.packed[idx/2] >> (4 * uint(idx%2))) & 0x0f, true
}
