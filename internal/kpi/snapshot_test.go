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

	// …and once it is stale, the reader still gets it at once, and one
	// refresh job is queued however many readers find it stale.
	later := f.e.now().Add(SnapshotTTL + time.Second)
	f.e.now = func() time.Time { return later }
	for range 3 {
		stale, err := f.e.CachedDashboard(ctx, Week, later, nil)
		if err != nil {
			t.Fatal(err)
		}
		near(t, "stale read", conv(stale), 2.0/6)
	}
	var args RefreshArgs
	var jobs int
	if err := f.e.pool.QueryRow(ctx, `SELECT count(*) OVER (), args FROM river_job WHERE kind = 'kpi_refresh'`).
		Scan(&jobs, &args); err != nil {
		t.Fatalf("no refresh job queued: %v", err)
	}
	if jobs != 1 || args.Period != Week || !args.At.Equal(PeriodOf(Week, later, f.e.loc).Start) {
		t.Fatalf("%d refresh jobs queued, args %+v", jobs, args)
	}
	// The job system's worker runs Refresh with those args.
	if err := f.e.Refresh(ctx, args, nil); err != nil {
		t.Fatal(err)
	}
	refreshed, err := f.e.CachedDashboard(ctx, Week, later, nil)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "refreshed", conv(refreshed), 3.0/6)
	if !refreshed.ComputedAt.Equal(later) {
		t.Errorf("refreshed snapshot computed at %v, want %v", refreshed.ComputedAt, later)
	}

	// A target change drops the snapshots at once.
	if _, err := f.e.SetTarget(ctx, 0, TargetInput{KPI: Conversion, Kind: Week, Value: "60", EffectiveFrom: "2026-01-01"}); err != nil {
		t.Fatal(err)
	}
	s, _ := f.e.CachedDashboard(ctx, Week, later, nil)
	near(t, "target after change", s.KPIs[0].Current().Target, 0.6)
}
