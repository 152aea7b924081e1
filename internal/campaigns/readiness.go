package campaigns

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/kpi"
	"tandem/internal/users"
)

// Readiness is the share of sales and service who were ready for a
// campaign: one definition, in SQL (campaign_audience, migration 000011),
// for this page, the list, the overview, the readiness KPI and the digest.
//
// Judged at the cut-off, the launch instant (launch day 00:00 business
// time) or an earlier "as of" instant: the audience is the active sales and
// service users who had joined by then, and ready are those of them who had
// acknowledged, before then, the talking-points revision in force then. A
// revision before launch therefore makes earlier acknowledgements stale
// until they are renewed; one after launch asks again (see AckStale) but
// does not rewrite readiness at launch.
type Readiness struct {
	Eligible int
	Ready    int
}

// Share is Ready ÷ Eligible; ok is false when nobody is eligible.
func (r Readiness) Share() (float64, bool) {
	if r.Eligible == 0 {
		return 0, false
	}
	return float64(r.Ready) / float64(r.Eligible), true
}

// Percent is the share in whole percent, rounded the way the KPI pages and
// the digest show it (kpi.Shown: halves away from zero), so 6 of 7 reads
// 86 % here and there, and the readiness status, judged on the shown value,
// agrees with the figure; ok is false when nobody is eligible.
func (r Readiness) Percent() (int, bool) {
	share, ok := r.Share()
	if !ok {
		return 0, false
	}
	return int(math.Round(kpi.Shown(kpi.Percent, share) * 100)), true
}

// TeamReadiness is one team's part of a campaign's readiness.
type TeamReadiness struct {
	Team users.Team
	Readiness
}

// AudienceTeams are the teams that acknowledge notices, in display order.
var AudienceTeams = []users.Team{users.Sales, users.Service}

// Person is someone readiness is measured on who is not ready.
type Person struct {
	ID    int64
	Name  string
	Team  users.Team
	State AckState
	// AckedAt is their first acknowledgement, zero if none.
	AckedAt time.Time
	Why     NotReadyReason
}

// NotReadyReason says why someone does not count as ready.
type NotReadyReason string

const (
	NeverAcknowledged NotReadyReason = "missing" // no acknowledgement at all
	AcknowledgedLate  NotReadyReason = "late"    // only at or after the cut-off (launch)
	EarlierRevision   NotReadyReason = "stale"   // by the cut-off, only an earlier revision
)

// ReadinessReport is a campaign's readiness as of one instant: per team,
// in total, and who is not ready. The figures and the list come from the
// same rows, so Ready + len(NotReady) is always Eligible.
type ReadinessReport struct {
	Teams    []TeamReadiness
	Total    Readiness
	NotReady []Person // by team (sales first), then name
}

// ReadinessAt reports the campaign's readiness as of at (the launch
// instant, when that comes first).
func (s *Store) ReadinessAt(ctx context.Context, id int64, at time.Time) (ReadinessReport, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT x.user_id, u.name, x.team, x.ready, c.revision, coalesce(x.acked_revision, 0) AS acked_revision,
			x.acknowledged_at, CASE WHEN x.acknowledged_at IS NULL THEN 'missing'
				WHEN x.held_revision IS NULL THEN 'late' ELSE 'stale' END AS why
		FROM campaigns c
		CROSS JOIN LATERAL campaign_audience(c.id, $2, $3) x
		JOIN users u ON u.id = x.user_id
		WHERE c.id = $1
		ORDER BY array_position(ARRAY['sales', 'service'], x.team), lower(u.name), u.id`, id, at, s.loc.String())
	if err != nil {
		return ReadinessReport{}, err
	}
	type memberRow struct {
		UserID         int64          `db:"user_id"`
		Name           string         `db:"name"`
		Team           users.Team     `db:"team"`
		Ready          bool           `db:"ready"`
		Revision       int            `db:"revision"`
		AckedRevision  int            `db:"acked_revision"`
		AcknowledgedAt *time.Time     `db:"acknowledged_at"`
		Why            NotReadyReason `db:"why"`
	}
	type member struct {
		Person
		ready bool
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[memberRow])
	if err != nil {
		return ReadinessReport{}, err
	}
	members := make([]member, len(got))
	for i, r := range got {
		members[i] = member{Person: Person{ID: r.UserID, Name: r.Name, Team: r.Team, Why: r.Why,
			State: ackState(r.Revision > 0, r.Revision, r.AckedRevision)}, ready: r.Ready}
		if r.AcknowledgedAt != nil {
			members[i].AckedAt = *r.AcknowledgedAt
		}
	}
	rep := ReadinessReport{Teams: make([]TeamReadiness, len(AudienceTeams))}
	for i, team := range AudienceTeams {
		rep.Teams[i].Team = team
	}
	for _, m := range members {
		for i := range rep.Teams {
			if rep.Teams[i].Team != m.Team {
				continue
			}
			rep.Teams[i].Eligible++
			rep.Total.Eligible++
			if m.ready {
				rep.Teams[i].Ready++
				rep.Total.Ready++
			} else {
				rep.NotReady = append(rep.NotReady, m.Person)
			}
		}
	}
	return rep, nil
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
