package kpi_test

// The independent check's company: a randomized fixture built with plain
// SQL (see independent_test.go).

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

type checkPeriod struct{ start, end time.Time }

type recounted struct {
	num, den float64
	value    *float64
	open     *int     // misses still open, where the KPI has them
	extra    *float64 // compared where the docs define it (the speed median)
}

type checkBuilder struct {
	t    *testing.T
	pool *pgxpool.Pool
	rng  *rand.Rand
	now  time.Time
}

func (b checkBuilder) exec(sql string, args ...any) {
	b.t.Helper()
	if _, err := b.pool.Exec(context.Background(), sql, args...); err != nil {
		b.t.Fatalf("%v\n%s", err, sql)
	}
}

func (b checkBuilder) id(sql string, args ...any) int64 {
	b.t.Helper()
	var id int64
	if err := b.pool.QueryRow(context.Background(), sql, args...).Scan(&id); err != nil {
		b.t.Fatalf("%v\n%s", err, sql)
	}
	return id
}

// at is a random instant between from and to days relative to now.
func (b checkBuilder) at(fromDays, toDays float64) time.Time {
	d := fromDays + b.rng.Float64()*(toDays-fromDays)
	return b.now.Add(time.Duration(d * 24 * float64(time.Hour))).Truncate(time.Second)
}

func (b checkBuilder) hours(lo, hi float64) time.Duration {
	return time.Duration((lo + b.rng.Float64()*(hi-lo)) * float64(time.Hour))
}

func (b checkBuilder) chance(p float64) bool { return b.rng.Float64() < p }

// notAfterNow keeps generated events in the past.
func (b checkBuilder) past(t time.Time) *time.Time {
	if t.After(b.now) {
		return nil
	}
	return &t
}

// build fills the database: people who join and leave, campaigns (some
// future drafts, some late), acknowledgements around launch, leads through
// every stage (among them leads left untouched past their SLA that were
// later accepted, won, lost or rejected), feedback in every state, and
// target histories for the MQL commitment and the revenue goal.
func (b checkBuilder) build() {
	var field []int64 // sales and service
	var marketers []int64
	for i := range 14 {
		team := []string{"marketing", "sales", "sales", "service", "sales", "service"}[i%6]
		created := b.at(-500, -5)
		active := !b.chance(0.15)
		id := b.id(`INSERT INTO users (email, name, team, role, created_at, active) VALUES ($1, $1, $2, 'member', $3, $4) RETURNING id`,
			fmt.Sprintf("u%d@check.example", i), team, created, active)
		if team == "marketing" {
			marketers = append(marketers, id)
		} else {
			field = append(field, id)
		}
	}

	var campaigns []int64
	for i := range 45 {
		launch := b.at(-420, 45).In(b.now.Location())
		launchOn := launch.Format("2006-01-02")
		launchAt := time.Date(launch.Year(), launch.Month(), launch.Day(), 0, 0, 0, 0, b.now.Location())
		owner := marketers[b.rng.IntN(len(marketers))]
		var id int64
		if announcedAt := launchAt.Add(-b.hours(-24, 24*20)); !announcedAt.After(b.now) && !b.chance(0.25) {
			late := announcedAt.After(launchAt.Add(-7 * 24 * time.Hour))
			reason := ""
			if late {
				reason = "agency late"
			}
			id = b.id(`INSERT INTO campaigns (name, channel, launch_on, end_on, owner_id, status, announced_at, notice_lead, notice_days,
				late_notice, late_reason, revision) VALUES ($1, 'email', $2, $2::date + 10, $3, 'announced', $4, $5, 7, $6, $7, 1)
				RETURNING id`, fmt.Sprintf("C%d", i), launchOn, owner, announcedAt, launchAt.Sub(announcedAt), late, reason)
			for _, u := range field {
				if ack := b.past(launchAt.Add(-b.hours(-72, 24*10))); ack != nil && b.chance(0.6) {
					b.exec(`INSERT INTO acknowledgements (campaign_id, user_id, revision, acknowledged_at, revision_at)
						VALUES ($1, $2, 1, $3, $3)`, id, u, *ack)
				}
			}
		} else {
			id = b.id(`INSERT INTO campaigns (name, channel, launch_on, end_on, owner_id) VALUES ($1, 'event', $2, $2::date + 3, $3) RETURNING id`,
				fmt.Sprintf("C%d", i), launchOn, owner)
		}
		campaigns = append(campaigns, id)
	}

	// Always among them: a draft launching later this week (not counted
	// yet) and one launching today (late already).
	for i, launchOn := range []string{"2026-11-20", "2026-11-18"} {
		campaigns = append(campaigns, b.id(`INSERT INTO campaigns (name, channel, launch_on, end_on, owner_id)
			VALUES ($1, 'event', $2, $2::date + 1, $3) RETURNING id`, fmt.Sprintf("Draft %d", i), launchOn, marketers[0]))
	}

	for i := range 700 {
		created := b.at(-430, 0)
		l := map[string]any{"stage": "new", "created_at": created}
		cur := created
		step := func(lo, hi float64) *time.Time {
			at := b.past(cur.Add(b.hours(lo, hi)))
			if at != nil {
				cur = *at
			}
			return at
		}
		if mql := step(1, 24*10); mql != nil && b.chance(0.9) {
			l["stage"], l["mql_at"] = "mql", *mql
			if ho := step(1, 24*6); ho != nil && b.chance(0.85) {
				l["stage"], l["handed_off_at"] = "handed_off", *ho
				handoff := *ho
				// First touch: in time, late, or never (the breaches).
				switch r := b.rng.Float64(); {
				case r < 0.55:
					l["first_touch_at"] = b.past(handoff.Add(b.hours(0.1, 23.5)))
				case r < 0.75:
					l["first_touch_at"] = b.past(handoff.Add(b.hours(24.5, 24*4)))
				}
				if l["first_touch_at"] == (*time.Time)(nil) {
					delete(l, "first_touch_at")
				}
				// The verdict, whether or not anyone touched the lead: the
				// untouched ones go on to every stage too.
				switch r := b.rng.Float64(); {
				case r < 0.6:
					if acc := b.past(handoff.Add(b.hours(0.5, 24*5))); acc != nil {
						l["stage"], l["accepted_at"], l["quality_rating"] = "accepted", *acc, 1+b.rng.IntN(5)
						cur = *acc
						switch r := b.rng.Float64(); {
						case r < 0.5:
							if opp := step(1, 24*15); opp != nil {
								l["stage"], l["opportunity_at"] = "opportunity", *opp
								switch r := b.rng.Float64(); {
								case r < 0.4:
									if won := step(1, 24*40); won != nil {
										l["stage"], l["won_at"], l["deal_value"] = "won", *won, math.Round(b.rng.Float64()*90000+500)
									}
								case r < 0.7:
									if lost := step(1, 24*40); lost != nil {
										l["stage"], l["lost_at"], l["lost_reason"] = "lost", *lost, "went elsewhere"
									}
								}
							}
						case r < 0.6:
							if lost := step(1, 24*20); lost != nil {
								l["stage"], l["lost_at"], l["lost_reason"] = "lost", *lost, "went cold"
							}
						}
					}
				case r < 0.85:
					// Rejected before or after the deadline (SLA 24 or 48 h).
					if rej := b.past(handoff.Add(b.hours(0.5, 24*4))); rej != nil {
						l["stage"], l["rejected_at"], l["quality_rating"], l["rejection_reason"] = "rejected", *rej, 1+b.rng.IntN(3), "not_icp"
						cur = *rej
						if rec := step(1, 24*10); rec != nil && b.chance(0.3) {
							l["stage"], l["recycled_at"] = "recycled", *rec
						}
					}
				}
			}
		}
		if b.chance(0.3) {
			l["source_campaign_id"] = campaigns[b.rng.IntN(len(campaigns))]
		}
		cols, vals := []string{"company", "contact_name", "email"}, []any{fmt.Sprintf("L%d", i), "C", fmt.Sprintf("l%d@check.example", i)}
		keys := make([]string, 0, len(l))
		for k := range l {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			cols, vals = append(cols, k), append(vals, l[k])
		}
		sql := "INSERT INTO leads ("
		args := ""
		for j, c := range cols {
			if j > 0 {
				sql += ", "
				args += ", "
			}
			sql += c
			args += fmt.Sprintf("$%d", j+1)
		}
		b.exec(sql+") VALUES ("+args+")", vals...)
	}

	theme := b.id(`SELECT id FROM feedback_themes ORDER BY id LIMIT 1`)
	var items []int64
	for i := range 320 {
		created := b.at(-430, 0)
		due := created.Add(b.hours(40, 100))
		status, statusAt := "new", created
		var ack, responded, ratedAt *time.Time
		var rating any
		if a := b.past(created.Add(b.hours(1, 120))); a != nil && b.chance(0.75) {
			ack, responded = a, a
			status, statusAt = []string{"acknowledged", "planned", "acted_on", "declined"}[b.rng.IntN(4)], *a
			if s := b.past(a.Add(b.hours(1, 24*30))); s != nil && (status == "acted_on" || status == "declined") {
				statusAt = *s
			}
			if r := b.past(statusAt.Add(b.hours(1, 24*10))); r != nil && b.chance(0.5) {
				ratedAt, rating = r, 1+b.rng.IntN(5)
			}
		}
		items = append(items, b.id(`INSERT INTO feedback_items (reporter_id, reporter_team, customer, product, theme_id, sentiment, chain_link,
			customer_words, status, status_at, acknowledged_at, ack_due_at, responded_at, response, rating, rated_at, created_at)
			VALUES ($1, 'service', $2, 'P', $3, 'negative', 'experience', 'words', $4, $5, $6, $7, $8, 'ok', $9, $10, $11) RETURNING id`,
			field[b.rng.IntN(len(field))], fmt.Sprintf("F%d", i), theme, status, statusAt, ack, due, responded, rating, ratedAt, created))
	}
	for _, id := range items[1:] {
		if b.chance(0.06) {
			b.exec(`UPDATE feedback_items SET merged_into = $2, merged_at = created_at WHERE id = $1`, id, items[0])
		}
	}

	// Target histories: a commitment that changes mid-year (from a day
	// inside a period: it applies from the next period begun on or after
	// it), and a revenue goal missing for one quarter.
	b.exec(`INSERT INTO kpi_targets (kpi, period_kind, value, effective_from) VALUES
		('mql', 'week', 12, '2025-06-01'), ('mql', 'week', 15, '2026-09-10'),
		('mql', 'month', 50, '2025-06-01'), ('mql', 'month', 60, '2026-07-15'), ('mql', 'month', 65, '2026-07-15'),
		('mql', 'quarter', 170, '2026-04-01'),
		('revenue_goal', 'quarter', 900000, '2025-10-01'), ('revenue_goal', 'quarter', 0, '2026-01-01'),
		('revenue_goal', 'quarter', 1200000, '2026-04-01'), ('revenue_goal', 'quarter', 1500000, '2026-08-20')`)
}
