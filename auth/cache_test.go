package auth

import (
	"crypto/sha256"
	"fmt"
	"testing"
)

func ck(i int) [32]byte { return sha256.Sum256([]byte(fmt.Sprint(i))) }

func TestCacheSIEVE(t *testing.T) {
	tests := []struct {
		name    string
		cap     int
		ops     func(c *cache)
		present []int
		absent  []int
	}{
		{"bounded", 3, func(c *cache) {
			for i := range 10 {
				c.put(ck(i), &verified{})
			}
		}, []int{7, 8, 9}, []int{0, 1, 2, 3, 4, 5, 6}},
		{"visited entry survives eviction", 3, func(c *cache) {
			c.put(ck(1), &verified{})
			c.put(ck(2), &verified{})
			c.put(ck(3), &verified{})
			c.get(ck(1))
			c.put(ck(4), &verified{}) // evicts 2: 1 was visited
		}, []int{1, 3, 4}, []int{2}},
		{"hand moves on", 3, func(c *cache) {
			c.put(ck(1), &verified{})
			c.put(ck(2), &verified{})
			c.put(ck(3), &verified{})
			c.get(ck(1))
			c.put(ck(4), &verified{}) // evicts 2, hand at 3
			c.get(ck(4))
			c.put(ck(5), &verified{}) // evicts 3
		}, []int{1, 4, 5}, []int{2, 3}},
		{"all visited evicts after a sweep", 2, func(c *cache) {
			c.put(ck(1), &verified{})
			c.put(ck(2), &verified{})
			c.get(ck(1))
			c.get(ck(2))
			c.put(ck(3), &verified{}) // clears both bits, evicts 1 (oldest)
		}, []int{2, 3}, []int{1}},
		{"remove", 3, func(c *cache) {
			c.put(ck(1), &verified{})
			c.put(ck(2), &verified{})
			c.remove(ck(1))
			c.remove(ck(9))
			c.put(ck(3), &verified{})
			c.put(ck(4), &verified{})
		}, []int{2, 3, 4}, []int{1}},
		{"remove the hand", 2, func(c *cache) {
			c.put(ck(1), &verified{})
			c.put(ck(2), &verified{})
			c.get(ck(1))
			c.put(ck(3), &verified{}) // evicts 2, hand -> 1
			c.remove(ck(1))
			c.put(ck(4), &verified{})
			c.put(ck(5), &verified{})
		}, []int{4, 5}, []int{1, 2, 3}},
		{"capacity one", 1, func(c *cache) {
			c.put(ck(1), &verified{})
			c.get(ck(1))
			c.put(ck(2), &verified{})
		}, []int{2}, []int{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCache(tc.cap)
			tc.ops(c)
			for _, i := range tc.present {
				if _, ok := c.get(ck(i)); !ok {
					t.Errorf("entry %d missing", i)
				}
			}
			for _, i := range tc.absent {
				if _, ok := c.get(ck(i)); ok {
					t.Errorf("entry %d present", i)
				}
			}
			if n := c.len(); n > tc.cap {
				t.Fatalf("len %d > cap %d", n, tc.cap)
			}
		})
	}
}

func TestCacheConcurrent(t *testing.T) {
	c := newCache(64)
	done := make(chan struct{})
	for w := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 2000 {
				k := ck(w*10000 + i%200)
				if _, ok := c.get(k); !ok {
					c.put(k, &verified{})
				}
				if i%7 == 0 {
					c.remove(k)
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
	if n := c.len(); n > 64 {
		t.Fatalf("len %d > 64", n)
	}
	// The list and the map agree.
	count := 0
	for n := c.head; n != nil; n = n.next {
		count++
	}
	if count != c.len() {
		t.Fatalf("list has %d nodes, map %d", count, c.len())
	}
}
