package sla

import (
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func weekdays(loc *time.Location, holidays ...Holiday) Calendar {
	return Calendar{Mode: Business, Location: loc, Days: []int{1, 2, 3, 4, 5}, Opens: 9 * 60, Closes: 17 * 60, Holidays: holidays}
}

func TestBusinessDeadlines(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	newYork := mustZone(t, "America/New_York")
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	// Wednesday 2026-12-23 is a normal day, 24-26 December holidays here.
	christmas := []Holiday{{Day{2026, 12, 24}, "Christmas Eve"}, {Day{2026, 12, 25}, "Christmas Day"}}
	allWeekNights := Calendar{Mode: Business, Location: berlin, Days: []int{1, 2, 3, 4, 5, 6, 7}, Opens: 60, Closes: 5 * 60}
	cases := []struct {
		name    string
		cal     Calendar
		from    time.Time
		hours   float64
		want    time.Time
		elapsed time.Duration // the real time between from and want
	}{
		{"inside one day", weekdays(berlin), at(berlin, 2026, 12, 2, 10, 0), 4, at(berlin, 2026, 12, 2, 14, 0), 4 * time.Hour},
		{"before opening counts from opening", weekdays(berlin), at(berlin, 2026, 12, 2, 6, 30), 2, at(berlin, 2026, 12, 2, 11, 0), 4*time.Hour + 30*time.Minute},
		{"after closing counts from the next opening", weekdays(berlin), at(berlin, 2026, 12, 2, 18, 0), 1, at(berlin, 2026, 12, 3, 10, 0), 16 * time.Hour},
		{"exactly at closing lands at closing", weekdays(berlin), at(berlin, 2026, 12, 2, 9, 0), 8, at(berlin, 2026, 12, 2, 17, 0), 8 * time.Hour},
		{"over a weekend", weekdays(berlin), at(berlin, 2026, 12, 4, 15, 0), 8, at(berlin, 2026, 12, 7, 15, 0), 72 * time.Hour},
		{"Saturday handoff waits for Monday", weekdays(berlin), at(berlin, 2026, 12, 5, 12, 0), 3, at(berlin, 2026, 12, 7, 12, 0), 48 * time.Hour},
		{"over a holiday and a weekend", weekdays(berlin, christmas...), at(berlin, 2026, 12, 23, 13, 0), 8, at(berlin, 2026, 12, 28, 13, 0), 5 * 24 * time.Hour},
		// Europe/Berlin springs forward on Sunday 29 March 2026: the
		// weekend hides it from a Monday–Friday calendar, so the
		// deadline is Monday's wall clock and one real hour less.
		{"spring forward over a weekend", weekdays(berlin), at(berlin, 2026, 3, 27, 16, 0), 8, at(berlin, 2026, 3, 30, 16, 0), 71 * time.Hour},
		{"fall back over a weekend", weekdays(berlin), at(berlin, 2026, 10, 23, 16, 0), 8, at(berlin, 2026, 10, 26, 16, 0), 73 * time.Hour},
		// A calendar open 01:00–05:00 every day: on 29 March 02:00–03:00
		// does not exist, the day has 3 working hours; on 25 October
		// 02:00–03:00 happens twice, the day has 5.
		{"spring forward inside working hours", allWeekNights, at(berlin, 2026, 3, 29, 1, 0), 4, at(berlin, 2026, 3, 30, 2, 0), 24 * time.Hour},
		{"fall back inside working hours", allWeekNights, at(berlin, 2026, 10, 25, 1, 0), 4, at(berlin, 2026, 10, 25, 4, 0), 4 * time.Hour},
		// America/New_York moves on other dates (8 March, 1 November).
		{"New York spring forward", weekdays(newYork), at(newYork, 2026, 3, 6, 13, 0), 8, at(newYork, 2026, 3, 9, 13, 0), 71 * time.Hour},
		{"New York fall back", weekdays(newYork), at(newYork, 2026, 10, 30, 13, 0), 8, at(newYork, 2026, 11, 2, 13, 0), 73 * time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.cal.AddBusiness(c.from, time.Duration(c.hours*float64(time.Hour)))
			if !got.Equal(c.want) {
				t.Errorf("deadline %s, want %s", got.In(c.cal.Location), c.want)
			}
			if d := got.Sub(c.from); d != c.elapsed {
				t.Errorf("%s of real time, want %s", d, c.elapsed)
			}
			if back := c.cal.BusinessBetween(c.from, got); back != time.Duration(c.hours*float64(time.Hour)) {
				t.Errorf("BusinessBetween gives %s back, want %vh", back, c.hours)
			}
		})
	}
}

func TestPolicyModes(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	friday := time.Date(2026, 12, 4, 16, 0, 0, 0, berlin)
	elapsed := Policy{Hours: 8, Calendar: weekdays(berlin)}
	elapsed.Calendar.Mode = Elapsed
	if got := elapsed.Due(friday); !got.Equal(friday.Add(8 * time.Hour)) {
		t.Errorf("elapsed deadline %s, want 8 real hours later", got)
	}
	business := Policy{Hours: 8, Calendar: weekdays(berlin)}
	if got, want := business.Due(friday), time.Date(2026, 12, 7, 16, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("business deadline %s, want %s", got, want)
	}
	if got, want := business.At(friday, 50), time.Date(2026, 12, 7, 12, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("50 %% step at %s, want %s (1 hour Friday, 3 Monday)", got, want)
	}
	if got, want := business.At(friday, 150), time.Date(2026, 12, 8, 12, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("150 %% step at %s, want %s", got, want)
	}
	if business.Describe() != "8 business hours" || elapsed.Describe() != "8 hours" {
		t.Errorf("described as %q and %q", business.Describe(), elapsed.Describe())
	}
}

func TestCalendarFormRefusals(t *testing.T) {
	_, errs := CalendarForm{Mode: "lunar", Timezone: "Mars/Olympus", Opens: "9am", Closes: "25:00"}.parse()
	for _, field := range []string{"mode", "timezone", "days", "opens", "closes"} {
		if errs[field] == "" {
			t.Errorf("no message for %s in %v", field, errs)
		}
	}
	_, errs = CalendarForm{Mode: "business", Timezone: "UTC", Days: []string{"1"}, Opens: "09:00", Closes: "09:30"}.parse()
	if errs["closes"] != MsgCloses || len(errs) != 1 {
		t.Errorf("a 30-minute working day: %v", errs)
	}
	c, errs := CalendarForm{Mode: "business", Timezone: "Asia/Tokyo", Days: []string{"5", "1", "1"}, Opens: "8:30", Closes: "18:00"}.parse()
	if errs != nil || c.Location.String() != "Asia/Tokyo" || len(c.Days) != 2 || c.Days[0] != 1 || c.Opens != 510 || c.Closes != 1080 {
		t.Errorf("parsed %+v, %v", c, errs)
	}
}
