package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/opencites/opencites/internal/testenv"
	"github.com/opencites/opencites/models/modelstest"
	"github.com/opencites/opencites/scan"
)

// The phone app's end-to-end tests drive the real app in a real headless
// Chromium against a real `citesd serve` on a temporary database. The
// camera is Chromium's fake capture device playing a video the test makes
// from a real permit's QR code; "no network" is a proxy between the browser
// and the server that drops every connection.

// chromiumPath finds the browser, or skips (fails in CI, where .ci/run
// installs it).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Need(t, "chromium", false, "apt-get install chromium; the app's end-to-end tests need it")
	return ""
}

// artefacts is where screenshots are kept: $CITES_TEST_ARTIFACTS, else
// testdata/screenshots next to this test (ignored by git).
func artefacts(t *testing.T) string {
	dir := os.Getenv("CITES_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// cutProxy forwards TCP to the server until cut: then it drops every open
// connection and every new one, as a border post losing its uplink.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]bool
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: strings.TrimPrefix(target, "http://"), conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close() })
	go p.serve()
	return p
}

func (p *cutProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

func (p *cutProxy) pipe(dst, src net.Conn) {
	io.Copy(dst, src)
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

func (p *cutProxy) SetCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			c.Close()
		}
	}
}

// writeY4M writes a short video of the QR code for text in the middle of a
// 1280x720 grey-white frame: the fake camera plays it in a loop.
func writeY4M(t *testing.T, text string) string {
	t.Helper()
	const w, h = 1280, 720
	pngBytes, err := scan.EncodePNG(text, 5)
	if err != nil {
		t.Fatal(err)
	}
	qr, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatal(err)
	}
	b := qr.Bounds()
	if b.Dx() > h {
		t.Fatalf("code of %d px does not fit the frame", b.Dx())
	}
	y := make([]byte, w*h)
	for i := range y {
		y[i] = 225 // paper under office light, not pure white
	}
	x0, y0 := (w-b.Dx())/2, (h-b.Dy())/2
	for py := 0; py < b.Dy(); py++ {
		for px := 0; px < b.Dx(); px++ {
			r, _, _, _ := qr.At(b.Min.X+px, b.Min.Y+py).RGBA()
			if r < 0x8000 {
				y[(y0+py)*w+x0+px] = 30
			}
		}
	}
	chroma := bytes.Repeat([]byte{128}, w*h/4)
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	for range 3 {
		buf.WriteString("FRAME\n")
		buf.Write(y)
		buf.Write(chroma)
		buf.Write(chroma)
	}
	path := filepath.Join(t.TempDir(), "permit.y4m")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// browser starts a headless Chromium whose camera plays video, with a
// phone-sized viewport, and returns its context.
func browser(t *testing.T, video string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("hide-scrollbars", true), // as on a phone: screenshots show the whole width
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(360, 740),
	}
	if video != "" {
		opts = append(opts, chromedp.Flag("use-file-for-fake-video-capture", video))
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancelB(); cancelA() })
	var console []string
	var mu sync.Mutex
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			console = append(console, e.Request.URL)
			mu.Unlock()
		}
	})
	if err := chromedp.Run(ctx, network.Enable(), chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, u := range console {
			if !strings.HasPrefix(u, "http://127.0.0.1:") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
				t.Errorf("the app requested a third party: %s", u)
			}
		}
	})
	return ctx
}

// do runs actions with a deadline and fails the test with a screenshot
// of where it stopped.
func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(tctx, actions...); err != nil {
		shot(t, ctx, "failed-"+strings.ReplaceAll(what, " ", "-"))
		var body string
		chromedp.Run(ctx, chromedp.Text("main", &body, chromedp.ByQuery))
		t.Fatalf("%s: %v\nscreen: %s", what, err, body)
	}
}

// screenProblems lists what makes a screen hard to use: form controls with
// no label a screen reader can announce, buttons with no name, images with
// no alt text, a page wider than the phone (tables scroll inside their own
// box instead), and interface strings asked for in a language that lacks
// them (since the page loaded).
const screenProblems = `(() => {
  const out = [];
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (el.classList.contains("visually-hidden") && el.type === "file") continue; // opened by its visible label
    const named = el.labels && el.labels.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!named) out.push("unlabelled " + el.tagName.toLowerCase() + " " + (el.name || el.id));
  }
  for (const b of document.querySelectorAll("button, a[href]")) {
    if (!(b.textContent.trim() || b.getAttribute("aria-label"))) out.push("nameless " + b.outerHTML.slice(0, 80));
  }
  for (const img of document.querySelectorAll("img")) if (!img.hasAttribute("alt")) out.push("image without alt " + img.src.slice(0, 60));
  const de = document.documentElement;
  if (innerWidth <= 400 && de.scrollWidth > de.clientWidth + 1) out.push("page " + de.scrollWidth + " px wide on a " + de.clientWidth + " px screen");
  for (const k of globalThis.citesI18nMissing || []) out.push("no translation for " + k);
  return out;
})()`

// shot keeps a screenshot of the screen as a test artefact, and fails the
// test on the problems screenProblems finds.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var buf []byte
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var problems []string
	if err := chromedp.Run(sctx, chromedp.Evaluate(screenProblems, &problems)); err == nil && !strings.HasPrefix(name, "failed-") {
		for _, p := range problems {
			t.Errorf("screen %s: %s", name, p)
		}
	}
	if err := chromedp.Run(sctx, chromedp.FullScreenshot(&buf, 100)); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.WriteFile(filepath.Join(artefacts(t), name+".png"), buf, 0o644)
}

func signInApp(t *testing.T, ctx context.Context, base, user, pass string) {
	do(t, ctx, "sign in as "+user,
		chromedp.Navigate(base+"/app/"),
		chromedp.WaitVisible(`input[name=username]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name=username]`, user, chromedp.ByQuery),
		chromedp.SendKeys(`input[name=password]`, pass, chromedp.ByQuery),
		chromedp.Click(`form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#who .user`, chromedp.ByQuery),
	)
}

func signOutApp(t *testing.T, ctx context.Context) {
	do(t, ctx, "sign out", chromedp.Click(`#who button`, chromedp.ByQuery), chromedp.WaitVisible(`input[name=username]`, chromedp.ByQuery))
}

type appServer struct {
	base    string // the server itself, for the test's own API calls
	proxy   *cutProxy
	issuer  *client
	officer *client
}

// startAppServer starts citesd with the test users, on SQLite unless dsn
// names a database.
func startAppServer(t *testing.T, dsn ...string) *appServer {
	env := []string{"CITES_DATA_DIR=" + t.TempDir(), "CITES_BCRYPT_COST=4"}
	if len(dsn) > 0 {
		env = append(env, "CITES_DATABASE_URL="+dsn[0])
	}
	citesd(t, env, "issuer-password\n", "user", "add", "--username", "ma-kg", "--role", "issuer", "--authority", "KG")
	citesd(t, env, "officer-password\n", "user", "add", "--username", "officer", "--role", "officer", "--authority", "KG")
	citesd(t, env, "officer-password\n", "user", "add", "--username", "officer2", "--role", "officer", "--authority", "KG")
	citesd(t, env, "exporter-password\n", "user", "add", "--username", "alatoo-trade", "--role", "exporter",
		"--org-name", "Ala-Too Trade LLC", "--org-address", "12 Chui Ave, Bishkek", "--org-country", "KG")
	citesd(t, env, "analyst-password\n", "user", "add", "--username", "analyst", "--role", "analyst", "--authority", "KG")
	base := startServer(t, env)
	return &appServer{base: base, proxy: newCutProxy(t, base),
		issuer: signIn(t, base, "ma-kg", "issuer-password"), officer: signIn(t, base, "officer2", "officer-password")}
}

func (s *appServer) issue(t *testing.T) (number, code string) {
	var p struct{ Number, QR string }
	var body any
	json.Unmarshal([]byte(fmt.Sprintf(permitBody, validUntil())), &body)
	s.issuer.call("POST", "/api/v1/permits", body, 201, &p)
	return p.Number, p.QR
}

func verdictSel(verdict, mode string) string {
	return fmt.Sprintf(`section.verdict[data-verdict=%q][data-mode=%q]`, verdict, mode)
}

// TestAppOfficerScans: an officer points the phone at a permit and sees
// "valid"; after the issuer revokes it, the same scan shows "revoked". On
// SQLite and PostgreSQL.
func TestAppOfficerScans(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	modelstest.ForEachDB(t, testAppOfficerScans)
}

func testAppOfficerScans(t *testing.T, dsn string) {
	s := startAppServer(t, dsn)
	number, code := s.issue(t)
	ctx := browser(t, writeY4M(t, code))
	app := s.proxy.URL()
	signInApp(t, ctx, app, "officer", "officer-password")
	shot(t, ctx, "officer-scan")
	start := time.Now()
	do(t, ctx, "scan shows valid", chromedp.WaitVisible(verdictSel("valid", "online"), chromedp.ByQuery))
	t.Logf("camera start to verdict: %v", time.Since(start))
	var text string
	do(t, ctx, "read verdict", chromedp.Text("main", &text, chromedp.ByQuery))
	for _, want := range []string{number, "Falco cherrug", "saker falcon", "KG → AE", "Ala-Too Trade"} {
		if !strings.Contains(text, want) {
			t.Errorf("verdict screen lacks %q:\n%s", want, text)
		}
	}
	shot(t, ctx, "officer-verdict-valid")

	// A photo of the paper, when the camera will not read: sent to
	// /api/v1/verify/photo.
	number2, code2 := s.issue(t)
	qrPNG, err := scan.EncodePNG(code2, 6)
	if err != nil {
		t.Fatal(err)
	}
	photoOfPermit := filepath.Join(t.TempDir(), "permit.png")
	os.WriteFile(photoOfPermit, qrPNG, 0o600)
	var onScreen string
	do(t, ctx, "verify a photo",
		chromedp.Evaluate(`location.hash = "#/scan?camera=off"`, nil),
		chromedp.WaitVisible(`[data-action=start-camera]`, chromedp.ByQuery),
		chromedp.SetUploadFiles(`#photo-input`, []string{photoOfPermit}, chromedp.ByQuery),
		chromedp.WaitVisible(verdictSel("valid", "online"), chromedp.ByQuery),
		chromedp.Text(`dl.facts`, &onScreen, chromedp.ByQuery))
	if !strings.Contains(onScreen, number2) {
		t.Errorf("the photo's verdict is not for %s:\n%s", number2, onScreen)
	}
	do(t, ctx, "back to the camera", chromedp.Evaluate(`location.hash = "#/scan"`, nil),
		chromedp.WaitVisible(verdictSel("valid", "online"), chromedp.ByQuery))

	s.issuer.call("POST", "/api/v1/permits/"+number+"/revoke", map[string]string{"reason": "specimens re-checked: rings do not match"}, 200, nil)
	do(t, ctx, "scan again shows revoked",
		chromedp.Click(`[data-action=scan-next]`, chromedp.ByQuery),
		chromedp.WaitVisible(verdictSel("revoked", "online"), chromedp.ByQuery))
	shot(t, ctx, "officer-verdict-revoked")

	// From the verdict, the officer opens a case with a photo of the goods:
	// it is linked to this failed verification.
	photo := filepath.Join(t.TempDir(), "goods.png")
	png.Encode(mustCreate(t, photo), testImage())
	var caseURL string
	do(t, ctx, "open a case",
		chromedp.Click(`[data-action=open-case]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-action=save-case]`, chromedp.ByQuery),
		chromedp.SetValue(`[name=checkpoint]`, "Torugart", chromedp.ByQuery),
		chromedp.SetValue(`[name=concealment]`, "vehicle", chromedp.ByQuery),
		chromedp.SetUploadFiles(`input[name=photos]`, []string{photo}, chromedp.ByQuery),
		chromedp.Click(`[data-action=save-case]`, chromedp.ByQuery),
		chromedp.Poll(`/^#\/cases\/\d+$/.test(location.hash) && document.querySelector("main dl")`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(`location.hash`, &caseURL))
	shot(t, ctx, "officer-case")
	var cs struct {
		Concealment string
		Documents   []struct {
			Number, Verdict string
		}
		Photos []struct{ ID int64 }
	}
	s.officer.call("GET", "/api/v1/cases/"+strings.TrimPrefix(caseURL, "#/cases/"), nil, 200, &cs)
	if cs.Concealment != "vehicle" || len(cs.Documents) != 1 || cs.Documents[0].Number != number || cs.Documents[0].Verdict != "revoked" || len(cs.Photos) != 1 {
		t.Errorf("case from the app: %+v", cs)
	}
	do(t, ctx, "back to the verdict", chromedp.Navigate(app+"/app/#/scan"), chromedp.WaitVisible(verdictSel("revoked", "online"), chromedp.ByQuery))

	// The verdict reads in Russian too.
	do(t, ctx, "switch to Russian",
		switchLanguage("ru"),
		chromedp.Click(`[data-action=scan-next]`, chromedp.ByQuery),
		chromedp.WaitVisible(verdictSel("revoked", "online"), chromedp.ByQuery),
		chromedp.Text(`#verdict-word`, &text, chromedp.ByQuery))
	if !strings.Contains(strings.ToLower(text), "отозван") {
		t.Errorf("Russian verdict word %q", text)
	}
	shot(t, ctx, "officer-verdict-revoked-ru")
}

// TestAppOfficerOffline: with the network cut, a scan still gives the
// offline verdict from the cached lists; an endorsement made then waits in
// the outbox and reaches the server when the network returns; one that
// meets a permit endorsed elsewhere meanwhile shows a conflict and raises
// an alert.
func TestAppOfficerOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	number, code := s.issue(t)
	number2, code2 := s.issue(t)
	ctx := browser(t, writeY4M(t, code))
	app := s.proxy.URL()
	signInApp(t, ctx, app, "officer", "officer-password")
	do(t, ctx, "online scan, offline lists downloaded, app kept offline", listsCached,
		chromedp.WaitVisible(verdictSel("valid", "online"), chromedp.ByQuery),
		chromedp.Poll(`navigator.serviceWorker.controller !== null`, nil, chromedp.WithPollingTimeout(20*time.Second)))

	s.proxy.SetCut(true)
	start := time.Now()
	do(t, ctx, "offline scan",
		chromedp.Click(`[data-action=scan-next]`, chromedp.ByQuery),
		chromedp.WaitVisible(verdictSel("valid", "offline"), chromedp.ByQuery))
	t.Logf("offline: camera start to verdict %v", time.Since(start))
	shot(t, ctx, "officer-verdict-offline")
	do(t, ctx, "endorse offline", endorseFromVerdict("Torugart"))
	shot(t, ctx, "officer-outbox-waiting")
	// A case opened offline waits beside it; the officer leaves out the
	// specimen type, which the server will refuse.
	do(t, ctx, "case offline",
		chromedp.Evaluate(`location.hash = "#/verdict"`, nil),
		chromedp.Click(`[data-action=open-case]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-action=save-case]`, chromedp.ByQuery),
		chromedp.SetValue(`[name=checkpoint]`, "Torugart", chromedp.ByQuery),
		chromedp.SetValue(`[name=notes]`, "rings checked offline", chromedp.ByQuery),
		chromedp.SetValue(`[name="specimens.0.term"]`, "", chromedp.ByQuery),
		chromedp.Click(`[data-action=save-case]`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelectorAll("li[data-status=waiting]").length === 2`, nil, chromedp.WithPollingTimeout(10*time.Second)))
	// The phone restarts the app with no network: the service worker serves
	// it, the outbox still holds the endorsement, and scanning still works.
	do(t, ctx, "app starts offline",
		chromedp.Reload(),
		chromedp.WaitVisible(`li[data-status=waiting]`, chromedp.ByQuery),
		chromedp.Evaluate(`location.hash = "#/scan"`, nil),
		chromedp.WaitVisible(verdictSel("valid", "offline"), chromedp.ByQuery))

	s.proxy.SetCut(false)
	waitFor(t, "the queued endorsement to arrive", func() bool {
		var p struct {
			Status       string
			Endorsements []struct{ Port string }
		}
		s.officer.call("GET", "/api/v1/permits/"+number, nil, 200, &p)
		return len(p.Endorsements) == 1 && p.Status == "endorsed" && p.Endorsements[0].Port == "Torugart"
	})
	// The case comes back refused; the officer corrects it from the outbox.
	var notes string
	do(t, ctx, "correct the refused case",
		chromedp.Evaluate(`location.hash = "#/outbox"`, nil),
		chromedp.WaitVisible(`li[data-status=refused] [data-action=edit-case]`, chromedp.ByQuery),
		chromedp.Click(`[data-action=edit-case]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-action=save-case]`, chromedp.ByQuery),
		chromedp.Value(`[name=notes]`, &notes, chromedp.ByQuery),
		chromedp.SetValue(`[name="specimens.0.term"]`, "LIV", chromedp.ByQuery),
		chromedp.Click(`[data-action=save-case]`, chromedp.ByQuery),
		chromedp.Poll(`/^#\/cases\/\d+$/.test(location.hash)`, nil, chromedp.WithPollingTimeout(15*time.Second)))
	if notes != "rings checked offline" {
		t.Errorf("the corrected case lost its notes: %q", notes)
	}
	waitFor(t, "the queued case to arrive", func() bool {
		var l struct {
			Cases []struct {
				Notes     string
				Documents []struct{ Number string }
			}
		}
		s.officer.call("GET", "/api/v1/cases", nil, 200, &l)
		return len(l.Cases) == 1 && l.Cases[0].Notes == "rings checked offline" && len(l.Cases[0].Documents) == 1 && l.Cases[0].Documents[0].Number == number
	})
	do(t, ctx, "outbox shows it sent", chromedp.Evaluate(`location.hash = "#/outbox"`, nil),
		chromedp.WaitVisible(`li[data-status=sent]`, chromedp.ByQuery))

	// A second phone checks the second permit offline and endorses it;
	// before it reconnects, another officer endorses the same permit.
	ctx2 := browser(t, writeY4M(t, code2))
	signInApp(t, ctx2, app, "officer", "officer-password")
	do(t, ctx2, "second phone in Kyrgyz", switchLanguage("ky"))
	do(t, ctx2, "second phone online scan, lists cached", listsCached,
		chromedp.WaitVisible(verdictSel("valid", "online"), chromedp.ByQuery))
	s.proxy.SetCut(true)
	do(t, ctx2, "second phone offline endorsement",
		chromedp.Click(`[data-action=scan-next]`, chromedp.ByQuery),
		chromedp.WaitVisible(verdictSel("valid", "offline"), chromedp.ByQuery),
		endorseFromVerdict("Irkeshtam"))
	s.officer.call("POST", "/api/v1/permits/"+number2+"/endorsements",
		map[string]any{"port": "Torugart", "direction": "export", "lines": []map[string]any{{"line": "A", "quantity": 2}}}, 201, nil)
	s.proxy.SetCut(false)
	do(t, ctx2, "conflict shown", chromedp.WaitVisible(`li[data-status=conflict]`, chromedp.ByQuery))
	shot(t, ctx2, "officer-outbox-conflict")
	var alerts struct {
		Alerts []struct{ Rule, Reason string }
	}
	s.issuer.call("GET", "/api/v1/alerts", nil, 200, &alerts)
	found := false
	for _, a := range alerts.Alerts {
		found = found || a.Rule == "offline_endorsement_conflict" && strings.Contains(a.Reason, number2)
	}
	if !found {
		t.Errorf("no offline_endorsement_conflict alert for %s: %+v", number2, alerts.Alerts)
	}
}

// endorseFromVerdict endorses the permit on screen, at port, with no
// network, and waits for the endorsement to show in the outbox.
func endorseFromVerdict(port string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Click(`[data-action=endorse]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-action=send-endorsement]`, chromedp.ByQuery),
		chromedp.SetValue(`input[name=port]`, port, chromedp.ByQuery),
		chromedp.Click(`[data-action=send-endorsement]`, chromedp.ByQuery),
		chromedp.WaitVisible(`li[data-status=waiting]`, chromedp.ByQuery),
	}
}

// switchLanguage picks the app's language as a user does, from the menu.
func switchLanguage(lang string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.SetValue(`#lang`, lang, chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById("lang").dispatchEvent(new Event("change"))`, nil),
	}
}

// listsCached waits until the app has stored the trust and status lists.
var listsCached = chromedp.Poll(`document.documentElement.dataset.listsAt`, nil, chromedp.WithPollingTimeout(20*time.Second))

// waitFor polls cond for up to 30 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestAppExporterApplies: an exporter drafts and submits an application in
// the app, an issuer approves it from the review queue, and the exporter
// finds the issued permit with its QR code.
func TestAppExporterApplies(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	ctx := browser(t, "")
	app := s.proxy.URL()
	// Signing in works from the keyboard alone: type, Tab, type, Enter.
	do(t, ctx, "sign in with the keyboard",
		chromedp.Navigate(app+"/app/"),
		chromedp.WaitVisible(`input[name=username]`, chromedp.ByQuery),
		chromedp.Focus(`input[name=username]`, chromedp.ByQuery),
		chromedp.KeyEvent("alatoo-trade"), chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent("exporter-password"), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(`[data-action=new-application]`, chromedp.ByQuery))
	shot(t, ctx, "exporter-applications")
	do(t, ctx, "draft an application",
		chromedp.Click(`[data-action=new-application]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[name="specimens.0.taxon"]`, chromedp.ByQuery),
		chromedp.SetValue(`[name=purpose]`, "T", chromedp.ByQuery),
		chromedp.SetValue(`[name=valid_until]`, validUntil(), chromedp.ByQuery),
		chromedp.SendKeys(`[name="importer.name"]`, "Gulf Falconry", chromedp.ByQuery),
		chromedp.SendKeys(`[name="importer.address"]`, "Dubai", chromedp.ByQuery),
		chromedp.SendKeys(`[name="importer.country"]`, "AE", chromedp.ByQuery),
		chromedp.SendKeys(`[name="specimens.0.taxon"]`, "Falco cherrug", chromedp.ByQuery),
		chromedp.SendKeys(`[name="specimens.0.description"]`, "live falcons, closed rings", chromedp.ByQuery),
		chromedp.SetValue(`[name="specimens.0.term"]`, "LIV", chromedp.ByQuery),
		chromedp.SetValue(`[name="specimens.0.source"]`, "C", chromedp.ByQuery),
		chromedp.SendKeys(`[name="specimens.0.quantity"]`, "2", chromedp.ByQuery),
		chromedp.SendKeys(`[name="specimens.0.marks"]`, "KG-R-0012, KG-R-0013", chromedp.ByQuery),
	)
	shot(t, ctx, "exporter-application-form")
	scanOfRings := filepath.Join(t.TempDir(), "captive-breeding-certificate.png")
	png.Encode(mustCreate(t, scanOfRings), testImage())
	do(t, ctx, "save, attach a document and submit",
		chromedp.Click(`[data-action=save]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main .ok`, chromedp.ByQuery),
		chromedp.SetUploadFiles(`input[name=attachment]`, []string{scanOfRings}, chromedp.ByQuery),
		chromedp.Click(`[data-action=upload]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-action=download-attachment]`, chromedp.ByQuery),
		chromedp.Click(`[data-action=submit]`, chromedp.ByQuery),
		chromedp.Poll(`[...document.querySelectorAll("main .badge")].some((b) => b.textContent === "Submitted")`, nil, chromedp.WithPollingTimeout(15*time.Second)),
	)
	shot(t, ctx, "exporter-application-submitted")
	signOutApp(t, ctx)

	// The issuer asks for a change; the exporter makes it and resubmits.
	signInApp(t, ctx, app, "ma-kg", "issuer-password")
	do(t, ctx, "open the queue", chromedp.WaitVisible(`main table a[data-id]`, chromedp.ByQuery))
	shot(t, ctx, "issuer-queue")
	var appID string
	do(t, ctx, "request changes",
		chromedp.Evaluate(`document.querySelector("main table a[data-id]").dataset.id`, &appID),
		chromedp.Click(`main table a[data-id]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-action=request-changes]`, chromedp.ByQuery),
		chromedp.SendKeys(`[name=message]`, "Ship one bird per permit.", chromedp.ByQuery),
		chromedp.Click(`[data-action=request-changes]`, chromedp.ByQuery),
		chromedp.Poll(`[...document.querySelectorAll("main .badge")].some((b) => b.textContent === "Changes requested")`, nil, chromedp.WithPollingTimeout(15*time.Second)))
	signOutApp(t, ctx)
	signInApp(t, ctx, app, "alatoo-trade", "exporter-password")
	do(t, ctx, "answer the request",
		chromedp.Navigate(app+"/app/#/applications/"+appID),
		chromedp.Poll(`document.querySelector("main").textContent.includes("Ship one bird per permit.")`, nil, chromedp.WithPollingTimeout(15*time.Second)),
		chromedp.SetValue(`[name="specimens.0.quantity"]`, "1", chromedp.ByQuery))
	shot(t, ctx, "exporter-changes-requested")
	do(t, ctx, "resubmit",
		chromedp.Click(`[data-action=submit]`, chromedp.ByQuery),
		chromedp.Poll(`[...document.querySelectorAll("main .badge")].some((b) => b.textContent === "Submitted")`, nil, chromedp.WithPollingTimeout(15*time.Second)))
	signOutApp(t, ctx)

	signInApp(t, ctx, app, "ma-kg", "issuer-password")
	var number string
	do(t, ctx, "approve",
		chromedp.WaitVisible(`main table a[data-id]`, chromedp.ByQuery),
		chromedp.Click(`main table a[data-id]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-action=approve]`, chromedp.ByQuery),
		chromedp.Click(`[data-action=approve]`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[data-action=open-permit]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("a[data-action=open-permit]").getAttribute("href").split("/").pop()`, &number),
	)
	shot(t, ctx, "issuer-approved")
	do(t, ctx, "desktop size", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(app+"/app/#/permits/"+number),
		chromedp.WaitVisible(`img.qr-image`, chromedp.ByQuery))
	shot(t, ctx, "desktop-issuer-permit")
	do(t, ctx, "phone size", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2)))
	var p struct {
		Status    string
		Specimens []struct{ Quantity float64 }
	}
	s.issuer.call("GET", "/api/v1/permits/"+number, nil, 200, &p)
	if p.Status != "issued" || len(p.Specimens) != 1 || p.Specimens[0].Quantity != 1 {
		t.Fatalf("permit %s: %+v", number, p)
	}
	do(t, ctx, "alerts and statistics screens",
		chromedp.Navigate(app+"/app/#/alerts"), chromedp.WaitVisible(`main h1`, chromedp.ByQuery))
	shot(t, ctx, "issuer-alerts")
	signOutApp(t, ctx)

	signInApp(t, ctx, app, "alatoo-trade", "exporter-password")
	do(t, ctx, "exporter sees the permit and its code",
		chromedp.Navigate(app+"/app/#/permits/"+number),
		chromedp.WaitVisible(`img.qr-image`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-action=pdf]`, chromedp.ByQuery))
	shot(t, ctx, "exporter-permit")
	signOutApp(t, ctx)

	// Some traffic for the charts: checks with several verdicts and a case.
	var v struct {
		ID string `json:"verification_id"`
	}
	var issued struct{ QR string }
	s.issuer.call("GET", "/api/v1/permits/"+number, nil, 200, &issued)
	s.officer.call("POST", "/api/v1/verify", map[string]string{"code": issued.QR}, 200, nil)
	s.officer.call("POST", "/api/v1/verify", map[string]string{"code": issued.QR[:len(issued.QR)-8] + "12345678"}, 200, &v)
	s.officer.call("POST", "/api/v1/cases/from-verification/"+v.ID, map[string]any{"checkpoint": "Torugart", "outcome": "seized",
		"specimens": []map[string]any{{"taxon": "Saiga tatarica", "term": "HOR", "quantity": 12}}}, 201, nil)

	signInApp(t, ctx, app, "analyst", "analyst-password")
	do(t, ctx, "statistics", chromedp.Navigate(app+"/app/#/stats"), chromedp.WaitVisible(`main svg`, chromedp.ByQuery))
	shot(t, ctx, "analyst-stats")
}

func mustCreate(t *testing.T, path string) *os.File {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// testImage is a small picture standing in for a photo of the goods.
func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	return img
}

// TestAppOutboxBelongsToItsOfficer: on a shared phone, what one officer
// queued offline is sent only with that officer's session, never filed
// under the next officer who signs in.
func TestAppOutboxBelongsToItsOfficer(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	number, code := s.issue(t)
	ctx := browser(t, writeY4M(t, code))
	app := s.proxy.URL()
	signInApp(t, ctx, app, "officer", "officer-password")
	do(t, ctx, "online scan, lists cached", listsCached, chromedp.WaitVisible(verdictSel("valid", "online"), chromedp.ByQuery))
	s.proxy.SetCut(true)
	do(t, ctx, "endorse offline",
		chromedp.Click(`[data-action=scan-next]`, chromedp.ByQuery),
		chromedp.WaitVisible(verdictSel("valid", "offline"), chromedp.ByQuery),
		endorseFromVerdict("Torugart"))
	signOutApp(t, ctx)
	s.proxy.SetCut(false)

	signInApp(t, ctx, app, "officer2", "officer-password")
	do(t, ctx, "the other officer's item waits", chromedp.Navigate(app+"/app/#/outbox"),
		chromedp.WaitVisible(`li[data-status=waiting] .notice`, chromedp.ByQuery), chromedp.Sleep(6*time.Second),
		chromedp.WaitVisible(`li[data-status=waiting]`, chromedp.ByQuery))
	shot(t, ctx, "officer-outbox-other-user")
	var p struct {
		Endorsements []struct{ Officer string }
	}
	s.issuer.call("GET", "/api/v1/permits/"+number, nil, 200, &p)
	if len(p.Endorsements) != 0 {
		t.Fatalf("sent under another officer's session: %+v", p.Endorsements)
	}
	signOutApp(t, ctx)

	signInApp(t, ctx, app, "officer", "officer-password")
	waitFor(t, "the endorsement, under its officer", func() bool {
		s.issuer.call("GET", "/api/v1/permits/"+number, nil, 200, &p)
		return len(p.Endorsements) == 1 && p.Endorsements[0].Officer == "officer"
	})
}
