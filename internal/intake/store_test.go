package intake_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"tandem/internal/intake"
	"tandem/internal/testdb"
)

func TestConcurrentDuplicatesMakeOneLead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	var by int64
	if err := pool.QueryRow(ctx, `INSERT INTO users (email, name, team, role) VALUES ('m@example.com', 'M', 'marketing', 'manager')
		RETURNING id`).Scan(&by); err != nil {
		t.Fatal(err)
	}
	store := intake.NewStore(pool)
	f := intake.DefaultForm()
	f.Name, f.Slug = "Site", "site"
	src, err := store.Create(ctx, by, f)
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	var wg sync.WaitGroup
	results := make([]intake.Result, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = store.Submit(ctx, src, intake.ViaWebhook,
				intake.Fields{"company": "Race Co", "name": "R", "email": "race@example.com"})
		}()
	}
	wg.Wait()
	created := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if results[i].Outcome == intake.Created {
			created++
		}
	}
	var leads, logged int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM leads), (SELECT count(*) FROM intake_submissions)`).Scan(&leads, &logged); err != nil {
		t.Fatal(err)
	}
	if created != 1 || leads != 1 || logged != n {
		t.Errorf("%d created, %d leads, %d logged; want 1, 1, %d", created, leads, logged, n)
	}

	// The rate limit counts every instance's submissions in one window.
	src.RatePerMinute = 2
	now := time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC)
	for i, want := range []time.Duration{0, 0, 30 * time.Second} {
		if got, err := store.Allow(ctx, src, now); err != nil || got != want {
			t.Errorf("submission %d: retry after %v (%v), want %v", i+1, got, err, want)
		}
	}
	if got, _ := store.Allow(ctx, src, now.Add(time.Minute)); got != 0 {
		t.Errorf("the next minute is limited too: %v", got)
	}
}
