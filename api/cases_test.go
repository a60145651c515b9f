package api_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/api"
	"github.com/opencites/opencites/cases"
	"github.com/opencites/opencites/users"
)

// caseUsers are the accounts the case tests add: officers and analysts
// bound to an authority.
var caseUsers = []users.NewUser{
	{Username: "officer-kg", Password: "officer-kg-password", Role: opencites.RoleOfficer, Authority: "KG"},
	{Username: "officer-kz", Password: "officer-kz-password", Role: opencites.RoleOfficer, Authority: "KZ"},
	{Username: "analyst-kg", Password: "analyst-kg-password", Role: opencites.RoleAnalyst, Authority: "KG"},
	{Username: "analyst-kz", Password: "analyst-kz-password", Role: opencites.RoleAnalyst, Authority: "KZ"},
}

// mustCaseUsers creates caseUsers and signs them in.
func (e *env) mustCaseUsers() {
	e.t.Helper()
	for _, u := range caseUsers {
		if _, err := e.reg.Users.Create(context.Background(), opencites.System, u); err != nil {
			e.t.Fatal(err)
		}
	}
	e.loginCaseUsers()
}

func (e *env) loginCaseUsers() {
	e.t.Helper()
	for _, u := range caseUsers {
		e.tokens[u.Username] = e.login(u.Username, u.Password)
	}
}

// advanceAll moves the clock and signs everyone in again.
func (e *env) advanceAll(d time.Duration) {
	e.t.Helper()
	e.advance(d)
	e.loginCaseUsers()
}

func seizure() map[string]any {
	return map[string]any{
		"occurred_at": "2026-11-28T14:30:00Z", "checkpoint": "Torugart customs post", "port": "Torugart",
		"latitude": 40.55, "longitude": 75.4, "concealment": "false_compartment", "transport_mode": "road",
		"origin_country": "KG", "transit_countries": []string{"KZ"}, "destination_country": "CN", "outcome": "seized",
		"notes":     "Driver nervous; tortoises in a hidden floor box.",
		"specimens": []map[string]any{{"taxon": "Horsfield's tortoise", "term": "LIV", "quantity": 120, "description": "juveniles in cloth bags"}},
		"parties":   []map[string]any{{"role": "carrier", "organisation": "Naryn Cargo LLC", "country": "KG"}},
	}
}

func (e *env) createCase(user string, body map[string]any) api.CaseJSON {
	e.t.Helper()
	var c api.CaseJSON
	e.do(user, "POST", "/api/v1/cases", body, 201, &c)
	return c
}

type alertList struct {
	Alerts []api.AlertJSON `json:"alerts"`
	Total  int64           `json:"total"`
}

func (e *env) alerts(user, query string) []api.AlertJSON {
	e.t.Helper()
	var l alertList
	e.do(user, "GET", "/api/v1/alerts?size=100&"+query, nil, 200, &l)
	return l.Alerts
}

// alertsFor returns the alerts of a rule whose evidence names ref.
func (e *env) alertsFor(rule, ref string) []api.AlertJSON {
	e.t.Helper()
	var out []api.AlertJSON
	for _, a := range e.alerts("admin", "rule="+rule) {
		for _, ev := range a.Evidence {
			if ev.Ref == ref {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

func testJPEG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	return b.Bytes()
}

func testPNG(w, h int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// pngHeaderOf is the signature and header chunk of a w x h truecolour PNG,
// with no pixels.
func pngHeaderOf(w, h uint32) []byte {
	chunk := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32([]byte("IHDR"), w), h)
	chunk = append(chunk, 8, 2, 0, 0, 0)
	b := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d"), chunk...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(chunk))
}

func (e *env) casePhoto(user string, caseID int64, kind string, img []byte, want int, out any) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("photo", "goods.jpg")
	fw.Write(img)
	mw.Close()
	req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/cases/%d/photos", caseID), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	e.send(user, req, want, out)
}

// foreignCode is a well-formed permit code signed by a key the registry
// does not know, unique per number.
func foreignCode(t *testing.T, now time.Time, number string) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return signCode(t, key, "zzzzzzzz", falconClaims(now, number))
}

func TestCaseFromFailedScanWithPhotos(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.mustCaseUsers()
		p := e.issue(falconPermit())
		e.do("issuer-kg", "POST", "/api/v1/permits/"+p.Number+"/revoke", map[string]string{"reason": "exporter licence withdrawn"}, 200, nil)
		v := e.verify("officer-kg", p.QR, map[string]string{"port": "Manas airport", "direction": "export"})
		if v.Verdict != "revoked" {
			t.Fatalf("verdict %q", v.Verdict)
		}
		// Another authority's officer may not take it over; a valid scan
		// is no case.
		e.wantError("officer-kz", "POST", "/api/v1/cases/from-verification/"+v.ID, nil, 404, "verification_not_found")
		q := e.issue(falconPermit())
		ok := e.verify("officer-kg", q.QR, nil)
		e.wantError("officer-kg", "POST", "/api/v1/cases/from-verification/"+ok.ID, nil, 409, "verification_valid")

		var c api.CaseJSON
		e.do("officer-kg", "POST", "/api/v1/cases/from-verification/"+v.ID,
			map[string]any{"concealment": "luggage", "transport_mode": "air", "notes": "two falcons in a sports bag"}, 201, &c)
		if c.VerificationID != v.ID || c.Authority != "KG" || c.Checkpoint != "Manas airport" || c.Outcome != "seized" ||
			c.Concealment != "luggage" || !c.OccurredAt.Equal(e.clock.Now()) {
			t.Errorf("case: %+v", c)
		}
		if len(c.Documents) != 1 || c.Documents[0].Number != p.Number || !c.Documents[0].PermitLinked ||
			c.Documents[0].Verdict != "revoked" || c.Documents[0].VerificationID != v.ID {
			t.Errorf("documents: %+v", c.Documents)
		}
		if len(c.Specimens) != 1 || c.Specimens[0].Taxon != "Falco cherrug" || c.Specimens[0].Appendix != "II" || c.Specimens[0].Quantity != 2 {
			t.Errorf("specimens carried from the permit: %+v", c.Specimens)
		}
		e.wantError("officer-kg", "POST", "/api/v1/cases/from-verification/"+v.ID, nil, 409, "case_exists")

		// Photos of the goods and the documents, with thumbnails.
		jp := testJPEG(800, 600)
		var ph api.CasePhotoJSON
		e.casePhoto("officer-kg", c.ID, "goods", jp, 201, &ph)
		if ph.ContentType != "image/jpeg" || ph.Width != 800 || ph.Height != 600 || ph.Size != int64(len(jp)) {
			t.Errorf("photo: %+v", ph)
		}
		e.casePhoto("officer-kg", c.ID, "document", testPNG(300, 1000), 201, nil)
		var eb api.ErrorBody
		e.casePhoto("officer-kg", c.ID, "goods", []byte("%PDF-1.4 not a photo"), 422, &eb)
		if eb.Error != "unsupported_photo" {
			t.Errorf("pdf: %q", eb.Error)
		}
		// Issue 19, item 7: a photo is decoded whole before it is kept.
		for name, tc := range map[string]struct {
			img  []byte
			code string
		}{
			"truncated JPEG":              {jp[:len(jp)*2/3], "invalid_photo"},
			"PNG header of 100000x100000": {pngHeaderOf(100000, 100000), "photo_too_large"},
			"PNG without pixels":          {testPNG(300, 1000)[:60], "invalid_photo"},
		} {
			e.casePhoto("officer-kg", c.ID, "goods", tc.img, 422, &eb)
			if eb.Error != tc.code {
				t.Errorf("%s: %q, want %q", name, eb.Error, tc.code)
			}
		}
		e.casePhoto("officer-kg", c.ID, "selfie", jp, 422, nil)
		e.casePhoto("analyst-kg", c.ID, "goods", jp, 403, nil)
		e.casePhoto("officer-kz", c.ID, "goods", jp, 404, nil)

		got := e.do("analyst-kg", "GET", ph.URL, nil, 200, nil)
		if !bytes.Equal(got, jp) {
			t.Error("photo bytes differ")
		}
		thumb := e.do("analyst-kg", "GET", ph.ThumbnailURL, nil, 200, nil)
		ti, format, err := image.Decode(bytes.NewReader(thumb))
		if err != nil || format != "jpeg" || ti.Bounds().Dx() != 256 || ti.Bounds().Dy() != 192 {
			t.Errorf("thumbnail: %v %s %v", err, format, ti.Bounds())
		}
		e.do("officer-kz", "GET", ph.URL, nil, 404, nil)

		var full api.CaseJSON
		e.do("analyst-kg", "GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), nil, 200, &full)
		if len(full.Photos) != 2 || full.Photos[1].Kind != "document" || full.Photos[1].Height != 1000 {
			t.Errorf("photos: %+v", full.Photos)
		}

		// A partial edit keeps the rest; the history holds before and after.
		var ed api.CaseJSON
		e.do("officer-kg", "PATCH", fmt.Sprintf("/api/v1/cases/%d", c.ID), map[string]any{"outcome": "referred"}, 200, &ed)
		if ed.Outcome != "referred" || ed.Notes != c.Notes || len(ed.Documents) != 1 || ed.Documents[0].VerificationID != v.ID {
			t.Errorf("patched: %+v", ed)
		}
		var h struct {
			History []struct {
				Actor, Action string
				Before, After map[string]any
			}
		}
		e.do("analyst-kg", "GET", fmt.Sprintf("/api/v1/cases/%d/history", c.ID), nil, 200, &h)
		var actions []string
		for _, x := range h.History {
			actions = append(actions, x.Action)
		}
		if strings.Join(actions, ",") != "case.create,case.photo.add,case.photo.add,case.update" {
			t.Fatalf("history: %v", actions)
		}
		last := h.History[3]
		if last.Actor != "officer-kg" || last.Before["outcome"] != "seized" || last.After["outcome"] != "referred" {
			t.Errorf("update entry: %+v", last)
		}
	})
}

func TestCaseValidationAndSearch(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.mustCaseUsers()
		a := e.createCase("officer-kg", seizure())
		if len(a.Specimens) != 1 || a.Specimens[0].Taxon != "Testudo horsfieldii" || a.Specimens[0].Appendix != "II" ||
			len(a.TransitCountries) != 1 || a.Latitude == nil || *a.Latitude != 40.55 {
			t.Fatalf("case: %+v", a)
		}
		b := seizure()
		b["occurred_at"] = "2026-10-03T08:00:00Z"
		b["checkpoint"], b["port"] = "Manas airport cargo", "Manas airport"
		b["concealment"], b["transport_mode"], b["origin_country"], b["transit_countries"] = "mislabelled", "air", "UZ", nil
		b["specimens"] = []map[string]any{{"taxon": "Saker falcon", "term": "LIV", "quantity": 3}}
		b["notes"] = "declared as pigeons"
		e.createCase("officer-kg", b)
		e.createCase("officer-kz", seizure()) // another authority's

		search := func(user, query string, want int) {
			t.Helper()
			var l api.CaseListJSON
			e.do(user, "GET", "/api/v1/cases?"+query, nil, 200, &l)
			if int(l.Total) != want || len(l.Cases) != min(want, max(l.Size, 1)) {
				t.Errorf("%s as %s: total %d, %d on the page, want %d", query, user, l.Total, len(l.Cases), want)
			}
		}
		search("officer-kg", "", 2)
		search("analyst-kg", "species=Testudo", 1) // the genus finds its species
		search("analyst-kg", "species=Falco+cherrug", 1)
		search("analyst-kg", "species=Panthera+uncia", 0)
		search("analyst-kg", "country=KZ", 1) // transit
		search("analyst-kg", "country=UZ", 1)
		search("analyst-kg", "country=CN", 2)
		search("analyst-kg", "checkpoint=manas", 1)
		search("analyst-kg", "from=2026-11-01&to=2026-11-30", 1)
		search("analyst-kg", "to=2026-10-03", 1)
		search("analyst-kg", "concealment=mislabelled", 1)
		search("analyst-kg", "q=pigeons", 1)
		search("analyst-kg", "q=naryn+cargo", 2)
		search("analyst-kg", "q=100%25", 0)
		search("analyst-kg", "size=1&page=2", 2)
		search("admin", "", 3)
		search("analyst-kz", "", 1)
		var eb api.ErrorBody
		e.do("analyst-kg", "GET", "/api/v1/cases?from=yesterday", nil, 400, &eb)
		e.do("analyst-kg", "GET", "/api/v1/cases?concealment=pocket", nil, 422, &eb)

		bad := func(field string, v any, code string) {
			t.Helper()
			body := seizure()
			body[field] = v
			e.wantError("officer-kg", "POST", "/api/v1/cases", body, 422, code)
		}
		bad("specimens", []map[string]any{{"taxon": "Unicornus fabulosus", "term": "LIV", "quantity": 1}}, "unknown_taxon")
		bad("specimens", []map[string]any{{"taxon": "Testudo horsfieldii", "term": "XXX", "quantity": 1}}, "invalid_term")
		bad("specimens", []map[string]any{{"taxon": "Testudo horsfieldii", "term": "LIV", "quantity": 0}}, "invalid_quantity")
		bad("outcome", "lost", "invalid_outcome")
		bad("outcome", "", "invalid_outcome")
		bad("concealment", "pocket", "invalid_concealment")
		bad("transport_mode", "balloon", "invalid_transport_mode")
		bad("latitude", 95, "invalid_coordinates")
		bad("longitude", nil, "invalid_coordinates")
		bad("destination_country", "XX", "invalid_country")
		bad("checkpoint", " ", "checkpoint_required")
		bad("occurred_at", "2027-01-01T00:00:00Z", "occurred_in_future")
		bad("parties", []map[string]any{{"role": "smuggler"}}, "invalid_party_role")
		bad("documents", []map[string]any{{"verification_id": "nope"}}, "unknown_verification")
		bad("documents", []map[string]any{{}}, "invalid_document")
		e.wantError("officer-kg", "POST", "/api/v1/cases", map[string]any{"checkpoint": "x", "outcome": "seized", "secret": 1}, 400, "invalid_json")
		// A document of ours is linked; a foreign number is kept unlinked.
		p := e.issue(falconPermit())
		d := seizure()
		d["documents"] = []map[string]any{{"number": strings.ToLower(p.Number)}, {"number": "AE-2026-0042"}}
		c := e.createCase("officer-kg", d)
		if !c.Documents[0].PermitLinked || c.Documents[0].Number != p.Number || c.Documents[0].PermitAuthority != "KG" || c.Documents[1].PermitLinked {
			t.Errorf("documents: %+v", c.Documents)
		}
		// PUT replaces the lists.
		d["documents"] = nil
		var put api.CaseJSON
		e.do("officer-kg", "PUT", fmt.Sprintf("/api/v1/cases/%d", c.ID), d, 200, &put)
		if len(put.Documents) != 0 || put.CreatedAt != c.CreatedAt {
			t.Errorf("put: %+v", put)
		}
		e.wantError("officer-kz", "PUT", fmt.Sprintf("/api/v1/cases/%d", c.ID), d, 404, "case_not_found")
		e.wantError("officer-kg", "GET", "/api/v1/cases/999999", nil, 404, "case_not_found")
		e.wantError("officer-kg", "GET", "/api/v1/cases/abc", nil, 404, "case_not_found")
	})
}

func TestCaseRoles(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.mustCaseUsers()
		c := e.createCase("officer-kg", seizure())
		n := fmt.Sprintf("/api/v1/cases/%d", c.ID)
		for _, tc := range []struct {
			user, method, path string
			body               any
			want               int
		}{
			{"", "GET", "/api/v1/cases", nil, 401},
			{"", "GET", "/api/v1/alerts", nil, 401},
			{"", "GET", "/api/v1/alerts/stream", nil, 401},
			// Recording: officers bound to an authority only.
			{"officer-kz", "POST", "/api/v1/cases", seizure(), 201},
			{"officer", "POST", "/api/v1/cases", seizure(), 403}, // no authority
			{"analyst-kg", "POST", "/api/v1/cases", seizure(), 403},
			{"issuer-kg", "POST", "/api/v1/cases", seizure(), 403},
			{"admin", "POST", "/api/v1/cases", seizure(), 403},
			{"alatoo-trade", "POST", "/api/v1/cases", seizure(), 403},
			// Reading: the authority's officers and analysts, admins.
			{"officer-kg", "GET", n, nil, 200},
			{"analyst-kg", "GET", n, nil, 200},
			{"admin", "GET", n, nil, 200},
			{"officer-kz", "GET", n, nil, 404},
			{"analyst-kz", "GET", n, nil, 404},
			{"issuer-kg", "GET", n, nil, 403},
			{"alatoo-trade", "GET", n, nil, 403},
			{"alatoo-trade", "GET", "/api/v1/cases", nil, 403},
			{"issuer-kg", "GET", "/api/v1/cases", nil, 403},
			{"officer", "GET", "/api/v1/cases", nil, 403},
			// Editing: the authority's officers.
			{"analyst-kg", "PATCH", n, map[string]any{"notes": "x"}, 403},
			{"officer-kz", "PATCH", n, map[string]any{"notes": "x"}, 404},
			{"officer-kg", "PATCH", n, map[string]any{"notes": "x"}, 200},
			// Alerts: analysts and issuers of the authority, admins.
			{"analyst-kg", "GET", "/api/v1/alerts", nil, 200},
			{"issuer-kg", "GET", "/api/v1/alerts?status=open", nil, 200},
			{"admin", "GET", "/api/v1/alerts", nil, 200},
			{"officer-kg", "GET", "/api/v1/alerts", nil, 403},
			{"alatoo-trade", "GET", "/api/v1/alerts", nil, 403},
			{"alatoo-trade", "GET", "/api/v1/alerts/stream", nil, 403},
			{"analyst-kg", "GET", "/api/v1/alerts?status=bogus", nil, 422},
			{"analyst-kg", "POST", "/api/v1/alerts/424242/acknowledge", nil, 404},
			// Summaries and export: analysts and admins.
			{"analyst-kg", "GET", "/api/v1/stats", nil, 200},
			{"admin", "GET", "/api/v1/stats?authority=KG", nil, 200},
			{"officer-kg", "GET", "/api/v1/stats", nil, 403},
			{"issuer-kg", "GET", "/api/v1/stats", nil, 403},
			{"alatoo-trade", "GET", "/api/v1/stats", nil, 403},
			{"analyst-kg", "GET", "/api/v1/cases/export?format=csv", nil, 200},
			{"analyst-kg", "GET", "/api/v1/cases/export?format=xlsx", nil, 400},
			{"officer-kg", "GET", "/api/v1/cases/export", nil, 403},
			{"alatoo-trade", "GET", "/api/v1/cases/export", nil, 403},
		} {
			var r *http.Request
			if tc.body != nil {
				e.do(tc.user, tc.method, tc.path, tc.body, tc.want, nil)
				continue
			}
			r = httptest.NewRequest(tc.method, tc.path, nil)
			e.send(tc.user, r, tc.want, nil)
		}
	})
}

// TestAlertRules raises each rule once and shows a like event that does
// not raise it.
func TestAlertRules(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.mustCaseUsers()
		manas := map[string]string{"port": "Manas airport", "direction": "export"}
		torugart := map[string]string{"port": "Torugart", "direction": "export"}
		count := func(rule, ref string, want int) []api.AlertJSON {
			t.Helper()
			got := e.alertsFor(rule, ref)
			if len(got) != want {
				t.Errorf("%s alerts naming %s: %d, want %d: %+v", rule, ref, len(got), want, got)
			}
			return got
		}

		// forged_code: every scan of a forged code, grouped by code; a valid
		// scan or a QR code that is no permit raises nothing.
		forged := foreignCode(t, e.clock.Now(), "26KG777777")
		v1 := e.verify("officer-kg", forged, manas)
		v2 := e.verify("officer-kg", forged, torugart)
		other := e.verify("officer-kg", foreignCode(t, e.clock.Now(), "26KG777778"), manas)
		e.verify("officer-kg", "https://example.com/", manas)
		a := count(cases.RuleForgedCode, v1.ID, 1)
		if len(a) == 1 && (a[0].Occurrences != 2 || a[0].Severity != "high" || a[0].Authority != "KG" || len(a[0].Evidence) != 2 ||
			a[0].Evidence[1].Ref != v2.ID || !strings.Contains(a[0].Reason, "Torugart")) {
			t.Errorf("forged: %+v", a[0])
		}
		count(cases.RuleForgedCode, other.ID, 1)
		e.verify("officer-kg", forged, manas)
		if a := count(cases.RuleForgedCode, v1.ID, 1); len(a) == 1 && (a[0].Severity != "critical" || a[0].Occurrences != 3) {
			t.Errorf("third scan: %+v", a[0])
		}

		// revoked_permit; a valid permit scanned raises nothing.
		p := e.issue(falconPermit())
		good := e.issue(falconPermit())
		e.do("issuer-kg", "POST", "/api/v1/permits/"+p.Number+"/revoke", map[string]string{"reason": "forged application"}, 200, nil)
		e.verify("officer-kg", p.QR, manas)
		if a := count(cases.RuleRevoked, p.Number, 1); len(a) == 1 && !strings.Contains(a[0].Reason, "forged application") {
			t.Errorf("revoked: %+v", a[0])
		}
		e.verify("officer-kg", good.QR, manas)
		count(cases.RuleRevoked, good.Number, 0)

		// two_checkpoints: the same permit at Manas and Torugart within the
		// window; the other permit seen twice at Manas raises nothing.
		e.verify("officer-kg", good.QR, torugart)
		count(cases.RuleCheckpoints, good.Number, 1)
		twice := e.issue(falconPermit())
		e.verify("officer-kg", twice.QR, manas)
		e.verify("officer-kz", twice.QR, map[string]string{"port": " manas  AIRPORT", "direction": "export"})
		count(cases.RuleCheckpoints, twice.Number, 0)

		// reused_permit: endorsed for export, then presented for export
		// again; presented at import it is fine.
		used := e.issue(falconPermit())
		e.do("officer-kg", "POST", "/api/v1/permits/"+used.Number+"/endorsements",
			map[string]any{"port": "Manas airport", "direction": "export", "lines": []map[string]any{{"line": "A", "quantity": 2}}}, 201, nil)
		e.verify("officer-kg", used.QR, map[string]string{"port": "Dubai", "direction": "import"})
		count(cases.RuleReused, used.Number, 0)
		e.verify("officer-kg", used.QR, manas)
		count(cases.RuleReused, used.Number, 1)

		// appendix_i_trade: Appendix I for purpose T (lawful only from a
		// registered operation, source D); Appendix II raises nothing.
		peregrine := falconPermit()
		peregrine["specimens"] = []map[string]any{{"taxon": "Falco peregrinus", "description": "live", "term": "LIV", "source": "D", "quantity": 1, "unit": "", "marks": "R-1"}}
		pp := e.issue(peregrine)
		count(cases.RuleAppendixI, pp.Number, 1)
		count(cases.RuleAppendixI, good.Number, 0)

		// captive_volume: 3000 + 3000 captive-bred tortoises from one
		// exporter in a year pass the plausible 5000; 3000 from another do not.
		tortoises := func(exporter string) map[string]any {
			r := falconPermit()
			r["exporter"] = map[string]string{"name": exporter, "address": "Osh", "country": "KG"}
			r["exporter_account"] = ""
			r["specimens"] = []map[string]any{{"taxon": "Testudo horsfieldii", "description": "live", "term": "LIV", "source": "C", "quantity": 3000, "unit": "", "marks": ""}}
			return r
		}
		t1 := e.issue(tortoises("Osh Reptile Farm"))
		count(cases.RuleCaptiveVolume, t1.Number, 0)
		t2 := e.issue(tortoises("Osh Reptile Farm"))
		if a := count(cases.RuleCaptiveVolume, t2.Number, 1); len(a) == 1 && !strings.Contains(a[0].Reason, "6000") {
			t.Errorf("captive: %+v", a[0])
		}
		t3 := e.issue(tortoises("Batken Tortoise Farm"))
		count(cases.RuleCaptiveVolume, t3.Number, 0)

		// issue_spike: five lynx permits in a week against none before;
		// four of another species are not a spike.
		lynx := func(taxon string) map[string]any {
			r := falconPermit()
			r["specimens"] = []map[string]any{{"taxon": taxon, "description": "skins", "term": "SKI", "source": "W", "quantity": 1, "unit": "", "marks": ""}}
			return r
		}
		var last api.PermitJSON
		for i := 0; i < 5; i++ {
			last = e.issue(lynx("Lynx lynx"))
		}
		count(cases.RuleIssueSpike, last.Number, 1)
		for i := 0; i < 4; i++ {
			last = e.issue(lynx("Canis lupus"))
		}
		count(cases.RuleIssueSpike, last.Number, 0)

		// over_quantity: a case finds 5 falcons on a permit for 2, or a
		// species the permit does not cover; 2 falcons raise nothing.
		over := e.issue(falconPermit())
		c1 := seizure()
		c1["documents"] = []map[string]any{{"number": over.Number}}
		c1["specimens"] = []map[string]any{{"taxon": "Falco cherrug", "term": "LIV", "quantity": 5}}
		k1 := e.createCase("officer-kg", c1)
		count(cases.RuleOverQuantity, fmt.Sprint(k1.ID), 1)
		c2 := seizure()
		c2["documents"] = []map[string]any{{"number": over.Number}}
		c2["specimens"] = []map[string]any{{"taxon": "Falco cherrug", "term": "LIV", "quantity": 2}}
		k2 := e.createCase("officer-kg", c2)
		count(cases.RuleOverQuantity, fmt.Sprint(k2.ID), 0)

		// linked_to_case: the second case naming the permit, then a scan
		// of it and a new permit for its exporter, are linked to the first
		// case; a permit of an exporter never named in a case is not.
		if a := count(cases.RuleLinkedToCase, fmt.Sprint(k2.ID), 1); len(a) == 1 && !strings.Contains(a[0].Reason, over.Number) {
			t.Errorf("linked case: %+v", a[0])
		}
		scanned := e.verify("officer-kg", over.QR, manas)
		count(cases.RuleLinkedToCase, scanned.ID, 1)
		again := e.issue(falconPermit()) // exporter Ala-Too Trade LLC, named through the permit
		count(cases.RuleLinkedToCase, again.Number, 1)
		clean := falconPermit()
		clean["exporter"] = map[string]string{"name": "Issyk-Kul Falconry", "address": "Karakol", "country": "KG"}
		clean["importer"] = map[string]string{"name": "Doha Falcon Hospital", "address": "Doha", "country": "QA"}
		clean["exporter_account"] = ""
		cp := e.issue(clean)
		count(cases.RuleLinkedToCase, cp.Number, 0)

		// expired_permit: presented a day after its end (low, within the
		// grace), not before.
		exp := falconPermit()
		exp["valid_until"] = "2026-11-30"
		ep := e.issue(exp)
		e.verify("officer-kg", ep.QR, manas)
		count(cases.RuleExpired, ep.Number, 0)
		e.advanceAll(48 * time.Hour)
		e.verify("officer-kg", ep.QR, manas)
		if a := count(cases.RuleExpired, ep.Number, 1); len(a) == 1 && a[0].Severity != "low" {
			t.Errorf("expired: %+v", a[0])
		}
		// The checkpoint window has passed: Manas then Torugart is no alert.
		e.verify("officer-kg", twice.QR, torugart)
		count(cases.RuleCheckpoints, twice.Number, 0)

		// Visibility: KG's alerts are not KZ's.
		if a := e.alerts("analyst-kz", ""); len(a) != 0 {
			t.Errorf("analyst-kz sees %d alerts", len(a))
		}
	})
}

func TestAlertWorkflow(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.mustCaseUsers()
		e.verify("officer-kg", foreignCode(t, e.clock.Now(), "26KG000009"), nil)
		open := e.alerts("analyst-kg", "status=open")
		if len(open) != 1 {
			t.Fatalf("open alerts: %+v", open)
		}
		id := open[0].ID
		path := fmt.Sprintf("/api/v1/alerts/%d", id)
		e.wantError("issuer-kz", "POST", path+"/acknowledge", nil, 404, "alert_not_found")
		var a api.AlertJSON
		e.do("analyst-kg", "POST", path+"/acknowledge", nil, 200, &a)
		if a.Status != "acknowledged" || a.AcknowledgedBy != "analyst-kg" || a.AcknowledgedAt == nil || !a.AcknowledgedAt.Equal(e.clock.Now()) {
			t.Errorf("acknowledged: %+v", a)
		}
		e.wantError("analyst-kg", "POST", path+"/acknowledge", nil, 409, "alert_not_open")
		if n := len(e.alerts("issuer-kg", "status=open")); n != 0 {
			t.Errorf("open after acknowledge: %d", n)
		}
		e.do("issuer-kg", "POST", path+"/close", nil, 200, &a)
		if a.Status != "closed" || a.ClosedBy != "issuer-kg" || a.AcknowledgedBy != "analyst-kg" {
			t.Errorf("closed: %+v", a)
		}
		e.wantError("analyst-kg", "POST", path+"/close", nil, 409, "alert_closed")
		e.do("analyst-kg", "GET", path, nil, 200, &a)
		e.wantError("analyst-kz", "GET", path, nil, 404, "alert_not_found")
		if n := len(e.alerts("analyst-kg", "status=closed")); n != 1 {
			t.Errorf("closed alerts: %d", n)
		}
	})
}

// TestAlertStream: a dashboard's event stream receives the alert that
// another request raises.
func TestAlertStream(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.mustCaseUsers()
		ts := httptest.NewServer(e.srv)
		defer ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/api/v1/alerts/stream", nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens["analyst-kg"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		r := bufio.NewReader(resp.Body)
		if line, _ := r.ReadString('\n'); line != ": connected\n" {
			t.Fatalf("first line %q", line)
		}
		// Another authority's alert is not sent; ours is.
		e.verify("officer-kz", foreignCode(t, e.clock.Now(), "26KZ000001"), nil)
		v := e.verify("officer-kg", foreignCode(t, e.clock.Now(), "26KG000001"), map[string]string{"port": "Manas airport"})
		var event, data string
		for data == "" {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("read stream: %v", err)
			}
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimSpace(strings.TrimPrefix(line, "event: "))
			case strings.HasPrefix(line, "data: "):
				data = line
			}
		}
		if event != "alert" || !strings.Contains(data, `"rule":"forged_code"`) || !strings.Contains(data, v.ID) || strings.Contains(data, `"authority":"KZ"`) {
			t.Errorf("event %q: %s", event, data)
		}
		// A shutting-down server ends the stream.
		e.cases.EndStreams()
		if _, err := io.ReadAll(r); err != nil {
			t.Errorf("stream did not end: %v", err)
		}
	})
}

func TestStatsAndExport(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.mustCaseUsers()
		e.createCase("officer-kg", seizure())
		b := seizure()
		b["checkpoint"] = "=HYPERLINK(\"x\")"
		b["outcome"] = "released"
		b["parties"] = []map[string]any{{"role": "exporter", "organisation": "Secret Owner LLC", "country": "KG"}}
		e.createCase("officer-kg", b)
		e.createCase("officer-kz", seizure())
		e.verify("officer-kg", foreignCode(t, e.clock.Now(), "26KG000003"), nil)
		p := e.issue(falconPermit())
		e.verify("officer-kg", p.QR, nil)

		// Verifications are recorded in batches: wait for both.
		var st api.StatsJSON
		var body []byte
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			st = api.StatsJSON{}
			body = e.do("analyst-kg", "GET", "/api/v1/stats", nil, 200, &st)
			if len(st.Verifications.ByVerdict) == 2 {
				break
			}
		}
		find := func(cs []api.CountJSON, key string) int64 {
			for _, c := range cs {
				if c.Key == key {
					return c.Count
				}
			}
			return 0
		}
		if st.Cases.Total != 2 || st.Seizures.Total != 1 || find(st.Cases.BySpecies, "Testudo horsfieldii") != 2 ||
			find(st.Cases.ByMonth, "2026-11") != 2 || find(st.Cases.ByCountry, "KG") != 2 || find(st.Cases.ByOutcome, "released") != 1 ||
			find(st.Cases.ByCheckpoint, "Torugart customs post") != 1 || find(st.Cases.ByConcealment, "false_compartment") != 2 {
			t.Errorf("case stats: %+v", st.Cases)
		}
		if find(st.Verifications.ByVerdict, "unknown_key") != 1 || find(st.Verifications.ByVerdict, "valid") != 1 {
			t.Errorf("verdicts: %+v", st.Verifications)
		}
		if st.Alerts.Total != 1 || find(st.Alerts.ByRule, "forged_code") != 1 || find(st.Alerts.ByStatus, "open") != 1 {
			t.Errorf("alerts: %+v", st.Alerts)
		}
		for _, personal := range []string{"Driver nervous", "officer-kg", "Naryn Cargo", "Secret Owner"} {
			if bytes.Contains(body, []byte(personal)) {
				t.Errorf("stats contain %q", personal)
			}
		}
		var all api.StatsJSON
		e.do("admin", "GET", "/api/v1/stats", nil, 200, &all)
		if all.Cases.Total != 3 {
			t.Errorf("admin total %d", all.Cases.Total)
		}
		var none api.StatsJSON
		e.do("analyst-kg", "GET", "/api/v1/stats?from=2026-12-01", nil, 200, &none)
		if none.Cases.Total != 0 {
			t.Errorf("from December: %d", none.Cases.Total)
		}

		req := httptest.NewRequest("GET", "/api/v1/cases/export?format=csv", nil)
		raw := e.send("analyst-kg", req, 200, nil)
		rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[0][0] != "case_id" || rows[1][13] != "Testudo horsfieldii" || rows[1][16] != "120" {
			t.Fatalf("export: %q", rows)
		}
		if rows[2][3] != `'=HYPERLINK("x")` || rows[2][20] != "exporter:KG" {
			t.Errorf("row 2: %q", rows[2])
		}
		for _, personal := range []string{"Driver nervous", "officer-kg", "Naryn Cargo", "Secret Owner", "juveniles"} {
			if bytes.Contains(raw, []byte(personal)) {
				t.Errorf("export contains %q", personal)
			}
		}
	})
}

// An endorsement recorded offline and refused when it arrives (the permit
// was endorsed elsewhere meanwhile) raises an offline-conflict alert for
// the permit's authority; a refused online endorsement does not (it was
// refused in front of the officer), but both raise the alert a second scan
// of a used permit raises.
func TestOfflineEndorsementConflictAlert(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		p := e.issue(falconPermit())
		path := "/api/v1/permits/" + p.Number + "/endorsements"
		line := []map[string]any{{"line": "A", "quantity": 2}}
		e.do("officer2", "POST", path, map[string]any{"port": "Torugart", "direction": "export", "lines": line}, 201, nil)
		e.wantError("officer", "POST", path, map[string]any{"port": "Irkeshtam", "direction": "export", "lines": line}, 409, "already_used")
		if got := e.alertsFor("offline_endorsement_conflict", p.Number); len(got) != 0 {
			t.Fatalf("online conflict raised %+v", got)
		}
		reused := e.alertsFor("reused_permit", p.Number)
		if len(reused) != 1 || reused[0].Authority != "KG" || reused[0].Severity != "high" || !strings.Contains(reused[0].Reason, "Irkeshtam") {
			t.Fatalf("a refused second endorsement raised %+v, want one reused_permit alert naming Irkeshtam", reused)
		}
		// A second scan of the same spent permit merges into that alert.
		e.verify("officer", p.QR, map[string]string{"port": "Irkeshtam", "direction": "export"})
		if got := e.alertsFor("reused_permit", p.Number); len(got) != 1 {
			t.Fatalf("the scan of the used permit raised a second alert: %+v", got)
		}
		e.wantError("officer", "POST", path, map[string]any{"port": "Irkeshtam", "direction": "export", "lines": line,
			"recorded_offline_at": e.clock.Now().Add(-time.Hour).Format(time.RFC3339)}, 409, "already_used")
		got := e.alertsFor("offline_endorsement_conflict", p.Number)
		if len(got) != 1 || got[0].Authority != "KG" || got[0].Severity != "high" || !strings.Contains(got[0].Reason, "Irkeshtam") {
			t.Fatalf("alerts %+v", got)
		}
	})
}

// The verdict chart's per-day counts bucket by UTC day on both stores.
func TestStatsByDay(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.mustCaseUsers()
		p := e.issue(falconPermit())
		e.setTime(time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC))
		e.loginCaseUsers()
		e.verify("officer-kg", p.QR, nil)
		e.verify("officer-kg", "CP1:1234", nil)
		// 06:30 in Bishkek is still the 30th's first hour in UTC.
		e.setTime(time.Date(2026, 11, 30, 6, 30, 0, 0, time.FixedZone("Asia/Bishkek", 6*3600)))
		e.loginCaseUsers()
		e.verify("officer-kg", p.QR, nil)
		want := []api.DayJSON{
			{Day: "2026-11-29", ByVerdict: []api.CountJSON{{Key: "malformed", Count: 1}, {Key: "valid", Count: 1}}},
			{Day: "2026-11-30", ByVerdict: []api.CountJSON{{Key: "valid", Count: 1}}},
		}
		var st api.StatsJSON
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			st = api.StatsJSON{}
			e.do("analyst-kg", "GET", "/api/v1/stats?from=2026-11-01", nil, 200, &st)
			if len(st.Verifications.ByDay) == 2 && len(st.Verifications.ByDay[1].ByVerdict) == 1 {
				break
			}
		}
		if diff := cmp.Diff(want, st.Verifications.ByDay); diff != "" {
			t.Errorf("by day (-want +got):\n%s", diff)
		}
	})
}
