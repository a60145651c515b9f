// Package cache is the one in-memory cache type of the server: a map
// bounded in bytes, not in entries, that forgets the least recently used
// entries first. Every cache of the registry (verified signatures, permit
// contents, rendered guidance, sessions) is one of these, so that the
// server's memory follows a budget whatever a country's registry holds.
package cache

import (
	"hash/maphash"
	"sync"
)

// shards spreads the lock: a scan reads several caches, and two cores
// should not queue on one mutex.
const shards = 16

// Cache maps K to V within a budget of bytes, as the cost function
// counts them. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	seed   maphash.Seed
	cost   func(K, V) int
	shards []shard[K, V]
}

type shard[K comparable, V any] struct {
	mu    sync.Mutex
	items map[K]*entry[K, V]
	root  entry[K, V] // sentinel of the recency list: root.next is the newest
	bytes int
	max   int
}

type entry[K comparable, V any] struct {
	key        K
	val        V
	cost       int
	prev, next *entry[K, V]
}

// EntryOverhead is what an entry costs besides its key and value: the
// map slot, the list links and the allocation headers.
const EntryOverhead = 96

// New returns a cache holding at most maxBytes (at least one entry per
// shard whatever its cost). cost reports an entry's size in bytes, key
// and value included; EntryOverhead is added to it.
func New[K comparable, V any](maxBytes int, cost func(K, V) int) *Cache[K, V] {
	return newSharded(maxBytes, shards, cost)
}

// NewSmall returns a cache of one shard, for a few large entries that
// are read far more often than written: a shard's budget is its share of
// maxBytes, and sixteen shards would leave each too little for one entry.
func NewSmall[K comparable, V any](maxBytes int, cost func(K, V) int) *Cache[K, V] {
	return newSharded(maxBytes, 1, cost)
}

func newSharded[K comparable, V any](maxBytes, n int, cost func(K, V) int) *Cache[K, V] {
	c := &Cache[K, V]{seed: maphash.MakeSeed(), cost: cost, shards: make([]shard[K, V], n)}
	for i := range c.shards {
		s := &c.shards[i]
		s.items = make(map[K]*entry[K, V])
		s.root.next, s.root.prev = &s.root, &s.root
		s.max = maxBytes / n
	}
	return c
}

func (c *Cache[K, V]) shard(k K) *shard[K, V] {
	return &c.shards[maphash.Comparable(c.seed, k)%uint64(len(c.shards))]
}

// Get returns the value of k and marks it recently used.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	s.unlink(e)
	s.pushFront(e)
	return e.val, true
}

// Put stores v under k, forgetting the least recently used entries while
// the shard is over its budget. An entry larger than the whole shard's
// budget is not stored.
func (c *Cache[K, V]) Put(k K, v V) {
	cost := c.cost(k, v) + EntryOverhead
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.items[k]; ok {
		s.unlink(old)
		delete(s.items, k)
		s.bytes -= old.cost
	}
	if cost > s.max {
		return
	}
	e := &entry[K, V]{key: k, val: v, cost: cost}
	s.items[k] = e
	s.pushFront(e)
	s.bytes += cost
	for s.bytes > s.max {
		last := s.root.prev
		s.unlink(last)
		delete(s.items, last.key)
		s.bytes -= last.cost
	}
}

// Delete forgets k.
func (c *Cache[K, V]) Delete(k K) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.items[k]; ok {
		s.unlink(e)
		delete(s.items, k)
		s.bytes -= e.cost
	}
}

// Len is the number of entries held.
func (c *Cache[K, V]) Len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.items)
		s.mu.Unlock()
	}
	return n
}

// Bytes is the cost of the entries held, as counted.
func (c *Cache[K, V]) Bytes() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += s.bytes
		s.mu.Unlock()
	}
	return n
}

func (s *shard[K, V]) unlink(e *entry[K, V]) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (s *shard[K, V]) pushFront(e *entry[K, V]) {
	e.next, e.prev = s.root.next, &s.root
	s.root.next.prev = e
	s.root.next = e
}
