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

// CancelWaiting cancels, in tx, the jobs of kind not yet running whose
// args contain match (e.g. {"lead_id": 7}): work a change made pointless.
// A job already running is not stopped; it must see the change itself.
func CancelWaiting(ctx context.Context, tx pgx.Tx, kind string, match map[string]any) error {
	client, err := inserter()
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT id FROM river_job
		WHERE kind = $1 AND args @> $2 AND state IN ('available', 'scheduled', 'retryable', 'pending')`, kind, match)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := client.JobCancelTx(ctx, tx, id); err != nil {
			return fmt.Errorf("cancel %s job %d: %w", kind, id, err)
		}
	}
	return nil
}
