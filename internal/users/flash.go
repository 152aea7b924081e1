package users

import (
	"context"
	"time"

	"tandem/internal/db"
)

// Flash is a one-time message for the next page a browser renders. Link,
// when set, is a one-time secret (a set-password link) shown with it.
type Flash struct {
	Kind    string `db:"kind"`
	Message string `db:"message"`
	Link    string `db:"link"`
}

// flashLifetime bounds how long an unshown message waits for its page.
const flashLifetime = 10 * time.Minute

// FlashOwner is the key a browser's messages are stored under: a signed-in
// session, or an anonymous visitor's anti-forgery cookie. Only its hash is
// stored, like the session token.
func FlashOwner(kind, token string) []byte { return hashToken(kind + ":" + token) }

// AddFlash stores a message for owner's next page.
func (s *Store) AddFlash(ctx context.Context, owner []byte, f Flash) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO flashes (owner, kind, message, link) VALUES ($1, $2, $3, $4)`,
		owner, f.Kind, f.Message, f.Link)
	return err
}

// TakeFlashes returns owner's waiting messages, oldest first, and deletes
// them: each is shown once. Messages older than their lifetime are purged.
func (s *Store) TakeFlashes(ctx context.Context, owner []byte) ([]Flash, error) {
	return db.QueryAll[Flash](ctx, s.pool, `
		WITH taken AS (
			DELETE FROM flashes WHERE owner = $1 OR created_at < now() - $2::interval
			RETURNING id, owner, kind, message, link, created_at)
		SELECT kind, message, link FROM taken
		WHERE owner = $1 AND created_at >= now() - $2::interval ORDER BY id`, owner, flashLifetime)
}
