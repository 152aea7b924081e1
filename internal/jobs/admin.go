package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"tandem/internal/db"
	"tandem/internal/refusal"
)

// Filter is a group of River's job states as admins think of them.
type Filter string

// The filters of /admin/jobs.
const (
	Queued    Filter = "queued"    // available, scheduled or pending
	Running   Filter = "running"   // being worked now
	Retrying  Filter = "retrying"  // failed, waiting for the next attempt
	Failed    Filter = "failed"    // out of attempts, or given up
	Completed Filter = "completed" // done (River keeps them a day)
)

// Filters lists the filters in the order the page shows them.
var Filters = []Filter{Queued, Running, Retrying, Failed, Completed}

func (f Filter) states() []string {
	switch f {
	case Queued:
		return []string{"available", "scheduled", "pending"}
	case Running:
		return []string{"running"}
	case Retrying:
		return []string{"retryable"}
	case Failed:
		return []string{"discarded", "cancelled"}
	case Completed:
		return []string{"completed"}
	}
	return nil
}

// Valid reports whether f is one of Filters.
func (f Filter) Valid() bool { return f.states() != nil }

// Job is one row of River's table as /admin/jobs shows it.
type Job struct {
	ID          int64
	Kind        string
	Args        string // the job's arguments, compact JSON
	State       string // River's state
	Attempt     int
	MaxAttempts int
	CreatedAt   time.Time
	ScheduledAt time.Time
	FinalizedAt *time.Time
	LastError   string
}

// Retryable reports whether an admin can run the job again now.
func (j Job) Retryable() bool {
	switch j.State {
	case "retryable", "discarded", "cancelled", "scheduled":
		return true
	}
	return false
}

// Admin reads River's table for /admin/jobs and retries jobs through
// River's own API. It works no jobs.
type Admin struct {
	pool   *pgxpool.Pool
	client *river.Client[pgx.Tx]
}

// NewAdmin returns the admin view of the jobs in pool's database.
func NewAdmin(pool *pgxpool.Pool) (*Admin, error) {
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, err
	}
	return &Admin{pool: pool, client: client}, nil
}

// Counts returns how many jobs each filter holds.
func (a *Admin) Counts(ctx context.Context) (map[Filter]int, error) {
	rows, err := a.pool.Query(ctx, `SELECT state::text, count(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, err
	}
	byState, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct {
		state string
		n     int
	}, error) {
		var v struct {
			state string
			n     int
		}
		return v, r.Scan(&v.state, &v.n)
	})
	if err != nil {
		return nil, err
	}
	counts := map[Filter]int{}
	for _, f := range Filters {
		for _, s := range f.states() {
			for _, v := range byState {
				if v.state == s {
					counts[f] += v.n
				}
			}
		}
	}
	return counts, nil
}

// List returns up to limit jobs of the filter, newest first, older than
// the job before (0: from the newest), and whether there are more.
func (a *Admin) List(ctx context.Context, f Filter, before int64, limit int) ([]Job, bool, error) {
	if !f.Valid() {
		return nil, false, refusal.InvalidField("state", fmt.Sprintf("%q is not one of the job lists.", f))
	}
	rows, err := a.pool.Query(ctx, `
		SELECT id, kind, args, state::text, attempt, max_attempts, created_at, scheduled_at, finalized_at,
		       coalesce(errors[array_upper(errors, 1)]->>'error', '')
		FROM river_job
		WHERE state::text = ANY($1) AND ($2::bigint = 0 OR id < $2::bigint)
		ORDER BY id DESC LIMIT $3`, f.states(), before, limit+1)
	if err != nil {
		return nil, false, err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Job, error) {
		var j Job
		var args []byte
		err := r.Scan(&j.ID, &j.Kind, &args, &j.State, &j.Attempt, &j.MaxAttempts, &j.CreatedAt, &j.ScheduledAt,
			&j.FinalizedAt, &j.LastError)
		j.Args = compact(args)
		return j, err
	})
	if err != nil {
		return nil, false, err
	}
	more := len(list) > limit
	if more {
		list = list[:limit]
	}
	return list, more, nil
}

func compact(raw []byte) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Retry makes the job available to run now, whatever attempts it used.
// A job that is running or already done is refused.
func (a *Admin) Retry(ctx context.Context, id int64) error {
	var state string
	err := a.pool.QueryRow(ctx, `SELECT state::text FROM river_job WHERE id = $1`, id).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return db.ErrNotFound
	}
	if err != nil {
		return err
	}
	if !(Job{State: state}).Retryable() {
		return refusal.Conflicts(fmt.Sprintf("This job is %s; only a queued, retrying or failed job can be retried.", stateWords(state)))
	}
	if _, err := a.client.JobRetry(ctx, id); errors.Is(err, rivertype.ErrNotFound) {
		return db.ErrNotFound
	} else if err != nil {
		return err
	}
	return nil
}

func stateWords(state string) string {
	switch state {
	case "running":
		return "running now"
	case "completed":
		return "already done"
	}
	return state
}
