package p256table

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	mrand "math/rand/v2"
	"testing"

	"filippo.io/nistec"
)

// newKey returns a fresh P-256 key and its table.
func newKey(tb testing.TB) (*ecdsa.PrivateKey, *PublicKey) {
	tb.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := New(&priv.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	return priv, k
}

// sign returns a JWS-style (r || s) signature of digest.
func sign(t testing.TB, key *ecdsa.PrivateKey, digest []byte) []byte {
	t.Helper()
	r, s, err := ecdsa.Sign(rand.Reader, key, digest)
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig
}

func stdVerify(pub *ecdsa.PublicKey, digest [32]byte, sig []byte) bool {
	return len(sig) == 64 && ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
}

// TestAgreesWithCryptoECDSA checks random keys and messages, valid
// signatures and altered ones (a bit of r, s or the digest flipped, s
// replaced by n-s, which ECDSA also accepts), against crypto/ecdsa.
func TestAgreesWithCryptoECDSA(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	for range 20 {
		priv, k := newKey(t)
		for m := range 10 {
			digest := sha256.Sum256([]byte{byte(m), byte(rng.Uint32())})
			sig := sign(t, priv, digest[:])
			if !k.Verify(digest, sig) {
				t.Fatalf("a valid signature was refused")
			}
			low := new(big.Int).Sub(order, new(big.Int).SetBytes(sig[32:]))
			alt := append([]byte(nil), sig...)
			low.FillBytes(alt[32:])
			if got, want := k.Verify(digest, alt), stdVerify(&priv.PublicKey, digest, alt); got != want {
				t.Fatalf("s replaced by n-s: got %v, crypto/ecdsa %v", got, want)
			}
			for range 4 {
				bad := append([]byte(nil), sig...)
				d := digest
				if bit := rng.IntN(64*8 + 256); bit < 64*8 {
					bad[bit/8] ^= 1 << (bit % 8)
				} else {
					d[(bit-64*8)/8] ^= 1 << (bit % 8)
				}
				if got, want := k.Verify(d, bad), stdVerify(&priv.PublicKey, d, bad); got != want || got {
					t.Fatalf("altered signature: got %v, crypto/ecdsa %v", got, want)
				}
			}
		}
	}
}

// TestRefusesOutOfRange covers what crypto/ecdsa refuses before any
// arithmetic: r or s zero or at least n, and a signature of another length.
func TestRefusesOutOfRange(t *testing.T) {
	priv, k := newKey(t)
	digest := sha256.Sum256([]byte("permit"))
	sig := sign(t, priv, digest[:])
	n := order.FillBytes(make([]byte, 32))
	max := make([]byte, 32)
	for i := range max {
		max[i] = 0xff
	}
	for name, s := range map[string][]byte{
		"r zero":  append(make([]byte, 32), sig[32:]...),
		"s zero":  append(append([]byte(nil), sig[:32]...), make([]byte, 32)...),
		"r is n":  append(append([]byte(nil), n...), sig[32:]...),
		"s is n":  append(append([]byte(nil), sig[:32]...), n...),
		"r 2^256": append(append([]byte(nil), max...), sig[32:]...),
		"short":   sig[:63],
		"long":    append(append([]byte(nil), sig...), 0),
	} {
		if k.Verify(digest, s) {
			t.Errorf("%s: accepted", name)
		}
	}
	if !k.Verify(digest, sig) {
		t.Fatal("the valid signature was refused")
	}
}

// TestMultAgreesWithScalarMult checks the table's multiplication against
// nistec's on scalars that exercise every digit and carry: 1, 2^k, 2^k-1,
// n-1, and runs of ones.
func TestMultAgreesWithScalarMult(t *testing.T) {
	priv, k := newKey(t)
	enc, _ := priv.PublicKey.Bytes()
	q, _ := nistec.NewP256Point().SetBytes(enc)
	scalars := []*big.Int{big.NewInt(1), big.NewInt(31), big.NewInt(32), big.NewInt(33), big.NewInt(63), new(big.Int).Sub(order, big.NewInt(1))}
	for _, b := range []uint{6, 7, 100, 251, 252, 254, 255} {
		p := new(big.Int).Lsh(big.NewInt(1), b)
		scalars = append(scalars, p, new(big.Int).Sub(p, big.NewInt(1)))
	}
	rng := mrand.New(mrand.NewPCG(3, 4))
	for range 200 {
		var b [32]byte
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		scalars = append(scalars, new(big.Int).Mod(new(big.Int).SetBytes(b[:]), order))
	}
	for _, s := range scalars {
		var b [32]byte
		s.FillBytes(b[:])
		want, _ := nistec.NewP256Point().ScalarMult(q, b[:])
		if got := k.mult(&b); got.Equal(want) != 1 {
			t.Fatalf("mult(%x) differs from ScalarMult", b)
		}
	}
}

// FuzzVerify compares Verify with crypto/ecdsa on arbitrary signatures
// and digests under one key, seeded with a valid signature.
func FuzzVerify(f *testing.F) {
	priv, k := newKey(f)
	digest := sha256.Sum256([]byte("permit"))
	f.Add(digest[:], sign(f, priv, digest[:]))
	f.Fuzz(func(t *testing.T, d, sig []byte) {
		var dg [32]byte
		copy(dg[:], d)
		if got, want := k.Verify(dg, sig), stdVerify(&priv.PublicKey, dg, sig); got != want {
			t.Fatalf("Verify %v, crypto/ecdsa %v", got, want)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	digest := sha256.Sum256([]byte("permit"))
	sig := sign(b, priv, digest[:])
	b.Run("table", func(b *testing.B) {
		k, _ := New(&priv.PublicKey)
		for b.Loop() {
			if !k.Verify(digest, sig) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("crypto-ecdsa", func(b *testing.B) {
		for b.Loop() {
			if !stdVerify(&priv.PublicKey, digest, sig) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("new-table", func(b *testing.B) {
		for b.Loop() {
			New(&priv.PublicKey)
		}
	})
}
