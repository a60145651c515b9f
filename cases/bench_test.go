package cases_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencites/opencites/cases"
	"github.com/opencites/opencites/models/modelstest"
	"github.com/opencites/opencites/permits"
)

// BenchmarkVerify measures verifications per second through
// permits.Service.Verify, on all cores, without and with the rules engine
// observing them. The "valid" mix is a border post's day: valid codes at
// one checkpoint, so the rules run in memory. The "bad" mix is an attack:
// a quarter revoked permits, a quarter forged codes and every permit at
// three checkpoints, so that nearly every scan writes to an alert. The
// engine's queue is drained inside the timing: it must keep up. Run with
//
//	CITES_TEST_POSTGRES_DSN=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench Verify ./cases/
func BenchmarkVerify(b *testing.B) {
	for _, db := range []struct {
		name string
		dsn  func(testing.TB) string
	}{{"sqlite", modelstest.NewSQLite}, {"postgres", modelstest.NewPostgresSchema}} {
		for _, mix := range []string{"valid", "bad"} {
			for _, rules := range []bool{false, true} {
				name := db.name + "/" + mix + "/without_rules"
				if rules {
					name = db.name + "/" + mix + "/with_rules"
				}
				b.Run(name, func(b *testing.B) { benchVerify(b, db.dsn(b), mix == "bad", rules) })
			}
		}
	}
}

func benchVerify(b *testing.B, dsn string, bad bool, rules bool) {
	ctx := context.Background()
	sdb := modelstest.MustOpen(b, dsn)
	keys, err := permits.NewKeyring(ctx, sdb, b.TempDir(), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := keys.EnsureActive(ctx, permits.System); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rec := permits.NewRecorder(sdb, log)
	b.Cleanup(rec.Close)
	svc := permits.New(permits.Config{DB: sdb, Keys: keys, BcryptCost: 4, Recorder: rec})
	var cs *cases.Service
	if rules {
		cs = cases.New(cases.Config{DB: sdb, Permits: svc, Logger: log})
		b.Cleanup(cs.Close)
		svc.AddObserver(cs)
	}
	u, err := svc.CreateUser(ctx, permits.System, permits.NewUser{Username: "issuer", Password: "issuer-password", Role: permits.RoleIssuer, Authority: "KG"})
	if err != nil {
		b.Fatal(err)
	}
	issuer := permits.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Authority: "KG"}
	var codes []string
	for i := 0; i < 200; i++ {
		p, err := svc.Issue(ctx, issuer, permits.IssueRequest{
			Type: "export", Purpose: "T",
			Exporter:   permits.Party{Name: "Ala-Too Trade LLC", Address: "Bishkek", Country: "KG"},
			Importer:   permits.Party{Name: "Gulf Falconry", Address: "Dubai", Country: "AE"},
			ValidUntil: time.Now().AddDate(0, 3, 0).Format(time.DateOnly),
			Specimens: []permits.SpecimenRequest{{Taxon: "Falco cherrug", Description: "live falcons", Term: "LIV", Source: "C",
				Quantity: 2, Marks: "KG-R-0012"}},
		})
		if err != nil {
			b.Fatal(err)
		}
		if bad && i%4 == 1 {
			if _, err := svc.Revoke(ctx, issuer, p.Number, "benchmark"); err != nil {
				b.Fatal(err)
			}
		}
		code := p.Code
		if bad && i%4 == 3 { // altered: the signature no longer matches
			code = code[:len(code)-2] + "00"
		}
		codes = append(codes, code)
	}
	if cs != nil {
		cs.Flush(ctx)
	}
	officer := permits.Actor{UserID: u.ID, Username: "officer", Role: permits.RoleOfficer, Authority: "KG"}
	ports := []string{"Manas airport"}
	if bad {
		ports = []string{"Manas airport", "Torugart", "Irkeshtam"}
	}
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, err := svc.Verify(ctx, officer, permits.VerifyRequest{Code: codes[i%int64(len(codes))], Port: ports[i%int64(len(ports))]}); err != nil {
				b.Fatal(err)
			}
		}
	})
	if cs != nil {
		if err := cs.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
	rec.Flush(ctx)
}
