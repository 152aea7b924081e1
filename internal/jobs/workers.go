package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"tandem/internal/events"
	"tandem/internal/kpi"
	"tandem/internal/leads"
	"tandem/internal/queue"
)

// fanOutWorker plans an event's deliveries on every channel and queues
// them, in one transaction that also completes the job: the deliveries
// are queued exactly once even if the job runs twice.
type fanOutWorker struct {
	river.WorkerDefaults[events.FanOutArgs]
	pool     *pgxpool.Pool
	channels []events.Channel
	baseURL  string
}

func (w *fanOutWorker) Work(ctx context.Context, job *river.Job[events.FanOutArgs]) error {
	return pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
		ev, done, err := lockEvent(ctx, tx, job.Args.EventID)
		if errors.Is(err, pgx.ErrNoRows) {
			done = true // the event went with its subject (a deleted user): nothing to tell
		} else if err != nil {
			return err
		}
		if !done {
			if err := w.plan(ctx, tx, ev); err != nil {
				return err
			}
		}
		_, err = river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
		return err
	})
}

func (w *fanOutWorker) plan(ctx context.Context, tx pgx.Tx, ev events.Event) error {
	data, err := absoluteURLs(ev.Data, w.baseURL)
	if err != nil {
		return fmt.Errorf("event %d: %w", ev.ID, err)
	}
	ev.Data = data
	var deliveries []river.InsertManyParams
	for _, c := range w.channels {
		ids, err := c.Plan(ctx, tx, ev)
		if err != nil {
			return fmt.Errorf("plan %s deliveries of event %d: %w", c.Name(), ev.ID, err)
		}
		for _, id := range ids {
			deliveries = append(deliveries, river.InsertManyParams{
				Args: DeliveryArgs{Channel: c.Name(), DeliveryID: id}, InsertOpts: deliveryOpts()})
		}
	}
	if err := queue.InsertMany(ctx, tx, deliveries); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE events SET fanned_out_at = now() WHERE id = $1`, ev.ID)
	return err
}

// lockEvent reads the event and locks it against a concurrent fan-out.
func lockEvent(ctx context.Context, tx pgx.Tx, id int64) (ev events.Event, done bool, err error) {
	err = tx.QueryRow(ctx, `
		SELECT id, kind, occurred_at, actor_id, audience, teams, data, fanned_out_at IS NOT NULL
		FROM events WHERE id = $1 FOR UPDATE`, id).
		Scan(&ev.ID, &ev.Kind, &ev.OccurredAt, &ev.ActorID, &ev.Audience, &ev.Teams, &ev.Data, &done)
	return ev, done, err
}

// absoluteURLs turns the payload's link paths ("/leads/7") into links a
// message outside Tandem can carry.
func absoluteURLs(data json.RawMessage, baseURL string) (json.RawMessage, error) {
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("payload is not a JSON object: %w", err)
	}
	changed := false
	base := strings.TrimRight(baseURL, "/")
	for k, v := range fields {
		if s, ok := v.(string); ok && strings.HasSuffix(k, "url") && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
			fields[k], changed = base+s, true
		}
	}
	if !changed {
		return data, nil
	}
	return json.Marshal(fields)
}

// retryPolicy is implemented by a channel with its own backoff (webhooks
// follow theirs for 24 hours).
type retryPolicy interface {
	NextRetry(attempt int) time.Duration
}

// deliveryWorker makes one attempt of one delivery.
type deliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	channels map[string]events.Channel
	timeout  time.Duration
}

func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	c, ok := w.channels[job.Args.Channel]
	if !ok {
		// Another instance may have the channel configured; retry there.
		return fmt.Errorf("channel %q is not configured on this instance", job.Args.Channel)
	}
	err := c.Deliver(ctx, job.Args.DeliveryID, job.Attempt)
	if errors.Is(err, events.ErrGiveUp) {
		return river.JobCancel(err)
	}
	return err
}

func (w *deliveryWorker) NextRetry(job *river.Job[DeliveryArgs]) time.Time {
	if p, ok := w.channels[job.Args.Channel].(retryPolicy); ok {
		return time.Now().Add(p.NextRetry(job.Attempt))
	}
	return time.Time{} // River's default backoff
}

func (w *deliveryWorker) Timeout(*river.Job[DeliveryArgs]) time.Duration { return w.timeout }

// kpiRefreshWorker recomputes the snapshot a page found stale.
type kpiRefreshWorker struct {
	river.WorkerDefaults[kpi.RefreshArgs]
	engine *kpi.Engine
	log    *slog.Logger
}

func (w *kpiRefreshWorker) Work(ctx context.Context, job *river.Job[kpi.RefreshArgs]) error {
	return w.engine.Refresh(ctx, job.Args, w.log)
}

// escalationWorker fires one step of the escalation ladder at its moment.
type escalationWorker struct {
	river.WorkerDefaults[leads.EscalationArgs]
	ladder *leads.Ladder
}

func (w *escalationWorker) Work(ctx context.Context, job *river.Job[leads.EscalationArgs]) error {
	_, err := w.ladder.Fire(ctx, job.Args, time.Now())
	return err
}

// ScheduledArgs is the job of one scheduled piece of work.
type ScheduledArgs struct {
	Name string `json:"name"`
}

// Kind is the job's name in River's table.
func (ScheduledArgs) Kind() string { return "scheduled" }

type scheduledWorker struct {
	river.WorkerDefaults[ScheduledArgs]
	jobs map[string]Scheduled
}

func (w *scheduledWorker) Work(ctx context.Context, job *river.Job[ScheduledArgs]) error {
	s, ok := w.jobs[job.Args.Name]
	if !ok {
		return river.JobCancel(fmt.Errorf("no scheduled job %q on this instance", job.Args.Name))
	}
	return s.Run(ctx, time.Now())
}

// periodicJob is the River schedule of s. Its jobs are unique per period,
// so a change of leader in the middle of a period does not run it twice;
// a failed run of a frequent job is not retried, the next period is.
func (s Scheduled) periodicJob() *river.PeriodicJob {
	var schedule river.PeriodicSchedule = river.PeriodicInterval(s.Every)
	period, attempts := s.Every, 1
	if s.Daily != nil {
		schedule, period, attempts = dailyAt{at: *s.Daily, loc: s.Location}, 12*time.Hour, 5
	}
	name := s.Name
	return river.NewPeriodicJob(schedule, func() (river.JobArgs, *river.InsertOpts) {
		return ScheduledArgs{Name: name}, &river.InsertOpts{MaxAttempts: attempts,
			UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: period}}
	}, &river.PeriodicJobOpts{ID: name, RunOnStart: s.RunOnStart})
}

// dailyAt is a time of day in a timezone, as a River schedule: DST moves
// the instant, not the wall-clock time.
type dailyAt struct {
	at  time.Duration
	loc *time.Location
}

func (d dailyAt) Next(after time.Time) time.Time {
	loc := d.loc
	if loc == nil {
		loc = time.UTC
	}
	t := after.In(loc)
	h, m := int(d.at/time.Hour), int(d.at%time.Hour/time.Minute)
	next := time.Date(t.Year(), t.Month(), t.Day(), h, m, 0, 0, loc)
	if !next.After(after) {
		next = time.Date(t.Year(), t.Month(), t.Day()+1, h, m, 0, 0, loc)
	}
	return next
}
