package feedback

import (
	"testing"
	"time"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestAddBusinessDays(t *testing.T) {
	t.Parallel()
	berlin := mustLoad(t, "Europe/Berlin")
	newYork := mustLoad(t, "America/New_York")
	at := func(loc *time.Location, y int, m time.Month, d, hh, mm int) time.Time {
		return time.Date(y, m, d, hh, mm, 0, 0, loc)
	}
	cases := []struct {
		name    string
		start   time.Time
		n       int
		loc     *time.Location
		want    time.Time
		elapsed time.Duration // 0: not checked
	}{
		{"midweek", at(berlin, 2026, 11, 4, 9, 30), 2, berlin, at(berlin, 2026, 11, 6, 9, 30), 48 * time.Hour},
		{"Thursday skips the weekend", at(berlin, 2026, 11, 5, 16, 0), 2, berlin, at(berlin, 2026, 11, 9, 16, 0), 96 * time.Hour},
		{"Friday afternoon to Tuesday", at(berlin, 2026, 11, 6, 15, 0), 2, berlin, at(berlin, 2026, 11, 10, 15, 0), 96 * time.Hour},
		{"Saturday starts Monday at midnight", at(berlin, 2026, 11, 7, 10, 0), 2, berlin, at(berlin, 2026, 11, 11, 0, 0), 0},
		{"late Sunday starts Monday at midnight", at(berlin, 2026, 11, 8, 23, 59), 2, berlin, at(berlin, 2026, 11, 11, 0, 0), 0},
		{"zero days on a weekday is the same moment", at(berlin, 2026, 11, 4, 9, 30), 0, berlin, at(berlin, 2026, 11, 4, 9, 30), 0},
		{"five days is a calendar week", at(berlin, 2026, 11, 4, 9, 30), 5, berlin, at(berlin, 2026, 11, 11, 9, 30), 0},
		// EU summer time ends on Sunday 25 October 2026 (03:00 CEST → 02:00 CET):
		// the deadline keeps its wall-clock time, so 97 real hours pass.
		{"across the autumn DST change", at(berlin, 2026, 10, 23, 10, 0), 2, berlin, at(berlin, 2026, 10, 27, 10, 0), 97 * time.Hour},
		// …and starts on Sunday 29 March 2026: 95 real hours.
		{"across the spring DST change", at(berlin, 2026, 3, 27, 10, 0), 2, berlin, at(berlin, 2026, 3, 31, 10, 0), 95 * time.Hour},
		{"the weekend is the business timezone's", at(berlin, 2026, 11, 9, 0, 30).In(time.UTC), 1, berlin, at(berlin, 2026, 11, 10, 0, 30), 0},
		{"…which may differ from UTC's", at(berlin, 2026, 11, 9, 0, 30), 1, newYork, at(newYork, 2026, 11, 10, 0, 0), 0},
		{"month and year roll over", at(berlin, 2026, 12, 31, 12, 0), 2, berlin, at(berlin, 2027, 1, 4, 12, 0), 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := AddBusinessDays(tc.start, tc.n, tc.loc)
			if !got.Equal(tc.want) {
				t.Errorf("AddBusinessDays(%s, %d) = %s, want %s", tc.start, tc.n, got, tc.want)
			}
			if got.Location() != tc.loc {
				t.Errorf("result in %s, want %s", got.Location(), tc.loc)
			}
			if tc.elapsed != 0 && got.Sub(tc.start) != tc.elapsed {
				t.Errorf("elapsed %s, want %s", got.Sub(tc.start), tc.elapsed)
			}
		})
	}
}

func TestAckDueIsTwoBusinessDays(t *testing.T) {
	t.Parallel()
	berlin := mustLoad(t, "Europe/Berlin")
	created := time.Date(2026, 10, 23, 17, 45, 0, 0, berlin) // a Friday, before the DST change
	want := time.Date(2026, 10, 27, 17, 45, 0, 0, berlin)
	if got := AckDue(created, berlin); !got.Equal(want) {
		t.Errorf("AckDue = %s, want %s", got, want)
	}
}

func TestMonthStarts(t *testing.T) {
	t.Parallel()
	berlin := mustLoad(t, "Europe/Berlin")
	// 31 Jan 23:30 UTC is already 1 February in Berlin.
	got := MonthStarts(time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC), 12, berlin)
	if len(got) != 13 {
		t.Fatalf("%d starts, want 13", len(got))
	}
	if want := time.Date(2025, 3, 1, 0, 0, 0, 0, berlin); !got[0].Equal(want) {
		t.Errorf("first month %s, want %s", got[0], want)
	}
	if want := time.Date(2026, 3, 1, 0, 0, 0, 0, berlin); !got[12].Equal(want) {
		t.Errorf("end %s, want %s", got[12], want)
	}
}
