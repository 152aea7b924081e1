package leads_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"tandem/internal/leads"
	"tandem/internal/routing"
	"tandem/internal/sla"
	"tandem/internal/users"
)

func newLadder(f fixture) *leads.Ladder {
	return leads.NewLadder(f.pool, slog.New(slog.DiscardHandler))
}

func (f fixture) catchUp(t *testing.T, l *leads.Ladder, now time.Time) int {
	t.Helper()
	n, err := l.CatchUp(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The default ladder (24 hours) reminds the rep at 75 % and tells the rep
// and every sales manager when the deadline passes, each once, however
// many catch-ups and instances look.
func TestEscalationStepsFireOncePerLeadHandoffAndStep(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	otherManager := f.user(t, "sm2@example.com", users.Sales, users.Manager)
	one, two := newLadder(f), newLadder(f)

	l := f.handedOff(t, "clock@acme.example")
	at := *l.HandedOffAt
	warnings := func(u users.User) int { return len(f.notified(t, u, leads.KindSLAWarning)) }
	breaches := func(u users.User) int { return len(f.notified(t, u, leads.KindSLABreached)) }

	if n := f.catchUp(t, one, at.Add(18*time.Hour-time.Second)); n != 0 {
		t.Errorf("before 75 %%: %d steps", n)
	}
	if n := f.catchUp(t, one, at.Add(18*time.Hour)); n != 1 {
		t.Errorf("at 75 %%: %d steps, want 1", n)
	}
	f.catchUp(t, one, at.Add(19*time.Hour))
	f.catchUp(t, two, at.Add(20*time.Hour)) // another instance
	if warnings(f.rep) != 1 || warnings(f.salesM) != 0 || warnings(f.rep2) != 0 {
		t.Errorf("reminders: rep %d, manager %d, other rep %d; want 1, 0, 0", warnings(f.rep), warnings(f.salesM), warnings(f.rep2))
	}
	if got := f.notified(t, f.rep, leads.KindSLAWarning); got[0] != "Acme clock@acme.example: 75 % of the 24-hour follow-up SLA has gone, no first touch yet" {
		t.Errorf("reminder title %q", got[0])
	}
	// At the deadline itself the SLA still holds (as in Lead.SLAState).
	if n := f.catchUp(t, one, at.Add(24*time.Hour)); n != 0 {
		t.Errorf("at the deadline: %d steps", n)
	}
	if n := f.catchUp(t, two, at.Add(24*time.Hour+time.Second)); n != 1 {
		t.Errorf("past the deadline: %d steps, want 1", n)
	}
	f.catchUp(t, one, at.Add(25*time.Hour))
	f.catchUp(t, two, at.Add(30*time.Hour))
	for _, u := range []users.User{f.rep, f.salesM, otherManager} {
		if breaches(u) != 1 {
			t.Errorf("%s has %d breach notices, want 1", u.Email, breaches(u))
		}
	}
	if got := f.notified(t, f.salesM, leads.KindSLABreached); got[0] != "Acme clock@acme.example: follow-up SLA breached, no first touch within 24 hours" {
		t.Errorf("breach title %q", got[0])
	}
	if breaches(f.rep2) != 0 || breaches(f.marketer) != 0 {
		t.Errorf("breach notices to people it does not concern: other rep %d, marketer %d", breaches(f.rep2), breaches(f.marketer))
	}
	if warnings(f.rep) != 1 {
		t.Errorf("the breach repeated the reminder: %d", warnings(f.rep))
	}
	var history int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM lead_escalations WHERE lead_id = $1 AND owner_id = $2 AND outcome <> ''`,
		l.ID, f.rep.ID).Scan(&history); err != nil || history != 2 {
		t.Errorf("%d escalations in the history, want 2 (%v)", history, err)
	}

	// Rejected, recycled and handed off again: a fresh clock, fresh steps.
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
	if n := f.catchUp(t, one, again.Add(20*time.Hour)); n != 1 || warnings(f.rep) != 2 {
		t.Errorf("after the re-handoff: %d steps, %d reminders in all; want 1 and 2", n, warnings(f.rep))
	}
	// A first touch stops the clock: no breach.
	if err := f.store.Touch(ctx, f.rep, cur.ID, "call", ""); err != nil {
		t.Fatal(err)
	}
	if n := f.catchUp(t, one, again.Add(25*time.Hour)); n != 0 || breaches(f.rep) != 1 {
		t.Errorf("after a touch: %d steps, %d breaches in all", n, breaches(f.rep))
	}
}

// Four instances catching up at the same moment fire each step once.
func TestEscalationCatchUpsRacingFireOnce(t *testing.T) {
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
		l := newLadder(f)
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := l.CatchUp(context.Background(), now)
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
		t.Errorf("%v steps fired; rep has %d breach notices, manager %d; want 3 each",
			counts, len(f.notified(t, f.rep, leads.KindSLABreached)), len(f.notified(t, f.salesM, leads.KindSLABreached)))
	}
}

// A lead left for assignment has no rep yet: its reminder goes to the
// sales managers. Steps older than the catch-up window are not announced.
// The deadline is fixed at handoff: a changed SLA applies to the next one.
func TestEscalationForUnassignedOldLeadsAndAChangedSLA(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	w := newLadder(f)
	l := f.leftForAManager(t, "nobody@acme.example")
	f.catchUp(t, w, l.HandedOffAt.Add(19*time.Hour))
	if got := f.notified(t, f.salesM, leads.KindSLAWarning); len(got) != 1 {
		t.Errorf("manager's reminders for an unassigned lead: %q", got)
	}

	old := f.handedOff(t, "old@acme.example")
	if _, err := f.pool.Exec(ctx, `UPDATE leads SET handed_off_at = handed_off_at - interval '3 days' WHERE id = $1`, old.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.catchUp(t, w, *old.HandedOffAt); n != 0 {
		t.Errorf("a breach two days old was announced: %d steps", n)
	}
	if _, err := f.pool.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('sla_hours', '90')`); err != nil {
		t.Fatal(err)
	}
	if n := f.catchUp(t, w, *old.HandedOffAt); n != 0 {
		t.Errorf("a raised SLA reopened a handoff's old deadline: %d steps", n)
	}
	next := f.handedOff(t, "next@acme.example")
	if want := next.HandedOffAt.Add(90 * time.Hour); next.SLADueAt == nil || !next.SLADueAt.Equal(want) {
		t.Errorf("the next handoff's deadline is %v, want 90 hours on, %v", next.SLADueAt, want)
	}
}

// Once the breach notice went out for a handoff, no reminder for it
// follows: "breached" and then "75 % has gone" would say the clock went
// backwards.
func TestNoReminderAfterTheBreachNotice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	w := newLadder(f)
	l := f.handedOff(t, "late@acme.example")
	at := *l.HandedOffAt
	// The instance was down from before 75 % until past the deadline:
	// only the latest step fires.
	if n := f.catchUp(t, w, at.Add(25*time.Hour)); n != 1 || len(f.notified(t, f.rep, leads.KindSLABreached)) != 1 {
		t.Fatalf("catching up past the deadline: %d steps", n)
	}
	fired, err := w.Fire(context.Background(), leads.EscalationArgs{LeadID: l.ID, HandedOffAt: at, Percent: 75, Action: sla.RemindRep}, at.Add(26*time.Hour))
	if err != nil || fired {
		t.Errorf("the 75 %% job ran after the breach notice: fired %v, %v", fired, err)
	}
	if got := f.notified(t, f.rep, leads.KindSLAWarning); len(got) != 0 {
		t.Errorf("a reminder after the breach: %q", got)
	}
}

type ladderJob struct {
	Percent     int
	Action      string
	ScheduledAt time.Time
	State       string
}

func (f fixture) ladderJobs(t *testing.T, leadID int64) []ladderJob {
	t.Helper()
	rows, err := f.pool.Query(context.Background(), `SELECT (args->>'percent')::int, args->>'action', scheduled_at, state::text
		FROM river_job WHERE kind = 'escalation' AND (args->>'lead_id')::bigint = $1 ORDER BY id`, leadID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []ladderJob
	for rows.Next() {
		var j ladderJob
		if err := rows.Scan(&j.Percent, &j.Action, &j.ScheduledAt, &j.State); err != nil {
			t.Fatal(err)
		}
		out = append(out, j)
	}
	return out
}

// A handoff schedules one job per step at the step's moment; the first
// touch cancels the ones still waiting.
func TestHandoffSchedulesTheLadderAndTheTouchCancelsIt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	l := f.handedOff(t, "jobs@acme.example")
	jobs := f.ladderJobs(t, l.ID)
	if len(jobs) != 2 {
		t.Fatalf("jobs after the handoff: %+v, want the 75 %% and 100 %% steps", jobs)
	}
	for i, want := range []struct {
		pct    int
		action sla.Action
		after  time.Duration
	}{{75, sla.RemindRep, 18 * time.Hour}, {100, sla.NotifyManagers, 24 * time.Hour}} {
		j := jobs[i]
		if j.Percent != want.pct || j.Action != string(want.action) || !j.ScheduledAt.Equal(l.HandedOffAt.Add(want.after)) || j.State != "scheduled" {
			t.Errorf("job %d: %+v, want %d %% %s at handoff + %s, scheduled", i, j, want.pct, want.action, want.after)
		}
	}
	if err := f.store.Touch(ctx, f.rep, l.ID, "call", "left a voicemail"); err != nil {
		t.Fatal(err)
	}
	for _, j := range f.ladderJobs(t, l.ID) {
		if j.State != "cancelled" {
			t.Errorf("after the first touch the %d %% job is %s, want cancelled", j.Percent, j.State)
		}
	}
	// A job that was already running finds the lead touched and does nothing.
	fired, err := newLadder(f).Fire(ctx, leads.EscalationArgs{LeadID: l.ID, HandedOffAt: *l.HandedOffAt, Percent: 100, Action: sla.NotifyManagers},
		l.HandedOffAt.Add(25*time.Hour))
	if err != nil || fired {
		t.Errorf("a step after the touch: fired %v, %v", fired, err)
	}
}

// A touch racing a step: the touch holds the lead's lock and commits; the
// step, waiting on the lock, then sees the touch and does nothing.
func TestTouchRacingAStep(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	l := f.handedOff(t, "race@acme.example")
	tx, err := f.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM leads WHERE id = $1 FOR UPDATE`, l.ID); err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	go func() {
		fired, err := newLadder(f).Fire(ctx, leads.EscalationArgs{LeadID: l.ID, HandedOffAt: *l.HandedOffAt, Percent: 100, Action: sla.NotifyManagers},
			l.HandedOffAt.Add(25*time.Hour))
		if err != nil {
			t.Error(err)
		}
		done <- fired
	}()
	select {
	case <-done:
		t.Fatal("the step did not wait for the lead's lock")
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := tx.Exec(ctx, `UPDATE leads SET first_touch_at = now() WHERE id = $1`, l.ID); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if <-done {
		t.Error("the step fired after the touch committed")
	}
	if got := f.notified(t, f.salesM, leads.KindSLABreached); len(got) != 0 {
		t.Errorf("breach notices after the touch: %q", got)
	}
}

// At 150 % the lead goes to the rep the rules choose, never the current
// one; the timeline says why, both reps and the managers are told.
func TestRerouteStepMovesTheLeadAwayFromTheRep(t *testing.T) {
	t.Parallel()
	f := newRoutingFixture(t)
	ctx := context.Background()
	steps := sla.NewStore(f.pool)
	if _, err := steps.AddStep(ctx, users.Actor{}, "150", string(sla.Reroute)); err != nil {
		t.Fatal(err)
	}
	f.rule(t, routing.RuleInput{Name: "Everyone", Method: "round_robin", Reps: ids(f.reps[0], f.reps[1])})
	l := f.mql(t, "slow@acme.example", "DE", 60)
	first := f.route(t, l)
	l, _ = f.store.Get(ctx, l.ID)
	w := newLadder(f.fixture)
	if n := f.catchUp(t, w, l.HandedOffAt.Add(36*time.Hour+time.Second)); n != 1 {
		t.Fatalf("at 150 %%: %d steps, want 1", n)
	}
	after, _ := f.store.Get(ctx, l.ID)
	if after.OwnerID == nil || *after.OwnerID == first || after.Version != l.Version+1 {
		t.Fatalf("after the re-route the owner is %v (was %d), version %d", after.OwnerID, first, after.Version)
	}
	if after.SLADueAt == nil || !after.SLADueAt.Equal(*l.SLADueAt) {
		t.Errorf("the re-route moved the deadline: %v → %v", l.SLADueAt, after.SLADueAt)
	}
	newRep := f.reps[0]
	if newRep.ID == first {
		newRep = f.reps[1]
	}
	if got := f.notified(t, newRep, leads.KindAssigned); len(got) != 1 {
		t.Errorf("the new rep's notifications: %q", got)
	}
	if got := f.notified(t, f.salesM, leads.KindSLABreached); len(got) != 1 {
		t.Errorf("the managers' notices of the re-route: %q", got)
	}
	events, err := f.store.Timeline(ctx, l.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range events {
		if e.Kind == "route" && e.Note != "" && e.Version == after.Version {
			found = true
		}
	}
	if !found {
		t.Errorf("no re-route on the timeline: %+v", events)
	}
	if n := f.catchUp(t, w, l.HandedOffAt.Add(40*time.Hour)); n != 0 {
		t.Errorf("the re-route fired again: %d", n)
	}
}

// businessHoursInTokyo puts the follow-up clock on business hours, Monday
// to Friday 09:00–17:00 in Tokyo, and returns the policy in force.
func (f fixture) businessHoursInTokyo(t *testing.T) sla.Policy {
	t.Helper()
	ctx := context.Background()
	store := sla.NewStore(f.pool)
	p, err := store.Policy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.SaveCalendar(ctx, users.Actor{}, p.Calendar.Version, sla.CalendarForm{Mode: "business", Timezone: "Asia/Tokyo",
		Days: []string{"1", "2", "3", "4", "5"}, Opens: "09:00", Closes: "17:00"}); err != nil {
		t.Fatal(err)
	}
	if p, err = store.Policy(ctx); err != nil {
		t.Fatal(err)
	}
	return p
}

// In business mode the deadline given at handoff counts working hours,
// and the ladder's jobs are scheduled at the steps' business-hour moments.
func TestBusinessHoursDeadlineAtHandoff(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p := f.businessHoursInTokyo(t)
	l := f.handedOff(t, "tokyo@acme.example")
	want := p.Due(*l.HandedOffAt)
	if l.SLADueAt == nil || !l.SLADueAt.Equal(want) {
		t.Fatalf("deadline %v, want %v (24 business hours)", l.SLADueAt, want)
	}
	// Three 8-hour working days: at the least from a Monday's opening to
	// Wednesday's close, 56 hours of real time.
	if elapsed := want.Sub(*l.HandedOffAt); elapsed < 56*time.Hour {
		t.Errorf("24 business hours took only %s of real time", elapsed)
	}
	jobs := f.ladderJobs(t, l.ID)
	if len(jobs) != 2 || !jobs[0].ScheduledAt.Equal(p.StepAt(*l.HandedOffAt, want, 75)) || !jobs[1].ScheduledAt.Equal(want) {
		t.Errorf("jobs %+v, want 75 %% at %v and 100 %% at %v", jobs, p.StepAt(*l.HandedOffAt, want, 75), want)
	}
	page, err := f.store.List(ctx, leads.Filter{SLA: leads.SLAOpen})
	if err != nil || len(page.Leads) != 1 {
		t.Errorf("open SLA filter: %d leads, %v", len(page.Leads), err)
	}
}

// The first touch records the follow-up time on the SLA clock: in business
// mode, the working time since the handoff, which the /sla page's median
// and p90 read.
func TestFirstTouchRecordsTheBusinessHoursResponse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p := f.businessHoursInTokyo(t)
	l := f.handedOff(t, "slow@acme.example")
	// A Friday afternoon in Tokyo, over a week ago: a weekend and more of
	// nights lie between the handoff and the touch.
	handoff := time.Now().In(p.Calendar.Location).AddDate(0, 0, -9)
	for handoff.Weekday() != time.Friday {
		handoff = handoff.AddDate(0, 0, -1)
	}
	handoff = time.Date(handoff.Year(), handoff.Month(), handoff.Day(), 16, 0, 0, 0, p.Calendar.Location)
	if _, err := f.pool.Exec(ctx, `UPDATE leads SET handed_off_at = $2 WHERE id = $1`, l.ID, handoff); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Touch(ctx, f.rep, l.ID, "call", ""); err != nil {
		t.Fatal(err)
	}
	var touched time.Time
	var response int64
	if err := f.pool.QueryRow(ctx, `SELECT first_touch_at, response_seconds FROM leads WHERE id = $1`, l.ID).Scan(&touched, &response); err != nil {
		t.Fatal(err)
	}
	if want := int64(p.Elapsed(handoff, touched) / time.Second); response != want {
		t.Errorf("response %d s, want %d s of business time", response, want)
	}
	if wall := touched.Sub(handoff); time.Duration(response)*time.Second > wall/2 {
		t.Errorf("response %d s is most of the %s that passed: nights and the weekend were counted", response, wall)
	}
	// A second touch leaves the first response alone.
	if err := f.store.Touch(ctx, f.rep, l.ID, "email", ""); err != nil {
		t.Fatal(err)
	}
	var again int64
	if err := f.pool.QueryRow(ctx, `SELECT response_seconds FROM leads WHERE id = $1`, l.ID).Scan(&again); err != nil || again != response {
		t.Errorf("after a second touch: %d, %v; want %d", again, err, response)
	}
}
