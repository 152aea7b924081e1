package users

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/format"
	"tandem/internal/notifications"
)

// Sign-in throttling. Failures are counted per address and per (account,
// address) within throttleWindow:
//   - maxFailures from one address, or on one account from one address,
//     refuse further attempts from that address until the oldest ages out.
//     That is the brute-force limit, and it binds everyone at the address.
//   - Failures on an account never refuse the account as such, so nobody
//     can lock an owner out by guessing from elsewhere. Once an account has
//     burstFailures in the window, every attempt on it first waits
//     burstDelay (outside any transaction or lock), and the owner is told
//     once per burst, in-app and in the audit log.
const (
	maxFailures    = 10
	throttleWindow = 15 * time.Minute
	burstFailures  = 5
	burstDelay     = time.Second
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
// failure under the address's advisory lock, so parallel attempts from one
// address are counted exactly and the eleventh is refused even when all
// arrive at once; a correct password then clears the account's failures
// from this address only.
//
// Unknown emails and wrong passwords take the same path and the same time
// (the burst delay is keyed by the email typed, not by the account), and
// return the same ErrBadCredentials.
func (s *Store) SignIn(ctx context.Context, email, password, ip string) (User, error) {
	return s.SignInOnly(ctx, email, password, ip, 0)
}

// ErrPasswordSignInClosed is a right password of an account that may not
// sign in with one: password sign-in is open to the break-glass account
// only. Callers show it exactly as ErrBadCredentials, so the page does not
// confirm the password.
var ErrPasswordSignInClosed = errors.New("password sign-in is open to the break-glass account only")

// SignInOnly is SignIn when password sign-in is open to one account only
// (onlyUserID; 0 means everyone). The attempt is throttled and checked
// like any other; a right password of another account is audited and
// stays counted as a failure.
func (s *Store) SignInOnly(ctx context.Context, email, password, ip string, onlyUserID int64) (User, error) {
	email = normalizeEmail(email)
	attempt, err := s.reserveAttempt(ctx, email, ip)
	if err != nil {
		return User{}, err
	}
	if attempt.accountFailures >= burstFailures {
		if err := sleep(ctx, burstDelay); err != nil {
			return User{}, err
		}
	}

	type accountRow struct {
		User
		Hash *string `db:"password_hash"` // nil until a password is set
	}
	account, err := db.QueryOne[accountRow](ctx, s.pool, `SELECT `+userColumns+`, password_hash FROM users WHERE email = $1`, email)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return User{}, err
	}
	u, hash := account.User, account.Hash
	target := dummyHash()
	if err == nil && hash != nil {
		target = *hash
	}
	ok, _ := VerifyPassword(target, password)
	if err != nil || hash == nil || !ok || !u.Active {
		if err := s.logFailure(ctx, email, ip, u, attempt.accountFailures+1); err != nil {
			return User{}, err
		}
		return User{}, ErrBadCredentials
	}
	if onlyUserID != 0 && u.ID != onlyUserID {
		err := record(ctx, s.pool, Actor{IP: ip}, "session.password_refused", u.ID, u.Email,
			"password sign-in is open to the break-glass account only")
		if err != nil {
			return User{}, err
		}
		return User{}, ErrPasswordSignInClosed
	}

	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// Only this address's failures: clearing the account's failures
		// from everywhere would let the owner's sign-in reset an
		// attacker's per-address count.
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE (email = $1 AND ip = $2) OR id = $3`,
			email, ip, attempt.id); err != nil {
			return err
		}
		return record(ctx, tx, Actor{UserID: u.ID, IP: ip}, "session.signed_in", u.ID, u.Email, "")
	})
	return u, err
}

type reservedAttempt struct {
	id              int64
	accountFailures int // failures on the email from any address before this attempt
}

// reserveAttempt counts recent failures and, below the limits, records this
// attempt as one. The lock serializes attempts per address for the length
// of the count-and-insert only, not the delay or the password check. The
// account count needs no lock: it only decides the delay, never a refusal.
func (s *Store) reserveAttempt(ctx context.Context, email, ip string) (reservedAttempt, error) {
	var a reservedAttempt
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "login:ip:"+ip); err != nil {
			return err
		}
		var byIP, byPair int
		var oldestIP, oldestPair *time.Time
		err := tx.QueryRow(ctx, `
			SELECT count(*) FILTER (WHERE ip = $2), min(at) FILTER (WHERE ip = $2),
			       count(*) FILTER (WHERE ip = $2 AND email = $1), min(at) FILTER (WHERE ip = $2 AND email = $1),
			       count(*) FILTER (WHERE email = $1)
			FROM login_failures
			WHERE (email = $1 OR ip = $2) AND at > now() - $3::interval`, email, ip, throttleWindow).
			Scan(&byIP, &oldestIP, &byPair, &oldestPair, &a.accountFailures)
		if err != nil {
			return err
		}
		var wait time.Duration
		if byIP >= maxFailures {
			wait = max(wait, time.Until(oldestIP.Add(throttleWindow)))
		}
		if byPair >= maxFailures {
			wait = max(wait, time.Until(oldestPair.Add(throttleWindow)))
		}
		if byIP >= maxFailures || byPair >= maxFailures {
			return &ThrottledError{RetryAfter: wait}
		}
		return tx.QueryRow(ctx, `INSERT INTO login_failures (email, ip) VALUES ($1, $2) RETURNING id`, email, ip).Scan(&a.id)
	})
	return a, err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// logFailure audits a failed attempt and, when it makes a burst on an
// active account, tells the owner. A burst lasts while the account keeps
// reaching burstFailures within the window; the owner hears once at its
// start, and again only after a whole window without one.
func (s *Store) logFailure(ctx context.Context, email, ip string, u User, accountFailures int) error {
	var target *int64
	if u.ID != 0 {
		target = &u.ID
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO audit_events (action, target_id, email, ip) VALUES ('session.sign_in_failed', $1, $2, $3)`,
			target, email, ip); err != nil {
			return err
		}
		if u.ID == 0 || !u.Active || accountFailures < burstFailures {
			return nil
		}
		// NO KEY UPDATE: the audit row above holds a key-share lock on the
		// user, and a plain FOR UPDATE would deadlock two parallel failures.
		var newBurst bool
		if err := tx.QueryRow(ctx, `SELECT sign_in_burst_at IS NULL OR sign_in_burst_at < now() - $2::interval
			FROM users WHERE id = $1 FOR NO KEY UPDATE`, u.ID, throttleWindow).Scan(&newBurst); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET sign_in_burst_at = now() WHERE id = $1`, u.ID); err != nil || !newBurst {
			return err
		}
		var failures, addresses int
		if err := tx.QueryRow(ctx, `SELECT count(*), count(DISTINCT ip) FROM login_failures WHERE email = $1 AND at > now() - $2::interval`,
			email, throttleWindow).Scan(&failures, &addresses); err != nil {
			return err
		}
		detail := fmt.Sprintf("%d failed sign-ins within %d minutes from %d %s; the account stays open, each attempt is slowed",
			failures, int(throttleWindow.Minutes()), addresses, format.Plural(addresses, "address", "addresses"))
		if err := record(ctx, tx, Actor{IP: ip}, "session.sign_in_burst", u.ID, u.Email, detail); err != nil {
			return err
		}
		return notifications.Send(ctx, tx, []int64{u.ID}, 0, "sign_in_burst",
			fmt.Sprintf("%d failed sign-ins to your account within %d minutes. If they were not yours, your account is still open to you; consider changing your password.",
				failures, int(throttleWindow.Minutes())), "/account")
	})
}

// FailureCount returns the failures recorded for email within the window.
func (s *Store) FailureCount(ctx context.Context, email string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM login_failures WHERE email = $1 AND at > now() - $2::interval`,
		normalizeEmail(email), throttleWindow).Scan(&n)
	return n, err
}
