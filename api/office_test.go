package api_test

import (
	"fmt"
	"strings"
	"testing"

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
		// With every document listed, no reason is asked for.
		e.do("alatoo-trade", "POST", base+"/submit", nil, 200, &a)
		if len(a.Missing) != 0 {
			t.Errorf("missing %v", a.Missing)
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
