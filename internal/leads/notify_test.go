package leads_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"tandem/internal/leads"
	"tandem/internal/refusal"
	"tandem/internal/users"
)

// notified returns the titles of the user's notifications of kind, oldest
// first.
func (f fixture) notified(t *testing.T, u users.User, kind string) []string {
	t.Helper()
	rows, err := f.pool.Query(context.Background(), `SELECT title FROM notifications WHERE user_id = $1 AND kind = $2 ORDER BY id`, u.ID, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func (f fixture) user(t *testing.T, email string, team users.Team, role users.Role) users.User {
	t.Helper()
	u, err := users.NewStore(f.pool).Create(context.Background(), users.Actor{}, users.NewUser{Email: email, Name: email, Team: team, Role: role}, "")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// leftForAManager creates a lead and hands it off without a rep.
func (f fixture) leftForAManager(t *testing.T, email string) leads.Lead {
	t.Helper()
	ctx := context.Background()
	l, err := f.store.Create(ctx, f.marketer, leads.NewLead{Company: "Waiting " + email, ContactName: "Wes", Email: email})
	if err != nil {
		t.Fatal(err)
	}
	if l, err = f.store.Apply(ctx, f.marketer, l.ID, l.Version, leads.Move{To: leads.MQL}); err != nil {
		t.Fatal(err)
	}
	if l, err = f.store.Apply(ctx, f.marketer, l.ID, l.Version, leads.Move{To: leads.HandedOff, Note: "for a manager"}); err != nil {
		t.Fatal(err)
	}
	return l
}

// A lead left for a sales manager reaches a rep: the manager assigns it,
// the rep owns it and is told, the timeline says so, and a stale form is a
// conflict. (Assign failed on every call with "column reference version is
// ambiguous" before.)
func TestAssignALeadLeftForAManager(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	l := f.leftForAManager(t, "assign@acme.example")
	if l.OwnerID != nil {
		t.Fatalf("left for a manager, yet owned by %d", *l.OwnerID)
	}
	var rule *refusal.Error
	if err := f.store.Assign(ctx, f.rep, l.ID, l.Version, f.rep.ID); !errors.As(err, &rule) || rule.Kind != refusal.Forbidden {
		t.Errorf("a rep assigning: %v", err)
	}
	if err := f.store.Assign(ctx, f.salesM, l.ID, l.Version, f.marketer.ID); !errors.As(err, &rule) || rule.Field != "owner" {
		t.Errorf("assigning to a marketer: %v", err)
	}
	if err := f.store.Assign(ctx, f.salesM, l.ID, l.Version, f.rep.ID); err != nil {
		t.Fatal(err)
	}
	got, err := f.store.Get(ctx, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.OwnerID == nil || *got.OwnerID != f.rep.ID || got.Version != l.Version+1 || got.Stage != leads.HandedOff {
		t.Errorf("after assigning: owner %v version %d stage %s", got.OwnerID, got.Version, got.Stage)
	}
	events, _ := f.store.Timeline(ctx, l.ID, l.Version)
	if len(events) != 1 || events[0].Kind != "assign" || events[0].Note != "assigned to r@example.com" || events[0].ActorName != "sm@example.com" {
		t.Errorf("timeline since the handoff: %+v", events)
	}
	if titles := f.notified(t, f.rep, leads.KindAssigned); len(titles) != 1 || titles[0] != "sm@example.com assigned Waiting assign@acme.example to you" {
		t.Errorf("the rep's assignment notifications: %q", titles)
	}
	// The rep may now work it.
	if _, err := f.store.Apply(ctx, f.rep, l.ID, got.Version, leads.Move{To: leads.Accepted, Rating: 4}); err != nil {
		t.Errorf("the new owner accepting: %v", err)
	}

	// A second manager's form, loaded before all that, is stale.
	var conflict *leads.ConflictError
	if err := f.store.Assign(ctx, f.salesM, l.ID, l.Version, f.rep2.ID); !errors.As(err, &conflict) {
		t.Errorf("stale assign: %v", err)
	}
	if titles := f.notified(t, f.rep2, leads.KindAssigned); len(titles) != 0 {
		t.Errorf("a refused assignment notified: %q", titles)
	}
}

// Each lifecycle event notifies exactly the people it concerns, once.
func TestLeadMovesNotifyTheRightPeopleOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	otherManager := f.user(t, "sm2@example.com", users.Sales, users.Manager)
	gone := f.user(t, "gone@example.com", users.Sales, users.Manager)
	if _, err := f.pool.Exec(ctx, `UPDATE users SET active = false WHERE id = $1`, gone.ID); err != nil {
		t.Fatal(err)
	}
	marketingManager := f.user(t, "mm@example.com", users.Marketing, users.Manager)

	// Handoff to a rep: that rep, nobody else.
	l := f.handedOff(t, "n1@acme.example")
	if got := f.notified(t, f.rep, leads.KindHandedOff); len(got) != 1 || got[0] != "m@example.com handed Acme n1@acme.example to you" {
		t.Errorf("rep after a handoff: %q", got)
	}
	for _, u := range []users.User{f.rep2, f.salesM, otherManager, f.marketer} {
		if got := f.notified(t, u, leads.KindHandedOff); len(got) != 0 {
			t.Errorf("%s was told of a handoff to someone else: %q", u.Email, got)
		}
	}

	// Handoff left for assignment: every active sales manager, once.
	f.leftForAManager(t, "n2@acme.example")
	for _, u := range []users.User{f.salesM, otherManager} {
		if got := f.notified(t, u, leads.KindAwaitingRep); len(got) != 1 || !strings.Contains(got[0], "Waiting n2@acme.example waits for a rep") {
			t.Errorf("%s after a handoff left for a manager: %q", u.Email, got)
		}
	}
	for _, u := range []users.User{gone, f.rep, marketingManager} {
		if got := f.notified(t, u, leads.KindAwaitingRep); len(got) != 0 {
			t.Errorf("%s was told a lead waits for a rep: %q", u.Email, got)
		}
	}

	// Accept: the marketer who handed it off, with the rating.
	if _, err := f.store.Apply(ctx, f.rep, l.ID, l.Version, leads.Move{To: leads.Accepted, Rating: 4}); err != nil {
		t.Fatal(err)
	}
	if got := f.notified(t, f.marketer, leads.KindAccepted); len(got) != 1 || got[0] != "r@example.com accepted Acme n1@acme.example: quality 4/5" {
		t.Errorf("marketer after the accept: %q", got)
	}

	// Reject: the marketer who handed it off (not another marketer), with
	// the reason and the rating.
	r := f.handedOff(t, "n3@acme.example")
	if _, err := f.store.Apply(ctx, f.salesM, r.ID, r.Version, leads.Move{To: leads.Rejected, Reason: "bad_timing", Rating: 2, Note: "next year"}); err != nil {
		t.Fatal(err)
	}
	if got := f.notified(t, f.marketer, leads.KindRejected); len(got) != 1 || got[0] != "sm@example.com rejected Acme n3@acme.example: Bad timing, quality 2/5" {
		t.Errorf("marketer after the rejection: %q", got)
	}
	if got := f.notified(t, marketingManager, leads.KindRejected); len(got) != 0 {
		t.Errorf("another marketer was told of the rejection: %q", got)
	}

	// Every notification links to its lead.
	var wrong int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE kind LIKE 'lead_%' AND link !~ '^/leads/[0-9]+$'`).Scan(&wrong); err != nil || wrong != 0 {
		t.Errorf("%d lead notifications without a lead link (%v)", wrong, err)
	}
}

func TestAcceptedLeadCanBeLost(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	l := f.handedOff(t, "cold@acme.example")
	l, err := f.store.Apply(ctx, f.rep, l.ID, l.Version, leads.Move{To: leads.Accepted, Rating: 3})
	if err != nil {
		t.Fatal(err)
	}
	var fe leads.FieldErrors
	if _, err := f.store.Apply(ctx, f.rep, l.ID, l.Version, leads.Move{To: leads.Lost, Lost: " "}); !errors.As(err, &fe) || fe["lost"] == "" {
		t.Errorf("lost without a reason: %v", err)
	}
	var rule *refusal.Error
	if _, err := f.store.Apply(ctx, f.rep2, l.ID, l.Version, leads.Move{To: leads.Lost, Lost: "went cold"}); !errors.As(err, &rule) || rule.Kind != refusal.Forbidden {
		t.Errorf("another rep closing it: %v", err)
	}
	l, err = f.store.Apply(ctx, f.rep, l.ID, l.Version, leads.Move{To: leads.Lost, Lost: "went cold"})
	if err != nil {
		t.Fatal(err)
	}
	if l.Stage != leads.Lost || l.LostAt == nil || l.LostReason != "went cold" || l.OpportunityAt != nil {
		t.Errorf("lost from accepted: stage %s lost_at %v reason %q opportunity_at %v", l.Stage, l.LostAt, l.LostReason, l.OpportunityAt)
	}
}
