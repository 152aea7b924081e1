package users

import (
	"context"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/cache"
	"tandem/internal/db"
)

// Session is a signed-in browser. The token itself lives only in the
// cookie; the table keeps its SHA-256.
type Session struct {
	Token     string
	CSRFToken string
	User      User
	CreatedAt time.Time
	LastSeen  time.Time
}

// SessionPolicy bounds how long a session lives.
type SessionPolicy struct {
	Idle     time.Duration
	Lifetime time.Duration
}

// touchEvery limits last_seen writes to one a minute per session.
const touchEvery = time.Minute

// StartProviderSession creates a session for the user. Callers drop any
// session the browser had before, so a session id planted before sign-in
// is worthless. idToken is the identity provider's ID token of a single
// sign-on ("" for a password sign-in), kept for the provider's logout.
func (s *Store) StartProviderSession(ctx context.Context, userID int64, p SessionPolicy, ip, userAgent, idToken string) (Session, error) {
	token, err := newToken()
	if err != nil {
		return Session{}, err
	}
	csrf, err := newToken()
	if err != nil {
		return Session{}, err
	}
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	_, err = s.pool.Exec(ctx, `
		INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, ip, user_agent, id_token)
		VALUES ($1, $2, $3, now() + $4::interval, $5, $6, NULLIF($7, ''))`,
		hashToken(token), userID, csrf, p.Lifetime, ip, userAgent, idToken)
	if err != nil {
		return Session{}, err
	}
	u, err := s.Get(ctx, userID)
	return Session{Token: token, CSRFToken: csrf, User: u, CreatedAt: time.Now(), LastSeen: time.Now()}, err
}

// sessionRow is a live session as stored, with its user.
type sessionRow struct {
	CSRFToken        string    `db:"csrf_token"`
	SessionCreatedAt time.Time `db:"session_created_at"`
	LastSeen         time.Time `db:"last_seen_at"`
	ExpiresAt        time.Time `db:"expires_at"`
	User
}

// maxCachedSessions bounds the session cache; past it, lookups go to the
// database until entries expire.
const maxCachedSessions = 100_000

// CacheSessions keeps looked-up sessions in memory for up to ttl, dropped
// when the bus reports a change to the session (its row) or its user.
func (s *Store) CacheSessions(bus *cache.Bus, ttl time.Duration) {
	s.sessions = cache.NewMap[string, sessionRow](bus, "session", ttl, maxCachedSessions,
		func(key string) (string, bool) { return key, true })
	bus.Subscribe("user", func(key string) {
		id, err := strconv.ParseInt(key, 10, 64)
		if err == nil {
			s.sessions.DropWhere(func(row sessionRow) bool { return row.User.ID == id })
		}
	})
}

// SessionCacheStats is how often a session was found in memory, and how
// often it was looked up in the database.
func (s *Store) SessionCacheStats() (hits, misses uint64) {
	if s.sessions == nil {
		return 0, 0
	}
	return s.sessions.Stats()
}

// LookupSession returns the live session for token with its user. Expired,
// idle and deactivated-user sessions are not found.
func (s *Store) LookupSession(ctx context.Context, token string, p SessionPolicy) (Session, error) {
	if token == "" {
		return Session{}, db.ErrNotFound
	}
	h := hashToken(token)
	// The key is how the trigger of migration 28 spells the hash (bytea
	// as JSON text).
	key := `\x` + hex.EncodeToString(h)
	load := func(ctx context.Context) (sessionRow, error) {
		return db.QueryOne[sessionRow](ctx, s.pool, `
			SELECT s.csrf_token, s.created_at AS session_created_at, s.last_seen_at, s.expires_at, `+prefixed("u.", userColumns)+`
			FROM sessions s JOIN users u ON u.id = s.user_id
			WHERE s.token_hash = $1 AND s.expires_at > now()
			  AND s.last_seen_at > now() - $2::interval AND u.active`, h, p.Idle)
	}
	var row sessionRow
	var err error
	if s.sessions == nil {
		row, err = load(ctx)
	} else {
		row, err = s.sessions.Get(ctx, key, load)
		// Memory knows the session was live when it was read; past its
		// expiry or idle limit, the database decides again.
		if err == nil && (time.Now().After(row.ExpiresAt) || time.Since(row.LastSeen) > p.Idle) {
			s.sessions.Drop(key)
			row, err = load(ctx)
		}
	}
	if err != nil {
		return Session{}, err
	}
	sess := Session{Token: token, CSRFToken: row.CSRFToken, User: row.User, CreatedAt: row.SessionCreatedAt, LastSeen: row.LastSeen}
	if time.Since(sess.LastSeen) > touchEvery {
		if _, err := s.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1`, h); err != nil {
			return Session{}, err
		}
		if s.sessions != nil {
			s.sessions.Drop(key) // its last_seen_at is now out of date
		}
	}
	return sess, nil
}

// EndSession signs a browser out. It returns the identity provider's ID
// token when the session began there (else ""), for the provider's logout.
func (s *Store) EndSession(ctx context.Context, by Actor, token string) (idToken string, err error) {
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var userID int64
		var email string
		err := tx.QueryRow(ctx, `DELETE FROM sessions s USING users u
			WHERE s.token_hash = $1 AND u.id = s.user_id RETURNING u.id, u.email, coalesce(s.id_token, '')`,
			hashToken(token)).Scan(&userID, &email, &idToken)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return record(ctx, tx, by, "session.signed_out", userID, email, "")
	})
	return idToken, err
}

// EndAllSessions signs the user out everywhere (an admin's action).
func (s *Store) EndAllSessions(ctx context.Context, by Actor, userID int64) (int64, error) {
	var n int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var email string
		if err := tx.QueryRow(ctx, `SELECT email FROM users WHERE id = $1`, userID).Scan(&email); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return db.ErrNotFound
			}
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		return record(ctx, tx, by, "session.ended_by_admin", userID, email, "")
	})
	return n, err
}

// CountSessions returns how many live sessions the user has.
func (s *Store) CountSessions(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE user_id = $1 AND expires_at > now()`, userID).Scan(&n)
	return n, err
}

// PurgeExpired deletes dead sessions, old sign-in failures and used links.
// Any instance may run it; it is idempotent.
func (s *Store) PurgeExpired(ctx context.Context, p SessionPolicy) error {
	_, err := s.pool.Exec(ctx, `
		WITH a AS (DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - $1::interval),
		     b AS (DELETE FROM login_failures WHERE at < now() - $2::interval)
		DELETE FROM password_tokens WHERE expires_at < now() - interval '30 days'`, p.Idle, throttleWindow)
	return err
}
