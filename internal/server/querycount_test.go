package server

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/testdb/demo"
)

// queryCounter counts the statements a pool runs for HTTP requests: the
// cache's heartbeat and the scheduled jobs share the pool but not the
// request's context.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	if ctx.Value(http.ServerContextKey) != nil {
		c.n.Add(1)
	}
	return ctx
}

func (c *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Pages are built from a fixed number of queries, however many rows they
// show: more leads, events and feedback must not add queries (no N+1).
func TestQueriesPerPageDoNotGrowWithData(t *testing.T) {
	t.Parallel()
	cfg, err := pgxpool.ParseConfig(demo.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	counter := &queryCounter{}
	cfg.ConnConfig.Tracer = counter
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	e := newTestEnvOn(t, pool, nil)
	c := e.client()
	c.login("sales.manager@example.com")

	pages := []string{"/", "/?lens=sales", "/leads", "/leads?stage=won", "/leads/queue", "/feedback", "/kpis"}
	// Counted with the in-process caches empty, as on the first page
	// after a change: what memory saves is checked below.
	count := func(path string) int64 {
		wantStatus(t, c.get(path), http.StatusOK) // warm: the KPI snapshot exists
		e.srv.cache.WaitAhead()                   // no earlier page's load in the background counts
		e.srv.cache.FlushAll()
		before := counter.n.Load()
		wantStatus(t, c.get(path), http.StatusOK)
		return counter.n.Load() - before
	}
	small := map[string]int64{}
	for _, p := range pages {
		small[p] = count(p)
	}
	// Triple the leads (with their events) and the feedback.
	for _, q := range []string{
		`INSERT INTO leads (company, contact_name, email, stage, created_at, owner_id, handed_off_at)
		 SELECT 'More ' || g, 'C', 'more' || g || '@x.example', 'handed_off', now() - g * interval '1 minute',
		        (SELECT id FROM users WHERE email = 'rep@example.com'), now() - g * interval '1 minute'
		 FROM generate_series(1, 5000) g`,
		`INSERT INTO lead_events (lead_id, kind, to_stage) SELECT id, 'created', 'new' FROM leads WHERE email LIKE 'more%'`,
		`INSERT INTO feedback_items (reporter_id, reporter_team, customer, product, theme_id, sentiment, chain_link, customer_words, ack_due_at)
		 SELECT reporter_id, reporter_team, customer, product, theme_id, sentiment, chain_link, customer_words, ack_due_at
		 FROM feedback_items, generate_series(1, 3)`,
	} {
		if _, err := e.pool.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range pages {
		if got := count(p); got != small[p] {
			t.Errorf("%s: %d queries with the demo data, %d with more rows", p, small[p], got)
		}
		if small[p] == 0 {
			t.Errorf("%s: no query counted; the counter is not seeing the requests", p)
		}
		if small[p] > 20 {
			t.Errorf("%s runs %d queries", p, small[p])
		}
	}
	t.Logf("queries per page: %v", small)

	// From memory, the session, the header's counts and the currency
	// cost no query.
	wantStatus(t, c.get("/leads"), http.StatusOK)
	e.srv.cache.WaitAhead()
	before := counter.n.Load()
	wantStatus(t, c.get("/leads"), http.StatusOK)
	if warm := counter.n.Load() - before; warm > small["/leads"]-4 {
		t.Errorf("/leads runs %d queries with warm caches, %d cold: the caches saved too little", warm, small["/leads"])
	}
}
