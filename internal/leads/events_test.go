package leads_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"tandem/internal/events"
	"tandem/internal/events/eventstest"
	"tandem/internal/leads"
)

// Every move worth telling records one event in its transaction: the
// people told in Tandem are its audience, the teams docs/outbound.md names
// hear of it, and the payload carries the lead as it is after the move.
func TestLeadMovesRecordOneEventEach(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	mark := eventstest.Last(t, f.pool)
	l := f.handedOff(t, "events@acme.example")
	ho := eventstest.One(t, f.pool, events.LeadHandedOff, mark)
	if !slices.Equal(ho.Audience, []int64{f.rep.ID}) || !slices.Equal(ho.Teams, []string{"sales", "marketing"}) ||
		ho.ActorID == nil || *ho.ActorID != f.marketer.ID {
		t.Errorf("handoff event: audience %v, teams %v, actor %v", ho.Audience, ho.Teams, ho.ActorID)
	}
	if ho.Payload["company"] != l.Company || ho.Payload["stage"] != "handed_off" || ho.Payload["owner_id"] != float64(f.rep.ID) ||
		ho.Payload["url"] != leads.Link(l.ID) || ho.Payload["actor_name"] != f.marketer.Name || ho.Payload["sla_deadline"] == nil {
		t.Errorf("handoff payload %v", ho.Payload)
	}
	if got := eventstest.Count(t, f.pool, mark); got != 1 {
		t.Errorf("create, MQL and handoff recorded %d events; only the handoff is worth telling", got)
	}

	// A stale form changes nothing and tells nothing.
	mark = eventstest.Last(t, f.pool)
	if _, err := f.store.Apply(ctx, f.rep, l.ID, l.Version-1, leads.Move{To: leads.Accepted, Rating: 4}); err == nil {
		t.Fatal("a stale accept was applied")
	}
	if n := eventstest.Count(t, f.pool, mark); n != 0 {
		t.Errorf("a refused move recorded %d events", n)
	}

	l, err := f.store.Apply(ctx, f.rep, l.ID, l.Version, leads.Move{To: leads.Accepted, Rating: 4})
	if err != nil {
		t.Fatal(err)
	}
	acc := eventstest.One(t, f.pool, events.LeadAccepted, mark)
	if !slices.Equal(acc.Audience, []int64{f.marketer.ID}) || acc.Payload["quality"] != float64(4) || acc.Payload["sla_deadline"] != ho.Payload["sla_deadline"] {
		t.Errorf("accept event: audience %v, payload %v (not touched yet: the handoff's SLA deadline)", acc.Audience, acc.Payload)
	}
	if l, err = f.store.Apply(ctx, f.rep, l.ID, l.Version, leads.Move{To: leads.Opportunity}); err != nil {
		t.Fatal(err)
	}
	if _, err = f.store.Apply(ctx, f.rep, l.ID, l.Version, leads.Move{To: leads.Won, Value: 12500.5}); err != nil {
		t.Fatal(err)
	}
	won := eventstest.One(t, f.pool, events.LeadWon, mark)
	if won.Payload["value_cents"] != float64(1250050) || won.Payload["currency"] == "" || won.Payload["stage"] != "won" || won.Payload["sla_deadline"] != nil {
		t.Errorf("won payload %v", won.Payload)
	}
	if !slices.Equal(won.Audience, []int64{f.salesM.ID}) || !slices.Equal(won.Teams, []string{"sales", "marketing"}) {
		t.Errorf("won: audience %v, teams %v; want the sales managers, sales and marketing", won.Audience, won.Teams)
	}
	if n := len(eventstest.Of(t, f.pool, events.Kind("lead.opportunity"), mark)); n != 0 {
		t.Errorf("converting to an opportunity recorded %d events", n)
	}

	r := f.handedOff(t, "rejected@acme.example")
	mark = eventstest.Last(t, f.pool)
	if _, err := f.store.Apply(ctx, f.rep, r.ID, r.Version, leads.Move{To: leads.Rejected, Reason: "bad_timing", Rating: 2, Note: "next year"}); err != nil {
		t.Fatal(err)
	}
	rej := eventstest.One(t, f.pool, events.LeadRejected, mark)
	if rej.Payload["reason"] != leads.Reason("bad_timing").Label() || rej.Payload["quality"] != float64(2) {
		t.Errorf("reject payload %v", rej.Payload)
	}

	lost := f.handedOff(t, "lost@acme.example")
	if lost, err = f.store.Apply(ctx, f.rep, lost.ID, lost.Version, leads.Move{To: leads.Accepted, Rating: 3}); err != nil {
		t.Fatal(err)
	}
	mark = eventstest.Last(t, f.pool)
	if _, err := f.store.Apply(ctx, f.rep, lost.ID, lost.Version, leads.Move{To: leads.Lost, Lost: "went with a competitor"}); err != nil {
		t.Fatal(err)
	}
	if ev := eventstest.One(t, f.pool, events.LeadLost, mark); ev.Payload["reason"] != "went with a competitor" {
		t.Errorf("lost payload %v", ev.Payload)
	}
}

// A lead left for a manager tells the managers; their assignment tells the
// rep.
func TestHandoffForAManagerAndAssignmentRecordEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	mark := eventstest.Last(t, f.pool)
	l := f.leftForAManager(t, "assign-events@acme.example")
	ho := eventstest.One(t, f.pool, events.LeadHandedOff, mark)
	if !slices.Equal(ho.Audience, []int64{f.salesM.ID}) || ho.Payload["owner_id"] != nil {
		t.Errorf("handoff for a manager: audience %v, payload %v", ho.Audience, ho.Payload)
	}
	if err := f.store.Assign(ctx, f.salesM, l.ID, l.Version, f.rep.ID); err != nil {
		t.Fatal(err)
	}
	as := eventstest.One(t, f.pool, events.LeadAssigned, mark)
	if !slices.Equal(as.Audience, []int64{f.rep.ID}) || !slices.Equal(as.Teams, []string{"sales"}) ||
		as.Payload["owner_id"] != float64(f.rep.ID) || as.Payload["owner_name"] != f.rep.Name {
		t.Errorf("assign event: audience %v, teams %v, payload %v", as.Audience, as.Teams, as.Payload)
	}
	if err := f.store.Assign(ctx, f.salesM, l.ID, l.Version, f.rep2.ID); err == nil {
		t.Fatal("a stale assignment was applied")
	}
	if n := len(eventstest.Of(t, f.pool, events.LeadAssigned, mark)); n != 1 {
		t.Errorf("%d assignment events after a refused one, want 1", n)
	}
}

// The ladder records a reminder and a breach event once each, however
// often it catches up; the breach's audience includes the sales managers.
func TestSLAEventsOncePerLeadAndKind(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	l := f.handedOff(t, "sla-events@acme.example")
	mark := eventstest.Last(t, f.pool)
	w := newLadder(f)
	warnAt := l.HandedOffAt.Add(19 * time.Hour)
	f.catchUp(t, w, warnAt)
	f.catchUp(t, w, warnAt.Add(time.Minute))
	warn := eventstest.One(t, f.pool, events.SLAWarning, mark)
	if !slices.Equal(warn.Audience, []int64{f.rep.ID}) || !slices.Equal(warn.Teams, []string{"sales"}) || warn.ActorID != nil {
		t.Errorf("warning: audience %v, teams %v, actor %v", warn.Audience, warn.Teams, warn.ActorID)
	}
	f.catchUp(t, w, l.HandedOffAt.Add(25*time.Hour))
	f.catchUp(t, w, l.HandedOffAt.Add(26*time.Hour))
	breach := eventstest.One(t, f.pool, events.SLABreached, mark)
	if !slices.Contains(breach.Audience, f.salesM.ID) || !slices.Contains(breach.Audience, f.rep.ID) {
		t.Errorf("breach audience %v, want the rep and the sales manager", breach.Audience)
	}
	deadline, _ := time.Parse(time.RFC3339, breach.Payload["sla_deadline"].(string))
	if !deadline.Equal(l.HandedOffAt.Add(24 * time.Hour)) {
		t.Errorf("breach deadline %v, want handoff + 24 h", breach.Payload["sla_deadline"])
	}
}
