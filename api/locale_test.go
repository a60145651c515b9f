package api_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opencites/opencites/api"
)

// TestThreeLanguages: what a person reads follows ?lang= or
// Accept-Language; the machine codes stay the same.
func TestThreeLanguages(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		p := e.issue(falconPermit())
		hints := map[string]bool{}
		for _, c := range []struct {
			lang, accept string
			valid, name  string
		}{
			{"", "", "Signature and registry status check out", "Saker falcon"},
			{"", "ru-RU,ru;q=0.9", "Подпись и статус в реестре в порядке", "балобан"},
			{"ky", "ru", "Кол тамга жана реестрдеги абалы туура", ""},
		} {
			path := "/api/v1/verify"
			if c.lang != "" {
				path += "?lang=" + c.lang
			}
			req := httptest.NewRequest("POST", path, strings.NewReader(`{"code":"`+p.QR+`"}`))
			req.Header.Set("Content-Type", "application/json")
			if c.accept != "" {
				req.Header.Set("Accept-Language", c.accept)
			}
			var v api.VerificationJSON
			e.send("officer", req, 200, &v)
			if v.Verdict != "valid" || v.Reasons[0].Code != "valid" || !strings.HasPrefix(v.Reasons[0].Message, c.valid) {
				t.Errorf("lang %q/%q: %+v", c.lang, c.accept, v.Reasons)
			}
			// The starter list says "Saker falcon", Species+ "Saker".
			if got := strings.ToLower(v.Guidance.Species[0].CommonName); c.name != "" && got != strings.ToLower(c.name) && !strings.HasPrefix(strings.ToLower(c.name), got) {
				t.Errorf("lang %q/%q: common name %q, want %q", c.lang, c.accept, v.Guidance.Species[0].CommonName, c.name)
			}
			if v.Guidance.Species[0].CommonName == "" {
				t.Errorf("lang %q/%q: no common name", c.lang, c.accept)
			}
			hints[v.Guidance.Species[0].IDHints] = true
		}
		// Identification hints come in each language.
		if len(hints) != 3 {
			t.Errorf("id hints in %d distinct languages, want 3: %v", len(hints), hints)
		}
		// Errors too, with the code unchanged.
		var eb api.ErrorBody
		e.do("issuer-kg", "POST", "/api/v1/permits/"+p.Number+"/revoke?lang=ru", map[string]string{"reason": ""}, 422, &eb)
		if eb.Error != "reason_required" || eb.Message != "Укажите причину отзыва разрешения." {
			t.Errorf("ru error = %+v", eb)
		}
		e.do("issuer-kg", "POST", "/api/v1/permits/"+p.Number+"/revoke", map[string]string{"reason": "ошибка оформления"}, 200, nil)
		req := httptest.NewRequest("POST", "/api/v1/verify?lang=ky", strings.NewReader(`{"code":"`+p.QR+`"}`))
		req.Header.Set("Content-Type", "application/json")
		var v api.VerificationJSON
		e.send("officer", req, 200, &v)
		if v.Verdict != "revoked" || v.Reasons[0].Message != "Уруксат берген орган бул уруксатты жокко чыгарды: ошибка оформления" {
			t.Errorf("ky revoked = %+v", v.Reasons)
		}
		var r api.RequirementsJSON
		e.do("officer", "GET", "/api/v1/requirements?lang=ru&taxon=Falco+cherrug&direction=export", nil, 200, &r)
		if len(r.Reasons) == 0 || !strings.HasPrefix(r.Reasons[0].Message, "Вывоз, Приложение II") {
			t.Errorf("ru requirements = %+v", r.Reasons)
		}
		// Unknown languages fall back to English.
		e.do("officer", "GET", "/api/v1/permits/26KG999999?lang=de", nil, 404, &eb)
		if eb.Message != "no permit \"26KG999999\"" {
			t.Errorf("fallback = %+v", eb)
		}
	})
}
