package cache_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/opencites/opencites/internal/cache"
)

func cost(k string, v []byte) int { return len(k) + len(v) }

func TestBudgetHolds(t *testing.T) {
	const budget = 64 << 10
	c := cache.New[string, []byte](budget, cost)
	for i := range 10000 {
		c.Put(fmt.Sprintf("key-%d", i), make([]byte, 100))
		if b := c.Bytes(); b > budget {
			t.Fatalf("after %d puts the cache holds %d bytes, budget %d", i+1, b, budget)
		}
	}
	if n := c.Len(); n == 0 || n > budget/(100+cache.EntryOverhead) {
		t.Fatalf("cache holds %d entries", n)
	}
}

func TestRecentlyUsedSurvive(t *testing.T) {
	c := cache.New[string, []byte](16*8*(200+cache.EntryOverhead), cost)
	c.Put("kept", make([]byte, 190))
	for i := range 5000 {
		if _, ok := c.Get("kept"); !ok {
			t.Fatalf("the entry read before every put was evicted after %d puts", i)
		}
		c.Put(fmt.Sprintf("k%d", i), make([]byte, 190))
	}
	if _, ok := c.Get("k0"); ok {
		t.Fatal("the oldest unused entry survived 5000 puts into a small cache")
	}
}

func TestReplaceAndDelete(t *testing.T) {
	c := cache.New[int, string](1<<20, func(_ int, v string) int { return 8 + len(v) })
	c.Put(1, "a")
	c.Put(1, "b")
	if v, _ := c.Get(1); v != "b" || c.Len() != 1 || c.Bytes() != 9+cache.EntryOverhead {
		t.Fatalf("after replacing: %q, %d entries, %d bytes", v, c.Len(), c.Bytes())
	}
	c.Delete(1)
	if _, ok := c.Get(1); ok || c.Len() != 0 || c.Bytes() != 0 {
		t.Fatal("a deleted entry is still there")
	}
	c.Put(2, string(make([]byte, 1<<20))) // larger than a shard's budget
	if _, ok := c.Get(2); ok {
		t.Fatal("an entry larger than the budget was stored")
	}
}

func TestConcurrent(t *testing.T) {
	c := cache.New[int, int](1<<16, func(int, int) int { return 16 })
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20000 {
				k := (i * (g + 1)) % 3000
				if v, ok := c.Get(k); ok && v != k {
					t.Errorf("Get(%d) = %d", k, v)
					return
				}
				c.Put(k, k)
			}
		}()
	}
	wg.Wait()
	if c.Bytes() > 1<<16 {
		t.Fatalf("%d bytes held, budget %d", c.Bytes(), 1<<16)
	}
}

func BenchmarkGetHit(b *testing.B) {
	c := cache.New[string, []byte](64<<20, cost)
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("CP1:%064d", i)
		c.Put(keys[i], make([]byte, 1000))
	}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			c.Get(keys[i%len(keys)])
			i++
		}
	})
}

// TestSmallHoldsLargeEntries: a one-shard cache keeps entries of a
// sixteenth of its budget or more, which New's shards would each refuse.
func TestSmallHoldsLargeEntries(t *testing.T) {
	const entry = 100 << 10
	budget := 4 * (entry + 10 + cache.EntryOverhead)
	small, sharded := cache.NewSmall[string, []byte](budget, cost), cache.New[string, []byte](budget, cost)
	for i := range 4 {
		small.Put(fmt.Sprintf("key-%d", i), make([]byte, entry))
		sharded.Put(fmt.Sprintf("key-%d", i), make([]byte, entry))
	}
	if n := small.Len(); n != 4 {
		t.Fatalf("the small cache holds %d of 4 entries that fit its budget", n)
	}
	if n := sharded.Len(); n != 0 {
		t.Fatalf("the sharded cache holds %d entries larger than a shard", n)
	}
	small.Put("key-4", make([]byte, entry))
	if _, ok := small.Get("key-0"); ok || small.Len() != 4 {
		t.Fatalf("a fifth entry did not evict the oldest (len %d)", small.Len())
	}
}

// An admitting cache stores a key at its second put, and a stream of keys
// put once each, ten times what the cache holds, neither fills it nor
// pushes out what was read again and again.
func TestAdmittingKeepsWhatIsUsedAgain(t *testing.T) {
	const budget = 256 << 10
	c := cache.NewAdmitting[string, []byte](budget, cost)
	c.Put("hot", make([]byte, 100))
	if _, ok := c.Get("hot"); ok {
		t.Fatal("a key put once was stored")
	}
	c.Put("hot", make([]byte, 100))
	if _, ok := c.Get("hot"); !ok {
		t.Fatal("a key put twice was not stored")
	}
	holds := budget / (100 + 8 + cache.EntryOverhead)
	for i := range 10 * holds {
		c.Put(fmt.Sprintf("once-%d", i), make([]byte, 100))
	}
	if _, ok := c.Get("hot"); !ok {
		t.Fatal("keys put once pushed out the key put twice")
	}
	if n := c.Len(); n > holds/4 { // the doorkeeper's false positives
		t.Fatalf("%d keys put once each left %d entries (the cache holds %d)", 10*holds, n, holds)
	}
	if b := c.Bytes(); b > budget-budget/16 {
		t.Fatalf("the entries take %d bytes, past the budget less the doorkeeper's", b)
	}
	// The same keys put a second time are stored, within the budget.
	for i := range 10 * holds {
		c.Put(fmt.Sprintf("once-%d", i), make([]byte, 100))
	}
	if n := c.Len(); n < holds/2 {
		t.Fatalf("keys put twice filled %d entries of %d", n, holds)
	}
}
