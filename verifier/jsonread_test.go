package verifier

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestClaimsReadAsEncodingJSON: the verifier's own reader gives the claims
// encoding/json gives, for the claims the registry signs.
func TestClaimsReadAsEncodingJSON(t *testing.T) {
	idx := 4711
	c := testClaims()
	c.StatusIndex = &idx
	c.NotBefore = jwtTime(testNow.Add(24 * time.Hour))
	c.Lines = append(c.Lines, ClaimLine{Taxon: "Acipenser baerii", Appendix: "II", Quantity: 12.5, Unit: "kg", Source: "C", Term: "CAV"},
		ClaimLine{Taxon: "Ursus arctos \"isabellinus\" \u00e9\u0416", Appendix: "I", Quantity: 1, Source: "W", Term: "TRO"})
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var want Claims
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	var got Claims
	if err := decodeClaims(base64.RawURLEncoding.EncodeToString(raw), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read\n%+v\nwant\n%+v", got, want)
	}
	if got.LastValidDay() != testNow.AddDate(0, 3, 0).Add(-time.Second).Format(time.DateOnly) {
		t.Errorf("LastValidDay = %s", got.LastValidDay())
	}
}

func TestLastValidDay(t *testing.T) {
	c := testClaims()
	c.ExpiresAt = jwtTime(time.Date(2027, 3, 2, 0, 0, 0, 0, time.UTC)) // valid through 1 March
	if got := c.LastValidDay(); got != "2027-03-01" {
		t.Errorf("LastValidDay = %s, want 2027-03-01", got)
	}
	c.NotBefore = jwtTime(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if got := c.FirstValidDay(); got != "2026-12-01" {
		t.Errorf("FirstValidDay = %s", got)
	}
}

func TestJSONReader(t *testing.T) {
	for _, ok := range []string{`{}`, ` {"a" : [1, -2.5e3, "x\u00e9\ud83d\ude00", true, false, null, {}]} `, `[]`, `"\/\b\f\n\r\t\\"`, `0`, `-0.1E+2`} {
		if _, err := parseJSON([]byte(ok)); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	bad := []string{``, `{`, `{"a":1,}`, `[1,]`, `{"a":1 "b":2}`, `01`, `1.`, `.5`, `+1`, `"\x"`, "\"a\x01\"", `tru`, `{"a":1}x`,
		`{"a":1,"a":2}`, "\"\xff\"", `{a:1}`, strings.Repeat("[", 40) + strings.Repeat("]", 40)}
	for _, b := range bad {
		if _, err := parseJSON([]byte(b)); err == nil {
			t.Errorf("%q accepted", b)
		}
	}
}

// FuzzJSONReader: what the reader accepts is JSON by encoding/json's
// measure too, and reads the same strings.
func FuzzJSONReader(f *testing.F) {
	for _, s := range []string{`{"pt":"E","cc":["KG","AE"],"l":[["Falco cherrug","II",2,"C","LIV"]],"exp":1.7e9}`, `"\ud83d\ude00"`, `[1,2]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseJSON([]byte(s))
		if err != nil {
			return
		}
		if !json.Valid([]byte(s)) {
			t.Fatalf("accepted %q, which encoding/json refuses", s)
		}
		var str string
		if v.kind == jsonString && (json.Unmarshal([]byte(s), &str) != nil || str != v.text) {
			t.Fatalf("read %q as %q, encoding/json as %q", s, v.text, str)
		}
	})
}
