package webhooks_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/jobs"
	"tandem/internal/outbound"
	"tandem/internal/testdb"
	"tandem/internal/webhooks"
)

// ledgerReceiver is an endpoint that verifies every request with the
// spec-written verifier and counts, per webhook-id, the attempts and the
// acceptances. answer decides the status of the nth attempt of an id; it
// runs outside the lock, so it may block.
type ledgerReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	secret   string
	attempts map[string]int
	accepted map[string]int
	bad      []string
	// early holds the ids first seen before mark was called.
	early  map[string]bool
	marked bool
}

// mark notes that what arrives from now on comes after a point in the test.
func (rc *ledgerReceiver) mark() {
	rc.mu.Lock()
	rc.marked = true
	rc.mu.Unlock()
}

func newLedgerReceiver(t testing.TB, answer func(id string, attempt int) int) *ledgerReceiver {
	t.Helper()
	rc := &ledgerReceiver{attempts: map[string]int{}, accepted: map[string]int{}, early: map[string]bool{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		id := r.Header.Get("webhook-id")
		rc.mu.Lock()
		if err := verify(rc.secret, r.Header, b, time.Now()); err != nil {
			rc.bad = append(rc.bad, id+": "+err.Error())
		}
		rc.attempts[id]++
		n := rc.attempts[id]
		if n == 1 && !rc.marked {
			rc.early[id] = true
		}
		rc.mu.Unlock()
		status := answer(id, n)
		if status >= 200 && status <= 299 {
			rc.mu.Lock()
			rc.accepted[id]++
			rc.mu.Unlock()
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// instance is one "tandem serve" of a test: its own pool, webhook store
// and River client on the shared database.
type instance struct {
	pool  *pgxpool.Pool
	store *webhooks.Store
	stop  func() // graceful: running jobs finish
	kill  func() // abrupt: work is cancelled, connections dropped
}

func startInstance(t testing.TB, name, url string) *instance {
	t.Helper()
	p, err := db.Open(context.Background(), url, 10)
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{pool: p, store: webhooks.NewStore(p, webhooks.Options{
		Client: outbound.NewClient(true, 5*time.Second), Enqueuer: jobs.Enqueuer{}})}
	sys, err := jobs.New(p, jobs.Options{ID: name, BaseURL: "https://tandem.example.com",
		Channels: []events.Channel{in.store}, PollInterval: 100 * time.Millisecond, RescueAfter: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := sys.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	in.stop = func() {
		once.Do(func() {
			stop, done := context.WithTimeout(context.Background(), 5*time.Second)
			defer done()
			_ = sys.Stop(stop)
			cancel()
			p.Close()
		})
	}
	in.kill = func() {
		once.Do(func() {
			cancel()
			p.Close()
		})
	}
	t.Cleanup(in.stop)
	return in
}

// subscribe registers the receiver for lead.handed_off and tells it the secret.
func subscribe(t testing.TB, in *instance, rc *ledgerReceiver) {
	t.Helper()
	var admin int64
	if err := in.pool.QueryRow(context.Background(), `INSERT INTO users (email, name, team, role)
		VALUES ('ada@example.com', 'Ada Admin', 'sales', 'admin') RETURNING id`).Scan(&admin); err != nil {
		t.Fatal(err)
	}
	_, s, err := in.store.Create(context.Background(), admin, webhooks.Form{URL: rc.URL + "/hook",
		EventKinds: []string{string(events.LeadHandedOff)}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	rc.secret = s
	rc.mu.Unlock()
}

func recordHandoffs(t testing.TB, pool *pgxpool.Pool, n int) {
	t.Helper()
	err := db.InTx(context.Background(), pool, func(tx pgx.Tx) error {
		for i := range n {
			if _, err := events.Record(context.Background(), tx, events.Change{Kind: events.LeadHandedOff, Teams: []string{"sales"},
				Payload: events.Lead{ID: int64(i + 1), Company: fmt.Sprintf("Acme %d", i), Stage: "handed_off", URL: fmt.Sprintf("/leads/%d", i+1)}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func waitDelivered(t testing.TB, pool *pgxpool.Pool, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var done int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'`).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d delivered after a minute", done, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Two instances (two pools, two River clients) on one database deliver
// each event to the endpoint through the job system: a receiver that
// fails each message's first attempt gets it again with the same
// webhook-id, every message verifies, and each is accepted exactly once.
func TestTwoInstancesDeliverEachEventOnceThroughTheJobSystem(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	rc := newLedgerReceiver(t, func(_ string, attempt int) int {
		if attempt == 1 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	})
	a, b := startInstance(t, "a", url), startInstance(t, "b", url)
	subscribe(t, a, rc)

	const n = 20
	recordHandoffs(t, b.pool, n)
	waitDelivered(t, a.pool, n)

	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bad) > 0 {
		t.Errorf("signatures that do not verify: %v", rc.bad)
	}
	if len(rc.accepted) != n {
		t.Errorf("%d messages accepted, want %d", len(rc.accepted), n)
	}
	for id, k := range rc.accepted {
		if k != 1 || rc.attempts[id] != 2 {
			t.Errorf("%s: accepted %d times in %d attempts, want once in 2", id, k, rc.attempts[id])
		}
	}
	var rows, attemptsSum int
	if err := a.pool.QueryRow(context.Background(), `SELECT count(*), sum(attempts) FROM webhook_deliveries`).Scan(&rows, &attemptsSum); err != nil {
		t.Fatal(err)
	}
	if rows != n || attemptsSum != 2*n {
		t.Errorf("%d delivery rows with %d attempts, want %d with %d", rows, attemptsSum, n, 2*n)
	}
}

// An instance killed in the middle of a delivery loses nothing: the other
// instance rescues its jobs and delivers every event. The only repeats the
// receiver sees are of messages that were in flight when A died (the one
// it was waiting on, and any it sent but could not record), with the same
// webhook-id, as the spec's at-least-once allows.
func TestAnInstanceKilledMidDeliveryLosesNothing(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	arrived, release := make(chan string, 1), make(chan struct{})
	var first sync.Once
	rc := newLedgerReceiver(t, func(id string, _ int) int {
		hang := false
		first.Do(func() { hang = true })
		if hang {
			arrived <- id
			<-release // the receiver takes it in, but A is gone before it hears back
		}
		return http.StatusOK
	})
	a := startInstance(t, "a", url)
	subscribe(t, a, rc)

	const n = 20
	recordHandoffs(t, a.pool, n)
	var interrupted string
	select {
	case interrupted = <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("A made no delivery")
	}
	b := startInstance(t, "b", url)
	// A dies with the request in flight and its jobs left "running" in
	// the table; B's rescuer hands them back.
	a.kill()
	rc.mark()
	close(release)

	waitDelivered(t, b.pool, n)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bad) > 0 {
		t.Errorf("signatures that do not verify: %v", rc.bad)
	}
	if len(rc.accepted) != n {
		t.Errorf("%d messages accepted, want %d", len(rc.accepted), n)
	}
	for id, k := range rc.accepted {
		if k != 1 && !rc.early[id] {
			t.Errorf("%s accepted %d times, first sent after A died", id, k)
		}
	}
	var rows int
	if err := b.pool.QueryRow(context.Background(), `SELECT count(*) FROM webhook_deliveries`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != n {
		t.Errorf("%d delivery rows for %d events", rows, n)
	}
	if rc.attempts[interrupted] < 2 {
		t.Errorf("the interrupted %s was not delivered again (%d attempts)", interrupted, rc.attempts[interrupted])
	}
}
