package models_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/models/modelstest"
	"gorm.io/gorm"
)

// seedPermits stores n KG permits numbered P0000..., each with one line.
func seedPermits(t *testing.T, db *gorm.DB, n int) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	issuer := models.User{Username: "issuer", PasswordHash: "-", Role: "issuer", Authority: "KG", CreatedAt: now}
	if err := db.Create(&issuer).Error; err != nil {
		t.Fatal(err)
	}
	ps := make([]models.Permit, n)
	for i := range ps {
		ps[i] = models.Permit{Authority: "KG", Number: fmt.Sprintf("P%04d", i), Type: "export", Purpose: "T", Status: "issued",
			ValidFrom: now, ValidUntil: now.Add(24 * time.Hour), IssuedAt: now, IssuedBy: issuer.ID, Code: fmt.Sprintf("code-%d", i),
			Lines: []models.PermitLine{{Line: "A", Taxon: "Falco cherrug", Appendix: "II", Quantity: float64(i + 1), Unit: "pcs"}}}
	}
	if err := db.CreateInBatches(ps, 100).Error; err != nil {
		t.Fatal(err)
	}
}

// The verify path's batched reads (by number, and by id) return each
// permit asked for once, whatever the batch's size, with repeats and
// unknown numbers in it.
func TestBatchedPermitReads(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, dsn string) {
		db := modelstest.MustOpen(t, dsn)
		seedPermits(t, db, 80)
		ctx := context.Background()
		for size := 1; size <= 64; size++ {
			var asked []string
			for i := range size {
				asked = append(asked, fmt.Sprintf("P%04d", (i*7)%80))
			}
			asked = append(asked, "P9999") // unknown
			want := slices.Compact(slices.Sorted(slices.Values(asked[:size])))
			ps, err := models.PermitsByNumber(ctx, db, "KG", asked)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.Number)
				if len(p.Lines) != 1 || p.Lines[0].Taxon != "Falco cherrug" {
					t.Fatalf("permit %s came with lines %+v", p.Number, p.Lines)
				}
			}
			if slices.Sort(got); !slices.Equal(got, want) {
				t.Fatalf("batch of %d: PermitsByNumber gave %v, want %v", size, got, want)
			}
			var ids []int64
			for _, p := range ps {
				ids = append(ids, p.ID)
			}
			byID, err := models.PermitContents(ctx, db, ids)
			if err != nil {
				t.Fatal(err)
			}
			if len(byID) != len(ps) {
				t.Fatalf("batch of %d: PermitContents gave %d permits for %d ids", size, len(byID), len(ids))
			}
			sts, err := models.PermitStatuses(ctx, db, "KG", asked)
			if err != nil {
				t.Fatal(err)
			}
			got = got[:0]
			for _, st := range sts {
				got = append(got, st.Number)
			}
			if slices.Sort(got); !slices.Equal(got, want) {
				t.Fatalf("batch of %d: PermitStatuses gave %v, want %v", size, got, want)
			}
		}
	})
}

// PostgreSQL keeps one generic plan for the batched reads instead of
// planning the joined query on every scan, which cost it more than
// running it.
func TestBatchedPermitReadsKeepTheirPlan(t *testing.T) {
	db := modelstest.MustOpen(t, modelstest.NewPostgresSchema(t))
	seedPermits(t, db, 2000)
	if err := db.Exec("ANALYZE permits, permit_lines").Error; err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1) // one session, whose prepared statements are listed
	ctx := context.Background()
	for i := range 12 {
		batch := []string{fmt.Sprintf("P%04d", i), fmt.Sprintf("P%04d", 100+i), fmt.Sprintf("P%04d", 200+i)}
		if _, err := models.PermitsByNumber(ctx, db, "KG", batch); err != nil {
			t.Fatal(err)
		}
		if _, err := models.PermitStatuses(ctx, db, "KG", batch); err != nil {
			t.Fatal(err)
		}
	}
	var stmts []struct {
		Statement                 string
		GenericPlans, CustomPlans int
	}
	if err := db.Raw(`SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements
		WHERE statement LIKE '%FROM permits%' AND statement NOT LIKE '%pg_prepared_statements%'`).Scan(&stmts).Error; err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 2 {
		t.Fatalf("%d prepared statements read permits, want 2: %+v", len(stmts), stmts)
	}
	for _, s := range stmts {
		if s.GenericPlans < 6 {
			t.Errorf("12 executions used %d generic and %d custom plans: %.60s...", s.GenericPlans, s.CustomPlans, s.Statement)
		}
	}
}
