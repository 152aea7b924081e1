// Package cache keeps what every page needs in process memory and drops it
// when PostgreSQL says it changed. Writes announce changes with NOTIFY on
// Channel (triggers do, in the writing transaction, so an announcement is
// sent exactly when the change commits); each instance LISTENs on one
// connection and drops the entries a message names. Every entry also has a
// short time to live, and nothing is served from memory while the listener
// is not connected: a lost message costs at most one TTL of staleness,
// never a wrong answer for longer.
package cache

import (
	"context"
	"crypto/rand"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Channel is the notification channel of cache invalidations. A payload is
// "topic:key" (e.g. "user:42") or "topic:*" for every key of the topic.
const Channel = "tandem_cache"

// MaxTTL bounds how long an entry may live without a notification.
const MaxTTL = 5 * time.Second

// Bus delivers the invalidations of Channel to the maps subscribed to them.
type Bus struct {
	id        string // tells this bus's messages from other instances'
	syncs     atomic.Uint64
	waitMu    sync.Mutex
	waiters   map[string]*syncWait
	peers     map[string]time.Time // other instances' buses, by when last heard
	pool      *pgxpool.Pool        // for the answers Listen sends
	mu        sync.RWMutex
	topics    map[string][]func(key string)
	flushes   []func()
	connected atomic.Bool
	// drop discards incoming messages, for tests of the TTL safety net.
	drop atomic.Bool
	// ahead counts the loads its maps run in the background.
	ahead sync.WaitGroup
}

// WaitAhead returns once no map of the bus is loading in the background
// (RefreshAhead), for a test that counts the queries of one request.
func (b *Bus) WaitAhead() { b.ahead.Wait() }

// NewBus returns a bus that serves nothing from memory until Listen has
// connected.
func NewBus() *Bus {
	return &Bus{id: rand.Text(), topics: map[string][]func(string){}, waiters: map[string]*syncWait{}, peers: map[string]time.Time{}}
}

// Connected reports whether invalidations are arriving; while they are not,
// maps load every value afresh.
func (b *Bus) Connected() bool { return b != nil && b.connected.Load() }

// DropMessages makes the bus ignore the invalidations that arrive from now
// on (true) or again act on them (false), as lost notifications would.
func (b *Bus) DropMessages(drop bool) { b.drop.Store(drop) }

func (b *Bus) subscribe(topic string, drop func(key string), flush func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.topics[topic] = append(b.topics[topic], drop)
	b.flushes = append(b.flushes, flush)
}

// Subscribe calls drop with the key of every message on topic ("*" for
// all), for a map that also depends on another topic's rows.
func (b *Bus) Subscribe(topic string, drop func(key string)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.topics[topic] = append(b.topics[topic], drop)
}

// Deliver acts on one payload as if it had arrived on Channel (the
// listener calls it for each message).
func (b *Bus) Deliver(payload string) {
	topic, key, _ := strings.Cut(payload, ":")
	switch topic {
	case syncTopic, ackTopic, helloTopic:
		b.control(topic, key)
		return
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, drop := range b.topics[topic] {
		drop(key)
	}
}

// FlushAll empties every map on the bus.
func (b *Bus) FlushAll() {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, f := range b.flushes {
		f()
	}
}

// The control messages of Sync: "sync:TOKEN" asks every instance to
// answer once it has heard everything before it, "ack:TOKEN:BUS" is an
// answer, and "hello:BUS" (every peerHello) tells the others who listens.
const (
	syncTopic  = "sync"
	ackTopic   = "ack"
	helloTopic = "hello"
	peerHello  = 2 * time.Second
	peerGone   = 3 * peerHello
)

// maxSyncWait bounds Sync: past it, this instance's maps are emptied and
// the slower instances are left to their own notification or TTL.
const maxSyncWait = time.Second

// syncWait is one Sync waiting for its own message to come back and for
// the answers of the instances listening when it was sent.
type syncWait struct {
	echoed bool
	need   map[string]bool
	done   chan struct{}
}

func (w *syncWait) check() {
	if w.echoed && len(w.need) == 0 {
		close(w.done)
	}
}

func (b *Bus) control(topic, key string) {
	b.waitMu.Lock()
	defer b.waitMu.Unlock()
	switch topic {
	case helloTopic:
		if key == b.id {
			return
		}
		_, known := b.peers[key]
		b.peers[key] = time.Now()
		if !known {
			// A newcomer learns of this instance now, not at the next tick.
			b.send(helloTopic + ":" + b.id)
		}
	case ackTopic:
		token, peer, _ := strings.Cut(key, ":")
		if w, ok := b.waiters[token]; ok && w.need[peer] {
			delete(w.need, peer)
			w.check()
		}
	case syncTopic:
		if w, ok := b.waiters[key]; ok {
			w.echoed = true
			w.check()
			return
		}
		// Another instance's: everything it committed before is heard here
		// too (notifications arrive in commit order); say so.
		b.send(ackTopic + ":" + key + ":" + b.id)
	}
}

// send notifies payload in the background, from the listener (which holds
// waitMu and must not wait on the database). Called with waitMu held.
func (b *Bus) send(payload string) {
	pool := b.pool
	if pool == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), maxSyncWait)
		defer cancel()
		_, _ = pool.Exec(ctx, `SELECT pg_notify($1, $2)`, Channel, payload)
	}()
}

// Sync returns once every change committed before it was called has been
// heard by this instance and by every other instance listening: it sends a
// message of its own, which PostgreSQL delivers after those changes (in
// commit order), and waits for it to come back and for each other
// instance's answer. After a request's writes, it makes the next page
// anyone opens, on any instance, show them. If that takes longer than
// maxSyncWait, this instance's maps are emptied and Sync returns.
func (b *Bus) Sync(ctx context.Context, pool *pgxpool.Pool) error {
	if !b.Connected() {
		return nil
	}
	token := b.id + "-" + strconv.FormatUint(b.syncs.Add(1), 10)
	w := &syncWait{need: map[string]bool{}, done: make(chan struct{})}
	b.waitMu.Lock()
	for peer, seen := range b.peers {
		if time.Since(seen) < peerGone {
			w.need[peer] = true
		} else {
			delete(b.peers, peer)
		}
	}
	b.waiters[token] = w
	b.waitMu.Unlock()
	defer func() {
		b.waitMu.Lock()
		delete(b.waiters, token)
		b.waitMu.Unlock()
	}()
	if _, err := pool.Exec(ctx, `SELECT pg_notify($1, $2)`, Channel, syncTopic+":"+token); err != nil {
		b.FlushAll()
		return err
	}
	timer := time.NewTimer(maxSyncWait)
	defer timer.Stop()
	select {
	case <-w.done:
		return nil
	case <-timer.C:
		b.FlushAll()
		return nil
	case <-ctx.Done():
		b.FlushAll()
		return ctx.Err()
	}
}

// Listen holds one connection of pool listening on Channel until ctx ends,
// reconnecting after a failure. Every (re)connection flushes the maps:
// messages sent while nobody listened are lost.
func (b *Bus) Listen(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := b.listenOnce(ctx, pool)
		b.connected.Store(false)
		if ctx.Err() != nil {
			return
		}
		log.Warn("cache invalidation listener lost its connection; serving without the cache", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (b *Bus) listenOnce(ctx context.Context, pool *pgxpool.Pool) error {
	pooled, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A listening connection must not go back to the pool: it would keep
	// receiving for whoever borrows it next.
	conn := pooled.Hijack()
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	b.FlushAll()
	b.waitMu.Lock()
	b.pool = pool
	b.waitMu.Unlock()
	b.connected.Store(true)
	hello, stopHello := context.WithCancel(ctx)
	defer stopHello()
	go func() {
		tick := time.NewTicker(peerHello)
		defer tick.Stop()
		for {
			_, _ = pool.Exec(hello, `SELECT pg_notify($1, $2)`, Channel, helloTopic+":"+b.id)
			select {
			case <-hello.Done():
				return
			case <-tick.C:
			}
		}
	}()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		// Dropping loses the invalidations only: Sync's own messages still
		// flow, as when one notification among many goes missing.
		if topic, _, _ := strings.Cut(n.Payload, ":"); !b.drop.Load() || topic == syncTopic || topic == ackTopic || topic == helloTopic {
			b.Deliver(n.Payload)
		}
	}
}

// Map is a cache of values by key on a bus topic.
type Map[K comparable, V any] struct {
	bus     *Bus
	ttl     time.Duration
	keyOf   func(string) (K, bool)
	mu      sync.Mutex
	entries map[K]entry[V]
	// generation counts invalidations, so a value loaded before one is
	// not stored after it.
	generation   uint64
	hits, misses atomic.Uint64
	max          int
	// loads are the loads under way by key; a request that misses joins
	// the one of its generation rather than asking the database again.
	loads map[K]*load[V]
	// ahead makes a hit in the second half of an entry's life load its
	// successor in the background (RefreshAhead).
	ahead bool
}

type entry[V any] struct {
	value   V
	expires time.Time
}

// load is one call of a loader; done is closed once value and err are set.
type load[V any] struct {
	generation uint64
	done       chan struct{}
	value      V
	err        error
}

// NewMap subscribes a map to topic. keyOf parses a message's key ("*"
// never reaches it: that drops everything); ttl is capped at MaxTTL; max
// bounds the entries kept.
func NewMap[K comparable, V any](bus *Bus, topic string, ttl time.Duration, max int, keyOf func(string) (K, bool)) *Map[K, V] {
	m := &Map[K, V]{bus: bus, ttl: min(ttl, MaxTTL), keyOf: keyOf, entries: map[K]entry[V]{}, max: max,
		loads: map[K]*load[V]{}}
	bus.subscribe(topic, m.dropKey, m.Flush)
	return m
}

// aheadTimeout bounds a load in the background, which no request waits for.
const aheadTimeout = 30 * time.Second

// RefreshAhead makes the map reload an entry read in the second half of
// its life in the background, so a value read often never expires under a
// waiting request: for loads that cost tens of milliseconds and have no
// side effects. An entry is still never served past its TTL.
func (m *Map[K, V]) RefreshAhead() *Map[K, V] {
	m.ahead = true
	return m
}

// NoRows is the keyOf of a topic whose triggers name no rows: its every
// message is "topic:*", which drops everything.
func NoRows[K comparable](string) (K, bool) {
	var k K
	return k, false
}

func (m *Map[K, V]) dropKey(key string) {
	if key == "*" {
		m.Flush()
		return
	}
	if k, ok := m.keyOf(key); ok {
		m.Drop(k)
	}
}

// Drop forgets one key.
func (m *Map[K, V]) Drop(k K) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.generation++
	delete(m.entries, k)
}

// DropWhere forgets the entries whose value matches.
func (m *Map[K, V]) DropWhere(match func(V) bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.generation++
	for k, e := range m.entries {
		if match(e.value) {
			delete(m.entries, k)
		}
	}
}

// Flush forgets everything.
func (m *Map[K, V]) Flush() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.generation++
	clear(m.entries)
}

// Get returns the cached value of k, or loads it; a loaded value is kept
// unless an invalidation arrived while it loaded. Errors are not kept.
// Requests that miss the same key at once share one load, unless an
// invalidation came between them: a request after a write never takes
// a value loaded before it. The load runs with ctx, or detached from it
// when the map refreshes ahead in the background.
func (m *Map[K, V]) Get(ctx context.Context, k K, loader func(context.Context) (V, error)) (V, error) {
	if !m.bus.Connected() {
		m.misses.Add(1)
		return loader(ctx)
	}
	now := time.Now()
	m.mu.Lock()
	e, ok := m.entries[k]
	if ok && now.Before(e.expires) {
		if m.ahead && !now.Before(e.expires.Add(-m.ttl/2)) && m.loads[k] == nil {
			l := m.startLoad(k)
			m.bus.ahead.Add(1)
			go func() {
				defer m.bus.ahead.Done()
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), aheadTimeout)
				defer cancel()
				m.finishLoad(ctx, k, l, now, loader)
			}()
		}
		m.mu.Unlock()
		m.hits.Add(1)
		return e.value, nil
	}
	m.misses.Add(1)
	if l := m.loads[k]; l != nil && l.generation == m.generation {
		m.mu.Unlock()
		select {
		case <-l.done:
			if l.err == nil {
				return l.value, nil
			}
			return loader(ctx) // its error may be its own request's (a cancelled context)
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	l := m.startLoad(k)
	m.mu.Unlock()
	m.finishLoad(ctx, k, l, now, loader)
	return l.value, l.err
}

// startLoad registers a load of k at the current generation; m.mu is held.
func (m *Map[K, V]) startLoad(k K) *load[V] {
	l := &load[V]{generation: m.generation, done: make(chan struct{})}
	m.loads[k] = l
	return l
}

// finishLoad runs loader for l and keeps its value, as of started, unless
// an invalidation came since l began.
func (m *Map[K, V]) finishLoad(ctx context.Context, k K, l *load[V], started time.Time, loader func(context.Context) (V, error)) {
	l.value, l.err = loader(ctx)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.loads[k] == l {
		delete(m.loads, k)
	}
	close(l.done)
	if l.err != nil || m.generation != l.generation {
		return
	}
	if len(m.entries) >= m.max {
		m.evictExpired(started)
	}
	_, replacing := m.entries[k]
	if replacing || len(m.entries) < m.max {
		m.entries[k] = entry[V]{value: l.value, expires: started.Add(m.ttl)}
	}
}

func (m *Map[K, V]) evictExpired(now time.Time) {
	for k, e := range m.entries {
		if !now.Before(e.expires) {
			delete(m.entries, k)
		}
	}
}

// Stats is how often Get answered from memory and how often it loaded.
func (m *Map[K, V]) Stats() (hits, misses uint64) { return m.hits.Load(), m.misses.Load() }

// Sum adds up the hits and misses of several maps, for one figure per
// store.
func Sum(maps ...interface{ Stats() (uint64, uint64) }) (hits, misses uint64) {
	for _, m := range maps {
		h, n := m.Stats()
		hits, misses = hits+h, misses+n
	}
	return hits, misses
}
