package kpi

import (
	"context"
	"sync/atomic"
	"time"

	"tandem/internal/db"
)

// Kept periods. A snapshot refresh recomputed twelve periods of every KPI
// each minute, though nearly all of them were long over: seconds of
// database time at a million leads. A settled period's raw numbers are now
// kept in kpi_period_raw and reused for as long as no write could have
// changed them (migration 29's kpi_changes); the periods still open, those
// time alone can still change, and those a write touched are computed
// again by the same SQL as before. Targets are never kept: they are read
// fresh, so a new target shows at once.

// sourceOf names the kpi_changes source whose writes change a KPI.
var sourceOf = map[Key]string{
	Conversion: "leads", Acceptance: "leads", Quality: "leads", SpeedToLead: "leads", Revenue: "leads",
	MQLDelivered: "leads", NoticeLeadTime: "campaigns", Readiness: "campaigns",
	FeedbackAck: "feedback", FeedbackActed: "feedback", FeedbackUseful: "feedback",
}

// changesKept is how long kpi_changes rows live; pruning them drops the
// kept values that had not seen them.
const changesKept = 5 * time.Minute

// KeepSettledPeriods makes the engine keep and reuse settled periods'
// numbers. Engines pinned to a moment (At) never do: a kept number is
// the present's.
func (e *Engine) KeepSettledPeriods() {
	e.keep = true
	if e.kept == nil {
		e.kept = &keptStats{}
	}
}

type keptStats struct{ reused, computed atomic.Uint64 }

// KeptStats is how many period values this engine reused and how many it
// computed since it started.
func (e *Engine) KeptStats() (reused, computed uint64) {
	if e.kept == nil {
		return 0, 0
	}
	return e.kept.reused.Load(), e.kept.computed.Load()
}

type keptRow struct {
	Start time.Time `db:"period_start"`
	End   time.Time `db:"period_end"`
	rawRow
}

// rawKept is raw with the kept values of settled periods reused.
func (e *Engine) rawKept(ctx context.Context, key Key, periods []Period) ([]rawRow, error) {
	source, ok := sourceOf[key]
	if !ok || len(periods) == 0 {
		return e.raw(ctx, key, periods)
	}
	// Taken before anything is computed: whatever this computation may
	// have missed is invisible in it, so a value stored with it is
	// doubted, never trusted, when such a change shows up.
	var snap string
	if err := e.pool.QueryRow(ctx, `SELECT pg_current_snapshot()::text`).Scan(&snap); err != nil {
		return nil, err
	}
	starts := make([]time.Time, len(periods))
	for i, p := range periods {
		starts[i] = p.Start
	}
	kept, err := db.QueryAll[keptRow](ctx, e.pool, `
		SELECT m.period_start, m.period_end, m.num, m.den, m.extra, m.open FROM kpi_period_raw m
		WHERE m.kpi = $1 AND m.period_kind = $2 AND m.format = $3 AND m.period_start = ANY($4)
		  AND NOT EXISTS (SELECT 1 FROM kpi_changes c WHERE c.source = m.source
		      AND (c.hour IS NULL OR (c.hour < m.period_end AND c.hour + interval '1 hour' > m.period_start))
		      AND NOT pg_visible_in_snapshot(c.xid, m.snap))`,
		string(key), string(periods[0].Kind), snapshotFormat, starts)
	if err != nil {
		return nil, err
	}
	rows := make([]rawRow, len(periods))
	var missing []Period
	var at []int
	for i, p := range periods {
		found := false
		for _, k := range kept {
			if k.Start.Equal(p.Start) && k.End.Equal(p.End) {
				rows[i], found = k.rawRow, true
				break
			}
		}
		if !found {
			missing = append(missing, p)
			at = append(at, i)
		}
	}
	e.kept.reused.Add(uint64(len(periods) - len(missing)))
	if len(missing) == 0 {
		return rows, nil
	}
	computed, err := e.computeMissing(ctx, key, missing)
	if err != nil {
		return nil, err
	}
	e.kept.computed.Add(uint64(len(missing)))
	for j, i := range at {
		rows[i] = computed[j]
	}
	settled, err := e.settledBefore(ctx, key)
	if err != nil {
		return nil, err
	}
	var keep []Period
	var keepRows []rawRow
	for j, p := range missing {
		if !p.End.After(settled) {
			keep = append(keep, p)
			keepRows = append(keepRows, computed[j])
		}
	}
	return rows, e.store(ctx, key, source, snap, keep, keepRows)
}

// addsUp marks the KPIs whose raw numbers are counts and sums of rows that
// each fall in one period, with no median or share in extra: a quarter's
// are its three months' added up.
var addsUp = map[Key]bool{
	Conversion: true, Acceptance: true, Quality: true, MQLDelivered: true, NoticeLeadTime: true, Readiness: true,
	FeedbackAck: true, FeedbackActed: true, FeedbackUseful: true,
}

// computeMissing computes the periods that were not kept. A quarter of a
// KPI that adds up is its months, the settled ones kept: the open quarter
// then costs what its open month costs, not a scan of three months of
// leads each minute (the quarter's dashboard at 1M: 245 ms, then 80-90 ms).
func (e *Engine) computeMissing(ctx context.Context, key Key, missing []Period) ([]rawRow, error) {
	if missing[0].Kind != Quarter || !addsUp[key] {
		return e.raw(ctx, key, missing)
	}
	var months []Period
	for _, q := range missing {
		m := PeriodOf(Month, q.Start, e.loc)
		for range 3 {
			months = append(months, m)
			m = m.Next()
		}
	}
	monthly, err := e.rawKept(ctx, key, months)
	if err != nil {
		return nil, err
	}
	out := make([]rawRow, len(missing))
	for i := range missing {
		for _, m := range monthly[3*i : 3*i+3] {
			out[i].Num += m.Num
			out[i].Den += m.Den
			out[i].Open += m.Open
		}
	}
	return out, nil
}

// settledBefore is the moment before which a period of key is settled:
// ended, and beyond what time alone still changes. Speed to lead waits for
// every untouched lead's deadline to pass, feedback acknowledged in time
// for every open acknowledgement window, the campaign KPIs for the launch
// days to be over.
func (e *Engine) settledBefore(ctx context.Context, key Key) (time.Time, error) {
	now := e.now()
	var pending *time.Time
	var err error
	switch key {
	case SpeedToLead:
		err = e.pool.QueryRow(ctx, `SELECT min(handed_off_at) FROM leads
			WHERE first_touch_at IS NULL AND sla_due_at >= $1 AND (rejected_at IS NULL OR rejected_at > sla_due_at)`, now).Scan(&pending)
	case FeedbackAck:
		err = e.pool.QueryRow(ctx, `SELECT min(created_at) FROM feedback_items
			WHERE acknowledged_at IS NULL AND merged_into IS NULL AND ack_due_at >= $1`, now).Scan(&pending)
	case NoticeLeadTime, Readiness:
		local := now.In(e.loc)
		return time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, e.loc), nil
	}
	if err != nil {
		return time.Time{}, err
	}
	if pending != nil && pending.Before(now) {
		return *pending, nil
	}
	return now, nil
}

func (e *Engine) store(ctx context.Context, key Key, source, snap string, periods []Period, rows []rawRow) error {
	if len(periods) == 0 {
		return nil
	}
	starts, ends := make([]time.Time, len(periods)), make([]time.Time, len(periods))
	nums, dens, extras, opens := make([]float64, len(rows)), make([]float64, len(rows)), make([]*float64, len(rows)), make([]int32, len(rows))
	for i, p := range periods {
		starts[i], ends[i] = p.Start, p.End
		nums[i], dens[i], extras[i], opens[i] = rows[i].Num, rows[i].Den, rows[i].Extra, int32(rows[i].Open)
	}
	_, err := e.pool.Exec(ctx, `
		INSERT INTO kpi_period_raw (kpi, period_kind, period_start, period_end, source, format, num, den, extra, open, snap)
		SELECT $1, $2, t.s, t.e, $3, $4, t.n, t.d, t.x, t.o, $5::pg_snapshot
		FROM unnest($6::timestamptz[], $7::timestamptz[], $8::float8[], $9::float8[], $10::float8[], $11::int[]) AS t(s, e, n, d, x, o)
		ON CONFLICT (kpi, period_kind, period_start) DO UPDATE SET period_end = EXCLUDED.period_end, source = EXCLUDED.source,
		    format = EXCLUDED.format, num = EXCLUDED.num, den = EXCLUDED.den, extra = EXCLUDED.extra, open = EXCLUDED.open,
		    snap = EXCLUDED.snap, computed_at = now()`,
		string(key), string(periods[0].Kind), source, snapshotFormat, snap, starts, ends, nums, dens, extras, opens)
	return err
}

// PruneChanges deletes the change records older than changesKept and, in
// the same statement, the kept values that had not seen them. Each
// refresh runs it, and the hourly maintenance too, so the log stays short
// while nobody looks at a dashboard.
func (e *Engine) PruneChanges(ctx context.Context) error {
	_, err := e.pool.Exec(ctx, `
		WITH gone AS (DELETE FROM kpi_changes WHERE at < now() - $1::interval RETURNING source, hour, xid)
		DELETE FROM kpi_period_raw m USING gone g
		WHERE m.source = g.source AND (g.hour IS NULL OR (g.hour < m.period_end AND g.hour + interval '1 hour' > m.period_start))
		  AND NOT pg_visible_in_snapshot(g.xid, m.snap)`, changesKept)
	return err
}
