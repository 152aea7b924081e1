// Package queue puts jobs on River's table inside the caller's transaction,
// so a job exists exactly when the change that asks for it commits. It runs
// nothing: internal/jobs holds the workers and the client that works them.
// Domain packages depend on this small package, never on internal/jobs.
package queue

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// inserter has no pool: it only writes through the transactions it is
// given. Job kinds are checked by the client that works them, not here.
var inserter = sync.OnceValues(func() (*river.Client[pgx.Tx], error) {
	return river.NewClient(riverpgxv5.New(nil), &river.Config{SkipUnknownJobCheck: true})
})

// Insert queues one job in tx. It reports whether a job was inserted:
// false when a unique job like it is already waiting.
func Insert(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (bool, error) {
	client, err := inserter()
	if err != nil {
		return false, err
	}
	res, err := client.InsertTx(ctx, tx, args, opts)
	if err != nil {
		return false, fmt.Errorf("queue %s: %w", args.Kind(), err)
	}
	return !res.UniqueSkippedAsDuplicate, nil
}

// InsertMany queues several jobs in tx with one statement.
func InsertMany(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	client, err := inserter()
	if err != nil {
		return err
	}
	if _, err := client.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("queue %d jobs: %w", len(params), err)
	}
	return nil
}
