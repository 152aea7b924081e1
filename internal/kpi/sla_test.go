package kpi

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"tandem/internal/leads"
	"tandem/internal/testdb"
)

// slaFixture is the hand-computed company of the /sla tests. The SLA is
// the default 24 elapsed hours; now is Wednesday 18 November 2026 12:00 in
// Berlin, in ISO week 2026-W47 (Monday 16 November).
//
// Handed off in W47 (the cohort), response in hours, deadline = handoff + 24 h:
//
//	lead  owner  handoff   first touch   hours  bucket  stage / decision                  counts as
//	A     rep A  16 10:00  16 10:03       0.05  ≤5 min  accepted 16 11:00, rated 5        in SLA
//	B     rep A  16 10:00  16 10:30       0.5   ≤1 h    accepted 16 12:00, rated 4        in SLA
//	C     rep B  16 09:00  16 15:00       6     ≤24 h   handed off                        in SLA
//	D     rep B  16 08:00  17 20:00      36     later   handed off                        breach (touched late)
//	E     rep B  16 09:00  —              —     never   handed off                        breach (untouched, due 17 09:00)
//	F     rep A  16 11:00  —              —     never   rejected 16 12:00 not_icp, rated 2 left out (rejected before due)
//	G     queue  18 10:00  —              —     never   handed off                        not due yet (19 10:00)
//	H     rep B  16 10:00  —              —     never   rejected 17 14:00 no_budget, rated 1 breach (rejected after due)
//
// So W47: buckets 1/1/1/1/4 of 8; within SLA 3 of 6 due = 50 %; median of
// 0.05, 0.5, 6, 36 = (0.5 + 6) / 2 = 3.25 h; p90 = 6 + 0.7 × (36 − 6) = 27 h
// (percentile_cont at position 0.9 × 3 = 2.7); breaches 3 (D, E, H): rep B
// 3 of 4 handed off, 1 within, median (6 + 36) / 2 = 21 h; rep A 0 of 3,
// 2 within, median (0.05 + 0.5) / 2 = 0.275 h; the queue 0 of 1.
// Marketing W47: MQLs M1–M3 (17 Nov) = 3 against the default weekly 25;
// decisions accepted A, B and rejected F, H = 50 %; ratings 5, 4, 2, 1 =
// 3.0; reasons no_budget 1, not_icp 1. Escalations fired in W47: E 75 %
// remind (17 03:00), E 100 % notify (17 09:00), D 100 % notify (17 08:00)
// = 3 (remind 1, notify 2).
// W46: the cohort's MQL times (13 Nov) and Z's (9 Nov) = 9 MQLs; Z handed
// off 10 Nov 10:00, never touched: 1 breach, 1 escalation fired 12 Nov.
func slaFixture(t *testing.T) (*Engine, map[string]int64) {
	t.Helper()
	pool := testdb.New(t)
	e := NewEngine(pool, berlin)
	e.now = func() time.Time { return at(18, 12, 0) }
	f := fx{t: t, pool: pool, e: e}
	repA := f.user("rep.a@x.example", "sales", at(1, 9, 0), true)
	repB := f.user("rep.b@x.example", "sales", at(1, 9, 0), true)
	ids := map[string]int64{"repA": repA, "repB": repB}
	type row struct {
		name                string
		owner               *int64
		stage               string
		mql, handoff, touch time.Time
		accepted, rejected  *time.Time
		reason              *string
		rating              *int
	}
	ip := func(i int) *int { return &i }
	sp := func(s string) *string { return &s }
	mql := at(13, 9, 0)
	for _, r := range []row{
		{"A", &repA, "accepted", mql, at(16, 10, 0), at(16, 10, 3), tp(at(16, 11, 0)), nil, nil, ip(5)},
		{"B", &repA, "accepted", mql, at(16, 10, 0), at(16, 10, 30), tp(at(16, 12, 0)), nil, nil, ip(4)},
		{"C", &repB, "handed_off", mql, at(16, 9, 0), at(16, 15, 0), nil, nil, nil, nil},
		{"D", &repB, "handed_off", mql, at(16, 8, 0), at(17, 20, 0), nil, nil, nil, nil},
		{"E", &repB, "handed_off", mql, at(16, 9, 0), time.Time{}, nil, nil, nil, nil},
		{"F", &repA, "rejected", mql, at(16, 11, 0), time.Time{}, nil, tp(at(16, 12, 0)), sp("not_icp"), ip(2)},
		{"G", nil, "handed_off", mql, at(18, 10, 0), time.Time{}, nil, nil, nil, nil},
		{"H", &repB, "rejected", mql, at(16, 10, 0), time.Time{}, nil, tp(at(17, 14, 0)), sp("no_budget"), ip(1)},
		{"Z", &repB, "handed_off", at(9, 9, 0), at(10, 10, 0), time.Time{}, nil, nil, nil, nil},
	} {
		var touch *time.Time
		if !r.touch.IsZero() {
			touch = tp(r.touch)
		}
		ids[r.name] = f.id(`INSERT INTO leads (company, contact_name, email, stage, owner_id, mql_at, handed_off_at, first_touch_at,
			accepted_at, rejected_at, rejection_reason, quality_rating, created_at)
			VALUES ($1, 'C', $1 || '@x.example', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			r.name, r.stage, r.owner, r.mql, r.handoff, touch, r.accepted, r.rejected, r.reason, r.rating, at(1, 9, 0))
	}
	for _, m := range []string{"M1", "M2", "M3"} {
		f.lead(m, leadRow{stage: "mql", mql: tp(at(17, 9, 0))})
	}
	for _, esc := range []struct {
		lead    string
		percent int
		action  string
		fired   time.Time
	}{{"E", 75, "remind_rep", at(17, 3, 0)}, {"E", 100, "notify_managers", at(17, 9, 0)},
		{"D", 100, "notify_managers", at(17, 8, 0)}, {"Z", 100, "notify_managers", at(12, 10, 0)}} {
		f.exec(`INSERT INTO lead_escalations (lead_id, handed_off_at, percent, action, fired_at)
			SELECT id, handed_off_at, $2, $3, $4 FROM leads WHERE id = $1`, ids[esc.lead], esc.percent, esc.action, esc.fired)
	}
	return e, ids
}

// slaReport is the fixture's report for its week, 2026-W47.
func slaReport(t *testing.T) (*Engine, map[string]int64, Period, TwoSided) {
	t.Helper()
	e, ids := slaFixture(t)
	w47 := PeriodOf(Week, at(18, 12, 0), berlin)
	r, err := e.TwoSided(context.Background(), w47, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e, ids, w47, r
}

func TestTwoSidedEqualsTheHandComputedFixture(t *testing.T) {
	_, ids, w47, r := slaReport(t)
	if len(r.Escalated) != TrendPeriods || len(r.MQL.Values) != TrendPeriods || len(r.Speed.Values) != TrendPeriods {
		t.Fatalf("trend lengths %d/%d/%d, want %d", len(r.Escalated), len(r.MQL.Values), len(r.Speed.Values), TrendPeriods)
	}
	cur := r.Response
	got := [...]int{cur.HandedOff, cur.Within5m, cur.Within1h, cur.Within24h, cur.Later, cur.Never, cur.Breaches,
		r.Breaches(TrendPeriods - 1), r.Escalated[TrendPeriods-1]}
	if want := [...]int{8, 1, 1, 1, 1, 4, 3, 3, 3}; got != want {
		t.Errorf("W47 handed off, buckets, breaches (cohort, KPI), escalations = %v, want %v", got, want)
	}
	near := func(what string, v *float64, want float64) {
		t.Helper()
		if v == nil || *v < want-1e-9 || *v > want+1e-9 {
			t.Errorf("%s = %v, want %v", what, fmtPtr(v), want)
		}
	}
	near("median hours", cur.Median, 3.25)
	near("p90 hours", cur.P90, 27)
	speed := r.Speed.Current()
	if speed.Numerator != 3 || speed.Denominator != 6 {
		t.Errorf("within SLA %v of %v, want 3 of 6", speed.Numerator, speed.Denominator)
	}
	if m := r.MQL.Current(); m.Numerator != 3 || m.Target == nil || *m.Target != 25 {
		t.Errorf("MQLs %v against %v, want 3 against 25", m.Numerator, fmtPtr(m.Target))
	}
	near("acceptance", r.Acceptance.Current().Value, 0.5)
	near("quality", r.Quality.Current().Value, 3.0)
	if fmt.Sprint(r.Reasons) != fmt.Sprint([]ReasonCount{{"no_budget", 1}, {"not_icp", 1}}) {
		t.Errorf("reasons %v", r.Reasons)
	}
	if fmt.Sprint(r.Escalations) != fmt.Sprint([]EscalationCount{{"remind_rep", 1}, {"notify_managers", 2}}) {
		t.Errorf("escalations %v", r.Escalations)
	}
	if len(r.Reps) != 3 {
		t.Fatalf("reps %+v, want rep B, rep A, the queue", r.Reps)
	}
	b, a, queue := r.Reps[0], r.Reps[1], r.Reps[2]
	if b.OwnerID == nil || *b.OwnerID != ids["repB"] || b.HandedOff != 4 || b.Within != 1 || b.Breaches != 3 {
		t.Errorf("rep B %+v, want 4 handed off, 1 within, 3 breaches", b)
	}
	near("rep B median", b.Median, 21)
	if a.OwnerID == nil || *a.OwnerID != ids["repA"] || a.HandedOff != 3 || a.Within != 2 || a.Breaches != 0 {
		t.Errorf("rep A %+v, want 3 handed off, 2 within, 0 breaches", a)
	}
	near("rep A median", a.Median, 0.275)
	if queue.OwnerID != nil || queue.HandedOff != 1 || queue.Breaches != 0 || queue.Median != nil {
		t.Errorf("queue %+v, want 1 handed off, no breach, no median", queue)
	}
	if w46 := r.Speed.Values[TrendPeriods-2]; !w46.Period.Start.Equal(w47.Prev().Start) || r.Breaches(TrendPeriods-2) != 1 ||
		r.Escalated[TrendPeriods-2] != 1 {
		t.Errorf("W46 %s: %d breaches, %d escalations; want Z's 1 and 1", w46.Period.Label(), r.Breaches(TrendPeriods-2), r.Escalated[TrendPeriods-2])
	}
	if m := r.MQL.Values[TrendPeriods-2]; m.Numerator != 9 {
		t.Errorf("W46 MQLs %v, want 9", m.Numerator)
	}
}

func TestTwoSidedDrillDownRowsEqualTheNumbers(t *testing.T) {
	e, ids, w47, r := slaReport(t)
	ctx := context.Background()
	cur := r.Response
	fired := 0
	for _, x := range r.Escalations {
		fired += x.Count
	}
	want := map[SLAShow]int{
		ShowMQL: int(r.MQL.Current().Numerator), ShowAccepted: int(r.Acceptance.Current().Numerator),
		ShowRejected: int(r.Acceptance.Current().Denominator - r.Acceptance.Current().Numerator),
		ShowRated:    int(r.Quality.Current().Denominator), ShowHandedOff: cur.HandedOff,
		ShowWithin5m: cur.Within5m, ShowWithin1h: cur.Within1h, ShowWithin24h: cur.Within24h, ShowLater: cur.Later,
		ShowNever: cur.Never, ShowInSLA: int(r.Speed.Current().Numerator), ShowBreached: cur.Breaches, ShowEscalated: fired,
	}
	for _, reason := range r.Reasons {
		want[ShowRejected+SLAShow(":"+string(reason.Reason))] = reason.Count
	}
	for _, rep := range r.Reps {
		owner := "none"
		if rep.OwnerID != nil {
			owner = fmt.Sprint(*rep.OwnerID)
		}
		want[ShowBreached+SLAShow(":"+owner)] = rep.Breaches
	}
	for show, n := range want {
		rows, err := e.SLARows(ctx, w47, show, 0)
		if err != nil {
			t.Fatalf("%s: %v", show, err)
		}
		if len(rows) != n {
			t.Errorf("%s lists %d leads, the page says %d", show, len(rows), n)
		}
	}
	// The quality drill's weights are the ratings, so they sum to the mean's numerator.
	rows, _ := e.SLARows(ctx, w47, ShowRated, 0)
	sum := 0.0
	for _, row := range rows {
		sum += row.Weight
	}
	if sum != r.Quality.Current().Numerator {
		t.Errorf("ratings sum to %v, the mean's numerator is %v", sum, r.Quality.Current().Numerator)
	}
	rows, _ = e.SLARows(ctx, w47, ShowBreached+SLAShow(fmt.Sprintf(":%d", ids["repB"])), 0)
	var names []string
	for _, row := range rows {
		names = append(names, row.Title)
	}
	if fmt.Sprint(names) != "[D E H]" {
		t.Errorf("rep B's breaches %v, want [D E H] in handoff order", names)
	}
	rows, _ = e.SLARows(ctx, w47, ShowRejected+":not_icp", 0)
	if len(rows) != 1 || rows[0].Detail != leads.Reason("not_icp").Label() {
		t.Errorf("not_icp rows %+v, want F with the reason's label", rows)
	}
	for _, bad := range []SLAShow{"bogus", "rejected:nope", "breached:abc", "breached:-1", "mql:1", "escalations:x"} {
		if _, err := e.SLARows(ctx, w47, bad, 0); !errors.Is(err, ErrUnknownShow) {
			t.Errorf("%q: %v, want ErrUnknownShow", bad, err)
		}
	}
}

func fmtPtr(v *float64) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprint(*v)
}

// Given the overview's snapshot of the period, the page shows its series
// (so the tiles and the page agree) and computes the rest.
func TestTwoSidedReadsTheSnapshotSeries(t *testing.T) {
	e, _, w47, live := slaReport(t)
	ctx := context.Background()
	d, err := e.Dashboard(ctx, Week, w47.Start)
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.KPIs {
		if d.KPIs[i].Key == SpeedToLead {
			d.KPIs[i].Values[TrendPeriods-1].Numerator = 99 // marks the snapshot's series
		}
	}
	r, err := e.TwoSided(ctx, w47, &d)
	if err != nil {
		t.Fatal(err)
	}
	if r.Speed.Current().Numerator != 99 || r.MQL.Current().Numerator != live.MQL.Current().Numerator ||
		r.Response.HandedOff != live.Response.HandedOff || *r.Response.Median != *live.Response.Median {
		t.Errorf("with the snapshot: speed %v (want the snapshot's 99), MQLs %v, response %+v; live %+v",
			r.Speed.Current().Numerator, r.MQL.Current().Numerator, r.Response, live.Response)
	}
	other := d
	other.Period = w47.Prev()
	if r, err = e.TwoSided(ctx, w47, &other); err != nil || r.Speed.Current().Numerator != live.Speed.Current().Numerator {
		t.Errorf("another period's snapshot was used: %v, %v", r.Speed.Current().Numerator, err)
	}
}
