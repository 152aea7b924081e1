package campaigns_test

import (
	"errors"
	"testing"
	"time"

	"tandem/internal/campaigns"
	"tandem/internal/db"
	"tandem/internal/users"
)

// Questions thread one level; answers notify the asker, questions the
// owner.
func TestCommentsThreadOneLevel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rep := f.user(users.Sales, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), true)
	agent := f.user(users.Service, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), true)
	c := f.campaign("2026-06-15")
	other := f.campaign("2026-07-15")

	if _, err := f.store.AddComment(f.ctx, rep, c.ID, 0, "   "); err == nil {
		t.Error("an empty question was accepted")
	}
	q, err := f.store.AddComment(f.ctx, rep, c.ID, 0, "Does this apply to monthly plans?")
	if err != nil {
		t.Fatal(err)
	}
	reply, err := f.store.AddComment(f.ctx, f.owner, c.ID, q.ID, "No, annual only.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.AddComment(f.ctx, agent, c.ID, reply.ID, "A reply to a reply"); !errors.Is(err, campaigns.ErrBadParent) {
		t.Errorf("replying to a reply: %v", err)
	}
	if _, err := f.store.AddComment(f.ctx, agent, other.ID, q.ID, "Wrong campaign"); !errors.Is(err, campaigns.ErrBadParent) {
		t.Errorf("replying across campaigns: %v", err)
	}
	if _, err := f.store.AddComment(f.ctx, agent, c.ID+1000, 0, "Nowhere"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("asking on a missing campaign: %v", err)
	}
	threads, err := f.store.Comments(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(threads) != 1 || len(threads[0].Replies) != 1 || threads[0].AuthorTeam != users.Sales ||
		threads[0].Replies[0].AuthorTeam != users.Marketing || threads[0].Replies[0].Body != "No, annual only." {
		t.Errorf("threads %+v", threads)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'question_asked'`, f.owner.ID); n != 1 {
		t.Errorf("owner got %d question notifications, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'question_answered'`, rep.ID); n != 1 {
		t.Errorf("asker got %d answer notifications, want 1", n)
	}
}

func TestAlertsPinAndAcknowledge(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	joined := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	agent := f.user(users.Service, joined, true)
	rep := f.user(users.Sales, joined, true)
	now := berlin(f, 2026, 6, 1, 9, 0, 0)
	today := campaigns.Day(now, f.loc)

	if _, err := f.store.CreateAlert(f.ctx, agent, campaigns.AlertForm{Severity: "urgent", UntilOn: "2026-05-01"}, now); err == nil {
		t.Fatal("an empty alert was accepted")
	} else {
		var fe campaigns.FieldErrors
		if !errors.As(err, &fe) || fe["headline"] == "" || fe["severity"] == "" || fe["until_on"] == "" || fe["guidance"] == "" {
			t.Errorf("field errors %v", err)
		}
	}
	post := func(severity, until string) campaigns.Alert {
		a, err := f.store.CreateAlert(f.ctx, agent, campaigns.AlertForm{Headline: "Batch fault", Product: "Sensor S2",
			Severity: severity, WhatHappened: "It reads low.", Guidance: "Stop quoting accuracy.", UntilOn: until}, now)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	critical := post("critical", "2026-06-10")
	post("warning", "")
	expiring := post("critical", "2026-06-01")

	pinned, err := f.store.PinnedAlerts(f.ctx, rep.ID, today)
	if err != nil || len(pinned) != 2 {
		t.Fatalf("pinned for the rep: %+v, %v", pinned, err)
	}
	if mine, _ := f.store.PinnedAlerts(f.ctx, agent.ID, today); len(mine) != 0 {
		t.Errorf("the author's own alerts are pinned for them: %+v", mine)
	}
	if later, _ := f.store.PinnedAlerts(f.ctx, rep.ID, today.AddDate(0, 0, 1)); len(later) != 1 || later[0].ID != critical.ID {
		t.Errorf("after the expiring alert's last day: %+v", later)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE kind = 'new_alert' AND user_id = $1`, rep.ID); n != 3 {
		t.Errorf("rep got %d alert notifications, want 3", n)
	}

	added, err := f.store.AcknowledgeAlert(f.ctx, rep.ID, critical.ID, now)
	if err != nil || !added {
		t.Fatalf("acknowledging: %v %v", added, err)
	}
	if again, err := f.store.AcknowledgeAlert(f.ctx, rep.ID, critical.ID, now); err != nil || again {
		t.Errorf("acknowledging twice: %v %v", again, err)
	}
	if _, err := f.store.AcknowledgeAlert(f.ctx, rep.ID, critical.ID+1000, now); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("acknowledging a missing alert: %v", err)
	}
	pinned, _ = f.store.PinnedAlerts(f.ctx, rep.ID, today)
	if len(pinned) != 1 || pinned[0].ID != expiring.ID {
		t.Errorf("still pinned after acknowledging: %+v", pinned)
	}
	a, err := f.store.GetAlert(f.ctx, critical.ID, rep.ID)
	if err != nil || a.AckedAt.IsZero() || !a.Active(today) || a.Active(day("2026-06-11")) {
		t.Errorf("alert as the rep sees it: %+v, %v", a, err)
	}
	reach, err := f.store.AlertReachByTeam(f.ctx, critical.ID)
	if err != nil || reach[0].Team != users.Sales || reach[0].Acked != 1 || reach[0].People != 1 ||
		reach[1].People != 1 || reach[1].Acked != 0 || len(reach[1].Missing) != 1 || reach[2].Acked != 1 {
		t.Errorf("reach %+v, %v", reach, err)
	}
	waiting, err := f.store.UnacknowledgedAlerts(f.ctx, rep.ID, today)
	if err != nil || len(waiting) != 2 || waiting[0].Severity != campaigns.Critical {
		t.Errorf("waiting for the rep: %+v, %v", waiting, err)
	}
}
