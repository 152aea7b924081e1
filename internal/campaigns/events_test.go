package campaigns_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/internal/campaigns"
	"tandem/internal/events"
	"tandem/internal/events/eventstest"
	"tandem/internal/users"
)

// Announcing tells sales and service once; a new revision of the talking
// points tells those who acknowledged; other edits tell no one.
func TestNoticesRecordEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	joined := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rep, agent := f.user(users.Sales, joined, true), f.user(users.Service, joined, true)
	f.user(users.Marketing, joined, true)
	mark := eventstest.Last(t, f.pool)
	draft := f.campaign("2026-06-15")
	if n := eventstest.Count(t, f.pool, mark); n != 0 {
		t.Errorf("a draft recorded %d events", n)
	}
	// Refused announcements tell no one: a stale form, a late notice without its reason.
	announceAt := campaigns.LaunchStart(draft.LaunchOn, f.loc).Add(-3 * 24 * time.Hour)
	if _, err := f.store.Announce(f.ctx, f.owner.ID, draft.ID, draft.Version+1, "Partner moved the date.", announceAt); err == nil {
		t.Fatal("a stale announcement was applied")
	}
	if _, err := f.announce(draft, announceAt, ""); err == nil {
		t.Fatal("a late notice without a reason was announced")
	}
	if n := eventstest.Count(t, f.pool, mark); n != 0 {
		t.Errorf("refused announcements recorded %d events", n)
	}
	c, err := f.announce(draft, announceAt, "Partner moved the date.")
	if err != nil {
		t.Fatal(err)
	}
	an := eventstest.One(t, f.pool, events.CampaignAnnounced, mark)
	if !slices.Equal(an.Audience, []int64{rep.ID, agent.ID}) || !slices.Equal(an.Teams, []string{"sales", "service"}) ||
		an.ActorID == nil || *an.ActorID != f.owner.ID {
		t.Errorf("announced: audience %v, teams %v, actor %v", an.Audience, an.Teams, an.ActorID)
	}
	want := map[string]any{"id": float64(c.ID), "name": c.Name, "launch_on": "2026-06-15", "end_on": "2026-06-28",
		"revision": float64(1), "late_notice": true, "talking_points_excerpt": "- Say this.",
		"url": "/campaigns/" + itoaT(c.ID), "acknowledge_url": "/campaigns/" + itoaT(c.ID) + "#acknowledge"}
	for k, v := range want {
		if an.Payload[k] != v {
			t.Errorf("announced payload %s = %v, want %v", k, an.Payload[k], v)
		}
	}

	f.ack(rep, c, campaigns.LaunchStart(c.LaunchOn, f.loc).Add(-2*24*time.Hour))
	form := campaigns.FormOf(c)
	form.Offer = "Another offer"
	if c, err = f.store.Update(f.ctx, f.owner.ID, c.ID, c.Version, form); err != nil {
		t.Fatal(err)
	}
	if n := len(eventstest.Of(t, f.pool, events.CampaignRevised, mark)); n != 0 {
		t.Errorf("an edit of the offer recorded %d revisions", n)
	}
	form = campaigns.FormOf(c)
	form.TalkingPoints = strings.Repeat("Long point. ", 60)
	if _, err := f.store.Update(f.ctx, f.owner.ID, c.ID, c.Version-1, form); err == nil {
		t.Fatal("a stale revision was applied")
	}
	if n := len(eventstest.Of(t, f.pool, events.CampaignRevised, mark)); n != 0 {
		t.Errorf("a stale revision recorded %d events", n)
	}
	if _, err := f.store.Update(f.ctx, f.owner.ID, c.ID, c.Version, form); err != nil {
		t.Fatal(err)
	}
	rev := eventstest.One(t, f.pool, events.CampaignRevised, mark)
	if !slices.Equal(rev.Audience, []int64{rep.ID}) || rev.Payload["revision"] != float64(2) {
		t.Errorf("revised: audience %v, payload %v", rev.Audience, rev.Payload)
	}
	if ex := rev.Payload["talking_points_excerpt"].(string); len([]rune(ex)) > 301 || !strings.HasPrefix(ex, "Long point.") {
		t.Errorf("talking points excerpt of %d characters: %q", len([]rune(ex)), ex)
	}
}

// "Launching tomorrow" is told once per launch date, whatever the number
// of hourly runs, and again when the launch moves.
func TestLaunchingTomorrowIsToldOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rep := f.user(users.Sales, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), true)
	c, err := f.announce(f.campaign("2026-06-15"), berlin(f, 2026, 6, 1, 9, 0, 0), "")
	if err != nil {
		t.Fatal(err)
	}
	f.campaign("2026-06-15") // a draft is never told
	mark := eventstest.Last(t, f.pool)
	run := func(at time.Time) int {
		t.Helper()
		n, err := f.store.RecordLaunchingTomorrow(f.ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := run(berlin(f, 2026, 6, 13, 23, 30, 0)); n != 0 {
		t.Errorf("two days before: %d told", n)
	}
	// 00:30 in Berlin on the 14th is still the 13th in UTC: the business day counts.
	if n := run(berlin(f, 2026, 6, 14, 0, 30, 0)); n != 1 {
		t.Errorf("the day before: %d told, want 1", n)
	}
	if n := run(berlin(f, 2026, 6, 14, 1, 30, 0)) + run(berlin(f, 2026, 6, 14, 22, 0, 0)); n != 0 {
		t.Errorf("later runs the same day told %d more", n)
	}
	ev := eventstest.One(t, f.pool, events.CampaignLaunchingTomorrow, mark)
	if !slices.Equal(ev.Audience, []int64{rep.ID}) || ev.ActorID != nil || ev.Payload["id"] != float64(c.ID) {
		t.Errorf("launching tomorrow: audience %v, actor %v, payload %v", ev.Audience, ev.ActorID, ev.Payload)
	}

	form := campaigns.FormOf(c)
	form.LaunchOn, form.EndOn, form.LateReason = "2026-06-20", "2026-07-01", "Stock arrives later."
	if _, err := f.store.Update(f.ctx, f.owner.ID, c.ID, c.Version, form); err != nil {
		t.Fatal(err)
	}
	if n := run(berlin(f, 2026, 6, 19, 8, 0, 0)); n != 1 {
		t.Errorf("after moving the launch: %d told, want 1", n)
	}
}

// A posted alert is told to everyone, with its severity.
func TestAlertRecordsAnEvent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	agent := f.user(users.Service, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), true)
	mark := eventstest.Last(t, f.pool)
	if _, err := f.store.CreateAlert(f.ctx, agent, campaigns.AlertForm{Product: "Sensor S2", Severity: "critical",
		WhatHappened: "It reads low."}, berlin(f, 2026, 6, 1, 9, 0, 0)); err == nil {
		t.Fatal("an alert without a headline was posted")
	}
	if n := eventstest.Count(t, f.pool, mark); n != 0 {
		t.Errorf("a refused alert recorded %d events", n)
	}
	a, err := f.store.CreateAlert(f.ctx, agent, campaigns.AlertForm{Headline: "Batch fault", Product: "Sensor S2",
		Severity: "critical", WhatHappened: "It reads low.", Guidance: "Stop quoting accuracy."}, berlin(f, 2026, 6, 1, 9, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	ev := eventstest.One(t, f.pool, events.AlertPosted, mark)
	if ev.Payload["severity"] != "critical" || ev.Payload["headline"] != "Batch fault" || ev.Payload["guidance_excerpt"] != "Stop quoting accuracy." ||
		ev.Payload["url"] != "/alerts/"+itoaT(a.ID) || !slices.Equal(ev.Teams, []string{"service", "sales"}) {
		t.Errorf("alert event %+v", ev)
	}
	if !slices.Contains(ev.Audience, f.owner.ID) {
		t.Errorf("alert audience %v, want everyone active", ev.Audience)
	}
}

func itoaT(n int64) string { return strconv.FormatInt(n, 10) }
