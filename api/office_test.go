package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/opencites/opencites/api"
	"github.com/opencites/opencites/models"
)

// TestApplicationDocuments: issue 16. A draft's document can be removed
// (audited); once submitted it stays; while the authority asks for
// changes the exporter can upload again.
func TestApplicationDocuments(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		req := falconPermit()
		delete(req, "exporter_account")
		var a api.ApplicationJSON
		e.do("alatoo-trade", "POST", "/api/v1/applications", req, 201, &a)
		base := fmt.Sprintf("/api/v1/applications/%d", a.ID)
		if want := fmt.Sprintf("A-2026-%06d", a.ID); a.Reference != want {
			t.Errorf("reference %q, want %q", a.Reference, want)
		}
		var wrong, right api.AttachmentJSON
		e.attach("alatoo-trade", a.ID, "veterinary", "wrong.png", testPNG(300, 200), 201, &wrong)
		e.attach("alatoo-trade", a.ID, "legal_acquisition", "bill-of-sale.png", testPNG(300, 200), 201, &right)
		e.wantError("other-trade", "DELETE", fmt.Sprintf("%s/attachments/%d", base, wrong.ID), nil, 404, "application_not_found")
		e.wantError("issuer-kg", "DELETE", fmt.Sprintf("%s/attachments/%d", base, wrong.ID), nil, 403, "forbidden")
		e.do("alatoo-trade", "DELETE", fmt.Sprintf("%s/attachments/%d", base, wrong.ID), nil, 204, nil)
		e.wantError("alatoo-trade", "DELETE", fmt.Sprintf("%s/attachments/%d", base, wrong.ID), nil, 404, "attachment_not_found")
		e.do("alatoo-trade", "GET", base, nil, 200, &a)
		if len(a.Attachments) != 1 || a.Attachments[0].ID != right.ID {
			t.Fatalf("attachments after removal: %+v", a.Attachments)
		}
		e.do("alatoo-trade", "POST", base+"/submit", map[string]string{"missing_documents_reason": "Sent by post."}, 200, &a)
		if strings.Join(a.Missing, ",") != "captive_breeding,veterinary" || a.Messages[0].Text != "Sent by post." {
			t.Errorf("submitted: missing %v, messages %+v", a.Missing, a.Messages)
		}
		e.wantError("alatoo-trade", "DELETE", fmt.Sprintf("%s/attachments/%d", base, right.ID), nil, 409, "invalid_state")
		e.attach("alatoo-trade", a.ID, "veterinary", "vet.png", testPNG(300, 200), 409, nil)
		e.do("issuer-kg", "POST", base+"/decision", map[string]string{"decision": "request_changes", "message": "Attach the veterinary certificate."}, 200, nil)
		e.attach("alatoo-trade", a.ID, "veterinary", "vet.png", testPNG(300, 200), 201, nil)
		e.attach("alatoo-trade", a.ID, "captive_breeding", "registry.png", testPNG(300, 200), 201, nil)
		// The exporter changes two fields: the resubmission names them.
		req["importer"] = map[string]string{"name": "Gulf Falconry Centre LLC", "address": "Dubai", "country": "AE"}
		req["specimens"].([]map[string]any)[0]["quantity"] = 1
		e.do("alatoo-trade", "PUT", base, req, 200, nil)
		// With every document listed, no reason is asked for.
		e.do("alatoo-trade", "POST", base+"/submit", nil, 200, &a)
		if len(a.Missing) != 0 {
			t.Errorf("missing %v", a.Missing)
		}
		if got := strings.Join(a.ChangedSinceRequest, ","); got != "importer.name,specimens.0.quantity" {
			t.Errorf("changed since the request for changes: %q", got)
		}
		e.do("issuer-kg", "POST", base+"/decision", map[string]string{"decision": "approve"}, 200, &a)
		if a.Status != "approved" {
			t.Errorf("status %s", a.Status)
		}
		// The removal is in the audit.
		var n int
		for _, at := range e.auditActions("application", fmt.Sprint(a.ID)) {
			if at == "application.detach" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d application.detach audit entries, want 1", n)
		}
	})
}

// auditActions lists the audit actions of an entity, oldest first.
func (e *env) auditActions(entityType, id string) []string {
	e.t.Helper()
	var actions []string
	if err := e.reg.DB.Model(&models.AuditEntry{}).Where("entity_type = ? AND entity_id = ?", entityType, id).Order("id").Pluck("action", &actions).Error; err != nil {
		e.t.Fatal(err)
	}
	return actions
}

// TestReviewQueue: issue 16. The queue is searched (by reference or any
// text of the application), sorted by age and paged through any number.
func TestReviewQueue(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const n = 25
		var first api.ApplicationJSON
		for i := 0; i < n; i++ {
			req := falconPermit()
			delete(req, "exporter_account")
			req["importer"] = map[string]string{"name": fmt.Sprintf("Importer No%02d", i), "address": "Dubai", "country": "AE"}
			var a api.ApplicationJSON
			e.do("alatoo-trade", "POST", "/api/v1/applications", req, 201, &a)
			e.do("alatoo-trade", "POST", fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), map[string]string{"missing_documents_reason": "By post."}, 200, &a)
			if i == 0 {
				first = a
			}
			e.clock.Set(e.clock.Now().Add(time.Minute))
		}
		list := func(query string) api.ApplicationListJSON {
			t.Helper()
			var l api.ApplicationListJSON
			e.do("issuer-kg", "GET", "/api/v1/applications?status=submitted&"+query, nil, 200, &l)
			return l
		}
		seen := map[int64]bool{}
		for page := 1; page <= 3; page++ {
			l := list(fmt.Sprintf("sort=oldest&size=10&page=%d", page))
			if l.Total != n || len(l.Applications) != min(10, n-(page-1)*10) {
				t.Fatalf("page %d: total %d, %d rows", page, l.Total, len(l.Applications))
			}
			for _, a := range l.Applications {
				seen[a.ID] = true
			}
			if page == 1 && l.Applications[0].ID != first.ID {
				t.Errorf("oldest first: got %d, want %d", l.Applications[0].ID, first.ID)
			}
		}
		if len(seen) != n {
			t.Errorf("paging showed %d distinct applications, want %d", len(seen), n)
		}
		if l := list("sort=newest&size=1"); l.Applications[0].Request.Importer.Name != "Importer No24" {
			t.Errorf("newest first: %s", l.Applications[0].Request.Importer.Name)
		}
		if l := list("q=" + first.Reference); l.Total != 1 || l.Applications[0].ID != first.ID {
			t.Errorf("q=%s: %d found", first.Reference, l.Total)
		}
		if l := list("q=importer+no1"); l.Total != 10 {
			t.Errorf("q=importer no1: %d found, want 10", l.Total)
		}
		if l := list("q=100%25"); l.Total != 0 {
			t.Errorf("q=100%%: %d found, want 0 (the %% is a character, not a wildcard)", l.Total)
		}
		if l := list("from=2026-11-29&to=2026-11-29"); l.Total != n {
			t.Errorf("submitted on 2026-11-29: %d, want %d", l.Total, n)
		}
		if l := list("from=2026-11-30"); l.Total != 0 {
			t.Errorf("submitted from 2026-11-30: %d, want 0", l.Total)
		}
		e.wantError("issuer-kg", "GET", "/api/v1/applications?sort=sideways", nil, 422, "invalid_sort")
		e.wantError("issuer-kg", "GET", "/api/v1/applications?size=1000", nil, 400, "invalid_size")
	})
}

// TestAlertsBulk: issue 16. Alerts are acknowledged or closed in bulk,
// each as one at a time would (its own transaction and audit entry); one
// that cannot change is reported, the others still change.
func TestAlertsBulk(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.mustCaseUsers()
		for _, n := range []string{"26KG000101", "26KG000102", "26KG000103"} {
			e.verify("officer-kg", foreignCode(t, e.clock.Now(), n), nil)
		}
		open := e.alerts("analyst-kg", "status=open")
		if len(open) != 3 {
			t.Fatalf("open alerts: %d, want 3", len(open))
		}
		type result struct {
			Alerts []api.AlertJSON
			Errors []api.BulkAlertError
		}
		var r result
		e.do("analyst-kg", "POST", "/api/v1/alerts/bulk", map[string]any{"action": "acknowledge", "ids": []int64{open[0].ID, open[1].ID, 424242}}, 200, &r)
		if len(r.Alerts) != 2 || r.Alerts[0].Status != "acknowledged" || len(r.Errors) != 1 || r.Errors[0].ID != 424242 || r.Errors[0].Error != "alert_not_found" {
			t.Errorf("bulk acknowledge: %+v", r)
		}
		if n := len(e.alerts("analyst-kg", "status=acknowledged")); n != 2 {
			t.Errorf("%d acknowledged", n)
		}
		e.do("analyst-kg", "POST", "/api/v1/alerts/bulk", map[string]any{"action": "close", "ids": []int64{open[0].ID, open[1].ID, open[2].ID}}, 200, &r)
		if len(r.Alerts) != 3 || len(r.Errors) != 0 {
			t.Errorf("bulk close: %+v", r)
		}
		if n := len(e.alerts("analyst-kg", "status=closed")); n != 3 {
			t.Errorf("%d closed", n)
		}
		if acts := e.auditActions("alert", fmt.Sprint(open[2].ID)); len(acts) == 0 {
			t.Errorf("no audit entry for the bulk close")
		}
		// Filters: by evidence, by the day last seen.
		ev := open[0].Evidence[0].Ref
		if l := e.alerts("analyst-kg", "evidence="+ev); len(l) != 1 || l[0].ID != open[0].ID {
			t.Errorf("evidence=%s: %d alerts", ev, len(l))
		}
		today := e.clock.Now().UTC().Format(time.DateOnly)
		if n := len(e.alerts("analyst-kg", "from="+today+"&to="+today)); n != 3 {
			t.Errorf("seen today: %d, want 3", n)
		}
		if n := len(e.alerts("analyst-kg", "to=2026-01-01")); n != 0 {
			t.Errorf("seen by 2026-01-01: %d, want 0", n)
		}
		e.wantError("analyst-kg", "POST", "/api/v1/alerts/bulk", map[string]any{"action": "delete", "ids": []int64{open[0].ID}}, 422, "invalid_action")
		e.wantError("analyst-kg", "POST", "/api/v1/alerts/bulk", map[string]any{"action": "close", "ids": []int64{}}, 422, "invalid_ids")
		e.wantError("officer-kg", "POST", "/api/v1/alerts/bulk", map[string]any{"action": "close", "ids": []int64{open[0].ID}}, 403, "forbidden")
	})
}

// TestPermitsListFilters: issue 16. The permits list is filtered by the
// day of issue and sorted.
func TestPermitsListFilters(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		first := e.issue(falconPermit())
		e.advance(48 * time.Hour)
		second := e.issue(falconPermit())
		list := func(query string) api.PermitListJSON {
			t.Helper()
			var l api.PermitListJSON
			e.do("issuer-kg", "GET", "/api/v1/permits?"+query, nil, 200, &l)
			return l
		}
		day := func(p api.PermitJSON) string { return p.IssuedAt.UTC().Format(time.DateOnly) }
		if l := list("from=" + day(second)); l.Total != 1 || l.Permits[0].Number != second.Number {
			t.Errorf("from the second's day: %d", l.Total)
		}
		if l := list("to=" + day(first)); l.Total != 1 || l.Permits[0].Number != first.Number {
			t.Errorf("to the first's day: %d", l.Total)
		}
		if l := list("sort=oldest"); l.Total != 2 || l.Permits[0].Number != first.Number {
			t.Errorf("oldest first: %+v", l.Permits)
		}
		e.wantError("issuer-kg", "GET", "/api/v1/permits?sort=sideways", nil, 422, "invalid_sort")
		e.wantError("issuer-kg", "GET", "/api/v1/permits?from=yesterday", nil, 400, "invalid_date")
	})
}

// TestNotificationsUnread: issue 16. The unread count the app shows on its
// menu, and a notification marked read when opened.
func TestNotificationsUnread(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.issue(falconPermit()) // tells the exporter account
		e.issue(falconPermit())
		type list struct {
			Notifications []api.NotificationJSON
			Unread        int64
		}
		var l list
		e.do("alatoo-trade", "GET", "/api/v1/notifications?count=1", nil, 200, &l)
		if l.Unread != 2 || len(l.Notifications) != 0 {
			t.Fatalf("count: %+v", l)
		}
		e.do("alatoo-trade", "GET", "/api/v1/notifications", nil, 200, &l)
		e.do("alatoo-trade", "POST", fmt.Sprintf("/api/v1/notifications/%d/read", l.Notifications[0].ID), nil, 204, nil)
		e.do("alatoo-trade", "GET", "/api/v1/notifications", nil, 200, &l)
		if l.Unread != 1 || !l.Notifications[0].Read || len(l.Notifications) != 2 {
			t.Errorf("after reading one: %+v", l)
		}
		e.wantError("other-trade", "POST", fmt.Sprintf("/api/v1/notifications/%d/read", l.Notifications[1].ID), nil, 404, "notification_not_found")
	})
}
