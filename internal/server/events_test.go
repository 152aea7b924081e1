package server

import (
	"net/url"
	"slices"
	"strconv"
	"testing"

	"tandem/internal/events"
	"tandem/internal/events/eventstest"
)

// A handoff through the page records its event in the same transaction:
// once, naming the rep, with the fan-out job that takes it outside Tandem.
func TestHandOffOverHTTPRecordsTheEvent(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	id := e.count(`SELECT min(id) FROM leads WHERE stage = 'mql'`)
	rep := e.userID("rep@example.com")
	mark := eventstest.Last(t, e.pool)
	res := c.post(leadPath(id, "/hand-off"), url.Values{
		"owner":   {strconv.FormatInt(rep, 10)},
		"note":    {"Asked for a demo."},
		"version": {strconv.Itoa(e.count(`SELECT version FROM leads WHERE id = $1`, id))},
	})
	wantStatus(t, res, 303)
	ev := eventstest.One(t, e.pool, events.LeadHandedOff, mark)
	if !slices.Equal(ev.Audience, []int64{rep}) || ev.Payload["id"] != float64(id) || ev.ActorID == nil ||
		*ev.ActorID != e.userID("marketer@example.com") {
		t.Errorf("event %+v", ev)
	}
}
