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
	admit  bool // store a key at its second Put only (NewAdmitting)
}

type shard[K comparable, V any] struct {
	mu    sync.Mutex
	items map[K]*entry[K, V]
	root  entry[K, V] // sentinel of the recency list: root.next is the newest
	bytes int
	max   int
	door  doorkeeper
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

// NewAdmitting returns a cache like New's that stores a key only when it
// is put a second time within a window of recent keys, as TinyLFU's
// doorkeeper does. A registry of a million permits is mostly scanned
// once each: without it, those scans fill the cache with entries never
// read again, pushing out the permits a border post scans over and over,
// and the pointers of a full cache of one-off entries were the garbage
// collector's work on every cycle (docs/benchmarks.md). The doorkeeper's
// filter, a sixteenth of maxBytes, counts in the budget. A key put once
// costs its caller one more miss: for the caches of the verify path, one
// more full check of a code or read of a permit.
func NewAdmitting[K comparable, V any](maxBytes int, cost func(K, V) int) *Cache[K, V] {
	c := newSharded(maxBytes-maxBytes/16, shards, cost)
	c.admit = true
	for i := range c.shards {
		c.shards[i].door = newDoorkeeper(maxBytes / 16 / shards)
	}
	return c
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
	s, _ := c.shardHash(k)
	return s
}

// shardHash returns k's shard and the bits of its hash the shard index
// left unused.
func (c *Cache[K, V]) shardHash(k K) (*shard[K, V], uint64) {
	h := maphash.Comparable(c.seed, k)
	n := uint64(len(c.shards))
	return &c.shards[h%n], h / n
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
// budget is not stored, nor, in a cache from NewAdmitting, a key new to
// the cache that its doorkeeper has not seen put before.
func (c *Cache[K, V]) Put(k K, v V) {
	s, h := c.shardHash(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.items[k]; ok {
		s.unlink(old)
		delete(s.items, k)
		s.bytes -= old.cost
	} else if c.admit && !s.door.seen(h) {
		return
	}
	cost := c.cost(k, v) + EntryOverhead
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

// doorkeeper is a Bloom filter of the keys put recently, two bits a key.
// It starts again once it has taken as many keys as an eighth of its bits
// (then about one key in twenty not put before passes for one that was).
type doorkeeper struct {
	bits  []uint64
	added int
}

func newDoorkeeper(bytes int) doorkeeper {
	return doorkeeper{bits: make([]uint64, max(bytes/8, 1))}
}

// seen reports whether h was added before, adding it.
func (d *doorkeeper) seen(h uint64) bool {
	m := uint64(len(d.bits)) * 64
	i, j := h%m, (h>>32)%m
	if d.bits[i/64]&(1<<(i%64)) != 0 && d.bits[j/64]&(1<<(j%64)) != 0 {
		return true
	}
	if d.added >= len(d.bits)*8 {
		clear(d.bits)
		d.added = 0
	}
	d.bits[i/64] |= 1 << (i % 64)
	d.bits[j/64] |= 1 << (j % 64)
	d.added++
	return false
}
