package auth

import "sync"

// cache is a bounded map of verified tokens with SIEVE eviction (Zhang et
// al., NSDI '24): a FIFO queue plus one "visited" bit per entry; the hand
// walks from the tail towards the head, clearing visited bits and evicting
// the first unvisited entry. Hits only set a bit, so they never reorder the
// queue. Keys are SHA-256 digests of the token string.
type cache struct {
	mu    sync.Mutex
	cap   int
	items map[[32]byte]*node
	head  *node // newest
	tail  *node // oldest
	hand  *node
}

type node struct {
	key        [32]byte
	val        *verified
	visited    bool
	prev, next *node // prev is towards the head (newer), next towards the tail
}

func newCache(capacity int) *cache {
	return &cache{cap: capacity, items: make(map[[32]byte]*node, min(capacity, 1024))}
}

func (c *cache) get(k [32]byte) (*verified, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.items[k]
	if !ok {
		return nil, false
	}
	n.visited = true
	return n.val, true
}

func (c *cache) put(k [32]byte, v *verified) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.items[k]; ok {
		n.val = v
		n.visited = true
		return
	}
	if len(c.items) >= c.cap {
		c.evict()
	}
	n := &node{key: k, val: v, next: c.head}
	if c.head != nil {
		c.head.prev = n
	}
	c.head = n
	if c.tail == nil {
		c.tail = n
	}
	c.items[k] = n
}

func (c *cache) remove(k [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.items[k]; ok {
		c.unlink(n)
	}
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

// evict removes one entry; c.mu is held.
func (c *cache) evict() {
	n := c.hand
	if n == nil {
		n = c.tail
	}
	for n != nil && n.visited {
		n.visited = false
		n = n.prev
		if n == nil {
			n = c.tail
		}
	}
	if n == nil {
		return
	}
	c.hand = n.prev
	c.unlink(n)
}

// unlink removes n from the queue and the map; c.mu is held.
func (c *cache) unlink(n *node) {
	if c.hand == n {
		c.hand = n.prev
	}
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		c.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		c.tail = n.prev
	}
	n.prev, n.next = nil, nil
	delete(c.items, n.key)
}
