package api_test

import (
	"strings"
	"testing"

	"github.com/opencites/opencites/cases"
	"github.com/opencites/opencites/models"
)

// TestAlertReasonInReadersLanguage: an alert's reason is stored as a code
// with its parameters and read in the reader's language; an alert stored
// before codes were (English only) reads in English in every language.
func TestAlertReasonInReadersLanguage(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.mustCaseUsers()
		v := e.verify("officer-kg", foreignCode(t, e.clock.Now(), "26KG777777"), map[string]string{"port": "Torugart", "direction": "export"})
		p := e.issue(falconPermit())
		e.do("issuer-kg", "POST", "/api/v1/permits/"+p.Number+"/revoke", map[string]string{"reason": "rings do not match"}, 200, nil)
		e.verify("officer-kg", p.QR, nil) // no checkpoint named
		want := map[string][]string{
			"en": {"Scanned at Torugart: a code signed with a key this registry does not know (kid zzzzzzzz).", "Revoked permit " + p.Number + " was presented at an unnamed checkpoint. It was revoked: rings do not match"},
			"ru": {"Проверка в пункте Torugart: код подписан ключом, неизвестным этому реестру (kid zzzzzzzz).", "В пункте «без названия» предъявлено отозванное разрешение " + p.Number + ". Причина отзыва: rings do not match"},
			"ky": {"Torugart пунктунда текшерилди: код бул реестрге белгисиз ачкыч менен кол коюлган (kid zzzzzzzz).", "аталышы жок пунктунда жокко чыгарылган " + p.Number + " уруксаты көрсөтүлдү"},
		}
		for lang, texts := range want {
			var reasons []string
			for _, rule := range []string{cases.RuleForgedCode, cases.RuleRevoked} {
				for _, a := range e.alerts("admin", "rule="+rule+"&lang="+lang) {
					reasons = append(reasons, a.Reason)
					if a.ReasonCode == "" {
						t.Errorf("alert %d has no reason code", a.ID)
					}
				}
			}
			all := strings.Join(reasons, "\n")
			for _, w := range texts {
				if !strings.Contains(all, w) {
					t.Errorf("%s: no reason reads %q in\n%s", lang, w, all)
				}
			}
		}
		if a := e.alertsFor(cases.RuleForgedCode, v.ID); len(a) != 1 || a[0].ReasonCode != "alert_forged_unknown_key" {
			t.Errorf("forged code alert: %+v", a)
		}
		// An alert raised before reasons had codes keeps its English.
		if err := e.reg.DB.Model(&models.Alert{}).Where("rule = ?", cases.RuleForgedCode).
			Updates(map[string]any{"reason": "Scanned at Torugart: an old alert.", "reason_code": "", "reason_args": ""}).Error; err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"ru", "ky"} {
			if a := e.alerts("admin", "rule="+cases.RuleForgedCode+"&lang="+lang); len(a) != 1 || a[0].Reason != "Scanned at Torugart: an old alert." {
				t.Errorf("%s, an old alert: %+v", lang, a)
			}
		}
	})
}
