package sla_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"tandem/internal/db"
	"tandem/internal/refusal"
	"tandem/internal/sla"
	"tandem/internal/testdb"
	"tandem/internal/users"
)

func newStore(t *testing.T) (*sla.Store, func(q string) int) {
	t.Helper()
	pool := testdb.New(t)
	count := func(q string) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(context.Background(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	return sla.NewStore(pool), count
}

func TestStoredCalendarDrivesThePolicy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, count := newStore(t)
	p, err := s.Policy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Calendar.Mode != sla.Elapsed || p.Hours != 24 || p.Calendar.Version != 1 {
		t.Fatalf("fresh policy %+v, want elapsed 24 hours at version 1", p)
	}
	f := sla.CalendarForm{Mode: "business", Timezone: "Europe/Berlin", Days: []string{"5", "1", "2", "3", "4", "1"}, Opens: "09:00", Closes: "17:00"}
	c, err := s.SaveCalendar(ctx, users.Actor{}, 1, f)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != 2 || len(c.Days) != 5 || c.Days[0] != 1 || c.Location.String() != "Europe/Berlin" {
		t.Errorf("saved calendar %+v", c)
	}
	if _, err := s.AddHoliday(ctx, users.Actor{}, "2027-01-01", "New Year's Day"); err != nil {
		t.Fatal(err)
	}
	p, err = s.Policy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Thursday 31 December 2026, 15:00 in Berlin: two business hours that
	// day, then the holiday and the weekend, so the 24 business hours end
	// on Wednesday 6 January at 15:00 (2 + 8 + 8 + 6).
	handoff := time.Date(2026, 12, 31, 15, 0, 0, 0, p.Calendar.Location)
	if got, want := p.Due(handoff), time.Date(2027, 1, 6, 15, 0, 0, 0, p.Calendar.Location); !got.Equal(want) {
		t.Errorf("due %v, want %v", got, want)
	}
	if got := p.Describe(); got != "24 business hours" {
		t.Errorf("described as %q", got)
	}
	if _, err := s.SaveCalendar(ctx, users.Actor{}, 1, f); !errors.Is(err, db.ErrConflict) {
		t.Errorf("saving from a stale version: %v, want a conflict", err)
	}
	if n := count(`SELECT count(*) FROM audit_events WHERE action IN ('sla.calendar_changed', 'sla.holiday_added')`); n != 2 {
		t.Errorf("%d audit events, want 2", n)
	}
}

func TestRefusedCalendarNamesEveryField(t *testing.T) {
	t.Parallel()
	s, count := newStore(t)
	_, err := s.SaveCalendar(context.Background(), users.Actor{}, 1,
		sla.CalendarForm{Mode: "lunar", Timezone: "Local", Days: []string{"8"}, Opens: "9am", Closes: "25:00"})
	got := refusal.FieldMessages(err)
	want := map[string]string{"mode": sla.MsgMode, "timezone": sla.MsgTimezone, "days": sla.MsgDays, "opens": sla.MsgOpens, "closes": sla.MsgCloses}
	for k, msg := range want {
		if got[k] != msg {
			t.Errorf("%s: %q, want %q", k, got[k], msg)
		}
	}
	if n := count(`SELECT version FROM sla_calendar`); n != 1 {
		t.Errorf("a refused calendar moved the version to %d", n)
	}
}

func TestHolidaysAreDatedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, count := newStore(t)
	if _, err := s.AddHoliday(ctx, users.Actor{}, "2027-05-01", "Labour Day"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddHoliday(ctx, users.Actor{}, "2027-05-01", "May Day"); refusal.FieldMessages(err)["day"] != sla.MsgHolidayTwin {
		t.Errorf("a second holiday on the day: %v", err)
	}
	if _, err := s.AddHoliday(ctx, users.Actor{}, "1999-05-01", " "); len(refusal.FieldMessages(err)) != 2 {
		t.Errorf("an old date without a name: %v, want two field refusals", err)
	}
	if err := s.DeleteHoliday(ctx, users.Actor{}, "2027-05-01"); err != nil {
		t.Fatal(err)
	}
	for _, day := range []string{"2027-05-01", "not-a-day"} {
		if err := s.DeleteHoliday(ctx, users.Actor{}, day); refusal.KindOf(err) != refusal.NotFound {
			t.Errorf("removing %s again: %v, want not found", day, err)
		}
	}
	if n := count(`SELECT count(*) FROM sla_holidays`); n != 0 {
		t.Errorf("%d holidays left", n)
	}
}

func TestLadderStepsAreUniqueAndBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)
	steps, err := s.Steps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || steps[0].Percent != 75 || steps[0].Action != sla.RemindRep || steps[1].Action != sla.NotifyManagers {
		t.Fatalf("default ladder %+v, want a reminder at 75 %% and the managers at 100 %%", steps)
	}
	if _, err := s.AddStep(ctx, users.Actor{}, "75", "remind_rep"); refusal.FieldMessages(err)["percent"] != sla.MsgStepTwin {
		t.Errorf("a twin step: %v", err)
	}
	if _, err := s.AddStep(ctx, users.Actor{}, "0", "sing"); len(refusal.FieldMessages(err)) != 2 {
		t.Errorf("0 %% singing: %v, want two field refusals", err)
	}
	for pct := 110; len(steps) < 10; pct += 10 {
		st, err := s.AddStep(ctx, users.Actor{}, strconv.Itoa(pct)+" %", "reroute")
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, st)
	}
	if _, err := s.AddStep(ctx, users.Actor{}, "999", "reroute"); refusal.FieldMessages(err)["percent"] != sla.MsgLadderFull {
		t.Errorf("an eleventh step: %v", err)
	}
	last := steps[len(steps)-1]
	if err := s.DeleteStep(ctx, users.Actor{}, last.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteStep(ctx, users.Actor{}, last.ID); refusal.KindOf(err) != refusal.NotFound {
		t.Errorf("removing a step twice: %v, want not found", err)
	}
	if got, err := s.Steps(ctx); err != nil || len(got) != 9 {
		t.Errorf("%d steps after removing one of 10 (%v)", len(got), err)
	}
}
