package users_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tandem/internal/testdb"
	"tandem/internal/users"
)

// The purge removes only what can no longer be used: sessions past their
// lifetime or idle too long, sign-in failures outside the throttle window,
// and set-password links expired for a month.
func TestPurgeExpiredRemovesOnlyDeadRows(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	var uid int64
	if err := pool.QueryRow(ctx, `INSERT INTO users (email, name, team, role) VALUES ('p@example.com', 'P', 'sales', 'member')
		RETURNING id`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{`
		INSERT INTO sessions (token_hash, user_id, csrf_token, last_seen_at, expires_at) VALUES
			('\x01', $1, 'a', now(), now() + interval '1 day'),              -- live
			('\x02', $1, 'b', now(), now() - interval '1 minute'),           -- past its lifetime
			('\x03', $1, 'c', now() - interval '13 hours', now() + interval '1 day') -- idle too long`, `
		INSERT INTO login_failures (email, ip, at) VALUES
			('p@example.com', '127.0.0.1', now() - interval '1 minute'),
			('p@example.com', '127.0.0.1', now() - interval '16 minutes')`, `
		INSERT INTO password_tokens (token_hash, user_id, expires_at) VALUES
			('\x01', $1, now() + interval '1 day'),
			('\x02', $1, now() - interval '1 day'),
			('\x03', $1, now() - interval '31 days')`} {
		args := []any{uid}
		if !strings.Contains(sql, "$1") {
			args = nil
		}
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	store := users.NewStore(pool)
	if err := store.PurgeExpired(ctx, users.SessionPolicy{Idle: 12 * time.Hour, Lifetime: 7 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	var sessions, failures, tokens string
	if err := pool.QueryRow(ctx, `SELECT
		(SELECT string_agg(encode(token_hash, 'hex'), ',' ORDER BY token_hash) FROM sessions),
		(SELECT count(*)::text FROM login_failures),
		(SELECT string_agg(encode(token_hash, 'hex'), ',' ORDER BY token_hash) FROM password_tokens)`).
		Scan(&sessions, &failures, &tokens); err != nil {
		t.Fatal(err)
	}
	if sessions != "01" || failures != "1" || tokens != "01,02" {
		t.Errorf("after the purge: sessions %s, failures %s, links %s; want 01, 1, 01,02", sessions, failures, tokens)
	}
}
