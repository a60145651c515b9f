//go:build js

package verifier

import (
	"bytes"
	"errors"
	"time"

	"github.com/opencites/opencites/verifier/internal/es256"
)

// The WebAssembly build's keys and signature check (see crypto.go): the
// same documents read by the same code, with package es256 in place of
// crypto/ecdsa.

// PublicKey is a P-256 public key: its big-endian coordinates.
type PublicKey struct{ x, y [32]byte }

// NumericDate is a JWT date.
type NumericDate struct{ time.Time }

// RegisteredClaims are the registered JWT claims, with golang-jwt's field
// names and types.
type RegisteredClaims struct {
	Issuer    string
	Subject   string
	Audience  []string
	ExpiresAt *NumericDate
	NotBefore *NumericDate
	IssuedAt  *NumericDate
	ID        string
}

func verifyES256(pub *PublicKey, signingInput string, sig []byte) bool {
	return es256.Verify(&pub.x, &pub.y, []byte(signingInput), sig)
}

func newP256Key(x, y []byte) (*PublicKey, error) {
	if len(x) != 32 || len(y) != 32 {
		return nil, errors.New("bad coordinates")
	}
	k := &PublicKey{}
	copy(k.x[:], x)
	copy(k.y[:], y)
	if !es256.OnCurve(&k.x, &k.y) {
		return nil, errors.New("invalid P-256 public key")
	}
	return k, nil
}

// pkixP256 is the DER of a PKIX P-256 public key up to its uncompressed
// point: SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING }.
var pkixP256 = []byte{0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04}

func parsePKIX(der []byte) (*PublicKey, error) {
	if len(der) != len(pkixP256)+64 || !bytes.HasPrefix(der, pkixP256) {
		return nil, errors.New("verifier: the anchor is not a P-256 key")
	}
	return newP256Key(der[len(pkixP256):len(pkixP256)+32], der[len(pkixP256)+32:])
}
