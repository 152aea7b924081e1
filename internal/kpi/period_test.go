package kpi

import (
	"testing"
	"time"
)

func TestPeriodsInTheBusinessTimezone(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	// Sunday 23:30 UTC is already Monday in Berlin: the next ISO week.
	p := PeriodOf(Week, time.Date(2026, 11, 15, 23, 30, 0, 0, time.UTC), berlin)
	if p.Label() != "2026-W47" || !p.Start.Equal(time.Date(2026, 11, 15, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("week: %s from %v", p.Label(), p.Start.UTC())
	}
	// The week of the October DST change is 7 calendar days, 169 hours.
	dst := PeriodOf(Week, time.Date(2026, 10, 25, 12, 0, 0, 0, berlin), berlin)
	if dst.Label() != "2026-W43" || dst.End.Sub(dst.Start) != 169*time.Hour || dst.Days() != 7 {
		t.Errorf("DST week %s: %v long", dst.Label(), dst.End.Sub(dst.Start))
	}
	m := PeriodOf(Month, time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC), berlin) // 1 Dec in Berlin
	if m.Label() != "2026-12" || m.Title() != "December 2026" {
		t.Errorf("month %s", m.Label())
	}
	q := PeriodOf(Quarter, time.Date(2026, 11, 18, 0, 0, 0, 0, berlin), berlin)
	if q.Label() != "2026-Q4" || q.Days() != 92 || q.Prev().Label() != "2026-Q3" || q.Next().Label() != "2027-Q1" {
		t.Errorf("quarter %s (%d days), prev %s, next %s", q.Label(), q.Days(), q.Prev().Label(), q.Next().Label())
	}
	tr := p.Trailing(12)
	if len(tr) != 12 || tr[11] != p || tr[0].Label() != "2026-W36" || !tr[1].Start.Equal(tr[0].End) {
		t.Errorf("trailing: %s … %s", tr[0].Label(), tr[11].Label())
	}
	// ISO year boundary: 2026-12-31 is in 2026-W53; 2027-01-04 in 2027-W01.
	if l := PeriodOf(Week, time.Date(2026, 12, 31, 12, 0, 0, 0, berlin), berlin).Label(); l != "2026-W53" {
		t.Errorf("31 Dec 2026 in %s", l)
	}
	for _, label := range []string{"2026-W47", "2026-W53", "2027-W01", "2026-11", "2026-Q4"} {
		got, err := ParsePeriod(label, berlin)
		if err != nil || got.Label() != label {
			t.Errorf("parse %s: %v %s", label, err, got.Label())
		}
	}
	for _, bad := range []string{"2026-W54", "2027-W53", "2026-13", "2026-Q5", "W47", "2026-W47x", ""} {
		if _, err := ParsePeriod(bad, berlin); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
}

func TestAlignmentIndex(t *testing.T) {
	t.Parallel()
	one, half := 1.0, 0.5
	weights := map[Key]int{Conversion: 3, Acceptance: 1, Quality: 0}
	w := func(k Key) int { return weights[k] }
	// (3 × 1 + 1 × 0.5) ÷ 4 = 0.875; Quality weighs 0, Speed has no data.
	got := AlignmentIndex(map[Key]*float64{Conversion: &one, Acceptance: &half, Quality: &half, SpeedToLead: nil}, w)
	if got == nil || *got != 87.5 {
		t.Errorf("index = %v, want 87.5", got)
	}
	if got := AlignmentIndex(map[Key]*float64{Conversion: nil}, w); got != nil {
		t.Errorf("no data: %v", *got)
	}
}

// A period label from a URL stays within years the database and the
// snapshot's JSON can hold, twelve periods back included.
func TestParsePeriodBoundsTheYear(t *testing.T) {
	t.Parallel()
	for label, ok := range map[string]bool{"2000-01": true, "2999-W01": true, "2026-Q4": true,
		"9999-12": false, "0001-01": false, "0000-Q1": false, "1999-W52": false, "3000-01": false} {
		if _, err := ParsePeriod(label, time.UTC); (err == nil) != ok {
			t.Errorf("ParsePeriod(%q): err %v, want ok %v", label, err, ok)
		}
	}
}
