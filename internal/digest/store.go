package digest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/format"
	"tandem/internal/kpi"
	"tandem/internal/refusal"
	"tandem/internal/validate"
)

// How a digest came to be composed.
const (
	ViaSchedule = "schedule"
	ViaManager  = "manager"
	ViaCommand  = "command"
)

// MaxNote is the longest note a manager may add, in characters.
const MaxNote = 1000

// ErrComposed refuses a change to a digest that is archived already.
var ErrComposed = refusal.Conflicts("This week's digest is archived already, so its note can no longer change. " +
	"Reload the page to see it.")

// FieldErrors is the shared field-to-message map of refused input.
type FieldErrors = validate.FieldErrors

// Entry is what is stored about one week: the draft note and, once
// composed, the frozen digest.
type Entry struct {
	Week    string
	Note    string
	NoteBy  string
	NoteAt  *time.Time
	Version int // 0: nothing stored for the week yet
	// Archived is the frozen digest; nil until composed.
	Archived *Archived
	// Queued is when the week's sends were first queued; nil before.
	Queued *time.Time
}

// Archived is a composed digest as stored.
type Archived struct {
	Digest
	ComposedAt  time.Time
	ComposedVia string // schedule, manager, command
	ComposedBy  string // the manager's name when composed by one
}

// Entry returns what is stored for week (label like 2026-W47); a week
// without a row is an empty Entry, not an error.
func (s *Service) Entry(ctx context.Context, week string) (Entry, error) {
	type entryRow struct {
		Note        string     `db:"note"`
		NoteBy      string     `db:"note_by"`
		NoteAt      *time.Time `db:"note_at"`
		Version     int        `db:"version"`
		Body        []byte     `db:"body"`
		ComposedAt  *time.Time `db:"composed_at"`
		ComposedVia *string    `db:"composed_via"`
		ComposedBy  *string    `db:"composed_by"`
		Queued      *time.Time `db:"enqueued_at"`
	}
	rows, err := s.pool.Query(ctx, `
		SELECT d.note, coalesce(n.name, '') AS note_by, d.note_at, d.version, d.body, d.composed_at, d.composed_via,
		       c.name AS composed_by, d.enqueued_at
		FROM digests d LEFT JOIN users n ON n.id = d.note_by LEFT JOIN users c ON c.id = d.composed_by
		WHERE d.week = $1`, week)
	if err != nil {
		return Entry{}, err
	}
	row, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[entryRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return Entry{Week: week}, nil
	}
	if err != nil {
		return Entry{}, err
	}
	e := Entry{Week: week, Note: row.Note, NoteBy: row.NoteBy, NoteAt: row.NoteAt, Version: row.Version, Queued: row.Queued}
	if row.Body != nil {
		a := &Archived{ComposedAt: *row.ComposedAt, ComposedVia: deref(row.ComposedVia), ComposedBy: deref(row.ComposedBy)}
		if err := json.Unmarshal(row.Body, &a.Digest); err != nil {
			return Entry{}, fmt.Errorf("digest %s: stored body: %w", week, err)
		}
		e.Archived = a
	}
	return e, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Archive returns week's frozen digest, composing and storing it first
// when it is not archived yet. by is the manager composing it (0 for the
// schedule or the command line). When several instances race, the first
// to store wins and everyone gets that one: the row lock serializes them
// and a stored body is never replaced.
func (s *Service) Archive(ctx context.Context, week kpi.Period, via string, by int64) (Archived, error) {
	e, err := s.Entry(ctx, week.Label())
	if err != nil {
		return Archived{}, err
	}
	if e.Archived != nil {
		return *e.Archived, nil
	}
	d, err := s.Compose(ctx, week)
	if err != nil {
		return Archived{}, err
	}
	var byID *int64
	if by != 0 {
		byID = &by
	}
	label := week.Label()
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO digests (week) VALUES ($1) ON CONFLICT (week) DO NOTHING`, label); err != nil {
			return err
		}
		var composed bool
		if err := tx.QueryRow(ctx, `
			SELECT d.body IS NOT NULL, d.note, coalesce(u.name, '')
			FROM digests d LEFT JOIN users u ON u.id = d.note_by
			WHERE d.week = $1 FOR UPDATE OF d`, label).Scan(&composed, &d.Note, &d.NoteBy); err != nil {
			return err
		}
		if composed {
			return nil // someone else froze it meanwhile; theirs stands
		}
		if d.Note == "" {
			d.NoteBy = ""
		}
		body, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, `UPDATE digests SET body = $2, composed_at = $3, composed_via = $4, composed_by = $5,
			version = version + 1 WHERE week = $1`, label, body, s.now(), via, byID); err != nil {
			return err
		}
		return tellPublished(ctx, tx, d, byID)
	})
	if err != nil {
		return Archived{}, fmt.Errorf("archive digest %s: %w", label, err)
	}
	e, err = s.Entry(ctx, label)
	if err != nil {
		return Archived{}, err
	}
	if e.Archived == nil {
		return Archived{}, fmt.Errorf("archive digest %s: not stored", label)
	}
	return *e.Archived, nil
}

// SaveNote sets the manager's note of a week not yet archived. version is
// the Entry's version the form was made from (0 for a week without a row);
// a stale one is db.ErrConflict, an archived week ErrComposed.
func (s *Service) SaveNote(ctx context.Context, week string, by int64, version int, note string) error {
	note = strings.TrimSpace(strings.ReplaceAll(note, "\r\n", "\n"))
	if n := utf8.RuneCountInString(note); n > MaxNote {
		return FieldErrors{"note": fmt.Sprintf("Keep the note to %d characters or fewer (it has %d).", MaxNote, n)}
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var cur int
		var composed bool
		err := tx.QueryRow(ctx, `SELECT version, body IS NOT NULL FROM digests WHERE week = $1 FOR UPDATE`, week).Scan(&cur, &composed)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if version != 0 {
				return db.ErrConflict
			}
			_, err = tx.Exec(ctx, `INSERT INTO digests (week, note, note_by, note_at) VALUES ($1, $2, $3, $4)`, week, note, by, s.now())
			if db.IsUniqueViolation(err, "") {
				return db.ErrConflict
			}
			return err
		case err != nil:
			return err
		case composed:
			return ErrComposed
		case cur != version:
			return db.ErrConflict
		}
		_, err = tx.Exec(ctx, `UPDATE digests SET note = $2, note_by = $3, note_at = $4, version = version + 1 WHERE week = $1`,
			week, note, by, s.now())
		return err
	})
}

// Summary is one archived digest in the index.
type Summary struct {
	Week        string    `db:"week"`
	Title       string    `db:"title"`
	ComposedAt  time.Time `db:"composed_at"`
	ComposedVia string    `db:"composed_via"`
	ComposedBy  string    `db:"composed_by"`
	WinCount    int       `db:"win_count"`
	WonValue    float64   `db:"won_value"`
	Currency    string    `db:"currency"` // "" for digests from before the setting
	Sent        int       `db:"sent"`
	Waiting     int       `db:"waiting"` // queued or being retried
	Failed      int       `db:"failed"`
}

// PageSize is how many archived digests the index lists per page.
const PageSize = 52

// List returns a page (from 1) of archived digests, newest week first, and
// how many there are in all.
func (s *Service) List(ctx context.Context, page int) ([]Summary, int, error) {
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM digests WHERE body IS NOT NULL`).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.pool.Query(ctx, `
		SELECT d.week, d.body->>'title' AS title, d.composed_at, d.composed_via, coalesce(u.name, '') AS composed_by,
		       coalesce((d.body->>'win_count')::int, 0) AS win_count, coalesce((d.body->>'won_value')::float8, 0) AS won_value,
		       coalesce(d.body->>'currency', '') AS currency,
		       count(x.id) FILTER (WHERE x.status = 'sent')::int AS sent,
		       count(x.id) FILTER (WHERE x.status IN ('pending', 'sending'))::int AS waiting,
		       count(x.id) FILTER (WHERE x.status = 'failed')::int AS failed
		FROM digests d
		LEFT JOIN users u ON u.id = d.composed_by
		LEFT JOIN digest_sends x ON x.week = d.week
		WHERE d.body IS NOT NULL
		GROUP BY d.week, u.name
		ORDER BY d.week DESC LIMIT $1 OFFSET $2`, PageSize, (max(page, 1)-1)*PageSize)
	if err != nil {
		return nil, 0, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Summary])
	return list, total, err
}

// OptedOut reports whether the user has turned the digest off.
func (s *Service) OptedOut(ctx context.Context, userID int64) (bool, error) {
	var out bool
	err := s.pool.QueryRow(ctx, `SELECT digest_opt_out FROM users WHERE id = $1`, userID).Scan(&out)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, db.ErrNotFound
	}
	return out, err
}

// SetOptOut turns the user's digest mail off (true) or on.
func (s *Service) SetOptOut(ctx context.Context, userID int64, out bool) error {
	tag, err := s.pool.Exec(ctx, `UPDATE users SET digest_opt_out = $2 WHERE id = $1`, userID, out)
	if err == nil && tag.RowsAffected() == 0 {
		return db.ErrNotFound
	}
	return err
}

// tellPublished records digest.published in the archiving transaction:
// once per week, since a week is archived once. Its recipients, the
// active users who have not opted out (whom Queue mails it to), are its
// audience; the digest mails itself, so their mail default is off.
func tellPublished(ctx context.Context, tx pgx.Tx, d Digest, by *int64) error {
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE active AND NOT digest_opt_out ORDER BY id`)
	if err != nil {
		return err
	}
	recipients, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	summary := fmt.Sprintf("%s: %s worth %s", d.Title, format.Count(d.WinCount, "win"), d.Money(d.WonValue))
	_, err = events.Record(ctx, tx, events.Change{
		Kind: events.DigestPublished, ActorID: by, Audience: recipients, Teams: []string{"sales", "marketing", "service"},
		Payload: events.Digest{Week: d.Week, Summary: summary, URL: "/digests/" + d.Week},
	})
	return err
}
