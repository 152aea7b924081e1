package kpi_test

// The independent check: a randomized company, and every KPI recomputed
// per period with deliberately plain SQL written from docs/kpis.md, one
// query per KPI and period, sharing nothing with internal/kpi (not its
// queries, not its period arithmetic: periods are cut here by PostgreSQL's
// date_trunc in the business timezone). Every numerator, denominator and
// value of 12 months, 12 weeks and 4 quarters must match the engine.
//
// The seed is printed; KPI_CHECK_SEED=<n> replays one.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"tandem/internal/kpi"
	"tandem/internal/testdb"
)

func TestKPIsAgreeWithAnIndependentRecount(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("KPI_CHECK_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (replay with KPI_CHECK_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0x7a6e))

	const tz = "Europe/Berlin"
	loc, _ := time.LoadLocation(tz)
	// A Wednesday afternoon in the week after the October DST change, so
	// the trailing weeks and months cross it.
	now := time.Date(2026, 11, 18, 15, 37, 0, 0, loc)
	pool := testdb.New(t)
	ctx := context.Background()
	sla := []int{24, 48}[rng.IntN(2)]
	b := checkBuilder{t: t, pool: pool, rng: rng, now: now}
	b.exec(`INSERT INTO settings (key, value) VALUES ('sla_hours', $1)`, strconv.Itoa(sla))
	b.build()

	var advanced, drafts int
	if err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM leads WHERE first_touch_at IS NULL AND handed_off_at + make_interval(hours => $1) < $2
		   AND stage NOT IN ('handed_off', 'accepted')),
		(SELECT count(*) FROM campaigns WHERE status = 'draft' AND launch_on > ($2 AT TIME ZONE 'Europe/Berlin')::date)`,
		sla, now).Scan(&advanced, &drafts); err != nil {
		t.Fatal(err)
	}
	t.Logf("fixture: %d leads left untouched past the SLA and later moved on, %d future drafts", advanced, drafts)
	if advanced == 0 || drafts == 0 {
		t.Fatal("the fixture lacks the cases the check is for")
	}

	eng := kpi.NewEngine(pool, loc).At(now)
	cells, mismatches := 0, 0
	for _, pk := range []struct {
		kind kpi.Kind
		n    int
	}{{kpi.Month, 12}, {kpi.Week, 12}, {kpi.Quarter, 4}} {
		periods := b.periods(tz, string(pk.kind), pk.n)
		for _, def := range kpi.Definitions {
			if def.Key == kpi.Alignment {
				continue
			}
			s, err := eng.Series(ctx, def.Key, pk.kind, now, pk.n)
			if err != nil {
				t.Fatalf("%s %s: %v", def.Key, pk.kind, err)
			}
			for i, p := range periods {
				got := s.Values[i]
				if !got.Period.Start.Equal(p.start) || !got.Period.End.Equal(p.end) {
					t.Fatalf("%s %s period %d: engine [%v, %v), recount [%v, %v)", def.Key, pk.kind, i,
						got.Period.Start, got.Period.End, p.start, p.end)
				}
				want := b.recount(def.Key, tz, sla, p)
				cells++
				label := fmt.Sprintf("%s %s %s", def.Key, pk.kind, got.Period.Label())
				bad := !same(got.Numerator, want.num) || !same(got.Denominator, want.den) || !samePtr(got.Value, want.value) ||
					(want.open != nil && got.Open != *want.open) || (want.extra != nil && !samePtr(got.Extra, want.extra))
				if bad {
					mismatches++
					t.Errorf("%s: engine %v / %v = %s (open %d, extra %s), recount %v / %v = %s (open %s, extra %s)", label,
						got.Numerator, got.Denominator, show(got.Value), got.Open, show(got.Extra),
						want.num, want.den, show(want.value), showInt(want.open), show(want.extra))
				}
			}
		}
	}
	t.Logf("%d KPI × period cells compared, %d differ", cells, mismatches)
	if cells != 11*28 {
		t.Errorf("compared %d cells, want %d", cells, 11*28)
	}
}
