package es256

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	mrand "math/rand/v2"
	"testing"
)

func TestSum256(t *testing.T) {
	r := mrand.New(mrand.NewPCG(1, 2))
	for n := 0; n < 300; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		if got, want := Sum256(b), sha256.Sum256(b); got != want {
			t.Fatalf("Sum256 of %d bytes = %x, want %x", n, got, want)
		}
	}
}

// TestConstants checks the Montgomery constants computed at start with
// math/big.
func TestConstants(t *testing.T) {
	params := elliptic.P256().Params()
	for _, c := range []struct {
		md *modulus
		m  *big.Int
	}{{fieldP, params.P}, {orderN, params.N}} {
		if toBig(c.md.m).Cmp(c.m) != 0 {
			t.Fatalf("modulus %x, want %x", toBig(c.md.m), c.m)
		}
		r := new(big.Int).Lsh(big.NewInt(1), 256)
		if toBig(c.md.one).Cmp(new(big.Int).Mod(r, c.m)) != 0 {
			t.Errorf("one")
		}
		if toBig(c.md.r2).Cmp(new(big.Int).Mod(new(big.Int).Mul(r, r), c.m)) != 0 {
			t.Errorf("r2")
		}
		if c.md.m[0]*-c.md.m0inv != 1 {
			t.Errorf("inv")
		}
		// Random products and inverses against math/big.
		rng := mrand.New(mrand.NewPCG(3, 4))
		for range 200 {
			a, b := randBelow(rng, c.m), randBelow(rng, c.m)
			got := toBig(c.md.fromMont(c.md.mul(c.md.toMont(fromBig(a)), c.md.toMont(fromBig(b)))))
			if want := new(big.Int).Mod(new(big.Int).Mul(a, b), c.m); got.Cmp(want) != 0 {
				t.Fatalf("%x * %x = %x, want %x", a, b, got, want)
			}
			if a.Sign() != 0 {
				got = toBig(c.md.fromMont(c.md.inv(c.md.toMont(fromBig(a)))))
				if want := new(big.Int).ModInverse(a, c.m); got.Cmp(want) != 0 {
					t.Fatalf("1/%x = %x, want %x", a, got, want)
				}
			}
			if got, want := toBig(c.md.add(fromBig(a), fromBig(b))), new(big.Int).Mod(new(big.Int).Add(a, b), c.m); got.Cmp(want) != 0 {
				t.Fatalf("add")
			}
			if got, want := toBig(c.md.sub(fromBig(a), fromBig(b))), new(big.Int).Mod(new(big.Int).Sub(a, b), c.m); got.Cmp(want) != 0 {
				t.Fatalf("sub")
			}
		}
	}
}

// TestVerifyAgainstCryptoECDSA: on random keys and messages, Verify agrees
// with crypto/ecdsa on genuine signatures, malleated ones (s -> n-s, also
// valid), and signatures, messages and keys altered.
func TestVerifyAgainstCryptoECDSA(t *testing.T) {
	n := elliptic.P256().Params().N
	rng := mrand.New(mrand.NewPCG(5, 6))
	count := 200
	if testing.Short() {
		count = 20
	}
	for i := range count {
		priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		msg := make([]byte, rng.IntN(200))
		for j := range msg {
			msg[j] = byte(rng.Uint32())
		}
		digest := sha256.Sum256(msg)
		r, s, err := ecdsa.Sign(rand.Reader, priv, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		x, y := coords(&priv.PublicKey)
		check := func(what string, x, y *[32]byte, msg []byte, r, s *big.Int) {
			t.Helper()
			sig := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
			want := false
			if pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x[:]...), y[:]...)); err == nil {
				d := sha256.Sum256(msg)
				want = ecdsa.Verify(pub, d[:], r, s)
			}
			if got := Verify(x, y, msg, sig); got != want {
				t.Fatalf("case %d %s: Verify = %v, crypto/ecdsa says %v", i, what, got, want)
			}
		}
		check("genuine", &x, &y, msg, r, s)
		check("malleated", &x, &y, msg, r, new(big.Int).Sub(n, s))
		check("r+1", &x, &y, msg, new(big.Int).Add(r, big.NewInt(1)), s)
		check("s+1", &x, &y, msg, r, new(big.Int).Add(s, big.NewInt(1)))
		check("other message", &x, &y, append(msg, 1), r, s)
		x2 := x
		x2[31] ^= 1
		check("other key", &x2, &y, msg, r, s)
		other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		ox, oy := coords(&other.PublicKey)
		check("another key", &ox, &oy, msg, r, s)
	}
	// Out-of-range scalars and a short signature are refused.
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	x, y := coords(&priv.PublicKey)
	for _, sig := range [][]byte{make([]byte, 64), make([]byte, 63), append(n.FillBytes(make([]byte, 32)), n.FillBytes(make([]byte, 32))...)} {
		if Verify(&x, &y, []byte("m"), sig) {
			t.Errorf("accepted %x", sig)
		}
	}
}

func coords(pub *ecdsa.PublicKey) (x, y [32]byte) {
	b, _ := pub.Bytes()
	copy(x[:], b[1:33])
	copy(y[:], b[33:])
	return x, y
}

func toBig(a fe) *big.Int {
	b := make([]byte, 32)
	for i := 0; i < 4; i++ {
		for j := 0; j < 8; j++ {
			b[8*i+j] = byte(a[3-i] >> (56 - 8*j))
		}
	}
	return new(big.Int).SetBytes(b)
}

func fromBig(a *big.Int) fe { return feFromBytes(a.FillBytes(make([]byte, 32))) }

func randBelow(r *mrand.Rand, m *big.Int) *big.Int {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return new(big.Int).Mod(new(big.Int).SetBytes(b), m)
}

func BenchmarkVerify(b *testing.B) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	msg := []byte("eyJhbGciOiJFUzI1NiJ9.eyJ2IjoxfQ")
	d := sha256.Sum256(msg)
	r, s, _ := ecdsa.Sign(rand.Reader, priv, d[:])
	sig := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	x, y := coords(&priv.PublicKey)
	for b.Loop() {
		if !Verify(&x, &y, msg, sig) {
			b.Fatal("not verified")
		}
	}
}
