package models_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencites/opencites/models"
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
