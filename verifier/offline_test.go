package verifier

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// fixture is a small world: an anchor, a KG key, a trust list, a KG status
// list and codes in every state, as the registry would produce them.
type fixture struct {
	anchor     *ecdsa.PrivateKey
	anchorPEM  []byte
	trustList  string
	statusList string
	codes      map[string]string
	now        time.Time
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	anchor, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&anchor.PublicKey)
	f := &fixture{anchor: anchor, anchorPEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), codes: map[string]string{}, now: now}
	kg, stranger := newTestKey(t), newTestKey(t)
	x, y := JWKCoordinates(kg.Public)
	tl := &TrustListClaims{Seq: 7, Authorities: []TrustedAuthority{{Authority: "KG", Keys: []TrustedKey{
		{Kid: kg.Kid, Kty: "EC", Crv: "P-256", X: x, Y: y, Status: KeyActive, NotBefore: now.Add(-24 * time.Hour).Unix()}}}}}
	tl.IssuedAt = jwt.NewNumericDate(now.Add(-time.Hour))
	tl.ExpiresAt = jwt.NewNumericDate(now.Add(47 * time.Hour))
	var err error
	if f.trustList, err = SignTrustList(tl, anchor); err != nil {
		t.Fatal(err)
	}
	entries := map[int]uint8{11: StatusRevoked, 12: StatusUsed, 13: StatusExported}
	lst, err := EncodeStatusList(entries, 1<<17)
	if err != nil {
		t.Fatal(err)
	}
	sl := &StatusListClaims{Authority: "KG", Bits: StatusBits, Size: 1 << 17, List: lst}
	sl.IssuedAt = jwt.NewNumericDate(now.Add(-30 * time.Minute))
	sl.ExpiresAt = jwt.NewNumericDate(now.Add(24 * time.Hour))
	if f.statusList, err = SignStatusList(sl, anchor); err != nil {
		t.Fatal(err)
	}
	code := func(key *testKey, iss string, idx int, exp time.Time) string {
		c := testClaims()
		c.Issuer = iss
		c.StatusIndex = &idx
		c.IssuedAt = jwtTime(now.Add(-2 * time.Hour))
		c.ExpiresAt = jwtTime(exp)
		s, err := signToken(c, key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	later := now.AddDate(0, 3, 0)
	f.codes["valid"] = code(kg, "KG", 10, later)
	f.codes["revoked"] = code(kg, "KG", 11, later)
	f.codes["used"] = code(kg, "KG", 12, later)
	f.codes["exported"] = code(kg, "KG", 13, later)
	f.codes["expired"] = code(kg, "KG", 10, now.Add(-time.Minute))
	f.codes["unknown_key"] = code(stranger, "KG", 10, later)
	f.codes["wrong_authority"] = code(kg, "KZ", 10, later)
	// Forged: one character of the signature replaced by another valid one.
	jws, _ := DecodeCode(f.codes["valid"])
	b := []byte(jws)
	if b[len(b)-5] == 'A' {
		b[len(b)-5] = 'B'
	} else {
		b[len(b)-5] = 'A'
	}
	f.codes["forged"] = EncodeCode(string(b))
	f.codes["not_a_permit"] = "https://example.org/"
	return f
}

func (f *fixture) offline(t testing.TB) *Offline {
	t.Helper()
	anchor, err := ParseAnchorPEM(f.anchorPEM)
	if err != nil {
		t.Fatal(err)
	}
	o := NewOffline(anchor)
	if err := o.LoadTrustList(f.trustList); err != nil {
		t.Fatal(err)
	}
	if err := o.LoadStatusList(f.statusList); err != nil {
		t.Fatal(err)
	}
	return o
}

// offlineCases are the expected verdicts, shared with the WebAssembly test.
var offlineCases = []struct {
	code, direction string
	hoursLater      float64
	want            string
	stale           bool
}{
	{"valid", "export", 0, VerdictValid, false},
	{"revoked", "export", 0, VerdictRevoked, false},
	{"used", "import", 0, VerdictUsed, false},
	{"exported", "export", 0, VerdictUsed, false},
	{"exported", "import", 0, VerdictValid, false},
	{"expired", "export", 0, VerdictExpired, false},
	{"unknown_key", "export", 0, VerdictUnknownKey, false},
	{"wrong_authority", "export", 0, VerdictUnknownKey, false},
	{"forged", "export", 0, VerdictBadSignature, false},
	{"not_a_permit", "export", 0, VerdictMalformed, false},
	{"valid", "export", 30, VerdictValid, true},     // status list (24 h) past its time
	{"revoked", "export", 60, VerdictRevoked, true}, // both lists stale: still revoked
}

func TestOfflineVerdicts(t *testing.T) {
	f := newFixture(t)
	for _, c := range offlineCases {
		o := f.offline(t)
		r := o.Verify(f.codes[c.code], c.direction, f.now.Add(time.Duration(c.hoursLater*float64(time.Hour))))
		if r.Verdict != c.want || r.Stale != c.stale || r.Mode != "offline" {
			t.Errorf("%s at %s +%gh: %s stale=%v, want %s stale=%v (%+v)", c.code, c.direction, c.hoursLater, r.Verdict, r.Stale, c.want, c.stale, r.Reasons)
		}
		if (r.Claims != nil) != (r.Verdict == VerdictValid || r.Verdict == VerdictRevoked || r.Verdict == VerdictUsed || r.Verdict == VerdictExpired) {
			t.Errorf("%s: claims shown = %v for %s", c.code, r.Claims != nil, r.Verdict)
		}
	}
}

// TestClockSetBack: once the verifier has seen a time, a device clock set
// back cannot make an expired permit valid again.
func TestClockSetBack(t *testing.T) {
	f := newFixture(t)
	o := f.offline(t)
	// The expired code expired a minute before f.now; the lists were
	// issued 30-60 minutes before. A clock set back two hours is caught by
	// the lists' issue times.
	r := o.Verify(f.codes["expired"], "export", f.now.Add(-2*time.Hour))
	if !r.ClockBehind || !r.CheckedAt.Equal(o.Floor()) || r.CheckedAt.Before(f.now.Add(-30*time.Minute)) {
		t.Fatalf("clock set back before the lists: behind=%v checked at %s", r.ClockBehind, r.CheckedAt)
	}
	// A check at the true time raises the floor; then even a clock set back
	// to before the expiry gets "expired".
	o.Verify(f.codes["valid"], "export", f.now)
	r = o.Verify(f.codes["expired"], "export", f.now.Add(-10*time.Minute))
	if r.Verdict != VerdictExpired || !r.ClockBehind {
		t.Errorf("after a check at the true time: %s behind=%v", r.Verdict, r.ClockBehind)
	}
	// A saved floor survives a restart.
	o2 := f.offline(t)
	o2.SetFloor(o.Floor())
	if r := o2.Verify(f.codes["expired"], "export", f.now.Add(-10*time.Minute)); r.Verdict != VerdictExpired {
		t.Errorf("restored floor: %s", r.Verdict)
	}
}

func TestListsRefuseForgeryAndRollback(t *testing.T) {
	f := newFixture(t)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	o := f.offline(t)
	var c TrustListClaims
	c.Seq = 99
	c.IssuedAt = jwt.NewNumericDate(f.now)
	c.ExpiresAt = jwt.NewNumericDate(f.now.Add(time.Hour))
	forged, _ := SignTrustList(&c, other)
	if err := o.LoadTrustList(forged); err == nil {
		t.Error("trust list signed by another key accepted")
	}
	c.Seq = 1
	older, _ := SignTrustList(&c, f.anchor)
	if err := o.LoadTrustList(older); err == nil {
		t.Error("older trust list accepted")
	}
	// A status list is not a trust list.
	if err := o.LoadTrustList(f.statusList); err == nil {
		t.Error("status list accepted as trust list")
	}
	if r := NewOffline(&f.anchor.PublicKey).Verify(f.codes["valid"], "", f.now); r.Verdict != VerdictUnknownKey || !r.Stale {
		t.Errorf("no trust list: %+v", r)
	}
}

// TestStatusListSize: one million permits, a thousand revoked, fit well
// under 300 KB.
func TestStatusListSize(t *testing.T) {
	entries := map[int]uint8{}
	for i := 0; len(entries) < 1000; i++ {
		entries[(i*7919+13)%(1<<21)] = StatusRevoked
	}
	lst, err := EncodeStatusList(entries, 1<<21)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("status list of %d entries, 1000 revoked: %d bytes", 1<<21, len(lst))
	if len(lst) > 300<<10 {
		t.Errorf("status list %d bytes", len(lst))
	}
}

// BenchmarkStatusList builds and signs the status list of one million
// permits (2^22 random indexes), a thousand of them revoked, as the server
// does when the list changes.
func BenchmarkStatusList(b *testing.B) {
	anchor, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	entries := map[int]uint8{}
	for i := 0; len(entries) < 1000; i++ {
		entries[(i*7919+13)%(1<<22)] = StatusRevoked
	}
	var size int
	for i := 0; i < b.N; i++ {
		lst, err := EncodeStatusList(entries, 1<<22)
		if err != nil {
			b.Fatal(err)
		}
		c := &StatusListClaims{Authority: "KG", Bits: StatusBits, Size: 1 << 22, List: lst}
		c.IssuedAt = jwt.NewNumericDate(time.Now())
		c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(24 * time.Hour))
		doc, err := SignStatusList(c, anchor)
		if err != nil {
			b.Fatal(err)
		}
		size = len(doc)
	}
	b.ReportMetric(float64(size), "bytes")
}
