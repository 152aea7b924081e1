package campaigns

import (
	"context"
	"time"
)

// Month is a calendar month as a grid of weeks, Monday first.
type Month struct {
	First time.Time // the 1st, midnight UTC
	Weeks [][7]CalendarDay
}

// CalendarDay is one cell of the grid: the campaigns that launch or run on
// that day.
type CalendarDay struct {
	Date    time.Time
	InMonth bool
	Today   bool
	Entries []CalendarEntry
}

// CalendarEntry is a campaign on a day: its launch day, or a day it runs.
type CalendarEntry struct {
	Campaign Campaign
	Launch   bool
}

// ParseMonth reads "YYYY-MM"; empty means the month of today.
func ParseMonth(s string, today time.Time) (time.Time, bool) {
	if s == "" {
		return time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC), true
	}
	t, err := time.Parse("2006-01", s)
	if err != nil || t.Year() < 2000 || t.Year() > 2999 {
		return time.Time{}, false
	}
	return t, true
}

// GridBounds are the first and last day the grid of month shows: Monday on
// or before the 1st through Sunday on or after the last day.
func GridBounds(month time.Time) (time.Time, time.Time) {
	first := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1)
	start := first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
	end := last.AddDate(0, 0, (7-int(last.Weekday()))%7)
	return start, end
}

// BuildMonth lays out the campaigns on month's grid. list must hold every
// campaign running within GridBounds(month); today is marked.
func BuildMonth(month time.Time, list []Campaign, today time.Time) Month {
	start, end := GridBounds(month)
	m := Month{First: time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)}
	for day := start; !day.After(end); day = day.AddDate(0, 0, 7) {
		var week [7]CalendarDay
		for i := range week {
			d := day.AddDate(0, 0, i)
			cell := CalendarDay{Date: d, InMonth: d.Month() == m.First.Month(), Today: d.Equal(today)}
			for _, c := range list {
				if c.Running(d) {
					cell.Entries = append(cell.Entries, CalendarEntry{Campaign: c, Launch: d.Equal(c.LaunchOn)})
				}
			}
			week[i] = cell
		}
		m.Weeks = append(m.Weeks, week)
	}
	return m
}

// Calendar returns month's grid with the campaigns it shows.
func (s *Store) Calendar(ctx context.Context, month, today time.Time) (Month, error) {
	start, end := GridBounds(month)
	list, err := s.Between(ctx, start, end)
	if err != nil {
		return Month{}, err
	}
	return BuildMonth(month, list, today), nil
}
