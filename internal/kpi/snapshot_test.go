package kpi

import (
	"context"
	"testing"
	"time"
)

func TestSnapshotsServeStaleAndRefreshOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	first, err := f.e.CachedDashboard(ctx, Week, f.e.now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	conv := func(s Snapshot) *float64 { return s.KPIs[0].Current().Value }
	near(t, "first", conv(first), 2.0/6)

	// New data does not show until the snapshot is refreshed…
	f.exec(`UPDATE leads SET won_at = $1, stage = 'won' WHERE company = 'L2'`, at(18, 11, 0))
	cached, err := f.e.CachedDashboard(ctx, Week, f.e.now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "cached", conv(cached), 2.0/6)
	if !cached.ComputedAt.Equal(first.ComputedAt) {
		t.Errorf("recomputed although fresh: %v vs %v", cached.ComputedAt, first.ComputedAt)
	}
	if cached.Period.Label() != "2026-W47" {
		t.Errorf("stored period reads back as %s", cached.Period.Label())
	}

	// …and once it is stale, the reader still gets it at once while a
	// background refresh stores the new numbers.
	later := f.e.now().Add(SnapshotTTL + time.Second)
	f.e.now = func() time.Time { return later }
	stale, err := f.e.CachedDashboard(ctx, Week, later, nil)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "stale read", conv(stale), 2.0/6)
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := f.e.CachedDashboard(ctx, Week, later, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v := conv(s); v != nil && *v > 0.4 {
			near(t, "refreshed", v, 3.0/6)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the stale snapshot was never refreshed")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A target change drops the snapshots at once.
	if _, err := f.e.SetTarget(ctx, 0, TargetInput{KPI: Conversion, Kind: Week, Value: "60", EffectiveFrom: "2026-01-01"}); err != nil {
		t.Fatal(err)
	}
	s, _ := f.e.CachedDashboard(ctx, Week, later, nil)
	near(t, "target after change", s.KPIs[0].Current().Target, 0.6)
}

func TestBackgroundRefreshRunsUnderTheServersContext(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	first, err := f.e.CachedDashboard(ctx, Week, f.e.now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	f.exec(`UPDATE leads SET won_at = $1, stage = 'won' WHERE company = 'L2'`, at(18, 11, 0))
	later := f.e.now().Add(SnapshotTTL + time.Second)
	f.e.now = func() time.Time { return later }
	storedAt := func() time.Time {
		s, found, err := f.e.stored(ctx, PeriodOf(Week, later, f.e.loc))
		if err != nil || !found {
			t.Fatalf("stored: %v %v", found, err)
		}
		return s.ComputedAt
	}

	// Once the server is shutting down, a stale read starts no refresh.
	server, stop := context.WithCancel(ctx)
	f.e.RunRefreshesUnder(server)
	stop()
	if _, err := f.e.CachedDashboard(ctx, Week, later, nil); err != nil {
		t.Fatal(err)
	}
	f.e.Wait()
	if got := storedAt(); !got.Equal(first.ComputedAt) {
		t.Fatalf("a refresh ran after shutdown: snapshot computed at %v, was %v", got, first.ComputedAt)
	}

	// While it serves, Wait returns only after the refresh has stored the
	// new numbers: what a shutdown relies on before closing the pool.
	f.e.RunRefreshesUnder(ctx)
	if _, err := f.e.CachedDashboard(ctx, Week, later, nil); err != nil {
		t.Fatal(err)
	}
	f.e.Wait()
	if got := storedAt(); !got.After(first.ComputedAt) {
		t.Fatalf("Wait returned before the refresh stored its snapshot (computed at %v)", got)
	}
}
