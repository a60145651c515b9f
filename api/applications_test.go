package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http/httptest"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencites/opencites/api"
	"github.com/opencites/opencites/internal/testenv"
	"github.com/opencites/opencites/scan"
)

func (e *env) attach(user string, appID int64, kind, filename string, data []byte, want int, out any) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("kind", kind)
	// As RFC 7578 allows, and as mime.FormatMediaType writes them, names
	// with control or non-ASCII characters go percent-encoded (RFC 2231).
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "file", "filename": filename}))
	fw, _ := mw.CreatePart(h)
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/applications/%d/attachments", appID), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	e.send(user, req, want, out)
}

// printedPermit is a PDF that package printing made: a permit of the
// registry, downloaded.
func (e *env) printedPermit() []byte {
	e.t.Helper()
	p := e.issue(falconPermit())
	return e.do("issuer-kg", "GET", "/api/v1/permits/"+p.Number+"/pdf", nil, 200, nil)
}

// TestAttachmentChecked: issue 19, item 7. A document is checked whole
// before it is stored, and its filename is stored cleaned.
func TestAttachmentChecked(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		req := falconPermit()
		delete(req, "exporter_account")
		var a api.ApplicationJSON
		e.do("alatoo-trade", "POST", "/api/v1/applications", req, 201, &a)
		pdf := e.printedPermit()
		jpg := testJPEG(640, 480)
		for name, tc := range map[string]struct {
			data []byte
			code string
		}{
			"PDF header, then HTML":       {[]byte("%PDF-1.7\n<html><body><script>alert(1)</script></body></html>\n"), "damaged_document"},
			"PDF cut short":               {pdf[:len(pdf)/2], "damaged_document"},
			"truncated JPEG":              {jpg[:len(jpg)*2/3], "damaged_document"},
			"JPEG header only":            {jpg[:600], "damaged_document"},
			"PNG header of 100000x100000": {pngHeaderOf(100000, 100000), "image_too_large"},
			"PNG without pixels":          {pngHeaderOf(100, 100), "damaged_document"},
			"text":                        {[]byte("plain text"), "unsupported_document"},
		} {
			var eb api.ErrorBody
			e.attach("alatoo-trade", a.ID, "other", "evidence.bin", tc.data, 422, &eb)
			if eb.Error != tc.code || eb.Message == "" {
				t.Errorf("%s: %q (%q), want %q", name, eb.Error, eb.Message, tc.code)
			}
		}
		for _, lang := range []string{"ru", "ky"} {
			var eb api.ErrorBody
			e.attachLang(lang, a.ID, pdf[:100], &eb)
			if eb.Error != "damaged_document" || !strings.ContainsAny(eb.Message, "абвгдеёжзийклмнопрстуфхцчшщыэюя") {
				t.Errorf("%s: %+v", lang, eb)
			}
		}

		// Our own printed permit, a JPEG and a PNG pass.
		var at api.AttachmentJSON
		e.attach("alatoo-trade", a.ID, "import_permit", "permit.pdf", pdf, 201, &at)
		if at.ContentType != "application/pdf" {
			t.Errorf("pdf: %+v", at)
		}
		e.attach("alatoo-trade", a.ID, "veterinary", "vet.jpg", jpg, 201, nil)
		e.attach("alatoo-trade", a.ID, "other", "rings.png", testPNG(300, 200), 201, nil)

		// A right-to-left override would show "invoice\u202Efdp.exe" as
		// "invoiceexe.pdf"; controls, bidi marks and paths go, the
		// extension stays.
		for in, want := range map[string]string{
			"invoice\u202Efdp.exe":                                 "invoicefdp.exe",
			"\u200Fbill\u2066 of\u2069 sale\x00\x1b\x7f\t\r\n.pdf": "bill of sale.pdf",
			`C:\Users\me\scan.pdf`:                                 "scan.pdf",
			"../../etc/passwd":                                     "passwd",
			"\u202E":                                               "document.pdf",
			strings.Repeat("é", 300) + ".pdf":                      strings.Repeat("é", 116) + ".pdf",
		} {
			e.attach("alatoo-trade", a.ID, "other", in, pdf, 201, &at)
			if at.Filename != want {
				t.Errorf("filename %q stored as %q, want %q", in, at.Filename, want)
			}
		}
		// Downloads name it as RFC 6266 says.
		e.attach("alatoo-trade", a.ID, "other", "é.pdf", pdf, 201, &at)
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("GET", fmt.Sprintf("/api/v1/applications/%d/attachments/%d", a.ID, at.ID), nil)
		r.Header.Set("Authorization", "Bearer "+e.tokens["alatoo-trade"])
		e.srv.ServeHTTP(rec, r)
		if cd := rec.Header().Get("Content-Disposition"); cd != "attachment; filename*=utf-8''%C3%A9.pdf" {
			t.Errorf("Content-Disposition %q", cd)
		}
		var got api.ApplicationJSON
		e.do("alatoo-trade", "GET", fmt.Sprintf("/api/v1/applications/%d", a.ID), nil, 200, &got)
		for _, at := range got.Attachments {
			if strings.ContainsAny(at.Filename, "\u202E\u200F\u2066\u2069\x00\r\n") {
				t.Errorf("stored filename %q", at.Filename)
			}
		}
	})
}

// attachLang posts a document with Accept-Language lang and expects 422.
func (e *env) attachLang(lang string, appID int64, data []byte, out any) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("kind", "other")
	fw, _ := mw.CreateFormFile("file", "x.pdf")
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/applications/%d/attachments", appID), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", lang)
	e.send("alatoo-trade", req, 422, out)
}

// TestApplicationToPrintedPermit: an exporter applies with an attachment,
// the issuer asks for a change, the exporter fixes and resubmits, the issuer
// approves, the exporter downloads the PDF, and the QR read from the
// rasterised page verifies as valid.
func TestApplicationToPrintedPermit(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		req := falconPermit()
		delete(req, "exporter_account")
		req["payment_reference"] = "PAY-2026-0042"
		req["valid_until"] = "2027-06-30" // too long for an export permit: the issuer will catch it
		var a api.ApplicationJSON
		e.do("alatoo-trade", "POST", "/api/v1/applications", req, 201, &a)
		if a.Status != "draft" || a.Authority != "KG" || a.Exporter != "alatoo-trade" {
			t.Fatalf("draft = %+v", a)
		}
		base := fmt.Sprintf("/api/v1/applications/%d", a.ID)
		e.attach("alatoo-trade", a.ID, "legal_acquisition", "bill-of-sale.pdf", e.printedPermit(), 201, nil)
		e.attach("alatoo-trade", a.ID, "other", "notes.txt", []byte("plain text"), 422, nil)
		// Submission runs the permit's rules.
		e.wantError("alatoo-trade", "POST", base+"/submit", nil, 422, "validity_too_long")
		req["valid_until"] = "2027-03-01"
		e.do("alatoo-trade", "PUT", base, req, 200, nil)
		// Documents the requirements list are missing: submitting needs a
		// reason (issue 16).
		var eb api.ErrorBody
		e.do("alatoo-trade", "POST", base+"/submit", nil, 422, &eb)
		if d, _ := eb.Details.(map[string]any); eb.Error != "documents_missing" || fmt.Sprint(d["missing"]) != "[captive_breeding veterinary]" {
			t.Errorf("submit without documents: %s %v", eb.Error, eb.Details)
		}
		e.do("alatoo-trade", "POST", base+"/submit", map[string]string{"missing_documents_reason": "The vet certifies on the day of shipment."}, 200, &a)
		if a.Status != "submitted" || strings.Join(a.Missing, ",") != "captive_breeding,veterinary" {
			t.Errorf("submitted = %s missing %v", a.Status, a.Missing)
		}
		// Others see nothing of it.
		e.wantError("other-trade", "GET", base, nil, 404, "application_not_found")
		e.wantError("issuer-kz", "GET", base, nil, 404, "application_not_found")
		e.wantError("officer", "GET", "/api/v1/applications", nil, 403, "forbidden")
		var list struct{ Applications []api.ApplicationJSON }
		e.do("issuer-kg", "GET", "/api/v1/applications?status=submitted", nil, 200, &list)
		if len(list.Applications) != 1 {
			t.Fatalf("queue = %+v", list.Applications)
		}
		e.do("other-trade", "GET", "/api/v1/applications", nil, 200, &list)
		if len(list.Applications) != 0 {
			t.Errorf("other exporter sees %d applications", len(list.Applications))
		}
		// Editing a submitted application is refused.
		e.wantError("alatoo-trade", "PUT", base, req, 409, "invalid_state")
		// The issuer asks for a change.
		e.wantError("issuer-kg", "POST", base+"/decision", map[string]string{"decision": "request_changes"}, 422, "message_required")
		e.do("issuer-kg", "POST", base+"/decision", map[string]string{"decision": "request_changes", "message": "Attach the captive-breeding registration."}, 200, &a)
		if a.Status != "changes_requested" {
			t.Fatalf("status %s", a.Status)
		}
		var ns struct{ Notifications []api.NotificationJSON }
		e.do("alatoo-trade", "GET", "/api/v1/notifications?unread=1", nil, 200, &ns)
		if len(ns.Notifications) == 0 || ns.Notifications[0].Kind != "application.changes_requested" {
			t.Errorf("exporter notifications = %+v", ns.Notifications)
		}
		e.attach("alatoo-trade", a.ID, "captive_breeding", "registry.png", testPNG(400, 300), 201, nil)
		e.do("alatoo-trade", "POST", base+"/submit", map[string]string{"missing_documents_reason": "The vet certifies on the day of shipment."}, 200, &a)
		if a.Status != "submitted" || strings.Join(a.Missing, ",") != "veterinary" {
			t.Errorf("resubmitted = %s missing %v", a.Status, a.Missing)
		}
		e.wantError("issuer-kz", "POST", base+"/decision", map[string]string{"decision": "approve"}, 404, "application_not_found")
		// Approving without the veterinary certificate needs a confirmation
		// with a reason, which the permit's history keeps (issue 16).
		e.wantError("issuer-kg", "POST", base+"/decision", map[string]string{"decision": "approve"}, 422, "documents_missing")
		e.wantError("issuer-kg", "POST", base+"/decision", map[string]any{"decision": "approve", "confirm_missing_documents": true}, 422, "documents_missing")
		e.do("issuer-kg", "POST", base+"/decision", map[string]any{"decision": "approve", "confirm_missing_documents": true,
			"missing_documents_reason": "Checked at the breeder's; the certificate follows at export.",
			"issued_place":             "Bishkek / Бишкек", "security_stamp": "KG0004471"}, 200, &a)
		if a.Status != "approved" || a.PermitNumber == "" {
			t.Fatalf("approved = %+v", a)
		}
		var hist struct{ History []api.AuditJSON }
		e.do("issuer-kg", "GET", "/api/v1/permits/"+a.PermitNumber+"/history", nil, 200, &hist)
		waived := ""
		for _, h := range hist.History {
			if h.Action == "permit.documents_waived" {
				waived = fmt.Sprint(h.After)
			}
		}
		if !strings.Contains(waived, "veterinary") || !strings.Contains(waived, "the certificate follows at export") {
			t.Errorf("permit history = %+v", hist.History)
		}
		e.wantError("issuer-kg", "POST", base+"/decision", map[string]string{"decision": "reject", "message": "late"}, 409, "invalid_state")
		var kinds []string
		for _, m := range a.Messages {
			kinds = append(kinds, m.Kind)
		}
		if got := strings.Join(kinds, ","); got != "submitted,changes_requested,resubmitted,approved" {
			t.Errorf("messages = %s", got)
		}
		// The permit belongs to the exporter, who downloads the PDF.
		var p api.PermitJSON
		e.do("alatoo-trade", "GET", "/api/v1/permits/"+a.PermitNumber, nil, 200, &p)
		if p.ExporterAccount != "alatoo-trade" || p.Exporter.Name != "Ala-Too Trade LLC" || p.IssuedPlace != "Bishkek / Бишкек" || p.SecurityStamp != "KG0004471" {
			t.Errorf("permit = %+v", p)
		}
		pdf := e.do("alatoo-trade", "GET", "/api/v1/permits/"+a.PermitNumber+"/pdf", nil, 200, nil)
		e.wantError("other-trade", "GET", "/api/v1/permits/"+a.PermitNumber+"/pdf", nil, 404, "permit_not_found")
		testenv.NeedCommand(t, "pdftoppm", "install poppler-utils")
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "p.pdf"), pdf, 0o600)
		if out, err := exec.Command("pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", filepath.Join(dir, "p.pdf"), filepath.Join(dir, "page")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, out)
		}
		// Box 13 and the security stamp set on approval are printed.
		if out, err := exec.Command("pdftotext", filepath.Join(dir, "p.pdf"), "-").Output(); err == nil {
			if !strings.Contains(string(out), "KG0004471") || !strings.Contains(string(out), "Bishkek") {
				t.Errorf("the PDF lacks box 13 or 5b:\n%s", out)
			}
		}
		pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
		img, _ := os.ReadFile(pages[0])
		codes, err := scan.Decode(context.Background(), bytes.NewReader(img), scan.Options{})
		if err != nil || len(codes) == 0 {
			t.Fatalf("QR on the page: %v", err)
		}
		if v := e.verify("officer", codes[0].Text, nil); v.Verdict != "valid" || v.Permit.Number != a.PermitNumber {
			t.Errorf("printed code verifies as %q", v.Verdict)
		}
		// The attachment is the exporter's and the issuers' to read.
		e.do("issuer-kg", "GET", fmt.Sprintf("%s/attachments/%d", base, a.Attachments[0].ID), nil, 200, nil)
		e.wantError("other-trade", "GET", fmt.Sprintf("%s/attachments/%d", base, a.Attachments[0].ID), nil, 404, "application_not_found")
	})
}

// TestAnnualReport compares the report for a year of issued and endorsed
// permits with a table computed by hand.
func TestAnnualReport(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		// 1: two falcons authorised, one shipped.
		p1 := e.issue(falconPermit())
		e.do("officer", "POST", "/api/v1/permits/"+p1.Number+"/endorsements",
			map[string]any{"port": "Manas", "direction": "export", "lines": []map[string]any{{"line": "A", "quantity": 1}}}, 201, nil)
		// 2: an argali trophy and 12.5 kg of sturgeon caviar, not yet shipped.
		r := falconPermit()
		r["purpose"] = "H"
		r["specimens"] = []map[string]any{
			{"taxon": "Ovis ammon polii", "description": "trophy", "term": "TRO", "source": "W", "quantity": 1, "unit": ""},
			{"taxon": "Acipenser baerii", "description": "caviar", "term": "CAV", "source": "C", "quantity": 12.5, "unit": "kg", "origin_country": "RU"},
		}
		p2 := e.issue(r)
		// 3: revoked, so not reported.
		p3 := e.issue(falconPermit())
		e.do("issuer-kg", "POST", "/api/v1/permits/"+p3.Number+"/revoke", map[string]string{"reason": "error"}, 200, nil)
		// 4: an import permit.
		imp := falconPermit()
		imp["type"] = "import"
		imp["purpose"] = "Z"
		imp["exporter"], imp["importer"] = imp["importer"], imp["exporter"]
		p4 := e.issue(imp)

		body := e.do("issuer-kg", "GET", "/api/v1/reports/annual?year=2026&format=csv", nil, 200, nil)
		got, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{
			{"year", "permit_number", "appendix", "taxon", "term", "quantity", "unit", "direction", "partner_country", "origin", "purpose", "source", "quantity_basis"},
			{"2026", p1.Number, "II", "Falco cherrug", "LIV", "1", "", "E", "AE", "", "T", "C", "shipped"},
			{"2026", p2.Number, "II", "Ovis ammon polii", "TRO", "1", "", "E", "AE", "", "H", "W", "authorised"},
			{"2026", p2.Number, "II", "Acipenser baerii", "CAV", "12.5", "kg", "E", "AE", "RU", "H", "C", "authorised"},
			{"2026", p4.Number, "II", "Falco cherrug", "LIV", "2", "", "I", "AE", "", "Z", "C", "authorised"},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("report:\n got %v\nwant %v", got, want)
		}
		e.wantError("officer", "GET", "/api/v1/reports/annual?year=2026&format=csv", nil, 403, "forbidden")
		e.do("issuer-kz", "GET", "/api/v1/reports/annual?year=2026", nil, 200, nil)
		// Permit events reached the exporter's notifications.
		var ns struct{ Notifications []api.NotificationJSON }
		e.do("alatoo-trade", "GET", "/api/v1/notifications", nil, 200, &ns)
		kinds := map[string]int{}
		for _, n := range ns.Notifications {
			kinds[n.Kind]++
		}
		if kinds["permit.issued"] != 4 || kinds["permit.revoked"] != 1 || kinds["permit.endorsed"] != 1 {
			t.Errorf("exporter notifications = %v", kinds)
		}
		e.do("issuer-kg", "GET", "/api/v1/notifications", nil, 200, &ns)
		if len(ns.Notifications) != 1 || ns.Notifications[0].Kind != "permit.endorsed" {
			t.Errorf("issuer notifications = %+v", ns.Notifications)
		}
		e.do("issuer-kg", "POST", fmt.Sprintf("/api/v1/notifications/%d/read", ns.Notifications[0].ID), nil, 204, nil)
		e.wantError("alatoo-trade", "POST", fmt.Sprintf("/api/v1/notifications/%d/read", ns.Notifications[0].ID), nil, 404, "notification_not_found")
	})
}
