package kpi_test

// The independent check: a randomized company, and every KPI recomputed
// per period with deliberately plain SQL written from docs/kpis.md, one
// query per KPI and period, sharing nothing with internal/kpi (not its
// queries, not its period arithmetic: periods are cut here by PostgreSQL's
// date_trunc in the business timezone). Every numerator, denominator and
// value of 12 months, 12 weeks and 4 quarters must match the engine.
//
// The seed is printed; KPI_CHECK_SEED=<n> replays one.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/kpi"
	"tandem/internal/testdb"
)

func TestKPIsAgreeWithAnIndependentRecount(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("KPI_CHECK_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (replay with KPI_CHECK_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0x7a6e))

	const tz = "Europe/Berlin"
	loc, _ := time.LoadLocation(tz)
	// A Wednesday afternoon in the week after the October DST change, so
	// the trailing weeks and months cross it.
	now := time.Date(2026, 11, 18, 15, 37, 0, 0, loc)
	pool := testdb.New(t)
	ctx := context.Background()
	sla := []int{24, 48}[rng.IntN(2)]
	b := checkBuilder{t: t, pool: pool, rng: rng, now: now}
	b.exec(`INSERT INTO settings (key, value) VALUES ('sla_hours', $1)`, strconv.Itoa(sla))
	b.build()

	var advanced, drafts int
	if err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM leads WHERE first_touch_at IS NULL AND handed_off_at + make_interval(hours => $1) < $2
		   AND stage NOT IN ('handed_off', 'accepted')),
		(SELECT count(*) FROM campaigns WHERE status = 'draft' AND launch_on > ($2 AT TIME ZONE 'Europe/Berlin')::date)`,
		sla, now).Scan(&advanced, &drafts); err != nil {
		t.Fatal(err)
	}
	t.Logf("fixture: %d leads left untouched past the SLA and later moved on, %d future drafts", advanced, drafts)
	if advanced == 0 || drafts == 0 {
		t.Fatal("the fixture lacks the cases the check is for")
	}

	eng := kpi.NewEngine(pool, loc).At(now)
	cells, mismatches := 0, 0
	for _, pk := range []struct {
		kind kpi.Kind
		n    int
	}{{kpi.Month, 12}, {kpi.Week, 12}, {kpi.Quarter, 4}} {
		periods := b.periods(tz, string(pk.kind), pk.n)
		for _, def := range kpi.Definitions {
			if def.Key == kpi.Alignment {
				continue
			}
			s, err := eng.Series(ctx, def.Key, pk.kind, now, pk.n)
			if err != nil {
				t.Fatalf("%s %s: %v", def.Key, pk.kind, err)
			}
			for i, p := range periods {
				got := s.Values[i]
				if !got.Period.Start.Equal(p.start) || !got.Period.End.Equal(p.end) {
					t.Fatalf("%s %s period %d: engine [%v, %v), recount [%v, %v)", def.Key, pk.kind, i,
						got.Period.Start, got.Period.End, p.start, p.end)
				}
				want := b.recount(def.Key, tz, sla, p)
				cells++
				label := fmt.Sprintf("%s %s %s", def.Key, pk.kind, got.Period.Label())
				bad := !same(got.Numerator, want.num) || !same(got.Denominator, want.den) || !samePtr(got.Value, want.value) ||
					(want.open != nil && got.Open != *want.open) || (want.extra != nil && !samePtr(got.Extra, want.extra))
				if bad {
					mismatches++
					t.Errorf("%s: engine %v / %v = %s (open %d, extra %s), recount %v / %v = %s (open %s, extra %s)", label,
						got.Numerator, got.Denominator, show(got.Value), got.Open, show(got.Extra),
						want.num, want.den, show(want.value), showInt(want.open), show(want.extra))
				}
			}
		}
	}
	t.Logf("%d KPI × period cells compared, %d differ", cells, mismatches)
	if cells != 11*28 {
		t.Errorf("compared %d cells, want %d", cells, 11*28)
	}
}

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

// periods cuts the n periods of kind ending with the one containing now,
// with date_trunc in the business timezone.
func (b checkBuilder) periods(tz, kind string, n int) []checkPeriod {
	step := map[string]string{"week": "1 week", "month": "1 month", "quarter": "3 months"}[kind]
	rows, err := b.pool.Query(context.Background(), `
		SELECT (date_trunc($2, $1::timestamptz AT TIME ZONE $3) - g * $4::interval) AT TIME ZONE $3,
		       (date_trunc($2, $1::timestamptz AT TIME ZONE $3) - (g - 1) * $4::interval) AT TIME ZONE $3
		FROM generate_series($5::int - 1, 0, -1) g`, b.now, kind, tz, step, n)
	if err != nil {
		b.t.Fatal(err)
	}
	defer rows.Close()
	var out []checkPeriod
	for rows.Next() {
		var p checkPeriod
		if err := rows.Scan(&p.start, &p.end); err != nil {
			b.t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func (b checkBuilder) row(sql string, args ...any) (float64, float64) {
	b.t.Helper()
	var num, den float64
	if err := b.pool.QueryRow(context.Background(), sql, args...).Scan(&num, &den); err != nil {
		b.t.Fatalf("%v\n%s", err, sql)
	}
	return num, den
}

func (b checkBuilder) count(sql string, args ...any) int {
	b.t.Helper()
	var n int
	if err := b.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		b.t.Fatalf("%v\n%s", err, sql)
	}
	return n
}

func ratio(num, den float64) *float64 {
	if den == 0 {
		return nil
	}
	v := num / den
	return &v
}

// target is the row of kpi_targets in force on the period's first day
// (latest effective_from on or before it, ties: the newest row), else nil.
func (b checkBuilder) target(key, kind, tz string, p checkPeriod) *float64 {
	var v *float64
	err := b.pool.QueryRow(context.Background(), `SELECT value::float8 FROM kpi_targets
		WHERE kpi = $1 AND period_kind = $2 AND effective_from <= ($3::timestamptz AT TIME ZONE $4)::date
		ORDER BY effective_from DESC, id DESC LIMIT 1`, key, kind, p.start, tz).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

// recount computes one KPI in one period from the docs.
func (b checkBuilder) recount(key kpi.Key, tz string, sla int, p checkPeriod) recounted {
	s, e, now := p.start, p.end, b.now
	var r recounted
	switch key {
	case kpi.Conversion: // won so far / handed off in the period (latest handoff)
		r.num, r.den = b.row(`SELECT count(*) FILTER (WHERE won_at IS NOT NULL), count(*) FROM leads
			WHERE handed_off_at >= $1 AND handed_off_at < $2`, s, e)
		r.value = ratio(r.num, r.den)
	case kpi.Acceptance: // verdicts by their own time
		a, _ := b.row(`SELECT count(*), 0 FROM leads WHERE accepted_at >= $1 AND accepted_at < $2`, s, e)
		j, _ := b.row(`SELECT count(*), 0 FROM leads WHERE rejected_at >= $1 AND rejected_at < $2`, s, e)
		r.num, r.den = a, a+j
		r.value = ratio(r.num, r.den)
	case kpi.Quality: // ratings given with acceptances and rejections in the period
		r.num, r.den = b.row(`SELECT coalesce(sum(quality_rating), 0), count(quality_rating) FROM leads
			WHERE (accepted_at >= $1 AND accepted_at < $2) OR (rejected_at >= $1 AND rejected_at < $2)`, s, e)
		r.value = ratio(r.num, r.den)
	case kpi.SpeedToLead:
		// Hits: touched by the deadline. Misses: the deadline passed with no
		// touch by then and no rejection by then, whatever came later.
		deadline := fmt.Sprintf("(handed_off_at + interval '%d hours')", sla)
		hits, misses := b.row(`SELECT count(*) FILTER (WHERE first_touch_at <= `+deadline+`),
			count(*) FILTER (WHERE `+deadline+` < $3 AND (first_touch_at IS NULL OR first_touch_at > `+deadline+`)
			                 AND NOT coalesce(rejected_at <= `+deadline+`, false))
			FROM leads WHERE handed_off_at >= $1 AND handed_off_at < $2`, s, e, now)
		r.num, r.den = hits, hits+misses
		r.value = ratio(r.num, r.den)
		open := b.count(`SELECT count(*) FROM leads WHERE handed_off_at >= $1 AND handed_off_at < $2
			AND first_touch_at IS NULL AND stage IN ('handed_off', 'accepted') AND `+deadline+` < $3`, s, e, now)
		r.open = &open
		// The median hours from handoff to first touch of the touched leads.
		rows, err := b.pool.Query(context.Background(), `SELECT extract(epoch FROM first_touch_at - handed_off_at)::float8 / 3600
			FROM leads WHERE handed_off_at >= $1 AND handed_off_at < $2 AND first_touch_at IS NOT NULL`, s, e)
		if err != nil {
			b.t.Fatal(err)
		}
		var hours []float64
		for rows.Next() {
			var h float64
			_ = rows.Scan(&h)
			hours = append(hours, h)
		}
		rows.Close()
		if len(hours) > 0 {
			sort.Float64s(hours)
			m := hours[len(hours)/2]
			if len(hours)%2 == 0 {
				m = (hours[len(hours)/2-1] + hours[len(hours)/2]) / 2
			}
			r.extra = &m
		}
	case kpi.Revenue:
		// Won value / the quarter's goal in force at the period's start,
		// prorated by calendar days; no goal (or 0): no data.
		r.num, _ = b.row(`SELECT coalesce(sum(deal_value), 0)::float8, 0 FROM leads WHERE won_at >= $1 AND won_at < $2`, s, e)
		var days, quarterDays float64
		if err := b.pool.QueryRow(context.Background(), `SELECT (($2::timestamptz AT TIME ZONE $3)::date - ($1::timestamptz AT TIME ZONE $3)::date)::float8,
			((date_trunc('quarter', $1::timestamptz AT TIME ZONE $3) + interval '3 months')::date - date_trunc('quarter', $1::timestamptz AT TIME ZONE $3)::date)::float8`,
			s, e, tz).Scan(&days, &quarterDays); err != nil {
			b.t.Fatal(err)
		}
		if goal := b.target("revenue_goal", "quarter", tz, p); goal != nil && *goal > 0 {
			r.den = *goal * days / quarterDays
			r.value = ratio(r.num, r.den)
		}
	case kpi.MQLDelivered:
		// A count against the commitment in force (defaults 25 / 100 / 300).
		r.num, _ = b.row(`SELECT count(*), 0 FROM leads WHERE mql_at >= $1 AND mql_at < $2`, s, e)
		days := e.Sub(s).Hours() / 24
		kind, def := "week", 25.0
		switch {
		case days > 80:
			kind, def = "quarter", 300
		case days > 20:
			kind, def = "month", 100
		}
		r.den = def
		if t := b.target("mql", kind, tz, p); t != nil {
			r.den = *t
		}
		v := r.num
		r.value = &v
	case kpi.NoticeLeadTime:
		// Campaigns launching in the period (calendar days in the business
		// timezone), announced, or drafts whose launch day has come.
		r.num, r.den = b.row(`SELECT count(*) FILTER (WHERE status = 'announced' AND NOT late_notice), count(*) FROM campaigns
			WHERE launch_on >= ($1::timestamptz AT TIME ZONE $4)::date AND launch_on < ($2::timestamptz AT TIME ZONE $4)::date
			  AND (status = 'announced' OR launch_on <= ($3::timestamptz AT TIME ZONE $4)::date)`, s, e, now, tz)
		r.value = ratio(r.num, r.den)
	case kpi.Readiness:
		// Per announced campaign launching in the period, judged at its
		// cut-off: the launch instant (00:00 business time), or now for a
		// launch still ahead. Eligible: active sales and service people
		// created before the cut-off. Ready: they acknowledged, before the
		// cut-off, the revision in force then — the fixture has one
		// revision, in force from the announcement, so an acknowledgement
		// counts when both it and the announcement precede the cut-off.
		// Pooled over the campaigns.
		r.num, r.den = b.row(`
			WITH c AS (SELECT id, announced_at, least(launch_on::timestamp AT TIME ZONE $3, $4) AS cutoff FROM campaigns
			           WHERE status = 'announced' AND launch_on >= ($1::timestamptz AT TIME ZONE $3)::date
			             AND launch_on < ($2::timestamptz AT TIME ZONE $3)::date)
			SELECT coalesce(sum((SELECT count(*) FROM acknowledgements a JOIN users u ON u.id = a.user_id
			           WHERE a.campaign_id = c.id AND u.active AND u.team IN ('sales', 'service') AND u.created_at < c.cutoff
			             AND a.acknowledged_at < c.cutoff AND c.announced_at < c.cutoff)), 0),
			       coalesce(sum((SELECT count(*) FROM users u WHERE u.active AND u.team IN ('sales', 'service')
			             AND u.created_at < c.cutoff)), 0)
			FROM c`, s, e, tz, now)
		r.value = ratio(r.num, r.den)
	case kpi.FeedbackAck:
		// Items logged in the period (no merged duplicates), acknowledged or
		// past their due time; in time when acknowledged by the due time.
		r.num, r.den = b.row(`SELECT count(*) FILTER (WHERE acknowledged_at <= ack_due_at),
			count(*) FILTER (WHERE acknowledged_at IS NOT NULL OR ack_due_at < $3)
			FROM feedback_items WHERE created_at >= $1 AND created_at < $2 AND merged_into IS NULL`, s, e, now)
		r.value = ratio(r.num, r.den)
		open := b.count(`SELECT count(*) FROM feedback_items WHERE created_at >= $1 AND created_at < $2 AND merged_into IS NULL
			AND acknowledged_at IS NULL AND ack_due_at < $3`, s, e, now)
		r.open = &open
	case kpi.FeedbackActed:
		r.num, r.den = b.row(`SELECT count(*) FILTER (WHERE status = 'acted_on'), count(*) FROM feedback_items
			WHERE status IN ('acted_on', 'declined') AND status_at >= $1 AND status_at < $2 AND merged_into IS NULL`, s, e)
		r.value = ratio(r.num, r.den)
	case kpi.FeedbackUseful:
		r.num, r.den = b.row(`SELECT coalesce(sum(rating), 0), count(rating) FROM feedback_items WHERE rated_at >= $1 AND rated_at < $2`, s, e)
		r.value = ratio(r.num, r.den)
	default:
		b.t.Fatalf("no recount for %s", key)
	}
	return r
}

func same(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func samePtr(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return same(*a, *b)
}

func show(v *float64) string {
	if v == nil {
		return "no data"
	}
	return strconv.FormatFloat(*v, 'f', 4, 64)
}

func showInt(v *int) string {
	if v == nil {
		return "—"
	}
	return strconv.Itoa(*v)
}
