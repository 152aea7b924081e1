package seed_test

import (
	"context"
	"io"
	"testing"
	"time"

	"tandem/internal/db"
	"tandem/internal/seed"
	"tandem/internal/sla"
	"tandem/internal/testdb"
)

// The demo's follow-up clock runs on business hours with holidays, and
// every handed-off lead carries the deadline that calendar gives; the
// escalation history holds only steps that came before the first touch.
func TestDemoRunsTheSLAOnBusinessHours(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	if err := seed.Demo(ctx, pool, time.UTC, io.Discard); err != nil {
		t.Fatal(err)
	}
	p, err := sla.Load(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if p.Calendar.Mode != sla.Business || p.Calendar.Location.String() != "Europe/Berlin" || len(p.Calendar.Holidays) == 0 {
		t.Fatalf("demo calendar %+v, want business hours in Berlin with holidays", p.Calendar)
	}
	type handoff struct {
		HandedOffAt time.Time  `db:"handed_off_at"`
		SLADueAt    time.Time  `db:"sla_due_at"`
		FirstTouch  *time.Time `db:"first_touch_at"`
		Response    *int64     `db:"response_seconds"`
	}
	leads, err := db.QueryAll[handoff](ctx, pool, `SELECT handed_off_at, sla_due_at, first_touch_at, response_seconds
		FROM leads WHERE handed_off_at IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	if len(leads) == 0 {
		t.Fatal("no handed-off demo leads")
	}
	for _, l := range leads {
		if want := p.Due(l.HandedOffAt); !l.SLADueAt.Equal(want) {
			t.Fatalf("handed off %v: due %v, want %v", l.HandedOffAt, l.SLADueAt, want)
		}
		if l.FirstTouch == nil {
			continue
		}
		if want := int64(p.Elapsed(l.HandedOffAt, *l.FirstTouch) / time.Second); l.Response == nil || *l.Response != want {
			t.Fatalf("handed off %v, touched %v: response %v s, want %d business seconds", l.HandedOffAt, *l.FirstTouch, l.Response, want)
		}
	}
	var fired, early, reroutes int
	if err := pool.QueryRow(ctx, `SELECT count(*),
			count(*) FILTER (WHERE l.first_touch_at <= e.fired_at OR e.fired_at < e.handed_off_at),
			(SELECT count(*) FROM escalation_steps WHERE percent = 150 AND action = 'reroute')
		FROM lead_escalations e JOIN leads l ON l.id = e.lead_id`).Scan(&fired, &early, &reroutes); err != nil {
		t.Fatal(err)
	}
	if fired == 0 || early != 0 || reroutes != 1 {
		t.Errorf("%d steps in the history, %d of them after the first touch, %d re-route steps; want some, none, one", fired, early, reroutes)
	}
	if err := seed.Demo(ctx, pool, time.UTC, io.Discard); err != nil {
		t.Fatal(err)
	}
	var again int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM lead_escalations`).Scan(&again); err != nil || again != fired {
		t.Errorf("a second seed left %d history rows, want %d (%v)", again, fired, err)
	}
}

// The scale generator loads without triggers; its handed-off leads still
// carry a deadline and, once touched, a response time.
func TestScaleLeadsHaveDeadlinesAndResponseTimes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	// As on a superuser's connection (session_replication_role = replica),
	// which the test database's role cannot set: no trigger fills the
	// deadline in.
	if _, err := pool.Exec(ctx, `ALTER TABLE leads DISABLE TRIGGER USER`); err != nil {
		t.Fatal(err)
	}
	if err := seed.Scale(ctx, pool, time.UTC, seed.ScaleOptions{Leads: 2000, Campaigns: 10, Feedback: 50, Users: 20, Years: 1}, io.Discard); err != nil {
		t.Fatal(err)
	}
	var handedOff, noDeadline, touched, noResponse int
	if err := pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE sla_due_at IS DISTINCT FROM handed_off_at + interval '24 hours'),
			count(first_touch_at), count(*) FILTER (WHERE first_touch_at IS NOT NULL AND
				response_seconds IS DISTINCT FROM greatest(0, extract(epoch FROM first_touch_at - handed_off_at))::integer)
		FROM leads WHERE handed_off_at IS NOT NULL`).Scan(&handedOff, &noDeadline, &touched, &noResponse); err != nil {
		t.Fatal(err)
	}
	if handedOff == 0 || touched == 0 || noDeadline != 0 || noResponse != 0 {
		t.Errorf("%d handed off (%d without the 24 h deadline), %d touched (%d without their response time)",
			handedOff, noDeadline, touched, noResponse)
	}
}
