package models_test

import (
	"context"
	"testing"

	"sync"

	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/models/modelstest"
	"gorm.io/gorm/schema"
)

// TestSchemaMatchesModels proves the hand-written migrations create every
// column the GORM models read and write, on both databases.
func TestSchemaMatchesModels(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, dsn string) {
		db := modelstest.MustOpen(t, dsn)
		for _, m := range models.All() {
			s, err := schema.Parse(m, &sync.Map{}, db.NamingStrategy)
			if err != nil {
				t.Fatal(err)
			}
			if !db.Migrator().HasTable(m) {
				t.Errorf("table %s missing", s.Table)
				continue
			}
			for _, f := range s.Fields {
				if f.DBName == "" {
					continue
				}
				if !db.Migrator().HasColumn(m, f.DBName) {
					t.Errorf("column %s.%s missing", s.Table, f.DBName)
				}
			}
		}
	})
}

func TestMigrate(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, dsn string) {
		db, err := models.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		v, err := models.Migrate(ctx, db)
		if err != nil || v < 1 {
			t.Fatalf("Migrate = %d, %v", v, err)
		}
		// Migrating again is a no-op.
		if v2, err := models.Migrate(ctx, db); err != nil || v2 != v {
			t.Fatalf("second Migrate = %d, %v", v2, err)
		}
	})
}
