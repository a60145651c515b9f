package species

import (
	"math/rand/v2"
	"testing"
)

// TestBitDistance checks the bit-parallel distance against the dynamic-programming one
// on random words over a small alphabet, where transpositions and repeats are common.
func TestBitDistance(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abcde"[rng.IntN(5)]
		}
		return string(b)
	}
	var p bitPattern
	var rows [3][]int
	for range 20000 {
		a, b := word(1+rng.IntN(12)), word(rng.IntN(14))
		p.set(a)
		want := distanceBytes(a, b, 64, &rows)
		if got := p.distance(b); got != want {
			t.Fatalf("distance(%q, %q) = %d, want %d", a, b, got, want)
		}
	}
	for _, c := range []struct {
		a, b string
		want int
	}{{"ca", "abc", 3}, {"cehrrug", "cherrug", 1}, {"falko cherug", "falco cherrug", 2}, {"kitten", "sitting", 3}, {"a", "", 1}} {
		p.set(c.a)
		if got := p.distance(c.b); got != c.want {
			t.Errorf("distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
