package cases_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/opencites/opencites"
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
	var cfg *cases.RulesConfig
	if rules {
		cfg = &cases.RulesConfig{}
	}
	r := newTestRegistry(b, dsn, cfg)
	svc, cs, issuer := r.svc, r.cases, r.issuer
	var codes []string
	for i := 0; i < 200; i++ {
		p := r.issueFalcons(b, 2)
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
	officer := opencites.Actor{UserID: issuer.UserID, Username: "officer", Role: opencites.RoleOfficer, Authority: "KG"}
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
	r.rec.Flush(ctx)
}
