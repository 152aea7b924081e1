package feedback

import (
	"slices"
	"testing"

	"tandem/internal/events"
	"tandem/internal/events/eventstest"
)

// Logging tells marketing; a response tells the team that logged it; acting
// on it tells that team and marketing. A refused change tells no one.
func TestFeedbackRecordsEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mark := eventstest.Last(t, f.pool)
	it := f.create("agent")
	logged := eventstest.One(t, f.pool, events.FeedbackLogged, mark)
	if !slices.Equal(logged.Teams, []string{"marketing"}) ||
		!slices.Equal(logged.Audience, []int64{f.u("marketer").ID, f.u("marketer2").ID, f.u("admin").ID}) {
		t.Errorf("logged: teams %v, audience %v; want marketing and its members", logged.Teams, logged.Audience)
	}
	if logged.Payload["team"] != "service" || logged.Payload["status"] != "new" || logged.Payload["url"] != Link(it.ID) ||
		logged.Payload["summary"] != "Acme Logistics: The ad said setup takes a day; it took three weeks." {
		t.Errorf("logged payload %v", logged.Payload)
	}

	f.must(f.store.ChangeStatus(f.ctx, f.u("marketer"), it.ID, it.Version, Planned, "On the roadmap for Q1."))
	resp := eventstest.One(t, f.pool, events.FeedbackResponded, mark)
	if !slices.Equal(resp.Teams, []string{"service"}) || !slices.Equal(resp.Audience, []int64{f.u("agent").ID}) ||
		resp.Payload["response_excerpt"] != "On the roadmap for Q1." || resp.Payload["status"] != "planned" {
		t.Errorf("responded: teams %v, audience %v, payload %v", resp.Teams, resp.Audience, resp.Payload)
	}

	stale := mark
	mark = eventstest.Last(t, f.pool)
	if err := f.store.ChangeStatus(f.ctx, f.u("marketer"), it.ID, it.Version, ActedOn, "Done."); err == nil {
		t.Fatal("a stale status change was applied")
	}
	if n := eventstest.Count(t, f.pool, mark); n != 0 {
		t.Errorf("a refused change recorded %d events", n)
	}
	f.must(f.store.ChangeStatus(f.ctx, f.u("marketer"), it.ID, f.get(it.ID).Version, ActedOn, "Fixed the landing page."))
	acted := eventstest.One(t, f.pool, events.FeedbackActedOn, stale)
	if !slices.Equal(acted.Teams, []string{"service", "marketing"}) || acted.Payload["status"] != "acted_on" {
		t.Errorf("acted on: teams %v, payload %v", acted.Teams, acted.Payload)
	}
	if n := len(eventstest.Of(t, f.pool, events.FeedbackResponded, stale)); n != 1 {
		t.Errorf("%d responded events; acting on it is its own kind", n)
	}
}
