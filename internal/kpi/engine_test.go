package kpi

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/testdb"
)

var berlin, _ = time.LoadLocation("Europe/Berlin")

// at is a wall-clock time in Berlin, November 2026 unless given.
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, berlin)
}

type fx struct {
	t    *testing.T
	pool *pgxpool.Pool
	e    *Engine
}

func (f fx) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		f.t.Fatalf("%v\n%s", err, sql)
	}
}

func (f fx) id(sql string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&id); err != nil {
		f.t.Fatalf("%v\n%s", err, sql)
	}
	return id
}

func (f fx) user(email, team string, created time.Time, active bool) int64 {
	return f.id(`INSERT INTO users (email, name, team, role, created_at, active) VALUES ($1, $1, $2, 'member', $3, $4) RETURNING id`,
		email, team, created, active)
}

// lead inserts a lead with the given stage times (nil: not reached).
type leadRow struct {
	stage                                   string
	mql, handoff, touch, accepted, rejected *time.Time
	won                                     *time.Time
	rating                                  int
	value                                   float64
	campaign                                *int64
}

func (f fx) lead(name string, l leadRow) int64 {
	var rating, value any
	if l.rating > 0 {
		rating = l.rating
	}
	if l.value > 0 {
		value = l.value
	}
	return f.id(`INSERT INTO leads (company, contact_name, email, stage, mql_at, handed_off_at, first_touch_at,
		accepted_at, rejected_at, won_at, quality_rating, deal_value, source_campaign_id, created_at)
		VALUES ($1, 'C', $1 || '@x.example', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		name, l.stage, l.mql, l.handoff, l.touch, l.accepted, l.rejected, l.won, rating, value, l.campaign, at(1, 9, 0))
}

func tp(t time.Time) *time.Time { return &t }

// newFixture builds the hand-made company of the KPI tests. Now is
// Wednesday 18 November 2026, 12:00 in Berlin: ISO week 2026-W47, which
// runs from Monday 16 November 00:00 CET (15 Nov 23:00 UTC).
func newFixture(t *testing.T) fx {
	t.Helper()
	pool := testdb.New(t)
	e := NewEngine(pool, berlin)
	e.now = func() time.Time { return at(18, 12, 0) }
	f := fx{t: t, pool: pool, e: e}

	owner := f.user("marketer@x.example", "marketing", at(1, 9, 0).AddDate(0, -2, 0), true)
	rep := f.user("rep@x.example", "sales", at(1, 9, 0).AddDate(0, -2, 0), true)
	agent := f.user("agent@x.example", "service", at(1, 9, 0).AddDate(0, -2, 0), true)
	rep2 := f.user("rep2@x.example", "sales", at(17, 9, 0), true) // joined after C1 launched
	f.user("agent2@x.example", "service", at(1, 9, 0).AddDate(0, -2, 0), false)

	// Campaigns launching in W47 (notice_days 7).
	c1 := f.id(`INSERT INTO campaigns (name, channel, launch_on, end_on, owner_id, status, announced_at, notice_lead, notice_days, late_notice, revision)
		VALUES ('C1', 'email', '2026-11-16', '2026-12-16', $1, 'announced', $2, interval '7 days', 7, false, 1) RETURNING id`, owner, at(9, 0, 0))
	c2 := f.id(`INSERT INTO campaigns (name, channel, launch_on, end_on, owner_id, status, announced_at, notice_lead, notice_days, late_notice, late_reason, revision)
		VALUES ('C2', 'webinar', '2026-11-20', '2026-11-20', $1, 'announced', $2, interval '2 days', 7, true, 'agency late', 1) RETURNING id`, owner, at(18, 0, 0))
	f.exec(`INSERT INTO campaigns (name, channel, launch_on, end_on, owner_id) VALUES ('C3', 'event', '2026-11-22', '2026-11-22', $1)`, owner)
	// A campaign launching the Monday after W47 (in W48) must not count.
	f.exec(`INSERT INTO campaigns (name, channel, launch_on, end_on, owner_id) VALUES ('C4', 'event', '2026-11-23', '2026-11-23', $1)`, owner)
	// Acknowledgements happen before "now" (18 Nov 12:00): readiness is
	// counted as of the engine's now, so a later one would not count yet.
	f.exec(`INSERT INTO acknowledgements (campaign_id, user_id, revision, acknowledged_at, revision_at) VALUES
		($1, $3, 1, $5, $5), ($1, $4, 1, $6, $6), ($2, $7, 1, $8, $8), ($2, $4, 1, $9, $9)`,
		c1, c2, rep, agent, at(10, 9, 0), at(16, 10, 0), rep2, at(18, 9, 0), at(18, 10, 0))

	// Leads. L4 is handed off at 00:30 Monday Berlin time (Sunday 23:30
	// UTC): W47. L5 at 23:30 Sunday Berlin time: W46.
	f.lead("L1", leadRow{stage: "won", handoff: tp(at(16, 10, 0)), touch: tp(at(16, 12, 0)), accepted: tp(at(16, 14, 0)),
		won: tp(at(17, 10, 0)), rating: 5, value: 60000, campaign: &c1})
	f.lead("L2", leadRow{stage: "accepted", handoff: tp(at(16, 10, 0)), touch: tp(at(17, 16, 0)), accepted: tp(at(17, 9, 0)), rating: 4})
	f.lead("L3", leadRow{stage: "rejected", handoff: tp(at(16, 11, 0)), rejected: tp(at(16, 15, 0)), rating: 1})
	f.lead("L4", leadRow{stage: "won", handoff: tp(at(16, 0, 30)), touch: tp(at(16, 1, 30)), accepted: tp(at(16, 8, 0)),
		won: tp(at(18, 9, 0)), rating: 4, value: 20000})
	f.lead("L5", leadRow{stage: "handed_off", handoff: tp(at(15, 23, 30)), touch: tp(at(16, 9, 0))})
	f.lead("L6", leadRow{stage: "handed_off", handoff: tp(at(18, 10, 0))})
	f.lead("L7", leadRow{stage: "handed_off", handoff: tp(at(16, 9, 0))})
	for _, m := range []string{"M1", "M2", "M3"} {
		f.lead(m, leadRow{stage: "mql", mql: tp(at(17, 9, 0))})
	}
	f.lead("M0", leadRow{stage: "mql", mql: tp(at(13, 9, 0))}) // W46

	// Feedback (W47). Due times are 2 business days after creation.
	theme := f.id(`SELECT id FROM feedback_themes ORDER BY id LIMIT 1`)
	fb := func(name string, created, due time.Time, ack *time.Time, status string, statusAt time.Time, rating int, merged bool) int64 {
		var r, ratedAt, responded any
		if rating > 0 {
			r, ratedAt = rating, at(18, 8, 0)
		}
		if status != "new" {
			responded = statusAt
		}
		id := f.id(`INSERT INTO feedback_items (reporter_id, reporter_team, customer, product, theme_id, sentiment, chain_link,
			customer_words, status, status_at, acknowledged_at, ack_due_at, responded_at, response, rating, rated_at, created_at)
			VALUES ($1, 'service', $2, 'P', $3, 'negative', 'experience', 'words', $4, $5, $6, $7, $8, 'ok', $9, $10, $11) RETURNING id`,
			agent, name, theme, status, statusAt, ack, due, responded, r, ratedAt, created)
		if merged {
			f.exec(`UPDATE feedback_items SET merged_into = (SELECT min(id) FROM feedback_items), merged_at = $2 WHERE id = $1`, id, created)
		}
		return id
	}
	fb("F1", at(16, 9, 0), at(18, 9, 0), tp(at(17, 9, 0)), "acted_on", at(17, 10, 0), 5, false)
	fb("F2", at(16, 9, 0), at(18, 9, 0), tp(at(18, 10, 0)), "declined", at(18, 10, 0), 0, false)
	fb("F3", at(16, 9, 0), at(18, 9, 0), nil, "new", at(16, 9, 0), 0, false)
	fb("F4", at(18, 11, 0), at(20, 11, 0), nil, "new", at(18, 11, 0), 0, false)
	fb("F5", at(16, 9, 0), at(18, 9, 0), nil, "new", at(16, 9, 0), 0, true)
	fb("F6", at(2, 9, 0), at(4, 9, 0), tp(at(3, 9, 0)), "acted_on", at(16, 12, 0), 2, false)

	// The Q4 revenue goal: 1 300 000 for 92 days.
	f.exec(`INSERT INTO kpi_targets (kpi, period_kind, value, effective_from) VALUES ('revenue_goal', 'quarter', 1300000, '2026-10-01')`)
	return f
}

func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: no data, want %.4f", what, want)
		return
	}
	if math.Abs(*got-want) > 1e-4 {
		t.Errorf("%s = %.6f, want %.6f", what, *got, want)
	}
}

func TestEveryKPIOnAHandBuiltWeek(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	d, err := f.e.Dashboard(ctx, Week, f.e.now())
	if err != nil {
		t.Fatal(err)
	}
	if d.Period.Label() != "2026-W47" {
		t.Fatalf("period %s", d.Period.Label())
	}
	get := func(k Key) Series {
		for _, s := range d.KPIs {
			if s.Key == k {
				return s
			}
		}
		t.Fatalf("no series %s", k)
		return Series{}
	}
	cur := func(k Key) Value { return get(k).Current() }

	// Conversion: handed off in W47 = L1, L2, L3, L4, L6, L7 (6); won L1, L4 → 2/6.
	near(t, "conversion", cur(Conversion).Value, 2.0/6)
	// W46 has one handoff (L5, Sunday 23:30 Berlin) and no win: a real 0 %.
	near(t, "conversion W46", get(Conversion).Previous().Value, 0)
	// W45 has no handoffs at all: no data, not 0 %.
	if v := get(Conversion).Values[9].Value; v != nil {
		t.Errorf("conversion W45 = %v, want no data", *v)
	}
	// Acceptance: accepted in W47 L1, L2, L4; rejected L3 → 3/4.
	near(t, "acceptance", cur(Acceptance).Value, 0.75)
	// Quality: ratings 5 + 4 + 1 + 4 = 14 over 4 → 3.5.
	near(t, "quality", cur(Quality).Value, 3.5)
	// Speed (24 h SLA): L1 2 h ✓, L2 30 h ✗, L4 1 h ✓, L7 untouched past its
	// deadline ✗; L3 (rejected untouched) and L6 (clock still running) are
	// out → 2/4. Median of touched hours {1, 2, 30} = 2.
	near(t, "speed", cur(SpeedToLead).Value, 0.5)
	near(t, "speed median hours", cur(SpeedToLead).Extra, 2)
	// Revenue: won in W47 60 000 + 20 000 = 80 000 against 1 300 000 × 7/92
	// = 98 913.04 → 0.808791; campaign-sourced share 60 000 / 80 000.
	near(t, "revenue", cur(Revenue).Value, 80000/(1300000*7.0/92))
	near(t, "revenue campaign share", cur(Revenue).Extra, 0.75)
	// MQLs: M1–M3 in W47 (M0 was W46) → 3 against the default 25, the
	// denominator. The week is in progress: Wednesday 12:00 is 2.5 of its 7
	// days, so 25 × 2.5/7 = 8.93, shown 9, is due by now → 3/9.
	near(t, "mql", cur(MQLDelivered).Value, 3)
	if c := cur(MQLDelivered); c.Denominator != 25 {
		t.Errorf("mql denominator %v, want the commitment 25", c.Denominator)
	}
	near(t, "mql pace", cur(MQLDelivered).Pace, 25*2.5/7)
	near(t, "mql attainment", cur(MQLDelivered).Attainment, 3.0/9)
	// Revenue is paced too: 81 % is past the 36 % due by now.
	near(t, "revenue attainment", cur(Revenue).Attainment, 1)
	// Notice: C1 on time, C2 late; C3 is a draft whose launch day (22 Nov)
	// has not come, so it is not counted yet (C4 is W48) → 1/2.
	near(t, "notice", cur(NoticeLeadTime).Value, 1.0/2)
	// Readiness: C1 — rep ✓ (before launch), agent ✗ (after); rep2 joined
	// later and agent2 is deactivated → 1 of 2. C2 — rep2 ✓, agent ✓, rep ✗
	// → 2 of 3. Pooled 3/5.
	near(t, "readiness", cur(Readiness).Value, 0.6)
	// Feedback acknowledged in time: F1 ✓, F2 late, F3 overdue; F4 not due
	// yet, F5 merged away → 1/3.
	near(t, "feedback ack", cur(FeedbackAck).Value, 1.0/3)
	// Acted on: decided in W47 F1 acted, F2 declined, F6 acted → 2/3.
	near(t, "feedback acted", cur(FeedbackActed).Value, 2.0/3)
	// Usefulness: rated in W47 F1 5, F6 2 → 3.5.
	near(t, "feedback useful", cur(FeedbackUseful).Value, 3.5)

	// Alignment, equal weights, attainments of the shown values capped at
	// 1: conversion 1, acceptance .9375, quality .875, speed .5556, revenue
	// 1 (on pace), mql .3333 (on pace: 3 of 9), notice .5, readiness .6667,
	// ack .3667 (33 % of 90 %), acted 1, useful .875 → sum 8.1098 / 11.
	want := 100 * (1 + 0.75/0.8 + 3.5/4 + 0.5/0.9 + 1 + 3.0/9 + 0.5 + 0.6/0.9 + 0.33/0.9 + 1 + 3.5/4) / 11
	near(t, "alignment", d.Alignment.Current().Value, want)
	if len(d.Parts) != 11 {
		t.Errorf("%d index parts", len(d.Parts))
	}
}

func TestDrillDownRowsMatchTheNumbers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	week := PeriodOf(Week, f.e.now(), berlin)
	for _, def := range Definitions {
		if def.Key == Alignment || def.Key == MQLDelivered || def.Key == Revenue {
			continue
		}
		s, err := f.e.Series(ctx, def.Key, Week, f.e.now(), 2)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.e.Rows(ctx, def.Key, week, 0)
		if err != nil {
			t.Fatalf("%s: %v", def.Key, err)
		}
		var num, den float64
		for _, r := range rows {
			if def.Key == Readiness {
				num += r.Weight
				continue
			}
			den++
			if r.Counts {
				num += r.Weight
			}
		}
		if def.Key == Readiness {
			den = s.Current().Denominator // people × campaigns: shown per campaign in Detail
		}
		cur := s.Current()
		if num != cur.Numerator || den != cur.Denominator {
			t.Errorf("%s: rows give %v/%v, KPI %v/%v", def.Key, num, den, cur.Numerator, cur.Denominator)
		}
	}
	// Revenue and MQLs: the rows are the numerator.
	for _, k := range []Key{Revenue, MQLDelivered} {
		s, _ := f.e.Series(ctx, k, Week, f.e.now(), 1)
		rows, _ := f.e.Rows(ctx, k, week, 0)
		var sum float64
		for _, r := range rows {
			sum += r.Weight
		}
		if sum != s.Current().Numerator {
			t.Errorf("%s: rows sum %v, KPI numerator %v", k, sum, s.Current().Numerator)
		}
	}
}

// Past periods are judged against the target in force then.
func TestTargetChangeMidHistory(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.e.SetTarget(ctx, 0, TargetInput{KPI: Acceptance, Kind: Week, Value: "50", EffectiveFrom: "2026-11-09"}); err != nil {
		t.Fatal(err)
	}
	s, err := f.e.Series(ctx, Acceptance, Week, f.e.now(), 3)
	if err != nil {
		t.Fatal(err)
	}
	// W45 (from 2 Nov): default 0.8; W46 (from 9 Nov) and W47: 0.5.
	near(t, "W45 target", s.Values[0].Target, 0.8)
	near(t, "W46 target", s.Values[1].Target, 0.5)
	near(t, "W47 target", s.Values[2].Target, 0.5)
	// 0.75 against 0.5: attainment capped at 1.
	near(t, "W47 attainment", s.Values[2].Attainment, 1)

	// A second change the same day wins over the first; history keeps both.
	if _, err := f.e.SetTarget(ctx, 0, TargetInput{KPI: Acceptance, Kind: Week, Value: "90%", EffectiveFrom: "2026-11-16"}); err != nil {
		t.Fatal(err)
	}
	s, _ = f.e.Series(ctx, Acceptance, Week, f.e.now(), 2)
	near(t, "W46 target after", s.Values[0].Target, 0.5)
	near(t, "W47 target after", s.Values[1].Target, 0.9)
	near(t, "W47 attainment after", s.Values[1].Attainment, 0.75/0.9)
	h, _ := f.e.History(ctx, 10)
	if len(h) != 3 { // two acceptance targets and the revenue goal
		t.Errorf("history has %d rows", len(h))
	}
	// Monthly targets are separate from weekly ones.
	m, _ := f.e.Series(ctx, Acceptance, Month, f.e.now(), 1)
	near(t, "month target", m.Current().Target, 0.8)

	for _, bad := range []TargetInput{
		{KPI: Acceptance, Kind: Week, Value: "120", EffectiveFrom: "2026-11-16"},
		{KPI: Quality, Kind: Week, Value: "7", EffectiveFrom: "2026-11-16"},
		{KPI: "nope", Kind: Week, Value: "1", EffectiveFrom: "2026-11-16"},
		{KPI: Acceptance, Kind: "year", Value: "1", EffectiveFrom: "2026-11-16"},
		{KPI: Acceptance, Kind: Week, Value: "x", EffectiveFrom: "2026-11-16"},
		{KPI: Acceptance, Kind: Week, Value: "50", EffectiveFrom: "16.11.2026"},
		{KPI: RevenueGoal, Kind: Month, Value: "1000", EffectiveFrom: "2026-11-01"},
	} {
		if _, err := f.e.SetTarget(ctx, 0, bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

func TestNoGoalMeansNoRevenueAttainment(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	e := NewEngine(pool, berlin)
	s, err := e.Series(context.Background(), Revenue, Month, at(18, 12, 0), 1)
	if err != nil {
		t.Fatal(err)
	}
	if s.Current().Value != nil || s.Current().Attainment != nil {
		t.Errorf("without a goal: %+v", s.Current())
	}
}

// Pinned before a campaign's announcement (a digest's cut-off), readiness
// leaves that campaign out: at the cut-off it was a draft, not a notice
// people had failed to acknowledge.
func TestReadinessAsOfACutOffBeforeTheAnnouncement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.e.now = func() time.Time { return at(17, 12, 0) } // C2 is announced on the 18th
	s, err := f.e.Series(context.Background(), Readiness, Week, at(17, 12, 0), 1)
	if err != nil {
		t.Fatal(err)
	}
	// C1 alone: rep ready, agent acknowledged after launch → 1 of 2.
	near(t, "readiness as of the 17th", s.Current().Value, 0.5)
}
