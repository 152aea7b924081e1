package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
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
	// Now is the clock of signatures, rotation and the 24-hour rule; nil
	// is time.Now.
	Now func() time.Time
	// BaseURL makes the events' link paths absolute, as the fan-out does.
	BaseURL string
	// Enqueuer queues a redelivery in its transaction; nil refuses
	// redelivery (no job system on this server).
	Enqueuer events.Enqueuer
}

// Store reads and writes webhook endpoints and delivers events to them:
// it is the "webhook" channel of the event fan-out.
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
func (s *Store) Name() string { return "webhook" }

// SecretOverlap is how long a rotated-out secret keeps signing beside the
// new one.
const SecretOverlap = 24 * time.Hour

// newSecret is a Standard Webhooks secret: whsec_ and the base64 of 32
// random bytes (the spec asks for 24 to 64).
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

const endpointColumns = `id, url, description, event_kinds, enabled,
	CASE WHEN previous_secret <> '' THEN previous_expires_at END AS previous_expires_at,
	failing_since, disabled_reason, tested_at, test_result, created_by, created_at, updated_at, version`

// List returns every endpoint, oldest first.
func (s *Store) List(ctx context.Context) ([]Endpoint, error) {
	return db.QueryAll[Endpoint](ctx, s.pool, `SELECT `+endpointColumns+` FROM webhook_endpoints ORDER BY id`)
}

// Get returns the endpoint with id.
func (s *Store) Get(ctx context.Context, id int64) (Endpoint, error) {
	return db.QueryOne[Endpoint](ctx, s.pool, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = $1`, id)
}

// Create stores a new endpoint made by the user by and returns it with its
// secret: the only time the secret is handed out.
func (s *Store) Create(ctx context.Context, by int64, f Form) (Endpoint, string, error) {
	in, errs := f.parse()
	if errs != nil {
		return Endpoint{}, "", errs
	}
	secret := newSecret()
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		if err := tx.QueryRow(ctx, `INSERT INTO webhook_endpoints (url, description, event_kinds, enabled, secret,
				created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			in.url, in.description, in.eventKinds, in.enabled, secret, by, now).Scan(&id); err != nil {
			return err
		}
		return db.RecordCreated(ctx, tx, "webhook_endpoint", id)
	})
	if err != nil {
		return Endpoint{}, "", err
	}
	e, err := s.Get(ctx, id)
	return e, secret, err
}

// ErrChanged refuses an edit or rotation made on an old version.
var ErrChanged = refusal.Conflicts("Someone else changed this endpoint after you opened it. " +
	"What you typed is still in the form: check the endpoint's current settings, then save again.")

// ErrChangedBeforeDelete refuses a deletion confirmed on an old version.
var ErrChangedBeforeDelete = refusal.Conflicts("Someone else changed this endpoint after you opened it, so it was not deleted. " +
	"Open it again to see its current settings.")

// Update saves an edit of the endpoint made on version. Turning a disabled
// endpoint on, or pointing it at a new URL, starts its failure count afresh.
func (s *Store) Update(ctx context.Context, id int64, version int, f Form) (Endpoint, error) {
	in, errs := f.parse()
	if errs != nil {
		return Endpoint{}, errs
	}
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET description = $4, event_kinds = $5,
				failing_since = CASE WHEN $6 AND (NOT enabled OR url <> $3) THEN NULL ELSE failing_since END,
				disabled_reason = CASE WHEN $6 THEN '' WHEN enabled THEN 'Turned off by an admin.' ELSE disabled_reason END,
				url = $3, enabled = $6, updated_at = $7, version = version + 1
			WHERE id = $1 AND version = $2`,
			id, version, in.url, in.description, in.eventKinds, in.enabled, s.now())
		if err != nil {
			return err
		}
		return versionChecked(ctx, tx, tag.RowsAffected(), id, ErrChanged)
	})
	if err != nil {
		return Endpoint{}, err
	}
	return s.Get(ctx, id)
}

// Rotate gives the endpoint seen at version a new secret and returns it
// (shown once). The replaced secret keeps signing beside it for
// SecretOverlap, so the receiver can switch over without losing a
// message; a secret replaced before that stops signing at once.
func (s *Store) Rotate(ctx context.Context, id int64, version int) (string, error) {
	secret := newSecret()
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		tag, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET previous_secret = secret, previous_expires_at = $3,
				secret = $4, updated_at = $5, version = version + 1
			WHERE id = $1 AND version = $2`, id, version, now.Add(SecretOverlap), secret, now)
		if err != nil {
			return err
		}
		return versionChecked(ctx, tx, tag.RowsAffected(), id, ErrChanged)
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// Delete removes the endpoint seen at version, with its delivery log.
// Deliveries still queued find nothing to do.
func (s *Store) Delete(ctx context.Context, id int64, version int) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM webhook_endpoints WHERE id = $1 AND version = $2`, id, version)
		if err != nil {
			return err
		}
		return versionChecked(ctx, tx, tag.RowsAffected(), id, ErrChangedBeforeDelete)
	})
}

// versionChecked turns a write that matched no row into db.ErrNotFound (no
// such endpoint) or conflict (a newer version).
func versionChecked(ctx context.Context, q db.DBTX, affected int64, id int64, conflict error) error {
	if affected == 1 {
		return nil
	}
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = $1)`, id).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return db.ErrNotFound
	}
	return conflict
}

const deliveryColumns = `d.id, d.endpoint_id, d.event_id, e.kind AS event_kind, d.redelivery_of, d.status, d.attempts,
	d.last_status_code, d.latency_ms, d.response_excerpt, d.error, d.created_at, d.queued_at, d.last_attempt_at,
	d.next_attempt_at, d.delivered_at`

// Deliveries returns up to limit of the endpoint's deliveries older than
// the delivery before (0: from the newest), newest first, and whether
// there are more.
func (s *Store) Deliveries(ctx context.Context, endpointID, before int64, limit int) ([]Delivery, bool, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	list, err := db.QueryAll[Delivery](ctx, s.pool, `SELECT `+deliveryColumns+`
		FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
		WHERE d.endpoint_id = $1 AND d.id < $2 ORDER BY d.id DESC LIMIT $3`, endpointID, before, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(list) > limit {
		return list[:limit], true, nil
	}
	return list, false, nil
}

// GetDelivery returns the delivery with id.
func (s *Store) GetDelivery(ctx context.Context, id int64) (Delivery, error) {
	return db.QueryOne[Delivery](ctx, s.pool, `SELECT `+deliveryColumns+`
		FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = $1`, id)
}

// ErrNoJobs refuses a redelivery on a server without the job system.
var ErrNoJobs = refusal.Conflicts("Redelivery needs the job system, which this server does not run.")

// Redeliver sends the delivery's event to its endpoint again, as a new
// delivery with the same webhook-id, queued in the transaction that adds
// it; it returns the new delivery's id. An endpoint that is off is refused:
// turn it on first.
func (s *Store) Redeliver(ctx context.Context, deliveryID int64) (int64, error) {
	if s.enqueuer == nil {
		return 0, ErrNoJobs
	}
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var enabled bool
		var endpointID, eventID int64
		err := tx.QueryRow(ctx, `SELECT w.enabled, d.endpoint_id, d.event_id
			FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
			WHERE d.id = $1 FOR SHARE OF w`, deliveryID).Scan(&enabled, &endpointID, &eventID)
		if errors.Is(err, pgx.ErrNoRows) {
			return db.ErrNotFound
		}
		if err != nil {
			return err
		}
		if !enabled {
			return refusal.Conflicts("The endpoint is turned off: turn it on (and check its URL) before redelivering.")
		}
		now := s.now()
		if err := tx.QueryRow(ctx, `INSERT INTO webhook_deliveries (endpoint_id, event_id, redelivery_of, created_at, queued_at)
			VALUES ($1, $2, $3, $4, $4) RETURNING id`, endpointID, eventID, deliveryID, now).Scan(&id); err != nil {
			return err
		}
		return s.enqueuer.EnqueueDelivery(ctx, tx, s.Name(), id)
	})
	return id, err
}

// EndpointPath is an endpoint's page.
func EndpointPath(id int64) string { return "/admin/webhooks/" + strconv.FormatInt(id, 10) }
