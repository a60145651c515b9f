package api_test

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencites/opencites/api"
	"github.com/opencites/opencites/models/modelstest"
	"github.com/opencites/opencites/scan"
)

// Issue 19, item 4: sixteen 49-megapixel photos posted at once took the
// server to 3.4 GB. Each case runs in a process of its own (the test
// binary again, with photoMemoryEnv set), so that the peak resident size
// read from /proc is the server's alone and not that of the tests that ran
// before.
const (
	photoMemoryEnv   = "CITES_TEST_PHOTO_MEMORY"
	photoMemoryLimit = 400 << 20
	photoUploads     = 16
	photoSide        = 7000 // 49 megapixels
)

func TestPhotoMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 32 photos of 49 megapixels")
	}
	if raceEnabled {
		t.Skip("the race detector's memory would be measured too")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc/self/status")
	}
	for _, endpoint := range []string{"case-photos/png", "verify-photo/png", "case-photos/jpeg", "verify-photo/jpeg"} {
		t.Run(endpoint, func(t *testing.T) {
			t.Parallel() // each in its own process
			start := time.Now()
			cmd := exec.Command(os.Args[0], "-test.run=^TestPhotoMemoryChild$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), photoMemoryEnv+"="+endpoint)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			if bytes.Contains(out, []byte("--- SKIP")) {
				t.Skipf("the child skipped:\n%s", out)
			}
			m := regexp.MustCompile(`VmHWM: (\d+) kB`).FindSubmatch(out)
			if m == nil {
				t.Fatalf("the child printed no VmHWM:\n%s", out)
			}
			kb, _ := strconv.Atoi(string(m[1]))
			t.Logf("%d concurrent %d-megapixel uploads to %s: peak resident %d MB (%.1f s)",
				photoUploads, photoSide*photoSide/1_000_000, endpoint, kb>>10, time.Since(start).Seconds())
			if kb<<10 > photoMemoryLimit {
				t.Errorf("peak resident %d MB, want under %d MB", kb>>10, photoMemoryLimit>>20)
			}
		})
	}
}

// TestPhotoMemoryChild is the server side of TestPhotoMemory; it runs
// only when that test starts it.
func TestPhotoMemoryChild(t *testing.T) {
	endpoint, format, _ := strings.Cut(os.Getenv(photoMemoryEnv), "/")
	if endpoint == "" {
		t.Skip("run by TestPhotoMemory")
	}
	e := newEnv(t, modelstest.NewSQLite(t))
	var path, user string
	var qr image.Image
	switch endpoint {
	case "case-photos":
		e.mustCaseUsers()
		c := e.createCase("officer-kg", seizure())
		path, user = fmt.Sprintf("/api/v1/cases/%d/photos", c.ID), "officer-kg"
	case "verify-photo":
		p := e.issue(falconPermit())
		b, err := scan.EncodePNG(p.QR, 4)
		if err != nil {
			t.Fatal(err)
		}
		if qr, _, err = image.Decode(bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
		path, user = "/api/v1/verify/photo", "officer"
	default:
		t.Fatalf("unknown endpoint %q", endpoint)
	}
	var photo []byte
	if format == "png" {
		photo = bigPNG(t, photoSide, photoSide, qr)
	} else {
		// Drawing and encoding a JPEG holds the whole image: forget the
		// peak it made (Linux resets VmHWM on "5" > clear_refs).
		photo = bigJPEG(t, photoSide, photoSide, qr)
		runtime.GC()
		debug.FreeOSMemory()
		if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
			t.Skipf("cannot reset the peak resident size: %v", err)
		}
	}
	t.Logf("photo: %dx%d %s, %d bytes", photoSide, photoSide, format, len(photo))

	bodies := make([]*bytes.Buffer, photoUploads)
	types := make([]string, photoUploads)
	for i := range bodies {
		bodies[i] = new(bytes.Buffer)
		mw := multipart.NewWriter(bodies[i])
		fw, _ := mw.CreateFormFile("photo", "goods."+format)
		fw.Write(photo)
		mw.Close()
		types[i] = mw.FormDataContentType()
	}
	photo = nil
	codes := make([]int, photoUploads)
	var wg sync.WaitGroup
	for i := range photoUploads {
		wg.Go(func() {
			req := httptest.NewRequest("POST", path, bodies[i])
			req.Header.Set("Content-Type", types[i])
			req.Header.Set("Authorization", "Bearer "+e.tokens[user])
			rec := httptest.NewRecorder()
			e.srv.ServeHTTP(rec, req)
			codes[i] = rec.Code
			// A machine too slow for all of them in the request's time
			// answers the rest 503 request_timeout, as a server should;
			// anything else is a failure.
			if rec.Code >= 300 && (rec.Code != 503 || !strings.Contains(rec.Body.String(), `"request_timeout"`)) {
				t.Errorf("upload %d: status %d: %s", i, rec.Code, rec.Body.String())
			}
		})
	}
	wg.Wait()
	if !slices.ContainsFunc(codes, func(c int) bool { return c < 300 }) {
		t.Errorf("no upload was read: %v", codes)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			fmt.Println(strings.Join(strings.Fields(line), " "))
		}
	}
	t.Logf("statuses: %v", codes)
}

// bigPNG writes a w x h RGB PNG row by row, white with qr (if any) drawn
// in its middle, so that the test itself never holds the decoded image.
// White rows compress to almost nothing.
func bigPNG(t testing.TB, w, h int, qr image.Image) []byte {
	t.Helper()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(data)))
		out.Write(n[:])
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.BigEndian.PutUint32(n[:], crc.Sum32())
		out.Write(n[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 2 // 8-bit truecolour
	chunk("IHDR", ihdr)

	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	bw := bufio.NewWriterSize(zw, 1<<16)
	row := make([]byte, 1+3*w)
	var qb image.Rectangle
	const scale = 3 // the QR code printed at three pixels a module-pixel
	if qr != nil {
		b := qr.Bounds()
		qb = image.Rect(0, 0, b.Dx()*scale, b.Dy()*scale).Add(image.Pt((w-b.Dx()*scale)/2, (h-b.Dy()*scale)/2))
	}
	for y := range h {
		for i := 1; i < len(row); i++ {
			row[i] = 0xff
		}
		if y >= qb.Min.Y && y < qb.Max.Y {
			for x := qb.Min.X; x < qb.Max.X; x++ {
				r, _, _, _ := qr.At(qr.Bounds().Min.X+(x-qb.Min.X)/scale, qr.Bounds().Min.Y+(y-qb.Min.Y)/scale).RGBA()
				v := uint8(r >> 8)
				row[1+3*x], row[2+3*x], row[3+3*x] = v, v, v
			}
		}
		bw.Write(row)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// bigJPEG draws a w x h JPEG (4:2:0), white with qr (if any) in its middle.
func bigJPEG(t testing.TB, w, h int, qr image.Image) []byte {
	t.Helper()
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for i := range img.Y {
		img.Y[i] = 0xff
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = 0x80, 0x80
	}
	if qr != nil {
		const scale = 3
		b := qr.Bounds()
		x0, y0 := (w-b.Dx()*scale)/2, (h-b.Dy()*scale)/2
		for y := range b.Dy() * scale {
			for x := range b.Dx() * scale {
				r, _, _, _ := qr.At(b.Min.X+x/scale, b.Min.Y+y/scale).RGBA()
				img.Y[img.YOffset(x0+x, y0+y)] = uint8(r >> 8)
			}
		}
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestPhotoBusy: a photo or document that waits for its share of the
// decode memory until its client gives up is answered as a request the
// client left (499, not logged as a fault), never as a fault of the file;
// when the server gives up first (PhotoWait, 30 s) the answer is 503 busy
// (TestBusyOr).
func TestPhotoBusy(t *testing.T) {
	e := newEnv(t, modelstest.NewSQLite(t))
	e.mustCaseUsers()
	c := e.createCase("officer-kg", seizure())
	var a api.ApplicationJSON
	req := falconPermit()
	delete(req, "exporter_account")
	e.do("alatoo-trade", "POST", "/api/v1/applications", req, 201, &a)

	hold, err := scan.DefaultPool.Reserve(context.Background(), scan.DefaultPool.Memory())
	if err != nil {
		t.Fatal(err)
	}
	defer hold()
	photo := testPNG(300, 200)
	for _, tc := range []struct{ user, path, field string }{
		{"officer", "/api/v1/verify/photo", "photo"},
		{"officer", "/api/v1/scan", "photo"},
		{"officer-kg", fmt.Sprintf("/api/v1/cases/%d/photos", c.ID), "photo"},
		{"alatoo-trade", fmt.Sprintf("/api/v1/applications/%d/attachments", a.ID), "file"},
	} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("kind", "other")
		fw, _ := mw.CreateFormFile(tc.field, "x.png")
		fw.Write(photo)
		mw.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		r := httptest.NewRequest("POST", tc.path, &buf).WithContext(ctx)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		e.send(tc.user, r, api.StatusClientClosed, nil)
		cancel()
	}
}
