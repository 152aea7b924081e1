package db

import (
	"context"
	"crypto/sha256"
	"errors"

	"github.com/jackc/pgx/v5"
)

// FormToken is the one-time token a create form was rendered with, and who
// posts it. The zero FormToken (a form without a token) records nothing.
type FormToken struct {
	Token  string
	UserID int64 // 0 for an anonymous poster
}

// Submitted is a create form whose token was already used: Kind and ID
// name what the first post created.
type Submitted struct {
	Kind string
	ID   int64
}

func (s *Submitted) Error() string { return "form already submitted" }

// maxFormToken bounds the stored token; ours are 43 characters.
const maxFormToken = 200

func (t FormToken) hash() []byte {
	h := sha256.Sum256([]byte(t.Token))
	return h[:]
}

// usable reports whether t should be recorded at all.
func (t FormToken) usable() bool { return t.Token != "" && len(t.Token) <= maxFormToken }

// RecordFormToken records, inside the transaction that created it, that t
// created the kind with id. When t was used before (by this poster), it
// returns a *Submitted naming the first result, and the caller's
// transaction must roll back: a concurrent second post waits on the unique
// index until the first commits, then gets the same answer.
func RecordFormToken(ctx context.Context, tx DBTX, t FormToken, kind string, id int64) error {
	if !t.usable() {
		return nil
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO form_tokens (token_hash, user_id, kind, result_id) VALUES ($1, NULLIF($2, 0), $3, $4)
		ON CONFLICT (token_hash) DO NOTHING`, t.hash(), t.UserID, kind, id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	first, err := FindFormToken(ctx, tx, t)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			// Another poster's token (a copied form): refuse to create
			// a duplicate, but do not show them the other's result.
			return &Submitted{}
		}
		return err
	}
	return first
}

// FindFormToken returns what t created, ErrNotFound when it is unused (or
// another poster's).
func FindFormToken(ctx context.Context, q DBTX, t FormToken) (*Submitted, error) {
	if !t.usable() {
		return nil, ErrNotFound
	}
	var s Submitted
	err := q.QueryRow(ctx, `
		SELECT kind, result_id FROM form_tokens
		WHERE token_hash = $1 AND user_id IS NOT DISTINCT FROM NULLIF($2, 0::bigint)`, t.hash(), t.UserID).Scan(&s.Kind, &s.ID)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &s, nil
}

// formTokenKey carries the request's form token to the domain's create.
type formTokenKey struct{}

// WithFormToken attaches the posted form token to ctx.
func WithFormToken(ctx context.Context, t FormToken) context.Context {
	return context.WithValue(ctx, formTokenKey{}, t)
}

// FormTokenOf is the form token attached to ctx, if any.
func FormTokenOf(ctx context.Context) FormToken {
	t, _ := ctx.Value(formTokenKey{}).(FormToken)
	return t
}

// RecordCreated records the form token attached to ctx (see
// RecordFormToken); a create with no token attached records nothing.
func RecordCreated(ctx context.Context, tx DBTX, kind string, id int64) error {
	return RecordFormToken(ctx, tx, FormTokenOf(ctx), kind, id)
}
