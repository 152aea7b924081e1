package leads_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"tandem/internal/leads"
	"tandem/internal/users"
)

func (f fixture) scan(t *testing.T, w *leads.SLAWatch, now time.Time) int {
	t.Helper()
	n, err := w.ScanSLA(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The follow-up clock (24 hours by default) warns the rep at 75 % and tells
// the rep and every sales manager when it runs out, each once, however
// many scans and instances look.
func TestSLAAlertsOncePerLeadHandoffAndKind(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	otherManager := f.user(t, "sm2@example.com", users.Sales, users.Manager)
	one := leads.NewSLAWatch(f.pool, slog.New(slog.DiscardHandler))
	two := leads.NewSLAWatch(f.pool, slog.New(slog.DiscardHandler))

	l := f.handedOff(t, "clock@acme.example")
	at := *l.HandedOffAt
	warnings := func(u users.User) int { return len(f.notified(t, u, leads.KindSLAWarning)) }
	breaches := func(u users.User) int { return len(f.notified(t, u, leads.KindSLABreached)) }

	if n := f.scan(t, one, at.Add(18*time.Hour-time.Second)); n != 0 {
		t.Errorf("before 75 %%: %d alerts", n)
	}
	if n := f.scan(t, one, at.Add(18*time.Hour)); n != 1 {
		t.Errorf("at 75 %%: %d alerts, want 1", n)
	}
	f.scan(t, one, at.Add(19*time.Hour))
	f.scan(t, two, at.Add(20*time.Hour)) // another instance
	if warnings(f.rep) != 1 || warnings(f.salesM) != 0 || warnings(f.rep2) != 0 {
		t.Errorf("warnings: rep %d, manager %d, other rep %d; want 1, 0, 0", warnings(f.rep), warnings(f.salesM), warnings(f.rep2))
	}
	if got := f.notified(t, f.rep, leads.KindSLAWarning); got[0] != "Acme clock@acme.example: 75 % of the 24-hour follow-up SLA has gone, no first touch yet" {
		t.Errorf("warning title %q", got[0])
	}
	// At the deadline itself the SLA still holds (as in Lead.SLAState).
	if n := f.scan(t, one, at.Add(24*time.Hour)); n != 0 {
		t.Errorf("at the deadline: %d alerts", n)
	}
	if n := f.scan(t, two, at.Add(24*time.Hour+time.Second)); n != 1 {
		t.Errorf("past the deadline: %d alerts, want 1", n)
	}
	f.scan(t, one, at.Add(25*time.Hour))
	f.scan(t, two, at.Add(30*time.Hour))
	for _, u := range []users.User{f.rep, f.salesM, otherManager} {
		if breaches(u) != 1 {
			t.Errorf("%s has %d breach alerts, want 1", u.Email, breaches(u))
		}
	}
	if breaches(f.rep2) != 0 || breaches(f.marketer) != 0 {
		t.Errorf("breach alerts to people it does not concern: other rep %d, marketer %d", breaches(f.rep2), breaches(f.marketer))
	}
	if warnings(f.rep) != 1 {
		t.Errorf("the breach repeated the warning: %d", warnings(f.rep))
	}

	// Rejected, recycled and handed off again: a fresh clock, fresh alerts.
	cur, _ := f.store.Get(ctx, l.ID)
	for _, m := range []struct {
		by users.User
		m  leads.Move
	}{
		{f.rep, leads.Move{To: leads.Rejected, Reason: "bad_timing", Rating: 3}},
		{f.marketer, leads.Move{To: leads.Recycled}},
		{f.marketer, leads.Move{To: leads.MQL}},
		{f.marketer, leads.Move{To: leads.HandedOff, OwnerID: f.rep.ID, Note: "back, with budget"}},
	} {
		var err error
		if cur, err = f.store.Apply(ctx, m.by, cur.ID, cur.Version, m.m); err != nil {
			t.Fatal(err)
		}
	}
	again := *cur.HandedOffAt
	if n := f.scan(t, one, again.Add(20*time.Hour)); n != 1 || warnings(f.rep) != 2 {
		t.Errorf("after the re-handoff: %d alerts, %d warnings in all; want 1 and 2", n, warnings(f.rep))
	}
	// A first touch stops the clock: no breach.
	if err := f.store.Touch(ctx, f.rep, cur.ID, "call", ""); err != nil {
		t.Fatal(err)
	}
	if n := f.scan(t, one, again.Add(25*time.Hour)); n != 0 || breaches(f.rep) != 1 {
		t.Errorf("after a touch: %d alerts, %d breaches in all", n, breaches(f.rep))
	}
}

// Two instances scanning the same moment alert once.
func TestSLAScansRacingAlertOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var lastHandoff time.Time
	for _, email := range []string{"r1@acme.example", "r2@acme.example", "r3@acme.example"} {
		lastHandoff = *f.handedOff(t, email).HandedOffAt
	}
	now := lastHandoff.Add(25 * time.Hour)
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		w := leads.NewSLAWatch(f.pool, slog.New(slog.DiscardHandler))
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := w.ScanSLA(context.Background(), now)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	if total != 3 || len(f.notified(t, f.rep, leads.KindSLABreached)) != 3 || len(f.notified(t, f.salesM, leads.KindSLABreached)) != 3 {
		t.Errorf("%v alerts recorded; rep has %d breach alerts, manager %d; want 3 each",
			counts, len(f.notified(t, f.rep, leads.KindSLABreached)), len(f.notified(t, f.salesM, leads.KindSLABreached)))
	}
}

// A lead left for assignment has no rep yet: its warning goes to the sales
// managers. Crossings older than the catch-up window are not announced.
func TestSLAAlertsForUnassignedAndOldLeads(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	w := leads.NewSLAWatch(f.pool, slog.New(slog.DiscardHandler))
	l := f.leftForAManager(t, "nobody@acme.example")
	f.scan(t, w, l.HandedOffAt.Add(19*time.Hour))
	if got := f.notified(t, f.salesM, leads.KindSLAWarning); len(got) != 1 {
		t.Errorf("manager's warnings for an unassigned lead: %q", got)
	}

	old := f.handedOff(t, "old@acme.example")
	if _, err := f.pool.Exec(ctx, `UPDATE leads SET handed_off_at = handed_off_at - interval '3 days' WHERE id = $1`, old.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.scan(t, w, *old.HandedOffAt); n != 0 {
		t.Errorf("a breach two days old was announced: %d alerts", n)
	}
	// An SLA change applies to the next scan.
	if _, err := f.pool.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('sla_hours', '90')`); err != nil {
		t.Fatal(err)
	}
	if n := f.scan(t, w, *old.HandedOffAt); n != 1 {
		t.Errorf("75 %% of a 90-hour SLA, 72 hours in: %d alerts, want 1", n)
	}
}

// Once a breach went out for a handoff, no warning for it follows, even
// when a raised SLA puts the lead back inside the warning window: QA saw
// "breached … 24 hours" and then "75 % of the 48-hour SLA has gone".
func TestSLANoWarningAfterABreachWhenTheSLAIsRaised(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	w := leads.NewSLAWatch(f.pool, slog.New(slog.DiscardHandler))
	l := f.handedOff(t, "raised@acme.example")
	at := *l.HandedOffAt
	// Breached under the 24-hour default, before the warning was scanned.
	if n := f.scan(t, w, at.Add(25*time.Hour)); n != 1 || len(f.notified(t, f.rep, leads.KindSLABreached)) != 1 {
		t.Fatalf("breach under 24 hours: %d alerts", n)
	}
	if _, err := f.pool.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('sla_hours', '48')`); err != nil {
		t.Fatal(err)
	}
	// 37 hours in is past 75 % of 48 hours and before the new deadline.
	if n := f.scan(t, w, at.Add(37*time.Hour)); n != 0 {
		t.Errorf("after the SLA went to 48 hours: %d alerts, want none", n)
	}
	if got := f.notified(t, f.rep, leads.KindSLAWarning); len(got) != 0 {
		t.Errorf("a warning after the breach: %q", got)
	}
	for _, u := range []users.User{f.rep, f.salesM} {
		if n := len(f.notified(t, u, leads.KindSLABreached)); n != 1 {
			t.Errorf("%s has %d breach alerts after the SLA change, want 1", u.Email, n)
		}
	}
}
