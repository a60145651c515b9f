package es256

import "math/bits"

// fe is a 256-bit number in four 64-bit limbs, least significant first.
type fe [4]uint64

// modulus does arithmetic modulo an odd m with 2^255 < m < 2^256 (both
// P-256's field prime and its group order are such), in Montgomery form:
// x is held as x*2^256 mod m.
type modulus struct {
	m     fe
	m0inv uint64 // -m^-1 mod 2^64
	one   fe     // 2^256 mod m: 1 in Montgomery form
	r2    fe     // 2^512 mod m: converts into Montgomery form
}

func newModulus(m fe) *modulus {
	md := &modulus{m: m}
	x := uint64(1) // m^-1 mod 2^64 by Newton's iteration: each step doubles the bits
	for range 6 {
		x *= 2 - m[0]*x
	}
	md.m0inv = -x
	md.one, _ = sub(fe{}, m) // 2^256 - m, since m < 2^256 < 2m
	r := md.one
	for range 256 {
		r = md.add(r, r)
	}
	md.r2 = r
	return md
}

func sub(a, b fe) (fe, uint64) {
	var r fe
	var br uint64
	r[0], br = bits.Sub64(a[0], b[0], 0)
	r[1], br = bits.Sub64(a[1], b[1], br)
	r[2], br = bits.Sub64(a[2], b[2], br)
	r[3], br = bits.Sub64(a[3], b[3], br)
	return r, br
}

// less reports whether a < b.
func less(a, b fe) bool {
	_, br := sub(a, b)
	return br == 1
}

func isZero(a fe) bool { return a[0]|a[1]|a[2]|a[3] == 0 }

// add returns a+b mod m for a, b < m.
func (md *modulus) add(a, b fe) fe {
	var r fe
	var c uint64
	r[0], c = bits.Add64(a[0], b[0], 0)
	r[1], c = bits.Add64(a[1], b[1], c)
	r[2], c = bits.Add64(a[2], b[2], c)
	r[3], c = bits.Add64(a[3], b[3], c)
	s, br := sub(r, md.m)
	if c == 1 || br == 0 {
		return s
	}
	return r
}

// sub returns a-b mod m for a, b < m.
func (md *modulus) sub(a, b fe) fe {
	r, br := sub(a, b)
	if br == 0 {
		return r
	}
	var c uint64
	r[0], c = bits.Add64(r[0], md.m[0], 0)
	r[1], c = bits.Add64(r[1], md.m[1], c)
	r[2], c = bits.Add64(r[2], md.m[2], c)
	r[3], _ = bits.Add64(r[3], md.m[3], c)
	return r
}

// mul returns a*b*2^-256 mod m (Montgomery multiplication, CIOS) for
// a, b < m.
func (md *modulus) mul(a, b fe) fe {
	var t [5]uint64
	for i := 0; i < 4; i++ {
		var c, cc uint64
		for j := 0; j < 4; j++ {
			hi, lo := bits.Mul64(a[j], b[i])
			lo, cc = bits.Add64(lo, t[j], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			t[j], c = lo, hi
		}
		var top uint64
		t[4], top = bits.Add64(t[4], c, 0)
		q := t[0] * md.m0inv
		hi, lo := bits.Mul64(q, md.m[0])
		_, cc = bits.Add64(lo, t[0], 0)
		c = hi + cc
		for j := 1; j < 4; j++ {
			hi, lo = bits.Mul64(q, md.m[j])
			lo, cc = bits.Add64(lo, t[j], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			t[j-1], c = lo, hi
		}
		t[3], cc = bits.Add64(t[4], c, 0)
		t[4] = top + cc
	}
	r := fe{t[0], t[1], t[2], t[3]}
	s, br := sub(r, md.m)
	if t[4] != 0 || br == 0 {
		return s
	}
	return r
}

func (md *modulus) toMont(a fe) fe   { return md.mul(a, md.r2) }
func (md *modulus) fromMont(a fe) fe { return md.mul(a, fe{1}) }

// inv returns a^-1 in Montgomery form (a^(m-2), m prime) for a in
// Montgomery form; 0 for 0.
func (md *modulus) inv(a fe) fe {
	e, _ := sub(md.m, fe{2})
	r := md.one
	for i := 255; i >= 0; i-- {
		r = md.mul(r, r)
		if e[i/64]>>(i%64)&1 == 1 {
			r = md.mul(r, a)
		}
	}
	return r
}

func feFromBytes(b []byte) fe {
	var r fe
	for i := 0; i < 4; i++ {
		for j := 0; j < 8; j++ {
			r[3-i] = r[3-i]<<8 | uint64(b[8*i+j])
		}
	}
	return r
}

// P-256 (FIPS 186-4, D.1.2.3).
var (
	fieldP = newModulus(fe{0xffffffffffffffff, 0x00000000ffffffff, 0x0000000000000000, 0xffffffff00000001})
	orderN = newModulus(fe{0xf3b9cac2fc632551, 0xbce6faada7179e84, 0xffffffffffffffff, 0xffffffff00000000})
	curveB = fieldP.toMont(fe{0x3bce3c3e27d2604b, 0x651d06b0cc53b0f6, 0xb3ebbd55769886bc, 0x5ac635d8aa3a93e7})
	gen    = point{
		x: fieldP.toMont(fe{0xf4a13945d898c296, 0x77037d812deb33a0, 0xf8bce6e563a440f2, 0x6b17d1f2e12c4247}),
		y: fieldP.toMont(fe{0xcbb6406837bf51f5, 0x2bce33576b315ece, 0x8ee7eb4a7c0f9e16, 0x4fe342e2fe1a7f9b}),
		z: fieldP.one,
	}
)

// point is a point of the curve in Jacobian coordinates, in Montgomery
// form; z == 0 is the point at infinity.
type point struct{ x, y, z fe }

// onCurve reports whether (x, y), in Montgomery form, satisfies
// y^2 = x^3 - 3x + b.
func onCurve(x, y fe) bool {
	f := fieldP
	rhs := f.mul(f.mul(x, x), x)
	x3 := f.add(f.add(x, x), x)
	rhs = f.add(f.sub(rhs, x3), curveB)
	return f.mul(y, y) == rhs
}

// double returns 2p (dbl-2001-b, a = -3).
func double(p point) point {
	f := fieldP
	delta := f.mul(p.z, p.z)
	gamma := f.mul(p.y, p.y)
	beta := f.mul(p.x, gamma)
	t := f.mul(f.sub(p.x, delta), f.add(p.x, delta))
	alpha := f.add(f.add(t, t), t)
	beta2 := f.add(beta, beta)
	beta4 := f.add(beta2, beta2)
	beta8 := f.add(beta4, beta4)
	x3 := f.sub(f.mul(alpha, alpha), beta8)
	yz := f.add(p.y, p.z)
	z3 := f.sub(f.sub(f.mul(yz, yz), gamma), delta)
	g2 := f.mul(gamma, gamma)
	g2 = f.add(g2, g2)
	g4 := f.add(g2, g2)
	g8 := f.add(g4, g4)
	y3 := f.sub(f.mul(alpha, f.sub(beta4, x3)), g8)
	return point{x3, y3, z3}
}

// add returns p+q (add-2007-bl), handling the point at infinity, p == q
// and p == -q.
func add(p, q point) point {
	if isZero(p.z) {
		return q
	}
	if isZero(q.z) {
		return p
	}
	f := fieldP
	z1z1 := f.mul(p.z, p.z)
	z2z2 := f.mul(q.z, q.z)
	u1 := f.mul(p.x, z2z2)
	u2 := f.mul(q.x, z1z1)
	s1 := f.mul(f.mul(p.y, q.z), z2z2)
	s2 := f.mul(f.mul(q.y, p.z), z1z1)
	h := f.sub(u2, u1)
	r := f.sub(s2, s1)
	r = f.add(r, r)
	if isZero(h) {
		if isZero(r) {
			return double(p)
		}
		return point{}
	}
	h2 := f.add(h, h)
	i := f.mul(h2, h2)
	j := f.mul(h, i)
	v := f.mul(u1, i)
	x3 := f.sub(f.sub(f.mul(r, r), j), f.add(v, v))
	s1j := f.mul(s1, j)
	y3 := f.sub(f.mul(r, f.sub(v, x3)), f.add(s1j, s1j))
	zz := f.add(p.z, q.z)
	z3 := f.mul(f.sub(f.sub(f.mul(zz, zz), z1z1), z2z2), h)
	return point{x3, y3, z3}
}

func bit(a fe, i int) uint64 { return a[i/64] >> (i % 64) & 1 }

// OnCurve reports whether the big-endian coordinates (x, y) are a point
// of P-256 (each below the field prime, and on the curve).
func OnCurve(x, y *[32]byte) bool {
	fx, fy := feFromBytes(x[:]), feFromBytes(y[:])
	if !less(fx, fieldP.m) || !less(fy, fieldP.m) {
		return false
	}
	return onCurve(fieldP.toMont(fx), fieldP.toMont(fy))
}

// Verify reports whether sig (r || s, 32 bytes each, as JWS writes an
// ES256 signature) signs message under the public key (x, y), as
// crypto/ecdsa.Verify would with its SHA-256 digest.
func Verify(x, y *[32]byte, message, sig []byte) bool {
	if len(sig) != 64 || !OnCurve(x, y) {
		return false
	}
	n := orderN
	r, s := feFromBytes(sig[:32]), feFromBytes(sig[32:])
	if isZero(r) || isZero(s) || !less(r, n.m) || !less(s, n.m) {
		return false
	}
	digest := Sum256(message)
	e := feFromBytes(digest[:])
	if !less(e, n.m) { // e < 2^256 < 2n
		e, _ = sub(e, n.m)
	}
	w := n.inv(n.toMont(s))
	u1 := n.fromMont(n.mul(n.toMont(e), w))
	u2 := n.fromMont(n.mul(n.toMont(r), w))
	q := point{fieldP.toMont(feFromBytes(x[:])), fieldP.toMont(feFromBytes(y[:])), fieldP.one}
	gq := add(gen, q)
	var acc point
	for i := 255; i >= 0; i-- {
		acc = double(acc)
		switch b1, b2 := bit(u1, i), bit(u2, i); {
		case b1 == 1 && b2 == 1:
			acc = add(acc, gq)
		case b1 == 1:
			acc = add(acc, gen)
		case b2 == 1:
			acc = add(acc, q)
		}
	}
	if isZero(acc.z) {
		return false
	}
	f := fieldP
	zinv := f.inv(acc.z)
	ax := f.fromMont(f.mul(acc.x, f.mul(zinv, zinv)))
	if !less(ax, n.m) { // ax < p < 2n
		ax, _ = sub(ax, n.m)
	}
	return ax == r
}
