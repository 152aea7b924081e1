package users

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
)

// Sign-in throttling: more than maxFailures failed attempts for one account,
// or from one IP, within throttleWindow are refused until the oldest ages out.
const (
	maxFailures    = 10
	throttleWindow = 15 * time.Minute
)

// ThrottledError says how long the caller has to wait.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed sign-ins; try again in %d minutes", e.Minutes())
}

// Minutes is the wait rounded up to whole minutes (at least 1).
func (e *ThrottledError) Minutes() int {
	return max(1, int(math.Ceil(e.RetryAfter.Minutes())))
}

// SignIn checks an email and password. Every attempt is first recorded as a
// failure under per-account and per-IP advisory locks, so parallel attempts
// are counted exactly and the eleventh is refused even when all arrive at
// once; a correct password then clears the account's failures.
//
// Unknown emails and wrong passwords take the same path and the same time,
// and return the same ErrBadCredentials.
func (s *Store) SignIn(ctx context.Context, email, password, ip string) (User, error) {
	email = normalizeEmail(email)
	attemptID, err := s.reserveAttempt(ctx, email, ip)
	if err != nil {
		return User{}, err
	}

	var u User
	var hash *string
	row := s.pool.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = $1`, email)
	err = row.Scan(&u.ID, &u.Email, &u.Name, &u.Team, &u.Role, &u.Timezone, &u.Active, &u.CreatedAt, &u.Version, &hash)
	if err != nil && err != pgx.ErrNoRows {
		return User{}, err
	}
	target := dummyHash()
	if err == nil && hash != nil {
		target = *hash
	}
	ok, _ := VerifyPassword(target, password)
	if err != nil || hash == nil || !ok || !u.Active {
		_ = s.logFailure(ctx, email, ip, u.ID)
		return User{}, ErrBadCredentials
	}

	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE email = $1 OR id = $2`, email, attemptID); err != nil {
			return err
		}
		return record(ctx, tx, Actor{UserID: u.ID, IP: ip}, "session.signed_in", u.ID, u.Email, "")
	})
	return u, err
}

// reserveAttempt counts recent failures and, below the limit, records this
// attempt as one. The locks serialize attempts per account and per IP for
// the length of the count-and-insert only, not the password check.
func (s *Store) reserveAttempt(ctx context.Context, email, ip string) (int64, error) {
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		keys := []string{"login:email:" + email, "login:ip:" + ip}
		sort.Strings(keys) // one order everywhere: no deadlocks
		for _, k := range keys {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, k); err != nil {
				return err
			}
		}
		var byEmail, byIP int
		var oldestEmail, oldestIP *time.Time
		err := tx.QueryRow(ctx, `
			SELECT count(*) FILTER (WHERE email = $1), min(at) FILTER (WHERE email = $1),
			       count(*) FILTER (WHERE ip = $2), min(at) FILTER (WHERE ip = $2)
			FROM login_failures
			WHERE (email = $1 OR ip = $2) AND at > now() - $3::interval`, email, ip, throttleWindow).
			Scan(&byEmail, &oldestEmail, &byIP, &oldestIP)
		if err != nil {
			return err
		}
		var wait time.Duration
		if byEmail >= maxFailures {
			wait = max(wait, time.Until(oldestEmail.Add(throttleWindow)))
		}
		if byIP >= maxFailures {
			wait = max(wait, time.Until(oldestIP.Add(throttleWindow)))
		}
		if byEmail >= maxFailures || byIP >= maxFailures {
			return &ThrottledError{RetryAfter: wait}
		}
		return tx.QueryRow(ctx, `INSERT INTO login_failures (email, ip) VALUES ($1, $2) RETURNING id`, email, ip).Scan(&id)
	})
	return id, err
}

func (s *Store) logFailure(ctx context.Context, email, ip string, userID int64) error {
	var target *int64
	if userID != 0 {
		target = &userID
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO audit_events (action, target_id, email, ip) VALUES ('session.sign_in_failed', $1, $2, $3)`,
		target, email, ip)
	return err
}

// FailureCount returns the failures recorded for email within the window.
func (s *Store) FailureCount(ctx context.Context, email string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM login_failures WHERE email = $1 AND at > now() - $2::interval`,
		normalizeEmail(email), throttleWindow).Scan(&n)
	return n, err
}
