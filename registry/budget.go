package registry

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// DefaultMemoryBudget is what one node is meant to live in: a small
// virtual machine's share, whatever its registry holds (CITES_MEMORY_BUDGET).
const DefaultMemoryBudget = 150 << 20

// Budget divides a node's memory budget among its caches. Caches take a
// quarter of it; the rest is for the species list in force (about 40 MB
// with the full CITES list), requests in flight and the garbage
// collector's headroom, which GOMEMLIMIT (set to the budget) keeps in
// check. Image decoding has a pool of its own (CITES_DECODE_MEMORY).
type Budget struct {
	Total      int64
	Signatures int // verified codes (permits.Config.SignatureCache)
	Contents   int // permits' fixed contents and guidance (permits.Config.ContentCache)
	Rendered   int // guidance encoded per language (api)
	Sessions   int // verified session tokens (api)
	QRImages   int // permits' QR codes drawn as PNG and SVG (api)
}

// BudgetOf divides total bytes.
func BudgetOf(total int64) Budget {
	if total <= 0 {
		total = DefaultMemoryBudget
	}
	part := func(percent int64) int { return int(total * percent / 100) }
	return Budget{Total: total, Signatures: part(6), Contents: part(10), Rendered: part(5), Sessions: part(2), QRImages: part(2)}
}

// ParseBytes reads a size such as "150MiB", "150MB", "1GiB" or a plain
// number of bytes.
func ParseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("a size is a positive number with an optional unit: 150MiB, 1GiB")
	}
	v := int64(n * float64(mult))
	if v < 32<<20 {
		return 0, fmt.Errorf("%d bytes is too little to run a node: give at least 32MiB", v)
	}
	return v, nil
}
