package tokens_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tandem/internal/testdb"
	"tandem/internal/tokens"
	"tandem/internal/users"
)

// A key whose request failed unexpectedly is released: the retry runs the
// request again instead of waiting on a response that never comes.
func TestReleasedKeyRunsAgain(t *testing.T) {
	ctx := context.Background()
	pool := testdb.New(t)
	us, ts := users.NewStore(pool), tokens.NewStore(pool)
	u := newUser(t, us, "owner@example.com", users.Marketing, users.Member)
	tok, _, err := ts.CreatePersonal(ctx, users.Actor{UserID: u.ID}, u.ID, tokens.New{Name: "CI", Scopes: []tokens.Scope{tokens.Write}})
	if err != nil {
		t.Fatal(err)
	}
	hash := []byte("body hash")
	if st, err := ts.Claim(ctx, tok.ID, "k1", hash); err != nil || st != nil {
		t.Fatalf("first claim: %+v %v", st, err)
	}
	if _, err := ts.Claim(ctx, tok.ID, "k1", hash); !errors.Is(err, tokens.ErrKeyInFlight) {
		t.Fatalf("second claim while in flight: %v, want ErrKeyInFlight", err)
	}
	if err := ts.Release(ctx, tok.ID, "k1"); err != nil {
		t.Fatal(err)
	}
	if st, err := ts.Claim(ctx, tok.ID, "k1", hash); err != nil || st != nil {
		t.Errorf("claim after release: %+v %v, want a fresh claim", st, err)
	}
}

// A claim whose instance died mid-request (no answer, no release) is
// taken over by a retry once it is older than any request may run.
func TestAbandonedClaimIsTakenOver(t *testing.T) {
	ctx := context.Background()
	pool := testdb.New(t)
	us, ts := users.NewStore(pool), tokens.NewStore(pool)
	u := newUser(t, us, "owner@example.com", users.Marketing, users.Member)
	tok, _, err := ts.CreatePersonal(ctx, users.Actor{UserID: u.ID}, u.ID, tokens.New{Name: "CI", Scopes: []tokens.Scope{tokens.Write}})
	if err != nil {
		t.Fatal(err)
	}
	hash := []byte("body hash")
	if _, err := ts.Claim(ctx, tok.ID, "k1", hash); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE api_idempotency SET created_at = now() - $1::interval`, tokens.AbandonedClaim+time.Second); err != nil {
		t.Fatal(err)
	}
	if st, err := ts.Claim(ctx, tok.ID, "k1", hash); err != nil || st != nil {
		t.Errorf("retry after an abandoned claim: %+v %v, want a fresh claim", st, err)
	}
	// An answered key is not taken over, however old within its lifetime.
	if err := ts.Finish(ctx, tok.ID, "k1", tokens.Stored{Status: ptr(201), ContentType: "application/json", Body: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE api_idempotency SET created_at = now() - interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	if st, err := ts.Claim(ctx, tok.ID, "k1", hash); err != nil || st == nil || *st.Status != 201 {
		t.Errorf("retry of an answered key: %+v %v, want the kept 201", st, err)
	}
}

func ptr[T any](v T) *T { return &v }

// Purge forgets idempotency keys past their lifetime and old rate windows,
// and keeps the rest.
func TestPurgeForgetsOldKeysAndWindows(t *testing.T) {
	ctx := context.Background()
	pool := testdb.New(t)
	us, ts := users.NewStore(pool), tokens.NewStore(pool)
	u := newUser(t, us, "owner@example.com", users.Marketing, users.Member)
	tok, _, err := ts.CreatePersonal(ctx, users.Actor{UserID: u.ID}, u.ID, tokens.New{Name: "CI", Scopes: []tokens.Scope{tokens.Write}})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"old", "new"} {
		if _, err := ts.Claim(ctx, tok.ID, key, []byte(key)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `UPDATE api_idempotency SET created_at = now() - interval '25 hours' WHERE key = 'old'`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ts.Hit(ctx, tok.ID, 10, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ts.Hit(ctx, tok.ID, 10, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := ts.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	var keys []string
	rows, _ := pool.Query(ctx, `SELECT key FROM api_idempotency ORDER BY key`)
	for rows.Next() {
		var k string
		_ = rows.Scan(&k)
		keys = append(keys, k)
	}
	if rows.Err() != nil || len(keys) != 1 || keys[0] != "new" {
		t.Errorf("keys after purge: %v (%v), want [new]", keys, rows.Err())
	}
	var windows int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM api_rate`).Scan(&windows); err != nil || windows != 1 {
		t.Errorf("rate windows after purge: %d (%v), want 1", windows, err)
	}
}
