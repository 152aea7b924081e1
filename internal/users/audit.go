package users

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
)

// AuditEvent is one line of the security audit log.
type AuditEvent struct {
	ID          int64     `db:"id"`
	At          time.Time `db:"at"`
	ActorName   string    `db:"actor_name"` // empty for the command line or an anonymous visitor
	Action      string    `db:"action"`
	TargetName  string    `db:"target_name"`
	TargetEmail string    `db:"email"`
	IP          string    `db:"ip"`
	Detail      string    `db:"detail"`
}

// Record writes an audit event about something other than a user account
// (a setting, say) inside the caller's transaction, so the log and the
// change it describes commit together.
func Record(ctx context.Context, q db.DBTX, by Actor, action, detail string) error {
	return record(ctx, q, by, action, 0, "", detail)
}

// record writes an audit event inside the caller's transaction, so the log
// and the change it describes commit together.
func record(ctx context.Context, q db.DBTX, by Actor, action string, targetID int64, email, detail string) error {
	var actor, target *int64
	if by.UserID != 0 {
		actor = &by.UserID
	}
	if targetID != 0 {
		target = &targetID
	}
	_, err := q.Exec(ctx, `INSERT INTO audit_events (actor_id, action, target_id, email, ip, detail)
		VALUES ($1, $2, $3, $4, $5, $6)`, actor, action, target, email, by.IP, detail)
	return err
}

// AuditPageSize is how many events one page of the log shows.
const AuditPageSize = 50

// Audit returns one page of events, newest first, older than the event with
// id before (0 for the first page), and whether there are more.
func (s *Store) Audit(ctx context.Context, before int64) ([]AuditEvent, bool, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT e.id, e.at, coalesce(a.name, '') AS actor_name, e.action, coalesce(t.name, '') AS target_name, e.email, e.ip, e.detail
		FROM audit_events e
		LEFT JOIN users a ON a.id = e.actor_id
		LEFT JOIN users t ON t.id = e.target_id
		WHERE $1::bigint = 0 OR e.id < $1
		ORDER BY e.id DESC
		LIMIT $2`, before, AuditPageSize+1)
	if err != nil {
		return nil, false, err
	}
	events, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuditEvent])
	if err != nil {
		return nil, false, err
	}
	more := len(events) > AuditPageSize
	if more {
		events = events[:AuditPageSize]
	}
	return events, more, nil
}

func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
