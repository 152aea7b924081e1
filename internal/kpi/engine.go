package kpi

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/cache"
)

// Value is one KPI in one period. Value is nil when the period has no data
// (a zero denominator): "no data", never 0 % or NaN.
type Value struct {
	Period      Period
	Numerator   float64
	Denominator float64
	Value       *float64
	// Target is the full-period target in force.
	Target *float64
	// Elapsed is the share of the period gone by when it was computed: 1
	// for a finished period, under 1 while it runs.
	Elapsed float64
	// Pace is, for a paced KPI in a running period, the part of the target
	// due by now; the status is judged against it.
	Pace *float64 `json:",omitempty"`
	// Attainment is the shown value ÷ the shown target (the pace while one
	// applies) capped at 1; nil without both.
	Attainment *float64
	// Extra is the figure shown beside the value: median hours for speed
	// to lead, the campaign-sourced share for revenue.
	Extra *float64
	// Open counts the misses of the period that are still open: leads
	// untouched past the follow-up SLA (speed to lead), items waiting past
	// their acknowledgement window (feedback acknowledged in time). The
	// trouble signs count the same rows over all periods.
	Open int `json:",omitempty"`
}

// InProgress reports whether the period was still running when the value
// was computed.
func (v Value) InProgress() bool { return v.Elapsed > 0 && v.Elapsed < 1 }

// Series is a KPI over consecutive periods, oldest first; the last one is
// the period asked for.
type Series struct {
	Definition
	Values []Value
	// Failed is set when the KPI could not be computed (its query failed
	// or gave a number that is not finite): its values are then empty and
	// its tile says so, while the other KPIs show as usual.
	Failed bool `json:",omitempty"`
}

// Current is the last period of the series.
func (s Series) Current() Value { return s.Values[len(s.Values)-1] }

// Previous is the period before the current one.
func (s Series) Previous() Value { return s.Values[len(s.Values)-2] }

// failedSeries stands in for a KPI that could not be computed: the periods
// without numbers, so charts and tables keep their shape.
func failedSeries(def Definition, periods []Period) Series {
	s := Series{Definition: def, Values: make([]Value, len(periods)), Failed: true}
	for i, p := range periods {
		s.Values[i] = Value{Period: p}
	}
	return s
}

// Engine computes KPIs from the live tables.
type Engine struct {
	pool *pgxpool.Pool
	loc  *time.Location
	now  func() time.Time
	// snapshots holds decoded snapshots once CacheSnapshots was called.
	snapshots *cache.Map[string, storedSnapshot]
	// targets holds the targets in force today (Current), with them.
	targets   *cache.Map[string, *float64]
	refreshes *refreshStats
	// lists holds the overview's lists once CacheOverview was called.
	lists *overviewLists
	// keep reuses settled periods' numbers (KeepSettledPeriods).
	keep bool
	kept *keptStats
}

// NewEngine returns an engine cutting periods in the business timezone loc.
func NewEngine(pool *pgxpool.Pool, loc *time.Location) *Engine {
	return &Engine{pool: pool, loc: loc, now: time.Now, refreshes: &refreshStats{}}
}

// Location is the business timezone.
func (e *Engine) Location() *time.Location { return e.loc }

// rawRow is what a KPI query returns for one period.
type rawRow struct {
	Num   float64  `db:"num"`
	Den   float64  `db:"den"`
	Extra *float64 `db:"extra"`
	Open  int      `db:"open"`
}

// queries holds each KPI's SQL over the periods passed as $1 (starts) and
// $2 (ends); it returns, per period in order, the columns num (numerator),
// den (denominator), extra and open (the misses still open; 0 for the KPIs
// that have none), read by name.
// Further parameters: speed to lead $3 SLA hours and $4 now; feedback
// acknowledged $3 now; campaign KPIs $3 the business timezone (launch dates
// are calendar days there) and notice lead time $4 now.
var queries = map[Key]string{
	Conversion: `
		SELECT count(l.id) FILTER (WHERE l.won_at IS NOT NULL) AS num, count(l.id) AS den, NULL::float8 AS extra, 0 AS open
		FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(s, e, i)
		LEFT JOIN leads l ON l.handed_off_at >= p.s AND l.handed_off_at < p.e AND ` + spanned("l.handed_off_at") + `
		GROUP BY p.i ORDER BY p.i`,
	Acceptance: `
		SELECT a.n AS num, a.n + r.n AS den, NULL::float8 AS extra, 0 AS open
		FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(s, e, i)
		CROSS JOIN LATERAL (SELECT count(*) AS n FROM leads WHERE accepted_at >= p.s AND accepted_at < p.e) a
		CROSS JOIN LATERAL (SELECT count(*) AS n FROM leads WHERE rejected_at >= p.s AND rejected_at < p.e) r
		ORDER BY p.i`,
	Quality: `
		SELECT coalesce(a.sum, 0) + coalesce(r.sum, 0) AS num, a.n + r.n AS den, NULL::float8 AS extra, 0 AS open
		FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(s, e, i)
		CROSS JOIN LATERAL (SELECT sum(quality_rating) AS sum, count(quality_rating) AS n FROM leads
			WHERE accepted_at >= p.s AND accepted_at < p.e) a
		CROSS JOIN LATERAL (SELECT sum(quality_rating) AS sum, count(quality_rating) AS n FROM leads
			WHERE rejected_at >= p.s AND rejected_at < p.e) r
		ORDER BY p.i`,
	// The clock stops at the first touch or at a rejection: a lead touched
	// by its deadline is a hit; one still untouched when its deadline passed
	// is a miss for good, whatever its stage became since (a past period
	// must not improve when a breached lead advances); one rejected before
	// its deadline without a touch owed no follow-up and is left out.
	SpeedToLead: `
		SELECT count(l.id) FILTER (WHERE l.first_touch_at <= l.sla_due_at) AS num,
		       count(l.id) FILTER (WHERE l.first_touch_at <= l.sla_due_at
		           OR (l.sla_due_at < $3 AND (l.rejected_at IS NULL OR l.rejected_at > l.sla_due_at))) AS den,
		       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM l.first_touch_at - l.handed_off_at) / 3600) AS extra,
		       count(l.id) FILTER (WHERE l.first_touch_at IS NULL AND l.stage IN ('handed_off', 'accepted')
		           AND l.sla_due_at < $3) AS open
		FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(s, e, i)
		LEFT JOIN leads l ON l.handed_off_at >= p.s AND l.handed_off_at < p.e AND ` + spanned("l.handed_off_at") + `
		GROUP BY p.i ORDER BY p.i`,
	Revenue: `
		SELECT coalesce(sum(l.deal_value), 0)::float8 AS num, 0 AS den,
		       (coalesce(sum(l.deal_value) FILTER (WHERE l.source_campaign_id IS NOT NULL), 0) / nullif(sum(l.deal_value), 0))::float8 AS extra, 0 AS open
		FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(s, e, i)
		LEFT JOIN leads l ON l.won_at >= p.s AND l.won_at < p.e AND ` + spanned("l.won_at") + `
		GROUP BY p.i ORDER BY p.i`,
	MQLDelivered: `
		SELECT count(l.id) AS num, 0 AS den, NULL::float8 AS extra, 0 AS open
		FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(s, e, i)
		LEFT JOIN leads l ON l.mql_at >= p.s AND l.mql_at < p.e AND ` + spanned("l.mql_at") + `
		GROUP BY p.i ORDER BY p.i`,
	// A draft counts (as late) only once its launch day has come: before
	// that it can still be announced in time.
	NoticeLeadTime: `
		SELECT count(c.id) FILTER (WHERE c.status = 'announced' AND NOT c.late_notice) AS num, count(c.id) AS den, NULL::float8 AS extra, 0 AS open
		FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(s, e, i)
		LEFT JOIN campaigns c ON c.launch_on >= (p.s AT TIME ZONE $3)::date AND c.launch_on < (p.e AT TIME ZONE $3)::date
		     AND (c.status = 'announced' OR c.launch_on <= ($4::timestamptz AT TIME ZONE $3)::date)
		GROUP BY p.i ORDER BY p.i`,
	// Readiness pools campaign_audience (migration 000011: the definition the
	// campaign page and the digest use too) over the period's launches, as
	// of now ($4), so a launch still ahead counts the acknowledgements so far
	// and a digest pinned to its cut-off leaves out campaigns announced later.
	Readiness: `
		SELECT coalesce(sum(x.ready), 0) AS num, coalesce(sum(x.eligible), 0) AS den, NULL::float8 AS extra, 0 AS open
		FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(s, e, i)
		LEFT JOIN campaigns c ON c.status = 'announced' AND c.announced_at < $4
		     AND c.launch_on >= (p.s AT TIME ZONE $3)::date AND c.launch_on < (p.e AT TIME ZONE $3)::date
		LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE a.ready) AS ready, count(*) AS eligible
		                   FROM campaign_audience(c.id, $4, $3) a) x ON true
		GROUP BY p.i ORDER BY p.i`,
	FeedbackAck: `
		SELECT count(f.id) FILTER (WHERE f.acknowledged_at <= f.ack_due_at) AS num,
		       count(f.id) FILTER (WHERE f.acknowledged_at IS NOT NULL OR f.ack_due_at < $3) AS den, NULL::float8 AS extra,
		       count(f.id) FILTER (WHERE f.acknowledged_at IS NULL AND f.ack_due_at < $3) AS open
		FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(s, e, i)
		LEFT JOIN feedback_items f ON f.created_at >= p.s AND f.created_at < p.e AND f.merged_into IS NULL
		     AND ` + spanned("f.created_at") + `
		GROUP BY p.i ORDER BY p.i`,
	FeedbackActed: `
		SELECT count(f.id) FILTER (WHERE f.status = 'acted_on') AS num, count(f.id) AS den, NULL::float8 AS extra, 0 AS open
		FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(s, e, i)
		LEFT JOIN feedback_items f ON f.status IN ('acted_on', 'declined') AND f.status_at >= p.s AND f.status_at < p.e
		     AND f.merged_into IS NULL AND ` + spanned("f.status_at") + `
		GROUP BY p.i ORDER BY p.i`,
	FeedbackUseful: `
		SELECT coalesce(sum(f.rating), 0) AS num, count(f.rating) AS den, NULL::float8 AS extra, 0 AS open
		FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(s, e, i)
		LEFT JOIN feedback_items f ON f.rated_at >= p.s AND f.rated_at < p.e AND ` + spanned("f.rated_at") + `
		GROUP BY p.i ORDER BY p.i`,
}

// spanned narrows col to the span of all the periods as well as to each
// one's: the planner cannot see unnest's rows, guessed a third of the
// table for each period and read all of it; a range it can see takes the
// index (the open weeks' feedback acknowledged at 1M: 285 ms, then 10 ms).
// It never changes a result, as every period lies within the span.
func spanned(col string) string {
	return col + ` >= (SELECT min(s) FROM unnest($1::timestamptz[]) s) AND ` +
		col + ` < (SELECT max(e) FROM unnest($2::timestamptz[]) e)`
}

// raw runs one KPI's query over the periods.
func (e *Engine) raw(ctx context.Context, key Key, periods []Period) ([]rawRow, error) {
	starts := make([]time.Time, len(periods))
	ends := make([]time.Time, len(periods))
	for i, p := range periods {
		starts[i], ends[i] = p.Start, p.End
	}
	args := []any{starts, ends}
	switch key {
	case SpeedToLead:
		args = append(args, e.now())
	case FeedbackAck:
		args = append(args, e.now())
	case NoticeLeadTime, Readiness:
		args = append(args, e.loc.String(), e.now())
	}
	rows, err := e.pool.Query(ctx, queries[key], args...)
	if err != nil {
		return nil, fmt.Errorf("kpi %s: %w", key, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[rawRow])
	if err != nil {
		return nil, fmt.Errorf("kpi %s: %w", key, err)
	}
	if len(out) != len(periods) {
		return nil, fmt.Errorf("kpi %s: %d rows for %d periods", key, len(out), len(periods))
	}
	return out, nil
}

// Series computes key for the n periods of kind ending with the one that
// contains at, each judged against the target in force in its period. A
// number that is not finite (which only corrupt data can give) is an
// error, so it never reaches a page or a snapshot.
func (e *Engine) Series(ctx context.Context, key Key, kind Kind, at time.Time, n int) (Series, error) {
	def, ok := Lookup(key)
	if !ok || key == Alignment {
		return Series{}, fmt.Errorf("kpi: no series for %q", key)
	}
	periods := PeriodOf(kind, at, e.loc).Trailing(n)
	var rows []rawRow
	var err error
	if e.keep {
		rows, err = e.rawKept(ctx, key, periods)
	} else {
		rows, err = e.raw(ctx, key, periods)
	}
	if err != nil {
		return Series{}, err
	}
	targets, err := e.targetsFor(ctx, key, periods)
	if err != nil {
		return Series{}, err
	}
	var goals []*float64
	if key == Revenue {
		if goals, err = e.revenueGoals(ctx, periods); err != nil {
			return Series{}, err
		}
	}
	now := e.now()
	s := Series{Definition: def, Values: make([]Value, n)}
	for i, p := range periods {
		r := rows[i]
		v := Value{Period: p, Numerator: r.Num, Denominator: r.Den, Extra: r.Extra, Target: targets[i],
			Elapsed: p.Elapsed(now), Open: r.Open}
		switch {
		case key == Revenue:
			if goals[i] != nil && *goals[i] > 0 {
				v.Denominator = *goals[i]
				v.Value = ptr(r.Num / *goals[i])
			}
		case def.Unit == Count:
			// A count is measured against the commitment: that is its
			// denominator, whatever was counted.
			v.Value = ptr(r.Num)
			v.Denominator = 0
			if v.Target != nil {
				v.Denominator = *v.Target
			}
		case r.Den > 0:
			v.Value = ptr(r.Num / r.Den)
		}
		against := v.Target
		if def.Paced && v.Target != nil && v.InProgress() {
			v.Pace = ptr(Pace(*v.Target, p, now))
			against = v.Pace
		}
		if !def.Paced || v.Elapsed > 0 { // a paced KPI has nothing due before its period begins
			v.Attainment = Attainment(def.Unit, v.Value, against)
		}
		if !finite(&v.Numerator, &v.Denominator, v.Value, v.Target, v.Pace, v.Attainment, v.Extra) {
			return Series{}, fmt.Errorf("kpi %s: %s gives a number that is not finite", key, p.Label())
		}
		s.Values[i] = v
	}
	return s, nil
}

func ptr(f float64) *float64 { return &f }
