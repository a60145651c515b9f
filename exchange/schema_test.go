package exchange_test

import (
	"sync"
	"testing"

	"github.com/opencites/opencites/models"
	"github.com/opencites/opencites/models/modelstest"
	"gorm.io/gorm/schema"
)

// TestDeliverySchema proves migration 00010 creates every column the
// exchange's delivery rows read and write, on both databases (they are
// not in models.All, which another branch owns).
func TestDeliverySchema(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, dsn string) {
		db := modelstest.MustOpen(t, dsn)
		for _, m := range models.ExchangeDelivery() {
			s, err := schema.Parse(m, &sync.Map{}, db.NamingStrategy)
			if err != nil {
				t.Fatal(err)
			}
			if !db.Migrator().HasTable(m) {
				t.Errorf("table %s missing", s.Table)
				continue
			}
			for _, f := range s.Fields {
				if f.DBName != "" && !db.Migrator().HasColumn(m, f.DBName) {
					t.Errorf("column %s.%s missing", s.Table, f.DBName)
				}
			}
		}
	})
}
