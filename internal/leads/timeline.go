package leads

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Event is one line of a lead's timeline.
type Event struct {
	ID        int64     `db:"id"`
	At        time.Time `db:"at"`
	ActorName string    `db:"actor_name"`
	ActorTeam string    `db:"actor_team"`
	Kind      string    `db:"kind"`
	From      *Stage    `db:"from_stage"`
	To        *Stage    `db:"to_stage"`
	TouchKind *string   `db:"touch_kind"`
	Note      string    `db:"note"`
	Version   int       `db:"version"`
}

// Timeline returns the lead's events, oldest first. With sinceVersion > 0
// only the changes that produced a later version are returned: "what
// changed since you loaded the page".
func (s *Store) Timeline(ctx context.Context, id int64, sinceVersion int) ([]Event, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT e.id, e.at, coalesce(u.name, nullif(e.actor_label, ''), 'import') AS actor_name, coalesce(u.team, '') AS actor_team, e.kind, e.from_stage, e.to_stage,
		       e.touch_kind, e.note, e.version
		FROM lead_events e LEFT JOIN users u ON u.id = e.actor_id
		WHERE e.lead_id = $1 AND ($2 = 0 OR e.version > $2)
		ORDER BY e.at, e.id`, id, sinceVersion)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Event])
}
