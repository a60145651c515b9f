//go:build !js

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
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/golang-jwt/jwt/v5"
)

// The server's side of the verifier: keys are crypto/ecdsa's, signatures
// are checked with crypto/ecdsa, and the registry signs its lists here.
// The WebAssembly build (crypto_js.go) reads the same documents with the
// same code, and checks signatures with package es256 instead, so that it
// does not carry crypto/ecdsa's FIPS module to the phone.

// PublicKey is a P-256 public key.
type PublicKey = ecdsa.PublicKey

// RegisteredClaims are the registered JWT claims (iss, jti, iat, nbf,
// exp, ...), golang-jwt's type, so that the registry signs tokens and
// lists with golang-jwt.
type RegisteredClaims = jwt.RegisteredClaims

// NumericDate is a JWT date.
type NumericDate = jwt.NumericDate

// verifyES256 checks a JWS ES256 signature (r || s) as golang-jwt does.
func verifyES256(pub *PublicKey, signingInput string, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	h := sha256.Sum256([]byte(signingInput))
	return ecdsa.Verify(pub, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
}

func newP256Key(x, y []byte) (*PublicKey, error) {
	return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
}

func parsePKIX(der []byte) (*PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	ec, ok := k.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("verifier: the anchor is not a P-256 key")
	}
	return ec, nil
}

// AnchorID is the anchor key's fingerprint: the hex SHA-256 of its DER
// public key, which a verifier app pins once.
func AnchorID(pub *ecdsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// JWKCoordinates returns the base64url x and y of a P-256 public key.
func JWKCoordinates(pub *ecdsa.PublicKey) (x, y string) {
	b, _ := pub.Bytes() // 0x04 || X || Y
	return base64.RawURLEncoding.EncodeToString(b[1:33]), base64.RawURLEncoding.EncodeToString(b[33:65])
}

// signDoc signs claims with the anchor under typ.
func signDoc(claims jwt.Claims, typ string, anchor *ecdsa.PrivateKey) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["typ"] = typ
	t.Header["kid"] = AnchorID(&anchor.PublicKey)[:16]
	return t.SignedString(anchor)
}

// SignTrustList signs a trust list with the anchor key.
func SignTrustList(c *TrustListClaims, anchor *ecdsa.PrivateKey) (string, error) {
	return signDoc(c, TrustListType, anchor)
}

// SignStatusList signs an authority's status list with the anchor key.
func SignStatusList(c *StatusListClaims, anchor *ecdsa.PrivateKey) (string, error) {
	return signDoc(c, StatusListType, anchor)
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

// MarshalJSON writes a specimen line as the token carries it.
func (l ClaimLine) MarshalJSON() ([]byte, error) {
	a := []any{l.Taxon, l.Appendix, l.Quantity, l.Source, l.Term}
	if l.Unit != "" {
		a = append(a, l.Unit)
	}
	return json.Marshal(a)
}

// UnmarshalJSON reads a specimen line as the verifier does.
func (l *ClaimLine) UnmarshalJSON(b []byte) error {
	v, err := parseJSON(b)
	if err != nil {
		return err
	}
	*l, err = claimLine(v)
	return err
}
