package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/sla"
)

// demoZone is the demo company's business timezone: its field team is in
// the DACH region whatever timezone the server shows.
const demoZone = "Europe/Berlin"

// demoBusinessHours puts the follow-up clock on business hours (Monday to
// Friday, 08:00–18:00 in Berlin, public holidays off), adds a re-routing
// step at 150 % to the ladder, gives every handed-off lead the deadline the
// calendar makes, and writes the steps that would have fired into the
// history, so the catch-up does not replay months of escalations at start.
func demoBusinessHours(ctx context.Context, pool *pgxpool.Pool, now time.Time, _ *rand.Rand) (bool, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sla_holidays)`).Scan(&exists); err != nil || exists {
		return false, err
	}
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE sla_calendar SET mode = 'business', timezone = $1, work_days = '{1,2,3,4,5}',
				opens = '08:00', closes = '18:00'`, demoZone); err != nil {
			return err
		}
		for _, h := range demoHolidays(now) {
			if _, err := tx.Exec(ctx, `INSERT INTO sla_holidays (day, name) VALUES ($1, $2)`, h.Day.String(), h.Name); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO escalation_steps (percent, action) VALUES (150, 'reroute') ON CONFLICT DO NOTHING`); err != nil {
			return err
		}
		p, err := sla.Load(ctx, tx)
		if err != nil {
			return err
		}
		steps, err := sla.LoadSteps(ctx, tx)
		if err != nil {
			return err
		}
		return demoDeadlines(ctx, tx, p, steps, now)
	})
	return err == nil, err
}

// demoHolidays are the fixed-date public holidays in Germany from the
// start of the demo's history to a year ahead.
func demoHolidays(now time.Time) []sla.Holiday {
	fixed := []struct {
		month time.Month
		day   int
		name  string
	}{
		{time.January, 1, "New Year's Day"}, {time.May, 1, "Labour Day"}, {time.October, 3, "German Unity Day"},
		{time.December, 24, "Christmas Eve"}, {time.December, 25, "Christmas Day"}, {time.December, 26, "Boxing Day"},
		{time.December, 31, "New Year's Eve"},
	}
	from, to := now.AddDate(0, -7, 0), now.AddDate(1, 0, 0)
	var out []sla.Holiday
	for y := from.Year(); y <= to.Year(); y++ {
		for _, f := range fixed {
			d := time.Date(y, f.month, f.day, 12, 0, 0, 0, time.UTC)
			if d.After(from) && d.Before(to) {
				out = append(out, sla.Holiday{Day: sla.DayOf(d), Name: f.name})
			}
		}
	}
	return out
}

type demoHandoff struct {
	ID          int64      `db:"id"`
	HandedOffAt time.Time  `db:"handed_off_at"`
	FirstTouch  *time.Time `db:"first_touch_at"`
	LeftAt      *time.Time `db:"left_at"`
	OwnerID     *int64     `db:"owner_id"`
	OwnerName   *string    `db:"owner_name"`
}

// demoDeadlines recomputes the deadlines under p and records the ladder's
// past steps: a step fired when its moment passed before the first touch
// and before the lead left the follow-up stages.
func demoDeadlines(ctx context.Context, tx pgx.Tx, p sla.Policy, steps []sla.Step, now time.Time) error {
	leads, err := db.QueryAll[demoHandoff](ctx, tx, `SELECT l.id, l.handed_off_at, l.first_touch_at,
			CASE WHEN l.stage IN ('handed_off', 'accepted') THEN NULL ELSE coalesce(l.rejected_at, l.recycled_at, l.updated_at) END AS left_at,
			l.owner_id, u.name AS owner_name
		FROM leads l LEFT JOIN users u ON u.id = l.owner_id
		WHERE l.handed_off_at IS NOT NULL`)
	if err != nil {
		return err
	}
	managers := 0
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE team = 'sales' AND role = 'manager' AND active`).Scan(&managers); err != nil {
		return err
	}
	var ids []int64
	var dues []time.Time
	var responses []*int64
	var fired [][]any
	for _, l := range leads {
		due := p.Due(l.HandedOffAt)
		ids, dues = append(ids, l.ID), append(dues, due)
		var response *int64
		if l.FirstTouch != nil {
			secs := int64(p.Elapsed(l.HandedOffAt, *l.FirstTouch) / time.Second)
			response = &secs
		}
		responses = append(responses, response)
		for _, s := range steps {
			at := p.StepAt(l.HandedOffAt, due, s.Percent)
			if !at.Before(now) || l.FirstTouch != nil && !l.FirstTouch.After(at) || l.LeftAt != nil && !l.LeftAt.After(at) {
				continue
			}
			var outcome string
			switch s.Action {
			case sla.RemindRep:
				outcome = "reminded the sales managers"
				if l.OwnerName != nil {
					outcome = "reminded " + *l.OwnerName
				}
			case sla.NotifyManagers:
				outcome = fmt.Sprintf("told %d sales manager(s) and the team channel", managers)
			default:
				// A re-route would have changed the owner the demo seeded:
				// the history leaves it out (the catch-up runs the recent
				// ones for real at start).
				continue
			}
			fired = append(fired, []any{l.ID, l.HandedOffAt, s.Percent, string(s.Action), l.OwnerID, outcome, at})
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE leads l SET sla_due_at = d.due, response_seconds = d.response
		FROM unnest($1::bigint[], $2::timestamptz[], $3::integer[]) AS d (id, due, response) WHERE l.id = d.id`,
		ids, dues, responses); err != nil {
		return err
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"lead_escalations"},
		[]string{"lead_id", "handed_off_at", "percent", "action", "owner_id", "outcome", "fired_at"}, pgx.CopyFromRows(fired))
	return err
}
