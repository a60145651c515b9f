package scan

// This file holds a Reed-Solomon decoder for QR code blocks that corrects
// errors and erasures together. gozxing's decoder corrects errors only: a
// block with ec check codewords takes ec/2 wrong codewords. Knowing which
// codewords are doubtful (modules sampled near the threshold) and calling
// them erasures, a block takes e erasures and t errors as long as
// e + 2t <= ec, which recovers codes under glare, blur and damage that are
// past errors-only correction.

// GF(256) with the QR code's primitive polynomial x^8+x^4+x^3+x^2+1; the
// generator's roots are alpha^0 .. alpha^(ec-1).
var gfExp, gfLog = func() (exp [512]byte, log [256]byte) {
	x := 1
	for i := range 255 {
		exp[i] = byte(x)
		log[x] = byte(i)
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11d
		}
	}
	for i := 255; i < 512; i++ {
		exp[i] = exp[i-255]
	}
	return exp, log
}()

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[int(gfLog[a])+int(gfLog[b])]
}

func gfDiv(a, b byte) byte {
	if a == 0 {
		return 0
	}
	return gfExp[int(gfLog[a])+255-int(gfLog[b])]
}

// gfPow returns alpha^e for any e >= 0.
func gfPow(e int) byte { return gfExp[e%255] }

// polyEval evaluates p (coefficient of x^i at p[i]) at x.
func polyEval(p []byte, x byte) byte {
	var y byte
	for i := len(p) - 1; i >= 0; i-- {
		y = gfMul(y, x) ^ p[i]
	}
	return y
}

func polyMul(a, b []byte) []byte {
	out := make([]byte, len(a)+len(b)-1)
	for i, x := range a {
		if x == 0 {
			continue
		}
		for j, y := range b {
			out[i+j] ^= gfMul(x, y)
		}
	}
	return out
}

// rsSyndromes returns S_j = r(alpha^j), j < ec, of the block cw (first
// codeword the highest power) and whether all are zero.
func rsSyndromes(cw []byte, ec int, s []byte) bool {
	n := len(cw)
	zero := true
	for j := range ec {
		var v byte
		a := gfPow(j)
		for i := range n {
			v = gfMul(v, a) ^ cw[i]
		}
		s[j] = v
		if v != 0 {
			zero = false
		}
	}
	return zero
}

// rsCorrect corrects cw in place (leaving it as it was on failure), a block whose last ec codewords are its
// check codewords, treating the codewords at the indices in erasures as
// unknown. It leaves slack check codewords unused, to detect a block past
// correction instead of miscorrecting it: it fails unless
// len(erasures) + 2*errors + slack <= ec. It reports whether cw is now a
// codeword.
func rsCorrect(cw []byte, ec int, erasures []int, slack int) bool {
	n := len(cw)
	rho := len(erasures)
	if rho+slack > ec || n > 255 {
		return false
	}
	s := make([]byte, ec)
	if rsSyndromes(cw, ec, s) {
		return true
	}
	// Erasure locator Gamma(x) = prod (1 + X_i x), X_i = alpha^(n-1-pos).
	gamma := []byte{1}
	for _, pos := range erasures {
		gamma = polyMul(gamma, []byte{1, gfPow(n - 1 - pos)})
	}
	// Forney syndromes: T = S*Gamma mod x^ec; T_rho .. T_(ec-1) are the
	// syndromes of the errors alone, for Berlekamp-Massey.
	t := polyMul(s, gamma)[:ec]
	xi := t[rho:]
	c, b := []byte{1}, []byte{1}
	l, m := 0, 1
	bb := byte(1)
	for k := range xi {
		d := xi[k]
		for i := 1; i <= l && i < len(c); i++ {
			d ^= gfMul(c[i], xi[k-i])
		}
		if d == 0 {
			m++
			continue
		}
		coef := gfDiv(d, bb)
		next := make([]byte, max(len(c), len(b)+m))
		copy(next, c)
		for i, v := range b {
			next[i+m] ^= gfMul(coef, v)
		}
		if 2*l <= k {
			l, b, bb, m = k+1-l, c, d, 1
		} else {
			m++
		}
		c = next
	}
	for len(c) > 1 && c[len(c)-1] == 0 {
		c = c[:len(c)-1]
	}
	if len(c)-1 != l || rho+2*l+slack > ec {
		return false
	}
	lambda := polyMul(c, gamma)
	deg := len(lambda) - 1
	// Chien search over the block's positions.
	var pos []int
	for i := range n {
		xinv := gfPow(255 - (n-1-i)%255)
		if polyEval(lambda, xinv) == 0 {
			pos = append(pos, i)
		}
	}
	if len(pos) != deg {
		return false
	}
	omega := polyMul(s, lambda)[:ec]
	// Formal derivative: the odd terms, each down one degree.
	dl := make([]byte, max(deg, 1))
	for i := 1; i <= deg; i += 2 {
		dl[i-1] = lambda[i]
	}
	fixed := append([]byte(nil), cw...)
	for _, i := range pos {
		x := gfPow(n - 1 - i)
		xinv := gfPow(255 - (n-1-i)%255)
		den := polyEval(dl, xinv)
		if den == 0 {
			return false
		}
		fixed[i] ^= gfMul(x, gfDiv(polyEval(omega, xinv), den))
	}
	if !rsSyndromes(fixed, ec, s) {
		return false
	}
	copy(cw, fixed)
	return true
}
