package cases_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/opencites/opencites/cases"
	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/models/modelstest"
	"github.com/opencites/opencites/permits"
)

// A burst of issues from one exporter is checked by its newest permit once
// VolumeCheckEvery has passed, by the engine's own timer: nobody has to
// read the alerts (which flushes the engine) for the alert to be raised.
func TestDeferredVolumeCheckRunsOnItsOwn(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := modelstest.MustOpen(t, dsn)
		keys, err := permits.NewKeyring(ctx, db, t.TempDir(), time.Now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := keys.EnsureActive(ctx, permits.System); err != nil {
			t.Fatal(err)
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		svc := permits.New(permits.Config{DB: db, Keys: keys, BcryptCost: 4})
		cs := cases.New(cases.Config{DB: db, Permits: svc, Logger: log,
			Rules: cases.RulesConfig{VolumeCheckEvery: 200 * time.Millisecond, CaptiveDefaultLimit: 10}})
		t.Cleanup(cs.Close)
		svc.AddObserver(cs)
		u, err := svc.CreateUser(ctx, permits.System, permits.NewUser{Username: "issuer", Password: "issuer-password", Role: permits.RoleIssuer, Authority: "KG"})
		if err != nil {
			t.Fatal(err)
		}
		issuer := permits.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Authority: "KG"}
		for i := range 2 { // 6 + 6 captive-bred falcons: over the limit of 10 with the second
			if i == 1 {
				// Let the engine check the first on its own, so that the
				// second falls within VolumeCheckEvery of that check.
				time.Sleep(50 * time.Millisecond)
			}
			if _, err := svc.Issue(ctx, issuer, permits.IssueRequest{
				Type: "export", Purpose: "T",
				Exporter:   permits.Party{Name: "Ala-Too Trade LLC", Address: "Bishkek", Country: "KG"},
				Importer:   permits.Party{Name: "Gulf Falconry", Address: "Dubai", Country: "AE"},
				ValidUntil: time.Now().AddDate(0, 3, 0).Format(time.DateOnly),
				Specimens: []permits.SpecimenRequest{{Taxon: "Falco cherrug", Description: "live falcons", Term: "LIV", Source: "C",
					Quantity: 6, Marks: "KG-R-0012"}},
			}); err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			var n int64
			if err := db.Model(&models.Alert{}).Where("rule = ?", cases.RuleCaptiveVolume).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n == 1 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d captive-volume alerts 5 s after the second issue, want 1", n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
