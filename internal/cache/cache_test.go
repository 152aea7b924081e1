package cache

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
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

func counter() (func(context.Context) (int, error), *int) {
	var mu sync.Mutex
	loads := 0
	return func(context.Context) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		loads++
		return loads, nil
	}, &loads
}

func TestMapServesFromMemoryUntilDropped(t *testing.T) {
	b := connectedBus()
	m := NewMap[int, int](b, "t", time.Minute, 10, intKey)
	load, loads := counter()
	for range 3 {
		if v, _ := m.Get(t.Context(), 1, load); v != 1 {
			t.Fatalf("value %d", v)
		}
	}
	if *loads != 1 {
		t.Errorf("%d loads for three reads", *loads)
	}
	b.Deliver("t:2") // another key
	m.Get(t.Context(), 1, load)
	b.Deliver("other:1") // another topic
	m.Get(t.Context(), 1, load)
	if *loads != 1 {
		t.Errorf("unrelated messages reloaded: %d loads", *loads)
	}
	b.Deliver("t:1")
	if v, _ := m.Get(t.Context(), 1, load); v != 2 {
		t.Errorf("after t:1, value %d, want a reload", v)
	}
	b.Deliver("t:*")
	if v, _ := m.Get(t.Context(), 1, load); v != 3 {
		t.Errorf("after t:*, value %d, want a reload", v)
	}
	if hits, misses := m.Stats(); hits != 4 || misses != 3 {
		t.Errorf("stats %d hits, %d misses", hits, misses)
	}
}

func TestMapWithoutListenerAlwaysLoads(t *testing.T) {
	m := NewMap[int, int](NewBus(), "t", time.Minute, 10, intKey)
	load, loads := counter()
	m.Get(t.Context(), 1, load)
	m.Get(t.Context(), 1, load)
	if *loads != 2 {
		t.Errorf("%d loads with no listener, want 2", *loads)
	}
}

func TestMapExpiresAfterTTLAndCapsIt(t *testing.T) {
	m := NewMap[int, int](connectedBus(), "t", 20*time.Millisecond, 10, intKey)
	load, loads := counter()
	m.Get(t.Context(), 1, load)
	time.Sleep(30 * time.Millisecond)
	m.Get(t.Context(), 1, load)
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
	m.Get(t.Context(), 1, func(context.Context) (int, error) {
		b.Deliver("t:1") // the change commits while the old row is read
		return 1, nil
	})
	load, loads := counter()
	m.Get(t.Context(), 1, load)
	if *loads != 1 {
		t.Error("the value loaded across the invalidation was kept")
	}
}

func TestMapKeepsNoErrorAndStaysBounded(t *testing.T) {
	m := NewMap[int, int](connectedBus(), "t", time.Minute, 2, intKey)
	if _, err := m.Get(t.Context(), 1, func(context.Context) (int, error) { return 0, errors.New("down") }); err == nil {
		t.Fatal("error lost")
	}
	load, loads := counter()
	m.Get(t.Context(), 1, load)
	if *loads != 1 {
		t.Error("a failed load was kept")
	}
	for k := range 5 {
		m.Get(t.Context(), k, load)
	}
	if len(m.entries) > 2 {
		t.Errorf("%d entries, bound 2", len(m.entries))
	}
}

// Requests that miss one key together ask the database once; a request
// that misses after an invalidation does not take the older load's value.
func TestMapSharesALoadWithinAGeneration(t *testing.T) {
	b := connectedBus()
	m := NewMap[int, int](b, "t", time.Minute, 10, intKey)
	release := make(chan struct{})
	var calls atomic.Int32
	slow := func(context.Context) (int, error) {
		n := calls.Add(1)
		<-release
		return int(n), nil
	}
	got := make(chan int, 3)
	for range 2 {
		go func() { v, _ := m.Get(t.Context(), 1, slow); got <- v }()
	}
	// Both have missed (the second decided to join under the map's lock,
	// which the invalidation below takes after it).
	waitFor(t, func() bool { _, misses := m.Stats(); return calls.Load() == 1 && misses == 2 })
	b.Deliver("t:1") // a write commits while the first load is under way
	go func() { v, _ := m.Get(t.Context(), 1, slow); got <- v }()
	waitFor(t, func() bool { return calls.Load() == 2 })
	close(release)
	values := []int{<-got, <-got, <-got}
	slices.Sort(values)
	if !slices.Equal(values, []int{1, 1, 2}) {
		t.Errorf("values %v: want the first two to share load 1 and the one after the write to get load 2", values)
	}
}

// A map that refreshes ahead reloads a busy entry in the background before
// it expires, and never serves one past its TTL.
func TestMapRefreshesAheadWithinTheTTL(t *testing.T) {
	const ttl = 200 * time.Millisecond
	m := NewMap[int, int](connectedBus(), "t", ttl, 10, intKey).RefreshAhead()
	load, _ := counter()
	first := time.Now()
	m.Get(t.Context(), 1, load)
	time.Sleep(ttl * 3 / 4) // the second half of the entry's life
	if v, _ := m.Get(t.Context(), 1, load); v != 1 {
		t.Fatalf("value %d: the entry in its TTL should still answer", v)
	}
	waitFor(t, func() bool { m.mu.Lock(); defer m.mu.Unlock(); return m.entries[1].value == 2 })
	for time.Since(first) < ttl*5/4 { // past the first entry's expiry
		time.Sleep(10 * time.Millisecond)
	}
	if v, _ := m.Get(t.Context(), 1, load); v != 2 {
		t.Errorf("value %d after the first entry expired, want the one loaded ahead", v)
	}
	if _, misses := m.Stats(); misses != 1 {
		t.Errorf("%d misses, want only the first read", misses)
	}
	time.Sleep(ttl + 20*time.Millisecond) // nobody read: nothing was loaded ahead
	m.Get(t.Context(), 1, load)
	if _, misses := m.Stats(); misses != 2 {
		t.Errorf("%d misses: a read after an idle TTL must load afresh", misses)
	}
	plain := NewMap[int, int](connectedBus(), "t", ttl, 10, intKey)
	plainLoad, plainLoads := counter()
	plain.Get(t.Context(), 1, plainLoad)
	time.Sleep(ttl * 3 / 4)
	plain.Get(t.Context(), 1, plainLoad)
	time.Sleep(50 * time.Millisecond)
	if *plainLoads != 1 {
		t.Errorf("a map without RefreshAhead loaded %d times", *plainLoads)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestReconnectionFlushes(t *testing.T) {
	b := connectedBus()
	m := NewMap[int, int](b, "t", time.Minute, 10, intKey)
	load, loads := counter()
	m.Get(t.Context(), 1, load)
	b.FlushAll() // what a (re)connection does
	m.Get(t.Context(), 1, load)
	if *loads != 2 {
		t.Errorf("a reconnection kept the entries (%d loads)", *loads)
	}
}
