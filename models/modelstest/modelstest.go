// Package modelstest gives tests a fresh, migrated registry database on
// SQLite and, where one is configured, on PostgreSQL, so that the same test
// body proves the same behaviour on both.
package modelstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencites/opencites/internal/testenv"
	"github.com/opencites/opencites/models"
	"gorm.io/gorm"
)

// PostgresDSN returns the PostgreSQL server tests may use, or skips the test
// (fails it when CITES_TEST_REQUIRE_POSTGRES=1, so CI cannot pass with the
// database tests silently skipped).
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("CITES_TEST_POSTGRES_DSN")
	testenv.NeedPostgres(tb, dsn != "", "CITES_TEST_POSTGRES_DSN is not set")
	return dsn
}

// NewPostgresSchema creates a throwaway schema on the test server and returns
// a DSN whose search_path points at it; the schema is dropped after the test.
func NewPostgresSchema(tb testing.TB) string {
	tb.Helper()
	base := PostgresDSN(tb)
	admin, err := models.Open(base)
	if err != nil {
		testenv.NeedPostgres(tb, false, "unreachable: "+err.Error())
	}
	if err := pingDB(admin); err != nil {
		testenv.NeedPostgres(tb, false, "unreachable: "+err.Error())
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		if sqlDB, err := admin.DB(); err == nil {
			sqlDB.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("CITES_TEST_POSTGRES_DSN must be a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func pingDB(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Ping()
}

// NewSQLite returns the DSN of a fresh SQLite file in the test's temp dir.
func NewSQLite(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(tb.TempDir(), "registry.db")
}

// ForEachDB runs fn as two subtests, "sqlite" and "postgres", each with the
// DSN of an empty database of its own (not migrated).
func ForEachDB(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, NewSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, NewPostgresSchema(t)) })
}

// MustOpen opens and migrates dsn, closing it after the test.
func MustOpen(tb testing.TB, dsn string) *gorm.DB {
	tb.Helper()
	db, err := models.Open(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	if _, err := models.Migrate(context.Background(), db); err != nil {
		tb.Fatal(err)
	}
	return db
}
