package species

// bitPattern computes the optimal-string-alignment distance of one ASCII pattern of at
// most 63 letters to many words, with the bit-parallel algorithm of Myers (1999) as
// extended to transpositions by Hyyrö (2003): one pass over the word, a few machine
// operations a letter. Search uses it to check thousands of words against a query's
// word.
type bitPattern struct {
	m   int
	peq [128]uint64 // for each letter, the positions of the pattern that hold it
}

// set prepares p for pattern a, which must be ASCII and at most 63 bytes long.
func (p *bitPattern) set(a string) {
	clear(p.peq[:])
	p.m = len(a)
	for i := 0; i < len(a); i++ {
		p.peq[a[i]&0x7f] |= 1 << i
	}
}

// distance returns the distance of the pattern to b, which must be ASCII.
func (p *bitPattern) distance(b string) int {
	m := p.m
	if m == 0 {
		return len(b)
	}
	mask := uint64(1)<<m - 1
	last := uint64(1) << (m - 1)
	pv, mv := mask, uint64(0)
	score := m
	var d0Prev, eqPrev uint64
	for j := 0; j < len(b); j++ {
		eq := p.peq[b[j]&0x7f]
		tr := ((^d0Prev & eq) << 1) & eqPrev
		d0 := (((eq & pv) + pv) ^ pv) | eq | mv | tr
		hp := mv | ^(d0 | pv)
		hn := d0 & pv
		if hp&last != 0 {
			score++
		} else if hn&last != 0 {
			score--
		}
		hp = hp<<1 | 1
		hn <<= 1
		pv = (hn | ^(d0 | hp)) & mask
		mv = d0 & hp & mask
		d0Prev, eqPrev = d0&mask, eq
	}
	return score
}
