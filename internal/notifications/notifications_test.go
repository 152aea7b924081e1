package notifications_test

import (
	"context"
	"testing"
	"time"

	"tandem/internal/notifications"
	"tandem/internal/testdb"
)

// The list reads newest first by when things happened, also when rows were
// written out of order (the demo data and backfills set created_at), and
// paging through it shows every notification once.
func TestListIsInTimeOrderAcrossPages(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	var uid int64
	if err := pool.QueryRow(ctx, `INSERT INTO users (email, name, team, role) VALUES ('n@example.com', 'N', 'sales', 'member')
		RETURNING id`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	n := notifications.PageSize + 5
	for i := range n {
		if err := notifications.Send(ctx, pool, []int64{uid}, 0, "test", "note", "/"); err != nil {
			t.Fatal(err)
		}
		// Ids ascend while the times jump back and forth.
		at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration((i*17)%n) * time.Hour)
		if _, err := pool.Exec(ctx, `UPDATE notifications SET created_at = $1 WHERE id = (SELECT max(id) FROM notifications)`, at); err != nil {
			t.Fatal(err)
		}
	}
	store := notifications.NewStore(pool)
	first, more, err := store.List(ctx, uid, 0)
	if err != nil || !more || len(first) != notifications.PageSize {
		t.Fatalf("first page: %d items, more %v, err %v", len(first), more, err)
	}
	second, more, err := store.List(ctx, uid, first[len(first)-1].ID)
	if err != nil || more || len(second) != 5 {
		t.Fatalf("second page: %d items, more %v, err %v", len(second), more, err)
	}
	all := append(first, second...)
	seen := map[int64]bool{}
	for i, x := range all {
		if seen[x.ID] {
			t.Errorf("notification %d listed twice", x.ID)
		}
		seen[x.ID] = true
		if i > 0 && x.CreatedAt.After(all[i-1].CreatedAt) {
			t.Errorf("item %d (%s) is newer than the one before it (%s)", i, x.CreatedAt, all[i-1].CreatedAt)
		}
	}
}
