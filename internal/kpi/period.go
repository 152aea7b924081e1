// Package kpi computes the shared KPIs both teams are measured on, judges
// them against targets that keep their history, rolls them up into the
// alignment index and spots the trouble signs. Every number is computed in
// SQL; definitions and the choices behind them are in docs/kpis.md.
package kpi

import (
	"fmt"
	"time"

	"tandem/internal/enum"
)

// Kind is the length of a reporting period.
type Kind string

const (
	Week    Kind = "week"
	Month   Kind = "month"
	Quarter Kind = "quarter"
)

// Kinds lists the period kinds in order of length.
var Kinds = []Kind{Week, Month, Quarter}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return enum.Valid(Kinds, k) }

var kindLabels = enum.Labels[Kind]{Week: "Week", Month: "Month", Quarter: "Quarter"}

// Label is the kind's display name: "Week".
func (k Kind) Label() string { return kindLabels.Of(k) }

// Period is one ISO week, calendar month or quarter in the business
// timezone: [Start, End).
type Period struct {
	Kind  Kind
	Start time.Time
	End   time.Time
}

// PeriodOf returns the period of kind that contains t, cut in loc.
func PeriodOf(kind Kind, t time.Time, loc *time.Location) Period {
	t = t.In(loc)
	y, m, d := t.Date()
	var start time.Time
	switch kind {
	case Week:
		wd := int(t.Weekday()+6) % 7 // Monday = 0
		start = time.Date(y, m, d-wd, 0, 0, 0, 0, loc)
	case Month:
		start = time.Date(y, m, 1, 0, 0, 0, 0, loc)
	case Quarter:
		start = time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, loc)
	default:
		panic("kpi: unknown period kind " + string(kind))
	}
	return Period{Kind: kind, Start: start, End: advance(kind, start, 1)}
}

// advance moves a period start by n periods on the calendar, so weeks that
// contain a DST change are still Monday to Monday.
func advance(kind Kind, start time.Time, n int) time.Time {
	y, m, d := start.Date()
	switch kind {
	case Week:
		return time.Date(y, m, d+7*n, 0, 0, 0, 0, start.Location())
	case Month:
		return time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, start.Location())
	}
	return time.Date(y, m+time.Month(3*n), 1, 0, 0, 0, 0, start.Location())
}

// Prev is the period before p.
func (p Period) Prev() Period {
	return Period{Kind: p.Kind, Start: advance(p.Kind, p.Start, -1), End: p.Start}
}

// Next is the period after p.
func (p Period) Next() Period {
	return Period{Kind: p.Kind, Start: p.End, End: advance(p.Kind, p.Start, 2)}
}

// Trailing returns the n periods ending with p, oldest first.
func (p Period) Trailing(n int) []Period {
	out := make([]Period, n)
	cur := p
	for i := n - 1; i >= 0; i-- {
		out[i] = cur
		cur = cur.Prev()
	}
	return out
}

// Label names the period: 2026-W47, 2026-11, 2026-Q4.
func (p Period) Label() string {
	switch p.Kind {
	case Week:
		y, w := p.Start.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	case Month:
		return p.Start.Format("2006-01")
	}
	return fmt.Sprintf("%d-Q%d", p.Start.Year(), (int(p.Start.Month())-1)/3+1)
}

// Title is the period in words: "Week 47, 2026", "November 2026", "Q4 2026".
func (p Period) Title() string {
	switch p.Kind {
	case Week:
		y, w := p.Start.ISOWeek()
		return fmt.Sprintf("Week %d, %d", w, y)
	case Month:
		return p.Start.Format("January 2006")
	}
	return fmt.Sprintf("Q%d %d", (int(p.Start.Month())-1)/3+1, p.Start.Year())
}

// Days is the period's length in calendar days.
func (p Period) Days() int {
	return int(p.End.Sub(p.Start).Hours()/24 + 0.5)
}

// ParsePeriod reads a label made by Label.
func ParsePeriod(label string, loc *time.Location) (Period, error) {
	p, err := parsePeriod(label, loc)
	if err != nil || p.Label() != label {
		return Period{}, fmt.Errorf("%q is not a period like 2026-W47, 2026-11 or 2026-Q4", label)
	}
	// A dashboard reaches 12 periods back; outside these years that runs
	// past what PostgreSQL and JSON can hold (year 0, year 10000), and no
	// business has data there.
	if y := p.Start.Year(); y < MinYear || y > MaxYear {
		return Period{}, fmt.Errorf("%q is outside the years %d to %d", label, MinYear, MaxYear)
	}
	return p, nil
}

// MinYear and MaxYear bound the periods a URL can ask for.
const (
	MinYear = 2000
	MaxYear = 2999
)

func parsePeriod(label string, loc *time.Location) (Period, error) {
	var y, n int
	if _, err := fmt.Sscanf(label, "%d-W%d", &y, &n); err == nil && n >= 1 && n <= 53 {
		// ISO week n of year y: the week containing 4 January, plus n-1 weeks.
		jan4 := time.Date(y, 1, 4, 12, 0, 0, 0, loc)
		p := PeriodOf(Week, jan4, loc)
		p = Period{Kind: Week, Start: advance(Week, p.Start, n-1), End: advance(Week, p.Start, n)}
		if yy, ww := p.Start.ISOWeek(); yy == y && ww == n {
			return p, nil
		}
	}
	if _, err := fmt.Sscanf(label, "%d-Q%d", &y, &n); err == nil && n >= 1 && n <= 4 {
		return PeriodOf(Quarter, time.Date(y, time.Month(3*n-2), 1, 12, 0, 0, 0, loc), loc), nil
	}
	if t, err := time.ParseInLocation("2006-01", label, loc); err == nil {
		return PeriodOf(Month, t, loc), nil
	}
	return Period{}, fmt.Errorf("%q is not a period like 2026-W47, 2026-11 or 2026-Q4", label)
}

// Elapsed is the share of p gone by at t, counted in calendar days of the
// business timezone: whole days since the start plus the part of the day
// t is in (a day of 23 or 25 hours at a DST change still counts as one).
// So 12:00 on the 1st of a 30-day month is 0.5/30, and a week with a DST
// change is still seven equal days. 0 before the period, 1 once it ended.
func (p Period) Elapsed(t time.Time) float64 {
	if !t.After(p.Start) {
		return 0
	}
	if !t.Before(p.End) {
		return 1
	}
	loc := p.Start.Location()
	t = t.In(loc)
	y, m, d := t.Date()
	dayStart := time.Date(y, m, d, 0, 0, 0, 0, loc)
	dayEnd := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	sy, sm, sd := p.Start.Date()
	// Whole days between two calendar dates, counted on UTC noons so the
	// hours a DST change adds or removes do not matter.
	days := time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Sub(time.Date(sy, sm, sd, 12, 0, 0, 0, time.UTC)).Hours() / 24
	part := float64(t.Sub(dayStart)) / float64(dayEnd.Sub(dayStart))
	return min(1, (days+part)/float64(p.Days()))
}
