package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/testdb"
)

// A real serialization failure (40001) on the first run: the transaction
// runs again, sees the other write, and commits on top of it.
func TestInTxRetryRunsAgainAfterASerializationFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	if _, err := pool.Exec(ctx, `CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counter VALUES (1, 0)`); err != nil {
		t.Fatal(err)
	}
	runs := 0
	err := db.InTxRetry(ctx, pool, func(tx pgx.Tx) error {
		runs++
		if _, err := tx.Exec(ctx, `SET TRANSACTION ISOLATION LEVEL SERIALIZABLE`); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT n FROM counter WHERE id = 1`).Scan(&n); err != nil {
			return err
		}
		if runs == 1 {
			// Another session commits a change after this snapshot.
			if _, err := pool.Exec(ctx, `UPDATE counter SET n = n + 10 WHERE id = 1`); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE counter SET n = $1 WHERE id = 1`, n+1)
		return err
	})
	if err != nil {
		t.Fatalf("InTxRetry: %v", err)
	}
	if runs != 2 {
		t.Errorf("fn ran %d times, want 2 (the first failed with 40001)", runs)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT n FROM counter WHERE id = 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 11 {
		t.Errorf("counter is %d, want 11: the retry must build on the other session's write", n)
	}
}

// Two transactions locking two rows in opposite order deadlock; PostgreSQL
// aborts one with 40P01 and InTxRetry runs it again, so both succeed.
func TestInTxRetryRunsAgainAfterADeadlock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	if _, err := pool.Exec(ctx, `CREATE TABLE pair (id int PRIMARY KEY, n int NOT NULL); INSERT INTO pair VALUES (1, 0), (2, 0)`); err != nil {
		t.Fatal(err)
	}
	var firstLocks sync.WaitGroup
	firstLocks.Add(2)
	var mu sync.Mutex
	runs := 0
	order := func(first, second int) error {
		attempt := 0
		return db.InTxRetry(ctx, pool, func(tx pgx.Tx) error {
			attempt++
			mu.Lock()
			runs++
			mu.Unlock()
			if _, err := tx.Exec(ctx, `UPDATE pair SET n = n + 1 WHERE id = $1`, first); err != nil {
				return err
			}
			if attempt == 1 {
				// Both hold their first row before either asks for its second.
				firstLocks.Done()
				firstLocks.Wait()
			}
			_, err := tx.Exec(ctx, `UPDATE pair SET n = n + 1 WHERE id = $1`, second)
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- order(1, 2) }()
	go func() { errs <- order(2, 1) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("InTxRetry: %v", err)
		}
	}
	if runs < 3 {
		t.Errorf("%d runs in all, want at least 3 (one deadlock victim runs again)", runs)
	}
	var sum int
	if err := pool.QueryRow(ctx, `SELECT sum(n) FROM pair`).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if sum != 4 {
		t.Errorf("sum %d, want 4: each transaction counts once", sum)
	}
}

// Other errors are returned at once; a retry that never clears stops after
// db.TxAttempts runs.
func TestInTxRetryIsBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	runs := 0
	boom := errors.New("boom")
	if err := db.InTxRetry(ctx, pool, func(pgx.Tx) error { runs++; return boom }); !errors.Is(err, boom) || runs != 1 {
		t.Errorf("plain error: %v after %d runs, want boom after 1", err, runs)
	}
	runs = 0
	if err := db.InTxRetry(ctx, pool, func(pgx.Tx) error { runs++; return db.ErrRetryTx }); !errors.Is(err, db.ErrRetryTx) || runs != db.TxAttempts {
		t.Errorf("endless retry: %v after %d runs, want ErrRetryTx after %d", err, runs, db.TxAttempts)
	}
}
