package cache

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

func connectedBus() *Bus {
	b := NewBus()
	b.connected.Store(true)
	return b
}

func intKey(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func counter() (func() (int, error), *int) {
	loads := 0
	return func() (int, error) { loads++; return loads, nil }, &loads
}

func TestMapServesFromMemoryUntilDropped(t *testing.T) {
	b := connectedBus()
	m := NewMap[int, int](b, "t", time.Minute, 10, intKey)
	load, loads := counter()
	for range 3 {
		if v, _ := m.Get(1, load); v != 1 {
			t.Fatalf("value %d", v)
		}
	}
	if *loads != 1 {
		t.Errorf("%d loads for three reads", *loads)
	}
	b.Deliver("t:2") // another key
	m.Get(1, load)
	b.Deliver("other:1") // another topic
	m.Get(1, load)
	if *loads != 1 {
		t.Errorf("unrelated messages reloaded: %d loads", *loads)
	}
	b.Deliver("t:1")
	if v, _ := m.Get(1, load); v != 2 {
		t.Errorf("after t:1, value %d, want a reload", v)
	}
	b.Deliver("t:*")
	if v, _ := m.Get(1, load); v != 3 {
		t.Errorf("after t:*, value %d, want a reload", v)
	}
	if hits, misses := m.Stats(); hits != 4 || misses != 3 {
		t.Errorf("stats %d hits, %d misses", hits, misses)
	}
}

func TestMapWithoutListenerAlwaysLoads(t *testing.T) {
	m := NewMap[int, int](NewBus(), "t", time.Minute, 10, intKey)
	load, loads := counter()
	m.Get(1, load)
	m.Get(1, load)
	if *loads != 2 {
		t.Errorf("%d loads with no listener, want 2", *loads)
	}
}

func TestMapExpiresAfterTTLAndCapsIt(t *testing.T) {
	m := NewMap[int, int](connectedBus(), "t", 20*time.Millisecond, 10, intKey)
	load, loads := counter()
	m.Get(1, load)
	time.Sleep(30 * time.Millisecond)
	m.Get(1, load)
	if *loads != 2 {
		t.Errorf("%d loads across the TTL, want 2", *loads)
	}
	if long := NewMap[int, int](connectedBus(), "t", time.Hour, 10, intKey); long.ttl != MaxTTL {
		t.Errorf("ttl %s, want capped at %s", long.ttl, MaxTTL)
	}
}

// A value read before an invalidation must not be kept after it: it may
// be the old state.
func TestMapDoesNotKeepAValueLoadedAcrossAnInvalidation(t *testing.T) {
	b := connectedBus()
	m := NewMap[int, int](b, "t", time.Minute, 10, intKey)
	m.Get(1, func() (int, error) {
		b.Deliver("t:1") // the change commits while the old row is read
		return 1, nil
	})
	load, loads := counter()
	m.Get(1, load)
	if *loads != 1 {
		t.Error("the value loaded across the invalidation was kept")
	}
}

func TestMapKeepsNoErrorAndStaysBounded(t *testing.T) {
	m := NewMap[int, int](connectedBus(), "t", time.Minute, 2, intKey)
	if _, err := m.Get(1, func() (int, error) { return 0, errors.New("down") }); err == nil {
		t.Fatal("error lost")
	}
	load, loads := counter()
	m.Get(1, load)
	if *loads != 1 {
		t.Error("a failed load was kept")
	}
	for k := range 5 {
		m.Get(k, load)
	}
	if len(m.entries) > 2 {
		t.Errorf("%d entries, bound 2", len(m.entries))
	}
}

func TestReconnectionFlushes(t *testing.T) {
	b := connectedBus()
	m := NewMap[int, int](b, "t", time.Minute, 10, intKey)
	load, loads := counter()
	m.Get(1, load)
	b.FlushAll() // what a (re)connection does
	m.Get(1, load)
	if *loads != 2 {
		t.Errorf("a reconnection kept the entries (%d loads)", *loads)
	}
}
