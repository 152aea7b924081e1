package digest

import (
	"context"
	"slices"
	"testing"

	"tandem/internal/events"
	"tandem/internal/events/eventstest"
)

// A week's digest is published once: the first archive records the event,
// a second archive of the same week (the frozen one) records nothing.
func TestArchiveRecordsDigestPublishedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(nil)
	ctx := context.Background()
	week := mustWeek(t, "2026-W47")
	mark := eventstest.Last(t, f.pool)
	first, err := s.Archive(ctx, week, ViaSchedule, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Archive(ctx, week, ViaManager, f.users["maria"]); err != nil {
		t.Fatal(err)
	}
	ev := eventstest.One(t, f.pool, events.DigestPublished, mark)
	if ev.Payload["week"] != "2026-W47" || ev.Payload["url"] != "/digests/2026-W47" || ev.ActorID != nil ||
		!slices.Equal(ev.Teams, []string{"sales", "marketing", "service"}) {
		t.Errorf("digest event %+v", ev)
	}
	want := first.Title + ": "
	if sum, _ := ev.Payload["summary"].(string); len(sum) <= len(want) || sum[:len(want)] != want {
		t.Errorf("summary %q, want it to start with %q", sum, want)
	}
	if !slices.Contains(ev.Audience, f.users["maria"]) {
		t.Errorf("audience %v leaves out an active user", ev.Audience)
	}
	// The audience is the digest's recipients: not who opted out, not who left.
	if slices.Contains(ev.Audience, f.users["olga"]) || slices.Contains(ev.Audience, f.users["dora"]) {
		t.Errorf("audience %v includes an opted-out (%d) or inactive (%d) user", ev.Audience, f.users["olga"], f.users["dora"])
	}
}
