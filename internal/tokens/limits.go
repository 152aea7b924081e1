package tokens

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
)

// DefaultRateLimit is how many API requests a token may make per minute
// when the setting (API_RATE_LIMIT) is not given.
const DefaultRateLimit = 600

// rateWindow is the fixed window the limit counts in.
const rateWindow = time.Minute

// Hit counts one request of the token in the current window, shared by
// every instance through PostgreSQL. It returns whether the request is
// within limit and, when not, how long until the window ends.
func (s *Store) Hit(ctx context.Context, tokenID int64, limit int, now time.Time) (ok bool, retryAfter time.Duration, err error) {
	start := now.Truncate(rateWindow)
	var n int
	err = s.pool.QueryRow(ctx, `
		INSERT INTO api_rate (token_id, window_start, count) VALUES ($1, $2, 1)
		ON CONFLICT (token_id, window_start) DO UPDATE SET count = api_rate.count + 1
		RETURNING count`, tokenID, start).Scan(&n)
	if err != nil {
		return false, 0, err
	}
	if n <= limit {
		return true, 0, nil
	}
	return false, start.Add(rateWindow).Sub(now), nil
}

// IdempotencyTTL is how long a POST's Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// AbandonedClaim is how long a claimed key may stay without an answer
// before a retry may claim it again: longer than any request may run (the
// server caps a claimed request at a minute), so only a claim whose
// instance died mid-request is taken over, and its client is not kept
// waiting on a 409 for a day.
const AbandonedClaim = 2 * time.Minute

// Stored is the response kept for an idempotency key.
type Stored struct {
	RequestHash []byte `db:"request_hash"`
	Status      *int   `db:"status"` // nil while the first request runs
	Location    string `db:"location"`
	ContentType string `db:"content_type"`
	Body        []byte `db:"body"`
}

// Idempotency outcomes of Claim besides a fresh claim.
var (
	// ErrKeyReused is a key sent again with another request body.
	ErrKeyReused = errors.New("idempotency key used with another request")
	// ErrKeyInFlight is a key whose first request has not finished.
	ErrKeyInFlight = errors.New("idempotency key in use by a running request")
)

// Claim reserves key for the token's request with hash. It returns nil
// Stored when the caller is first and must run the request and then Finish
// or Release; the stored response when the same request was answered
// already; ErrKeyReused or ErrKeyInFlight otherwise.
func (s *Store) Claim(ctx context.Context, tokenID int64, key string, hash []byte) (*Stored, error) {
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO api_idempotency (token_id, key, request_hash) VALUES ($1, $2, $3)
		ON CONFLICT (token_id, key) DO UPDATE SET request_hash = excluded.request_hash, created_at = now(),
			status = NULL, location = '', content_type = '', body = ''
		WHERE api_idempotency.created_at < now() - $4::interval
			OR (api_idempotency.status IS NULL AND api_idempotency.created_at < now() - $5::interval)`,
		tokenID, key, hash, IdempotencyTTL, AbandonedClaim)
	if err != nil {
		return nil, err
	}
	if tag.RowsAffected() == 1 {
		return nil, nil
	}
	st, err := db.QueryOne[Stored](ctx, s.pool, `SELECT request_hash, status, location, content_type, body
		FROM api_idempotency WHERE token_id = $1 AND key = $2`, tokenID, key)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return s.Claim(ctx, tokenID, key, hash) // released meanwhile
	case err != nil:
		return nil, err
	case string(st.RequestHash) != string(hash):
		return nil, ErrKeyReused
	case st.Status == nil:
		return nil, ErrKeyInFlight
	}
	return &st, nil
}

// Finish stores the response of a claimed key.
func (s *Store) Finish(ctx context.Context, tokenID int64, key string, st Stored) error {
	_, err := s.pool.Exec(ctx, `UPDATE api_idempotency SET status = $3, location = $4, content_type = $5, body = $6
		WHERE token_id = $1 AND key = $2`, tokenID, key, st.Status, st.Location, st.ContentType, st.Body)
	return err
}

// Release forgets a claimed key whose request failed unexpectedly, so a
// retry runs it again.
func (s *Store) Release(ctx context.Context, tokenID int64, key string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM api_idempotency WHERE token_id = $1 AND key = $2 AND status IS NULL`, tokenID, key)
	return err
}

// Purge deletes idempotency keys past their lifetime and old rate windows.
// Any instance may run it; it is idempotent.
func (s *Store) Purge(ctx context.Context) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM api_idempotency WHERE created_at < now() - $1::interval`, IdempotencyTTL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM api_rate WHERE window_start < now() - interval '10 minutes'`)
		return err
	})
}
