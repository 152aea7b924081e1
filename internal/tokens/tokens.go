// Package tokens owns API tokens: personal tokens of a user and service
// tokens of a team, their scopes, expiry, use and revocation.
//
// A token's secret is "tdm_" and 32 random bytes (base64url). Only its
// SHA-256 is stored: a random 256-bit secret cannot be guessed or found by
// trying candidate passwords against the hash, so a slow password hash
// (argon2, bcrypt) would only make every API request slower without
// protecting anything. The secret is shown once, at creation.
//
// Service tokens act as the team's service user: one non-login account per
// team (users.service), a member of that team. A member is the lowest role
// that can do the team's work through the same rules as the pages
// (marketing creates and qualifies leads, sales accepts and works them), and
// every write is attributed to a real row ("Marketing (service)") rather
// than to the admin who made the token or to no one. A token never acts with
// more than its user may: its scopes only narrow what the user can do.
package tokens

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/enum"
	"tandem/internal/refusal"
	"tandem/internal/users"
)

// Scope is what a token may do on top of being its user.
type Scope string

const (
	// Read allows GET requests.
	Read Scope = "read"
	// Write allows every other method.
	Write Scope = "write"
)

// Scopes lists the scopes in display order.
var Scopes = []Scope{Read, Write}

// Kind tells personal tokens from service tokens.
type Kind string

const (
	Personal Kind = "personal"
	Service  Kind = "service"
)

// Prefix starts every token, so a secret scanner (and a person) can tell
// a Tandem token from other strings.
const Prefix = "tdm_"

// shownPrefix is how many characters of the secret lists show.
const shownPrefix = len(Prefix) + 8

// MaxName bounds a token's name, in characters.
const MaxName = 100

// DefaultExpiry is how long a token lives when the creator does not say.
const DefaultExpiry = 90 * 24 * time.Hour

// MaxExpiry is the longest lifetime a token may be given.
const MaxExpiry = 2 * 365 * 24 * time.Hour

// Token is one API token as lists show it: never its secret.
type Token struct {
	ID         int64      `db:"id"`
	Kind       Kind       `db:"kind"`
	Name       string     `db:"name"`
	Prefix     string     `db:"prefix"`
	Scopes     []Scope    `db:"scopes"`
	UserID     int64      `db:"user_id"`
	UserName   string     `db:"user_name"`
	UserEmail  string     `db:"user_email"`
	Team       users.Team `db:"team"`
	CreatedAt  time.Time  `db:"created_at"`
	ExpiresAt  *time.Time `db:"expires_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
	LastUsedIP string     `db:"last_used_ip"`
	RevokedAt  *time.Time `db:"revoked_at"`
}

// Has reports whether the token carries scope.
func (t Token) Has(s Scope) bool { return slices.Contains(t.Scopes, s) }

// Live reports whether the token works at now.
func (t Token) Live(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || t.ExpiresAt.After(now))
}

// New is the input for creating a token. Expires is its lifetime; zero
// means DefaultExpiry and a negative value means it never expires.
type New struct {
	Name    string
	Scopes  []Scope
	Expires time.Duration
}

// Validate checks the input, with a message per field.
func (n *New) Validate() error {
	n.Name = strings.TrimSpace(n.Name)
	errs := refusal.Fields{}
	switch {
	case n.Name == "":
		errs["name"] = "Give the token a name, e.g. the tool that will use it."
	case utf8.RuneCountInString(n.Name) > MaxName:
		errs["name"] = fmt.Sprintf("Keep the name under %d characters.", MaxName)
	}
	if len(n.Scopes) == 0 {
		errs["scopes"] = "Choose at least one scope."
	}
	for _, s := range n.Scopes {
		if !enum.Valid(Scopes, s) {
			errs["scopes"] = "Choose read, write or both."
		}
	}
	if n.Expires > MaxExpiry {
		errs["expires"] = "A token may live at most two years."
	}
	if len(errs) > 0 {
		return errs
	}
	slices.Sort(n.Scopes)
	n.Scopes = slices.Compact(n.Scopes)
	return nil
}

func (n New) expiresAt(now time.Time) *time.Time {
	switch {
	case n.Expires < 0:
		return nil
	case n.Expires == 0:
		t := now.Add(DefaultExpiry)
		return &t
	}
	t := now.Add(n.Expires)
	return &t
}

// ParseExpiry reads a lifetime such as "90d" or "never" (-1); "" is the
// default (0).
func ParseExpiry(v string) (time.Duration, bool) {
	switch v {
	case "":
		return 0, true
	case "never":
		return -1, true
	}
	n, err := strconv.Atoi(strings.TrimSuffix(v, "d"))
	if err != nil || !strings.HasSuffix(v, "d") || n < 1 || n > 730 {
		return 0, false
	}
	return time.Duration(n) * 24 * time.Hour, true
}

// Store reads and writes tokens.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// ErrNotFound is a token that does not exist or is not the viewer's.
var ErrNotFound = refusal.Missing("There is no such token.")

// ErrInvalid is a bearer secret that is unknown, revoked or expired, or
// whose user is deactivated: one answer for all, like a failed sign-in.
var ErrInvalid = errors.New("token is unknown, revoked or expired")

const tokenColumns = `t.id, t.kind, t.name, t.prefix, t.scopes, t.user_id, u.name AS user_name, u.email AS user_email, u.team,
	t.created_at, t.expires_at, t.last_used_at, t.last_used_ip, t.revoked_at`

const fromTokens = ` FROM api_tokens t JOIN users u ON u.id = t.user_id `

// newSecret returns a fresh token secret.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return Prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

func hash(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// CreatePersonal makes a token acting as the user userID and returns it with
// its secret, which is never available again.
func (s *Store) CreatePersonal(ctx context.Context, by users.Actor, userID int64, in New) (Token, string, error) {
	if err := in.Validate(); err != nil {
		return Token{}, "", err
	}
	var t Token
	var secret string
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		t, secret, err = insert(ctx, tx, by, Personal, userID, in)
		if err != nil {
			return err
		}
		return db.RecordCreated(ctx, tx, "api_token", t.ID)
	})
	return t, secret, err
}

// CreateService makes a service token of team, acting as the team's service
// user (created on first use).
func (s *Store) CreateService(ctx context.Context, by users.Actor, team users.Team, in New) (Token, string, error) {
	if err := in.Validate(); err != nil {
		return Token{}, "", err
	}
	if !team.Valid() {
		return Token{}, "", refusal.InvalidField("team", "Choose the team the token works for.")
	}
	var t Token
	var secret string
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		userID, err := serviceUser(ctx, tx, team)
		if err != nil {
			return err
		}
		t, secret, err = insert(ctx, tx, by, Service, userID, in)
		if err != nil {
			return err
		}
		return db.RecordCreated(ctx, tx, "api_token", t.ID)
	})
	return t, secret, err
}

// serviceUser returns the id of team's service user, creating it.
func serviceUser(ctx context.Context, tx pgx.Tx, team users.Team) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO users (email, name, team, role, timezone, service, digest_opt_out)
		VALUES ($1, $2, $3, 'member', 'UTC', true, true)
		ON CONFLICT (team) WHERE service DO UPDATE SET service = true
		RETURNING id`, "service+"+string(team)+"@tandem.invalid", team.Label()+" (service)", team).Scan(&id)
	return id, err
}

func insert(ctx context.Context, tx pgx.Tx, by users.Actor, kind Kind, userID int64, in New) (Token, string, error) {
	secret, err := newSecret()
	if err != nil {
		return Token{}, "", err
	}
	var id int64
	err = tx.QueryRow(ctx, `
		INSERT INTO api_tokens (token_hash, prefix, kind, user_id, created_by, name, scopes, expires_at)
		VALUES ($1, $2, $3, $4, NULLIF($5, 0), $6, $7, $8) RETURNING id`,
		hash(secret), secret[:shownPrefix], kind, userID, by.UserID, in.Name, in.Scopes, in.expiresAt(time.Now())).Scan(&id)
	if err != nil {
		return Token{}, "", err
	}
	t, err := get(ctx, tx, id)
	if err != nil {
		return Token{}, "", err
	}
	return t, secret, audit(ctx, tx, by, "token.created", t)
}

func audit(ctx context.Context, q db.DBTX, by users.Actor, action string, t Token) error {
	detail := string(t.Kind) + " token “" + t.Name + "” (" + t.Prefix + "…, " + scopeList(t.Scopes) + ")"
	return users.RecordAbout(ctx, q, by, action, t.UserID, t.UserEmail, detail)
}

func scopeList(scopes []Scope) string {
	parts := make([]string, len(scopes))
	for i, s := range scopes {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

func get(ctx context.Context, q db.DBTX, id int64) (Token, error) {
	t, err := db.QueryOne[Token](ctx, q, `SELECT `+tokenColumns+fromTokens+`WHERE t.id = $1`, id)
	if errors.Is(err, db.ErrNotFound) {
		return Token{}, ErrNotFound
	}
	return t, err
}

// Mine lists the personal tokens of the user, newest first.
func (s *Store) Mine(ctx context.Context, userID int64) ([]Token, error) {
	return db.QueryAll[Token](ctx, s.pool, `SELECT `+tokenColumns+fromTokens+`
		WHERE t.user_id = $1 ORDER BY t.id DESC`, userID)
}

// All lists every token, newest first, for admins.
func (s *Store) All(ctx context.Context) ([]Token, error) {
	return db.QueryAll[Token](ctx, s.pool, `SELECT `+tokenColumns+fromTokens+`ORDER BY t.id DESC`)
}

// Revoke ends the token id. The viewer must own it or be an admin; a token
// revoked already stays as it was.
func (s *Store) Revoke(ctx context.Context, by users.Actor, viewer users.User, id int64) (Token, error) {
	var t Token
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		t, err = get(ctx, tx, id)
		if err != nil {
			return err
		}
		if t.UserID != viewer.ID && !viewer.IsAdmin() {
			return ErrNotFound
		}
		tag, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now(), revoked_by = NULLIF($2, 0)
			WHERE id = $1 AND revoked_at IS NULL`, id, by.UserID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		now := time.Now()
		t.RevokedAt = &now
		return audit(ctx, tx, by, "token.revoked", t)
	})
	return t, err
}

// Authenticate finds the live token of secret and its active user, and
// records its use from ip: the last use always, the first use from a new
// address also in the audit log.
func (s *Store) Authenticate(ctx context.Context, secret, ip string) (Token, users.User, error) {
	if !strings.HasPrefix(secret, Prefix) || len(secret) > 100 {
		return Token{}, users.User{}, ErrInvalid
	}
	type row struct {
		Token
		Active bool `db:"active"`
	}
	found, err := db.QueryOne[row](ctx, s.pool, `SELECT `+tokenColumns+`, u.active`+fromTokens+`
		WHERE t.token_hash = $1`, hash(secret))
	if errors.Is(err, db.ErrNotFound) || err == nil && (!found.Active || !found.Live(time.Now())) {
		return Token{}, users.User{}, ErrInvalid
	}
	if err != nil {
		return Token{}, users.User{}, err
	}
	if err := s.recordUse(ctx, found.Token, ip); err != nil {
		return Token{}, users.User{}, err
	}
	u, err := users.NewStore(s.pool).Get(ctx, found.UserID)
	return found.Token, u, err
}

// recordUse notes the token's last use; the first use from an address is
// audited. The last-use write is skipped within a minute of the previous one
// from the same address, so a busy client does not write on every request.
func (s *Store) recordUse(ctx context.Context, t Token, ip string) error {
	if t.LastUsedAt != nil && t.LastUsedIP == ip && time.Since(*t.LastUsedAt) < time.Minute {
		return nil
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET last_used_at = now(), last_used_ip = $2 WHERE id = $1`, t.ID, ip); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO api_token_addresses (token_id, ip) VALUES ($1, $2) ON CONFLICT DO NOTHING`, t.ID, ip)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return audit(ctx, tx, users.Actor{UserID: t.UserID, IP: ip}, "token.new_address", t)
	})
}
