package kpi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// The corrections of issue 12 item 8, each on the hand-built week of
// engine_test.go (now: Wednesday 18 November 2026, 12:00 Berlin, W47).

func series(t *testing.T, f fx, e *Engine, key Key, kind Kind, n int) Series {
	t.Helper()
	s, err := e.Series(context.Background(), key, kind, e.now(), n)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A lead left untouched past its deadline is a miss for good: advancing
// it to any stage later must not improve its period.
func TestSpeedToLeadKeepsBreachesWhateverHappensLater(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// W46 before: L5 handed off Sunday 23:30, touched Monday 09:00 → 1/1.
	// B1–B5 are handed off in W46 and never touched; the deadline (24 h)
	// passed long before now.
	for _, name := range []string{"B1", "B2", "B3", "B4", "B5"} {
		f.lead(name, leadRow{stage: "handed_off", handoff: tp(at(10, 9, 0))})
	}
	// R1 was rejected before its deadline without a touch: no follow-up was
	// owed, it is left out. R2 was rejected after its deadline: a miss.
	f.lead("R1", leadRow{stage: "rejected", handoff: tp(at(10, 9, 0)), rejected: tp(at(10, 15, 0)), rating: 2})
	f.lead("R2", leadRow{stage: "rejected", handoff: tp(at(10, 9, 0)), rejected: tp(at(12, 15, 0)), rating: 2})
	before := series(t, f, f.e, SpeedToLead, Week, 2).Values[0]
	if before.Numerator != 1 || before.Denominator != 7 || before.Open != 5 {
		t.Fatalf("W46 speed before: %v/%v, %d open; want 1/7 with 5 open", before.Numerator, before.Denominator, before.Open)
	}

	// Later, the breached leads move on: accepted, an opportunity, won,
	// lost, touched late. None of it makes W46 any better.
	f.exec(`UPDATE leads SET stage = 'accepted', accepted_at = $1 WHERE company = 'B1'`, at(16, 9, 0))
	f.exec(`UPDATE leads SET stage = 'opportunity', accepted_at = $1, opportunity_at = $1 WHERE company = 'B2'`, at(16, 9, 0))
	f.exec(`UPDATE leads SET stage = 'won', accepted_at = $1, won_at = $1, deal_value = 1000 WHERE company = 'B3'`, at(16, 9, 0))
	f.exec(`UPDATE leads SET stage = 'lost', accepted_at = $1, lost_at = $1, lost_reason = 'gone' WHERE company = 'B4'`, at(16, 9, 0))
	f.exec(`UPDATE leads SET first_touch_at = $1 WHERE company = 'B5'`, at(16, 9, 0))
	after := series(t, f, f.e, SpeedToLead, Week, 2).Values[0]
	if after.Numerator != 1 || after.Denominator != 7 {
		t.Errorf("W46 speed after the breached leads advanced: %v/%v, want still 1/7", after.Numerator, after.Denominator)
	}
	// B1 is accepted and still untouched: still open; the others are not.
	if after.Open != 1 {
		t.Errorf("W46 open breaches after: %d, want 1 (B1)", after.Open)
	}
	rows, err := f.e.Rows(context.Background(), SpeedToLead, after.Period, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7 {
		t.Errorf("drill-down lists %d leads, the KPI counts 7", len(rows))
	}
	for _, r := range rows {
		if r.Title == "B3" && (r.Counts || !strings.Contains(r.Detail, "now won")) {
			t.Errorf("B3 in the drill-down: %+v", r)
		}
	}
}

// The speed tile and the SLA trouble sign count the same open breaches:
// each lead the sign counts is a miss in the period it was handed off in.
func TestSpeedToLeadAndTheSLASignAgree(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Two more open breaches, in W45 and W44, besides L7 in W47.
	f.lead("O1", leadRow{stage: "handed_off", handoff: tp(at(3, 9, 0))})
	f.lead("O2", leadRow{stage: "accepted", handoff: tp(at(2, 9, 0).AddDate(0, 0, -7)), accepted: tp(at(2, 10, 0))})
	f.lead("O3", leadRow{stage: "won", handoff: tp(at(3, 9, 0)), won: tp(at(9, 9, 0)), value: 10}) // advanced: not open, still a miss
	s := series(t, f, f.e, SpeedToLead, Week, Trend)
	sign := signsByKey(t, f)["sla"]
	open := 0
	for _, v := range s.Values {
		open += v.Open
		if v.Open > int(v.Denominator-v.Numerator) {
			t.Errorf("%s: %d open breaches but only %v misses", v.Period.Label(), v.Open, v.Denominator-v.Numerator)
		}
	}
	if open != sign.Count || sign.Count != 3 {
		t.Errorf("open breaches over the periods %d, the SLA sign says %d; want 3 each", open, sign.Count)
	}
	if cur := s.Current(); cur.Open != 1 || *cur.Value >= 1 {
		t.Errorf("W47: %d open, value %v; L7 is a miss", cur.Open, *cur.Value)
	}
	// The feedback sign and the acknowledgement KPI agree the same way.
	ack := series(t, f, f.e, FeedbackAck, Week, Trend)
	waiting := 0
	for _, v := range ack.Values {
		waiting += v.Open
	}
	if fs := signsByKey(t, f)["feedback"]; waiting != fs.Count || waiting != 1 {
		t.Errorf("feedback waiting over the periods %d, sign %d; want 1 (F3)", waiting, fs.Count)
	}
}

// A draft counts in notice lead time only once its launch day has come.
func TestNoticeLeadTimeCountsADraftFromItsLaunchDay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Now (18 Nov) C3, launching 22 Nov as a draft, is not late yet.
	if v := series(t, f, f.e, NoticeLeadTime, Week, 1).Current(); v.Numerator != 1 || v.Denominator != 2 {
		t.Errorf("W47 notice on 18 Nov: %v/%v, want 1/2", v.Numerator, v.Denominator)
	}
	rows, _ := f.e.Rows(context.Background(), NoticeLeadTime, PeriodOf(Week, f.e.now(), berlin), 0)
	if len(rows) != 2 {
		t.Errorf("drill-down: %d campaigns, want 2", len(rows))
	}
	// On its launch day, still a draft, it is late.
	launchDay := f.e.At(at(22, 0, 30))
	if v := series(t, f, launchDay, NoticeLeadTime, Week, 1).Current(); v.Numerator != 1 || v.Denominator != 3 {
		t.Errorf("W47 notice on 22 Nov: %v/%v, want 1/3", v.Numerator, v.Denominator)
	}
}

// The MQL denominator is the commitment in force, in every period.
func TestMQLDenominatorIsTheCommitment(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.exec(`INSERT INTO kpi_targets (kpi, period_kind, value, effective_from) VALUES ('mql', 'week', 140, '2026-11-09'),
		('mql', 'month', 600, '2025-01-01')`)
	w := series(t, f, f.e, MQLDelivered, Week, 3)
	for i, want := range []float64{25, 140, 140} { // W45 has the default, W46 and W47 the commitment
		if v := w.Values[i]; v.Denominator != want || v.Target == nil || *v.Target != want {
			t.Errorf("%s: denominator %v, want %v", v.Period.Label(), v.Denominator, want)
		}
	}
	for _, v := range series(t, f, f.e, MQLDelivered, Month, Trend).Values {
		if v.Denominator != 600 {
			t.Errorf("%s: denominator %v, want 600", v.Period.Label(), v.Denominator)
		}
	}
}

// A period with only MQLs and revenue valued (both always are) has no
// alignment index: "no data", not "0, behind".
func TestAlignmentIndexIsNoDataBeforeAnyData(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.exec(`INSERT INTO kpi_targets (kpi, period_kind, value, effective_from) VALUES ('revenue_goal', 'quarter', 900000, '2026-07-01')`)
	d, err := f.e.Dashboard(context.Background(), Week, f.e.now())
	if err != nil {
		t.Fatal(err)
	}
	first := d.Alignment.Values[0] // W36: no leads, campaigns or feedback yet
	for _, s := range d.KPIs {
		if v := s.Values[0]; (v.Value != nil) != (s.Key == MQLDelivered || s.Key == Revenue) {
			t.Fatalf("fixture: %s in W36 has value %v", s.Key, v.Value)
		}
	}
	if first.Value != nil {
		t.Errorf("alignment index in W36 = %v, want no data", *first.Value)
	}
	if d.Alignment.Current().Value == nil {
		t.Error("W47 has data, yet no index")
	}
}

// Paced KPIs in a running period are judged on the part due by now; a
// finished period on its full target.
func TestPacedKPIsInARunningPeriod(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.exec(`INSERT INTO kpi_targets (kpi, period_kind, value, effective_from) VALUES ('mql', 'month', 600, '2026-01-01')`)
	// On the 1st of December at 12:00, 10 MQLs (600 × 0.5/30) are due.
	dec1 := f.e.At(time.Date(2026, 12, 1, 12, 0, 0, 0, berlin))
	for i := range 9 {
		f.lead("D"+string(rune('a'+i)), leadRow{stage: "mql", mql: tp(time.Date(2026, 12, 1, 9, 0, 0, 0, berlin))})
	}
	s := series(t, f, dec1, MQLDelivered, Month, 2)
	cur, prev := s.Current(), s.Previous()
	near(t, "pace", cur.Pace, 600*0.5/31)
	near(t, "attainment", cur.Attainment, 0.9) // 9 of 10 due: close, not 9 of 600
	if *cur.Target != 600 || cur.Denominator != 600 || !cur.InProgress() {
		t.Errorf("the full target must stay visible: %+v", cur)
	}
	// November has ended: its 4 MQLs are judged against the full 600.
	if prev.Pace != nil || prev.InProgress() {
		t.Errorf("November is finished: %+v", prev)
	}
	near(t, "november attainment", prev.Attainment, 4.0/600)
	// Ratio KPIs are never paced.
	if a := series(t, f, dec1, Acceptance, Month, 1).Current(); a.Pace != nil {
		t.Errorf("acceptance paced: %+v", a)
	}
}

// One KPI that cannot be computed degrades alone: the dashboard has every
// other KPI, the snapshot encodes, and the failure is logged once as a
// warning.
func TestOneBrokenKPIDegradesAlone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	// Below the application and the CHECK constraint: a NaN deal value
	// (revenue) and a column the usefulness query needs gone.
	f.exec(`ALTER TABLE leads DROP CONSTRAINT leads_deal_value_finite`)
	f.exec(`UPDATE leads SET deal_value = 'NaN' WHERE company = 'L4'`)
	f.exec(`ALTER TABLE feedback_items RENAME COLUMN rating TO rating_gone`)

	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	snap, err := f.e.CachedDashboard(ctx, Week, f.e.now(), log)
	if err != nil {
		t.Fatalf("the dashboard failed as a whole: %v", err)
	}
	failed := map[Key]bool{}
	for _, s := range snap.KPIs {
		if s.Failed {
			failed[s.Key] = true
			if s.Current().Value != nil {
				t.Errorf("%s failed but has a value", s.Key)
			}
		} else if s.Key == Conversion {
			near(t, "conversion beside the broken KPIs", s.Current().Value, 2.0/6)
		}
	}
	if len(failed) != 2 || !failed[Revenue] || !failed[FeedbackUseful] {
		t.Errorf("failed KPIs %v, want revenue and feedback_useful", failed)
	}
	if snap.Alignment.Current().Value == nil {
		t.Error("the index should still be computed from the other KPIs")
	}
	for _, p := range snap.Parts {
		if broken := p.Key == Revenue || p.Key == FeedbackUseful; broken != p.Failed || (broken && p.Attainment != nil) {
			t.Errorf("index part %s: %+v", p.Key, p)
		}
	}
	if _, err := json.Marshal(snap); err != nil {
		t.Errorf("snapshot does not encode: %v", err)
	}
	// Stored and read back (a second read is served from the table).
	again, err := f.e.CachedDashboard(ctx, Week, f.e.now(), log)
	if err != nil || !again.ComputedAt.Equal(snap.ComputedAt) {
		t.Fatalf("snapshot not stored: %v", err)
	}
	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 2 || strings.Contains(out, "level=ERROR") {
		t.Errorf("want one warning per broken KPI and no error:\n%s", out)
	}
	if !strings.Contains(out, "kpi=revenue") || !strings.Contains(out, "kpi=feedback_useful") {
		t.Errorf("the warnings do not name the KPIs:\n%s", out)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestTargetsRefuseWhatIsNotASensibleNumber(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		kpi   Key
		kind  Kind
		value string
	}{
		{Acceptance, Week, "NaN"}, {Acceptance, Week, "nan"}, {Acceptance, Week, "Inf"}, {Acceptance, Week, "-Infinity"},
		{Acceptance, Week, "1e20"}, {Acceptance, Week, "1e1"}, {Acceptance, Week, "0x10"}, {Acceptance, Week, "-5"},
		{Acceptance, Week, "101"}, {Quality, Week, "0.5"}, {Quality, Week, "5.5"}, {Alignment, Month, "120"},
		{MQLDelivered, Week, "1000001"}, {MQLDelivered, Week, "-1"}, {RevenueGoal, Quarter, "100000000001"},
		{RevenueGoal, Quarter, "99999999999999999999"}, {Acceptance, Week, ""}, {Acceptance, Week, "80 percent"},
		// A fractional commitment was stored and shown rounded; a 0 goal read
		// as "no goal"; a decimal comma (4,5) was read as 45.
		{MQLDelivered, Month, "1.5"}, {RevenueGoal, Quarter, "0"}, {Quality, Week, "4,5"},
	} {
		_, err := f.e.SetTarget(ctx, 0, TargetInput{KPI: tc.kpi, Kind: tc.kind, Value: tc.value, EffectiveFrom: "2026-11-16"})
		fe, ok := err.(FieldErrors)
		if !ok || fe["value"] == "" {
			t.Errorf("%s %q: %v, want a message on the value", tc.kpi, tc.value, err)
		}
	}
	for _, tc := range []struct {
		kpi   Key
		kind  Kind
		value string
		want  float64
	}{
		{Acceptance, Week, "80", 0.8}, {Acceptance, Week, "80 %", 0.8}, {Quality, Week, "4.5", 4.5},
		{MQLDelivered, Month, "600", 600}, {RevenueGoal, Quarter, "12,500,000", 12500000}, {Alignment, Month, "0", 0},
	} {
		got, err := f.e.SetTarget(ctx, 0, TargetInput{KPI: tc.kpi, Kind: tc.kind, Value: tc.value, EffectiveFrom: "2026-11-16"})
		if err != nil || got.Value != tc.want {
			t.Errorf("%s %q: %v, %v; want %v", tc.kpi, tc.value, got.Value, err, tc.want)
		}
	}
}

// A target's first day stays within the years a period can be asked for:
// one from 0001-01-01 was stored and judged January 2026 against it.
func TestTargetsStartWithinTheYearsPeriodsCover(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, day := range []string{"0001-01-01", "1999-12-31", "3000-01-01", "9999-12-31"} {
		_, err := f.e.SetTarget(context.Background(), 0, TargetInput{KPI: Acceptance, Kind: Week, Value: "80", EffectiveFrom: day})
		if fe, ok := err.(FieldErrors); !ok || fe["effective_from"] == "" {
			t.Errorf("effective from %s: %v, want a message on the day", day, err)
		}
	}
}
