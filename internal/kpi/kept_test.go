package kpi

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"tandem/internal/testdb"
)

// randomCompany fills a database with a year and a half of random leads,
// feedback and campaigns around now, deadlines included.
func randomCompany(t *testing.T, rng *rand.Rand, now time.Time) fx {
	t.Helper()
	f := fx{t: t, pool: testdb.New(t)}
	long := now.AddDate(-2, 0, 0)
	marketer := f.user("marketer@x.example", "marketing", long, true)
	rep := f.user("rep@x.example", "sales", long, true)
	agent := f.user("agent@x.example", "service", long, true)
	f.user("late.rep@x.example", "sales", now.AddDate(0, -3, 0), true)
	theme := f.id(`SELECT id FROM feedback_themes ORDER BY id LIMIT 1`)
	at := func(maxDaysAgo int) time.Time {
		return now.Add(-time.Duration(rng.Int64N(int64(maxDaysAgo) * 24 * int64(time.Hour))))
	}
	var campaigns []int64
	for i := range 30 {
		launch := at(540).AddDate(0, 0, 30) // some still ahead
		announced := launch.AddDate(0, 0, -rng.IntN(14))
		id := f.id(`INSERT INTO campaigns (name, channel, launch_on, end_on, owner_id, status, announced_at, notice_lead, notice_days, late_notice, late_reason, revision)
			VALUES ($1, 'email', $2::date, $2::date + 10, $3, 'announced', $4::timestamptz, ($2::date - $4::timestamptz::date) * interval '1 day', 7,
			        $2::date - $4::timestamptz::date < 7, CASE WHEN $2::date - $4::timestamptz::date < 7 THEN 'late' ELSE '' END, 1) RETURNING id`,
			fmt.Sprintf("C%d", i), launch.Format(time.DateOnly), marketer, announced)
		campaigns = append(campaigns, id)
		if rng.IntN(2) == 0 {
			f.exec(`INSERT INTO acknowledgements (campaign_id, user_id, revision, acknowledged_at, revision_at) VALUES ($1, $2, 1, $3, $3)`,
				id, []int64{rep, agent}[rng.IntN(2)], announced.Add(time.Hour))
		}
	}
	for i := range 600 {
		handoff := at(540)
		l := leadRow{stage: "handed_off", handoff: &handoff}
		mql := handoff.Add(-time.Hour)
		l.mql = &mql
		switch rng.IntN(6) {
		case 0: // untouched, deadline maybe ahead
		case 1:
			l.stage, l.rejected, l.rating = "rejected", tp(handoff.Add(time.Duration(rng.IntN(48))*time.Hour)), 1+rng.IntN(5)
		default:
			l.touch = tp(handoff.Add(time.Duration(rng.IntN(72)) * time.Hour))
			l.stage, l.accepted, l.rating = "accepted", tp(handoff.Add(time.Duration(rng.IntN(24))*time.Hour)), 1+rng.IntN(5)
			if rng.IntN(3) == 0 {
				l.stage, l.won, l.value = "won", tp(handoff.AddDate(0, 0, rng.IntN(60))), float64(1000+rng.IntN(90000))
			}
		}
		if rng.IntN(3) == 0 {
			l.campaign = &campaigns[rng.IntN(len(campaigns))]
		}
		id := f.lead(fmt.Sprintf("L%d", i), l)
		f.exec(`UPDATE leads SET owner_id = $2, sla_due_at = handed_off_at + make_interval(hours => $3) WHERE id = $1`, id, rep, 4+rng.IntN(200))
	}
	for i := range 200 {
		created := at(540)
		var ack, statusAt, rated, rating any
		status := "new"
		if rng.IntN(2) == 0 {
			ack = created.Add(time.Duration(rng.IntN(96)) * time.Hour)
			if rng.IntN(2) == 0 {
				status, statusAt = []string{"acted_on", "declined"}[rng.IntN(2)], ack.(time.Time).AddDate(0, 0, rng.IntN(30))
				if rng.IntN(2) == 0 {
					rating, rated = 1+rng.IntN(5), statusAt.(time.Time).AddDate(0, 0, rng.IntN(40))
				}
			}
		}
		f.exec(`INSERT INTO feedback_items (reporter_id, reporter_team, customer, product, theme_id, sentiment, chain_link,
			customer_words, status, status_at, acknowledged_at, ack_due_at, responded_at, response, rating, rated_at, created_at)
			VALUES ($1, 'service', $2, 'P', $3, 'negative', 'experience', 'words', $4, coalesce($5::timestamptz, $9::timestamptz), $6::timestamptz, $9::timestamptz + interval '2 days', $5::timestamptz, 'ok', $7::int, $8::timestamptz, $9::timestamptz)`,
			agent, fmt.Sprintf("F%d", i), theme, status, statusAt, ack, rating, rated, created)
	}
	return f
}

// randomWrite changes the company the way users, imports and the API do,
// often in periods long closed.
func randomWrite(f fx, rng *rand.Rand, now time.Time) string {
	past := now.Add(-time.Duration(rng.Int64N(int64(500 * 24 * time.Hour))))
	switch rng.IntN(9) {
	case 0:
		f.exec(`UPDATE leads SET stage = 'won', won_at = $1, deal_value = 5000 WHERE id = (SELECT id FROM leads WHERE won_at IS NULL ORDER BY random() LIMIT 1)`, past)
		return "a deal won, backdated"
	case 1:
		f.exec(`UPDATE leads SET first_touch_at = $1 WHERE id = (SELECT id FROM leads WHERE first_touch_at IS NULL ORDER BY random() LIMIT 1)`, now)
		return "a late first touch"
	case 2:
		f.exec(`DELETE FROM leads WHERE id = (SELECT id FROM leads ORDER BY random() LIMIT 1)`)
		return "a lead erased"
	case 3:
		f.exec(`INSERT INTO leads (company, contact_name, email, stage, mql_at, handed_off_at, sla_due_at, accepted_at, quality_rating, created_at)
			VALUES ('Imported', 'C', 'imported' || random() || '@x.example', 'accepted', $1::timestamptz, $1::timestamptz, $1::timestamptz + interval '1 day', $1::timestamptz, 3, $1::timestamptz)`, past)
		return "a backdated import"
	case 4:
		f.exec(`UPDATE leads SET quality_rating = 1 + (quality_rating % 5) WHERE id = (SELECT id FROM leads WHERE quality_rating IS NOT NULL ORDER BY random() LIMIT 1)`)
		return "a rating corrected"
	case 5:
		f.exec(`UPDATE feedback_items SET status = 'acted_on', status_at = $1, responded_at = $1, acknowledged_at = coalesce(acknowledged_at, $1)
			WHERE id = (SELECT id FROM feedback_items ORDER BY random() LIMIT 1)`, past)
		return "feedback acted on, backdated"
	case 6:
		f.exec(`UPDATE feedback_items SET acknowledged_at = $1 WHERE id = (SELECT id FROM feedback_items WHERE acknowledged_at IS NULL ORDER BY random() LIMIT 1)`, now)
		return "feedback acknowledged late"
	case 7:
		f.exec(`INSERT INTO acknowledgements (campaign_id, user_id, revision, acknowledged_at, revision_at)
			SELECT c.id, u.id, 1, $1, $1 FROM campaigns c CROSS JOIN users u WHERE u.team IN ('sales', 'service')
			ON CONFLICT DO NOTHING`, past)
		return "acknowledgements loaded"
	default:
		f.exec(`UPDATE leads SET deal_value = deal_value + 1 WHERE id = (SELECT id FROM leads WHERE won_at IS NOT NULL ORDER BY random() LIMIT 1)`)
		return "a deal value corrected"
	}
}

// sameRaw compares two dashboards' counted numbers, period by period.
func sameRaw(t *testing.T, what string, kept, fresh Dashboard) {
	t.Helper()
	for i, s := range fresh.KPIs {
		for j, v := range s.Values {
			k := kept.KPIs[i].Values[j]
			if k.Numerator != v.Numerator || k.Denominator != v.Denominator || k.Open != v.Open ||
				(k.Extra == nil) != (v.Extra == nil) || (k.Extra != nil && *k.Extra != *v.Extra) {
				t.Errorf("%s: %s %s kept %v/%v extra %v open %d, recomputed %v/%v extra %v open %d", what, s.Key, v.Period.Label(),
					k.Numerator, k.Denominator, fmtPtr(k.Extra), k.Open, v.Numerator, v.Denominator, fmtPtr(v.Extra), v.Open)
			}
		}
	}
}

// Kept periods are only ever a shortcut: after any sequence of writes, and
// as time passes, the dashboard equals a full recomputation.
func TestKeptPeriodsEqualAFullRecomputation(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	now := time.Date(2026, 11, 18, 12, 0, 0, 0, berlin)
	f := randomCompany(t, rng, now)
	ctx := context.Background()
	kept := NewEngine(f.pool, berlin)
	kept.KeepSettledPeriods()
	fresh := NewEngine(f.pool, berlin)
	clock := func(t time.Time) {
		kept.now = func() time.Time { return t }
		fresh.now = kept.now
	}
	clock(now)
	compare := func(what string) {
		t.Helper()
		for _, kind := range Kinds {
			k, err := kept.Dashboard(ctx, kind, kept.now())
			if err != nil {
				t.Fatal(err)
			}
			r, err := fresh.Dashboard(ctx, kind, fresh.now())
			if err != nil {
				t.Fatal(err)
			}
			sameRaw(t, what+" ("+string(kind)+")", k, r)
		}
	}
	compare("first computation")
	compare("unchanged")
	reused, _ := kept.KeptStats()
	if reused == 0 {
		t.Fatal("nothing was reused: the kept periods were never used")
	}
	for round := range 25 {
		what := randomWrite(f, rng, now)
		compare(fmt.Sprintf("round %d, %s", round, what))
	}
	// Time alone: deadlines pass, launch days come.
	for _, later := range []time.Duration{3 * time.Hour, 2 * 24 * time.Hour, 9 * 24 * time.Hour, 40 * 24 * time.Hour} {
		clock(now.Add(later))
		compare(fmt.Sprintf("%s later", later))
	}
	// Pruned change records take the values that had not seen them along.
	f.exec(`UPDATE kpi_changes SET at = at - interval '1 hour'`)
	randomWrite(f, rng, now)
	f.exec(`UPDATE kpi_changes SET at = at - interval '1 hour'`)
	if err := kept.PruneChanges(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.id(`SELECT count(*) FROM kpi_changes`); n != 0 {
		t.Errorf("%d change records left after pruning", n)
	}
	compare("after pruning")
	reused, computed := kept.KeptStats()
	t.Logf("reused %d period values, computed %d", reused, computed)
	if reused <= computed {
		t.Errorf("reused %d, computed %d: keeping saved too little", reused, computed)
	}
}

// An engine pinned to a moment (a digest as it stood) never keeps: what is
// kept is the present's.
func TestPinnedEnginesDoNotKeep(t *testing.T) {
	e := NewEngine(nil, berlin)
	e.KeepSettledPeriods()
	if e.At(time.Now()).keep {
		t.Error("At kept the kept periods")
	}
}

// A quarter of a KPI that adds up is made of its months, which are kept
// for the month dashboard too; one with a median or a share in it is
// computed whole. TestKeptPeriodsEqualAFullRecomputation proves the sums
// equal the quarter's own query.
func TestQuartersThatAddUpAreMadeOfTheirMonths(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 18, 12, 0, 0, 0, berlin)
	f := randomCompany(t, rand.New(rand.NewPCG(1, 7)), now)
	e := NewEngine(f.pool, berlin)
	e.KeepSettledPeriods()
	e.now = func() time.Time { return now }
	if _, err := e.Dashboard(context.Background(), Quarter, now); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[Key]bool{Conversion: true, Readiness: true, FeedbackUseful: true, SpeedToLead: false, Revenue: false} {
		months := f.id(`SELECT count(*) FROM kpi_period_raw WHERE kpi = $1 AND period_kind = 'month'`, string(key))
		if got := months > 0; got != want {
			t.Errorf("%s: %d months kept after a quarter dashboard, want months kept: %v", key, months, want)
		}
	}
}
