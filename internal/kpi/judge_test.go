package kpi

import (
	"math"
	"testing"
	"time"
)

func TestElapsedAndPaceInTheBusinessTimezone(t *testing.T) {
	t.Parallel()
	nov := PeriodOf(Month, at(10, 0, 0), berlin) // 30 days
	mar := PeriodOf(Week, time.Date(2026, 3, 25, 12, 0, 0, 0, berlin), berlin)
	oct := PeriodOf(Week, time.Date(2026, 10, 21, 12, 0, 0, 0, berlin), berlin)
	for _, tc := range []struct {
		name string
		p    Period
		now  time.Time
		want float64
	}{
		{"before the month", nov, at(1, 0, 0).Add(-time.Minute), 0},
		{"1st of the month, 00:00", nov, at(1, 0, 0), 0},
		{"1st of the month, 12:00", nov, at(1, 12, 0), 0.5 / 30},
		{"mid-month, the 16th at 00:00", nov, at(16, 0, 0), 15.0 / 30},
		{"last day, 18:00", nov, at(30, 18, 0), 29.75 / 30},
		{"the month's end", nov, time.Date(2026, 12, 1, 0, 0, 0, 0, berlin), 1},
		{"after the month", nov, time.Date(2027, 1, 5, 0, 0, 0, 0, berlin), 1},
		// 29 March 2026 has 23 hours in Berlin (02:00 → 03:00): its noon is
		// 11 of them, and the week is still seven equal calendar days.
		{"spring DST week, Sunday noon", mar, time.Date(2026, 3, 29, 12, 0, 0, 0, berlin), (6 + 11.0/23) / 7},
		{"spring DST week, Wednesday noon", mar, time.Date(2026, 3, 25, 12, 0, 0, 0, berlin), 2.5 / 7},
		// 25 October 2026 has 25 hours (03:00 → 02:00): 12:00 is 13 of them.
		{"autumn DST week, Sunday noon", oct, time.Date(2026, 10, 25, 12, 0, 0, 0, berlin), (6 + 13.0/25) / 7},
		// A UTC instant is placed on Berlin's calendar: 23:30 UTC on the
		// 30th is already the 1st of December there.
		{"UTC instant past Berlin midnight", nov, time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC), 1},
	} {
		if got := tc.p.Elapsed(tc.now); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: elapsed %.6f, want %.6f", tc.name, got, tc.want)
		}
	}
	// Pace: 600 MQLs a month is 10 by noon on the 1st, 300 mid-month.
	if got := Pace(600, nov, at(1, 12, 0)); math.Abs(got-10) > 1e-9 {
		t.Errorf("pace on the 1st: %v", got)
	}
	if got := Pace(600, nov, at(16, 0, 0)); math.Abs(got-300) > 1e-9 {
		t.Errorf("pace mid-month: %v", got)
	}
}

func TestStatusIsJudgedOnTheShownValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		unit          Unit
		value, target float64
		want          float64
	}{
		{Percent, 0.197, 0.20, 1},    // shown "20 %" against 20 %: on target
		{Percent, 0.194, 0.20, 0.95}, // shown "19 %": 19 ÷ 20
		{Score, 3.55, 4.0, 0.9},      // shown "3.6": close (exactly 90 %)
		{Score, 3.64, 4.0, 0.9},      // also shown "3.6": the same status
		{Score, 3.549, 4.0, 0.875},   // shown "3.5"
		{Count, 599.6, 600, 1},       // shown "600"
		{Index, 84.5, 85, 1},         // shown "85"
		{Percent, 0.5, 0, 1},         // a zero target is met
		{Percent, 0.3333333, 0.9, 0.33 / 0.9},
	} {
		got := Attainment(tc.unit, &tc.value, &tc.target)
		if got == nil || math.Abs(*got-tc.want) > 1e-9 {
			t.Errorf("%s %v against %v: attainment %v, want %v", tc.unit, tc.value, tc.target, got, tc.want)
		}
	}
	// The quotient of shown values must not fall a hair short of a grade.
	v, target := 3.6, 4.0
	if a := Attainment(Score, &v, &target); *a < 0.9 {
		t.Errorf("3.6 of 4.0 = %v, under 0.9", *a)
	}
	if Attainment(Percent, nil, &target) != nil {
		t.Error("no value, yet an attainment")
	}
}

func TestAlignmentIndexNeedsAKPIMeasuredOnRecords(t *testing.T) {
	t.Parallel()
	zero, one := 0.0, 1.0
	w := func(Key) int { return 1 }
	// MQLs and revenue always have a value (their denominator is the
	// commitment): on their own they are no index.
	if got := AlignmentIndex(map[Key]*float64{MQLDelivered: &zero, Revenue: &zero, Conversion: nil}, w); got != nil {
		t.Errorf("index from paced KPIs alone: %v", *got)
	}
	// One KPI with a counted denominator makes an index, the paced ones
	// then count in it.
	if got := AlignmentIndex(map[Key]*float64{MQLDelivered: &zero, Revenue: &zero, Conversion: &one}, w); got == nil || math.Abs(*got-100.0/3) > 1e-9 {
		t.Errorf("index = %v, want 33.3", got)
	}
	// A counted KPI weighted 0 does not count either.
	if got := AlignmentIndex(map[Key]*float64{MQLDelivered: &one, Conversion: &one}, func(k Key) int {
		if k == Conversion {
			return 0
		}
		return 1
	}); got != nil {
		t.Errorf("index with the only counted KPI weighted 0: %v", *got)
	}
}
