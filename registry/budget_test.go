package registry_test

import (
	"testing"

	"github.com/opencites/opencites/registry"
)

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"150MiB": 150 << 20, "1GiB": 1 << 30, "200MB": 200e6, "157286400": 157286400, " 64 MiB ": 64 << 20} {
		if got, err := registry.ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "lots", "-5MiB", "1MiB", "150XB"} {
		if _, err := registry.ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q) accepted", bad)
		}
	}
}

// The caches' shares never add up to more than a quarter of the budget.
func TestBudgetOf(t *testing.T) {
	b := registry.BudgetOf(150 << 20)
	if sum := int64(b.Signatures + b.Contents + b.Rendered + b.Sessions + b.QRImages); sum > b.Total/4 || sum < b.Total/5 {
		t.Fatalf("caches take %d of %d", sum, b.Total)
	}
	if registry.BudgetOf(0).Total != registry.DefaultMemoryBudget {
		t.Fatal("no default budget")
	}
}
