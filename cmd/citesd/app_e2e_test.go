package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/golang-jwt/jwt/v5"
	"github.com/opencites/opencites/internal/testenv"
	"github.com/opencites/opencites/models/modelstest"
	"github.com/opencites/opencites/scan"
	"github.com/opencites/opencites/verifier"
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
	// Chromium's helper processes may still write to the profile for a
	// moment after the browser is closed (a download the app started in
	// the background, the service worker's cache): t.TempDir's removal
	// then fails the test, so the profile is removed here, with retries,
	// after the browser is gone (cleanups run last registered first).
	profile, err := os.MkdirTemp("", "cites-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; os.RemoveAll(profile) != nil && i < 50; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
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
		chromedp.UserDataDir(profile),
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
// box instead), interface strings asked for in a language that lacks them
// (since the page loaded), tap targets smaller than 44 x 44 px, and text
// whose contrast with its background is below WCAG AA (4.5:1, 3:1 for
// large text).
const screenProblems = `(() => {
  const out = [];
  const desc = (el) => el.outerHTML.slice(0, 90).replace(/\s+/g, " ");
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
  // Tap targets: every control, the menu's entries and links that act as
  // buttons; links inside running text are exempt (WCAG 2.5.5).
  const targets = "button, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea, summary, [role=button], a.button, a.brand, #nav a, .actions a, td a, label.check";
  for (const el of document.querySelectorAll(targets)) {
    if (el.classList.contains("visually-hidden")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue; // not shown
    if (r.width < 43.5 || r.height < 43.5) out.push("tap target " + Math.round(r.width) + "x" + Math.round(r.height) + " px: " + desc(el));
  }
  // Contrast of every visible text against what is behind it.
  const rgba = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || seen.has(el)) continue;
    seen.add(el);
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2 || el.closest(".visually-hidden, [hidden], noscript, :disabled, option")) continue;
    let hidden = false, layers = [], e = el, image = false;
    for (; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.visibility === "hidden" || cs.display === "none" || Number(cs.opacity) === 0) { hidden = true; break; }
      if (cs.backgroundImage !== "none" || e.tagName === "VIDEO") { image = true; break; }
      const b = rgba(cs.backgroundColor);
      if (b && b[3] > 0) { layers.push(b); if (b[3] >= 1) break; }
    }
    if (hidden || image) continue;
    let bg = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    const cs = getComputedStyle(el);
    const fg = over(rgba(cs.color) || [0, 0, 0, 1], bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const px = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
    const large = px >= 24 || (px >= 18.66 && bold);
    if (ratio < (large ? 3 : 4.5)) out.push("contrast " + ratio.toFixed(2) + ":1 of " + JSON.stringify(n.textContent.trim().slice(0, 40)) + " in " + desc(el));
  }
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
		chromedp.WaitVisible(`#who button`, chromedp.ByQuery),
	)
}

// atCheckpoint answers the officer's question of the shift: where.
func atCheckpoint(port string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.WaitVisible(`[data-action=set-checkpoint]`, chromedp.ByQuery),
		chromedp.SetValue(`input[name=port]`, port, chromedp.ByQuery),
		chromedp.Click(`[data-action=set-checkpoint]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-action=change-checkpoint]`, chromedp.ByQuery),
	}
}

func signOutApp(t *testing.T, ctx context.Context) {
	do(t, ctx, "sign out", chromedp.Click(`#who button`, chromedp.ByQuery), chromedp.WaitVisible(`input[name=username]`, chromedp.ByQuery))
}

type appServer struct {
	base    string // the server itself, for the test's own API calls
	dataDir string
	proxy   *cutProxy
	issuer  *client
	officer *client
}

// startAppServer starts citesd with the test users, on SQLite unless dsn
// names a database.
func startAppServer(t *testing.T, dsn ...string) *appServer {
	dataDir := t.TempDir()
	env := []string{"CITES_DATA_DIR=" + dataDir, "CITES_BCRYPT_COST=4"}
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
	return &appServer{base: base, dataDir: dataDir, proxy: newCutProxy(t, base),
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

// TestAppOfficerScans: an officer names the checkpoint once, points the
// phone at a permit and sees "valid" with the pass signal; the camera is
// off on the verdict; after the issuer revokes the permit, "Check again"
// shows "revoked" with the stop signal; a case opened from it links the
// failed verification; the verdict and its server texts read in Russian
// and Kyrgyz after a switch of language. On SQLite and PostgreSQL.
func TestAppOfficerScans(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	modelstest.ForEachDB(t, testAppOfficerScans)
}

// recordVibrations keeps the patterns the app asks the phone to vibrate.
var recordVibrations = chromedp.Evaluate(`window.vibrations = []; navigator.vibrate = (p) => { window.vibrations.push(JSON.stringify(p)); return true; }; true`, nil)

func testAppOfficerScans(t *testing.T, dsn string) {
	s := startAppServer(t, dsn)
	number, code := s.issue(t)
	ctx := browser(t, writeY4M(t, code))
	app := s.proxy.URL()
	signInApp(t, ctx, app, "officer", "officer-password")
	do(t, ctx, "checkpoint asked once per shift", recordVibrations)
	shot(t, ctx, "officer-checkpoint")
	start := time.Now()
	do(t, ctx, "scan shows valid", atCheckpoint("Torugart"), chromedp.WaitVisible(verdictSel("valid", "online"), chromedp.ByQuery))
	t.Logf("camera start to verdict: %v", time.Since(start))
	var text string
	var vibrations []string
	var camerasOn int
	do(t, ctx, "read verdict", chromedp.Text("main", &text, chromedp.ByQuery),
		chromedp.Evaluate(`window.vibrations`, &vibrations),
		chromedp.Evaluate(`document.querySelectorAll("video").length`, &camerasOn))
	for _, want := range []string{number, "Falco cherrug", "saker falcon", "KG → AE", "Ala-Too Trade", "KG-R-0012"} {
		if !strings.Contains(text, want) {
			t.Errorf("verdict screen lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "valid ") || strings.Contains(text, "_") {
		t.Errorf("a code shows outside the details:\n%s", text)
	}
	if len(vibrations) != 1 || vibrations[0] != "[120]" || camerasOn != 0 {
		t.Errorf("valid verdict: vibrations %v, cameras %d; want one pass pattern [120] and the camera off", vibrations, camerasOn)
	}
	// On a verdict the header is one line; elsewhere the menu below it
	// shows that it scrolls.
	var verdictHeader, scanHeader float64
	var menuScrolls bool
	do(t, ctx, "header on the verdict", chromedp.Evaluate(`document.querySelector("header.top").getBoundingClientRect().height`, &verdictHeader))
	do(t, ctx, "header on the scan screen", chromedp.Evaluate(`location.hash = "#/scan?camera=off"`, nil), chromedp.WaitVisible(`[data-action=start-camera]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("header.top").getBoundingClientRect().height`, &scanHeader),
		chromedp.Evaluate(`document.getElementById("nav").classList.contains("more-right")`, &menuScrolls),
		chromedp.Evaluate(`location.hash = "#/verdict"`, nil), chromedp.WaitVisible(verdictSel("valid", "online"), chromedp.ByQuery))
	t.Logf("header: %.0f px on the verdict, %.0f px on the scan screen", verdictHeader, scanHeader)
	if verdictHeader > 60 || scanHeader > 110 || !menuScrolls {
		t.Errorf("header %.0f px on the verdict, %.0f px elsewhere, menu shows it scrolls: %v", verdictHeader, scanHeader, menuScrolls)
	}
	var signalBy string
	do(t, ctx, "pass signal", chromedp.AttributeValue(`section.verdict`, "data-signal-by", &signalBy, nil, chromedp.ByQuery))
	if signalBy != "vibrate sound" {
		t.Errorf("pass signal given by %q", signalBy)
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
	shot(t, ctx, "officer-scan-camera-off")
	do(t, ctx, "back to the camera", chromedp.Evaluate(`location.hash = "#/scan"`, nil),
		chromedp.WaitVisible(verdictSel("valid", "online"), chromedp.ByQuery))

	s.issuer.call("POST", "/api/v1/permits/"+number+"/revoke", map[string]string{"reason": "specimens re-checked: rings do not match"}, 200, nil)
	do(t, ctx, "check again shows revoked",
		chromedp.Click(`[data-action=check-again]`, chromedp.ByQuery),
		chromedp.WaitVisible(verdictSel("revoked", "online"), chromedp.ByQuery),
		chromedp.Evaluate(`window.vibrations`, &vibrations),
		chromedp.AttributeValue(`section.verdict`, "data-signal", &signalBy, nil, chromedp.ByQuery))
	if len(vibrations) != 4 || vibrations[2] != "[120]" || vibrations[3] != "[300,120,300,120,300]" || signalBy != "stop" {
		t.Errorf("three valid verdicts, then revoked: vibrations %v, signal %q; want the pass pattern thrice, then the stop pattern", vibrations, signalBy)
	}
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
		chromedp.SetUploadFiles(`input[name=photos]`, []string{photo}, chromedp.ByQuery))
	shot(t, ctx, "officer-case-form")
	do(t, ctx, "save the case",
		chromedp.Click(`[data-action=save-case]`, chromedp.ByQuery),
		chromedp.Poll(`/^#\/cases\/\d+$/.test(location.hash) && document.querySelector("main dl") && document.querySelector("img.thumb[src^=blob]")`, nil, chromedp.WithPollingTimeout(20*time.Second)),
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
	do(t, ctx, "back to the verdict", chromedp.Evaluate(`location.hash = "#/scan"`, nil), chromedp.WaitVisible(`[data-action=show-last]`, chromedp.ByQuery),
		chromedp.Click(`[data-action=show-last]`, chromedp.ByQuery), chromedp.WaitVisible(verdictSel("revoked", "online"), chromedp.ByQuery))

	// The verdict reads in Russian and Kyrgyz: the app's words, and the
	// server's reasons, common names and guidance.
	var english string
	do(t, ctx, "the English reason", chromedp.Text(`ul.reasons`, &english, chromedp.ByQuery))
	for _, c := range []struct{ lang, word, reason, common string }{
		{"ru", "отозван", "Выдавший орган отозвал это разрешение", "балобан"},
		{"ky", "жокко чыгарылган", "Уруксат берген орган бул уруксатты жокко чыгарды", "ителги"},
	} {
		var word, reasons, main string
		do(t, ctx, "switch to "+c.lang,
			switchLanguage(c.lang),
			chromedp.WaitVisible(verdictSel("revoked", "online"), chromedp.ByQuery),
			chromedp.Poll(fmt.Sprintf(`document.querySelector("ul.reasons").textContent.includes(%q) && document.querySelector("main").textContent.includes(%q)`, c.reason, c.common),
				nil, chromedp.WithPollingTimeout(10*time.Second)),
			chromedp.Text(`#verdict-word`, &word, chromedp.ByQuery),
			chromedp.Text(`ul.reasons`, &reasons, chromedp.ByQuery),
			chromedp.Text(`main`, &main, chromedp.ByQuery))
		if !strings.Contains(strings.ToLower(word), c.word) || reasons == english || !strings.Contains(reasons, "rings do not match") {
			t.Errorf("%s verdict: word %q, reasons %q", c.lang, word, reasons)
		}
		if strings.Contains(main, "saker falcon") || strings.Contains(main, "CITES Identification Guide to Falconry Species: quick key") {
			t.Errorf("%s verdict still shows English guidance:\n%s", c.lang, main)
		}
		shot(t, ctx, "officer-verdict-revoked-"+c.lang)
	}
	do(t, ctx, "back to English", switchLanguage("en"))
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
	// A phone in Bishkek (UTC+6): the last day of validity is the date on
	// the paper, not the instant of expiry in the phone's time zone.
	do(t, ctx, "in Bishkek", emulation.SetTimezoneOverride("Asia/Bishkek"))
	signInApp(t, ctx, app, "officer", "officer-password")
	do(t, ctx, "online scan, offline lists downloaded, app kept offline", atCheckpoint("Torugart"), listsCached, permitsKept,
		chromedp.WaitVisible(verdictSel("valid", "online"), chromedp.ByQuery),
		chromedp.Poll(`navigator.serviceWorker.controller !== null`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		// The worker keeps a QR reader for an offline start (this browser
		// has no BarcodeDetector).
		chromedp.Poll(`!!document.documentElement.dataset.readerKept || "BarcodeDetector" in window`, nil, chromedp.WithPollingTimeout(20*time.Second)))

	var onlineUntil, onlineUntilText string
	do(t, ctx, "the registry's dates", chromedp.AttributeValue(`[data-field=valid_until]`, "data-value", &onlineUntil, nil, chromedp.ByQuery),
		chromedp.Text(`[data-field=valid_until]`, &onlineUntilText, chromedp.ByQuery))
	s.proxy.SetCut(true)
	start := time.Now()
	do(t, ctx, "offline scan",
		chromedp.Click(`[data-action=check-again]`, chromedp.ByQuery),
		chromedp.WaitVisible(verdictSel("valid", "offline"), chromedp.ByQuery))
	t.Logf("offline: check to verdict %v", time.Since(start))
	// The offline verdict prints the paper's dates, and the parties and
	// rings from the phone's copy of the registry.
	var offlineUntil, offlineUntilText, offlineText string
	do(t, ctx, "offline facts", chromedp.AttributeValue(`[data-field=valid_until]`, "data-value", &offlineUntil, nil, chromedp.ByQuery),
		chromedp.Text(`[data-field=valid_until]`, &offlineUntilText, chromedp.ByQuery),
		chromedp.Text(`main`, &offlineText, chromedp.ByQuery))
	if offlineUntil != onlineUntil || offlineUntilText != onlineUntilText || onlineUntil != validUntil() {
		t.Errorf("valid until: online %s (%q), offline %s (%q); the registry says %s", onlineUntil, onlineUntilText, offlineUntil, offlineUntilText, validUntil())
	}
	for _, want := range []string{"Ala-Too Trade LLC", "Gulf Falconry", "KG-R-0012, KG-R-0013"} {
		if !strings.Contains(offlineText, want) {
			t.Errorf("the offline verdict lacks %q:\n%s", want, offlineText)
		}
	}
	shot(t, ctx, "officer-verdict-offline")
	do(t, ctx, "endorse offline", endorseFromVerdict("Torugart"))
	shot(t, ctx, "officer-endorsed-queued")
	do(t, ctx, "the outbox holds it", chromedp.Evaluate(`location.hash = "#/outbox"`, nil), chromedp.WaitVisible(`li[data-status=waiting]`, chromedp.ByQuery))
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
	do(t, ctx2, "second phone in Kyrgyz", switchLanguage("ky"), atCheckpoint("Irkeshtam"))
	do(t, ctx2, "second phone online scan, lists cached", listsCached,
		chromedp.WaitVisible(verdictSel("valid", "online"), chromedp.ByQuery))
	s.proxy.SetCut(true)
	do(t, ctx2, "second phone offline endorsement",
		chromedp.Click(`[data-action=check-again]`, chromedp.ByQuery),
		chromedp.WaitVisible(verdictSel("valid", "offline"), chromedp.ByQuery),
		endorseFromVerdict("Irkeshtam"),
		chromedp.Evaluate(`location.hash = "#/outbox"`, nil))
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
// network, and waits for the confirmation that it waits in the outbox.
func endorseFromVerdict(port string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Click(`[data-action=endorse]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-action=send-endorsement]`, chromedp.ByQuery),
		chromedp.SetValue(`input[name=port]`, port, chromedp.ByQuery),
		chromedp.Click(`[data-action=send-endorsement]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-confirmation=queued]`, chromedp.ByQuery),
	}
}

// switchLanguage picks the app's language as a user does, from the menu.
// It waits until the server's messages in lang have arrived (or failed to),
// since their arrival draws the screen again and would wipe what a step
// typed meanwhile.
func switchLanguage(lang string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Evaluate(`delete document.documentElement.dataset.messagesLang`, nil),
		chromedp.SetValue(`#lang`, lang, chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById("lang").dispatchEvent(new Event("change"))`, nil),
		chromedp.Poll(`document.documentElement.dataset.messagesLang === `+strconv.Quote(lang), nil, chromedp.WithPollingTimeout(20*time.Second)),
	}
}

// listsCached waits until the app has stored the trust and status lists.
var listsCached = chromedp.Poll(`document.documentElement.dataset.listsAt`, nil, chromedp.WithPollingTimeout(20*time.Second))

// permitsKept waits until the app keeps the registry's live permits
// (their parties and marks, for offline verdicts): the registry lists a
// permit as settled 30 s after its issue, but sends the newer ones too.
var permitsKept = chromedp.Poll(`document.documentElement.dataset.permitsAt`, nil, chromedp.WithPollingTimeout(20*time.Second))

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
		submitWithout("The veterinary certificate is issued on the day of shipment."), // issue 16
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
		submitWithout("The veterinary certificate is issued on the day of shipment."), // issue 16
		chromedp.Poll(`[...document.querySelectorAll("main .badge")].some((b) => b.textContent === "Submitted")`, nil, chromedp.WithPollingTimeout(15*time.Second)))
	signOutApp(t, ctx)

	signInApp(t, ctx, app, "ma-kg", "issuer-password")
	var number string
	do(t, ctx, "approve",
		chromedp.WaitVisible(`main table a[data-id]`, chromedp.ByQuery),
		chromedp.Click(`main table a[data-id]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-action=approve]`, chromedp.ByQuery),
		confirmMissing("Seen at the breeder's."), // issue 16
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
	do(t, ctx, "online scan, lists cached", atCheckpoint("Torugart"), listsCached, chromedp.WaitVisible(verdictSel("valid", "online"), chromedp.ByQuery))
	s.proxy.SetCut(true)
	do(t, ctx, "endorse offline",
		chromedp.Click(`[data-action=check-again]`, chromedp.ByQuery),
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

// TestAppEndorsementConfirmed: after "Endorse" -> "Send" the officer sees
// what was endorsed, where and when; with the same paper still in front
// of the camera no second verdict comes, on the confirmation or after
// "Scan next", and the paper is checked once.
func TestAppEndorsementConfirmed(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	number, code := s.issue(t)
	ctx := browser(t, writeY4M(t, code))
	signInApp(t, ctx, s.proxy.URL(), "officer", "officer-password")
	var text string
	do(t, ctx, "scan and endorse", atCheckpoint("Torugart"),
		chromedp.WaitVisible(verdictSel("valid", "online"), chromedp.ByQuery),
		chromedp.Click(`[data-action=endorse]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-action=send-endorsement]`, chromedp.ByQuery))
	shot(t, ctx, "officer-endorse")
	do(t, ctx, "send", chromedp.Click(`[data-action=send-endorsement]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-confirmation=recorded]`, chromedp.ByQuery),
		chromedp.Text(`main`, &text, chromedp.ByQuery))
	for _, want := range []string{"Endorsement recorded", number, "Falco cherrug", "Torugart", "Export"} {
		if !strings.Contains(text, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, text)
		}
	}
	shot(t, ctx, "officer-endorsed")
	noVerdictFor := func(what string, d time.Duration) {
		t.Helper()
		for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
			var verdicts int
			do(t, ctx, what, chromedp.Evaluate(`document.querySelectorAll("section.verdict").length`, &verdicts))
			if verdicts != 0 {
				t.Fatalf("%s: a verdict came with the paper just endorsed still in view", what)
			}
		}
	}
	noVerdictFor("on the confirmation", 5*time.Second)
	var hint string
	do(t, ctx, "scan next", chromedp.Click(`[data-action=scan-next]`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector(".camera .hint") && document.querySelector(".camera .hint").textContent.includes("just checked")`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Text(`.camera .hint`, &hint, chromedp.ByQuery))
	shot(t, ctx, "officer-scan")
	noVerdictFor("on the camera", 5*time.Second)
	var recs struct{ Verifications []struct{ Verdict string } }
	var p struct{ Status string }
	s.officer.call("GET", "/api/v1/permits/"+number+"/verifications", nil, 200, &recs)
	s.officer.call("GET", "/api/v1/permits/"+number, nil, 200, &p)
	if len(recs.Verifications) != 1 || p.Status != "endorsed" {
		t.Errorf("the paper was checked %d times (%+v), permit %s; want once and endorsed", len(recs.Verifications), recs.Verifications, p.Status)
	}
	// The camera's view: the viewfinder and its aiming frame above the fold.
	var frameBottom, screen float64
	do(t, ctx, "viewfinder", chromedp.Evaluate(`document.querySelector(".camera .frame").getBoundingClientRect().bottom`, &frameBottom),
		chromedp.Evaluate(`innerHeight`, &screen))
	t.Logf("the aiming frame ends %.0f px down a %.0f px screen", frameBottom, screen)
	if frameBottom > screen {
		t.Errorf("the aiming frame ends %.0f px down a %.0f px screen", frameBottom, screen)
	}
}

// registryCode signs claims with the registry's own signing key, as the
// registry would have: codes the registry never issued (an unknown
// number), or whose dates put it out of its validity.
func registryCode(t *testing.T, dataDir string, number string, nbf, exp time.Time) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dataDir, "keys", "*.pem"))
	for _, f := range files {
		kid := strings.TrimSuffix(filepath.Base(f), ".pem")
		b, _ := os.ReadFile(f)
		block, _ := pem.Decode(b)
		if block == nil || block.Type != "PRIVATE KEY" || kid == "anchor" {
			continue
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			continue
		}
		return signCode(t, k.(*ecdsa.PrivateKey), kid, number, nbf, exp)
	}
	t.Fatal("no signing key in the data directory")
	return ""
}

func signCode(t *testing.T, key *ecdsa.PrivateKey, kid, number string, nbf, exp time.Time) string {
	t.Helper()
	idx := 1234567
	c := verifier.Claims{Type: "E", Countries: []string{"KG", "AE"}, Purpose: "T", StatusIndex: &idx,
		Lines: []verifier.ClaimLine{{Taxon: "Falco cherrug", Appendix: "II", Quantity: 2, Source: "C", Term: "LIV"}}}
	c.Issuer, c.ID = "KG", number
	c.IssuedAt = jwt.NewNumericDate(nbf.Add(-48 * time.Hour))
	if nbf.After(time.Now()) {
		c.IssuedAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
		c.NotBefore = jwt.NewNumericDate(nbf)
	}
	c.ExpiresAt = jwt.NewNumericDate(exp)
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	tok.Header["kid"], tok.Header["typ"] = kid, verifier.TokenType
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return verifier.EncodeCode(s)
}

// tamper changes one character of a code's signature.
func tamper(code string) string {
	jws, _ := verifier.DecodeCode(code)
	b := []byte(jws)
	if b[len(b)-5] == 'A' {
		b[len(b)-5] = 'B'
	} else {
		b[len(b)-5] = 'A'
	}
	return verifier.EncodeCode(string(b))
}

// everyVerdict makes a code for each verdict the registry gives.
func everyVerdict(t *testing.T, s *appServer) map[string]string {
	t.Helper()
	codes := map[string]string{}
	_, codes["valid"] = s.issue(t)
	n, revoked := s.issue(t)
	codes["revoked"] = revoked
	s.issuer.call("POST", "/api/v1/permits/"+n+"/revoke", map[string]string{"reason": "issued in error"}, 200, nil)
	n, codes["used"] = s.issue(t)
	s.officer.call("POST", "/api/v1/permits/"+n+"/endorsements",
		map[string]any{"port": "Manas", "direction": "export", "lines": []map[string]any{{"line": "A", "quantity": 2}}}, 201, nil)
	now := time.Now()
	codes["expired"] = registryCode(t, s.dataDir, "26KG900001", now.Add(-90*24*time.Hour), now.Add(-24*time.Hour))
	codes["not_yet_valid"] = registryCode(t, s.dataDir, "26KG900002", now.Add(48*time.Hour), now.Add(90*24*time.Hour))
	codes["not_found"] = registryCode(t, s.dataDir, "26KG900003", now.Add(-time.Hour), now.Add(90*24*time.Hour))
	codes["bad_signature"] = tamper(codes["valid"])
	stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	codes["unknown_key"] = signCode(t, stranger, "zzzzzzzz", "26KG900004", now.Add(-time.Hour), now.Add(90*24*time.Hour))
	codes["malformed"] = verifier.EncodeCode("not.a.permit")
	return codes
}

// pasteCode checks a code typed (pasted) on the scan screen.
func pasteCode(code string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Evaluate(`location.hash = "#/scan?camera=off"`, nil),
		chromedp.WaitVisible(`details.paste summary`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("details.paste").open = true`, nil),
		chromedp.SetValue(`textarea[name=code]`, code, chromedp.ByQuery),
		chromedp.Click(`[data-action=check-code]`, chromedp.ByQuery),
	}
}

// TestAppVerdictWords: every verdict's word and symbol fit a 320 px and a
// 360 px phone in English, Russian and Kyrgyz, in large type, without the
// page growing wider than the screen; its reasons read as words, the
// codes only under Details.
func TestAppVerdictWords(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	codes := everyVerdict(t, s)
	ctx := browser(t, "")
	signInApp(t, ctx, s.proxy.URL(), "officer", "officer-password")
	do(t, ctx, "checkpoint", chromedp.Evaluate(`location.hash = "#/scan?camera=off"`, nil), atCheckpoint("Manas"))
	type measure struct {
		Word          string
		Px, Ws, Wc    float64
		Page, Screen  float64
		ReasonsHaveUS bool
	}
	const js = `(() => { const w = document.getElementById("verdict-word"), de = document.documentElement;
	  return {Word: w.textContent, Px: parseFloat(w.style.fontSize), Ws: w.scrollWidth, Wc: w.clientWidth, Page: de.scrollWidth, Screen: de.clientWidth,
	    ReasonsHaveUS: [...document.querySelectorAll("ul.reasons li")].some((li) => /[a-z]+_[a-z]+/.test(li.textContent))}; })()`
	var report []string
	for _, verdict := range []string{"valid", "revoked", "expired", "not_yet_valid", "used", "not_found", "bad_signature", "unknown_key", "malformed"} {
		do(t, ctx, "check "+verdict, switchLanguage("en"), chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2)), pasteCode(codes[verdict]),
			chromedp.WaitVisible(verdictSel(verdict, "online"), chromedp.ByQuery))
		for _, lang := range []string{"en", "ru", "ky"} {
			do(t, ctx, verdict+" in "+lang, switchLanguage(lang), chromedp.WaitVisible(verdictSel(verdict, "online"), chromedp.ByQuery))
			for _, width := range []int64{320, 360} {
				var m measure
				do(t, ctx, fmt.Sprintf("%s %s %d", verdict, lang, width), chromedp.EmulateViewport(width, 740, chromedp.EmulateScale(2)),
					chromedp.Sleep(100*time.Millisecond), chromedp.Evaluate(js, &m))
				report = append(report, fmt.Sprintf("%-14s %s %d px: %-24q %2.0f px type, word %3.0f/%3.0f px, page %3.0f/%3.0f px", verdict, lang, width, m.Word, m.Px, m.Ws, m.Wc, m.Page, m.Screen))
				if m.Ws > m.Wc+1 || m.Page > m.Screen+1 || m.Px < 28 || m.ReasonsHaveUS {
					t.Errorf("%s in %s at %d px: %+v", verdict, lang, width, m)
				}
				if width == 320 && (verdict == "valid" || verdict == "not_yet_valid" || verdict == "unknown_key" || lang == "ky" && verdict == "revoked") {
					shot(t, ctx, fmt.Sprintf("verdict-%s-%s-320", verdict, lang))
				}
			}
		}
	}
	t.Logf("verdict words:\n%s", strings.Join(report, "\n"))
	// The scan screen at 320 px in every language: no wider than the phone.
	for _, lang := range []string{"en", "ru", "ky"} {
		do(t, ctx, "scan screen "+lang, switchLanguage(lang), chromedp.EmulateViewport(320, 740, chromedp.EmulateScale(2)),
			chromedp.Evaluate(`location.hash = "#/scan?camera=off"`, nil), chromedp.WaitVisible(`[data-action=lookup]`, chromedp.ByQuery))
		shot(t, ctx, "officer-scan-320-"+lang)
	}
}

// TestAppLookupByNumber: a paper whose code will not read: the photo is
// kept, the officer types the printed number, and the registry's record
// shows with the banner that the paper itself was not checked, beside the
// photo; the look-up is recorded like a scan.
func TestAppLookupByNumber(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	number, _ := s.issue(t)
	ctx := browser(t, "")
	signInApp(t, ctx, s.proxy.URL(), "officer", "officer-password")
	damaged := filepath.Join(t.TempDir(), "damaged.png")
	png.Encode(mustCreate(t, damaged), testImage())
	var hint string
	do(t, ctx, "a photo that will not read", chromedp.Evaluate(`location.hash = "#/scan?camera=off"`, nil), atCheckpoint("Torugart"),
		chromedp.SetUploadFiles(`#photo-input`, []string{damaged}, chromedp.ByQuery),
		chromedp.WaitVisible(`main .notice[role=alert]`, chromedp.ByQuery),
		chromedp.Text(`main .notice[role=alert]`, &hint, chromedp.ByQuery))
	if !strings.Contains(hint, "type the permit number") {
		t.Errorf("hint %q", hint)
	}
	var text string
	do(t, ctx, "look up by number",
		chromedp.SendKeys(`#lookup-number`, strings.ToLower(number), chromedp.ByQuery),
		chromedp.Click(`[data-action=lookup]`, chromedp.ByQuery),
		chromedp.WaitVisible(verdictSel("valid", "online"), chromedp.ByQuery),
		chromedp.WaitVisible(`[data-checked-by=number] img.paper-photo`, chromedp.ByQuery),
		chromedp.Text(`main`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "Checked by number, not by the signed code") || !strings.Contains(text, number) {
		t.Errorf("look-up screen:\n%s", text)
	}
	shot(t, ctx, "officer-lookup")
	var recs struct {
		Verifications []struct{ Source, Port string }
	}
	waitFor(t, "the look-up recorded", func() bool {
		s.officer.call("GET", "/api/v1/permits/"+number+"/verifications", nil, 200, &recs)
		return len(recs.Verifications) == 1
	})
	if recs.Verifications[0].Source != "number" || recs.Verifications[0].Port != "Torugart" {
		t.Errorf("recorded: %+v", recs.Verifications)
	}
}

// TestAppCaseFromForgedCode: a forged code's case records what was found
// (a specimen picked from the species reference) and a photo shown as a
// thumbnail that opens full size, every code in words; the alert the scan
// raised reads in the issuer's language.
func TestAppCaseFromForgedCode(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	_, code := s.issue(t)
	ctx := browser(t, "")
	app := s.proxy.URL()
	signInApp(t, ctx, app, "officer", "officer-password")
	photo := filepath.Join(t.TempDir(), "horns.png")
	png.Encode(mustCreate(t, photo), testImage())
	do(t, ctx, "forged code", chromedp.Evaluate(`location.hash = "#/scan?camera=off"`, nil), atCheckpoint("Torugart"), pasteCode(tamper(code)),
		chromedp.WaitVisible(verdictSel("bad_signature", "online"), chromedp.ByQuery),
		chromedp.Click(`[data-action=open-case]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[name="specimens.0.taxon"]`, chromedp.ByQuery),
		chromedp.SendKeys(`[name="specimens.0.taxon"]`, "Saiga tatarica", chromedp.ByQuery),
		chromedp.SetValue(`[name="specimens.0.term"]`, "HOR", chromedp.ByQuery),
		chromedp.SetValue(`[name="specimens.0.quantity"]`, "12", chromedp.ByQuery),
		chromedp.SetValue(`[name=concealment]`, "false_compartment", chromedp.ByQuery),
		chromedp.SetUploadFiles(`input[name=photos]`, []string{photo}, chromedp.ByQuery))
	shot(t, ctx, "officer-case-forged-form")
	var caseURL, text string
	do(t, ctx, "save", chromedp.Click(`[data-action=save-case]`, chromedp.ByQuery),
		chromedp.Poll(`/^#\/cases\/\d+$/.test(location.hash) && document.querySelector("img.thumb") && document.querySelector("img.thumb").naturalWidth > 0`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(`location.hash`, &caseURL), chromedp.Text(`main`, &text, chromedp.ByQuery))
	for _, want := range []string{"False compartment", "Seized", "Saiga tatarica", "12", "horns"} {
		if !strings.Contains(text, want) {
			t.Errorf("case lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "false_compartment") {
		t.Errorf("a code shows as a code:\n%s", text)
	}
	shot(t, ctx, "officer-case-forged")
	var full float64
	do(t, ctx, "photo full size", chromedp.Click(`[data-action=open-photo]`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector("dialog[open] img.full") && document.querySelector("dialog[open] img.full").naturalWidth`, &full, chromedp.WithPollingTimeout(10*time.Second)))
	shot(t, ctx, "officer-case-photo")
	do(t, ctx, "close", chromedp.Click(`[data-action=close-photo]`, chromedp.ByQuery), switchLanguage("ru"),
		chromedp.Poll(`document.querySelector("main").textContent.includes("Тайник") && document.querySelector("main").textContent.includes("рога")`, nil, chromedp.WithPollingTimeout(10*time.Second)))
	shot(t, ctx, "officer-case-forged-ru")
	var c struct {
		Specimens []struct {
			Taxon, Term string
			Quantity    float64
		}
		Photos []struct{ ID int64 }
	}
	s.officer.call("GET", "/api/v1/cases/"+strings.TrimPrefix(caseURL, "#/cases/"), nil, 200, &c)
	if len(c.Specimens) != 1 || c.Specimens[0].Taxon != "Saiga tatarica" || c.Specimens[0].Quantity != 12 || c.Specimens[0].Term != "HOR" || len(c.Photos) != 1 {
		t.Errorf("case stored: %+v", c)
	}
	do(t, ctx, "English again", switchLanguage("en"))
	signOutApp(t, ctx)

	// The alert of the forged scan, in the issuer's languages.
	signInApp(t, ctx, app, "ma-kg", "issuer-password")
	do(t, ctx, "alerts in English", chromedp.Evaluate(`location.hash = "#/alerts"`, nil),
		chromedp.Poll(`document.querySelector("main").textContent.includes("Scanned at Torugart: a code whose signature does not match")`, nil, chromedp.WithPollingTimeout(15*time.Second)))
	do(t, ctx, "alerts in Kyrgyz", switchLanguage("ky"),
		chromedp.Poll(`document.querySelector("main").textContent.includes("Torugart пунктунда текшерилди: коддун кол тамгасы дал келбейт")`, nil, chromedp.WithPollingTimeout(15*time.Second)))
	shot(t, ctx, "issuer-alerts-ky")
}

// TestAppPublicVerify: anyone holding the paper opens /verify with no
// account, and the page verifies a valid, a revoked and a tampered code in
// the browser, with the network to the server cut once the lists came;
// it sends no credentials and asks only for public, cacheable lists.
func TestAppPublicVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	_, valid := s.issue(t)
	revokedNumber, revoked := s.issue(t)
	s.issuer.call("POST", "/api/v1/permits/"+revokedNumber+"/revoke", map[string]string{"reason": "issued in error"}, 200, nil)
	ctx := browser(t, "")
	var mu sync.Mutex
	var requests []string
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			defer mu.Unlock()
			u := e.Request.URL
			if _, auth := e.Request.Headers["Authorization"]; auth {
				u += " WITH CREDENTIALS"
			}
			requests = append(requests, u)
		}
	})
	do(t, ctx, "open the page", chromedp.Navigate(s.proxy.URL()+"/verify"), listsCached,
		chromedp.WaitVisible(`textarea[name=code]`, chromedp.ByQuery))
	// The screen checks themselves catch a grey word and a small button.
	var found []string
	do(t, ctx, "the checks catch problems", chromedp.Evaluate(`(() => { const d = document.createElement("div"); d.id = "probe";
	  d.innerHTML = '<p>grey on white</p><button>x</button>'; document.body.append(d);
	  d.querySelector("p").style.color = "#aaa"; Object.assign(d.querySelector("button").style, { minHeight: "0", minWidth: "0", padding: "0" }); })()`, nil),
		chromedp.Evaluate(screenProblems, &found), chromedp.Evaluate(`document.getElementById("probe").remove()`, nil))
	if joined := strings.Join(found, "\n"); !strings.Contains(joined, `contrast 2.32:1 of "grey on white"`) || !strings.Contains(joined, "tap target") {
		t.Errorf("the screen checks missed the probe:\n%s", joined)
	}
	shot(t, ctx, "public-page")
	s.proxy.SetCut(true)
	for _, c := range []struct{ name, code, verdict, lang string }{
		{"valid", valid, "valid", "en"}, {"revoked", revoked, "revoked", "ru"}, {"tampered", tamper(valid), "bad_signature", "ky"},
	} {
		do(t, ctx, "check "+c.name, switchLanguage(c.lang),
			chromedp.WaitVisible(`textarea[name=code]`, chromedp.ByQuery),
			chromedp.SetValue(`textarea[name=code]`, c.code, chromedp.ByQuery),
			chromedp.Click(`[data-action=check-code]`, chromedp.ByQuery),
			chromedp.WaitVisible(verdictSel(c.verdict, "offline"), chromedp.ByQuery))
		shot(t, ctx, "public-"+c.name+"-"+c.lang)
		do(t, ctx, "next", chromedp.Click(`[data-action=scan-next]`, chromedp.ByQuery))
	}
	mu.Lock()
	defer mu.Unlock()
	for _, u := range requests {
		path := strings.SplitN(strings.TrimPrefix(strings.TrimPrefix(u, s.proxy.URL()), "http://"), "?", 2)[0]
		public := path == "/verify" || strings.HasPrefix(path, "/app/") || strings.HasPrefix(path, "/.well-known/") ||
			strings.HasPrefix(path, "/api/v1/status-lists/") || strings.HasPrefix(path, "/api/v1/messages/") || strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:")
		if !public || strings.Contains(u, "WITH CREDENTIALS") {
			t.Errorf("the public page asked for %s", u)
		}
	}
}

// TestAppSlowLink: the first load on a remote post's 2G link (400 kbit/s,
// 400 ms round trip, Chromium's network throttling). On a phone whose
// browser reads QR codes itself (BarcodeDetector, as Chrome on Android
// does; emulated here, since desktop Chromium on Linux has none) the app
// is ready to verify offline after at most 1 MB and the camera is ready
// within 30 s of signing in; the QR reader module is never fetched. On a
// browser without BarcodeDetector (Safari, Firefox) the same budgets hold:
// the camera reads with the quick reader (jsQR, 57 KB) after the verifier,
// while the module downloads behind it.
func TestAppSlowLink(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	number, code := s.issue(t)
	for _, phone := range []struct {
		name     string
		detector bool
	}{{"with BarcodeDetector", true}, {"without BarcodeDetector", false}} {
		t.Run(strings.ReplaceAll(phone.name, " ", "_"), func(t *testing.T) {
			ctx := browser(t, writeY4M(t, code))
			type response struct {
				url   string
				bytes float64
				at    time.Time
			}
			var mu sync.Mutex
			urls := map[network.RequestID]string{}
			var done []response
			chromedp.ListenTarget(ctx, func(ev any) {
				mu.Lock()
				defer mu.Unlock()
				switch e := ev.(type) {
				case *network.EventRequestWillBeSent:
					urls[e.RequestID] = e.Request.URL
				case *network.EventLoadingFinished:
					done = append(done, response{urls[e.RequestID], e.EncodedDataLength, time.Now()})
				}
			})
			bytesSince := func(from, to time.Time) (n float64, files []string) {
				mu.Lock()
				defer mu.Unlock()
				for _, r := range done {
					if !r.at.Before(from) && !r.at.After(to) {
						n += r.bytes
						files = append(files, fmt.Sprintf("%s %.0f", strings.TrimPrefix(r.url, s.proxy.URL()), r.bytes))
					}
				}
				return n, files
			}
			tasks := chromedp.Tasks{network.EmulateNetworkConditions(false, 400, 50000, 50000)}
			if phone.detector {
				// The phone's own QR reader: it reads the paper in view.
				tasks = append(tasks, chromedp.ActionFunc(func(ctx context.Context) error {
					_, err := page.AddScriptToEvaluateOnNewDocument(fmt.Sprintf(`globalThis.BarcodeDetector = class {
  static async getSupportedFormats() { return ["qr_code"]; }
  async detect(source) { return source && source.width ? [{ format: "qr_code", rawValue: %q }] : []; }
};`, code)).Do(ctx)
					return err
				}))
			}
			opened := time.Now()
			do(t, ctx, "open the app", append(tasks, chromedp.Navigate(s.proxy.URL()+"/app/"), chromedp.WaitVisible(`input[name=username]`, chromedp.ByQuery))...)
			loaded := time.Now()
			pageBytes, _ := bytesSince(opened, loaded)
			tctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
			defer cancel()
			var signedIn, cameraReady, verifierReady float64
			err := chromedp.Run(tctx,
				chromedp.SendKeys(`input[name=username]`, "officer", chromedp.ByQuery),
				chromedp.SendKeys(`input[name=password]`, "officer-password", chromedp.ByQuery),
				chromedp.Click(`form button[type=submit]`, chromedp.ByQuery),
				atCheckpoint("Torugart"),
				chromedp.Poll(`document.documentElement.dataset.cameraReady && document.documentElement.dataset.verifierReady`, nil, chromedp.WithPollingTimeout(170*time.Second)),
				chromedp.Evaluate(`Number(document.documentElement.dataset.signedInAt)`, &signedIn),
				chromedp.Evaluate(`Number(document.documentElement.dataset.cameraReady)`, &cameraReady),
				chromedp.Evaluate(`Number(document.documentElement.dataset.verifierReady)`, &verifierReady),
			)
			if err != nil {
				shot(t, ctx, "failed-slow-link")
				t.Fatalf("camera and verifier ready: %v", err)
			}
			ready := time.Now()
			toCamera := time.Duration(cameraReady-signedIn) * time.Millisecond
			toVerifier := time.Duration(verifierReady-signedIn) * time.Millisecond
			// Everything downloaded from opening the app to being ready to
			// verify offline (the page, the sign-in, the verifier, the lists):
			// the browser's clock is this machine's.
			readyBytes, files := bytesSince(opened, time.UnixMilli(int64(verifierReady)))
			total, _ := bytesSince(opened, ready)
			mu.Lock()
			var qr bool
			for _, u := range urls {
				qr = qr || strings.HasSuffix(u, "/qr.wasm")
			}
			mu.Unlock()
			t.Logf("%s, 400 kbit/s and 400 ms: page %.0f KB; sign-in to camera ready %v, to verifier ready %v; %.0f bytes until ready to verify offline, %.0f until both ready (QR reader fetched: %v)\n%s",
				phone.name, pageBytes/1024, toCamera.Round(100*time.Millisecond), toVerifier.Round(100*time.Millisecond), readyBytes, total, qr, strings.Join(files, "\n"))
			if readyBytes > 1_000_000 {
				t.Errorf("%.0f bytes downloaded before the app could verify offline; the budget is 1 MB", readyBytes)
			}
			if toCamera > 30*time.Second || toVerifier > 30*time.Second {
				t.Errorf("sign-in to camera ready %v, to verifier ready %v; the budget is 30 s", toCamera, toVerifier)
			}
			if phone.detector && qr {
				t.Errorf("the QR reader was fetched by a browser that reads codes itself")
			}
			// The paper in front of the camera reads: by the phone's own
			// reader, or by the quick one while the module downloads.
			do(t, ctx, "and the scan", chromedp.WaitVisible(verdictSel("valid", "online"), chromedp.ByQuery))
			if phone.detector {
				shot(t, ctx, "officer-slow-link-verdict")
			}
			_ = number
		})
	}
}
