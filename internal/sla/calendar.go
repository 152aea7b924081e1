// Package sla computes the follow-up deadline of a handed-off lead: a number
// of hours after the handoff, counted either as elapsed time or as business
// hours of one business calendar (working days and hours in a timezone,
// public holidays off). The deadline is computed once, at handoff, and
// stored on the lead, so lists, filters, KPIs and the escalation ladder all
// read the same instant; changing the calendar later moves no deadline
// already given.
package sla

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Mode is how the SLA's hours are counted.
type Mode string

const (
	// Elapsed counts every hour after the handoff, nights and weekends too.
	Elapsed Mode = "elapsed"
	// Business counts only the calendar's working hours.
	Business Mode = "business"
)

// Label is the mode as the settings page says it.
func (m Mode) Label() string {
	if m == Business {
		return "Business hours"
	}
	return "Elapsed hours"
}

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool { return m == Elapsed || m == Business }

// Day is a calendar date without a time or a zone.
type Day struct {
	Year  int
	Month time.Month
	Day   int
}

// DayOf is the date of t in t's location.
func DayOf(t time.Time) Day {
	y, m, d := t.Date()
	return Day{y, m, d}
}

// ParseDay reads a date written as YYYY-MM-DD.
func ParseDay(s string) (Day, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Day{}, err
	}
	return DayOf(t), nil
}

func (d Day) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Holiday is a whole day off.
type Holiday struct {
	Day  Day
	Name string
}

// Calendar is the business calendar. Opens and Closes are minutes after
// midnight, wall clock in Location.
type Calendar struct {
	Mode     Mode
	Location *time.Location
	// Days are the working days, ISO numbered (Monday 1 … Sunday 7).
	Days          []int
	Opens, Closes int
	Holidays      []Holiday
	Version       int
}

// DefaultCalendar is the calendar before an admin sets one: elapsed hours;
// Monday to Friday, 09:00–17:00 UTC should business hours be chosen.
func DefaultCalendar() Calendar {
	return Calendar{Mode: Elapsed, Location: time.UTC, Days: []int{1, 2, 3, 4, 5}, Opens: 9 * 60, Closes: 17 * 60, Version: 1}
}

// isoWeekday numbers Monday 1 … Sunday 7.
func isoWeekday(w time.Weekday) int {
	if w == time.Sunday {
		return 7
	}
	return int(w)
}

// Works reports whether d is a working day: a working weekday that is not
// a holiday.
func (c Calendar) Works(d Day) bool {
	wd := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
	if !slices.Contains(c.Days, isoWeekday(wd)) {
		return false
	}
	for _, h := range c.Holidays {
		if h.Day == d {
			return false
		}
	}
	return true
}

// maxDays bounds the days AddBusiness walks: the longest escalation (10× a
// two-week SLA) over a one-hour working week, with room for holidays. A
// calendar this sparse is refused when saved; the bound only keeps a bad
// row from spinning.
const maxDays = 60 * 366

// AddBusiness returns the instant d of working time after start: working
// hours are counted from start (or from the next opening when start is
// outside them). The day's opening and closing are wall-clock times, so
// on a DST change day the working day is an hour shorter or longer and
// real durations are counted: a deadline never lands in a closed hour.
func (c Calendar) AddBusiness(start time.Time, d time.Duration) time.Time {
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	t := start.In(loc)
	for range maxDays {
		day := DayOf(t)
		if c.Works(day) {
			open := time.Date(day.Year, day.Month, day.Day, 0, c.Opens, 0, 0, loc)
			closing := time.Date(day.Year, day.Month, day.Day, 0, c.Closes, 0, 0, loc)
			from := t
			if from.Before(open) {
				from = open
			}
			if from.Before(closing) {
				left := closing.Sub(from)
				if d <= left {
					return from.Add(d)
				}
				d -= left
			}
		}
		t = time.Date(day.Year, day.Month, day.Day+1, 0, 0, 0, 0, loc)
	}
	return t
}

// BusinessBetween is the working time from a to b (0 when b is not after a):
// what a response took in business hours.
func (c Calendar) BusinessBetween(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	var sum time.Duration
	t := a.In(loc)
	for range maxDays {
		day := DayOf(t)
		if c.Works(day) {
			open := time.Date(day.Year, day.Month, day.Day, 0, c.Opens, 0, 0, loc)
			closing := time.Date(day.Year, day.Month, day.Day, 0, c.Closes, 0, 0, loc)
			from, to := maxTime(t, open), minTime(b, closing)
			if to.After(from) {
				sum += to.Sub(from)
			}
		}
		next := time.Date(day.Year, day.Month, day.Day+1, 0, 0, 0, 0, loc)
		if !next.Before(b) {
			break
		}
		t = next
	}
	return sum
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Policy is the SLA in force: its length and how it is counted.
type Policy struct {
	Hours    int
	Calendar Calendar
}

// At is the instant percent % of the SLA after a handoff at handoff: 100
// is the deadline, 75 the reminder of the default ladder.
func (p Policy) At(handoff time.Time, percent int) time.Time {
	d := time.Duration(p.Hours) * time.Hour * time.Duration(percent) / 100
	if p.Calendar.Mode == Business {
		return p.Calendar.AddBusiness(handoff, d)
	}
	return handoff.Add(d)
}

// StepAt is the moment percent % of the way from a handoff at handoff to
// its stored deadline due: in business mode, of the working time between
// them. A step computed this way agrees with the deadline given at handoff
// even after the SLA hours setting changed.
func (p Policy) StepAt(handoff, due time.Time, percent int) time.Time {
	if p.Calendar.Mode == Business {
		span := p.Calendar.BusinessBetween(handoff, due)
		return p.Calendar.AddBusiness(handoff, span*time.Duration(percent)/100)
	}
	return handoff.Add(due.Sub(handoff) * time.Duration(percent) / 100)
}

// Elapsed is the time from a handoff at handoff to t on the SLA clock:
// working time in business mode, wall-clock time otherwise; never negative.
func (p Policy) Elapsed(handoff, t time.Time) time.Duration {
	if !t.After(handoff) {
		return 0
	}
	if p.Calendar.Mode == Business {
		return p.Calendar.BusinessBetween(handoff, t)
	}
	return t.Sub(handoff)
}

// Due is the follow-up deadline of a handoff at handoff.
func (p Policy) Due(handoff time.Time) time.Time { return p.At(handoff, 100) }

// Length names the SLA as an adjective: "24-hour", "8-business-hour".
func (p Policy) Length() string {
	if p.Calendar.Mode == Business {
		return fmt.Sprintf("%d-business-hour", p.Hours)
	}
	return fmt.Sprintf("%d-hour", p.Hours)
}

// Describe says the SLA in words: "24 hours" or "8 business hours".
func (p Policy) Describe() string {
	unit := "hours"
	if p.Hours == 1 {
		unit = "hour"
	}
	if p.Calendar.Mode == Business {
		unit = "business " + unit
	}
	return fmt.Sprintf("%d %s", p.Hours, unit)
}
