// Package jobs is Tandem's one job system: River on PostgreSQL. It fans
// recorded events out to the delivery channels, makes the deliveries with
// retries, and runs the scheduled work (the weekly digest, the SLA scan,
// KPI snapshot refreshes, daily mail summaries, housekeeping). Jobs live in
// the database, so several `tandem serve` instances share them: each job
// runs on one instance at a time, and scheduled jobs are enqueued by the
// one instance River elects leader.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"tandem/internal/events"
	"tandem/internal/kpi"
	"tandem/internal/leads"
	"tandem/internal/queue"
)

// Scheduled is one piece of work run on a schedule by whichever instance
// leads: Every says how often (Daily for a time of day), Run does it.
type Scheduled struct {
	Name  string // e.g. "digest", the job's args on /admin/jobs
	Every time.Duration
	// Daily, when set, replaces Every: the next run is at this time of
	// day in Location (e.g. 7 * time.Hour for 07:00).
	Daily    *time.Duration
	Location *time.Location
	// RunOnStart also runs it as soon as the leader starts.
	RunOnStart bool
	Run        func(ctx context.Context, now time.Time) error
}

// Options are what the job system works with.
type Options struct {
	Log      *slog.Logger
	BaseURL  string // makes the events' paths absolute before channels see them
	Channels []events.Channel
	KPI      *kpi.Engine // works the snapshot refreshes the pages ask for
	// Ladder fires the escalation steps scheduled at handoff.
	Ladder   *leads.Ladder
	Schedule []Scheduled
	// Workers bounds the jobs one instance runs at once.
	Workers int
	// RescueAfter is how long a job may run before River assumes its
	// instance died and runs it again (River's default is an hour).
	RescueAfter time.Duration
	// ID names this instance's client in River's tables and logs.
	ID string
	// PollInterval, when set, is how often the client looks for new jobs
	// besides LISTEN/NOTIFY (tests shorten it).
	PollInterval time.Duration
}

// System is the running job system of one instance.
type System struct {
	client *river.Client[pgx.Tx]
	log    *slog.Logger
}

// deliveryAttempts bounds the retries of a delivery. The channels give up
// on their own after 24 hours (events.ErrGiveUp); this is the backstop.
const deliveryAttempts = 40

// New builds the job system over pool; Start runs it.
func New(pool *pgxpool.Pool, o Options) (*System, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Workers <= 0 {
		// Deliveries mostly wait on other systems' answers: many cheap
		// goroutines, bounded by the pool's connections where they touch
		// the database.
		o.Workers = 50
	}
	if o.RescueAfter == 0 {
		o.RescueAfter = 10 * time.Minute
	}
	// A job is given at most half the rescue time, so a slow job is
	// cancelled before anyone takes it for dead and runs it again.
	jobTimeout := min(2*time.Minute, o.RescueAfter/2)
	workers := river.NewWorkers()
	channels := map[string]events.Channel{}
	for _, c := range o.Channels {
		channels[c.Name()] = c
	}
	river.AddWorker(workers, &fanOutWorker{pool: pool, channels: o.Channels, baseURL: o.BaseURL})
	river.AddWorker(workers, &deliveryWorker{channels: channels, timeout: min(time.Minute, jobTimeout)})
	if o.KPI != nil {
		river.AddWorker(workers, &kpiRefreshWorker{engine: o.KPI, log: o.Log})
	}
	if o.Ladder != nil {
		river.AddWorker(workers, &escalationWorker{ladder: o.Ladder})
	}
	var periodic []*river.PeriodicJob
	scheduled := map[string]Scheduled{}
	for _, s := range o.Schedule {
		if s.Run == nil || s.Name == "" || scheduled[s.Name].Run != nil {
			return nil, fmt.Errorf("scheduled job %q has no name, no work or a twin", s.Name)
		}
		scheduled[s.Name] = s
		periodic = append(periodic, s.periodicJob())
	}
	river.AddWorker(workers, &scheduledWorker{jobs: scheduled})
	cfg := &river.Config{
		ID:                   o.ID,
		Logger:               o.Log.With("component", "jobs"),
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}},
		Workers:              workers,
		PeriodicJobs:         periodic,
		RescueStuckJobsAfter: o.RescueAfter,
		JobTimeout:           jobTimeout,
		FetchPollInterval:    o.PollInterval,
		// A fetch takes at most the free workers' worth of jobs; River's
		// default pause of 100 ms between fetches would cap an instance
		// at a few hundred jobs a second.
		FetchCooldown: 20 * time.Millisecond,
		// Event jobs come from the insert-only client of internal/queue,
		// which cannot check kinds; this client works only what it knows.
		SkipUnknownJobCheck: true,
	}
	client, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("job system: %w", err)
	}
	return &System{client: client, log: o.Log}, nil
}

// Start begins working jobs; it returns at once.
func (s *System) Start(ctx context.Context) error { return s.client.Start(ctx) }

// Stop lets the running jobs finish (until ctx ends, when they are
// cancelled and retried later, here or on another instance) and stops.
func (s *System) Stop(ctx context.Context) error {
	err := s.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return s.client.StopAndCancel(context.Background())
	}
	return err
}

// Enqueuer queues deliveries in a caller's transaction: what a channel's
// "redeliver" uses.
type Enqueuer struct{}

// EnqueueDelivery implements events.Enqueuer.
func (Enqueuer) EnqueueDelivery(ctx context.Context, tx pgx.Tx, channel string, deliveryID int64) error {
	_, err := queue.Insert(ctx, tx, DeliveryArgs{Channel: channel, DeliveryID: deliveryID}, deliveryOpts())
	return err
}

var _ events.Enqueuer = Enqueuer{}

// DeliveryArgs is the job that makes one delivery of one channel.
type DeliveryArgs struct {
	Channel    string `json:"channel"`
	DeliveryID int64  `json:"delivery_id"`
}

// Kind is the job's name in River's table.
func (DeliveryArgs) Kind() string { return "delivery" }

// deliveryOpts keeps one live job per delivery: a redeliver while the
// delivery is still queued or retrying adds nothing, one after it finished
// queues it again.
func deliveryOpts() *river.InsertOpts {
	return &river.InsertOpts{
		MaxAttempts: deliveryAttempts,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled,
		}},
	}
}
