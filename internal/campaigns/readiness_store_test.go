package campaigns_test

import (
	"errors"
	"testing"
	"time"

	"tandem/internal/campaigns"
	"tandem/internal/users"
)

// Readiness counts active sales and service people who joined before
// launch, and of them those who acknowledged before launch the talking
// points in force at launch.
func TestReadiness(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	launch := berlin(f, 2026, 6, 15, 0, 0, 0)
	before, after := launch.Add(-10*24*time.Hour), launch.Add(2*24*time.Hour)
	salesReady := f.user(users.Sales, before, true)
	salesLate := f.user(users.Sales, before, true)     // acknowledges after launch
	serviceNone := f.user(users.Service, before, true) // never acknowledges
	serviceReady := f.user(users.Service, before, true)
	joinedLater := f.user(users.Sales, after, true)   // joined after launch: not counted
	gone := f.user(users.Service, before, false)      // deactivated: not counted
	marketer := f.user(users.Marketing, before, true) // not in the audience
	justBefore := f.user(users.Sales, launch.Add(-time.Minute), true)

	c, err := f.announce(f.campaign("2026-06-15"), launch.Add(-8*24*time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	f.ack(salesReady, c, launch.Add(-3*24*time.Hour))
	f.ack(serviceReady, c, launch.Add(-time.Second))
	f.ack(salesLate, c, launch) // at the launch instant: not before it
	f.ack(joinedLater, c, after.Add(time.Hour))
	f.ack(gone, c, launch.Add(-5*24*time.Hour))
	if _, err := f.store.Acknowledge(f.ctx, marketer, c.ID, launch); !errors.Is(err, campaigns.ErrNotAudience) {
		t.Errorf("a marketer acknowledging: %v, want ErrNotAudience", err)
	}

	rep, err := f.store.ReadinessAt(f.ctx, c.ID, after)
	if err != nil {
		t.Fatal(err)
	}
	// Eligible: salesReady, salesLate, justBefore (sales); serviceNone, serviceReady (service).
	if rep.Total != (campaigns.Readiness{Eligible: 5, Ready: 2}) {
		t.Errorf("total readiness %+v, want 2 of 5", rep.Total)
	}
	want := []campaigns.TeamReadiness{
		{Team: users.Sales, Readiness: campaigns.Readiness{Eligible: 3, Ready: 1}},
		{Team: users.Service, Readiness: campaigns.Readiness{Eligible: 2, Ready: 1}},
	}
	for i := range want {
		if rep.Teams[i] != want[i] {
			t.Errorf("team %d: %+v, want %+v", i, rep.Teams[i], want[i])
		}
	}
	if p, _ := rep.Total.Percent(); p != 40 {
		t.Errorf("percent %d, want 40", p)
	}

	// The list computes the same figure.
	rows, _, err := f.store.List(f.ctx, salesReady.ID, campaigns.ViewAll, day("2026-06-20"), 1)
	if err != nil || len(rows) != 1 || rows[0].Readiness != rep.Total || rows[0].AckState() != campaigns.AckCurrent {
		t.Errorf("list row %+v, %v", rows, err)
	}

	people := rep.NotReady
	got := map[int64]campaigns.Person{}
	for _, p := range people {
		got[p.ID] = p
	}
	if len(people) != 3 || got[salesLate.ID].Why != campaigns.AcknowledgedLate || got[serviceNone.ID].Why != campaigns.NeverAcknowledged ||
		got[justBefore.ID].Why != campaigns.NeverAcknowledged {
		t.Errorf("not ready: %+v", people)
	}
	if people[0].Team != users.Sales || people[len(people)-1].Team != users.Service {
		t.Errorf("not ready is not grouped sales first: %+v", people)
	}

	// As of an instant before launch, only who had joined and what was
	// acknowledged by then counts: a digest frozen at that instant must
	// not see later acknowledgements (justBefore had not joined yet).
	early, err := f.store.ReadinessAt(f.ctx, c.ID, launch.Add(-4*24*time.Hour))
	if err != nil || early.Total != (campaigns.Readiness{Eligible: 4, Ready: 0}) || len(early.NotReady) != 4 {
		t.Errorf("readiness four days before launch: %+v, %v; want 0 of 4", early, err)
	}
}

// A revision of the talking points before launch makes an earlier
// acknowledgement stale: the person is listed as not ready and not counted
// (issue 12, item 7: the count said 1 of 7 while all 7 were listed). A
// revision after launch asks again but leaves readiness at launch alone.
func TestReadinessFollowsTheRevisionInForce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	launch := berlin(f, 2026, 6, 15, 0, 0, 0)
	joined := launch.Add(-30 * 24 * time.Hour)
	stale := f.user(users.Sales, joined, true)
	renewed := f.user(users.Sales, joined, true)
	c, err := f.announce(f.campaign("2026-06-15"), launch.Add(-10*24*time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	f.ack(stale, c, launch.Add(-9*24*time.Hour))
	f.ack(renewed, c, launch.Add(-9*24*time.Hour))
	c = f.revise(c, "- Say this instead.", launch.Add(-5*24*time.Hour))
	f.ack(renewed, c, launch.Add(-2*24*time.Hour))

	check := func(when string, at time.Time, wantReady int, wantStale bool) {
		t.Helper()
		rep, err := f.store.ReadinessAt(f.ctx, c.ID, at)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Total.Ready != wantReady || rep.Total.Eligible != 2 || rep.Total.Ready+len(rep.NotReady) != rep.Total.Eligible {
			t.Errorf("%s: %+v with %d not ready; want %d of 2", when, rep.Total, len(rep.NotReady), wantReady)
		}
		if wantStale && (len(rep.NotReady) != 1 || rep.NotReady[0].ID != stale.ID || rep.NotReady[0].Why != campaigns.EarlierRevision) {
			t.Errorf("%s: not ready %+v, want the stale acknowledger", when, rep.NotReady)
		}
		rows, _, err := f.store.List(f.ctx, stale.ID, campaigns.ViewAll, at, 1)
		if err != nil || len(rows) != 1 || rows[0].Readiness != rep.Total {
			t.Errorf("%s: list row %+v (%v), want %+v", when, rows, err, rep.Total)
		}
	}
	check("before the revision", launch.Add(-6*24*time.Hour), 2, false)
	check("after the revision, before launch", launch.Add(-time.Hour), 1, true)
	check("after launch", launch.Add(24*time.Hour), 1, true)

	// Revised again after launch: both are asked to re-read, readiness at
	// launch stays 1 of 2.
	c = f.revise(c, "- And this.", launch.Add(2*24*time.Hour))
	check("after a revision after launch", launch.Add(3*24*time.Hour), 1, true)
	if c.Revision != 3 {
		t.Errorf("revision %d, want 3", c.Revision)
	}
}

// revise edits c's talking points and dates the new revision at, as if
// the edit had been made then.
func (f *fixture) revise(c campaigns.Campaign, points string, at time.Time) campaigns.Campaign {
	f.t.Helper()
	form := campaigns.FormOf(c)
	form.TalkingPoints = points
	c, err := f.store.Update(f.ctx, f.owner.ID, c.ID, c.Version, form)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.pool.Exec(f.ctx, `UPDATE campaign_revisions SET created_at = $3 WHERE campaign_id = $1 AND revision = $2`,
		c.ID, c.Revision, at); err != nil {
		f.t.Fatal(err)
	}
	return c
}
