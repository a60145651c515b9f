package permits

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/keys"
	"github.com/opencites/opencites/models"
	"gorm.io/gorm"
)

// TestLoadFixture fills a registry for the load runs (scripts/loadtest.sh,
// docs/benchmarks.md) without going through HTTP: CITES_FIXTURE_PERMITS
// permits (default 1,000,000) of the issuer CITES_FIXTURE_ISSUER, signed
// with the data directory's key, of which CITES_FIXTURE_SCANNED (default
// 100,000) have real codes; their verify bodies are written, shuffled, to
// CITES_FIXTURE_OUT, one a line. The database (CITES_FIXTURE_DSN) must be
// migrated and hold the issuer; the server started afterwards uses the
// same data directory (CITES_FIXTURE_DATA). It skips unless
// CITES_FIXTURE_DSN is set.
func TestLoadFixture(t *testing.T) {
	dsn := os.Getenv("CITES_FIXTURE_DSN")
	if dsn == "" {
		t.Skip("set CITES_FIXTURE_DSN (and CITES_FIXTURE_DATA, CITES_FIXTURE_OUT) to fill a registry for a load run")
	}
	total, scanned := envInt("CITES_FIXTURE_PERMITS", 1_000_000), envInt("CITES_FIXTURE_SCANNED", 100_000)
	db, err := models.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ring, err := keys.Open(ctx, db, os.Getenv("CITES_FIXTURE_DATA"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ring.EnsureActive(ctx, opencites.System); err != nil {
		t.Fatal(err)
	}
	key, err := ring.Signer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var issuer models.User
	if err := db.Where("username = ?", os.Getenv("CITES_FIXTURE_ISSUER")).Take(&issuer).Error; err != nil {
		t.Fatalf("issuer %q: %v", os.Getenv("CITES_FIXTURE_ISSUER"), err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	year := now.Year()
	start := time.Now()
	var bodies [][]byte
	const batch = 2000
	for base := 0; base < total; base += batch {
		n := min(batch, total-base)
		rows := make([]models.Permit, n)
		ps := make([]*Permit, n)
		for i := range n {
			serial := base + i + 1
			// An odd multiplier walks every index of the list once: no
			// collisions however many permits.
			idx := (serial * 2654435761) % StatusListSize
			p := &Permit{Number: fmt.Sprintf("%02dKG%07d", year%100, serial), Authority: "KG", Type: "export", Purpose: "T", Status: StatusIssued,
				Exporter: Party{"Ala-Too Trade LLC", "Bishkek", "KG"}, Importer: Party{"Gulf Falconry", "Dubai", "AE"},
				ValidFrom: now.Add(-24 * time.Hour), ValidUntil: now.AddDate(0, 3, 0), IssuedAt: now.Add(-time.Hour), KeyID: key.Kid,
				ListingVersion: "fixture", StatusIndex: &idx,
				Lines: []Line{{Line: "A", Taxon: "Falco cherrug", ListedAs: "Falconiformes", Appendix: "II", Description: "live falcons",
					Term: "LIV", Source: "C", Quantity: 2, Marks: "KG-R-" + strconv.Itoa(serial)}}}
			p.Code = "fixture"
			if base+i < scanned {
				if p.Code, err = signToken(claimsOf(p), key); err != nil {
					t.Fatal(err)
				}
				b, _ := json.Marshal(map[string]any{"code": p.Code, "checkpoint": map[string]string{"port": "Torugart", "direction": "export"}})
				bodies = append(bodies, b)
			}
			rows[i], ps[i] = permitRow(p, issuer.ID), p
			rows[i].Number, rows[i].Code = p.Number, p.Code
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Omit("Lines").CreateInBatches(&rows, 500).Error; err != nil {
				return err
			}
			lines := make([]models.PermitLine, n)
			for i := range n {
				lines[i] = lineRow(rows[i].ID, ps[i].Lines[0])
			}
			return tx.CreateInBatches(&lines, 1000).Error
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Exec(`INSERT INTO permit_serials (authority, year, last) VALUES ('KG', ?, ?)
		ON CONFLICT (authority, year) DO UPDATE SET last = excluded.last`, year, total).Error; err != nil {
		t.Fatal(err)
	}
	rand.Shuffle(len(bodies), func(i, j int) { bodies[i], bodies[j] = bodies[j], bodies[i] })
	f, err := os.Create(os.Getenv("CITES_FIXTURE_OUT"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bodies {
		f.Write(append(b, '\n'))
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d permits, %d with real codes, in %v", total, len(bodies), time.Since(start).Round(time.Second))
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
