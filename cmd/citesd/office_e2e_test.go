package main

import (
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
