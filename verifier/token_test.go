package verifier

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// testKey is a signing key with its kid, as the registry holds one.
type testKey struct {
	Kid     string
	Status  string
	Public  *ecdsa.PublicKey
	private *ecdsa.PrivateKey
}

func newTestKey(tb testing.TB) *testKey {
	tb.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	return &testKey{Kid: base64.RawURLEncoding.EncodeToString(b), Status: KeyActive, Public: &priv.PublicKey, private: priv}
}

func jwtTime(t time.Time) *jwt.NumericDate { return jwt.NewNumericDate(t.Truncate(time.Second)) }

func signToken(c *Claims, key *testKey) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["kid"] = key.Kid
	t.Header["typ"] = TokenType
	s, err := t.SignedString(key.private)
	if err != nil {
		return "", err
	}
	return EncodeCode(s), nil
}

var testNow = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

func testClaims() *Claims {
	c := &Claims{Type: "E", Countries: []string{"KG", "AE"}, Purpose: "T",
		Lines: []ClaimLine{{Taxon: "Falco cherrug", Appendix: "II", Quantity: 2, Source: "C", Term: "LIV"}}}
	c.Issuer, c.ID = "KG", "26KG000001"
	c.IssuedAt = jwtTime(testNow)
	c.ExpiresAt = jwtTime(testNow.AddDate(0, 3, 0))
	return c
}

func lookupFor(keys ...*testKey) KeyLookup {
	return func(kid string) (Key, bool) {
		for _, k := range keys {
			if k.Kid == kid {
				return Key{Public: k.Public, Status: k.Status}, true
			}
		}
		return Key{}, false
	}
}

func TestCodeRoundTrip(t *testing.T) {
	jws := "eyJhbGciOiJFUzI1NiJ9.eyJ2IjoxfQ.abc-_XYZ09"
	code := EncodeCode(jws)
	if strings.Trim(code[len(CodePrefix):], "0123456789") != "" {
		t.Fatalf("code %q is not all digits after the prefix", code)
	}
	back, err := DecodeCode(code)
	if err != nil || back != jws {
		t.Fatalf("DecodeCode = %q, %v", back, err)
	}
	for _, bad := range []string{"", "CP1:", "CP1:1", "CP1:99", "CP1:0a", "cp1:1212", "CP2:1212"} {
		if _, err := DecodeCode(bad); err == nil {
			t.Errorf("DecodeCode(%q) accepted", bad)
		}
	}
}

func TestCheckTokenVerdicts(t *testing.T) {
	key, other := newTestKey(t), newTestKey(t)
	code, err := signToken(testClaims(), key)
	if err != nil {
		t.Fatal(err)
	}
	keys := lookupFor(key)
	cases := []struct {
		name string
		code string
		keys KeyLookup
		now  time.Time
		want string
	}{
		{"OK", code, keys, testNow, VerdictValid},
		{"ErrUnknownKey", code, lookupFor(other), testNow, VerdictUnknownKey},
		{"ErrExpired", code, keys, testNow.AddDate(0, 4, 0), VerdictExpired},
		{"ErrIssuedInFuture", code, keys, testNow.Add(-time.Hour), VerdictNotYetValid},
		{"ErrNotAPermit", "https://example.org", keys, testNow, VerdictMalformed},
	}
	compromised := *key
	compromised.Status = KeyCompromised
	cases = append(cases, struct {
		name string
		code string
		keys KeyLookup
		now  time.Time
		want string
	}{"ErrCompromisedKey", code, lookupFor(&compromised), testNow, VerdictRevoked})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tc := CheckToken(c.code, c.keys, c.now)
			if tc.Verdict != c.want {
				t.Fatalf("verdict %q (%v), want %q", tc.Verdict, tc.Reason, c.want)
			}
			if (tc.Claims != nil) != (c.want == VerdictValid || c.want == VerdictExpired || c.want == VerdictNotYetValid) {
				t.Errorf("claims exposed = %v for verdict %q", tc.Claims != nil, tc.Verdict)
			}
		})
	}
}

// TestMalleatedSignature: ECDSA signatures are malleable (s -> n-s). The
// malleated token verifies, and maps to the same permit, which is why the
// registry keys use and revocation by authority + number, never token bytes.
func TestMalleatedSignature(t *testing.T) {
	key := newTestKey(t)
	code, _ := signToken(testClaims(), key)
	jws, _ := DecodeCode(code)
	parts := strings.Split(jws, ".")
	sig, _ := jwt.NewParser().DecodeSegment(parts[2])
	n := elliptic.P256().Params().N
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(n, s)
	copy(sig[32:], s.FillBytes(make([]byte, 32)))
	malleated := EncodeCode(parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig))
	if malleated == code {
		t.Fatal("malleation changed nothing")
	}
	tc := CheckToken(malleated, lookupFor(key), testNow)
	if tc.Verdict != VerdictValid || tc.Claims.ID != "26KG000001" || tc.Claims.Issuer != "KG" {
		t.Fatalf("malleated: %q %+v", tc.Verdict, tc.Claims)
	}
}

// FuzzCheckToken: whatever the text, CheckToken returns one of the verdicts,
// never panics, and never yields claims without a verified signature.
func FuzzCheckToken(f *testing.F) {
	key := newTestKey(f)
	code, _ := signToken(testClaims(), key)
	jws, _ := DecodeCode(code)
	f.Add(code)
	f.Add(jws)
	f.Add(CodePrefix + "5676")
	f.Add(EncodeCode(strings.Repeat(".", 50)))
	f.Add(EncodeCode("e30.e30.e30"))
	keys := lookupFor(key)
	cache := NewCache(256 << 10) // the registry's path must agree, first time and again
	f.Fuzz(func(t *testing.T, text string) {
		tc := CheckToken(text, keys, testNow)
		for range 2 {
			if got := cache.CheckToken(text, keys, testNow); !reflect.DeepEqual(got, tc) {
				t.Fatalf("cache says %+v, CheckToken %+v", got, tc)
			}
		}
		switch tc.Verdict {
		case VerdictValid, VerdictExpired, VerdictNotYetValid:
			if tc.Claims == nil {
				t.Fatalf("verdict %q without claims", tc.Verdict)
			}
			// Only a correctly signed token gets here: re-verify.
			jws, err := DecodeCode(text)
			if err != nil {
				t.Fatalf("accepted undecodable code")
			}
			parts := strings.Split(jws, ".")
			sig, _ := jwt.NewParser().DecodeSegment(parts[2])
			if jwt.SigningMethodES256.Verify(parts[0]+"."+parts[1], sig, key.Public) != nil {
				t.Fatalf("verdict %q for a bad signature", tc.Verdict)
			}
		case VerdictMalformed, VerdictUnknownKey, VerdictBadSignature, VerdictRevoked:
			if tc.Claims != nil {
				t.Fatalf("claims exposed for %q", tc.Verdict)
			}
		default:
			t.Fatalf("unexpected verdict %q", tc.Verdict)
		}
	})
}
