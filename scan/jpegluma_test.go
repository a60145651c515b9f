package scan

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/image/draw"
)

// The files in testdata/jpeg were written by libjpeg-turbo's cjpeg from one
// synthetic 157x117 scene with a QR code, so that the decoder meets what
// Go's encoder never writes: 4:4:4, 4:2:2, 4:4:0 and 4:1:1 sampling,
// restart markers every MCU, every 3 MCUs and every MCU row, optimized
// Huffman tables (codes longer than the lookup's 9 bits), progressive
// frames, and one file it must leave to image/jpeg (RGB with an Adobe
// marker):
//
//	cjpeg -sample 1x1 -quality 75 scene.ppm > 444.jpg
//	cjpeg -sample 2x1 -quality 85 -optimize scene.ppm > 422-optimized.jpg
//	cjpeg -sample 2x2 -quality 75 -restart 3B scene.ppm > 420-restart.jpg
//	cjpeg -sample 1x2 -quality 80 scene.ppm > 440.jpg
//	cjpeg -sample 4x1 -quality 80 -restart 1 scene.ppm > 411-restart.jpg
//	cjpeg -grayscale -quality 90 -restart 1B scene.ppm > grey-restart.jpg
//	cjpeg -progressive -quality 85 scene.ppm > progressive.jpg
//	cjpeg -progressive -sample 1x1 -quality 75 -restart 2B scene.ppm > progressive-444-restart.jpg
//	cjpeg -progressive -grayscale -quality 85 scene.ppm > progressive-grey.jpg
//	cjpeg -rgb -quality 75 scene.ppm > rgb.jpg
//
// The progressive files use libjpeg's default script: spectral selection
// and successive approximation of both DC and AC coefficients, with
// end-of-band runs.
var lumaFixtures = map[string]bool{ // file: read by the luminance decoder
	"444.jpg": true, "422-optimized.jpg": true, "420-restart.jpg": true, "440.jpg": true,
	"411-restart.jpg": true, "grey-restart.jpg": true, "progressive.jpg": true,
	"progressive-444-restart.jpg": true, "progressive-grey.jpg": true, "rgb.jpg": false,
}

// lumaDiff decodes data with gray and with image/jpeg and returns the
// largest difference of a luminance sample, and whether gray used the
// luminance decoder. It fails the test if gray allocated more than
// grayCost reserves.
func lumaDiff(t *testing.T, data []byte) (worst int, luma bool) {
	t.Helper()
	want, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image/jpeg: %v", err)
	}
	e, err := readHeader(data, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, ferr := e.lumaFrame()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, or, err := e.gray()
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("gray: %v", err)
	}
	// What the pool reserves must cover what the decode allocates.
	if alloc, cost := after.TotalAlloc-before.TotalAlloc, e.grayCost(); alloc > uint64(cost) {
		t.Errorf("decoding allocated %d bytes, more than the %d reserved", alloc, cost)
	}
	wg := or.apply(toGray(want))
	if got.w != wg.w || got.h != wg.h {
		t.Fatalf("decoded %dx%d, image/jpeg %dx%d", got.w, got.h, wg.w, wg.h)
	}
	for i := range wg.pix {
		worst = max(worst, abs(int(wg.pix[i])-int(got.pix[i])))
	}
	return worst, ferr == nil
}

// TestJPEGLuma checks that the luminance decoder reads what it claims to
// as image/jpeg does (its inverse DCT rounds differently, by one level at
// most), and leaves the rest to image/jpeg.
func TestJPEGLuma(t *testing.T) {
	for name, wantLuma := range lumaFixtures {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata/jpeg", name))
			if err != nil {
				t.Fatal(err)
			}
			d, luma := lumaDiff(t, data)
			if luma != wantLuma {
				t.Errorf("read by the luminance decoder: %v, want %v", luma, wantLuma)
			}
			if d > 1 {
				t.Errorf("luminance differs from image/jpeg's by %d", d)
			}
		})
	}
	// What Go's encoder writes (4:2:0 and grey), at sizes that are not
	// whole MCUs and at every quality band.
	for _, size := range []image.Point{{1, 1}, {17, 9}, {203, 157}} {
		for _, q := range []int{5, 50, 100} {
			for _, grey := range []bool{false, true} {
				var img image.Image = stripes(size.X, size.Y)
				if grey {
					g := image.NewGray(img.Bounds())
					for i := range g.Pix {
						g.Pix[i] = uint8(i * 7)
					}
					img = g
				}
				data := MustJPEG(t, img, q)
				if d, luma := lumaDiff(t, data); !luma || d > 1 {
					t.Errorf("%v q%d grey %v: luminance decoder %v, differs by %d", size, q, grey, luma, d)
				}
			}
		}
	}
}

func stripes(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 13), uint8(y * 5), uint8((x ^ y) * 3), 255})
		}
	}
	return img
}

// TestJPEGLumaPhotos compares the luminance decoder with image/jpeg on the
// first photo of each category of the dev photos.
func TestJPEGLumaPhotos(t *testing.T) {
	dir := "../../shared/qr-photos"
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no photos at %s", dir)
		}
		t.Skipf("no photos at %s", dir)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*/image00[0-2].jpg"))
	files = append(files, filepath.Join(dir, "nominal/image025.jpg")) // progressive
	read := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, luma := lumaDiff(t, data)
		if d > 1 {
			t.Errorf("%s: luminance differs from image/jpeg's by %d", f, d)
		}
		if luma {
			read++
		}
	}
	if read < len(files)/2 {
		t.Errorf("the luminance decoder read %d of %d photos", read, len(files))
	}
	t.Logf("%d of %d photos read by the luminance decoder", read, len(files))
}

// TestJPEGLumaBroken cuts and corrupts the fixtures: the decoder must
// never panic, and a file cut inside its image data is refused with
// invalid_image, as image/jpeg refuses it.
func TestJPEGLumaBroken(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, luma := range lumaFixtures {
		if !luma {
			continue
		}
		data, err := os.ReadFile(filepath.Join("testdata/jpeg", name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := parseLumaFrame(data)
		if err != nil {
			t.Fatal(err)
		}
		for cut := f.scan + 1; cut < len(data)-64; cut += 97 {
			e, err := readHeader(data[:cut], 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.gray(); !isCode(err, InvalidImage) {
				t.Errorf("%s cut at %d of %d: %v, want invalid_image", name, cut, len(data), err)
			}
			if _, err := Check(context.Background(), data[:cut], Options{}); !isCode(err, InvalidImage) {
				t.Errorf("Check: %s cut at %d of %d: %v, want invalid_image", name, cut, len(data), err)
			}
		}
		for range 150 {
			bad := bytes.Clone(data)
			for range 1 + rng.IntN(4) {
				bad[rng.IntN(len(bad))] = byte(rng.IntN(256))
			}
			if e, err := readHeader(bad, 0); err == nil {
				e.gray() // must not panic
				Check(context.Background(), bad, Options{})
				Thumbnail(context.Background(), bad, 16, Options{})
			}
		}
	}
}

// TestJPEGLumaScanLimit: a progressive file of more than maxScans scans
// (each a pass over every block) is refused rather than decoded for
// minutes; one of a normal count is read.
func TestJPEGLumaScanLimit(t *testing.T) {
	data, err := os.ReadFile("testdata/jpeg/progressive-grey.jpg")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseLumaFrame(data)
	if err != nil {
		t.Fatal(err)
	}
	// The first scan, header and data, repeated: each repeat is valid.
	n := int(data[f.scan+2])<<8 | int(data[f.scan+3])
	end := nextMarker(data, f.scan+2+n)
	for _, repeats := range []int{5, 150} {
		var b bytes.Buffer
		b.Write(data[:end])
		for range repeats {
			b.Write(data[f.scan:end])
		}
		b.Write(data[end:])
		e, err := readHeader(b.Bytes(), 0)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = e.gray()
		if repeats > 100 && (!isCode(err, InvalidImage) || !strings.Contains(err.Error(), "too many scans")) {
			t.Errorf("%d more scans: %v, want invalid_image: too many scans", repeats, err)
		}
		if repeats <= 100 && err != nil {
			t.Errorf("%d more scans: %v", repeats, err)
		}
	}
}

func isCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// FuzzJPEGLuma feeds the luminance decoder arbitrary files that start as
// the fixtures: go test -fuzz FuzzJPEGLuma ./scan.
func FuzzJPEGLuma(f *testing.F) {
	for name := range lumaFixtures {
		data, err := os.ReadFile(filepath.Join("testdata/jpeg", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := parseLumaFrame(data)
		if err != nil || fr.w*fr.h > 1<<22 {
			return
		}
		if g, err := decodeJPEGLuma(data, fr); err == nil && (g.w != fr.w || g.h != fr.h || len(g.pix) != g.w*g.h) {
			t.Fatalf("decoded %dx%d (%d bytes) for a %dx%d frame", g.w, g.h, len(g.pix), fr.w, fr.h)
		}
	})
}

// BenchmarkJPEGLuma times the luminance decoder against image/jpeg on the
// largest dev photo (12 megapixels, baseline 4:4:4) and on a progressive
// one (3 megapixels, 4:2:0).
func BenchmarkJPEGLuma(b *testing.B) {
	for name, file := range map[string]string{"baseline": "glare/image017.jpg", "progressive": "nominal/image025.jpg"} {
		data, err := os.ReadFile(filepath.Join("../../shared/qr-photos", file))
		if err != nil {
			b.Skip("no dev photos")
		}
		b.Run(name+"/image-jpeg", func(b *testing.B) {
			for b.Loop() {
				if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/luma", func(b *testing.B) {
			for b.Loop() {
				f, err := parseLumaFrame(data)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := decodeJPEGLuma(data, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestJPEGThumbnailDC: a baseline JPEG's thumbnail, made from its DC
// coefficients (an eighth of its size, each pixel a block's mean), is the
// image/jpeg decode scaled down, within a few levels; and it holds a few
// bytes a block, not the decoded image.
func TestJPEGThumbnailDC(t *testing.T) {
	type input struct {
		data []byte
		side int
		tol  float64 // mean difference allowed, in levels
	}
	inputs := map[string]input{}
	for name, luma := range lumaFixtures {
		data, err := os.ReadFile(filepath.Join("testdata/jpeg", name))
		if err != nil {
			t.Fatal(err)
		}
		if luma && !strings.HasPrefix(name, "progressive") {
			// 157x117: the blocks' means and a kernel over the pixels
			// of a 29-module code 16 pixels wide differ more.
			inputs[name] = input{data, 16, 4}
		}
	}
	photo, err := os.ReadFile("../../shared/qr-photos/glare/image017.jpg")
	switch {
	case err == nil:
		inputs["12-megapixel photo"] = input{photo, 256, 1}
	case os.Getenv("CI") != "":
		t.Fatal(err)
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			got, info, err := Thumbnail(context.Background(), in.data, in.side, Options{})
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			e, err := readHeader(in.data, 0)
			if err != nil {
				t.Fatal(err)
			}
			pl := planPreview(e, in.side)
			if pl.dc == nil {
				t.Fatal("not thumbnailed from the DC coefficients")
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(pl.cost) {
				t.Errorf("allocated %d bytes, more than the %d reserved", alloc, pl.cost)
			}
			if full := decodedCost(e.data, e.format, e.cfg); info.Width*info.Height > 1e6 && pl.cost > full/3 {
				t.Errorf("reserved %d bytes, against %d to decode the %dx%d image whole", pl.cost, full, info.Width, info.Height)
			}
			img, err := jpeg.Decode(bytes.NewReader(in.data))
			if err != nil {
				t.Fatal(err)
			}
			want := image.NewRGBA(got.Bounds())
			draw.BiLinear.Scale(want, want.Bounds(), img, img.Bounds(), draw.Src, nil)
			sum, worst := 0, 0
			for i := range got.Pix {
				d := abs(int(got.Pix[i]) - int(want.Pix[i]))
				sum += d
				worst = max(worst, d)
			}
			if mean := float64(sum) / float64(len(got.Pix)); mean > in.tol {
				t.Errorf("thumbnail differs from the decoded image's by %.1f levels on average (%d at most)", mean, worst)
			}
		})
	}
}

// BenchmarkJPEGThumbnail times a case photo's check and 256-pixel
// thumbnail on the largest dev photo: from its DC coefficients, and
// decoded whole by image/jpeg as before.
func BenchmarkJPEGThumbnail(b *testing.B) {
	data, err := os.ReadFile("../../shared/qr-photos/glare/image017.jpg")
	if err != nil {
		b.Skip("no dev photos")
	}
	e, err := readHeader(data, 0)
	if err != nil {
		b.Fatal(err)
	}
	pl := planPreview(e, 256)
	b.Run("dc", func(b *testing.B) {
		for b.Loop() {
			if _, err := dcThumbnail(e, pl.dc, pl.tw, pl.th, true); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("image-jpeg", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeThumbnail(e, pl.tw, pl.th, true); err != nil {
				b.Fatal(err)
			}
		}
	})
}
