package cases_test

import (
	"context"
	"testing"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/cases"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/registry/registrytest"
	"github.com/opencites/opencites/users"
	"gorm.io/gorm"
)

// testRegistry is a permit registry on a fresh database, with the alert
// rules engine watching it unless rules is nil, and an issuer for KG.
type testRegistry struct {
	db     *gorm.DB
	svc    *permits.Service
	rec    *permits.Recorder
	cases  *cases.Service // nil without rules
	issuer opencites.Actor
}

func newTestRegistry(tb testing.TB, dsn string, rules *cases.RulesConfig) *testRegistry {
	tb.Helper()
	o := registrytest.Options{NoRules: rules == nil}
	if rules != nil {
		o.Rules = *rules
	}
	reg := registrytest.New(tb, dsn, o)
	r := &testRegistry{db: reg.DB, svc: reg.Permits, rec: reg.Recorder, cases: reg.Cases}
	r.issuer = registrytest.MustUser(tb, reg, users.NewUser{Username: "issuer", Password: "issuer-password", Role: opencites.RoleIssuer, Authority: "KG"})
	return r
}

// issueFalcons issues an export permit for quantity captive-bred falcons.
func (r *testRegistry) issueFalcons(tb testing.TB, quantity float64) *permits.Permit {
	tb.Helper()
	p, err := r.svc.Issue(context.Background(), r.issuer, permits.IssueRequest{
		Type: "export", Purpose: "T",
		Exporter:   permits.Party{Name: "Ala-Too Trade LLC", Address: "Bishkek", Country: "KG"},
		Importer:   permits.Party{Name: "Gulf Falconry", Address: "Dubai", Country: "AE"},
		ValidUntil: time.Now().AddDate(0, 3, 0).Format(time.DateOnly),
		Specimens: []permits.SpecimenRequest{{Taxon: "Falco cherrug", Description: "live falcons", Term: "LIV", Source: "C",
			Quantity: quantity, Marks: "KG-R-0012"}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
