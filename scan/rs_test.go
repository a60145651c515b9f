package scan

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing/common/reedsolomon"
)

// TestRSCorrect corrupts blocks encoded by gozxing's encoder with errors
// and erasures up to and past what the check codewords allow.
func TestRSCorrect(t *testing.T) {
	enc := reedsolomon.NewReedSolomonEncoder(reedsolomon.GenericGF_QR_CODE_FIELD_256)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name             string
		n, ec            int
		erasures, errors int
		slack            int
		want             bool
	}{
		{"Clean", 26, 10, 0, 0, 0, true},
		{"ErrorsOnly", 26, 10, 0, 5, 0, true},
		{"ErasuresOnly", 44, 24, 24, 0, 0, true},
		{"Mixed", 70, 18, 8, 5, 0, true},
		{"MixedSlack", 70, 18, 8, 4, 2, true},
		{"Version40Block", 153, 30, 10, 10, 0, true},
		{"ErrCodeTooMany", 26, 10, 0, 6, 0, false},
		{"ErrSlack", 70, 18, 8, 5, 2, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			for trial := range 50 {
				msg := make([]int, c.n)
				for i := range c.n - c.ec {
					msg[i] = rng.IntN(256)
				}
				enc.Encode(msg, c.ec)
				want := make([]byte, c.n)
				for i, v := range msg {
					want[i] = byte(v)
				}
				got := append([]byte(nil), want...)
				perm := rng.Perm(c.n)
				erasures := perm[:c.erasures]
				for _, i := range perm[:c.erasures+c.errors] {
					got[i] ^= byte(1 + rng.IntN(255))
				}
				ok := rsCorrect(got, c.ec, erasures, c.slack)
				if c.want && (!ok || !bytes.Equal(got, want)) {
					t.Fatalf("trial %d: ok %v, corrected %v", trial, ok, bytes.Equal(got, want))
				}
				if !c.want && ok && bytes.Equal(got, want) {
					t.Fatalf("trial %d: corrected past the bound", trial)
				}
			}
		})
	}
}
