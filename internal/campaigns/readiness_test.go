package campaigns_test

import (
	"context"
	"testing"
	"time"

	"tandem/internal/campaigns"
	"tandem/internal/kpi"
	"tandem/internal/testdb/demo"
	"tandem/internal/users"
)

// Issue 12, item 7: on the demo company, every campaign's readiness count
// and its not-ready list come from one definition (ready + not ready =
// team size, per team), and the overview's launches, the readiness KPI
// and the digest's launches show the numbers the campaign page shows.
func TestDemoReadinessAgreesEverywhere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := demo.New(t)
	loc := time.UTC
	store := campaigns.NewStore(pool, loc)
	now := time.Now()
	eng := kpi.NewEngine(pool, loc).At(now)

	var ids []int64
	rows, err := pool.Query(ctx, `SELECT id FROM campaigns ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if rows.Err() != nil || len(ids) < 10 {
		t.Fatalf("demo campaigns: %d, %v", len(ids), rows.Err())
	}

	byID := map[int64]campaigns.ReadinessReport{}
	stale := 0
	for _, id := range ids {
		c, err := store.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := store.ReadinessAt(ctx, id, now)
		if err != nil {
			t.Fatal(err)
		}
		byID[id] = rep
		cutoff := campaigns.LaunchStart(c.LaunchOn, loc)
		if now.Before(cutoff) {
			cutoff = now
		}
		for _, tr := range rep.Teams {
			var size int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE active AND team = $1 AND created_at < $2`,
				tr.Team, cutoff).Scan(&size); err != nil {
				t.Fatal(err)
			}
			listed := 0
			for _, p := range rep.NotReady {
				if p.Team == tr.Team {
					listed++
					if p.Why == campaigns.EarlierRevision {
						stale++
					}
				}
			}
			if tr.Eligible != size || tr.Ready+listed != size {
				t.Errorf("campaign %d %q, %s: %d of %d ready with %d listed as not ready; team size %d",
					id, c.Name, tr.Team, tr.Ready, tr.Eligible, listed, size)
			}
		}
		if rep.Total.Eligible != rep.Teams[0].Eligible+rep.Teams[1].Eligible || rep.Teams[0].Team != users.Sales {
			t.Errorf("campaign %d: total %+v is not the sum of %+v", id, rep.Total, rep.Teams)
		}
	}
	// The demo holds the case of the issue: someone who acknowledged an
	// earlier revision before launch. Without it this test proves little.
	if stale == 0 {
		t.Error("no demo campaign lists anyone who acknowledged only an earlier revision")
	}

	// The campaign list.
	list, _, err := store.List(ctx, 0, campaigns.ViewAll, now, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range list {
		if row.Readiness != byID[row.ID].Total {
			t.Errorf("list: campaign %d readiness %+v, page %+v", row.ID, row.Readiness, byID[row.ID].Total)
		}
	}

	// The overview's launches and the digest's.
	launches, err := eng.Launches(ctx, 60)
	if err != nil {
		t.Fatal(err)
	}
	between, err := eng.LaunchesBetween(ctx, now.AddDate(0, -6, 0), now.AddDate(0, 2, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(launches) == 0 || len(between) < len(launches) {
		t.Fatalf("launches: %d ahead, %d around now", len(launches), len(between))
	}
	for _, l := range append(launches, between...) {
		want := byID[l.ID].Total
		if l.Acked != want.Ready || l.Eligible != want.Eligible {
			t.Errorf("launch %d %q: %d of %d, page says %+v", l.ID, l.Name, l.Acked, l.Eligible, want)
		}
	}

	// The readiness KPI pools the page's figures over each month's
	// announced launches.
	series, err := eng.Series(ctx, kpi.Readiness, kpi.Month, now, 12)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range series.Values {
		var ready, eligible int
		for _, id := range ids {
			c, _ := store.Get(ctx, id)
			start := campaigns.LaunchStart(c.LaunchOn, loc)
			if c.Announced && !start.Before(v.Period.Start) && start.Before(v.Period.End) {
				ready += byID[id].Total.Ready
				eligible += byID[id].Total.Eligible
			}
		}
		if int(v.Numerator) != ready || int(v.Denominator) != eligible {
			t.Errorf("KPI %s: %v of %v, campaign pages sum to %d of %d", v.Period.Label(), v.Numerator, v.Denominator, ready, eligible)
		}
	}
}
