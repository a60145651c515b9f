// Package p256table verifies ES256 signatures (ECDSA on P-256 with
// SHA-256) about twice as fast as crypto/ecdsa for a key that verifies
// many of them, as a registry's issuing keys do.
//
// An ECDSA check computes u1·G + u2·Q. crypto/ecdsa has a precomputed
// table for the generator G but none for the public key Q, so u2·Q costs
// 256 point doublings and 52 additions on every check, two thirds of the
// check's time. A PublicKey here holds the multiples of Q that a signed
// 8-bit window needs (d·2^(8i)·Q for d in 1..128, i in 0..32, 405 KB), so
// u2·Q is 33 additions and no doubling. The table costs about 1.5 ms to
// build, some forty checks' worth of saving. Windows of 6 bits (43
// additions, 132 KB) made a check 31 µs instead of 26: nistec's Add
// also doubles, in constant time, so every addition saved counts twice.
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
	"sync"

	"filippo.io/nistec"
)

const (
	window  = 8                 // bits of the scalar per addition
	windows = 256/window + 1    // 33: 256 bits, and the last digit's carry
	half    = 1 << (window - 1) // 128: the largest digit magnitude
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
	return k.addMult(nistec.NewP256Point(), scalar)
}

// addMult adds scalar·Q to acc and returns acc, for a scalar below n as
// 32 big-endian bytes.
func (k *PublicKey) addMult(acc *nistec.P256Point, scalar *[32]byte) *nistec.P256Point {
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

// scalars are a check's numbers mod n, kept between checks so that their
// words are not allocated anew on every check.
type scalars struct{ r, s, e, w, v big.Int }

var scalarPool = sync.Pool{New: func() any { return new(scalars) }}

// Verify reports whether sig (r || s, 64 bytes, as JWS carries it) is a
// valid ECDSA signature of the SHA-256 digest under the key: the check of
// crypto/ecdsa.Verify, with 0 < r, s < n.
func (k *PublicKey) Verify(digest [32]byte, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	sc := scalarPool.Get().(*scalars)
	defer scalarPool.Put(sc)
	r, s := sc.r.SetBytes(sig[:32]), sc.s.SetBytes(sig[32:])
	if r.Sign() == 0 || s.Sign() == 0 || r.Cmp(order) >= 0 || s.Cmp(order) >= 0 {
		return false
	}
	// e is the digest as a number mod n (n has 256 bits, like SHA-256).
	e := sc.e.SetBytes(digest[:])
	w := sc.w.ModInverse(s, order)
	u1 := e.Mul(e, w).Mod(e, order)
	u2 := w.Mul(r, w).Mod(w, order)
	var b1, b2 [32]byte
	// u1·G with nistec's table of G (affine points, cheaper to add than
	// a PublicKey's, whose every Add also doubles in constant time).
	p, err := nistec.NewP256Point().ScalarBaseMult(u1.FillBytes(b1[:]))
	if err != nil {
		return false
	}
	k.addMult(p, (*[32]byte)(u2.FillBytes(b2[:])))
	x, err := p.BytesX() // fails for the point at infinity
	if err != nil {
		return false
	}
	v := sc.v.SetBytes(x)
	if v.Cmp(order) >= 0 {
		v.Sub(v, order)
	}
	return v.Cmp(r) == 0
}
