package api_test

import (
	"bytes"
	"image"
	"image/png"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/opencites/opencites/api"
	"github.com/opencites/opencites/models/modelstest"
)

// FuzzVerifyPhoto sends arbitrary bytes as the photo through the real
// router: whatever arrives, the answer is a 4xx JSON error or a verdict,
// never a 5xx or a panic.
func FuzzVerifyPhoto(f *testing.F) {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8)))
	f.Add(buf.Bytes())
	f.Add(hugePNGHeader())
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*\x00\x00\x00\x08"))
	f.Add([]byte("GIF89a\x01\x00\x01\x00"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	e := newEnv(f, modelstest.NewSQLite(f))
	f.Fuzz(func(t *testing.T, img []byte) {
		e.t = t
		code := e.photoStatus("officer", "/api/v1/verify/photo", img)
		if code >= 500 || code < 200 {
			t.Fatalf("status %d for %d bytes", code, len(img))
		}
	})
}

// FuzzTextFields sends arbitrary text in the fields a client writes (a
// permit's conditions and marks, a revocation reason, a search) through the
// real router, on PostgreSQL when it is configured (it refuses what SQLite
// stores): the answer is never a 5xx, and text that was accepted reads back
// as sent.
func FuzzTextFields(f *testing.F) {
	for _, s := range []string{"plain", "a\x00b", "\xff\xfe", "Сокол балобан", "O'Brien; DROP TABLE permits", "\u202egnp.exe", strings.Repeat("x", 3000), "%00", "\\u0000"} {
		f.Add(s)
	}
	dsn := modelstest.NewSQLite(f)
	if os.Getenv("CITES_TEST_POSTGRES_DSN") != "" {
		dsn = modelstest.NewPostgresSchema(f)
	}
	e := newEnv(f, dsn)
	f.Fuzz(func(t *testing.T, text string) {
		e.t = t
		req := falconPermit()
		req["conditions"] = text
		req["specimens"].([]map[string]any)[0]["marks"] = text
		var p api.PermitJSON
		code := e.try("issuer-kg", "POST", "/api/v1/permits", req, &p)
		if code >= 500 {
			t.Fatalf("issue with %q: status %d", text, code)
		}
		// encoding/json sends invalid UTF-8 as U+FFFD: compare with what went over the wire.
		if sent := strings.TrimSpace(asJSONSends(text)); code == 201 && p.Conditions != sent {
			t.Fatalf("conditions %q read back as %q", text, p.Conditions)
		}
		if code := e.try("officer", "GET", "/api/v1/permits?q="+url.QueryEscape(text), nil, nil); code >= 500 {
			t.Fatalf("search %q: status %d", text, code)
		}
		if code == 201 {
			if code := e.try("issuer-kg", "POST", "/api/v1/permits/"+p.Number+"/revoke", map[string]string{"reason": text}, nil); code >= 500 {
				t.Fatalf("revoke with %q: status %d", text, code)
			}
		}
	})
}

// asJSONSends is text as encoding/json writes it: each invalid byte
// becomes U+FFFD.
func asJSONSends(text string) string {
	var b strings.Builder
	for _, r := range text {
		b.WriteRune(r) // ranging over a string yields U+FFFD for each invalid byte
	}
	return b.String()
}
