package main

import (
	"bufio"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The back office's end-to-end tests (issue 16), on the helpers of
// app_e2e_test.go: a real citesd, a real headless Chromium at phone size.

// pollJS waits up to 15 seconds for a JavaScript condition.
func pollJS(cond string) chromedp.Action {
	return chromedp.Poll(cond, nil, chromedp.WithPollingTimeout(15*time.Second))
}

// fetchJSON is a script that calls the API with the app's session and
// resolves to {status, body}.
func fetchJSON(method, path, body string) string {
	return `(async () => {
  const s = JSON.parse(localStorage.getItem("cites.session"));
  const r = await fetch(` + "`" + path + "`" + `, {method: "` + method + `", headers: {"Content-Type": "application/json", "Authorization": "Bearer " + s.token},
    body: ` + body + `});
  return {status: r.status, body: await r.json()};
})()`
}

// TestOfficeCountryPicker: the importer's country is picked from names in
// the user's language ("UAE", "Emirates" and "Эмираты" find the United
// Arab Emirates), the form sends AE; what names no country is refused by
// the server with 422 naming the field, and the screen says so in words,
// not codes.
func TestOfficeCountryPicker(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	ctx := browser(t, "")
	signInApp(t, ctx, s.base, "alatoo-trade", "exporter-password")
	const country = `[name="importer.country"]`
	suggests := func(q, want string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.Evaluate(`document.querySelector('`+country+`').value = ""`, nil),
			chromedp.SendKeys(country, q, chromedp.ByQuery),
			pollJS(`(() => { const o = document.getElementById(document.querySelector('` + country + `').getAttribute("list")).options;
				return o.length > 0 && o[0].value === "` + want + `"; })()`),
		}
	}
	do(t, ctx, "type a country",
		chromedp.Click(`[data-action=new-application]`, chromedp.ByQuery),
		chromedp.WaitVisible(country, chromedp.ByQuery),
		suggests("UAE", "United Arab Emirates (AE)"),
		suggests("Emirates", "United Arab Emirates (AE)"),
		suggests("Эмираты", "United Arab Emirates (AE)"))
	shot(t, ctx, "office-country-suggestions")
	// Picking a suggestion puts it in the field (the browser fires input).
	var code string
	do(t, ctx, "pick it",
		chromedp.Evaluate(`(() => { const el = document.querySelector('`+country+`'); el.value = "United Arab Emirates (AE)";
			el.dispatchEvent(new Event("input")); return el.dataset.code; })()`, &code))
	if code != "AE" {
		t.Fatalf("picked code %q, want AE", code)
	}
	do(t, ctx, "fill and save",
		chromedp.SetValue(`[name=purpose]`, "T", chromedp.ByQuery),
		chromedp.SetValue(`[name=valid_until]`, validUntil(), chromedp.ByQuery),
		chromedp.SendKeys(`[name="importer.name"]`, "Gulf Falconry", chromedp.ByQuery),
		chromedp.SendKeys(`[name="specimens.0.taxon"]`, "Falco cherrug", chromedp.ByQuery),
		chromedp.Click(`[data-action=save]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main .ok`, chromedp.ByQuery))
	// The form comes in sections; its summary shows what the authority
	// will read, country names included.
	var steps int
	var summary string
	do(t, ctx, "sections and summary",
		chromedp.Evaluate(`document.querySelectorAll(".form-steps .step").length`, &steps),
		chromedp.Click(`[data-role=summary] summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-role=summary] dl`, chromedp.ByQuery),
		chromedp.Text(`[data-role=summary]`, &summary, chromedp.ByQuery))
	if steps != 4 || !strings.Contains(summary, "Gulf Falconry, United Arab Emirates (AE)") || !strings.Contains(summary, "Falco cherrug") {
		t.Errorf("%d sections; summary %q", steps, summary)
	}
	shot(t, ctx, "office-application-summary")
	var apps struct {
		Applications []struct {
			Request struct{ Importer struct{ Country string } }
		}
	}
	signIn(t, s.base, "alatoo-trade", "exporter-password").call("GET", "/api/v1/applications", nil, 200, &apps)
	if len(apps.Applications) != 1 || apps.Applications[0].Request.Importer.Country != "AE" {
		t.Fatalf("stored %+v, want importer country AE", apps.Applications)
	}

	// In Russian the names are Russian, and an English word still finds.
	do(t, ctx, "Russian names",
		switchLanguage("ru"),
		chromedp.Navigate(s.base+"/app/#/applications/new"),
		chromedp.WaitVisible(country, chromedp.ByQuery),
		suggests("Эмираты", "ОАЭ (AE)"),
		suggests("Emirates", "ОАЭ (AE)"),
		switchLanguage("en"))

	// What names no country is sent as typed and refused, in words.
	for _, bad := range []string{"UA E", "XX"} {
		var shown string
		do(t, ctx, "save "+bad,
			chromedp.Navigate(s.base+"/app/#/applications/new"),
			chromedp.WaitVisible(country, chromedp.ByQuery),
			chromedp.SendKeys(country, bad, chromedp.ByQuery),
			chromedp.Click(`[data-action=save]`, chromedp.ByQuery),
			chromedp.WaitVisible(`main .error[data-code=invalid_country]`, chromedp.ByQuery),
			chromedp.Text(`main .error[data-code=invalid_country]`, &shown, chromedp.ByQuery))
		if shown == "" || strings.Contains(shown, "invalid_country") || !strings.Contains(shown, "Importer") {
			t.Errorf("%s: the screen says %q", bad, shown)
		}
		var r struct {
			Status int
			Body   struct {
				Error   string
				Details struct{ Field string }
			}
		}
		do(t, ctx, "post "+bad, chromedp.Evaluate(fetchJSON("POST", "/api/v1/applications",
			`JSON.stringify({type: "export", importer: {name: "x", country: "`+bad+`"}, specimens: []})`), &r,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
		if r.Status != 422 || r.Body.Error != "invalid_country" || r.Body.Details.Field != "importer.country" {
			t.Errorf("POST importer.country %q: %+v, want 422 invalid_country naming importer.country", bad, r)
		}
	}
	shot(t, ctx, "office-country-refused")
}

// badge waits for the application's status badge to read text.
func badge(text string) chromedp.Action {
	return pollJS(`[...document.querySelectorAll("main .badge")].some((b) => b.textContent === "` + text + `")`)
}

// submitWithout answers the app's question after "Submit for review" on
// an application that lacks documents: why it goes without them.
func submitWithout(reason string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.WaitVisible(`[data-role=missing-documents] [data-action=submit-anyway]`, chromedp.ByQuery),
		chromedp.SendKeys(`[data-role=missing-documents] textarea`, reason, chromedp.ByQuery),
		chromedp.Click(`[data-action=submit-anyway]`, chromedp.ByQuery),
	}
}

// confirmMissing ticks the issuer's confirmation to approve without the
// missing documents and gives the reason.
func confirmMissing(reason string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.WaitVisible(`[data-role=missing-confirm]`, chromedp.ByQuery),
		chromedp.Click(`[data-role=missing-confirm] input[type=checkbox]`, chromedp.ByQuery),
		chromedp.SendKeys(`[data-role=missing-confirm] textarea`, reason, chromedp.ByQuery),
	}
}

// TestOfficeDocuments: an exporter removes a wrong document from the
// draft; submitting without the listed documents asks why; the issuer
// cannot approve with documents missing without confirming with a reason,
// sets box 13 and the stamp, and the permit's history shows the waiver.
func TestOfficeDocuments(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	ctx := browser(t, "")
	signInApp(t, ctx, s.base, "alatoo-trade", "exporter-password")
	doc := filepath.Join(t.TempDir(), "bill-of-sale.png")
	png.Encode(mustCreate(t, doc), testImage())
	do(t, ctx, "draft with a document",
		chromedp.Click(`[data-action=new-application]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[name="specimens.0.taxon"]`, chromedp.ByQuery),
		chromedp.SetValue(`[name=purpose]`, "T", chromedp.ByQuery),
		chromedp.SetValue(`[name=valid_until]`, validUntil(), chromedp.ByQuery),
		chromedp.SendKeys(`[name="importer.name"]`, "Gulf Falconry", chromedp.ByQuery),
		chromedp.SendKeys(`[name="importer.country"]`, "AE", chromedp.ByQuery),
		chromedp.SendKeys(`[name="specimens.0.taxon"]`, "Falco cherrug", chromedp.ByQuery),
		chromedp.SetValue(`[name="specimens.0.term"]`, "LIV", chromedp.ByQuery),
		chromedp.SetValue(`[name="specimens.0.source"]`, "C", chromedp.ByQuery),
		chromedp.SendKeys(`[name="specimens.0.quantity"]`, "2", chromedp.ByQuery),
		chromedp.Click(`[data-action=save]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main .ok`, chromedp.ByQuery),
		chromedp.SetValue(`select[name=kind]`, "veterinary", chromedp.ByQuery),
		chromedp.SetUploadFiles(`input[name=attachment]`, []string{doc}, chromedp.ByQuery),
		chromedp.Click(`[data-action=upload]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-action=remove-attachment]`, chromedp.ByQuery))
	shot(t, ctx, "office-draft-document")
	do(t, ctx, "remove it, upload the right one",
		chromedp.Click(`[data-action=remove-attachment]`, chromedp.ByQuery),
		pollJS(`!document.querySelector("[data-action=remove-attachment]")`),
		chromedp.SetValue(`select[name=kind]`, "legal_acquisition", chromedp.ByQuery),
		chromedp.SetUploadFiles(`input[name=attachment]`, []string{doc}, chromedp.ByQuery),
		chromedp.Click(`[data-action=upload]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-action=remove-attachment]`, chromedp.ByQuery))
	do(t, ctx, "submit asks why",
		chromedp.Click(`[data-action=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-role=missing-documents]`, chromedp.ByQuery),
		chromedp.Click(`[data-action=submit-anyway]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-role=missing-documents] .error`, chromedp.ByQuery))
	shot(t, ctx, "office-submit-without-documents")
	do(t, ctx, "submit without them", submitWithout("The vet certifies on the day of shipment."), badge("Submitted"))
	signOutApp(t, ctx)

	signInApp(t, ctx, s.base, "ma-kg", "issuer-password")
	var number string
	do(t, ctx, "approve needs a confirmation",
		chromedp.WaitVisible(`main table a[data-id]`, chromedp.ByQuery),
		chromedp.Click(`main table a[data-id]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-action=approve]`, chromedp.ByQuery),
		pollJS(`document.querySelector("main .notice").textContent.includes("your decision")`),
		chromedp.Click(`[data-action=approve]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.card .error`, chromedp.ByQuery))
	shot(t, ctx, "office-approve-missing")
	do(t, ctx, "approve with a reason",
		chromedp.SendKeys(`[name=issued_place]`, "Bishkek", chromedp.ByQuery),
		chromedp.SendKeys(`[name=security_stamp]`, "KG0004471", chromedp.ByQuery),
		confirmMissing("Checked at the breeder's."),
		chromedp.Click(`[data-action=approve]`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[data-action=open-permit]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("a[data-action=open-permit]").getAttribute("href").split("/").pop()`, &number))
	var waived string
	do(t, ctx, "history",
		chromedp.Navigate(s.base+"/app/#/permits/"+number),
		chromedp.WaitVisible(`[data-role=waived]`, chromedp.ByQuery),
		chromedp.Text(`[data-role=waived]`, &waived, chromedp.ByQuery))
	if !strings.Contains(waived, "Veterinary certificate") || !strings.Contains(waived, "Checked at the breeder's.") {
		t.Errorf("the permit's history says %q", waived)
	}
	shot(t, ctx, "office-permit-history-waived")
	var p struct {
		IssuedPlace   string `json:"issued_place"`
		SecurityStamp string `json:"security_stamp"`
	}
	s.issuer.call("GET", "/api/v1/permits/"+number, nil, 200, &p)
	if p.IssuedPlace != "Bishkek" || p.SecurityStamp != "KG0004471" {
		t.Errorf("permit box 13 %q, 5b %q", p.IssuedPlace, p.SecurityStamp)
	}
	signOutApp(t, ctx)

	// The exporter learns of the decision from the notifications, whose
	// unread count shows in the menu; opening one marks it read.
	signInApp(t, ctx, s.base, "alatoo-trade", "exporter-password")
	const tab = `#nav a[href="#/notifications"]`
	var before, after, heading string
	do(t, ctx, "unread count",
		chromedp.WaitVisible(tab+` .count`, chromedp.ByQuery),
		chromedp.Text(tab+` .count`, &before, chromedp.ByQuery),
		chromedp.Click(tab, chromedp.ByQuery),
		chromedp.WaitVisible(`main li.unread [data-action=open-notification]`, chromedp.ByQuery))
	shot(t, ctx, "office-notifications")
	do(t, ctx, "open the decision",
		chromedp.Evaluate(`[...document.querySelectorAll("main li.unread [data-action=open-notification]")].find((a) => a.textContent.includes("Application approved")).click()`, nil),
		chromedp.WaitVisible(`a[data-action=open-permit]`, chromedp.ByQuery),
		chromedp.Text(`main h1`, &heading, chromedp.ByQuery),
		pollJS(`(document.querySelector('`+tab+` .count') || {textContent: "0"}).textContent !== "`+before+`"`),
		chromedp.Evaluate(`(document.querySelector('`+tab+` .count') || {textContent: "0"}).textContent`, &after))
	if n, m := atoi(before), atoi(after); n < 1 || m != n-1 {
		t.Errorf("unread count %s, then %s after opening one", before, after)
	}
	if !regexp.MustCompile(`A-20\d\d-\d{6}`).MatchString(heading) {
		t.Errorf("the application's heading %q has no reference such as A-2026-000001", heading)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

// TestOfficeQueue: the review queue searched, sorted and paged across 120
// applications, with the time each has waited.
func TestOfficeQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	exporter := signIn(t, s.base, "alatoo-trade", "exporter-password")
	const n = 120
	var refs []string
	for i := 0; i < n; i++ {
		var a struct {
			ID        int64
			Reference string
		}
		exporter.call("POST", "/api/v1/applications", map[string]any{"type": "export", "purpose": "T", "valid_until": validUntil(),
			"importer":  map[string]string{"name": fmt.Sprintf("Importer %03d", i), "address": "Dubai", "country": "AE"},
			"specimens": []map[string]any{{"taxon": "Falco cherrug", "term": "LIV", "source": "C", "quantity": 1}}}, 201, &a)
		exporter.call("POST", fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), map[string]string{"missing_documents_reason": "By post."}, 200, nil)
		refs = append(refs, a.Reference)
	}
	ctx := browser(t, "")
	signInApp(t, ctx, s.base, "ma-kg", "issuer-password")
	firstImporter := `(document.querySelector("main tbody tr td:nth-child(5)") || {textContent: ""}).textContent`
	var total, first string
	var rows int
	do(t, ctx, "the queue",
		chromedp.WaitVisible(`main table a[data-id]`, chromedp.ByQuery),
		chromedp.Text(`[data-role=total]`, &total, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("main tbody tr").length`, &rows),
		chromedp.Evaluate(firstImporter, &first))
	if !strings.Contains(total, "120") || rows != 20 || !strings.HasPrefix(first, "Importer 000") {
		t.Errorf("queue: %q, %d rows, first %q", total, rows, first)
	}
	shot(t, ctx, "office-queue")
	do(t, ctx, "the last page",
		chromedp.Navigate(s.base+"/app/#/queue?page=6"),
		pollJS(firstImporter+`.startsWith("Importer 100")`),
		chromedp.Click(`[data-action=previous]`, chromedp.ByQuery),
		pollJS(firstImporter+`.startsWith("Importer 080")`))
	do(t, ctx, "newest first",
		chromedp.SetValue(`select[name=sort]`, "newest", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("select[name=sort]").dispatchEvent(new Event("change"))`, nil),
		pollJS(firstImporter+`.startsWith("Importer 119")`))
	do(t, ctx, "search by importer",
		chromedp.SendKeys(`input[name=q]`, "importer 042", chromedp.ByQuery),
		chromedp.Click(`[data-action=search]`, chromedp.ByQuery),
		pollJS(`document.querySelectorAll("main tbody tr").length === 1 && `+firstImporter+`.startsWith("Importer 042")`))
	do(t, ctx, "search by reference",
		chromedp.SetValue(`input[name=q]`, refs[7], chromedp.ByQuery),
		chromedp.Click(`[data-action=search]`, chromedp.ByQuery),
		pollJS(`document.querySelectorAll("main tbody tr").length === 1 && `+firstImporter+`.startsWith("Importer 007")`))
	shot(t, ctx, "office-queue-search")
	do(t, ctx, "nothing found",
		chromedp.SetValue(`input[name=q]`, "no such importer", chromedp.ByQuery),
		chromedp.Click(`[data-action=search]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main .empty`, chromedp.ByQuery))
	var days int
	do(t, ctx, "submitted today",
		chromedp.Navigate(s.base+"/app/#/queue?from="+time.Now().UTC().Format(time.DateOnly)),
		pollJS(`(document.querySelector("[data-role=total]") || {textContent: ""}).textContent.includes("120")`),
		chromedp.Navigate(s.base+"/app/#/queue?to=2000-01-01"),
		chromedp.WaitVisible(`main .empty`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("main tbody tr").length`, &days))
	if days != 0 {
		t.Errorf("%d applications submitted by 2000", days)
	}
}

// TestOfficeAlertsBulk: the analyst selects every open alert on the page
// and acknowledges them in one action; the filters narrow the list.
func TestOfficeAlertsBulk(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	for i := 0; i < 3; i++ {
		_, code := s.issue(t)
		s.officer.call("POST", "/api/v1/verify", map[string]string{"code": code[:len(code)-8] + fmt.Sprintf("1234567%d", i)}, 200, nil)
	}
	ctx := browser(t, "")
	signInApp(t, ctx, s.base, "analyst", "analyst-password")
	var open int
	do(t, ctx, "open alerts",
		chromedp.Navigate(s.base+"/app/#/alerts"),
		chromedp.WaitVisible(`main li.alert input[data-select]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("main li.alert").length`, &open))
	if open < 2 {
		t.Fatalf("%d open alerts, want several", open)
	}
	shot(t, ctx, "office-alerts")
	// Evidence is a link: a verification lists the alerts it raised.
	do(t, ctx, "follow the evidence",
		chromedp.Click(`main li.alert details summary`, chromedp.ByQuery),
		chromedp.Click(`main li.alert a[data-evidence]`, chromedp.ByQuery),
		pollJS(`location.hash.includes("evidence=") && document.querySelectorAll("main li.alert").length === 1`),
		chromedp.Navigate(s.base+"/app/#/alerts"),
		pollJS(`document.querySelectorAll("main li.alert").length === `+strconv.Itoa(open)))
	do(t, ctx, "acknowledge them all",
		chromedp.Click(`[data-action=select-all]`, chromedp.ByQuery),
		pollJS(`!document.querySelector("[data-action=bulk-acknowledge]").disabled`),
		chromedp.Click(`[data-action=bulk-acknowledge]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main .ok`, chromedp.ByQuery),
		pollJS(`document.querySelectorAll("main li.alert").length === 0`))
	var l struct{ Total int }
	signIn(t, s.base, "analyst", "analyst-password").call("GET", "/api/v1/alerts?status=acknowledged", nil, 200, &l)
	if l.Total != open {
		t.Errorf("%d acknowledged, want %d", l.Total, open)
	}
	shot(t, ctx, "office-alerts-acknowledged")
	do(t, ctx, "filter by severity",
		chromedp.Navigate(s.base+"/app/#/alerts?status=acknowledged&severity=low"),
		chromedp.WaitVisible(`main .empty`, chromedp.ByQuery))
}

// TestOfficeCases: the analyst filters the cases list and downloads what
// the filters select as CSV.
func TestOfficeCases(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	for _, cp := range []string{"Torugart", "Manas airport", "Irkeshtam"} {
		s.officer.call("POST", "/api/v1/cases", map[string]any{"occurred_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
			"checkpoint": cp, "outcome": "seized", "destination_country": "CN",
			"specimens": []map[string]any{{"taxon": "Saiga tatarica", "term": "HOR", "quantity": 12}}}, 201, nil)
	}
	ctx := browser(t, "")
	signInApp(t, ctx, s.base, "analyst", "analyst-password")
	var total string
	do(t, ctx, "the cases",
		chromedp.Navigate(s.base+"/app/#/cases"),
		chromedp.WaitVisible(`main a.case-link`, chromedp.ByQuery),
		chromedp.Text(`[data-role=total]`, &total, chromedp.ByQuery))
	if !strings.Contains(total, "3") {
		t.Errorf("total %q, want 3", total)
	}
	do(t, ctx, "filter by checkpoint",
		chromedp.Click(`main details summary`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name=checkpoint]`, "Torugart", chromedp.ByQuery),
		chromedp.Click(`[data-action=search]`, chromedp.ByQuery),
		pollJS(`document.querySelectorAll("main a.case-link").length === 1 && location.hash.includes("checkpoint=Torugart")`))
	shot(t, ctx, "office-cases-filtered")
	var csv string
	do(t, ctx, "export",
		chromedp.Evaluate(`window.__saved = null; URL.createObjectURL = ((orig) => (b) => { window.__saved = b; return orig(b); })(URL.createObjectURL); true`, nil),
		chromedp.Click(`[data-action=export-csv]`, chromedp.ByQuery),
		pollJS(`window.__saved !== null`),
		chromedp.Evaluate(`window.__saved.text()`, &csv, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "Torugart") {
		t.Errorf("the CSV of the filtered cases:\n%s", csv)
	}
	do(t, ctx, "nothing matches",
		chromedp.Navigate(s.base+"/app/#/cases?checkpoint=Nowhere"),
		chromedp.WaitVisible(`main .empty`, chromedp.ByQuery))
}

// TestOfficeFirstRun: on an empty database `citesd serve` says how to
// create the first administrator; the sign-in screen says where accounts
// come from; a wrong password and a lock-out read as sentences, the
// lock-out with the time to wait, and no machine code shows.
func TestOfficeFirstRun(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "CITES_DATA_DIR="+t.TempDir(), "CITES_BCRYPT_COST=4")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var hint bool
	sc := bufio.NewScanner(stderr)
	for sc.Scan() && !strings.Contains(sc.Text(), "citesd listening") {
		hint = hint || strings.Contains(sc.Text(), "citesd user add --username admin --role admin")
	}
	if !hint {
		t.Error("citesd serve on an empty database does not say how to create the first administrator")
	}

	s := startAppServer(t)
	ctx := browser(t, "")
	var accounts, wrong, locked string
	do(t, ctx, "sign-in screen",
		chromedp.Navigate(s.base+"/app/"),
		chromedp.WaitVisible(`[data-role=accounts]`, chromedp.ByQuery),
		chromedp.Text(`[data-role=accounts]`, &accounts, chromedp.ByQuery))
	if !strings.Contains(accounts, "administrator") {
		t.Errorf("the sign-in screen says %q", accounts)
	}
	attempt := chromedp.Tasks{
		chromedp.SetValue(`input[name=username]`, "alatoo-trade", chromedp.ByQuery),
		chromedp.SetValue(`input[name=password]`, "not-the-password", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("main .error") && document.querySelector("main .error").remove(); true`, nil),
		chromedp.Click(`form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main .error`, chromedp.ByQuery),
	}
	do(t, ctx, "a wrong password", attempt, chromedp.Text(`main .error`, &wrong, chromedp.ByQuery))
	for i := 0; i < 6 && !strings.Contains(locked, "min"); i++ {
		do(t, ctx, "again", attempt, chromedp.Text(`main .error`, &locked, chromedp.ByQuery))
	}
	shot(t, ctx, "office-locked-out")
	if wrong != "Wrong username or password." && wrong != "wrong username or password" {
		t.Errorf("a wrong password reads %q", wrong)
	}
	if !regexp.MustCompile(`Wait \d+ min`).MatchString(locked) || strings.Contains(locked, "too_many") {
		t.Errorf("the lock-out reads %q", locked)
	}
}

// TestOfficeNarrow: every screen of the back office fits a 320 px wide
// screen (shot fails on a page wider than the viewport, small tap targets,
// unlabelled controls), for each role.
func TestOfficeNarrow(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	number, code := s.issue(t)
	// Some traffic, so that the statistics draw their charts.
	s.officer.call("POST", "/api/v1/verify", map[string]string{"code": code}, 200, nil)
	s.officer.call("POST", "/api/v1/verify", map[string]string{"code": code[:len(code)-8] + "12345678"}, 200, nil)
	s.officer.call("POST", "/api/v1/cases", map[string]any{"occurred_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
		"checkpoint": "Torugart customs post", "outcome": "seized",
		"specimens": []map[string]any{{"taxon": "Saiga tatarica", "term": "HOR", "quantity": 12}}}, 201, nil)
	exporter := signIn(t, s.base, "alatoo-trade", "exporter-password")
	var a struct{ ID int64 }
	exporter.call("POST", "/api/v1/applications", map[string]any{"type": "export", "purpose": "T", "valid_until": validUntil(),
		"importer":  map[string]string{"name": "Gulf Falconry Centre of the United Arab Emirates", "address": "Dubai", "country": "AE"},
		"specimens": []map[string]any{{"taxon": "Falco cherrug", "term": "LIV", "source": "C", "quantity": 1}}}, 201, &a)
	exporter.call("POST", fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), map[string]string{"missing_documents_reason": "By post."}, 200, nil)
	ctx := browser(t, "")
	do(t, ctx, "320 px", chromedp.EmulateViewport(320, 640, chromedp.EmulateScale(2)))
	for _, role := range []struct {
		user, pass string
		screens    []string
	}{
		{"alatoo-trade", "exporter-password", []string{"#/applications", "#/applications?q=nothing+like+this", "#/applications/new", fmt.Sprintf("#/applications/%d", a.ID), "#/permits", "#/notifications"}},
		{"ma-kg", "issuer-password", []string{"#/queue", fmt.Sprintf("#/queue/%d", a.ID), "#/permits?sort=expiring", "#/permits/" + number, "#/alerts", "#/notifications"}},
		{"analyst", "analyst-password", []string{"#/alerts", "#/stats", "#/cases"}},
	} {
		signInApp(t, ctx, s.base, role.user, role.pass)
		// Russian and Kyrgyz words run longer than English ones.
		for _, lang := range []string{"en", "ru", "ky"} {
			do(t, ctx, role.user+" in "+lang, switchLanguage(lang))
			for _, screen := range role.screens {
				do(t, ctx, role.user+" "+lang+" "+screen,
					chromedp.Navigate(s.base+"/app/"+screen),
					chromedp.WaitVisible(`main h1`, chromedp.ByQuery),
					pollJS(`!document.querySelector("main .loading")`),
					pollJS(`!document.querySelector("main .error")`),
					chromedp.Sleep(300*time.Millisecond))
				name := "office-320-" + role.user + "-" + strings.NewReplacer("#/", "", "/", "-").Replace(screen)
				if lang != "en" {
					name += "-" + lang
				}
				shot(t, ctx, name)
			}
		}
		do(t, ctx, "back to English", switchLanguage("en"))
		signOutApp(t, ctx)
	}
}

// TestOfficeResubmission: the issuer reviewing a resubmission sees which
// fields changed since the request for changes.
func TestOfficeResubmission(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	s := startAppServer(t)
	exporter := signIn(t, s.base, "alatoo-trade", "exporter-password")
	body := map[string]any{"type": "export", "purpose": "T", "valid_until": validUntil(),
		"importer":  map[string]string{"name": "Gulf Falconry", "address": "Dubai", "country": "AE"},
		"specimens": []map[string]any{{"taxon": "Falco cherrug", "term": "LIV", "source": "C", "quantity": 2}}}
	var a struct{ ID int64 }
	exporter.call("POST", "/api/v1/applications", body, 201, &a)
	path := fmt.Sprintf("/api/v1/applications/%d", a.ID)
	exporter.call("POST", path+"/submit", map[string]string{"missing_documents_reason": "By post."}, 200, nil)
	s.issuer.call("POST", path+"/decision", map[string]string{"decision": "request_changes", "message": "One bird per permit."}, 200, nil)
	body["specimens"].([]map[string]any)[0]["quantity"] = 1
	exporter.call("PUT", path, body, 200, nil)
	exporter.call("POST", path+"/submit", map[string]string{"missing_documents_reason": "By post."}, 200, nil)

	ctx := browser(t, "")
	signInApp(t, ctx, s.base, "ma-kg", "issuer-password")
	var changed string
	do(t, ctx, "the review",
		chromedp.Navigate(fmt.Sprintf("%s/app/#/queue/%d", s.base, a.ID)),
		chromedp.WaitVisible(`[data-role=changed] li`, chromedp.ByQuery),
		chromedp.Text(`[data-role=changed]`, &changed, chromedp.ByQuery))
	if !strings.Contains(changed, "Line A — Quantity (box 11)") || strings.Contains(changed, "Importer") {
		t.Errorf("the review says %q", changed)
	}
	shot(t, ctx, "office-resubmission-changes")
}
