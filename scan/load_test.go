package scan

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
	"time"
)

// rawPNG encodes a PNG by hand, for the colour types and bit depths that
// image/png does not write: sample(x, y, c) is channel c of pixel (x, y)
// at the given depth; rows are filtered with every filter type in turn;
// chunks go between IHDR and IDAT.
func rawPNG(w, h, depth, ctype int, interlace bool, chunks map[string][]byte, sample func(x, y, c int) int) []byte {
	channels := map[int]int{pngGray: 1, pngTrueColor: 3, pngPaletted: 1, pngGrayAlpha: 2, pngTrueAlpha: 4}[ctype]
	bpp := max(1, channels*depth/8)
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = byte(depth), byte(ctype)
	if interlace {
		ihdr[12] = 1
	}
	writeChunk(&b, "IHDR", ihdr)
	for _, name := range []string{"PLTE", "tRNS", "tEXt"} {
		if c, ok := chunks[name]; ok {
			writeChunk(&b, name, c)
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	passes := [][4]int{{1, 1, 0, 0}}
	if interlace {
		passes = adam7[:]
	}
	filter := 0
	for _, p := range passes {
		pw, ph := (w-p[2]+p[0]-1)/p[0], (h-p[3]+p[1]-1)/p[1]
		if pw <= 0 || ph <= 0 {
			continue
		}
		rowBytes := (channels*depth*pw + 7) / 8
		prev := make([]byte, rowBytes)
		for y := range ph {
			row := make([]byte, rowBytes)
			bit := 0
			for x := range pw {
				for c := range channels {
					v := sample(p[2]+x*p[0], p[3]+y*p[1], c)
					if depth == 16 {
						binary.BigEndian.PutUint16(row[bit/8:], uint16(v))
					} else {
						row[bit/8] |= byte(v << (8 - depth - bit%8))
					}
					bit += depth
				}
			}
			out := make([]byte, 1+rowBytes)
			out[0] = byte(filter)
			for i := range row {
				var a, up, ul int
				if i >= bpp {
					a, ul = int(row[i-bpp]), int(prev[i-bpp])
				}
				up = int(prev[i])
				var pred int
				switch filter {
				case 1:
					pred = a
				case 2:
					pred = up
				case 3:
					pred = (a + up) / 2
				case 4:
					pa, pb, pc := abs(up-ul), abs(a-ul), abs(a+up-2*ul)
					switch {
					case pa <= pb && pa <= pc:
						pred = a
					case pb <= pc:
						pred = up
					default:
						pred = ul
					}
				}
				out[1+i] = row[i] - byte(pred)
			}
			zw.Write(out)
			prev = row
			filter = (filter + 1) % 5
		}
	}
	zw.Close()
	writeChunk(&b, "IDAT", z.Bytes())
	writeChunk(&b, "IEND", nil)
	return b.Bytes()
}

// testPNGs are PNGs of every colour type and bit depth, with and without
// transparency and interlacing.
func testPNGs(t *testing.T) map[string][]byte {
	t.Helper()
	const w, h = 37, 23
	r := rand.New(rand.NewPCG(1, 2))
	noise := make([]int, w*h*4)
	for i := range noise {
		noise[i] = r.IntN(1 << 16)
	}
	sample := func(depth int) func(x, y, c int) int {
		return func(x, y, c int) int { return noise[(y*w+x)*4+c] % (1 << depth) }
	}
	out := map[string][]byte{}
	for _, interlace := range []bool{false, true} {
		suffix := ""
		if interlace {
			suffix = "/adam7"
		}
		for _, depth := range []int{1, 2, 4, 8, 16} {
			out["gray"+itoa(depth)+suffix] = rawPNG(w, h, depth, pngGray, interlace, nil, sample(depth))
			out["gray-trns"+itoa(depth)+suffix] = rawPNG(w, h, depth, pngGray, interlace,
				map[string][]byte{"tRNS": {0, 1}}, func(x, y, c int) int { return (x + y) % 2 })
			if depth <= 8 {
				plte := make([]byte, 3*min(1<<depth, 200))
				for i := range plte {
					plte[i] = byte(r.IntN(256))
				}
				out["paletted"+itoa(depth)+suffix] = rawPNG(w, h, depth, pngPaletted, interlace,
					map[string][]byte{"PLTE": plte, "tRNS": {0, 128, 255}}, sample(depth))
			}
			if depth >= 8 {
				for name, ct := range map[string]int{"rgb": pngTrueColor, "graya": pngGrayAlpha, "rgba": pngTrueAlpha} {
					out[name+itoa(depth)+suffix] = rawPNG(w, h, depth, ct, interlace, map[string][]byte{"tEXt": []byte("k\x00v")}, sample(depth))
				}
				trns := []byte{0, 3, 0, 5, 0, 7}
				out["rgb-trns"+itoa(depth)+suffix] = rawPNG(w, h, depth, pngTrueColor, interlace, map[string][]byte{"tRNS": trns},
					func(x, y, c int) int { return []int{3, 5, 7}[c] * ((x + y) % 2) })
			}
		}
	}
	// And as image/png writes them.
	for name, img := range map[string]image.Image{
		"go-gray": image.NewGray(image.Rect(0, 0, w, h)), "go-nrgba": image.NewNRGBA(image.Rect(0, 0, w, h)),
		"go-rgba64": image.NewRGBA64(image.Rect(0, 0, w, h)), "go-paletted": image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.White, color.Black}),
	} {
		for x := range w {
			for y := range h {
				img.(interface{ Set(int, int, color.Color) }).Set(x, y, color.NRGBA{uint8(x * 7), uint8(y * 11), uint8(x * y), uint8(200 + x)})
			}
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		out[name] = b.Bytes()
	}
	return out
}

func itoa(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

// grayDiff compares the luminance of the row decoder with toGray of
// image/png's image: the same for opaque 8-bit images, within 2 levels
// where image/png keeps 16 bits or premultiplies.
func grayDiff(t *testing.T, data []byte) int {
	t.Helper()
	want, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image/png: %v", err)
	}
	e, err := readHeader(data, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := e.gray()
	if err != nil {
		t.Fatalf("pngRows: %v", err)
	}
	wg := toGray(want)
	worst := 0
	for i := range wg.pix {
		worst = max(worst, abs(int(wg.pix[i])-int(got.pix[i])))
	}
	return worst
}

func TestPNGRows(t *testing.T) {
	for name, data := range testPNGs(t) {
		t.Run(name, func(t *testing.T) {
			if d := grayDiff(t, data); d > 2 {
				t.Errorf("luminance differs from image/png's by %d", d)
			}
		})
	}
}

// FuzzPNGRows checks that the row decoder accepts what image/png accepts
// and nothing else, and reads the same pixels.
func FuzzPNGRows(f *testing.F) {
	for _, name := range []string{"gray08", "paletted04/adam7", "rgba16", "rgb-trns08"} {
		f.Add(testPNGs(&testing.T{})[name])
	}
	f.Add(pngHeader(10, 10))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width*cfg.Height > 1<<16 || cfg.Width > 1<<12 || cfg.Height > 1<<12 {
			return
		}
		_, pngErr := png.Decode(bytes.NewReader(b))
		rowsErr := pngRows(b, nil)
		if (pngErr == nil) != (rowsErr == nil) {
			t.Fatalf("image/png: %v; pngRows: %v", pngErr, rowsErr)
		}
		if pngErr == nil {
			if d := grayDiff(t, b); d > 2 {
				t.Fatalf("luminance differs by %d", d)
			}
		}
	})
}

func TestLumaPlaneInPlace(t *testing.T) {
	img, _ := scene{w: 301, h: 203, bg: 255, codes: []placed{{permitText, 3, square(10, 10, 3*45, 0)}}}.render(t)
	rgba := image.NewRGBA(img.Bounds())
	for i, v := range img.Pix {
		copy(rgba.Pix[4*i:], []byte{v, v / 2, v, 255})
	}
	var b bytes.Buffer
	jpeg.Encode(&b, rgba, &jpeg.Options{Quality: 90})
	dec, _ := jpeg.Decode(bytes.NewReader(b.Bytes()))
	ycc := dec.(*image.YCbCr)
	if ycc.YStride == ycc.Rect.Dx() {
		t.Fatalf("stride %d: the test needs a padded Y plane", ycc.YStride)
	}
	want := toGray(ycc)
	got := lumaPlane(ycc)
	if &got.pix[0] != &ycc.Y[0] {
		t.Error("the Y plane was copied")
	}
	if !bytes.Equal(got.pix, want.pix) || got.w != want.w || got.h != want.h {
		t.Error("the packed Y plane differs from toGray's copy")
	}
}

func TestCheck(t *testing.T) {
	img, _ := scene{w: 300, h: 200, bg: 255, codes: []placed{{permitText, 3, square(10, 10, 3*45, 0)}}}.render(t)
	jpg := MustJPEG(t, img, 80)
	var p bytes.Buffer
	png.Encode(&p, img)
	ok := map[string][]byte{"JPEG": jpg, "PNG": p.Bytes(), "PNGAdam7": testPNGs(t)["rgb08/adam7"]}
	for name, data := range ok {
		if info, err := Check(context.Background(), data, Options{}); err != nil || info.Width == 0 {
			t.Errorf("%s: %+v, %v", name, info, err)
		}
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"TruncatedJPEG", jpg[:len(jpg)*3/4], InvalidImage},
		{"JPEGWithoutEnd", jpg[:len(jpg)-2], InvalidImage},
		{"TruncatedPNG", p.Bytes()[:p.Len()-20], InvalidImage},
		{"PNGHeaderOnly", pngHeader(100, 100), InvalidImage},
		{"PNG100000Square", pngHeader(100000, 100000), ImageTooLarge},
		{"PDF", []byte("%PDF-1.4\n<html>"), UnsupportedImageFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := Check(context.Background(), tt.in, Options{})
			if errCode(err) != tt.want {
				t.Errorf("err %v, want code %s", err, tt.want)
			}
			if time.Since(start) > time.Second {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
}

func TestThumbnail(t *testing.T) {
	// Left half black, right half white: the thumbnail of a PNG averages.
	img := image.NewGray(image.Rect(0, 0, 1000, 400))
	for y := range 400 {
		for x := 500; x < 1000; x++ {
			img.Pix[y*1000+x] = 255
		}
	}
	var p bytes.Buffer
	png.Encode(&p, img)
	thumb, info, err := Thumbnail(context.Background(), p.Bytes(), 100, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info != (Info{Format: "png", Width: 1000, Height: 400}) || thumb.Bounds() != image.Rect(0, 0, 100, 40) {
		t.Fatalf("%+v %v", info, thumb.Bounds())
	}
	if c := thumb.RGBAAt(10, 20); c.R != 0 {
		t.Errorf("left %v", c)
	}
	if c := thumb.RGBAAt(90, 20); c.R != 255 {
		t.Errorf("right %v", c)
	}
	thumb, info, err = Thumbnail(context.Background(), MustJPEG(t, img, 80), 100, Options{})
	if err != nil || info.Format != "jpeg" || thumb.Bounds() != image.Rect(0, 0, 100, 40) {
		t.Fatalf("JPEG: %+v %v %v", info, thumb.Bounds(), err)
	}
	// Small images are not enlarged.
	thumb, _, _ = Thumbnail(context.Background(), testPNGs(t)["rgba08"], 100, Options{})
	if thumb.Bounds() != image.Rect(0, 0, 37, 23) {
		t.Errorf("small: %v", thumb.Bounds())
	}
}

func TestPool(t *testing.T) {
	p := NewPool(10<<20, 1)
	if _, err := p.Reserve(context.Background(), 11<<20); errCode(err) != ImageTooLarge {
		t.Errorf("more than the pool: %v", err)
	}
	release, err := p.Reserve(context.Background(), 6<<20)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Reserve(ctx, 1); !errors.Is(err, ErrBusy) || !errors.Is(err, context.DeadlineExceeded) || errCode(err) != "" {
		t.Errorf("with the only worker busy: %v", err)
	}
	done := make(chan error)
	go func() {
		r, err := p.Reserve(context.Background(), 5<<20)
		if err == nil {
			r()
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("reserved past the pool's memory: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// Memory, not only workers: two workers, 6 + 5 MB of 10.
	p = NewPool(10<<20, 2)
	release, _ = p.Reserve(context.Background(), 6<<20)
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Reserve(ctx, 5<<20); !errors.Is(err, ErrBusy) {
		t.Errorf("past the memory: %v", err)
	}
	release()
	if r, err := p.Reserve(context.Background(), 10<<20); err != nil {
		t.Error(err)
	} else {
		r()
	}
}

// TestDecodeWaitsForPool: a decode waits for its memory, and its wait ends
// with the context, as busy, not as the photo's fault.
func TestDecodeWaitsForPool(t *testing.T) {
	img, _ := scene{w: 300, h: 300, bg: 255, codes: []placed{{permitText, 4, square(10, 10, 4*45, 0)}}}.render(t)
	var b bytes.Buffer
	png.Encode(&b, img)
	pool := NewPool(64<<20, 4)
	hold, _ := pool.Reserve(context.Background(), 60<<20)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Decode(ctx, bytes.NewReader(b.Bytes()), Options{Pool: pool})
	if !errors.Is(err, ErrBusy) || errCode(err) != "" {
		t.Errorf("err %v, want busy", err)
	}
	hold()
	codes, err := Decode(context.Background(), bytes.NewReader(b.Bytes()), Options{Pool: pool})
	if err != nil || codes[0].Text != permitText {
		t.Errorf("%+v %v", codes, err)
	}
}
