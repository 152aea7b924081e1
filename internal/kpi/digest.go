package kpi

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// What the weekly digest needs beyond the dashboard: the engine pinned to a
// moment, so a week can be composed as it stood when it ended, and the
// launches and won value of an arbitrary range.

// At returns a copy of the engine whose "now" is t: KPIs, trouble signs and
// targets in force are evaluated as of t.
func (e *Engine) At(t time.Time) *Engine {
	c := *e
	c.now = func() time.Time { return t }
	return &c
}

// LaunchesBetween is Launches for the calendar days of [from, to) in the
// business timezone. Readiness counts the acknowledgements there are now,
// as Launches and the readiness trouble sign do, so a digest composed
// after its week shows one readiness figure throughout.
func (e *Engine) LaunchesBetween(ctx context.Context, from, to time.Time) ([]Launch, error) {
	rows, err := e.pool.Query(ctx, `
		SELECT c.id, c.name, c.launch_on::timestamp, c.status = 'announced', c.late_notice,
		       (SELECT count(*) FROM acknowledgements a JOIN users u ON u.id = a.user_id
		        WHERE a.campaign_id = c.id AND u.active AND u.team IN ('sales', 'service'))::int,
		       (SELECT count(*) FROM users u WHERE u.active AND u.team IN ('sales', 'service'))::int
		FROM campaigns c
		WHERE c.launch_on >= $1::date AND c.launch_on < $2::date
		ORDER BY c.launch_on, c.id LIMIT 50`,
		from.In(e.loc).Format("2006-01-02"), to.In(e.loc).Format("2006-01-02"))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Launch])
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
