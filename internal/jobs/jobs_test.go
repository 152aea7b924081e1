package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/jobs"
	"tandem/internal/testdb"
)

// ledger is a channel whose deliveries are rows of a table of the test
// database, so two job systems on two pools share it as they would share
// a real channel's table. Deliver counts every attempt and every success.
type ledger struct {
	pool *pgxpool.Pool
	// fail, when set, decides whether an attempt fails.
	fail func(deliveryID int64, attempt int) error
	// hang, when set, is closed to let hanging deliveries go on.
	mu   sync.Mutex
	hang map[int64]chan struct{}
	seen atomic.Int64 // attempts made through this value
}

func newLedger(t testing.TB, pool *pgxpool.Pool) *ledger {
	t.Helper()
	_, err := pool.Exec(context.Background(), `CREATE TABLE IF NOT EXISTS ledger_deliveries (
		id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		event_id bigint NOT NULL UNIQUE REFERENCES events (id),
		url text NOT NULL,
		attempts int NOT NULL DEFAULT 0,
		delivered int NOT NULL DEFAULT 0)`)
	if err != nil {
		t.Fatal(err)
	}
	return &ledger{pool: pool}
}

func (l *ledger) Name() string { return "ledger" }

func (l *ledger) Plan(ctx context.Context, tx pgx.Tx, ev events.Event) ([]int64, error) {
	var payload struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(ev.Data, &payload); err != nil {
		return nil, err
	}
	rows, _ := tx.Query(ctx, `INSERT INTO ledger_deliveries (event_id, url) VALUES ($1, $2)
		ON CONFLICT (event_id) DO NOTHING RETURNING id`, ev.ID, payload.URL)
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func (l *ledger) Deliver(ctx context.Context, id int64, attempt int) error {
	l.seen.Add(1)
	if _, err := l.pool.Exec(ctx, `UPDATE ledger_deliveries SET attempts = attempts + 1 WHERE id = $1`, id); err != nil {
		return err
	}
	l.mu.Lock()
	wait := l.hang[id]
	l.mu.Unlock()
	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if l.fail != nil {
		if err := l.fail(id, attempt); err != nil {
			return err
		}
	}
	_, err := l.pool.Exec(ctx, `UPDATE ledger_deliveries SET delivered = delivered + 1 WHERE id = $1`, id)
	return err
}

// NextRetry keeps the test's retries quick.
func (l *ledger) NextRetry(int) time.Duration { return 50 * time.Millisecond }

func record(t *testing.T, pool *pgxpool.Pool, n int) []int64 {
	t.Helper()
	var ids []int64
	err := db.InTx(context.Background(), pool, func(tx pgx.Tx) error {
		for i := range n {
			id, err := events.Record(context.Background(), tx, events.Change{
				Kind: events.LeadHandedOff, Teams: []string{"sales"},
				Payload: events.Lead{ID: int64(i + 1), Company: fmt.Sprintf("Acme %d", i), URL: fmt.Sprintf("/leads/%d", i+1)},
			})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func start(t *testing.T, pool *pgxpool.Pool, id string, channels ...events.Channel) *jobs.System {
	return startAs(t, pool, id, channels...)
}

func startSystem(b *testing.B, pool *pgxpool.Pool, channels ...events.Channel) *jobs.System {
	return startAs(b, pool, "bench", channels...)
}

func startAs(t testing.TB, pool *pgxpool.Pool, id string, channels ...events.Channel) *jobs.System {
	t.Helper()
	sys, err := jobs.New(pool, jobs.Options{
		ID: id, BaseURL: "https://tandem.example.com/", Channels: channels,
		PollInterval: 100 * time.Millisecond, RescueAfter: 3 * time.Second,
	})
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
	return sys
}

func count(t testing.TB, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func waitFor(t *testing.T, what string, limit time.Duration, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// An event recorded in a transaction is fanned out once and delivered,
// with its link made absolute; one rolled back leaves no job behind.
func TestRecordedEventsAreFannedOutAndDelivered(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	l := newLedger(t, pool)

	rolledBack := errors.New("the change failed")
	err := db.InTx(context.Background(), pool, func(tx pgx.Tx) error {
		if _, err := events.Record(context.Background(), tx, events.Change{Kind: events.LeadWon,
			Payload: events.Lead{ID: 9, URL: "/leads/9"}}); err != nil {
			return err
		}
		return rolledBack
	})
	if !errors.Is(err, rolledBack) {
		t.Fatal(err)
	}
	if n := count(t, pool, `SELECT count(*) FROM river_job`); n != 0 {
		t.Fatalf("a rolled-back change left %d jobs", n)
	}

	ids := record(t, pool, 3)
	start(t, pool, "one", l)
	waitFor(t, "three deliveries", 20*time.Second, func() bool {
		return count(t, pool, `SELECT count(*) FROM ledger_deliveries WHERE delivered = 1`) == 3
	})
	if n := count(t, pool, `SELECT count(*) FROM events WHERE fanned_out_at IS NOT NULL AND id = ANY($1)`, ids); n != 3 {
		t.Errorf("%d of 3 events marked fanned out", n)
	}
	var url string
	if err := pool.QueryRow(context.Background(), `SELECT url FROM ledger_deliveries WHERE event_id = $1`, ids[0]).Scan(&url); err != nil {
		t.Fatal(err)
	}
	if url != "https://tandem.example.com/leads/1" {
		t.Errorf("the channel saw the link %q, want it absolute", url)
	}
}

// Failed attempts are retried on the channel's schedule until one
// succeeds; an error wrapping ErrGiveUp stops them at once.
func TestDeliveriesRetryAndGiveUp(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	l := newLedger(t, pool)
	ids := record(t, pool, 2)
	var giveUpID atomic.Int64
	l.fail = func(id int64, attempt int) error {
		if id == giveUpID.Load() {
			return fmt.Errorf("410 from the receiver: %w", events.ErrGiveUp)
		}
		if attempt < 3 {
			return errors.New("503 from the receiver")
		}
		return nil
	}
	// Plan both before the system starts, to know which is which.
	start(t, pool, "planner", l)
	waitFor(t, "the deliveries to be planned", 20*time.Second, func() bool {
		return count(t, pool, `SELECT count(*) FROM ledger_deliveries`) == 2
	})
	var second int64
	if err := pool.QueryRow(context.Background(), `SELECT id FROM ledger_deliveries WHERE event_id = $1`, ids[1]).Scan(&second); err != nil {
		t.Fatal(err)
	}
	giveUpID.Store(second)
	waitFor(t, "the retried delivery", 20*time.Second, func() bool {
		return count(t, pool, `SELECT count(*) FROM ledger_deliveries WHERE event_id = $1 AND delivered = 1`, ids[0]) == 1
	})
	if n := count(t, pool, `SELECT attempts FROM ledger_deliveries WHERE event_id = $1`, ids[0]); n != 3 {
		t.Errorf("delivered after %d attempts, want 3 (two failures, one success)", n)
	}
	waitFor(t, "the given-up job to be cancelled", 20*time.Second, func() bool {
		return count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'delivery' AND state = 'cancelled'
			AND (args->>'delivery_id')::bigint = $1`, second) == 1
	})
	if n := count(t, pool, `SELECT delivered FROM ledger_deliveries WHERE id = $1`, second); n != 0 {
		t.Errorf("a refused delivery counted %d successes", n)
	}
}

// Two instances on one database deliver each event exactly once, and a
// delivery whose instance died mid-way is made by the other.
func TestTwoInstancesDeliverEachEventOnceAndSurviveACrash(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	open := func() *pgxpool.Pool {
		p, err := db.Open(context.Background(), url, 10)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	poolA, poolB := open(), open()
	t.Cleanup(poolB.Close) // after B's job system stops: cleanups run last first
	la, lb := newLedger(t, poolA), newLedger(t, poolB)
	// A's first delivery hangs: A is "killed" while making it.
	la.hang = map[int64]chan struct{}{}
	release := make(chan struct{})
	for id := int64(1); id <= 200; id++ {
		la.hang[id] = release
	}
	record(t, poolB, 100)

	sysA, err := jobs.New(poolA, jobs.Options{ID: "a", BaseURL: "https://t.example", Channels: []events.Channel{la},
		PollInterval: 100 * time.Millisecond, RescueAfter: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctxA, killA := context.WithCancel(context.Background())
	if err := sysA.Start(ctxA); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "A to start a delivery", 20*time.Second, func() bool { return la.seen.Load() > 0 })
	start(t, poolB, "b", lb)
	// A dies: its connections go, its running jobs stay "running" in the
	// table until B's rescuer hands them back.
	killA()
	poolA.Close()
	close(release)

	waitFor(t, "all 100 events delivered", 60*time.Second, func() bool {
		return count(t, poolB, `SELECT count(*) FROM ledger_deliveries WHERE delivered >= 1`) == 100
	})
	if n := count(t, poolB, `SELECT count(*) FROM ledger_deliveries`); n != 100 {
		t.Errorf("%d deliveries planned for 100 events", n)
	}
	if n := count(t, poolB, `SELECT count(*) FROM ledger_deliveries WHERE delivered > 1`); n != 0 {
		t.Errorf("%d deliveries made twice", n)
	}
	if n := count(t, poolB, `SELECT count(*) FROM river_job WHERE kind = 'delivery'`); n != 100 {
		t.Errorf("%d delivery jobs for 100 deliveries", n)
	}
}

// A redeliver queues a new job once the delivery's job has finished, but
// not a second one while it is still waiting.
func TestEnqueuerKeepsOneLiveJobPerDelivery(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	enqueue := func() {
		t.Helper()
		if err := db.InTx(context.Background(), pool, func(tx pgx.Tx) error {
			return jobs.Enqueuer{}.EnqueueDelivery(context.Background(), tx, "ledger", 7)
		}); err != nil {
			t.Fatal(err)
		}
	}
	enqueue()
	enqueue()
	if n := count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'delivery'`); n != 1 {
		t.Fatalf("%d jobs for one waiting delivery", n)
	}
	if _, err := pool.Exec(context.Background(), `UPDATE river_job SET state = 'completed', finalized_at = now()`); err != nil {
		t.Fatal(err)
	}
	enqueue()
	if n := count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'delivery' AND state = 'available'`); n != 1 {
		t.Fatalf("redeliver after completion queued %d jobs", n)
	}
}

// Scheduled work runs on the leader at start when asked, and its errors
// do not stop the system.
func TestScheduledWorkRuns(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	var runs atomic.Int64
	sys, err := jobs.New(pool, jobs.Options{PollInterval: 100 * time.Millisecond, Schedule: []jobs.Scheduled{
		{Name: "tick", Every: time.Hour, RunOnStart: true, Run: func(ctx context.Context, now time.Time) error {
			runs.Add(1)
			return errors.New("a failing run is logged, and the next period runs again")
		}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sys.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer sys.Stop(context.Background())
	waitFor(t, "the scheduled run", 30*time.Second, func() bool { return runs.Load() == 1 })
	waitFor(t, "the failed run recorded", 10*time.Second, func() bool {
		return count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'scheduled' AND state = 'discarded'`) == 1
	})

	if _, err := jobs.New(pool, jobs.Options{Schedule: []jobs.Scheduled{{Name: "x", Every: time.Hour}}}); err == nil {
		t.Error("a scheduled job without work was accepted")
	}
}
