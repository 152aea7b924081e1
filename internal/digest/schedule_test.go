package digest

import (
	"context"
	"testing"
	"time"
)

func TestScheduleDueTimes(t *testing.T) {
	t.Parallel()
	w47 := mustWeek(t, "2026-W47")
	cases := []struct {
		sc   Schedule
		now  time.Time
		due  time.Time // of W47
		last string    // latest due week at now
		next string    // upcoming week at now
	}{
		{DefaultSchedule, at(23, 7, 59), at(23, 8, 0), "2026-W46", "2026-W47"},
		{DefaultSchedule, at(23, 8, 0), at(23, 8, 0), "2026-W47", "2026-W48"},
		{DefaultSchedule, at(18, 12, 0), at(23, 8, 0), "2026-W46", "2026-W47"},
		{Schedule{time.Friday, 16, 30}, at(27, 16, 29), at(27, 16, 30), "2026-W46", "2026-W47"},
		{Schedule{time.Sunday, 20, 0}, at(29, 20, 0), at(29, 20, 0), "2026-W47", "2026-W48"},
	}
	for _, tc := range cases {
		if got := tc.sc.Due(w47); !got.Equal(tc.due) {
			t.Errorf("%v: W47 due %v, want %v", tc.sc, got, tc.due)
		}
		if got := tc.sc.LatestDue(tc.now, berlin).Label(); got != tc.last {
			t.Errorf("%v at %v: latest due %s, want %s", tc.sc, tc.now, got, tc.last)
		}
		if got, when := tc.sc.Upcoming(tc.now, berlin); got.Label() != tc.next || !when.After(tc.now) {
			t.Errorf("%v at %v: upcoming %s at %v, want %s", tc.sc, tc.now, got.Label(), when, tc.next)
		}
	}
	// Across the end of daylight saving time (Sunday 25 October 2026) the
	// week still runs Monday to Monday and the digest still goes at 08:00.
	w43 := mustWeek(t, "2026-W43")
	if due := DefaultSchedule.Due(w43); due.Format("Mon 2006-01-02 15:04 MST") != "Mon 2026-10-26 08:00 CET" {
		t.Errorf("W43 due %v", due)
	}
}

func TestScheduleComesFromSettings(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(nil)
	ctx := context.Background()
	if sc, err := s.Schedule(ctx); err != nil || sc != DefaultSchedule {
		t.Errorf("default: %+v %v", sc, err)
	}
	f.exec(`INSERT INTO settings (key, value) VALUES ('digest_weekday', '5'), ('digest_time', '16:30')`)
	if sc, err := s.Schedule(ctx); err != nil || sc != (Schedule{time.Friday, 16, 30}) || sc.String() != "Fridays at 16:30" {
		t.Errorf("friday: %+v %v", sc, err)
	}
	f.exec(`UPDATE settings SET value = '8' WHERE key = 'digest_weekday'`)
	f.exec(`UPDATE settings SET value = 'noon' WHERE key = 'digest_time'`)
	if sc, err := s.Schedule(ctx); err != nil || sc != DefaultSchedule {
		t.Errorf("malformed settings fall back to the default: %+v %v", sc, err)
	}
}
