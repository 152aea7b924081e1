package kpi

import (
	"context"
	"time"
)

// What the weekly digest needs beyond the dashboard: the engine pinned to a
// moment, so a week can be composed as it stood when it ended, and the
// launches and won value of an arbitrary range.

// At returns a copy of the engine whose "now" is t: KPIs, trouble signs and
// targets in force are evaluated as of t.
func (e *Engine) At(t time.Time) *Engine {
	c := *e
	c.now = func() time.Time { return t }
	c.lists = nil // kept for the present, not for t
	c.keep = false
	c.targets = nil // today's, not t's
	return &c
}

// LaunchesBetween is Launches for the calendar days of [from, to) in the
// business timezone, with readiness as of the engine's "now": a digest
// pinned to its cut-off (At) counts no acknowledgement made after it.
func (e *Engine) LaunchesBetween(ctx context.Context, from, to time.Time) ([]Launch, error) {
	return e.launches(ctx, from, to, e.now(), 50)
}

// WonBetween returns the deal value won in [from, to) and the part of it
// from campaign-sourced leads (first-touch attribution, as the Revenue KPI).
func (e *Engine) WonBetween(ctx context.Context, from, to time.Time) (total, fromCampaigns float64, err error) {
	err = e.pool.QueryRow(ctx, `
		SELECT coalesce(sum(deal_value), 0)::float8,
		       coalesce(sum(deal_value) FILTER (WHERE source_campaign_id IS NOT NULL), 0)::float8
		FROM leads WHERE won_at >= $1 AND won_at < $2`, from, to).Scan(&total, &fromCampaigns)
	return total, fromCampaigns, err
}
