package scan

import (
	"bytes"
	"context"
	"testing"
)

func TestJPEGOrientation(t *testing.T) {
	jpg := MustJPEG(t, MustSymbol(t, "x", levelQ, 1), 90)
	tests := []struct {
		name string
		in   []byte
		want int
	}{
		{"NoExif", jpg, 1},
		{"Little6", withOrientation(jpg, 6, false), 6},
		{"Big8", withOrientation(jpg, 8, true), 8},
		{"Each3", withOrientation(jpg, 3, true), 3},
		{"OutOfRange", withOrientation(jpg, 9, false), 1},
		{"Zero", withOrientation(jpg, 0, false), 1},
		{"NotJPEG", []byte("\x89PNG\r\n\x1a\n"), 1},
		{"Empty", nil, 1},
		{"Truncated", withOrientation(jpg, 6, false)[:20], 1},
		{"BadLength", []byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01}, 1},
		{"HugeIFDOffset", []byte{0xFF, 0xD8, 0xFF, 0xE1, 0, 22, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0}, 1},
		{"ManyEntries", []byte{0xFF, 0xD8, 0xFF, 0xE1, 0, 18, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0, 0xFF, 0xFF}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jpegOrientation(tt.in); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestOrientationMaps checks that toStored and apply agree and that each
// orientation is a bijection of the pixel grid.
func TestOrientationMaps(t *testing.T) {
	g := newGray(5, 3)
	for i := range g.pix {
		g.pix[i] = uint8(i)
	}
	for o := 1; o <= 8; o++ {
		or := orientation{o: o, w: 5, h: 3}
		up := or.apply(g)
		if (up.w == 3) != or.swaps() {
			t.Fatalf("o=%d: upright %dx%d", o, up.w, up.h)
		}
		seen := map[uint8]bool{}
		for y := range up.h {
			for x := range up.w {
				v := up.pix[y*up.w+x]
				sx, sy := or.toStored(float64(x)+0.5, float64(y)+0.5)
				if g.pix[int(sy)*5+int(sx)] != v {
					t.Fatalf("o=%d: pixel (%d,%d) disagrees", o, x, y)
				}
				seen[v] = true
			}
		}
		if len(seen) != 15 {
			t.Errorf("o=%d: %d distinct pixels, want 15", o, len(seen))
		}
	}
}

func FuzzJPEGOrientation(f *testing.F) {
	jpg := MustJPEG(f, MustSymbol(f, "x", levelQ, 1), 90)
	f.Add(jpg)
	f.Add(withOrientation(jpg, 6, false))
	f.Add(withOrientation(jpg, 8, true))
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := jpegOrientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}

// FuzzDecode feeds arbitrary bytes to Decode: it must return codes or an
// *Error, never panic, and stay within the size limits.
func FuzzDecode(f *testing.F) {
	img, _ := scene{w: 120, h: 120, bg: 220, codes: []placed{{"CP1:fuzz", 3, square(10, 10, 3*29, 5)}}}.render(f)
	jpg := MustJPEG(f, img, 75)
	f.Add(jpg)
	f.Add(withOrientation(jpg, 6, false))
	png, _ := EncodePNG("CP1:fuzz", 2)
	f.Add(png)
	f.Add(pngHeader(20000, 20000))
	f.Add([]byte("GIF89a"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	f.Fuzz(func(t *testing.T, b []byte) {
		codes, err := Decode(context.Background(), bytes.NewReader(b), Options{MaxPixels: 1 << 16})
		if err != nil {
			if errCode(err) == "" {
				t.Fatalf("error without code: %v", err)
			}
			return
		}
		if len(codes) == 0 {
			t.Fatal("no codes and no error")
		}
	})
}
