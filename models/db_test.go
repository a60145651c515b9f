package models_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/models/modelstest"
	"gorm.io/gorm"
)

func TestRedactDSN(t *testing.T) {
	for _, dsn := range []string{
		"postgres://cites:s3cret@db.example/cites?sslmode=require",
		"postgres://cites@db.example/cites?sslmode=require&password=s3cret",
		"postgresql://db.example/cites?password=s3cret&sslpassword=s3cret",
		"host=db.example user=cites password=s3cret dbname=cites sslmode=require",
		"host=db.example password = 's3 cr\\'et' dbname=cites",
		"host=db.example PASSWORD=s3cret",
	} {
		got := models.RedactDSN(dsn)
		if strings.Contains(got, "s3") || strings.Contains(got, "cret") {
			t.Errorf("RedactDSN(%q) = %q: the password shows", dsn, got)
		}
		if !strings.Contains(got, "db.example") {
			t.Errorf("RedactDSN(%q) = %q: the host is gone too", dsn, got)
		}
	}
	if got := models.RedactDSN("./data/opencites.db"); got != "./data/opencites.db" {
		t.Errorf("an SQLite path became %q", got)
	}
}

// The SQLite file and its journal are readable by their owner only.
func TestSQLiteFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "opencites.db")
	db, err := models.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if s, err := db.DB(); err == nil {
			s.Close()
		}
	}()
	if _, err := models.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal"} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := st.Mode().Perm(); m&0o077 != 0 {
			t.Errorf("%s has mode %v", filepath.Base(f), m)
		}
	}
}

// TestCancelledQueriesLeaveThePoolSound: clients still connected are
// served while the queries of many others that hung up are cancelled.
// With pgx's default of closing the connection of a cancelled query, the
// pool filled with closed connections, and a transaction that drew three
// of them failed with "driver: bad connection" (seen at the end of every
// 64-connection issue run, and answered database_unavailable).
func TestCancelledQueriesLeaveThePoolSound(t *testing.T) {
	db := modelstest.MustOpen(t, modelstest.NewPostgresSchema(t))
	var failed, served atomic.Int32
	for range 20 {
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
				defer cancel()
				if err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
					return tx.Exec("SELECT pg_sleep(1)").Error
				}); err == nil {
					t.Error("a query past its context's end succeeded")
				}
			})
			// A client still connected, issuing throughout.
			wg.Go(func() {
				for end := time.Now().Add(80 * time.Millisecond); time.Now().Before(end); {
					err := db.Transaction(func(tx *gorm.DB) error { return tx.Exec("SELECT 1").Error })
					if err != nil {
						failed.Add(1)
						t.Log(err)
					}
					served.Add(1)
				}
			})
		}
		wg.Wait()
	}
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d transactions of clients still connected failed", n, served.Load())
	}
}
