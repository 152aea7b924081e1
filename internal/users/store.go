package users

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/cache"

	"tandem/internal/db"
	"tandem/internal/refusal"
)

// Store reads and writes accounts, sessions, sign-in failures and the audit
// log.
type Store struct {
	pool *pgxpool.Pool
	// sessions holds live sessions by token hash when CacheSessions was
	// called; nil looks every session up.
	sessions *cache.Map[string, sessionRow]
}

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

const userColumns = `id, email, name, team, role, timezone, active, service, created_at, version`

// queryUser runs a query of one row of userColumns, read by name.
func queryUser(ctx context.Context, q db.DBTX, sql string, args ...any) (User, error) {
	return db.QueryOne[User](ctx, q, sql, args...)
}

// RecordAbout writes an audit event about the user with id targetID (an
// API token of theirs, say) inside the caller's transaction.
func RecordAbout(ctx context.Context, q db.DBTX, by Actor, action string, targetID int64, email, detail string) error {
	return record(ctx, q, by, action, targetID, email, detail)
}

// Actor is who makes a change and from where, for the audit log.
type Actor struct {
	UserID int64 // 0 for the command line or an anonymous visitor
	IP     string
}

// Create adds a user. password may be empty: the user then sets one through
// a one-time link.
func (s *Store) Create(ctx context.Context, by Actor, in NewUser, password string) (User, error) {
	in.Normalize()
	if errs := in.Validate(); errs != nil {
		return User{}, errs
	}
	var hash *string
	if password != "" {
		if msg := CheckNewPassword(password, in.Email); msg != "" {
			return User{}, FieldErrors{"password": msg}
		}
		h, err := HashPassword(password)
		if err != nil {
			return User{}, err
		}
		hash = &h
	}
	var u User
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		u, err = insertUser(ctx, tx, by, in, hash, "")
		return err
	})
	return u, err
}

// CreateInTx adds a user without a password inside the caller's
// transaction (an account made by single sign-on or SCIM); how says so in
// the audit log.
func CreateInTx(ctx context.Context, tx pgx.Tx, by Actor, in NewUser, how string) (User, error) {
	in.Normalize()
	if errs := in.Validate(); errs != nil {
		return User{}, errs
	}
	return insertUser(ctx, tx, by, in, nil, how)
}

func insertUser(ctx context.Context, tx pgx.Tx, by Actor, in NewUser, hash *string, how string) (User, error) {
	u, err := queryUser(ctx, tx, `
		INSERT INTO users (email, name, team, role, timezone, password_hash)
		VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING `+userColumns, in.Email, in.Name, in.Team, in.Role, in.Timezone, hash)
	if db.IsUniqueViolation(err, "users_email_key") {
		return User{}, ErrEmailTaken
	}
	if err != nil {
		return User{}, err
	}
	detail := fmt.Sprintf("team=%s role=%s", u.Team, u.Role)
	if how != "" {
		detail += " " + how
	}
	if err := record(ctx, tx, by, "user.created", u.ID, u.Email, detail); err != nil {
		return User{}, err
	}
	return u, db.RecordCreated(ctx, tx, "user", u.ID)
}

// Get returns the user with id.
func (s *Store) Get(ctx context.Context, id int64) (User, error) {
	return queryUser(ctx, s.pool, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
}

// LockInTx reads the user with id for update inside the caller's
// transaction; db.ErrNotFound when there is none.
func LockInTx(ctx context.Context, tx pgx.Tx, id int64) (User, error) {
	return queryUser(ctx, tx, `SELECT `+userColumns+` FROM users WHERE id = $1 FOR UPDATE`, id)
}

// UpdateIdentityInTx changes the email and name of account id inside the
// caller's transaction, for a provisioning client that owns them; what
// says what changed, for the audit log. The version moves so readers of
// the account see the change. ErrEmailTaken when another account has the
// email.
func UpdateIdentityInTx(ctx context.Context, tx pgx.Tx, by Actor, id int64, email, name, what string) (User, error) {
	email = normalizeEmail(email)
	if msg := CheckEmail(email); msg != "" {
		return User{}, refusal.InvalidField("email", msg)
	}
	if msg := CheckName(name); msg != "" {
		return User{}, refusal.InvalidField("name", msg)
	}
	u, err := queryUser(ctx, tx, `UPDATE users SET email = $2, name = $3, updated_at = now(), version = version + 1
		WHERE id = $1 RETURNING `+userColumns, id, email, name)
	if db.IsUniqueViolation(err, "users_email_key") {
		return User{}, ErrEmailTaken
	}
	if err != nil {
		return User{}, err
	}
	return u, record(ctx, tx, by, "user.identity_changed", u.ID, u.Email, what)
}

// FindByEmailInTx reads the account with email, active or not, for update
// inside the caller's transaction; db.ErrNotFound when there is none.
func FindByEmailInTx(ctx context.Context, tx pgx.Tx, email string) (User, error) {
	return queryUser(ctx, tx, `SELECT `+userColumns+` FROM users WHERE email = $1 FOR UPDATE`, normalizeEmail(email))
}

// Filter narrows the user list; zero values mean "any".
type Filter struct {
	Team   Team
	Role   Role
	Active string // "", "active", "inactive"
	Page   int    // 1-based
}

// PageSize is how many users a page of the admin list shows.
const PageSize = 50

// ByEmail returns the active, signing-in user with the email.
func (s *Store) ByEmail(ctx context.Context, email string) (User, error) {
	return queryUser(ctx, s.pool, `SELECT `+userColumns+` FROM users WHERE email = $1 AND active AND NOT service`, normalizeEmail(email))
}

// List returns one page of users matching f, ordered by name, and the total
// number of matches.
func (s *Store) List(ctx context.Context, f Filter) ([]User, int, error) {
	if f.Page < 1 {
		f.Page = 1
	}
	where := `($1 = '' OR team = $1) AND ($2 = '' OR role = $2)
		AND ($3 = '' OR active = ($3 = 'active'))`
	args := []any{string(f.Team), string(f.Role), f.Active}
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users WHERE `+where+`
		ORDER BY lower(name), id LIMIT $4 OFFSET $5`, append(args, PageSize, (f.Page-1)*PageSize)...)
	if err != nil {
		return nil, 0, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[User])
	return list, total, err
}

// ChangeAccess sets a user's team and role. A role change ends the user's
// sessions, so the new permissions apply from their next sign-in.
func (s *Store) ChangeAccess(ctx context.Context, by Actor, id int64, version int, team Team, role Role) (User, error) {
	errs := FieldErrors{}
	if !team.Valid() {
		errs["team"] = "Choose a team."
	}
	if !role.Valid() {
		errs["role"] = "Choose a role."
	}
	if len(errs) > 0 {
		return User{}, errs
	}
	var u User
	err := db.InTxRetry(ctx, s.pool, func(tx pgx.Tx) error {
		before, err := lockUser(ctx, tx, id, version)
		if err != nil {
			return err
		}
		u, err = setAccess(ctx, tx, by, before, team, role, "")
		return err
	})
	return u, err
}

// SyncAccess sets the team and role the identity provider's groups give a
// user, inside the caller's transaction; why says which rule gave them. As
// with ChangeAccess, a change ends the user's sessions.
func SyncAccess(ctx context.Context, tx pgx.Tx, by Actor, id int64, team Team, role Role, why string) (User, error) {
	before, err := LockInTx(ctx, tx, id)
	if err != nil {
		return User{}, err
	}
	return setAccess(ctx, tx, by, before, team, role, why)
}

func setAccess(ctx context.Context, tx pgx.Tx, by Actor, before User, team Team, role Role, why string) (User, error) {
	if before.Team == team && before.Role == role {
		return before, nil
	}
	if before.Role == Admin && role != Admin && before.Active {
		if err := ensureAnotherAdmin(ctx, tx, before.ID); err != nil {
			return User{}, err
		}
	}
	u, err := queryUser(ctx, tx, `
		UPDATE users SET team = $2, role = $3, updated_at = now(), version = version + 1
		WHERE id = $1 RETURNING `+userColumns, before.ID, team, role)
	if err != nil {
		return User{}, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, before.ID); err != nil {
		return User{}, err
	}
	detail := fmt.Sprintf("team %s→%s, role %s→%s", before.Team, team, before.Role, role)
	if why != "" {
		detail += " " + why
	}
	return u, record(ctx, tx, by, "user.access_changed", before.ID, u.Email, detail)
}

// SetActive deactivates or reactivates a user. Deactivation ends their
// sessions at once.
func (s *Store) SetActive(ctx context.Context, by Actor, id int64, version int, active bool) (User, error) {
	var u User
	err := db.InTxRetry(ctx, s.pool, func(tx pgx.Tx) error {
		before, err := lockUser(ctx, tx, id, version)
		if err != nil {
			return err
		}
		u, err = setActive(ctx, tx, by, before, active, "")
		return err
	})
	return u, err
}

// SetActiveInTx is SetActive inside the caller's transaction, without the
// version check: a provisioning client (SCIM) speaks for the identity
// provider, whose word is the last. how goes into the audit log.
func SetActiveInTx(ctx context.Context, tx pgx.Tx, by Actor, id int64, active bool, how string) (User, error) {
	before, err := LockInTx(ctx, tx, id)
	if err != nil {
		return User{}, err
	}
	return setActive(ctx, tx, by, before, active, how)
}

func setActive(ctx context.Context, tx pgx.Tx, by Actor, before User, active bool, how string) (User, error) {
	if before.Active == active {
		return before, nil
	}
	if !active && before.Role == Admin {
		if err := ensureAnotherAdmin(ctx, tx, before.ID); err != nil {
			return User{}, err
		}
	}
	u, err := queryUser(ctx, tx, `
		UPDATE users SET active = $2, updated_at = now(), version = version + 1
		WHERE id = $1 RETURNING `+userColumns, before.ID, active)
	if err != nil {
		return User{}, err
	}
	action := "user.reactivated"
	if !active {
		action = "user.deactivated"
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
			return User{}, err
		}
		// Their API tokens die with the account, in this transaction:
		// a reactivated user starts without any.
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now(), revoked_by = NULLIF($2, 0)
			WHERE user_id = $1 AND revoked_at IS NULL`, u.ID, by.UserID); err != nil {
			return User{}, err
		}
	}
	return u, record(ctx, tx, by, action, u.ID, u.Email, how)
}

// lockUser reads the user for update and checks the version the caller saw.
func lockUser(ctx context.Context, tx pgx.Tx, id int64, version int) (User, error) {
	u, err := queryUser(ctx, tx, `SELECT `+userColumns+` FROM users WHERE id = $1 FOR UPDATE`, id)
	if err != nil {
		return User{}, err
	}
	if u.Version != version {
		return User{}, db.ErrConflict
	}
	return u, nil
}

// ensureAnotherAdmin locks every active admin row, so two admins demoting
// each other at once cannot both succeed, and refuses when id is the last.
func ensureAnotherAdmin(ctx context.Context, tx pgx.Tx, id int64) error {
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id FOR UPDATE`)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	for _, other := range ids {
		if other != id {
			return nil
		}
	}
	return ErrLastAdmin
}

// UpdateProfile sets the user's own name and timezone.
func (s *Store) UpdateProfile(ctx context.Context, id int64, version int, name, timezone string) (User, error) {
	errs := FieldErrors{}
	if msg := CheckName(name); msg != "" {
		errs["name"] = msg
	}
	if msg := CheckTimezone(timezone); msg != "" {
		errs["timezone"] = msg
	}
	if len(errs) > 0 {
		return User{}, errs
	}
	u, err := queryUser(ctx, s.pool, `
		UPDATE users SET name = $3, timezone = $4, updated_at = now(), version = version + 1
		WHERE id = $1 AND version = $2 RETURNING `+userColumns, id, version, name, timezone)
	if errors.Is(err, db.ErrNotFound) {
		return User{}, db.ErrConflict
	}
	return u, err
}

// ChangePassword replaces the password after checking the current one, and
// ends every other session of the user.
func (s *Store) ChangePassword(ctx context.Context, by Actor, id int64, current, next, keepSession string) error {
	var hash *string
	var email string
	if err := s.pool.QueryRow(ctx, `SELECT password_hash, email FROM users WHERE id = $1`, id).Scan(&hash, &email); err != nil {
		return err
	}
	if hash == nil {
		return FieldErrors{"current": "Your current password is not right."}
	}
	if ok, err := VerifyPassword(*hash, current); err != nil || !ok {
		return FieldErrors{"current": "Your current password is not right."}
	}
	if msg := CheckNewPassword(next, email); msg != "" {
		return FieldErrors{"new": msg}
	}
	newHash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, id, newHash); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, id, hashToken(keepSession)); err != nil {
			return err
		}
		return record(ctx, tx, by, "user.password_changed", id, email, "")
	})
}

// passwordLinkTTL is how long a set-password link works.
const passwordLinkTTL = 72 * time.Hour

// IssuePasswordLink creates a one-time set-password token for the user,
// replacing any earlier unused one, and returns it.
func (s *Store) IssuePasswordLink(ctx context.Context, by Actor, id int64) (string, error) {
	token, err := newToken()
	if err != nil {
		return "", err
	}
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var email string
		if err := tx.QueryRow(ctx, `SELECT email FROM users WHERE id = $1`, id).Scan(&email); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return db.ErrNotFound
			}
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM password_tokens WHERE user_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO password_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`,
			hashToken(token), id, time.Now().Add(passwordLinkTTL)); err != nil {
			return err
		}
		return record(ctx, tx, by, "user.password_link_issued", id, email, "")
	})
	return token, err
}

// ErrLinkInvalid means a set-password link is unknown, used or expired.
var ErrLinkInvalid = refusal.Missing("This link is no longer valid: it was used already, or it expired. Ask an admin for a new one.")

// PasswordLinkUser returns the user a valid set-password token belongs to.
func (s *Store) PasswordLinkUser(ctx context.Context, token string) (User, error) {
	u, err := queryUser(ctx, s.pool, `
		SELECT `+prefixed("u.", userColumns)+` FROM password_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > now() AND u.active AND NOT u.service`, hashToken(token))
	if errors.Is(err, db.ErrNotFound) {
		return User{}, ErrLinkInvalid
	}
	return u, err
}

// SetPasswordWithLink sets the password through a one-time token and uses
// the token up. It ends any existing sessions of the user. On a refused
// password it returns the link's user with the FieldErrors.
func (s *Store) SetPasswordWithLink(ctx context.Context, ip, token, password string) (User, error) {
	u, err := s.PasswordLinkUser(ctx, token)
	if err != nil {
		return User{}, err
	}
	if msg := CheckNewPassword(password, u.Email); msg != "" {
		return u, FieldErrors{"password": msg}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE password_tokens SET used_at = now()
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()`, hashToken(token))
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return ErrLinkInvalid
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, u.ID, hash); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		return record(ctx, tx, Actor{UserID: u.ID, IP: ip}, "user.password_set", u.ID, u.Email, "via one-time link")
	})
	return u, err
}

// newToken returns 256 random bits, URL-safe.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
