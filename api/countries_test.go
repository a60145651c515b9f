package api_test

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/opencites/opencites/api"
)

// TestCountries: issue 16. The picker's list names countries in the
// caller's language and finds them by what people type.
func TestCountries(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		for _, tc := range []struct{ q, lang, name string }{
			{"UAE", "en", "United Arab Emirates"},
			{"Emirates", "en", "United Arab Emirates"},
			{"Эмираты", "ru", "ОАЭ"},
			{"Emirates", "ky", "Бириккен Араб Эмираттары"},
		} {
			var r struct{ Countries []api.CountryJSON }
			e.do("", "GET", "/api/v1/countries?limit=5&lang="+tc.lang+"&q="+url.QueryEscape(tc.q), nil, 200, &r)
			if len(r.Countries) == 0 || r.Countries[0] != (api.CountryJSON{Code: "AE", Name: tc.name}) {
				t.Errorf("q=%s lang=%s: %v, want AE %q first", tc.q, tc.lang, r.Countries, tc.name)
			}
		}
		var all struct{ Countries []api.CountryJSON }
		e.do("", "GET", "/api/v1/countries?lang=ru", nil, 200, &all)
		if len(all.Countries) < 240 {
			t.Fatalf("%d countries", len(all.Countries))
		}
	})
}

// TestUnknownCountryRefused: issue 16. No endpoint that stores a country
// keeps one that is not ISO 3166 ("UAE" had been cut to "UA", Ukraine):
// 422 invalid_country, naming the field.
func TestUnknownCountryRefused(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		wantField := func(user, method, path string, body any, field string) {
			t.Helper()
			var eb api.ErrorBody
			e.do(user, method, path, body, 422, &eb)
			d, _ := eb.Details.(map[string]any)
			if eb.Error != "invalid_country" || d["field"] != field {
				t.Errorf("%s %s: %s %v, want invalid_country naming %s", method, path, eb.Error, eb.Details, field)
			}
		}
		app := func(mod func(map[string]any)) map[string]any {
			r := falconPermit()
			delete(r, "exporter_account")
			mod(r)
			return r
		}
		for _, bad := range []string{"XX", "UA E", "UAE", "U"} {
			t.Run("Application/"+bad, func(t *testing.T) {
				wantField("alatoo-trade", "POST", "/api/v1/applications", app(func(r map[string]any) {
					r["importer"].(map[string]string)["country"] = bad
				}), "importer.country")
				wantField("alatoo-trade", "POST", "/api/v1/applications", app(func(r map[string]any) {
					r["specimens"].([]map[string]any)[0]["origin_country"] = bad
				}), "specimens.0.origin_country")
			})
			t.Run("Permit/"+bad, func(t *testing.T) {
				r := falconPermit()
				r["importer"].(map[string]string)["country"] = bad
				wantField("issuer-kg", "POST", "/api/v1/permits", r, "importer.country")
			})
		}
		// An edit is checked as a creation is.
		var a api.ApplicationJSON
		e.do("alatoo-trade", "POST", "/api/v1/applications", app(func(r map[string]any) {
			r["importer"].(map[string]string)["country"] = " ae "
		}), 201, &a)
		if a.Request.Importer.Country != "AE" {
			t.Errorf("importer country stored as %q, want AE", a.Request.Importer.Country)
		}
		wantField("alatoo-trade", "PUT", "/api/v1/applications/"+strconv.FormatInt(a.ID, 10), app(func(r map[string]any) {
			r["exporter"].(map[string]string)["country"] = "KGZ"
		}), "exporter.country")
	})
}
