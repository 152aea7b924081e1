package scim

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/refusal"
	"tandem/internal/users"
)

// TokenPrefix starts every SCIM bearer token, so a leaked one is easy to
// recognise (and to tell from an API token) in logs and secret scanners.
const TokenPrefix = "tscim_"

// MaxTokenName is the longest token name, in characters (the column's check).
const MaxTokenName = 100

// Token is a SCIM client's bearer token as the admin page lists it; the
// secret itself is shown once, at creation, and never stored.
type Token struct {
	ID            int64      `db:"id"`
	Name          string     `db:"name"`
	CreatedByName string     `db:"created_by_name"` // empty when made from the command line
	CreatedAt     time.Time  `db:"created_at"`
	LastUsedAt    *time.Time `db:"last_used_at"`
	RevokedAt     *time.Time `db:"revoked_at"`
}

// Tokens keeps the SCIM clients' bearer tokens.
type Tokens struct {
	pool *pgxpool.Pool
}

// NewTokens returns the token store on pool.
func NewTokens(pool *pgxpool.Pool) *Tokens { return &Tokens{pool: pool} }

const tokenColumns = `t.id, t.name, coalesce(u.name, '') AS created_by_name, t.created_at, t.last_used_at, t.revoked_at`

// Create makes a bearer token for a SCIM client named name. It returns the
// token and its secret, which the caller shows once: only its SHA-256 is
// kept.
func (t *Tokens) Create(ctx context.Context, by users.Actor, name string) (Token, string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return Token{}, "", refusal.Fields{"name": "Name the token after the client that uses it (e.g. Okta)."}
	case utf8.RuneCountInString(name) > MaxTokenName:
		return Token{}, "", refusal.Fields{"name": fmt.Sprintf("Keep the name under %d characters.", MaxTokenName)}
	}
	secret, err := newSecret()
	if err != nil {
		return Token{}, "", err
	}
	var tok Token
	err = db.InTx(ctx, t.pool, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO scim_tokens (name, token_hash, created_by) VALUES ($1, $2, NULLIF($3, 0))
			RETURNING id`, name, hashSecret(secret), by.UserID).Scan(&id); err != nil {
			return err
		}
		var err error
		if tok, err = tokenByID(ctx, tx, id); err != nil {
			return err
		}
		if err := users.Record(ctx, tx, by, "scim.token_created", fmt.Sprintf("SCIM token #%d %q", tok.ID, tok.Name)); err != nil {
			return err
		}
		return db.RecordCreated(ctx, tx, "scim_token", tok.ID)
	})
	if err != nil {
		return Token{}, "", err
	}
	return tok, secret, nil
}

// List returns every token, newest first, revoked ones included so the
// admin sees what was cut off and when.
func (t *Tokens) List(ctx context.Context) ([]Token, error) {
	return db.QueryAll[Token](ctx, t.pool, `SELECT `+tokenColumns+`
		FROM scim_tokens t LEFT JOIN users u ON u.id = t.created_by
		ORDER BY t.created_at DESC, t.id DESC`)
}

// ErrNoToken is a revocation of a token that does not exist or is revoked
// already.
var ErrNoToken = refusal.Missing("That SCIM token does not exist or is revoked already.")

// Revoke cuts a token off at once: its next request gets a 401.
func (t *Tokens) Revoke(ctx context.Context, by users.Actor, id int64) error {
	return db.InTx(ctx, t.pool, func(tx pgx.Tx) error {
		var name string
		err := tx.QueryRow(ctx, `UPDATE scim_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL
			RETURNING name`, id).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoToken
		}
		if err != nil {
			return err
		}
		return users.Record(ctx, tx, by, "scim.token_revoked", fmt.Sprintf("SCIM token #%d %q", id, name))
	})
}

func tokenByID(ctx context.Context, q db.DBTX, id int64) (Token, error) {
	return db.QueryOne[Token](ctx, q, `SELECT `+tokenColumns+`
		FROM scim_tokens t LEFT JOIN users u ON u.id = t.created_by WHERE t.id = $1`, id)
}

// client is the SCIM client a request authenticated as.
type client struct {
	tokenID   int64
	tokenName string
}

// how says in the audit log that a change came from this client.
func (c client) how() string { return fmt.Sprintf("via SCIM (token %s)", c.tokenName) }

// authenticate finds the live token whose secret is presented. last_used_at
// is written at most once a minute, so a burst of provisioning requests
// does not turn every read into a write on one hot row.
func (t *Tokens) authenticate(ctx context.Context, secret string) (client, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return client{}, db.ErrNotFound
	}
	var c client
	err := t.pool.QueryRow(ctx, `
		WITH live AS (
			SELECT id, name, last_used_at FROM scim_tokens WHERE token_hash = $1 AND revoked_at IS NULL
		), touched AS (
			UPDATE scim_tokens s SET last_used_at = now() FROM live
			WHERE s.id = live.id AND (live.last_used_at IS NULL OR live.last_used_at < now() - interval '1 minute')
		)
		SELECT id, name FROM live`, hashSecret(secret)).Scan(&c.tokenID, &c.tokenName)
	if errors.Is(err, pgx.ErrNoRows) {
		return client{}, db.ErrNotFound
	}
	return c, err
}

// newSecret is the prefix and 256 random bits, URL-safe.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}
