package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	qrcode "github.com/skip2/go-qrcode"
)

var levels = []struct {
	name string
	zx   decoder.ErrorCorrectionLevel
	goqr qrcode.RecoveryLevel
}{
	{"L", decoder.ErrorCorrectionLevel_L, qrcode.Low},
	{"M", decoder.ErrorCorrectionLevel_M, qrcode.Medium},
	{"Q", decoder.ErrorCorrectionLevel_Q, qrcode.High},
	{"H", decoder.ErrorCorrectionLevel_H, qrcode.Highest},
}

// textFilling returns a byte-mode text of exactly the capacity of version v
// at level, so the encoder must choose v.
func textFilling(tb testing.TB, v int, level decoder.ErrorCorrectionLevel) string {
	tb.Helper()
	ver, err := decoder.Version_GetVersionForNumber(v)
	if err != nil {
		tb.Fatal(err)
	}
	data := ver.GetTotalCodewords() - ver.GetECBlocksForLevel(level).GetTotalECCodewords()
	countBits := 8 // byte mode's character count indicator (ISO/IEC 18004 table 3)
	if v >= 10 {
		countBits = 16
	}
	n := (data*8 - 4 - countBits) / 8
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_:/"
	var b strings.Builder
	for i := range n {
		b.WriteByte(alphabet[(i*7+v)%len(alphabet)])
	}
	return b.String()
}

// TestRoundTrip encodes texts filling versions 1 to 25 at every level, with
// this package's encoder and with go-qrcode, and reads them back.
func TestRoundTrip(t *testing.T) {
	for _, lv := range levels {
		for v := 1; v <= 25; v++ {
			text := textFilling(t, v, lv.zx)
			t.Run(fmt.Sprintf("%s/v%d", lv.name, v), func(t *testing.T) {
				q, gotV, err := encodeQR(text, lv.zx)
				if err != nil {
					t.Fatal(err)
				}
				if gotV != v || q.size != 17+4*v {
					t.Fatalf("version %d size %d, want %d", gotV, q.size, v)
				}
				img := MustSymbol(t, text, lv.zx, 3)
				codes := mustDecodeImage(t, img)
				if len(codes) != 1 || codes[0].Text != text {
					t.Fatalf("read %+v", codes)
				}
				n := float64(q.size+2*quietZone) * 3
				want := symbolCorners([4]point{{0, 0}, {n, 0}, {n, n}, {0, n}}, q.size+2*quietZone)
				if !near(codes[0].Corners, want, 2) {
					t.Errorf("corners %v, want %v", codes[0].Corners, want)
				}

				ref, err := qrcode.New(text, lv.goqr)
				if err != nil {
					t.Fatal(err)
				}
				if ref.VersionNumber != v {
					t.Fatalf("go-qrcode chose version %d", ref.VersionNumber)
				}
				bm := ref.Bitmap()
				refImg := matrixImage(len(bm)-2*quietZone, func(x, y int) bool { return bm[y+quietZone][x+quietZone] }, 3)
				if codes := mustDecodeImage(t, refImg); len(codes) != 1 || codes[0].Text != text {
					t.Fatalf("go-qrcode symbol read as %+v", codes)
				}
				if lv.name == "Q" {
					if got, err := Version(text); err != nil || got != v {
						t.Errorf("Version = %d, %v; want %d", got, err, v)
					}
				}
			})
		}
	}
}

// TestVersionModes checks the versions chosen for texts in one mode each,
// and that a permit code (an alphanumeric prefix, then digits) is split
// into segments so that it fits version 20 at level Q.
func TestVersionModes(t *testing.T) {
	if v, err := Version("CP1:" + strings.Repeat("56", 559)); err != nil || v != 20 {
		t.Errorf("permit-sized code: version %d, %v; want 20", v, err)
	}
	if _, err := Version(""); err == nil {
		t.Errorf("empty text: no error")
	}
	texts := []string{
		strings.Repeat("7", 27), // numeric: 27 digits fill version 1-Q
		strings.Repeat("7", 28),
		"HELLO WORLD 123",
		strings.Repeat("A", 100),
		strings.Repeat("a", 450),
		strings.Repeat("a", 1663), // the most bytes version 40-Q takes
	}
	for _, text := range texts {
		got, err := Version(text)
		if err != nil {
			t.Errorf("Version(%.20q): %v", text, err)
			continue
		}
		ref, err := qrcode.New(text, qrcode.High)
		if err != nil {
			t.Fatal(err)
		}
		want := ref.VersionNumber
		if got != want {
			t.Errorf("Version(%.20q) = %d, go-qrcode says %d", text, got, want)
		}
	}
	if _, err := Version(strings.Repeat("a", 1664)); !errors.Is(err, ErrTooLong) {
		t.Errorf("1664 bytes: err = %v, want ErrTooLong", err)
	}
}

func TestEncodePNG(t *testing.T) {
	text := "CP1:" + strings.Repeat("Ab9", 40)
	for _, ppm := range []int{1, 3, 8} {
		t.Run(strconv.Itoa(ppm), func(t *testing.T) {
			b, err := EncodePNG(text, ppm)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			g, ok := img.(*image.Gray)
			if !ok {
				t.Fatalf("decoded as %T, want a 1-bit grey image", img)
			}
			q, v, _ := encodeQR(text, decoder.ErrorCorrectionLevel_Q)
			n := (17 + 4*v + 2*quietZone) * ppm
			if cfg.Width != n || cfg.Height != n {
				t.Fatalf("size %dx%d, want %d", cfg.Width, cfg.Height, n)
			}
			// Every module is a uniform ppm x ppm block of 0 or 255.
			for y := range n {
				for x := range n {
					mx, my := x/ppm-quietZone, y/ppm-quietZone
					want := uint8(255)
					if mx >= 0 && my >= 0 && mx < q.size && my < q.size && q.m[my*q.size+mx]&dark != 0 {
						want = 0
					}
					if got := g.Pix[y*g.Stride+x]; got != want {
						t.Fatalf("pixel (%d,%d) = %d, want %d", x, y, got, want)
					}
				}
			}
			if ppm >= 3 {
				codes := mustDecodeImage(t, img)
				if len(codes) != 1 || codes[0].Text != text {
					t.Fatalf("read %+v", codes)
				}
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	if _, err := EncodePNG("x", 0); err == nil {
		t.Error("EncodePNG with 0 px/module: no error")
	}
	if _, err := EncodePNG("x", 1000); err == nil {
		t.Error("EncodePNG with 1000 px/module: no error")
	}
	long := strings.Repeat("x", 5000)
	if _, err := EncodePNG(long, 4); !errors.Is(err, ErrTooLong) {
		t.Errorf("EncodePNG too long: %v", err)
	}
	if _, err := EncodeSVG(long); !errors.Is(err, ErrTooLong) {
		t.Errorf("EncodeSVG too long: %v", err)
	}
}

// TestEncodeSVG rasterises the SVG path and compares it with the PNG.
func TestEncodeSVG(t *testing.T) {
	text := "CP1:permit/2026/XY-001234?sig=Zm9vYmFy"
	svg, err := EncodeSVG(text)
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	if strings.Count(s, "<path") != 1 {
		t.Fatalf("want one path: %s", s)
	}
	q, _, _ := encodeQR(text, decoder.ErrorCorrectionLevel_Q)
	n := q.size + 2*quietZone
	if !strings.Contains(s, fmt.Sprintf(`viewBox="0 0 %d %d"`, n, n)) {
		t.Fatalf("viewBox not 0 0 %d %d: %s", n, n, s)
	}
	got := make([][]bool, n)
	for i := range got {
		got[i] = make([]bool, n)
	}
	re := regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
	d := s[strings.Index(s, ` d="`)+4:]
	d = d[:strings.Index(d, `"`)]
	if rest := re.ReplaceAllString(d, ""); rest != "" {
		t.Fatalf("unexpected path data %q", rest)
	}
	for _, m := range re.FindAllStringSubmatch(d, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for i := x; i < x+w; i++ {
			got[y][i] = true
		}
	}
	want := make([][]bool, n)
	for y := range want {
		want[y] = make([]bool, n)
		for x := range want[y] {
			mx, my := x-quietZone, y-quietZone
			want[y][x] = mx >= 0 && my >= 0 && mx < q.size && my < q.size && q.m[my*q.size+mx]&dark != 0
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SVG modules differ (-want +got):\n%s", diff)
	}
	pngBytes, _ := EncodePNG(text, 4)
	img, _ := png.Decode(bytes.NewReader(pngBytes))
	codes, err := DecodeImage(context.Background(), img, Options{})
	if err != nil || codes[0].Text != text {
		t.Errorf("PNG of the same text: %v %v", codes, err)
	}
}

func BenchmarkEncodePNG(b *testing.B) {
	text := "CP1:" + strings.Repeat("AbCdEfGhIj", 45)[:446]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodePNG(text, 8); err != nil {
			b.Fatal(err)
		}
	}
}
