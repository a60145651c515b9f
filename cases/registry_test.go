package cases_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/cases"
	"github.com/opencites/opencites/models/modelstest"
	"github.com/opencites/opencites/permits"
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
	ctx := context.Background()
	r := &testRegistry{db: modelstest.MustOpen(tb, dsn)}
	keys, err := permits.NewKeyring(ctx, r.db, tb.TempDir(), time.Now)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := keys.EnsureActive(ctx, opencites.System); err != nil {
		tb.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r.rec = permits.NewRecorder(r.db, log)
	tb.Cleanup(r.rec.Close)
	r.svc = permits.New(permits.Config{DB: r.db, Keys: keys, BcryptCost: 4, Recorder: r.rec})
	if rules != nil {
		r.cases = cases.New(cases.Config{DB: r.db, Permits: r.svc, Logger: log, Rules: *rules})
		tb.Cleanup(r.cases.Close)
		r.svc.AddObserver(r.cases)
	}
	u, err := r.svc.CreateUser(ctx, opencites.System, permits.NewUser{Username: "issuer", Password: "issuer-password", Role: opencites.RoleIssuer, Authority: "KG"})
	if err != nil {
		tb.Fatal(err)
	}
	r.issuer = opencites.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Authority: "KG"}
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
