package verifier

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"strings"
	"time"
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
	RegisteredClaims
}

// StatusListClaims is the payload of an authority's status list: Size
// entries of StatusBits bits, zlib-compressed and base64url-encoded.
type StatusListClaims struct {
	Authority string `json:"authority"`
	Bits      int    `json:"bits"`
	Size      int    `json:"size"`
	List      string `json:"lst"`
	RegisteredClaims
}

// ParseAnchorPEM reads a pinned anchor public key (PKIX, P-256).
func ParseAnchorPEM(b []byte) (*PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("verifier: no PEM block in the anchor")
	}
	return parsePKIX(block.Bytes)
}

// parseDoc verifies a list signed by the anchor and returns its claims.
// Expiry is not an error here: a stale list is still used, and the
// verdict says it is stale.
func parseDoc(doc, typ string, anchor *PublicKey) (jsonValue, error) {
	if len(doc) > 4<<20 {
		return jsonValue{}, errors.New("verifier: list too large")
	}
	parts := strings.Split(strings.TrimSpace(doc), ".")
	if len(parts) != 3 {
		return jsonValue{}, errors.New("verifier: list signature: not a compact JWS")
	}
	b64 := base64.RawURLEncoding.Strict()
	raw, err := b64.DecodeString(parts[0])
	if err != nil {
		return jsonValue{}, errors.New("verifier: list signature: bad header")
	}
	hdr, err := parseJSON(raw)
	if err != nil || hdr.kind != jsonObject {
		return jsonValue{}, errors.New("verifier: list signature: bad header")
	}
	var alg, gotTyp string
	hdr.each(func(key string, v jsonValue) error {
		switch key {
		case "alg":
			v.str(&alg)
		case "typ":
			v.str(&gotTyp)
		}
		return nil
	})
	if alg != "ES256" {
		return jsonValue{}, errors.New("verifier: list signature: signing method " + alg + " is invalid")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || anchor == nil || !verifyES256(anchor, parts[0]+"."+parts[1], sig) {
		return jsonValue{}, errors.New("verifier: list signature: signature is invalid")
	}
	if gotTyp != typ {
		return jsonValue{}, errors.New("verifier: not a " + typ)
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return jsonValue{}, errors.New("verifier: list signature: bad payload")
	}
	claims, err := parseJSON(payload)
	if err != nil {
		return jsonValue{}, err
	}
	if claims.kind != jsonObject {
		return jsonValue{}, errJSONType
	}
	return claims, nil
}

func decodeTrustList(v jsonValue, c *TrustListClaims) error {
	return v.each(func(key string, val jsonValue) error {
		switch key {
		case "seq":
			return val.integer(&c.Seq)
		case "authorities":
			c.Authorities = nil
			return val.array(func(_ int, item jsonValue) error {
				var a TrustedAuthority
				err := item.each(func(key string, val jsonValue) error {
					switch key {
					case "authority":
						return val.str(&a.Authority)
					case "keys":
						return val.array(func(_ int, item jsonValue) error {
							var k TrustedKey
							err := item.each(func(key string, val jsonValue) error {
								switch key {
								case "kid":
									return val.str(&k.Kid)
								case "kty":
									return val.str(&k.Kty)
								case "crv":
									return val.str(&k.Crv)
								case "x":
									return val.str(&k.X)
								case "y":
									return val.str(&k.Y)
								case "status":
									return val.str(&k.Status)
								case "nbf":
									return val.integer(&k.NotBefore)
								case "retired_at":
									return val.integerPtr(&k.RetiredAt)
								}
								return nil
							})
							a.Keys = append(a.Keys, k)
							return err
						})
					}
					return nil
				})
				c.Authorities = append(c.Authorities, a)
				return err
			})
		}
		_, err := registered(&c.RegisteredClaims, key, val)
		return err
	})
}

func decodeStatusList(v jsonValue, c *StatusListClaims) error {
	return v.each(func(key string, val jsonValue) error {
		switch key {
		case "authority":
			return val.str(&c.Authority)
		case "bits", "size":
			var n int64
			if err := val.integer(&n); err != nil {
				return err
			}
			if n < -1<<31 || n > 1<<31-1 {
				return errJSONType
			}
			if key == "bits" {
				c.Bits = int(n)
			} else {
				c.Size = int(n)
			}
			return nil
		case "lst":
			return val.str(&c.List)
		}
		_, err := registered(&c.RegisteredClaims, key, val)
		return err
	})
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
func ParseTrustList(doc string, anchor *PublicKey) (*TrustList, error) {
	v, err := parseDoc(doc, TrustListType, anchor)
	if err != nil {
		return nil, err
	}
	var c TrustListClaims
	if err := decodeTrustList(v, &c); err != nil {
		return nil, errors.New("verifier: trust list: " + err.Error())
	}
	if c.IssuedAt == nil || c.ExpiresAt == nil {
		return nil, errors.New("verifier: trust list without iat or exp")
	}
	tl := &TrustList{Seq: c.Seq, IssuedAt: c.IssuedAt.Time, ExpiresAt: c.ExpiresAt.Time, keys: map[string]trusted{}}
	for _, a := range c.Authorities {
		for _, k := range a.Keys {
			pub, err := jwkPublic(k)
			if err != nil {
				return nil, errors.New("verifier: key " + k.Kid + " of " + a.Authority + ": " + err.Error())
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

func jwkPublic(k TrustedKey) (*PublicKey, error) {
	if k.Kty != "EC" || k.Crv != "P-256" {
		return nil, errors.New("not an EC P-256 key")
	}
	x, err1 := base64.RawURLEncoding.DecodeString(k.X)
	y, err2 := base64.RawURLEncoding.DecodeString(k.Y)
	if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
		return nil, errors.New("bad coordinates")
	}
	return newP256Key(x, y)
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
func ParseStatusList(doc string, anchor *PublicKey) (*StatusList, error) {
	v, err := parseDoc(doc, StatusListType, anchor)
	if err != nil {
		return nil, err
	}
	var c StatusListClaims
	if err := decodeStatusList(v, &c); err != nil {
		return nil, errors.New("verifier: status list: " + err.Error())
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
