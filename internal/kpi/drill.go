package kpi

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/feedback"
	"tandem/internal/leads"
)

// Row is one record behind a KPI's number: it counts in the denominator,
// and in the numerator when Counts is set.
type Row struct {
	ID     int64     `db:"id"`
	Kind   string    `db:"kind"` // lead, campaign, feedback
	Title  string    `db:"title"`
	Detail string    `db:"detail"`
	At     time.Time `db:"at"`
	Counts bool      `db:"counts"`
	// Weight is what the row adds to the numerator when it is not a plain
	// count (a rating, a deal value); 1 otherwise.
	Weight float64 `db:"weight"`
}

// Link is the row's page.
func (r Row) Link() string {
	switch r.Kind {
	case "campaign":
		return fmt.Sprintf("/campaigns/%d", r.ID)
	case "feedback":
		return fmt.Sprintf("/feedback/%d", r.ID)
	}
	return fmt.Sprintf("/leads/%d", r.ID)
}

// drillQueries select the rows behind each KPI for one period ($1 start,
// $2 end) with the same conditions as the KPI queries, named as Row's
// fields: id, kind, title, detail, at, counts, weight. Extra parameters as in queries.
var drillQueries = map[Key]string{
	Conversion: `SELECT id, 'lead' AS kind, company AS title, stage AS detail, handed_off_at AS at,
		won_at IS NOT NULL AS counts, 1::float8 AS weight
		FROM leads WHERE handed_off_at >= $1 AND handed_off_at < $2 ORDER BY handed_off_at, id`,
	Acceptance: `SELECT id, 'lead' AS kind, company AS title, stage AS detail, coalesce(accepted_at, rejected_at) AS at,
		coalesce(accepted_at >= $1 AND accepted_at < $2, false) AS counts, 1::float8 AS weight
		FROM leads WHERE (accepted_at >= $1 AND accepted_at < $2) OR (rejected_at >= $1 AND rejected_at < $2)
		ORDER BY 5, id`,
	Quality: `SELECT id, 'lead' AS kind, company AS title, 'rated ' || quality_rating || '/5' AS detail,
		coalesce(accepted_at, rejected_at) AS at, true AS counts, quality_rating::float8 AS weight
		FROM leads WHERE quality_rating IS NOT NULL
		  AND ((accepted_at >= $1 AND accepted_at < $2) OR (rejected_at >= $1 AND rejected_at < $2))
		ORDER BY 5, id`,
	SpeedToLead: `SELECT id, 'lead' AS kind, company AS title,
		CASE WHEN first_touch_at IS NOT NULL
		       THEN round((extract(epoch FROM first_touch_at - handed_off_at) / 3600)::numeric, 1) || ' h to first touch'
		     WHEN stage IN ('handed_off', 'accepted') THEN 'no first touch yet, past the deadline'
		     ELSE 'no first touch by the deadline (now ' || replace(stage, '_', ' ') || ')' END AS detail,
		handed_off_at AS at, coalesce(first_touch_at <= sla_due_at, false) AS counts,
		1::float8 AS weight
		FROM leads WHERE handed_off_at >= $1 AND handed_off_at < $2
		  AND (first_touch_at <= sla_due_at
		       OR (sla_due_at < $3 AND (rejected_at IS NULL OR rejected_at > sla_due_at)))
		ORDER BY handed_off_at, id`,
	Revenue: `SELECT id, 'lead' AS kind, company AS title, 'won ' || deal_value AS detail, won_at AS at, true AS counts,
		deal_value::float8 AS weight
		FROM leads WHERE won_at >= $1 AND won_at < $2 ORDER BY won_at, id`,
	MQLDelivered: `SELECT id, 'lead' AS kind, company AS title, stage AS detail, mql_at AS at, true AS counts, 1::float8 AS weight
		FROM leads WHERE mql_at >= $1 AND mql_at < $2 ORDER BY mql_at, id`,
	NoticeLeadTime: `SELECT id, 'campaign' AS kind, name AS title, CASE WHEN status = 'draft' THEN 'never announced'
		WHEN late_notice THEN 'late notice' ELSE 'announced in time' END AS detail,
		launch_on::timestamp AT TIME ZONE $3 AS at, status = 'announced' AND NOT late_notice AS counts, 1::float8 AS weight
		FROM campaigns WHERE launch_on >= ($1 AT TIME ZONE $3)::date AND launch_on < ($2 AT TIME ZONE $3)::date
		  AND (status = 'announced' OR launch_on <= ($4::timestamptz AT TIME ZONE $3)::date)
		ORDER BY launch_on, id`,
	FeedbackAck: `SELECT id, 'feedback' AS kind, customer AS title, CASE WHEN acknowledged_at IS NULL THEN 'not acknowledged'
		WHEN acknowledged_at <= ack_due_at THEN 'acknowledged in time' ELSE 'acknowledged late' END AS detail,
		created_at AS at, coalesce(acknowledged_at <= ack_due_at, false) AS counts, 1::float8 AS weight
		FROM feedback_items WHERE created_at >= $1 AND created_at < $2 AND merged_into IS NULL
		  AND (acknowledged_at IS NOT NULL OR ack_due_at < $3)
		ORDER BY created_at, id`,
	FeedbackActed: `SELECT id, 'feedback' AS kind, customer AS title, status AS detail, status_at AS at,
		status = 'acted_on' AS counts, 1::float8 AS weight
		FROM feedback_items WHERE status IN ('acted_on', 'declined') AND status_at >= $1 AND status_at < $2
		  AND merged_into IS NULL ORDER BY status_at, id`,
	FeedbackUseful: `SELECT id, 'feedback' AS kind, customer AS title, 'rated ' || rating || '/5' AS detail, rated_at AS at,
		true AS counts, rating::float8 AS weight
		FROM feedback_items WHERE rated_at >= $1 AND rated_at < $2 ORDER BY rated_at, id`,
}

// Rows returns the records behind key's number in period p, at most limit
// of them (0: all). Readiness is people × campaigns, so its rows are the
// campaigns with their counts in Detail; the other KPIs list one row per
// record.
func (e *Engine) Rows(ctx context.Context, key Key, p Period, limit int) ([]Row, error) {
	if key == Readiness {
		return e.readinessRows(ctx, p)
	}
	q, ok := drillQueries[key]
	if !ok {
		return nil, fmt.Errorf("kpi: no rows for %q", key)
	}
	args := []any{p.Start, p.End}
	switch key {
	case SpeedToLead:
		args = append(args, e.now())
	case FeedbackAck:
		args = append(args, e.now())
	case NoticeLeadTime:
		args = append(args, e.loc.String(), e.now())
	}
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := e.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Row])
	for i := range list {
		list[i].Detail = readable(list[i].Kind, list[i].Detail)
	}
	return list, err
}

// readable turns a stage or status code in a row's detail into the words
// the pages use for it ("handed_off" → "Handed off").
func readable(kind, detail string) string {
	switch kind {
	case "lead":
		if st := leads.Stage(detail); st.Valid() {
			return st.Label()
		}
	case "feedback":
		return feedback.Status(detail).Label()
	}
	return detail
}

func (e *Engine) readinessRows(ctx context.Context, p Period) ([]Row, error) {
	rows, err := e.pool.Query(ctx, `
		SELECT c.id, 'campaign', c.name, acked || ' of ' || eligible || ' ready by launch',
		       c.launch_on::timestamp AT TIME ZONE $3, acked::float8, eligible::float8
		FROM campaigns c
		CROSS JOIN LATERAL (
			SELECT count(*) FILTER (WHERE a.ready) AS acked, count(*) AS eligible FROM campaign_audience(c.id, $4, $3) a
		) x
		WHERE c.status = 'announced' AND c.launch_on >= ($1 AT TIME ZONE $3)::date AND c.launch_on < ($2 AT TIME ZONE $3)::date
		ORDER BY c.launch_on, c.id`, p.Start, p.End, e.loc.String(), e.now())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Row, error) {
		var row Row
		var acked, eligible float64
		err := r.Scan(&row.ID, &row.Kind, &row.Title, &row.Detail, &row.At, &acked, &eligible)
		row.Counts, row.Weight = acked > 0, acked
		return row, err
	})
}
