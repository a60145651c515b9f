package exchange_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"crypto/ecdsa"

	"github.com/golang-jwt/jwt/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/cases"
	"github.com/opencites/opencites/exchange"
	"github.com/opencites/opencites/internal/testenv"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/models/modelstest"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/registry"
	"github.com/opencites/opencites/registry/registrytest"
	"github.com/opencites/opencites/users"
	"github.com/opencites/opencites/verifier"
	"gorm.io/gorm"
)

const natsURL = "nats://127.0.0.1:4222"

func requireNATS(t *testing.T) {
	t.Helper()
	testenv.NeedTCP(t, "NATS with JetStream", "127.0.0.1:4222")
}

// quietLog is the nodes' logger: silent, unless CITES_TEST_EXCHANGE_LOG=1.
func quietLog() *slog.Logger {
	if os.Getenv("CITES_TEST_EXCHANGE_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// country is one national node: its own database, keys and exchange.
type country struct {
	cases     *cases.Service
	reg       *registry.Registry
	authority string
	db        *gorm.DB
	svc       *permits.Service
	node      *exchange.Node
	issuer    opencites.Actor
	alerts    *sink
	cfg       exchange.Config
}

type sink struct {
	mu     sync.Mutex
	alerts []exchange.Alert
	next   exchange.AlertSink // the node's analysts' alerts
}

func (s *sink) ExchangeAlert(ctx context.Context, from string, a exchange.Alert) {
	s.mu.Lock()
	a.Country = from
	s.alerts = append(s.alerts, a)
	next := s.next
	s.mu.Unlock()
	if next != nil {
		next.ExchangeAlert(ctx, from, a)
	}
}

func (s *sink) count(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, a := range s.alerts {
		if a.Kind == kind {
			n++
		}
	}
	return n
}

func newCountry(t *testing.T, authority string) *country {
	t.Helper()
	return newCountryOn(t, authority, modelstest.NewSQLite(t))
}

// newCountryOn is newCountry on the database dsn names.
func newCountryOn(t *testing.T, authority, dsn string) *country {
	t.Helper()
	return newCountryWith(t, authority, dsn, registrytest.Options{})
}

// newCountryWith is newCountryOn with the registry's options (its data
// directory, which holds the anchor).
func newCountryWith(t *testing.T, authority, dsn string, o registrytest.Options) *country {
	t.Helper()
	reg := registrytest.New(t, dsn, o)
	issuer := registrytest.MustUser(t, reg, users.NewUser{Username: "issuer-" + authority, Password: "issuer-password", Role: opencites.RoleIssuer, Authority: authority})
	db, svc, cs := reg.DB, reg.Permits, reg.Cases
	return &country{authority: authority, db: db, svc: svc, cases: cs, alerts: &sink{next: exchange.CasesSink{Cases: cs, Authority: authority}},
		reg: reg, issuer: issuer}
}

func (c *country) anchor(t *testing.T) *ecdsa.PublicKey {
	a, err := c.svc.Keys().Anchor()
	if err != nil {
		t.Fatal(err)
	}
	return &a.PublicKey
}

// start starts the country's node with c.cfg; the node closes when the
// test ends (closing twice is harmless).
func (c *country) start(t *testing.T) {
	t.Helper()
	n, err := exchange.Start(context.Background(), c.cfg, c.db, c.svc)
	if err != nil {
		t.Fatal(err)
	}
	c.node = n
	t.Cleanup(n.Close)
	c.cases.OnCase(n.ShareCase)
}

// restart closes the country's node and starts it again with c.cfg.
func (c *country) restart(t *testing.T) {
	t.Helper()
	c.node.Close()
	c.start(t)
}

// stats reads the node's counters.
func (c *country) stats(t *testing.T) exchange.Stats {
	t.Helper()
	s, err := c.node.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// exchangeNames returns a stream name and subject prefix of the test's
// own, on the NATS server at url, and removes the stream and the
// trust-list bucket when the test ends (after the nodes closed, as the
// cleanup is registered before they start).
func exchangeNames(t *testing.T, url string) (stream, prefix string) {
	t.Helper()
	var b [4]byte
	rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	stream, prefix = "CITES_TEST_"+suffix, "citestest"+suffix
	t.Cleanup(func() {
		if nc, err := nats.Connect(url); err == nil {
			if js, err := nc.JetStream(); err == nil {
				js.DeleteStream(stream)
				js.DeleteStream("KV_" + stream + "_TRUST")
			}
			nc.Close()
		}
	})
	return stream, prefix
}

// eventually polls cond every 20 ms until it holds, or fails the test
// after within, saying what.
func eventually(t *testing.T, within time.Duration, what func() string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("after %s: %s", within, what())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

func (c *country) issue(t *testing.T, exporterCountry string) *permits.Permit {
	t.Helper()
	p, err := c.svc.Issue(context.Background(), c.issuer, permits.IssueRequest{
		Type: "export", Purpose: "T",
		Exporter:   permits.Party{Name: "Ala-Too Trade LLC", Country: c.authority},
		Importer:   permits.Party{Name: "Gulf Falconry", Country: "AE"},
		ValidUntil: time.Now().AddDate(0, 3, 0).Format(time.DateOnly),
		Specimens:  []permits.SpecimenRequest{{Taxon: "Falco cherrug", Term: "LIV", Source: "C", Quantity: 2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// waitVerdict polls a node's verification until it gives want, and returns
// how long that took.
func waitVerdict(t *testing.T, c *country, code, want string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var last *permits.Verification
	for time.Since(start) < within {
		v, err := c.svc.Verify(context.Background(), opencites.System, permits.VerifyRequest{Code: code})
		if err != nil {
			t.Fatal(err)
		}
		if v.Verdict == want {
			if want != verifier.VerdictUnknownKey && v.Permit != nil && v.Permit.Authority != c.authority && v.Source != "exchange" {
				t.Errorf("%s answered from %q, want exchange", c.authority, v.Source)
			}
			return time.Since(start)
		}
		last = v
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: verdict %q after %s, want %q (%v)", c.authority, last.Verdict, within, want, last.Reasons)
	return 0
}

// TestThreeCountries runs KG, KZ and UZ nodes on the local NATS: KZ sees a
// Kyrgyz permit live, learns its revocation within two seconds, catches up
// after being down, refuses a message UZ forged in KG's name, and a seizure
// alert from KZ reaches KG and UZ.
func TestThreeCountries(t *testing.T) {
	requireNATS(t)
	stream, prefix := exchangeNames(t, natsURL)
	kg, kz, uz := newCountry(t, "KG"), newCountry(t, "KZ"), newCountry(t, "UZ")
	all := []*country{kg, kz, uz}
	peers := map[string]*ecdsa.PublicKey{"KG": kg.anchor(t), "KZ": kz.anchor(t), "UZ": uz.anchor(t)}
	log := quietLog()
	for _, c := range all {
		c.cfg = exchange.Config{URL: natsURL, Authority: c.authority, Peers: peers, Stream: stream,
			Prefix: prefix, Alerts: c.alerts, Log: log, Announce: 500 * time.Millisecond}
		c.start(t)
	}

	p1, p2 := kg.issue(t, "KG"), kg.issue(t, "KG")
	waitVerdict(t, kz, p1.Code, verifier.VerdictValid, 10*time.Second)
	waitVerdict(t, kz, p2.Code, verifier.VerdictValid, 5*time.Second)

	if _, err := kg.svc.Revoke(context.Background(), kg.issuer, p1.Number, "stolen in transit"); err != nil {
		t.Fatal(err)
	}
	d := waitVerdict(t, kz, p1.Code, verifier.VerdictRevoked, 2*time.Second)
	t.Logf("revocation in KG seen by KZ after %s", d)

	// KZ goes down; KG revokes p2; KZ comes back and catches up.
	kz.node.Close()
	if _, err := kg.svc.Revoke(context.Background(), kg.issuer, p2.Number, "replaced"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	kz.start(t)
	waitVerdict(t, kz, p2.Code, verifier.VerdictRevoked, 5*time.Second)

	// UZ forges a revocation of a live KG permit in KG's name, signed with
	// its own key: KG and KZ refuse it and raise an alert.
	p3 := kg.issue(t, "KG")
	waitVerdict(t, kz, p3.Code, verifier.VerdictValid, 5*time.Second)
	forged := &exchange.EventClaims{Kind: exchange.KindPermit, Seq: time.Now().Add(time.Hour).UnixNano(),
		Permit: &exchange.PermitState{Number: p3.Number, Status: permits.StatusRevoked}}
	forged.Issuer, forged.ID = "KG", "forged-"+prefix
	forged.IssuedAt = jwt.NewNumericDate(time.Now())
	doc, err := uz.svc.Keys().SignJWT(context.Background(), forged, exchange.EventType)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := nc.JetStream()
	if _, err := js.Publish(kg.cfg.Prefix+".KG.permit", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for kz.alerts.count("forged_exchange_message") == 0 || kg.alerts.count("forged_exchange_message") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("forgery not flagged: KZ %d, KG %d", kz.alerts.count("forged_exchange_message"), kg.alerts.count("forged_exchange_message"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	var rejected int64
	kz.db.Model(&models.ExchangeRejection{}).Count(&rejected)
	if rejected == 0 {
		t.Error("KZ recorded no rejection")
	}
	// The forged revocation did not take: p3 is still valid in KZ.
	if v, _ := kz.svc.Verify(context.Background(), opencites.System, permits.VerifyRequest{Code: p3.Code}); v.Verdict != verifier.VerdictValid {
		t.Errorf("forged revocation applied: %s", v.Verdict)
	}

	// A KZ officer accepts p3 at import: KG records the acceptance, which
	// cancels its document, and KZ then sees it used.
	kzOfficer, err := kz.reg.Users.Create(context.Background(), opencites.System, users.NewUser{Username: "border-kz", Password: "officer-password", Role: opencites.RoleOfficer, Authority: "KZ"})
	if err != nil {
		t.Fatal(err)
	}
	accepted, err := kz.svc.Endorse(context.Background(), opencites.Actor{UserID: kzOfficer.ID, Username: kzOfficer.Username, Role: opencites.RoleOfficer, Authority: "KZ"},
		p3.Number, permits.EndorseRequest{Port: "Khorgos", Direction: "import", Lines: []permits.EndorsedLine{{Line: "A", Quantity: 2}}})
	if err != nil || accepted.Status != permits.StatusCancelled {
		t.Fatalf("KZ accepts p3: %v %+v", err, accepted)
	}
	deadline = time.Now().Add(2 * time.Second)
	for {
		p, err := kg.svc.Get(context.Background(), opencites.System, p3.Number)
		if err == nil && p.Status == permits.StatusCancelled && len(p.Endorsements) == 1 && p.Endorsements[0].Officer == "exchange:KZ" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("KG did not record KZ's acceptance: %+v %v", p, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitVerdict(t, kz, p3.Code, verifier.VerdictUsed, 2*time.Second)

	// A seizure recorded in KZ alerts KG's and UZ's analysts, without
	// personal data.
	officer, err := kz.reg.Users.Create(context.Background(), opencites.System, users.NewUser{Username: "officer-kz", Password: "officer-password", Role: opencites.RoleOfficer, Authority: "KZ"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kz.cases.Create(context.Background(), opencites.Actor{UserID: officer.ID, Username: officer.Username, Role: opencites.RoleOfficer, Authority: "KZ"},
		cases.Input{OccurredAt: time.Now(), Checkpoint: "Almaty airport", Concealment: "mislabelled", Outcome: "seized",
			OriginCountry: "KZ", DestinationCountry: "QA", Notes: "carrier: two passengers (names withheld)",
			Specimens: []cases.SpecimenInput{{Taxon: "Falco cherrug", Term: "LIV", Quantity: 29}}}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for kg.alerts.count("seizure") == 0 || uz.alerts.count("seizure") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("seizure alert: KG %d, UZ %d", kg.alerts.count("seizure"), uz.alerts.count("seizure"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if kz.alerts.count("seizure") != 0 {
		t.Error("KZ alerted itself")
	}
	analyst, _ := kg.reg.Users.Create(context.Background(), opencites.System, users.NewUser{Username: "analyst-kg", Password: "analyst-password", Role: opencites.RoleAnalyst, Authority: "KG"})
	page, err := kg.cases.Alerts(context.Background(), opencites.Actor{UserID: analyst.ID, Role: opencites.RoleAnalyst, Authority: "KG"}, cases.AlertFilter{Rule: "exchange_seizure"})
	if err != nil || len(page.Alerts) != 1 || !strings.Contains(page.Alerts[0].Reason, "29 LIV Falco cherrug") || strings.Contains(page.Alerts[0].Reason, "passengers") {
		t.Errorf("KG's alerts: %+v %v", page, err)
	}
	// UZ learned the revocation too.
	if v, _ := uz.svc.Verify(context.Background(), opencites.System, permits.VerifyRequest{Code: p1.Code}); v.Verdict != verifier.VerdictRevoked || v.Source != "exchange" {
		t.Errorf("UZ on p1: %s from %s", v.Verdict, v.Source)
	}

	// Someone with access to the broker puts in the trust-list bucket a
	// list for KZ signed by UZ's anchor: KG refuses it and raises an
	// alert, and still believes KZ's own list.
	forgedBefore := kg.alerts.count("forged_exchange_message")
	putForgedTrust(t, nc, stream+"_TRUST", "KZ", uz)
	eventually(t, 5*time.Second, func() string { return "KG did not flag the forged trust list" }, func() bool {
		return kg.alerts.count("forged_exchange_message") > forgedBefore
	})
	pz := kz.issue(t, "KZ")
	waitVerdict(t, kg, pz.Code, verifier.VerdictValid, 5*time.Second)
}

// putForgedTrust puts in the bucket, under authority, a trust list that
// the anchor of signer signed, listing signer's key for authority.
func putForgedTrust(t *testing.T, nc *nats.Conn, bucket, authority string, signer *country) {
	t.Helper()
	ctx := context.Background()
	anchor, err := signer.svc.Keys().Anchor()
	if err != nil {
		t.Fatal(err)
	}
	signing, err := signer.svc.Keys().Signer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	x, y := verifier.JWKCoordinates(signing.Public)
	now := time.Now()
	c := &verifier.TrustListClaims{Seq: now.Unix() + 3600, Authorities: []verifier.TrustedAuthority{{Authority: authority,
		Keys: []verifier.TrustedKey{{Kid: signing.Kid, Kty: "EC", Crv: "P-256", X: x, Y: y, Status: verifier.KeyActive}}}}}
	c.Issuer, c.IssuedAt, c.ExpiresAt = "opencites", jwt.NewNumericDate(now), jwt.NewNumericDate(now.Add(time.Hour))
	doc, err := verifier.SignTrustList(c, anchor)
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, authority, []byte(doc)); err != nil {
		t.Fatal(err)
	}
}
