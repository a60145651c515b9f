package api_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencites/opencites/api"
	"github.com/opencites/opencites/scan"
)

// TestRoles checks who may call each endpoint, through the real router.
func TestRoles(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		p := e.issue(falconPermit())
		other := falconPermit()
		other["exporter_account"] = "other-trade"
		q := e.issue(other)
		n := "/api/v1/permits/" + p.Number
		endorse := map[string]any{"port": "Manas", "direction": "export", "lines": []map[string]any{{"line": "A", "quantity": 1}}}
		newUser := func(name string) map[string]string {
			return map[string]string{"username": name, "password": "a-long-password", "role": "officer"}
		}
		cases := []struct {
			user, method, path string
			body               any
			want               int
		}{
			// Not signed in.
			{"", "GET", "/api/v1/permits", nil, 401},
			{"", "POST", "/api/v1/verify", map[string]string{"code": p.QR}, 401},
			{"", "GET", n, nil, 401},
			// Users: admins only.
			{"admin", "POST", "/api/v1/users", newUser("new-officer"), 201},
			{"issuer-kg", "POST", "/api/v1/users", newUser("x1"), 403},
			{"officer", "POST", "/api/v1/users", newUser("x2"), 403},
			{"alatoo-trade", "POST", "/api/v1/users", newUser("x3"), 403},
			{"admin", "POST", "/api/v1/users", newUser("new-officer"), 409},
			// Issuing: issuers only.
			{"admin", "POST", "/api/v1/permits", falconPermit(), 403},
			{"officer", "POST", "/api/v1/permits", falconPermit(), 403},
			{"alatoo-trade", "POST", "/api/v1/permits", falconPermit(), 403},
			// Reading: issuers their authority, exporters their own account.
			{"issuer-kg", "GET", n, nil, 200},
			{"issuer-kz", "GET", n, nil, 404},
			{"officer", "GET", n, nil, 200},
			{"admin", "GET", n, nil, 200},
			{"alatoo-trade", "GET", n, nil, 200},
			{"other-trade", "GET", n, nil, 404},
			{"other-trade", "GET", "/api/v1/permits/" + q.Number, nil, 200},
			{"other-trade", "GET", n + "/qr.png", nil, 404},
			{"other-trade", "GET", n + "/history", nil, 404},
			{"issuer-kz", "GET", n + "/verifications", nil, 404},
			{"alatoo-trade", "GET", n + "/qr.png", nil, 200},
			// Verifying: officers, issuers, admins; not exporters.
			{"alatoo-trade", "POST", "/api/v1/verify", map[string]string{"code": p.QR}, 403},
			{"issuer-kz", "POST", "/api/v1/verify", map[string]string{"code": p.QR}, 200},
			{"admin", "POST", "/api/v1/verify", map[string]string{"code": p.QR}, 200},
			// Endorsing: officers only.
			{"issuer-kg", "POST", n + "/endorsements", endorse, 403},
			{"alatoo-trade", "POST", n + "/endorsements", endorse, 403},
			{"admin", "POST", n + "/endorsements", endorse, 403},
			// Revoking: an issuer of the same authority only.
			{"officer", "POST", n + "/revoke", map[string]string{"reason": "x"}, 403},
			{"admin", "POST", n + "/revoke", map[string]string{"reason": "x"}, 403},
			{"alatoo-trade", "POST", n + "/revoke", map[string]string{"reason": "x"}, 403},
			// Another authority's permit answers as a number that does not
			// exist, so numbers cannot be probed through revoke.
			{"issuer-kz", "POST", n + "/revoke", map[string]string{"reason": "x"}, 404},
			{"issuer-kz", "POST", "/api/v1/permits/26KG999999/revoke", map[string]string{"reason": "x"}, 404},
			{"issuer-kg", "POST", "/api/v1/permits/26KG999999/revoke", map[string]string{"reason": "x"}, 404},
		}
		for _, c := range cases {
			var eb api.ErrorBody
			var out any
			if c.want >= 400 {
				out = &eb
			}
			e.do(c.user, c.method, c.path, c.body, c.want, out)
			if c.want >= 400 && (eb.Error == "" || eb.Message == "") {
				t.Errorf("%s %s as %q: error body %+v", c.method, c.path, c.user, eb)
			}
		}
		// Listing is filtered the same way.
		for user, want := range map[string]int64{"issuer-kg": 2, "issuer-kz": 0, "officer": 2, "alatoo-trade": 1, "other-trade": 1} {
			var list api.PermitListJSON
			e.do(user, "GET", "/api/v1/permits", nil, 200, &list)
			if list.Total != want {
				t.Errorf("%s sees %d permits, want %d", user, list.Total, want)
			}
		}
		var list api.PermitListJSON
		e.do("officer", "GET", "/api/v1/permits?q=falconry&status=issued&page=1", nil, 200, &list)
		if list.Total != 2 {
			t.Errorf("search: %d", list.Total)
		}
		e.wantError("officer", "GET", "/api/v1/permits?status=lost", nil, 422, "invalid_status")
		e.wantError("officer", "GET", "/api/v1/permits?page=zero", nil, 400, "invalid_page")
	})
}

func TestBadInput(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		send := func(ct, body string, want int, code string) string {
			t.Helper()
			req := httptest.NewRequest("POST", "/api/v1/permits", strings.NewReader(body))
			req.Header.Set("Content-Type", ct)
			var eb api.ErrorBody
			e.send("issuer-kg", req, want, &eb)
			if eb.Error != code {
				t.Errorf("%.30q: error %q, want %q", body, eb.Error, code)
			}
			return eb.Message
		}
		// Each message names what is wrong, so that a client's author can
		// fix the request.
		for body, says := range map[string]string{
			`{"type":`: "cut short",
			`{"type":"export","valid_untill":"2027-01-01"}`: `unknown field "valid_untill"`,
			`{"Type":"export"}`:                             `unknown field "Type"`, // names match exactly
			`{"type":"export","type":"import"}`:             `field "type" appears twice`,
			`{"type":1}`:                                    `field "type" must be string`,
			`{"specimens":[{"quantity":"two"}]}`:            `field "specimens/0/quantity" must be`,
			`{} {}`:                                         "syntax error at byte 3",
			`[{}]`:                                          "must be a JSON object",
			``:                                              "empty",
		} {
			if msg := send("application/json", body, 400, "invalid_json"); !strings.Contains(msg, says) {
				t.Errorf("%q: message %q does not say %q", body, msg, says)
			}
		}
		send("text/plain", `{}`, 415, "unsupported_media_type")
		send("application/json", `{"conditions":"`+strings.Repeat("x", 2<<20)+`"}`, 413, "body_too_large")
		e.wantError("officer", "GET", "/api/v1/nothing-here", nil, 404, "route_not_found")
		e.wantError("officer", "POST", "/api/v1/verify", map[string]string{"code": ""}, 422, "code_required")
		e.wantError("officer", "POST", "/api/v1/verify", map[string]any{"code": "x", "checkpoint": map[string]string{"direction": "up"}}, 422, "invalid_direction")
		e.wantError("officer", "GET", "/api/v1/permits/26KG000404", nil, 404, "permit_not_found")
		// A forged session token.
		e.tokens["forger"] = "eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYWRtaW4ifQ."
		e.wantError("forger", "GET", "/api/v1/permits", nil, 401, "invalid_token")
	})
}

func TestLoginRateLimit(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		bad := map[string]string{"username": "officer", "password": "wrong-password"}
		for i := 0; i < 5; i++ {
			e.wantError("", "POST", "/api/v1/auth/token", bad, 401, "bad_credentials")
		}
		e.wantError("", "POST", "/api/v1/auth/token", bad, 429, "too_many_attempts")
		// Even the right password waits now.
		e.wantError("", "POST", "/api/v1/auth/token", map[string]string{"username": "officer", "password": "officer-password-1"}, 429, "too_many_attempts")
		// Other users are not locked out by it.
		e.login("officer2", "officer-password-2")
		// The window passes.
		e.advance(16 * 60 * 1e9)
		e.login("officer", "officer-password-1")
		// Unknown users fail the same way as wrong passwords.
		e.wantError("", "POST", "/api/v1/auth/token", map[string]string{"username": "ghost", "password": "whatever-pass"}, 401, "bad_credentials")
	})
}

// The sign-in limits cannot be walked around: attempts sent at once are
// counted before any password is checked, a forged X-Forwarded-For does
// not give a fresh address, and the username is counted as sign-in reads
// it (trimmed, lower case). Before, 40 parallel guesses were all checked,
// a spoofed header reset the address limit, and " victim" had 5 guesses
// of its own.
func TestLoginLimitsHold(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const n = 40
		codes := make(chan int, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes <- e.try("", "POST", "/api/v1/auth/token", map[string]string{"username": "officer", "password": "wrong-password"}, nil)
			}()
		}
		wg.Wait()
		close(codes)
		count := map[int]int{}
		for c := range codes {
			count[c]++
		}
		if count[401] > 5 || count[429] < n-5 || count[401]+count[429] != n {
			t.Fatalf("40 parallel wrong sign-ins: %v; want at most 5 checked (401), the rest 429", count)
		}
		// The lock-out says how long to wait.
		req := httptest.NewRequest("POST", "/api/v1/auth/token", strings.NewReader(`{"username":"officer","password":"officer-password-1"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", "198.51.100.7")
		req.Header.Set("X-Real-IP", "198.51.100.8")
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != 429 || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "minutes") {
			t.Fatalf("right password with a spoofed address while locked: %d %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
		}
		for _, variant := range []string{" officer", "OFFICER", "officer\t"} {
			e.wantError("", "POST", "/api/v1/auth/token", map[string]string{"username": variant, "password": "officer-password-1"}, 429, "too_many_attempts")
		}
		// A spoofed header does not free the address either: 20 wrong
		// guesses at other names lock the address for everyone.
		e.advance(16 * time.Minute)
		for i := range 20 {
			e.try("", "POST", "/api/v1/auth/token", map[string]string{"username": fmt.Sprintf("ghost%d", i), "password": "whatever-pass"}, nil)
		}
		spoofed := httptest.NewRequest("POST", "/api/v1/auth/token", strings.NewReader(`{"username":"officer2","password":"officer-password-2"}`))
		spoofed.Header.Set("Content-Type", "application/json")
		spoofed.Header.Set("X-Forwarded-For", "198.51.100.7")
		rec = httptest.NewRecorder()
		e.srv.ServeHTTP(rec, spoofed)
		if rec.Code != 429 {
			t.Fatalf("a correct sign-in from a blocked address with a spoofed X-Forwarded-For: %d", rec.Code)
		}
	})
}

// TestVerifyPhoto composes a real permit's code into a larger, rotated,
// JPEG-compressed photo and verifies it through the photo endpoint.
func TestVerifyPhoto(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		p := e.issue(falconPermit())
		png := e.do("officer", "GET", "/api/v1/permits/"+p.Number+"/qr.png", nil, 200, nil)
		photo := composePhoto(t, png)
		var v api.VerificationJSON
		e.photo("officer", "/api/v1/verify/photo", photo, 200, &v)
		if v.Verdict != "valid" || v.Permit == nil || v.Permit.Number != p.Number {
			t.Fatalf("photo verdict = %+v", v)
		}
		var sc api.ScanJSON
		e.photo("alatoo-trade", "/api/v1/scan", photo, 200, &sc)
		if len(sc.Codes) != 1 || sc.Codes[0].Text != p.QR || len(sc.Codes[0].Corners) != 4 {
			t.Fatalf("scan = %+v", sc)
		}
		// No code in the picture.
		blank := image.NewGray(image.Rect(0, 0, 400, 300))
		for i := range blank.Pix {
			blank.Pix[i] = 200
		}
		var buf bytes.Buffer
		jpeg.Encode(&buf, blank, nil)
		var eb api.ErrorBody
		e.photo("officer", "/api/v1/verify/photo", buf.Bytes(), 422, &eb)
		if !strings.HasPrefix(eb.Error, "no_qr") && !strings.HasPrefix(eb.Error, "qr_") {
			t.Errorf("blank photo: %+v", eb)
		}
		// Not an image, truncated, and a header claiming absurd dimensions.
		e.photo("officer", "/api/v1/verify/photo", []byte("%PDF-1.4 not an image"), 415, &eb)
		if eb.Error != scan.UnsupportedImageFormat {
			t.Errorf("not an image: %+v", eb)
		}
		e.photo("officer", "/api/v1/verify/photo", photo[:len(photo)/3], 400, &eb)
		if eb.Error != scan.InvalidImage {
			t.Errorf("truncated: %+v", eb)
		}
		e.photo("officer", "/api/v1/verify/photo", hugePNGHeader(), 413, &eb)
		if eb.Error != scan.ImageTooLarge {
			t.Errorf("huge image: %+v", eb)
		}
		e.photo("alatoo-trade", "/api/v1/verify/photo", photo, 403, &eb)
		// The photo verification was recorded as such.
		var vr struct {
			Verifications []api.VerificationRecordJSON `json:"verifications"`
		}
		e.do("officer", "GET", "/api/v1/permits/"+p.Number+"/verifications", nil, 200, &vr)
		if len(vr.Verifications) == 0 || vr.Verifications[0].Source != "photo" {
			t.Errorf("recorded = %+v", vr.Verifications)
		}
	})
}

// composePhoto pastes the QR image, rotated by 90°, into a 1600x1200 grey
// scene and compresses it as a JPEG.
func composePhoto(t testing.TB, qrPNG []byte) []byte {
	t.Helper()
	qr, _, err := image.Decode(bytes.NewReader(qrPNG))
	if err != nil {
		t.Fatal(err)
	}
	scene := image.NewRGBA(image.Rect(0, 0, 1600, 1200))
	for i := 0; i < len(scene.Pix); i += 4 {
		scene.Pix[i], scene.Pix[i+1], scene.Pix[i+2], scene.Pix[i+3] = 150, 140, 120, 255
	}
	b := qr.Bounds()
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			r, g, bl, _ := qr.At(b.Min.X+x, b.Min.Y+y).RGBA()
			// rotate 90° clockwise, offset into the scene
			scene.Set(300+b.Dy()-1-y, 150+x, color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, scene, &jpeg.Options{Quality: 70}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hugePNGHeader is a PNG signature and IHDR claiming 60000x60000 pixels.
func hugePNGHeader() []byte {
	chunk := []byte("IHDR\x00\x00\xea\x60\x00\x00\xea\x60\x08\x02\x00\x00\x00")
	b := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d"), chunk...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(chunk))
}

// Disabling a user ends its sessions at once, not when they expire 12 h
// later; ending sessions alone lets the user sign in again.
func TestDisableUserEndsSessions(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.do("officer", "GET", "/api/v1/permits", nil, 200, nil)
		e.wantError("issuer-kg", "POST", "/api/v1/users/officer/disable", nil, 403, "forbidden")
		e.wantError("admin", "POST", "/api/v1/users/nobody/disable", nil, 404, "user_not_found")
		e.do("admin", "POST", "/api/v1/users/officer/disable", nil, 204, nil)
		e.wantError("officer", "GET", "/api/v1/permits", nil, 401, "invalid_token")
		e.wantError("", "POST", "/api/v1/auth/token", map[string]string{"username": "officer", "password": "officer-password-1"}, 401, "bad_credentials")
		e.do("admin", "POST", "/api/v1/users/officer/enable", nil, 204, nil)
		e.advance(2 * time.Second) // a new session is issued after the old ones ended
		e.do("officer", "GET", "/api/v1/permits", nil, 200, nil)
		old := e.tokens["officer2"]
		e.do("admin", "POST", "/api/v1/users/officer2/end-sessions", nil, 204, nil)
		e.tokens["old"] = old
		e.wantError("old", "GET", "/api/v1/permits", nil, 401, "invalid_token")
		e.advance(2 * time.Second)
		e.do("officer2", "GET", "/api/v1/permits", nil, 200, nil)
	})
}
