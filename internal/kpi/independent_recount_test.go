package kpi_test

// The independent check's recount: every KPI recomputed per period with
// plain SQL written from docs/kpis.md (see independent_test.go).

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/jackc/pgx/v5"

	"tandem/internal/kpi"
)

// periods cuts the n periods of kind ending with the one containing now,
// with date_trunc in the business timezone.
func (b checkBuilder) periods(tz, kind string, n int) []checkPeriod {
	step := map[string]string{"week": "1 week", "month": "1 month", "quarter": "3 months"}[kind]
	rows, err := b.pool.Query(context.Background(), `
		SELECT (date_trunc($2, $1::timestamptz AT TIME ZONE $3) - g * $4::interval) AT TIME ZONE $3,
		       (date_trunc($2, $1::timestamptz AT TIME ZONE $3) - (g - 1) * $4::interval) AT TIME ZONE $3
		FROM generate_series($5::int - 1, 0, -1) g`, b.now, kind, tz, step, n)
	if err != nil {
		b.t.Fatal(err)
	}
	defer rows.Close()
	var out []checkPeriod
	for rows.Next() {
		var p checkPeriod
		if err := rows.Scan(&p.start, &p.end); err != nil {
			b.t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func (b checkBuilder) row(sql string, args ...any) (float64, float64) {
	b.t.Helper()
	var num, den float64
	if err := b.pool.QueryRow(context.Background(), sql, args...).Scan(&num, &den); err != nil {
		b.t.Fatalf("%v\n%s", err, sql)
	}
	return num, den
}

func (b checkBuilder) count(sql string, args ...any) int {
	b.t.Helper()
	var n int
	if err := b.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		b.t.Fatalf("%v\n%s", err, sql)
	}
	return n
}

func ratio(num, den float64) *float64 {
	if den == 0 {
		return nil
	}
	v := num / den
	return &v
}

// target is the row of kpi_targets in force on the period's first day
// (latest effective_from on or before it, ties: the newest row), else nil.
func (b checkBuilder) target(key, kind, tz string, p checkPeriod) *float64 {
	var v *float64
	err := b.pool.QueryRow(context.Background(), `SELECT value::float8 FROM kpi_targets
		WHERE kpi = $1 AND period_kind = $2 AND effective_from <= ($3::timestamptz AT TIME ZONE $4)::date
		ORDER BY effective_from DESC, id DESC LIMIT 1`, key, kind, p.start, tz).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

// recount computes one KPI in one period from the docs.
func (b checkBuilder) recount(key kpi.Key, tz string, sla int, p checkPeriod) recounted {
	s, e, now := p.start, p.end, b.now
	var r recounted
	switch key {
	case kpi.Conversion: // won so far / handed off in the period (latest handoff)
		r.num, r.den = b.row(`SELECT count(*) FILTER (WHERE won_at IS NOT NULL), count(*) FROM leads
			WHERE handed_off_at >= $1 AND handed_off_at < $2`, s, e)
		r.value = ratio(r.num, r.den)
	case kpi.Acceptance: // verdicts by their own time
		a, _ := b.row(`SELECT count(*), 0 FROM leads WHERE accepted_at >= $1 AND accepted_at < $2`, s, e)
		j, _ := b.row(`SELECT count(*), 0 FROM leads WHERE rejected_at >= $1 AND rejected_at < $2`, s, e)
		r.num, r.den = a, a+j
		r.value = ratio(r.num, r.den)
	case kpi.Quality: // ratings given with acceptances and rejections in the period
		r.num, r.den = b.row(`SELECT coalesce(sum(quality_rating), 0), count(quality_rating) FROM leads
			WHERE (accepted_at >= $1 AND accepted_at < $2) OR (rejected_at >= $1 AND rejected_at < $2)`, s, e)
		r.value = ratio(r.num, r.den)
	case kpi.SpeedToLead:
		// Hits: touched by the deadline. Misses: the deadline passed with no
		// touch by then and no rejection by then, whatever came later.
		deadline := fmt.Sprintf("(handed_off_at + interval '%d hours')", sla)
		hits, misses := b.row(`SELECT count(*) FILTER (WHERE first_touch_at <= `+deadline+`),
			count(*) FILTER (WHERE `+deadline+` < $3 AND (first_touch_at IS NULL OR first_touch_at > `+deadline+`)
			                 AND NOT coalesce(rejected_at <= `+deadline+`, false))
			FROM leads WHERE handed_off_at >= $1 AND handed_off_at < $2`, s, e, now)
		r.num, r.den = hits, hits+misses
		r.value = ratio(r.num, r.den)
		open := b.count(`SELECT count(*) FROM leads WHERE handed_off_at >= $1 AND handed_off_at < $2
			AND first_touch_at IS NULL AND stage IN ('handed_off', 'accepted') AND `+deadline+` < $3`, s, e, now)
		r.open = &open
		// The median hours from handoff to first touch of the touched leads.
		rows, err := b.pool.Query(context.Background(), `SELECT extract(epoch FROM first_touch_at - handed_off_at)::float8 / 3600
			FROM leads WHERE handed_off_at >= $1 AND handed_off_at < $2 AND first_touch_at IS NOT NULL`, s, e)
		if err != nil {
			b.t.Fatal(err)
		}
		var hours []float64
		for rows.Next() {
			var h float64
			_ = rows.Scan(&h)
			hours = append(hours, h)
		}
		rows.Close()
		if len(hours) > 0 {
			sort.Float64s(hours)
			m := hours[len(hours)/2]
			if len(hours)%2 == 0 {
				m = (hours[len(hours)/2-1] + hours[len(hours)/2]) / 2
			}
			r.extra = &m
		}
	case kpi.Revenue:
		// Won value / the quarter's goal in force at the period's start,
		// prorated by calendar days; no goal (or 0): no data.
		r.num, _ = b.row(`SELECT coalesce(sum(deal_value), 0)::float8, 0 FROM leads WHERE won_at >= $1 AND won_at < $2`, s, e)
		var days, quarterDays float64
		if err := b.pool.QueryRow(context.Background(), `SELECT (($2::timestamptz AT TIME ZONE $3)::date - ($1::timestamptz AT TIME ZONE $3)::date)::float8,
			((date_trunc('quarter', $1::timestamptz AT TIME ZONE $3) + interval '3 months')::date - date_trunc('quarter', $1::timestamptz AT TIME ZONE $3)::date)::float8`,
			s, e, tz).Scan(&days, &quarterDays); err != nil {
			b.t.Fatal(err)
		}
		if goal := b.target("revenue_goal", "quarter", tz, p); goal != nil && *goal > 0 {
			r.den = *goal * days / quarterDays
			r.value = ratio(r.num, r.den)
		}
	case kpi.MQLDelivered:
		// A count against the commitment in force (defaults 25 / 100 / 300).
		r.num, _ = b.row(`SELECT count(*), 0 FROM leads WHERE mql_at >= $1 AND mql_at < $2`, s, e)
		days := e.Sub(s).Hours() / 24
		kind, def := "week", 25.0
		switch {
		case days > 80:
			kind, def = "quarter", 300
		case days > 20:
			kind, def = "month", 100
		}
		r.den = def
		if t := b.target("mql", kind, tz, p); t != nil {
			r.den = *t
		}
		v := r.num
		r.value = &v
	case kpi.NoticeLeadTime:
		// Campaigns launching in the period (calendar days in the business
		// timezone), announced, or drafts whose launch day has come.
		r.num, r.den = b.row(`SELECT count(*) FILTER (WHERE status = 'announced' AND NOT late_notice), count(*) FROM campaigns
			WHERE launch_on >= ($1::timestamptz AT TIME ZONE $4)::date AND launch_on < ($2::timestamptz AT TIME ZONE $4)::date
			  AND (status = 'announced' OR launch_on <= ($3::timestamptz AT TIME ZONE $4)::date)`, s, e, now, tz)
		r.value = ratio(r.num, r.den)
	case kpi.Readiness:
		// Per announced campaign launching in the period, judged at its
		// cut-off: the launch instant (00:00 business time), or now for a
		// launch still ahead. Eligible: active sales and service people
		// created before the cut-off. Ready: they acknowledged, before the
		// cut-off, the revision in force then — the fixture has one
		// revision, in force from the announcement, so an acknowledgement
		// counts when both it and the announcement precede the cut-off.
		// Pooled over the campaigns.
		r.num, r.den = b.row(`
			WITH c AS (SELECT id, announced_at, least(launch_on::timestamp AT TIME ZONE $3, $4) AS cutoff FROM campaigns
			           WHERE status = 'announced' AND launch_on >= ($1::timestamptz AT TIME ZONE $3)::date
			             AND launch_on < ($2::timestamptz AT TIME ZONE $3)::date)
			SELECT coalesce(sum((SELECT count(*) FROM acknowledgements a JOIN users u ON u.id = a.user_id
			           WHERE a.campaign_id = c.id AND u.active AND u.team IN ('sales', 'service') AND u.created_at < c.cutoff
			             AND a.acknowledged_at < c.cutoff AND c.announced_at < c.cutoff)), 0),
			       coalesce(sum((SELECT count(*) FROM users u WHERE u.active AND u.team IN ('sales', 'service')
			             AND u.created_at < c.cutoff)), 0)
			FROM c`, s, e, tz, now)
		r.value = ratio(r.num, r.den)
	case kpi.FeedbackAck:
		// Items logged in the period (no merged duplicates), acknowledged or
		// past their due time; in time when acknowledged by the due time.
		r.num, r.den = b.row(`SELECT count(*) FILTER (WHERE acknowledged_at <= ack_due_at),
			count(*) FILTER (WHERE acknowledged_at IS NOT NULL OR ack_due_at < $3)
			FROM feedback_items WHERE created_at >= $1 AND created_at < $2 AND merged_into IS NULL`, s, e, now)
		r.value = ratio(r.num, r.den)
		open := b.count(`SELECT count(*) FROM feedback_items WHERE created_at >= $1 AND created_at < $2 AND merged_into IS NULL
			AND acknowledged_at IS NULL AND ack_due_at < $3`, s, e, now)
		r.open = &open
	case kpi.FeedbackActed:
		r.num, r.den = b.row(`SELECT count(*) FILTER (WHERE status = 'acted_on'), count(*) FROM feedback_items
			WHERE status IN ('acted_on', 'declined') AND status_at >= $1 AND status_at < $2 AND merged_into IS NULL`, s, e)
		r.value = ratio(r.num, r.den)
	case kpi.FeedbackUseful:
		r.num, r.den = b.row(`SELECT coalesce(sum(rating), 0), count(rating) FROM feedback_items WHERE rated_at >= $1 AND rated_at < $2`, s, e)
		r.value = ratio(r.num, r.den)
	default:
		b.t.Fatalf("no recount for %s", key)
	}
	return r
}

func same(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func samePtr(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return same(*a, *b)
}

func show(v *float64) string {
	if v == nil {
		return "no data"
	}
	return strconv.FormatFloat(*v, 'f', 4, 64)
}

func showInt(v *int) string {
	if v == nil {
		return "—"
	}
	return strconv.Itoa(*v)
}
