package exchange_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

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
	"github.com/opencites/opencites/registry/registrytest"
	"github.com/opencites/opencites/users"
	"github.com/opencites/opencites/verifier"
	"gorm.io/gorm"
)

// TestLatePins starts three nodes that publish before any anchors are
// pinned, as an operator adding countries would, then restarts them with
// the pins: KG's permit issued before reaches KZ and UZ, KZ's seizure
// alert reaches KG and UZ, and KZ's acceptance at import of the permit
// reaches KG, whose own answer for it becomes "used". Nothing is refused.
func TestLatePins(t *testing.T) {
	requireNATS(t)
	forEachDB(t, testLatePins)
}

func testLatePins(t *testing.T, newDSN func(testing.TB) string) {
	stream, prefix := exchangeNames(t, natsURL)
	kg, kz, uz := newCountryOn(t, "KG", newDSN(t)), newCountryOn(t, "KZ", newDSN(t)), newCountryOn(t, "UZ", newDSN(t))
	all := []*country{kg, kz, uz}
	for _, c := range all {
		c.cfg = exchange.Config{URL: natsURL, Authority: c.authority, Stream: stream, Prefix: prefix,
			Alerts: c.alerts, Log: quietLog(), Announce: 500 * time.Millisecond}
		c.start(t)
	}
	ctx := context.Background()

	p := kg.issue(t, "KG")
	recordSeizure(t, kz, "Almaty airport")
	// Each message waits at the nodes that cannot verify it yet.
	eventually(t, 5*time.Second, func() string {
		return fmt.Sprintf("pending: KG %+v, KZ %+v, UZ %+v", kg.stats(t), kz.stats(t), uz.stats(t))
	}, func() bool {
		return kg.stats(t).Pending == 1 && kz.stats(t).Pending == 1 && uz.stats(t).Pending == 2
	})

	peers := map[string]*ecdsa.PublicKey{"KG": kg.anchor(t), "KZ": kz.anchor(t), "UZ": uz.anchor(t)}
	for _, c := range all {
		c.cfg.Peers = peers
		c.restart(t)
	}
	d := waitVerdict(t, kz, p.Code, verifier.VerdictValid, 5*time.Second)
	waitVerdict(t, uz, p.Code, verifier.VerdictValid, 5*time.Second)
	t.Logf("KG's permit issued before the pins valid at KZ %s after the restart", d)
	eventually(t, 5*time.Second, func() string {
		return fmt.Sprintf("seizure alerts: KG %d, UZ %d", kg.alerts.count("seizure"), uz.alerts.count("seizure"))
	}, func() bool { return kg.alerts.count("seizure") == 1 && uz.alerts.count("seizure") == 1 })

	officer := mustOfficer(t, kz, "border-kz")
	if _, err := kz.svc.Endorse(ctx, officer, p.Number, permits.EndorseRequest{Port: "Khorgos", Direction: "import",
		Lines: []permits.EndorsedLine{{Line: "A", Quantity: 2}}}); err != nil {
		t.Fatal(err)
	}
	waitVerdict(t, kg, p.Code, verifier.VerdictUsed, 5*time.Second)
	waitVerdict(t, kz, p.Code, verifier.VerdictUsed, 5*time.Second)
	waitVerdict(t, uz, p.Code, verifier.VerdictUsed, 5*time.Second)

	for _, c := range all {
		s := c.stats(t)
		if s.Rejected != 0 || s.Pending != 0 || c.alerts.count("forged_exchange_message") != 0 {
			t.Errorf("%s: %+v, %d forgery alerts", c.authority, s, c.alerts.count("forged_exchange_message"))
		}
		var rejected int64
		c.db.Model(&models.ExchangeRejection{}).Count(&rejected)
		if rejected != 0 {
			t.Errorf("%s recorded %d rejections", c.authority, rejected)
		}
	}
	if s := kg.stats(t); s.Recovered != 1 || s.Delivered < 2 {
		t.Errorf("KG: %+v, want the alert recovered and the acceptance delivered", s)
	}
}

// TestKeyLearnedLater sends KG messages signed by a key KG does not know
// yet: KZ's node is restored on a fresh database (same anchor, so a new
// signing key, as after a rotation) and signs four alerts before its node
// joins. They wait at KG (neither lost nor refused) until the node comes
// 5 s later and announces its new trust list, then apply, once each. KG
// keeps only two of the four; the other two are read again from the
// stream.
func TestKeyLearnedLater(t *testing.T) {
	requireNATS(t)
	forEachDB(t, testKeyLearnedLater)
}

func testKeyLearnedLater(t *testing.T, newDSN func(testing.TB) string) {
	stream, prefix := exchangeNames(t, natsURL)
	kzDir := t.TempDir()
	kg, kz := newCountryOn(t, "KG", newDSN(t)), newCountryWith(t, "KZ", newDSN(t), registrytest.Options{DataDir: kzDir})
	peers := map[string]*ecdsa.PublicKey{"KG": kg.anchor(t), "KZ": kz.anchor(t)}
	for _, c := range []*country{kg, kz} {
		c.cfg = exchange.Config{URL: natsURL, Authority: c.authority, Peers: peers, Stream: stream, Prefix: prefix,
			Alerts: c.alerts, Log: quietLog(), Announce: 500 * time.Millisecond}
	}
	kg.cfg.PendingMax = 2
	kg.start(t)
	kz.start(t)
	ctx := context.Background()
	waitVerdict(t, kg, kz.issue(t, "KZ").Code, verifier.VerdictValid, 5*time.Second)

	kz.node.Close()
	restored := newCountryWith(t, "KZ", newDSN(t), registrytest.Options{DataDir: kzDir})
	restored.cfg = kz.cfg
	restored.cfg.Alerts = restored.alerts
	if !restored.anchor(t).Equal(kz.anchor(t)) {
		t.Fatal("the restored KZ node has another anchor")
	}
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	sent := time.Now()
	for i := range 4 {
		c := &exchange.EventClaims{Kind: exchange.KindAlert, Seq: time.Now().UnixNano(),
			Alert: &exchange.Alert{Kind: "seizure", Severity: "high", Reason: fmt.Sprintf("seizure %d", i)}}
		c.Issuer, c.ID = "KZ", fmt.Sprintf("alert/late-%d", i)
		c.IssuedAt = jwt.NewNumericDate(time.Now())
		doc, err := restored.svc.Keys().SignJWT(ctx, c, exchange.EventType)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.Publish(ctx, prefix+".KZ.alert", []byte(doc)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 5*time.Second, func() string { return fmt.Sprintf("KG: %+v", kg.stats(t)) }, func() bool {
		s := kg.stats(t)
		return s.Pending == 2 && s.Overflowed == 2
	})
	time.Sleep(5*time.Second - time.Since(sent))
	if s := kg.stats(t); kg.alerts.count("seizure") != 0 || s.Rejected != 0 || s.Pending != 2 {
		t.Fatalf("before KG knows the key: %d alerts, %+v", kg.alerts.count("seizure"), s)
	}

	restored.start(t) // announces the new trust list
	d := eventually(t, 5*time.Second, func() string { return fmt.Sprintf("KG: %d alerts, %+v", kg.alerts.count("seizure"), kg.stats(t)) },
		func() bool { return kg.alerts.count("seizure") == 4 })
	t.Logf("alerts signed by a key KG did not know: applied %s after they were sent, %s after KZ's node announced the key",
		time.Since(sent).Round(time.Millisecond), d.Round(time.Millisecond))
	time.Sleep(300 * time.Millisecond)
	s := kg.stats(t)
	if kg.alerts.count("seizure") != 4 || s.Recovered != 4 || s.Pending != 0 || s.Rejected != 0 || kg.alerts.count("forged_exchange_message") != 0 {
		t.Errorf("after: %d alerts, %+v", kg.alerts.count("seizure"), s)
	}
	var marks int64
	kg.db.Model(&models.ExchangeReplay{}).Count(&marks)
	if marks != 0 {
		t.Errorf("%d replay marks left", marks)
	}
}

// TestPendingExpires keeps a message from a country KG never pins no
// longer than PendingTTL, then records it as refused and alerts.
func TestPendingExpires(t *testing.T) {
	requireNATS(t)
	stream, prefix := exchangeNames(t, natsURL)
	kg, uz := newCountry(t, "KG"), newCountry(t, "UZ")
	kg.cfg = exchange.Config{URL: natsURL, Authority: "KG", Stream: stream, Prefix: prefix, Alerts: kg.alerts, Log: quietLog(),
		Announce: 200 * time.Millisecond, PendingTTL: time.Second}
	kg.start(t)
	ctx := context.Background()
	c := &exchange.EventClaims{Kind: exchange.KindAlert, Seq: time.Now().UnixNano(), Alert: &exchange.Alert{Kind: "seizure", Severity: "high"}}
	c.Issuer, c.ID = "UZ", "alert/unpinned"
	c.IssuedAt = jwt.NewNumericDate(time.Now())
	doc, err := uz.svc.Keys().SignJWT(ctx, c, exchange.EventType)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if _, err := js.Publish(ctx, prefix+".UZ.alert", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, func() string { return fmt.Sprintf("KG: %+v", kg.stats(t)) }, func() bool { return kg.stats(t).Pending == 1 })
	eventually(t, 5*time.Second, func() string { return fmt.Sprintf("KG: %+v", kg.stats(t)) }, func() bool {
		return kg.stats(t).Pending == 0 && kg.alerts.count("unverified") == 1
	})
	var rejections []models.ExchangeRejection
	kg.db.Find(&rejections)
	if len(rejections) != 1 || rejections[0].Authority != "UZ" || kg.alerts.count("seizure") != 0 {
		t.Errorf("rejections %+v, %d seizure alerts", rejections, kg.alerts.count("seizure"))
	}
}

// TestBrokerOutage stops the NATS server for several seconds while KG
// issues and revokes permits: the events wait in KG's outbox, go out in
// order when the server returns, and every state reaches KZ; copies of
// the messages sent again change nothing. It runs its own server, so
// stopping it disturbs no other test.
func TestBrokerOutage(t *testing.T) {
	srv := startNATS(t)
	url := srv.url()
	stream, prefix := exchangeNames(t, url)
	kg, kz := newCountry(t, "KG"), newCountry(t, "KZ")
	peers := map[string]*ecdsa.PublicKey{"KG": kg.anchor(t), "KZ": kz.anchor(t)}
	for _, c := range []*country{kg, kz} {
		c.cfg = exchange.Config{URL: url, Authority: c.authority, Peers: peers, Stream: stream, Prefix: prefix,
			Alerts: c.alerts, Log: quietLog(), Announce: 500 * time.Millisecond}
		c.start(t)
	}
	ctx := context.Background()
	first := kg.issue(t, "KG")
	waitVerdict(t, kz, first.Code, verifier.VerdictValid, 5*time.Second)
	before := kg.stats(t)

	// The outage lasts 6 s, or CITES_TEST_EXCHANGE_OUTAGE (e.g. 30s) for
	// a longer trial; the permits are issued over most of it.
	outage := 6 * time.Second
	if d, err := time.ParseDuration(os.Getenv("CITES_TEST_EXCHANGE_OUTAGE")); err == nil && d > 3*time.Second {
		outage = d
	}
	const issued = 20
	pace := (outage - 2*time.Second) / issued
	srv.stop(t)
	down := time.Now()
	var burst []*permits.Permit
	for i := range issued {
		p := kg.issue(t, "KG")
		burst = append(burst, p)
		if i%2 == 0 {
			if _, err := kg.svc.Revoke(ctx, kg.issuer, p.Number, "issued in error"); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(pace)
	}
	queued := kg.stats(t)
	if queued.Outbox != issued+issued/2 || queued.Published != before.Published {
		t.Errorf("while the server is down: %+v, want %d in the outbox", queued, issued+issued/2)
	}
	time.Sleep(outage - time.Since(down))
	srv.start(t)
	up := time.Now()
	outage = up.Sub(down)

	want := func(i int) string {
		if i%2 == 0 {
			return permits.StatusRevoked
		}
		return permits.StatusIssued
	}
	arrived := func() int {
		n := 0
		for i, p := range burst {
			var row models.ForeignPermit
			if kz.db.Where("authority = ? AND number = ?", "KG", p.Number).Limit(1).Find(&row).Error == nil && row.Status == want(i) {
				n++
			}
		}
		return n
	}
	recovered := eventually(t, 20*time.Second, func() string { return fmt.Sprintf("%d of %d states at KZ; KG %+v", arrived(), issued, kg.stats(t)) },
		func() bool { return arrived() == issued })
	for i, p := range burst {
		wantVerdict := verifier.VerdictValid
		if i%2 == 0 {
			wantVerdict = verifier.VerdictRevoked
		}
		waitVerdict(t, kz, p.Code, wantVerdict, time.Second)
	}
	kgs, kzs := kg.stats(t), kz.stats(t)
	sent := kgs.Published - before.Published
	t.Logf("outage %s: %d messages written at KG while the server was down, %d published after it (%d delayed), all %d permit states at KZ %s after the server returned; KZ delivered %d, duplicates %d, last lag %s",
		outage.Round(time.Millisecond), queued.Outbox, sent, kgs.Delayed-before.Delayed, issued, recovered.Round(time.Millisecond),
		kzs.Delivered, kzs.Duplicates, kzs.LastLag.Round(time.Millisecond))
	if kgs.Outbox != 0 || sent < queued.Outbox || kgs.Delayed-before.Delayed < queued.Outbox {
		t.Errorf("KG after: %+v", kgs)
	}
	if kzs.Delivered != 1+issued+issued/2 || kzs.Rejected != 0 || kzs.Pending != 0 {
		t.Errorf("KZ after: %+v, want %d delivered", kzs, 1+issued+issued/2)
	}

	// KG's messages are in the stream in the order they were written,
	// once each.
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	str, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := str.Info(ctx)
	var kgMsgs []*jetstream.RawStreamMsg
	var lastSeq int64
	ids := map[string]bool{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := str.GetMsg(ctx, seq)
		if err != nil || m.Subject != prefix+".KG.permit" {
			continue
		}
		kgMsgs = append(kgMsgs, m)
		var c exchange.EventClaims
		if _, _, err := jwt.NewParser().ParseUnverified(string(m.Data), &c); err != nil {
			t.Fatal(err)
		}
		if c.Seq <= lastSeq || ids[c.ID] {
			t.Errorf("stream message %d (%s) out of order or repeated", seq, c.ID)
		}
		lastSeq, ids[c.ID] = c.Seq, true
	}
	if len(kgMsgs) != 1+issued+issued/2 {
		t.Errorf("%d KG permit messages in the stream, want %d", len(kgMsgs), 1+issued+issued/2)
	}

	// Every KG message sent again (without message ids, so the broker
	// keeps them): KZ applies none of them a second time.
	again := 0
	for _, m := range kgMsgs {
		if _, err := js.Publish(ctx, m.Subject, m.Data); err != nil {
			t.Fatal(err)
		}
		again++
	}
	eventually(t, 5*time.Second, func() string { return fmt.Sprintf("KZ: %+v", kz.stats(t)) }, func() bool {
		return kz.stats(t).Duplicates >= kzs.Duplicates+int64(again)
	})
	if s := kz.stats(t); s.Delivered != kzs.Delivered || arrived() != issued {
		t.Errorf("copies applied again: %+v", s)
	}
	t.Logf("%d copies sent again: KZ ignored them all", again)
}

// forEachDB runs fn on SQLite and on PostgreSQL (where one is configured);
// newDSN gives each country a database of its own.
func forEachDB(t *testing.T, fn func(t *testing.T, newDSN func(testing.TB) string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, modelstest.NewSQLite) })
	t.Run("postgres", func(t *testing.T) { fn(t, modelstest.NewPostgresSchema) })
}

// recordSeizure records a case at c's checkpoint, which the exchange
// shares as an alert.
func recordSeizure(t *testing.T, c *country, checkpoint string) {
	t.Helper()
	officer := mustOfficer(t, c, "officer-"+c.authority)
	if _, err := c.cases.Create(context.Background(), officer,
		cases.Input{OccurredAt: time.Now(), Checkpoint: checkpoint, Concealment: "mislabelled", Outcome: "seized",
			OriginCountry: c.authority, DestinationCountry: "QA",
			Specimens: []cases.SpecimenInput{{Taxon: "Falco cherrug", Term: "LIV", Quantity: 29}}}); err != nil {
		t.Fatal(err)
	}
}

// mustOfficer creates (once) an officer of c's authority.
func mustOfficer(t *testing.T, c *country, username string) opencites.Actor {
	t.Helper()
	u, err := c.reg.Users.Create(context.Background(), opencites.System, users.NewUser{Username: username,
		Password: "officer-password", Role: opencites.RoleOfficer, Authority: c.authority})
	if err != nil {
		t.Fatal(err)
	}
	return opencites.Actor{UserID: u.ID, Username: u.Username, Role: opencites.RoleOfficer, Authority: c.authority}
}

// natsServer is a NATS server with JetStream that a test runs, stops and
// starts again, on its own port and storage directory.
type natsServer struct {
	bin, dir string
	port     int
	cmd      *exec.Cmd
}

func (s *natsServer) url() string { return "nats://127.0.0.1:" + strconv.Itoa(s.port) }

// startNATS starts a server of the test's own, stopped when the test ends
// (even when it fails).
func startNATS(t *testing.T) *natsServer {
	t.Helper()
	bin := testenv.NeedCommand(t, "nats-server", "apt-get install nats-server")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &natsServer{bin: bin, dir: t.TempDir(), port: port}
	s.start(t)
	t.Cleanup(func() {
		if s.cmd != nil {
			s.stop(t)
		}
	})
	return s
}

// start runs the server and waits until it accepts connections with
// JetStream ready.
func (s *natsServer) start(t *testing.T) {
	t.Helper()
	s.cmd = exec.Command(s.bin, "-a", "127.0.0.1", "-p", strconv.Itoa(s.port), "-js", "-sd", s.dir)
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		nc, err := nats.Connect(s.url())
		if err == nil {
			js, _ := jetstream.New(nc)
			_, err = js.AccountInfo(context.Background())
			nc.Close()
			if err == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server on port %d: %v", s.port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop stops the server this test started (by its process, never by name).
func (s *natsServer) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// TestChangeCommittedIsSent: a permit's change reaches the other countries
// when its transaction commits, even if the process stops before anything
// runs after the commit (here: an issue inside a transaction of the
// caller's, as an application's approval makes, whose post-commit step
// never runs), and a change rolled back is never sent.
func TestChangeCommittedIsSent(t *testing.T) {
	requireNATS(t)
	forEachDB(t, testChangeCommittedIsSent)
}

func testChangeCommittedIsSent(t *testing.T, newDSN func(testing.TB) string) {
	stream, prefix := exchangeNames(t, natsURL)
	kg, kz := newCountryOn(t, "KG", newDSN(t)), newCountryOn(t, "KZ", newDSN(t))
	peers := map[string]*ecdsa.PublicKey{"KG": kg.anchor(t), "KZ": kz.anchor(t)}
	for _, c := range []*country{kg, kz} {
		c.cfg = exchange.Config{URL: natsURL, Authority: c.authority, Stream: stream, Prefix: prefix, Peers: peers,
			Alerts: c.alerts, Log: quietLog(), Announce: 500 * time.Millisecond}
		c.start(t)
	}
	ctx := context.Background()
	issueIn := func(number string, commit bool) *permits.Permit {
		t.Helper()
		p, err := kg.svc.Validate(ctx, "KG", permits.IssueRequest{Type: "export", Purpose: "T",
			Exporter:   permits.Party{Name: "Ala-Too Trade LLC", Country: "KG"},
			Importer:   permits.Party{Name: "Gulf Falconry", Country: "AE"},
			ValidUntil: time.Now().AddDate(0, 3, 0).Format(time.DateOnly),
			Specimens:  []permits.SpecimenRequest{{Taxon: "Falco cherrug", Term: "LIV", Source: "C", Quantity: 2}},
		}, kg.svc.Now())
		if err != nil {
			t.Fatal(err)
		}
		p.Number = number
		key, err := kg.svc.Keys().Signer(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rollback := errors.New("rolled back")
		err = kg.db.Transaction(func(tx *gorm.DB) error {
			if err := kg.svc.IssueIn(tx, kg.issuer, p, key); err != nil {
				return err
			}
			if !commit {
				return rollback
			}
			return nil
		})
		if commit && err != nil || !commit && err != rollback {
			t.Fatalf("issue %s (commit %v): %v", number, commit, err)
		}
		return p
	}
	year := time.Now().Year() % 100
	undone := issueIn(fmt.Sprintf("%02dKG900001", year), false)
	done := issueIn(fmt.Sprintf("%02dKG900002", year), true)
	d := waitVerdict(t, kz, done.Code, verifier.VerdictValid, 5*time.Second)
	t.Logf("a permit committed with no post-commit step known at KZ %s later", d)
	v, err := kz.svc.Verify(ctx, opencites.System, permits.VerifyRequest{Code: undone.Code})
	if err != nil {
		t.Fatal(err)
	}
	if v.Source == "exchange" {
		t.Errorf("KZ knows %s, whose issue was rolled back: %s", undone.Number, v.Verdict)
	}
	// The outbox row goes once NATS has acknowledged the message, which
	// may be just after KZ applied it.
	var left int64
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		kg.db.Model(&models.ExchangeOutbox{}).Count(&left)
		if left == 0 || time.Now().After(deadline) {
			break
		}
	}
	if left != 0 {
		t.Errorf("KG's outbox still holds %d messages 5 s after KZ had the permit", left)
	}
}
