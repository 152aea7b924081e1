package campaigns

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/users"
)

// Readiness is the share of sales and service who acknowledged a notice
// before launch. Eligible are the people it is measured on: active sales
// and service users (any role) who joined before the launch instant;
// deactivated people and people who joined later do not count. Ready are
// those of them whose first acknowledgement came before launch. A later
// revision asks them to acknowledge again (see AckStale) but does not undo
// their readiness: they knew of the campaign before it went out.
type Readiness struct {
	Eligible int
	Ready    int
}

// Percent is Ready ÷ Eligible in whole percent, rounded down so that 90 %
// is only shown when 90 % is reached; ok is false when nobody is eligible.
func (r Readiness) Percent() (int, bool) {
	if r.Eligible == 0 {
		return 0, false
	}
	return r.Ready * 100 / r.Eligible, true
}

// TeamReadiness is one team's part of a campaign's readiness.
type TeamReadiness struct {
	Team users.Team
	Readiness
}

// AudienceTeams are the teams that acknowledge notices, in display order.
var AudienceTeams = []users.Team{users.Sales, users.Service}

// ReadinessByTeam returns the campaign's readiness per audience team and in
// total.
func (s *Store) ReadinessByTeam(ctx context.Context, id int64) ([]TeamReadiness, Readiness, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT u.team, count(*), count(a.user_id) FILTER (WHERE a.acknowledged_at < `+launchStartSQL+`)
		FROM campaigns c
		JOIN users u ON u.active AND u.team IN ('sales', 'service') AND u.created_at < `+launchStartSQL+`
		LEFT JOIN acknowledgements a ON a.campaign_id = c.id AND a.user_id = u.id
		WHERE c.id = $1
		GROUP BY u.team`, id, s.loc.String())
	if err != nil {
		return nil, Readiness{}, err
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (TeamReadiness, error) {
		var t TeamReadiness
		err := r.Scan(&t.Team, &t.Eligible, &t.Ready)
		return t, err
	})
	if err != nil {
		return nil, Readiness{}, err
	}
	out := make([]TeamReadiness, len(AudienceTeams))
	var total Readiness
	for i, team := range AudienceTeams {
		out[i].Team = team
		for _, g := range got {
			if g.Team == team {
				out[i].Readiness = g.Readiness
				total.Eligible += g.Eligible
				total.Ready += g.Ready
			}
		}
	}
	return out, total, nil
}

// Person is someone readiness is measured on who is not (fully) ready.
type Person struct {
	ID    int64
	Name  string
	Team  users.Team
	State AckState
	// AckedAt is their first acknowledgement, zero if none.
	AckedAt time.Time
	// AfterLaunch is true when that first acknowledgement came only after
	// launch, too late to count for readiness.
	AfterLaunch bool
}

// NotReady lists, per team and by name, the people readiness is measured
// on who have not acknowledged before launch or who have yet to
// acknowledge the current revision: what a manager chases.
func (s *Store) NotReady(ctx context.Context, id int64) ([]Person, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT u.id, u.name, u.team, c.revision, coalesce(a.revision, 0), a.acknowledged_at,
			coalesce(a.acknowledged_at >= `+launchStartSQL+`, false)
		FROM campaigns c
		JOIN users u ON u.active AND u.team IN ('sales', 'service') AND u.created_at < `+launchStartSQL+`
		LEFT JOIN acknowledgements a ON a.campaign_id = c.id AND a.user_id = u.id
		WHERE c.id = $1 AND c.status = 'announced'
		  AND (a.user_id IS NULL OR a.acknowledged_at >= `+launchStartSQL+` OR a.revision < c.revision)
		ORDER BY array_position(ARRAY['sales', 'service'], u.team), lower(u.name), u.id`, id, s.loc.String())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Person, error) {
		var p Person
		var current, mine int
		var at *time.Time
		err := r.Scan(&p.ID, &p.Name, &p.Team, &current, &mine, &at, &p.AfterLaunch)
		p.State = ackState(true, current, mine)
		if at != nil {
			p.AckedAt = *at
		}
		return p, err
	})
}

// AckResult says what an acknowledgement changed.
type AckResult int

const (
	AckAlready AckResult = iota // nothing: the current revision was acknowledged before
	AckNew                      // first acknowledgement
	AckRenewed                  // acknowledged a new revision
)

// Acknowledge records that u read the campaign's notice in its current
// revision, at time at. It is idempotent: a repeat (a double click, two
// tabs) changes nothing and reports AckAlready.
func (s *Store) Acknowledge(ctx context.Context, u users.User, id int64, at time.Time) (AckResult, error) {
	if !Acknowledges(u) {
		return AckAlready, ErrNotAudience
	}
	result := AckAlready
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// FOR SHARE: a concurrent edit that bumps the revision waits for us,
		// so it sees this acknowledgement and asks for a new one.
		var announced bool
		var revision int
		err := tx.QueryRow(ctx, `SELECT status = 'announced', revision FROM campaigns WHERE id = $1 FOR SHARE`, id).
			Scan(&announced, &revision)
		if errors.Is(err, pgx.ErrNoRows) {
			return db.ErrNotFound
		}
		if err != nil {
			return err
		}
		if !announced {
			return ErrNotAnnounced
		}
		var inserted bool
		err = tx.QueryRow(ctx, `
			INSERT INTO acknowledgements (campaign_id, user_id, revision, acknowledged_at, revision_at)
			VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT ON CONSTRAINT acknowledgements_campaign_user_key DO UPDATE
				SET revision = EXCLUDED.revision, revision_at = EXCLUDED.revision_at
				WHERE acknowledgements.revision < EXCLUDED.revision
			RETURNING xmax = 0`, id, u.ID, revision, at).Scan(&inserted)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			result = AckAlready
			return nil
		case err != nil:
			return err
		case inserted:
			result = AckNew
		default:
			result = AckRenewed
		}
		return nil
	})
	return result, err
}

// MyAck returns the revision of the campaign the user acknowledged (0 for
// none) and when they first did.
func (s *Store) MyAck(ctx context.Context, id, userID int64) (int, time.Time, error) {
	var revision int
	var at time.Time
	err := s.pool.QueryRow(ctx, `SELECT revision, acknowledged_at FROM acknowledgements
		WHERE campaign_id = $1 AND user_id = $2`, id, userID).Scan(&revision, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	return revision, at, err
}
