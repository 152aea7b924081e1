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

// Two instances (two pools, two River clients) on one database deliver
// each event to the endpoint through the job system: a receiver that
// fails each message's first attempt gets it again with the same
// webhook-id, every message verifies, and each is accepted exactly once.
func TestTwoInstancesDeliverEachEventOnceThroughTheJobSystem(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	open := func() *pgxpool.Pool {
		p, err := db.Open(context.Background(), url, 10)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		return p
	}
	poolA, poolB := open(), open()

	var mu sync.Mutex
	attempts, accepted := map[string]int{}, map[string]int{}
	var bad []string
	var secret string
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		id := r.Header.Get("webhook-id")
		if err := verify(secret, r.Header, b, time.Now()); err != nil {
			bad = append(bad, id+": "+err.Error())
		}
		attempts[id]++
		if attempts[id] == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		accepted[id]++
	}))
	t.Cleanup(rc.Close)

	client := outbound.NewClient(true, 5*time.Second)
	storeA := webhooks.NewStore(poolA, webhooks.Options{Client: client, Enqueuer: jobs.Enqueuer{}})
	storeB := webhooks.NewStore(poolB, webhooks.Options{Client: client, Enqueuer: jobs.Enqueuer{}})
	var admin int64
	if err := poolA.QueryRow(context.Background(), `INSERT INTO users (email, name, team, role)
		VALUES ('ada@example.com', 'Ada Admin', 'sales', 'admin') RETURNING id`).Scan(&admin); err != nil {
		t.Fatal(err)
	}
	_, s, err := storeA.Create(context.Background(), admin, webhooks.Form{URL: rc.URL + "/hook",
		EventKinds: []string{string(events.LeadHandedOff)}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	secret = s
	mu.Unlock()

	for name, pair := range map[string]struct {
		pool  *pgxpool.Pool
		store *webhooks.Store
	}{"a": {poolA, storeA}, "b": {poolB, storeB}} {
		sys, err := jobs.New(pair.pool, jobs.Options{ID: name, BaseURL: "https://tandem.example.com",
			Channels: []events.Channel{pair.store}, PollInterval: 100 * time.Millisecond, RescueAfter: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		if err := sys.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stop, done := context.WithTimeout(context.Background(), 5*time.Second)
			defer done()
			_ = sys.Stop(stop)
			cancel()
		})
	}

	const n = 20
	err = db.InTx(context.Background(), poolB, func(tx pgx.Tx) error {
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
	deadline := time.Now().Add(60 * time.Second)
	for {
		var done int
		if err := poolA.QueryRow(context.Background(), `SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'`).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d delivered after a minute", done, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Errorf("signatures that do not verify: %v", bad)
	}
	if len(accepted) != n {
		t.Errorf("%d messages accepted, want %d", len(accepted), n)
	}
	for id, k := range accepted {
		if k != 1 || attempts[id] != 2 {
			t.Errorf("%s: accepted %d times in %d attempts, want once in 2", id, k, attempts[id])
		}
	}
	var rows, attemptsSum int
	if err := poolA.QueryRow(context.Background(), `SELECT count(*), sum(attempts) FROM webhook_deliveries`).Scan(&rows, &attemptsSum); err != nil {
		t.Fatal(err)
	}
	if rows != n || attemptsSum != 2*n {
		t.Errorf("%d delivery rows with %d attempts, want %d with %d", rows, attemptsSum, n, 2*n)
	}
}
