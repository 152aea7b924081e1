// Package notifications stores in-app notifications: one row per
// recipient, unread until the recipient opens it.
package notifications

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/events"
)

// Notification is one message to one user.
type Notification struct {
	ID        int64      `db:"id"`
	Kind      string     `db:"kind"` // e.g. new_notice, new_alert, reacknowledge, question_answered, feedback_response
	Title     string     `db:"title"`
	Link      string     `db:"link"` // same-site path the notification opens
	CreatedAt time.Time  `db:"created_at"`
	ReadAt    *time.Time `db:"read_at"`
}

// eventKinds ties the in-app kinds to the event kinds users set their
// preferences by. Kinds without an entry (security notices, questions,
// merges, ownership) are always sent: no preference turns them off.
var eventKinds = map[string]events.Kind{
	"lead_handed_off":   events.LeadHandedOff,
	"lead_awaiting_rep": events.LeadHandedOff, // the managers' side of the same handoff
	"lead_assigned":     events.LeadAssigned,
	"lead_accepted":     events.LeadAccepted,
	"lead_rejected":     events.LeadRejected,
	"lead_sla_warning":  events.SLAWarning,
	"lead_sla_breached": events.SLABreached,
	"new_notice":        events.CampaignAnnounced,
	"reacknowledge":     events.CampaignRevised,
	"new_alert":         events.AlertPosted,
	"feedback_response": events.FeedbackResponded,
}

// EventKind is the event kind whose preference governs an in-app kind, and
// false for the kinds no preference turns off.
func EventKind(kind string) (events.Kind, bool) {
	k, ok := eventKinds[kind]
	return k, ok
}

// Send notifies each user once, inside the caller's transaction so the
// notification commits with the change it announces. Duplicate ids and the
// zero id are dropped; exclude (e.g. the author) gets nothing, and neither
// does a user who turned the kind's event kind off (notification_prefs):
// "off" means not even in Tandem.
func Send(ctx context.Context, q db.DBTX, userIDs []int64, exclude int64, kind, title, link string) error {
	ids := make([]int64, 0, len(userIDs))
	for _, id := range userIDs {
		if id != 0 && id != exclude {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return nil
	}
	// Only an explicit row can say "off": no default is off for a kind that
	// has an in-app notice (a test in internal/mail holds the defaults to it).
	ev, _ := EventKind(kind)
	_, err := q.Exec(ctx, `INSERT INTO notifications (user_id, kind, title, link)
		SELECT u, $2, $3, $4 FROM unnest($1::bigint[]) AS u
		WHERE $5 = '' OR NOT EXISTS (SELECT 1 FROM notification_prefs p
		                             WHERE p.user_id = u AND p.kind = $5 AND p.delivery = 'off')`,
		ids, kind, title, link, string(ev))
	return err
}

// Store reads a user's notifications.
type Store struct{ pool *pgxpool.Pool }

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Unread counts the user's unread notifications.
func (s *Store) Unread(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, userID).Scan(&n)
	return n, err
}

// PageSize is how many notifications a page lists.
const PageSize = 30

// List returns the user's notifications newest first by the time they were
// created, after the one with id before in that order (0 for the first
// page), and whether more exist.
func (s *Store) List(ctx context.Context, userID, before int64) ([]Notification, bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, kind, title, link, created_at, read_at FROM notifications
		WHERE user_id = $1 AND ($2::bigint = 0 OR (created_at, id) <
		      (SELECT created_at, id FROM notifications WHERE id = $2 AND user_id = $1))
		ORDER BY created_at DESC, id DESC LIMIT $3`, userID, before, PageSize+1)
	if err != nil {
		return nil, false, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Notification])
	if err != nil {
		return nil, false, err
	}
	more := len(list) > PageSize
	if more {
		list = list[:PageSize]
	}
	return list, more, nil
}

// Open marks the user's notification read and returns it. Another user's
// notification is not found.
func (s *Store) Open(ctx context.Context, userID, id int64) (Notification, error) {
	return db.QueryOne[Notification](ctx, s.pool, `UPDATE notifications SET read_at = coalesce(read_at, now())
		WHERE id = $1 AND user_id = $2 RETURNING id, kind, title, link, created_at, read_at`, id, userID)
}

// MarkAllRead marks every notification of the user read.
func (s *Store) MarkAllRead(ctx context.Context, userID int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL`, userID)
	return err
}
