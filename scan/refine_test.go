package scan

import "testing"

// crumpledGrid renders permitText (version 5, 37 modules) crumpled by up
// to about half a module (amp 3 pixels a bump, modules of 7.3), and
// returns its luminance, the grid of the code as placed before crumpling,
// and the modules it encodes.
func crumpledGrid(tb testing.TB) (*gray, *grid, []bool) {
	tb.Helper()
	img, corners := receiptScene().render(tb)
	img = addNoise(crumple(img, 3, 300, 2), 4, 2)
	q, _, err := encodeQR(permitText, levelQ)
	if err != nil {
		tb.Fatal(err)
	}
	d := float64(q.size)
	h, ok := fitHomog([]point{{0, 0}, {d, 0}, {d, d}, {0, d}}, corners[0][:])
	if !ok {
		tb.Fatal("no homography")
	}
	want := make([]bool, q.size*q.size)
	for i := range want {
		want[i] = q.m[i]&dark != 0
	}
	return toGray(img), &grid{dim: q.size, h: h}, want
}

// wrongModules counts the modules of g that sampleGray reads wrong.
func wrongModules(tb testing.TB, g *grid, im *gray, want []bool) int {
	tb.Helper()
	sg, ok := sampleGray(g, im, 0)
	if !ok {
		tb.Fatal("grid leaves the image")
	}
	n := 0
	for i, w := range want {
		if sg.bits.Get(i%g.dim, i/g.dim) != w {
			n++
		}
	}
	return n
}

// TestRefineGrid checks that refinement moves a grid onto crumpled
// modules: sampled where the flat print put them, some read wrong (11);
// refined, under a quarter as many (none).
func TestRefineGrid(t *testing.T) {
	im, g, want := crumpledGrid(t)
	before := wrongModules(t, g, im, want)
	rg, ok := refineGrid(g, im)
	if !ok {
		t.Fatal("refineGrid failed")
	}
	after := wrongModules(t, rg, im, want)
	t.Logf("wrong modules: %d of %d before, %d after", before, len(want), after)
	if after*4 > before {
		t.Errorf("wrong modules: %d before, %d after; want under a quarter", before, after)
	}
}

// BenchmarkRefineGrid times one refinement of a version 5 grid.
func BenchmarkRefineGrid(b *testing.B) {
	im, g, _ := crumpledGrid(b)
	for b.Loop() {
		refineGrid(g, im)
	}
}
