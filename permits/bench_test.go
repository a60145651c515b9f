package permits_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/opencites/opencites"
	"github.com/opencites/opencites/models/modelstest"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/registry/registrytest"
	"github.com/opencites/opencites/users"
	"github.com/opencites/opencites/verifier"
	"gorm.io/gorm"
)

// Benchmarks for the performance goals in README.md ("Benchmarks"): issuing
// against plain SQL inserts of the same rows, and verifying against merely
// checking the same ES256 signatures. Run with
//
//	CITES_TEST_POSTGRES_DSN=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench . ./permits/

type benchEnv struct {
	svc    *permits.Service
	db     *gorm.DB
	issuer opencites.Actor
	rec    *permits.Recorder
}

func newBenchEnv(b *testing.B, dsn string) *benchEnv {
	return newBenchEnvCache(b, dsn, 0)
}

// newBenchEnvCache is newBenchEnv with a signature cache of the given size
// (permits.Config.SignatureCache).
func newBenchEnvCache(b *testing.B, dsn string, signatureCache int) *benchEnv {
	b.Helper()
	reg := registrytest.New(b, dsn, registrytest.Options{NoRules: true, SignatureCache: signatureCache})
	issuer := registrytest.MustUser(b, reg, users.NewUser{Username: "issuer", Password: "issuer-password", Role: opencites.RoleIssuer, Authority: "KG"})
	return &benchEnv{svc: reg.Permits, db: reg.DB, rec: reg.Recorder, issuer: issuer}
}

func issueRequest() permits.IssueRequest {
	return permits.IssueRequest{
		Type: "export", Purpose: "T",
		Exporter:   permits.Party{Name: "Ala-Too Trade LLC", Address: "Bishkek", Country: "KG"},
		Importer:   permits.Party{Name: "Gulf Falconry", Address: "Dubai", Country: "AE"},
		ValidUntil: time.Now().AddDate(0, 3, 0).Format(time.DateOnly),
		Specimens: []permits.SpecimenRequest{{Taxon: "Falco cherrug", Description: "live falcons, closed rings",
			Term: "LIV", Source: "C", Quantity: 2, Marks: "KG-R-0012, KG-R-0013"}},
	}
}

func forEachBenchDB(b *testing.B, fn func(b *testing.B, dsn string)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, modelstest.NewSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, modelstest.NewPostgresSchema(b)) })
}

// BenchmarkIssue: validate + number + sign + store + audit, one transaction
// per permit.
func BenchmarkIssue(b *testing.B) {
	forEachBenchDB(b, func(b *testing.B, dsn string) {
		e := newBenchEnv(b, dsn)
		req := issueRequest()
		ctx := context.Background()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := e.svc.Issue(ctx, e.issuer, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkIssueParallel issues from 8 and from 64 goroutines at once, as
// concurrent issuers (or HTTP connections) do: what it measures beyond
// BenchmarkIssue is how long issues wait for each other.
func BenchmarkIssueParallel(b *testing.B) {
	for _, clients := range []int{8, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			forEachBenchDB(b, func(b *testing.B, dsn string) {
				e := newBenchEnv(b, dsn)
				req := issueRequest()
				ctx := context.Background()
				b.SetParallelism(clients / runtime.GOMAXPROCS(0))
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := e.svc.Issue(ctx, e.issuer, req); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}

// BenchmarkPlainInsertParallel is BenchmarkPlainInsert from 8 and from 64
// goroutines: the floor of concurrent issuing.
func BenchmarkPlainInsertParallel(b *testing.B) {
	for _, clients := range []int{8, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			forEachBenchDB(b, func(b *testing.B, dsn string) {
				e := newBenchEnv(b, dsn)
				sqlDB, _ := e.db.DB()
				sqlDB.SetMaxOpenConns(clients)
				sqlDB.SetMaxIdleConns(clients)
				ctx := context.Background()
				var n atomic.Int64
				b.SetParallelism(clients / runtime.GOMAXPROCS(0))
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := plainInsert(ctx, e.db, e.issuer.UserID, n.Add(1)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}

// BenchmarkPlainInsert inserts the rows an issue writes (counter, permit,
// line, audit entry) with plain SQL, one transaction per permit: the floor
// the issuing path is measured against.
func BenchmarkPlainInsert(b *testing.B) {
	forEachBenchDB(b, func(b *testing.B, dsn string) {
		e := newBenchEnv(b, dsn)
		ctx := context.Background()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := plainInsert(ctx, e.db, e.issuer.UserID, int64(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// plainInsert writes the rows an issue writes (counter, permit, line,
// audit entry) with plain SQL in one transaction, on db's pool (the
// connection is database/sql's, which only package models names).
func plainInsert(ctx context.Context, db *gorm.DB, issuer, i int64) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	code := strings.Repeat("5", 700)
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var serial int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO permit_serials (authority, year, last) VALUES ($1, 2099, 1)
		ON CONFLICT (authority, year) DO UPDATE SET last = permit_serials.last + 1 RETURNING last`, "KG").Scan(&serial); err != nil {
		return err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO permits (authority, number, type, purpose, status, exporter_name, exporter_address,
		exporter_country, importer_name, importer_address, importer_country, exporter_account, conditions, security_stamp,
		valid_from, valid_until, issued_at, issued_by, issued_place, key_id, code, revocation_reason)
		VALUES ('KG', $1, 'export', 'T', 'issued', 'Ala-Too Trade LLC', 'Bishkek', 'KG', 'Gulf Falconry', 'Dubai', 'AE', '', '', '',
		$2, $3, $2, $4, '', 'kid', $5, '') RETURNING id`,
		fmt.Sprintf("99KG%06d", serial), now, now.AddDate(0, 3, 0), issuer, code).Scan(&id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO permit_lines (permit_id, line, taxon, listed_as, appendix, description, term, source,
		quantity, unit, marks, origin_country) VALUES ($1, 'A', 'Falco cherrug', 'Falconiformes', 'II', 'live falcons, closed rings',
		'LIV', 'C', 2, '', 'KG-R-0012, KG-R-0013', '')`, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_entries (at, actor_id, actor, action, entity_type, entity_id, before, after)
		VALUES ($1, $2, 'issuer', 'permit.issue', 'permit', $3, '', $4)`, now, issuer, fmt.Sprint(id), `{"number":"x"}`); err != nil {
		return err
	}
	return tx.Commit()
}

// BenchmarkSignatureCheck is the floor for verification: checking the ES256
// signature of a real permit code and nothing else, on all cores.
func BenchmarkSignatureCheck(b *testing.B) {
	e := newBenchEnv(b, modelstest.NewSQLite(b))
	p, err := e.svc.Issue(context.Background(), e.issuer, issueRequest())
	if err != nil {
		b.Fatal(err)
	}
	jws, _ := verifier.DecodeCode(p.Code)
	parts := strings.Split(jws, ".")
	sig, _ := jwt.NewParser().DecodeSegment(parts[2])
	key, _ := e.svc.Keys().Lookup(context.Background(), p.KeyID)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := jwt.SigningMethodES256.Verify(parts[0]+"."+parts[1], sig, key.Public); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerify is the whole online verification: decode, check the
// signature and claims, read the status from the registry, record the
// verification, on all cores, over 200 different permits. "repeat" is the
// registry as it runs: a code scanned before is not verified again
// (verifier.Cache). "first-scan" gives that cache one byte, too little
// for any code: every scan pays the ECDSA check, as the first scan of each
// code does, with the issuing key's table (kept apart from the codes, see
// verifier.NewCache) as a registry has it. "no-cache" runs without the
// cache at all: crypto/ecdsa on every scan.
func BenchmarkVerify(b *testing.B) {
	for _, c := range []struct {
		name  string
		cache int
	}{{"repeat", 0}, {"first-scan", 1}, {"no-cache", -1}} {
		b.Run(c.name, func(b *testing.B) { benchmarkVerify(b, c.cache) })
	}
}

func benchmarkVerify(b *testing.B, cache int) {
	forEachBenchDB(b, func(b *testing.B, dsn string) {
		e := newBenchEnvCache(b, dsn, cache)
		ctx := context.Background()
		var codes []string
		for i := 0; i < 200; i++ {
			p, err := e.svc.Issue(ctx, e.issuer, issueRequest())
			if err != nil {
				b.Fatal(err)
			}
			codes = append(codes, p.Code)
		}
		officer := opencites.Actor{UserID: e.issuer.UserID, Username: "officer", Role: opencites.RoleOfficer}
		var n atomic.Int64
		b.SetParallelism(16) // scans from many phones at once, as the server sees them
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				v, err := e.svc.Verify(ctx, officer, permits.VerifyRequest{Code: codes[n.Add(1)%int64(len(codes))]})
				if err != nil || v.Verdict != verifier.VerdictValid {
					b.Fatalf("verify: %v %+v", err, v)
				}
			}
		})
		b.StopTimer()
		e.rec.Flush(ctx)
	})
}
