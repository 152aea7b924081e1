// Package eventstest reads the events a test's changes recorded, so each
// domain package can check that a change was told once, to whom, with what.
package eventstest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/events"
)

// Recorded is one stored event, its payload decoded into a map.
type Recorded struct {
	events.Event
	Payload map[string]any
}

// Of returns the events of kind recorded after the event id since,
// oldest first, each checked to have its fan-out job queued.
func Of(t testing.TB, pool *pgxpool.Pool, kind events.Kind, since int64) []Recorded {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT id, kind, occurred_at, actor_id, audience, teams, data FROM events
		WHERE kind = $1 AND id > $2 ORDER BY id`, kind, since)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (events.Event, error) {
		var e events.Event
		err := r.Scan(&e.ID, &e.Kind, &e.OccurredAt, &e.ActorID, &e.Audience, &e.Teams, &e.Data)
		return e, err
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]Recorded, 0, len(evs))
	for _, e := range evs {
		var jobs int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'event_fan_out'
			AND (args->>'event_id')::bigint = $1`, e.ID).Scan(&jobs); err != nil {
			t.Fatal(err)
		}
		if jobs != 1 {
			t.Errorf("event %d (%s) has %d fan-out jobs, want 1", e.ID, e.Kind, jobs)
		}
		r := Recorded{Event: e}
		if err := json.Unmarshal(e.Data, &r.Payload); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// One returns the single event of kind recorded after since, failing the
// test when there is none or more than one.
func One(t testing.TB, pool *pgxpool.Pool, kind events.Kind, since int64) Recorded {
	t.Helper()
	evs := Of(t, pool, kind, since)
	if len(evs) != 1 {
		t.Fatalf("%d %s events recorded, want 1", len(evs), kind)
	}
	return evs[0]
}

// Last is the id of the newest event, 0 when there is none: a mark to
// read later events from.
func Last(t testing.TB, pool *pgxpool.Pool) int64 {
	t.Helper()
	var id int64
	if err := pool.QueryRow(context.Background(), `SELECT coalesce(max(id), 0) FROM events`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// Count is how many events were recorded after since, of any kind.
func Count(t testing.TB, pool *pgxpool.Pool, since int64) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE id > $1`, since).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
