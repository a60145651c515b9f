package verifier

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// The cache must answer exactly as CheckToken does, first time and every
// time after, whatever happens to the key and the clock in between.
func TestCacheAnswersAsCheckToken(t *testing.T) {
	key, other := newTestKey(t), newTestKey(t)
	valid, err := signToken(testClaims(), key)
	if err != nil {
		t.Fatal(err)
	}
	byOther, _ := signToken(testClaims(), other)
	tampered := valid[:len(valid)-3] + "000"
	cache := NewCache(64 << 10)
	check := func(name, text string, keys KeyLookup, now time.Time, want string) {
		t.Helper()
		for i := range 3 {
			got, plain := cache.CheckToken(text, keys, now), CheckToken(text, keys, now)
			if !reflect.DeepEqual(got, plain) {
				t.Fatalf("%s (check %d): cache says %+v, CheckToken %+v", name, i, got, plain)
			}
			if got.Verdict != want {
				t.Fatalf("%s (check %d): verdict %s, want %s", name, i, got.Verdict, want)
			}
		}
	}
	keys := lookupFor(key)
	check("valid", valid, keys, testNow, VerdictValid)
	check("tampered", tampered, keys, testNow, VerdictBadSignature)
	check("unknown key", byOther, keys, testNow, VerdictUnknownKey)
	check("expired later", valid, keys, testNow.AddDate(1, 0, 0), VerdictExpired)
	check("before issue", valid, keys, testNow.Add(-time.Hour), VerdictNotYetValid)

	key.Status = KeyCompromised
	check("key compromised since", valid, keys, testNow, VerdictRevoked)
	key.Status = KeyActive
	check("key trusted again", valid, keys, testNow, VerdictValid)

	retired := testNow.Add(-time.Minute)
	check("key retired before the code was signed", valid, func(kid string) (Key, bool) {
		return Key{Public: key.Public, Status: KeyRetired, RetiredAt: &retired}, kid == key.Kid
	}, testNow, VerdictRevoked)
	check("key removed", valid, lookupFor(), testNow, VerdictUnknownKey)
	// The kid now names another key: what the first key verified counts
	// for nothing.
	check("kid bound to another key", valid, func(kid string) (Key, bool) {
		return Key{Public: other.Public, Status: KeyActive}, kid == key.Kid
	}, testNow, VerdictBadSignature)
}

// Codes that fail verification are never stored, and the cache stays
// within its budget however many codes pass through it.
func TestCacheBounded(t *testing.T) {
	key := newTestKey(t)
	const budget = 16 * 4 << 10 // 16 shards of two codes each
	cache := NewCache(budget)
	keys := lookupFor(key)
	valid, _ := signToken(testClaims(), key)
	for i := range 50 {
		forged := valid[:len(valid)-4] + []string{"0000", "1111", "2222", "3333", "4444"}[i%5]
		if tc := cache.CheckToken(forged, keys, testNow); tc.Verdict == VerdictValid {
			t.Fatal("forged code passed")
		}
		cache.CheckToken("CP1:"+string(rune('0'+i%10)), keys, testNow)
	}
	if n := cache.Len(); n != 0 {
		t.Fatalf("%d failed codes cached", n)
	}
	for i := range 400 {
		c := testClaims()
		c.ID = fmt.Sprintf("26KG%06d", i)
		code, err := signToken(c, key)
		if err != nil {
			t.Fatal(err)
		}
		// Checked twice: the cache stores a code at its second check.
		for range 2 {
			if tc := cache.CheckToken(code, keys, testNow); tc.Verdict != VerdictValid || tc.Claims.ID != c.ID {
				t.Fatalf("got %+v", tc)
			}
		}
	}
	if n, b := cache.Len(), cache.Bytes(); n == 0 || b > budget {
		t.Fatalf("cache holds %d codes in %d bytes, budget %d", n, b, budget)
	}
}

// Once a key has signed tableAfter checked codes, the cache verifies with
// its precomputed table, and must still answer every code, valid or
// altered, as CheckToken does.
func TestCacheKeyTable(t *testing.T) {
	key, other := newTestKey(t), newTestKey(t)
	cache := NewCache(8 << 20)
	for i := range 3 * tableAfter {
		for _, k := range []*testKey{key, other} {
			c := testClaims()
			c.ID = fmt.Sprintf("26KG%06d", i)
			code, err := signToken(c, k)
			if err != nil {
				t.Fatal(err)
			}
			for _, text := range []string{code, alterSignature(t, code, 5), alterSignature(t, code, 60)} {
				got, plain := cache.CheckToken(text, lookupFor(key, other), testNow), CheckToken(text, lookupFor(key, other), testNow)
				if !reflect.DeepEqual(got, plain) {
					t.Fatalf("code %d: cache says %+v, CheckToken %+v", i, got, plain)
				}
				if text == code && got.Verdict != VerdictValid {
					t.Fatalf("code %d: verdict %s", i, got.Verdict)
				}
			}
		}
	}
	if n := cache.tables.Len(); n != 2 {
		t.Fatalf("%d key tables after %d codes under each of two keys, want 2", n, 3*tableAfter)
	}
}

// alterSignature changes the character at from the end of the code's
// signature, keeping the code well formed.
func alterSignature(t *testing.T, code string, at int) string {
	t.Helper()
	jws, err := DecodeCode(code)
	if err != nil {
		t.Fatal(err)
	}
	b := []byte(jws)
	i := len(b) - at
	b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
	return EncodeCode(string(b))
}
