package feedback

import (
	"context"
	"testing"
	"time"

	"tandem/internal/testdb"
	"tandem/internal/users"
)

// BenchmarkList measures the list's queries on 20,000 items with 40,000
// +1s: go test -run '^$' -bench List ./internal/feedback/
func BenchmarkList(b *testing.B) {
	ctx := context.Background()
	pool := testdb.New(b)
	loc, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, loc)
	store := NewStore(pool, loc).WithClock(func() time.Time { return now })
	_, err := pool.Exec(ctx, `
		INSERT INTO users (email, name, team, role)
		SELECT 'u' || i || '@example.com', 'User ' || i, (ARRAY['sales', 'marketing', 'service'])[1 + i % 3], 'member'
		FROM generate_series(1, 60) i`)
	if err != nil {
		b.Fatal(err)
	}
	_, err = pool.Exec(ctx, `
		INSERT INTO feedback_items (reporter_id, reporter_team, customer, product, theme_id, sentiment, chain_link,
			customer_words, reporter_note, status, status_at, responded_at, acknowledged_at, ack_due_at, created_at)
		SELECT u.id, u.team, 'Customer ' || (i % 700), (ARRAY['FleetLink Tracker', 'Insight Dashboard', 'ColdChain Sensor S2'])[1 + i % 3],
			(SELECT min(id) FROM feedback_themes) + i % 12, (ARRAY['negative', 'neutral', 'positive'])[1 + i % 3],
			(ARRAY['promise', 'expectation', 'experience'])[1 + i % 3],
			(ARRAY['The invoice was wrong again and nobody called back.', 'Installation took three weeks instead of an afternoon.',
			       'The sensors read two degrees too low below zero.', 'We love the new driver app but miss geofences per driver.',
			       'The ad promised an Excel export that does not exist.'])[1 + i % 5] || ' Case ' || i,
			CASE WHEN i % 4 = 0 THEN 'Heard at the trade fair.' ELSE '' END,
			CASE WHEN i % 10 = 0 THEN 'new' ELSE (ARRAY['acknowledged', 'planned', 'acted_on', 'declined'])[1 + i % 4] END,
			t, CASE WHEN i % 10 = 0 THEN NULL ELSE t + interval '1 day' END,
			CASE WHEN i % 10 = 0 THEN NULL ELSE t + interval '1 day' END, t + interval '2 days', t
		FROM generate_series(1, 20000) i
		CROSS JOIN LATERAL (SELECT $1::timestamptz - (i % 365) * interval '1 day' - (i % 7) * interval '1 hour' AS t) x
		JOIN users u ON u.email = 'u' || (1 + i % 60) || '@example.com'`, now)
	if err != nil {
		b.Fatal(err)
	}
	_, err = pool.Exec(ctx, `INSERT INTO feedback_heard (item_id, user_id)
		SELECT f.id, u.id FROM feedback_items f JOIN users u ON u.id <> f.reporter_id AND (f.id + u.id) % 30 = 0`)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	var items, heard int
	_ = pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM feedback_items), (SELECT count(*) FROM feedback_heard)`).Scan(&items, &heard)
	b.Logf("%d items, %d +1s", items, heard)
	cases := []struct {
		name string
		f    Filter
	}{
		{"newest", Filter{Sort: SortNewest}},
		{"most heard", Filter{Sort: SortHeard}},
		{"waiting longest", Filter{Sort: SortWaiting}},
		{"search ranked", Filter{Query: "invoice wrong", Sort: SortRelevance}},
		{"search + filters", Filter{Query: "sensors", Sentiment: Negative, Team: users.Service, Sort: SortRelevance}},
		{"waiting too long", Filter{Overdue: true}},
		{"page 40", Filter{Sort: SortNewest, Page: 40}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := store.List(ctx, tc.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("board", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.Board(ctx, Filter{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("trends", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.Trends(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("products", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.Products(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
