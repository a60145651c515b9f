// Package p256table verifies ES256 signatures (ECDSA on P-256 with
// SHA-256) about twice as fast as crypto/ecdsa for a key that verifies
// many of them, as a registry's issuing keys do.
//
// An ECDSA check computes u1·G + u2·Q. crypto/ecdsa has a precomputed
// table for the generator G but none for the public key Q, so u2·Q costs
// 256 point doublings and 52 additions on every check, two thirds of the
// check's time. A PublicKey here holds the multiples of Q that a signed
// 6-bit window needs (d·2^(6i)·Q for d in 1..32, i in 0..42, 132 KB), so
// u2·Q is 43 additions and no doubling. The table costs about a
// millisecond to build, a few dozen checks' worth of saving.
//
// It checks public data only (signatures and public keys), so it need
// not run in constant time, and it never signs. The point arithmetic is
// filippo.io/nistec's, the assembly of Go's own crypto/ecdsa; what this
// package adds (the table, the window recoding and the ECDSA equation) is
// tested against crypto/ecdsa on random keys and signatures, valid and
// altered.
package p256table

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"math/big"

	"filippo.io/nistec"
)

const (
	window  = 6                           // bits of the scalar per addition
	windows = (256 + window - 1) / window // 43: a scalar below n < 2^256, with the last carry
	half    = 1 << (window - 1)           // 32: the largest digit magnitude
)

// pointBytes is what one nistec.P256Point holds: three 256-bit field
// elements (x, y, z).
const pointBytes = 3 * 32

// TableBytes is the memory a PublicKey holds, for caches that count it.
const TableBytes = windows * half * pointBytes

// order is n, the order of P-256's group.
var order = elliptic.P256().Params().N

// PublicKey is a P-256 public key with its table of multiples.
type PublicKey struct {
	// table[i][d-1] is d·2^(window·i)·Q.
	table [windows][half]nistec.P256Point
}

// New builds the table of pub, which must be a P-256 key.
func New(pub *ecdsa.PublicKey) (*PublicKey, error) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil, errors.New("p256table: not a P-256 public key")
	}
	enc, err := pub.Bytes()
	if err != nil {
		return nil, err
	}
	base, err := nistec.NewP256Point().SetBytes(enc)
	if err != nil {
		return nil, err
	}
	k := new(PublicKey)
	for i := range windows {
		row := &k.table[i]
		row[0].Set(base)
		for d := 1; d < half; d++ {
			row[d].Add(&row[d-1], base)
		}
		// 2^window·base = 2·(half·base), the next window's base.
		base.Double(&row[half-1])
	}
	return k, nil
}

// mult returns scalar·Q for a scalar below n, as 32 big-endian bytes.
func (k *PublicKey) mult(scalar *[32]byte) *nistec.P256Point {
	acc := nistec.NewP256Point() // the point at infinity
	var neg nistec.P256Point
	carry := 0
	for i := range windows {
		d := bitsAt(scalar, window*i) + carry
		carry = 0
		if d >= half { // a digit in [-half, half): subtract here, carry one up
			d -= 1 << window
			carry = 1
		}
		switch {
		case d > 0:
			acc.Add(acc, &k.table[i][d-1])
		case d < 0:
			acc.Add(acc, neg.Negate(&k.table[i][-d-1]))
		}
	}
	return acc
}

// bitsAt returns the window bits of the big-endian scalar starting at
// bit pos (bit 0 is the least significant); bits past 255 are zero.
func bitsAt(scalar *[32]byte, pos int) int {
	v := 0
	for b := window - 1; b >= 0; b-- {
		p := pos + b
		v <<= 1
		if p < 256 {
			v |= int(scalar[31-p/8]>>(p%8)) & 1
		}
	}
	return v
}

// Verify reports whether sig (r || s, 64 bytes, as JWS carries it) is a
// valid ECDSA signature of the SHA-256 digest under the key: the check of
// crypto/ecdsa.Verify, with 0 < r, s < n.
func (k *PublicKey) Verify(digest [32]byte, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if r.Sign() == 0 || s.Sign() == 0 || r.Cmp(order) >= 0 || s.Cmp(order) >= 0 {
		return false
	}
	// e is the digest as a number mod n (n has 256 bits, like SHA-256).
	e := new(big.Int).SetBytes(digest[:])
	w := new(big.Int).ModInverse(s, order)
	u1 := e.Mul(e, w).Mod(e, order)
	u2 := w.Mul(r, w).Mod(w, order)
	var b1, b2 [32]byte
	p, err := nistec.NewP256Point().ScalarBaseMult(u1.FillBytes(b1[:]))
	if err != nil {
		return false
	}
	p.Add(p, k.mult((*[32]byte)(u2.FillBytes(b2[:]))))
	x, err := p.BytesX() // fails for the point at infinity
	if err != nil {
		return false
	}
	v := new(big.Int).SetBytes(x)
	if v.Cmp(order) >= 0 {
		v.Sub(v, order)
	}
	return v.Cmp(r) == 0
}
