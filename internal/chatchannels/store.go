package chatchannels

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/refusal"
)

// Options are what NewStore needs besides the pool.
type Options struct {
	// Client posts the messages. `tandem serve` passes one that refuses
	// private and loopback addresses at connect time; nil is a plain
	// client with a timeout, for tests.
	Client *http.Client
	// Now is the clock of the 24-hour rule; nil is time.Now.
	Now func() time.Time
	// BaseURL makes the events' link paths absolute, as the fan-out
	// does, for deliveries and test messages.
	BaseURL string
	// Enqueuer queues a redelivery in its transaction; nil refuses
	// redelivery (no job system on this server).
	Enqueuer events.Enqueuer
}

// Store reads and writes chat channels and delivers events to them: it is
// the "chat" channel of the event fan-out.
type Store struct {
	pool     *pgxpool.Pool
	client   *http.Client
	now      func() time.Time
	baseURL  string
	enqueuer events.Enqueuer
}

var _ events.Channel = (*Store)(nil)

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool, o Options) *Store {
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{pool: pool, client: o.Client, now: o.Now, baseURL: strings.TrimRight(o.BaseURL, "/"), enqueuer: o.Enqueuer}
}

// Name is the channel's name in jobs and logs.
func (s *Store) Name() string { return "chat" }

const channelColumns = `id, team, kind, name, webhook_url, event_kinds, enabled, failing_since, disabled_reason,
	tested_at, test_result, created_by, created_at, updated_at, version`

// List returns every channel by team, then name.
func (s *Store) List(ctx context.Context) ([]Channel, error) {
	return db.QueryAll[Channel](ctx, s.pool, `SELECT `+channelColumns+` FROM chat_channels
		ORDER BY array_position(ARRAY['sales', 'marketing', 'service'], team), lower(name), id`)
}

// Get returns the channel with id.
func (s *Store) Get(ctx context.Context, id int64) (Channel, error) {
	return db.QueryOne[Channel](ctx, s.pool, `SELECT `+channelColumns+` FROM chat_channels WHERE id = $1`, id)
}

// Create stores a new channel made by the user by.
func (s *Store) Create(ctx context.Context, by int64, f Form) (Channel, error) {
	in, errs := f.parse(false)
	if errs != nil {
		return Channel{}, errs
	}
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		if err := tx.QueryRow(ctx, `INSERT INTO chat_channels (team, kind, name, webhook_url, event_kinds, enabled,
				created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			in.team, in.kind, in.name, in.url, in.eventKinds, in.enabled, by, now).Scan(&id); err != nil {
			return err
		}
		return db.RecordCreated(ctx, tx, "chat_channel", id)
	})
	if err != nil {
		return Channel{}, err
	}
	return s.Get(ctx, id)
}

// ErrChanged refuses an edit or deletion made on an old version.
var ErrChanged = refusal.Conflicts("Someone else changed this channel after you opened it. " +
	"What you typed is still in the form: check the channel's current settings below it, then save again.")

// ErrChangedBeforeDelete refuses a deletion confirmed on an old version.
var ErrChangedBeforeDelete = refusal.Conflicts("Someone else changed this channel after you opened it, so it was not deleted. " +
	"Open it again to see its current settings.")

// Update saves an edit of the channel made on version. Turning a disabled
// channel on, or giving it a new URL, starts its failure count afresh.
func (s *Store) Update(ctx context.Context, id int64, version int, f Form) (Channel, error) {
	in, errs := f.parse(true)
	if errs != nil {
		return Channel{}, errs
	}
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE chat_channels SET team = $3, kind = $4, name = $5,
				webhook_url = coalesce(nullif($6, ''), webhook_url), event_kinds = $7,
				failing_since = CASE WHEN $8 AND (NOT enabled OR $6 <> '') THEN NULL ELSE failing_since END,
				disabled_reason = CASE WHEN $8 THEN '' WHEN enabled THEN 'Turned off by an admin.' ELSE disabled_reason END,
				enabled = $8, updated_at = $9, version = version + 1
			WHERE id = $1 AND version = $2`,
			id, version, in.team, in.kind, in.name, in.url, in.eventKinds, in.enabled, s.now())
		if err != nil {
			return err
		}
		return versionChecked(ctx, tx, tag.RowsAffected(), id, ErrChanged)
	})
	if err != nil {
		return Channel{}, err
	}
	return s.Get(ctx, id)
}

// Delete removes the channel seen at version, with its delivery log.
// Deliveries still queued find nothing to do.
func (s *Store) Delete(ctx context.Context, id int64, version int) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM chat_channels WHERE id = $1 AND version = $2`, id, version)
		if err != nil {
			return err
		}
		return versionChecked(ctx, tx, tag.RowsAffected(), id, ErrChangedBeforeDelete)
	})
}

// versionChecked turns a write that matched no row into db.ErrNotFound (no
// such channel) or conflict (a newer version).
func versionChecked(ctx context.Context, q db.DBTX, affected int64, id int64, conflict error) error {
	if affected == 1 {
		return nil
	}
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM chat_channels WHERE id = $1)`, id).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return db.ErrNotFound
	}
	return conflict
}

// RecentPage is how many deliveries a channel's page lists.
const RecentPage = 25

const deliveryColumns = `d.id, d.channel_id, d.event_id, e.kind AS event_kind, d.status, d.attempts, d.last_status_code,
	d.last_error, d.last_latency_ms, d.created_at, d.queued_at, d.delivered_at`

// Recent returns the channel's latest deliveries, newest first.
func (s *Store) Recent(ctx context.Context, channelID int64) ([]Delivery, error) {
	return db.QueryAll[Delivery](ctx, s.pool, `SELECT `+deliveryColumns+`
		FROM chat_deliveries d JOIN events e ON e.id = d.event_id
		WHERE d.channel_id = $1 ORDER BY d.id DESC LIMIT $2`, channelID, RecentPage)
}

// GetDelivery returns the delivery with id.
func (s *Store) GetDelivery(ctx context.Context, id int64) (Delivery, error) {
	return db.QueryOne[Delivery](ctx, s.pool, `SELECT `+deliveryColumns+`
		FROM chat_deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = $1`, id)
}

// ErrNoJobs refuses a redelivery on a server without the job system.
var ErrNoJobs = refusal.Conflicts("Redelivery needs the job system, which this server does not run.")

// Redeliver sends the delivery again, from its first attempt: it is reset
// and queued in one transaction, so the job exists exactly when the reset
// does. A delivery of a disabled channel is refused: turn it on first.
func (s *Store) Redeliver(ctx context.Context, deliveryID int64) error {
	if s.enqueuer == nil {
		return ErrNoJobs
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var enabled bool
		err := tx.QueryRow(ctx, `SELECT c.enabled FROM chat_deliveries d JOIN chat_channels c ON c.id = d.channel_id
			WHERE d.id = $1 FOR UPDATE OF d`, deliveryID).Scan(&enabled)
		if errors.Is(err, pgx.ErrNoRows) {
			return db.ErrNotFound
		}
		if err != nil {
			return err
		}
		if !enabled {
			return refusal.Conflicts("The channel is turned off: turn it on (and check its URL) before redelivering.")
		}
		if _, err := tx.Exec(ctx, `UPDATE chat_deliveries SET status = 'pending', attempts = 0, last_status_code = NULL,
			last_error = '', last_latency_ms = NULL, queued_at = $2, delivered_at = NULL WHERE id = $1`,
			deliveryID, s.now()); err != nil {
			return err
		}
		return s.enqueuer.EnqueueDelivery(ctx, tx, s.Name(), deliveryID)
	})
}
