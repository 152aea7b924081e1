package kpi

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/leads"
)

// TrendPeriods is how many periods the /sla page's trends show: the
// dashboard's, so its snapshot's series can be read.
const TrendPeriods = Trend

// TwoSided is the two-sided SLA of one period with the trend of the
// periods before it: marketing's commitment of MQLs and their quality,
// sales' commitment to follow up in time. The shared numbers are the KPI
// engine's series, so the page, the overview and the digest agree.
type TwoSided struct {
	Period Period
	// Marketing's side; the series run oldest first and end with Period.
	MQL, Acceptance, Quality Series
	Reasons                  []ReasonCount
	// Sales' side. A period's breaches are its speed-to-lead misses:
	// Speed's denominator less its numerator (see Breaches).
	Speed Series
	// Response is the chosen period's cohort; Escalated counts the steps
	// fired in each period of Speed.
	Response    Response
	Escalated   []int
	Reps        []RepFollowUp
	Escalations []EscalationCount
}

// Breaches is the number of speed-to-lead misses of trend period i.
func (t TwoSided) Breaches(i int) int {
	v := t.Speed.Values[i]
	return int(v.Denominator - v.Numerator)
}

// Response is how fast the leads handed off in one period were touched,
// on the SLA clock (working time when the calendar counts business hours).
type Response struct {
	HandedOff int `db:"handed_off"`
	// The first-touch buckets: each lead of the cohort is in exactly one.
	Within5m  int `db:"within_5m"`
	Within1h  int `db:"within_1h"`
	Within24h int `db:"within_24h"`
	Later     int `db:"later"`
	Never     int `db:"never"`
	// Median and P90 are the response hours of the touched leads.
	Median *float64 `db:"median"`
	P90    *float64 `db:"p90"`
	// Breaches are the leads whose deadline passed without a touch: the
	// speed-to-lead KPI's misses.
	Breaches int `db:"breaches"`
}

// ReasonCount is how many leads were rejected for one reason.
type ReasonCount struct {
	Reason leads.Reason `db:"reason"`
	Count  int          `db:"n"`
}

// RepFollowUp is one owner's follow-up of the period's handoffs; OwnerID
// nil is the leads no rep holds (the queue).
type RepFollowUp struct {
	OwnerID   *int64
	Name      string
	HandedOff int
	Within    int
	Breaches  int
	Median    *float64
}

// EscalationCount is how many escalation steps of one action fired.
type EscalationCount struct {
	Action string `db:"action"`
	Count  int    `db:"n"`
}

// missed is the speed-to-lead KPI's miss, over leads l at now $3: the
// deadline passed with no touch by then, and no rejection before it.
const missed = `((l.first_touch_at IS NULL OR l.first_touch_at > l.sla_due_at) AND l.sla_due_at < $3
	AND (l.rejected_at IS NULL OR l.rejected_at > l.sla_due_at))`

// The buckets of the first-touch distribution, over leads l.
const (
	bucket5m    = `l.response_seconds <= 300`
	bucket1h    = `l.response_seconds > 300 AND l.response_seconds <= 3600`
	bucket24h   = `l.response_seconds > 3600 AND l.response_seconds <= 86400`
	bucketLater = `l.response_seconds > 86400`
	bucketNever = `l.first_touch_at IS NULL`
)

// cohortQuery counts the period's cohort in one pass: a row per owner and
// the total (owner NULL, total true).
var cohortQuery = `
	WITH g AS (
		SELECT l.owner_id, grouping(l.owner_id) = 1 AS total, count(*) AS handed_off,
		       count(*) FILTER (WHERE l.first_touch_at <= l.sla_due_at) AS within,
		       count(*) FILTER (WHERE ` + bucket5m + `) AS within_5m,
		       count(*) FILTER (WHERE ` + bucket1h + `) AS within_1h,
		       count(*) FILTER (WHERE ` + bucket24h + `) AS within_24h,
		       count(*) FILTER (WHERE ` + bucketLater + `) AS later,
		       count(*) FILTER (WHERE ` + bucketNever + `) AS never,
		       percentile_cont(0.5) WITHIN GROUP (ORDER BY l.response_seconds / 3600.0) AS median,
		       percentile_cont(0.9) WITHIN GROUP (ORDER BY l.response_seconds / 3600.0) AS p90,
		       count(*) FILTER (WHERE ` + missed + `) AS breaches
		FROM leads l WHERE ` + cohort + `
		GROUP BY GROUPING SETS ((l.owner_id), ()))
	SELECT g.*, coalesce(u.name, '') AS name FROM g LEFT JOIN users u ON u.id = g.owner_id
	ORDER BY g.total DESC, g.breaches DESC, g.owner_id IS NULL, name`

// cohortRow is one row of cohortQuery.
type cohortRow struct {
	Response
	OwnerID *int64 `db:"owner_id"`
	Name    string `db:"name"`
	Total   bool   `db:"total"`
	Within  int    `db:"within"`
}

// TwoSided computes the two-sided SLA of period p and its trend. The KPI
// series come from d, the snapshot the overview shows, when it is p's and
// holds them; otherwise (d nil) they are computed now.
func (e *Engine) TwoSided(ctx context.Context, p Period, d *Dashboard) (TwoSided, error) {
	t := TwoSided{Period: p}
	for _, s := range []struct {
		key Key
		out *Series
	}{{MQLDelivered, &t.MQL}, {Acceptance, &t.Acceptance}, {Quality, &t.Quality}, {SpeedToLead, &t.Speed}} {
		if cached, ok := d.series(s.key, p); ok {
			*s.out = cached
			continue
		}
		series, err := e.Series(ctx, s.key, p.Kind, p.Start, TrendPeriods)
		if err != nil {
			return TwoSided{}, err
		}
		*s.out = series
	}
	counts, err := e.cachedSLACounts(ctx, p)
	if err != nil {
		return TwoSided{}, err
	}
	t.Response, t.Reps, t.Escalated, t.Reasons, t.Escalations =
		counts.Response, counts.Reps, counts.Escalated, counts.Reasons, counts.Escalations
	return t, nil
}

// cachedSLACounts is slaCounts, from memory once CacheOverview was called
// (dropped by migration 30's "leads" triggers, and at most a TTL behind the
// clock, which moves deadlines).
func (e *Engine) cachedSLACounts(ctx context.Context, p Period) (TwoSided, error) {
	if e.lists == nil {
		return e.slaCounts(ctx, p)
	}
	return e.lists.sla.Get(ctx, p, func(ctx context.Context) (TwoSided, error) { return e.slaCounts(ctx, p) })
}

// slaCounts counts what TwoSided reads from the leads themselves: the
// cohort of p per rep, the escalations and the rejection reasons. Only
// those fields of the result are set.
func (e *Engine) slaCounts(ctx context.Context, p Period) (TwoSided, error) {
	var t TwoSided
	periods := p.Trailing(TrendPeriods)
	starts := make([]time.Time, len(periods))
	ends := make([]time.Time, len(periods))
	for i, q := range periods {
		starts[i], ends[i] = q.Start, q.End
	}
	now := e.now()
	cohortRows, err := db.QueryAll[cohortRow](ctx, e.pool, cohortQuery, p.Start, p.End, now)
	if err != nil {
		return TwoSided{}, fmt.Errorf("sla cohort: %w", err)
	}
	for _, c := range cohortRows {
		if c.Total {
			t.Response = c.Response
			continue
		}
		t.Reps = append(t.Reps, RepFollowUp{OwnerID: c.OwnerID, Name: c.Name, HandedOff: c.HandedOff, Within: c.Within,
			Breaches: c.Breaches, Median: c.Median})
	}
	rows, err := e.pool.Query(ctx, `
		SELECT count(ea.lead_id)::int FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(s, e, i)
		LEFT JOIN lead_escalations ea ON ea.fired_at >= p.s AND ea.fired_at < p.e
		GROUP BY p.i ORDER BY p.i`, starts, ends)
	if err == nil {
		t.Escalated, err = pgx.CollectRows(rows, pgx.RowTo[int])
	}
	if err != nil {
		return TwoSided{}, fmt.Errorf("sla escalation trend: %w", err)
	}
	if t.Reasons, err = db.QueryAll[ReasonCount](ctx, e.pool, `
		SELECT coalesce(rejection_reason, 'other') AS reason, count(*) AS n FROM leads
		WHERE rejected_at >= $1 AND rejected_at < $2 GROUP BY 1 ORDER BY 2 DESC, 1`, p.Start, p.End); err != nil {
		return TwoSided{}, fmt.Errorf("sla reasons: %w", err)
	}
	if t.Escalations, err = db.QueryAll[EscalationCount](ctx, e.pool, `
		SELECT action, count(*) AS n FROM lead_escalations
		WHERE fired_at >= $1 AND fired_at < $2 GROUP BY action ORDER BY min(percent), action`, p.Start, p.End); err != nil {
		return TwoSided{}, fmt.Errorf("sla escalations: %w", err)
	}
	return t, nil
}

// series is key's series from the dashboard when it covers the trend
// ending with p and was computed.
func (d *Dashboard) series(key Key, p Period) (Series, bool) {
	if d == nil || d.Period.Kind != p.Kind || !d.Period.Start.Equal(p.Start) {
		return Series{}, false
	}
	for _, s := range d.KPIs {
		if s.Key == key && !s.Failed && len(s.Values) == TrendPeriods {
			return s, true
		}
	}
	return Series{}, false
}

// SLAShow names a set of leads behind a number of the /sla page.
type SLAShow string

// The drill-downs of the /sla page.
const (
	ShowMQL       SLAShow = "mql"
	ShowAccepted  SLAShow = "accepted"
	ShowRejected  SLAShow = "rejected" // with a reason: "rejected:not_icp"
	ShowRated     SLAShow = "rated"
	ShowHandedOff SLAShow = "handed_off"
	ShowWithin5m  SLAShow = "within_5m"
	ShowWithin1h  SLAShow = "within_1h"
	ShowWithin24h SLAShow = "within_24h"
	ShowLater     SLAShow = "later"
	ShowNever     SLAShow = "never"
	ShowInSLA     SLAShow = "in_sla"
	ShowBreached  SLAShow = "breached" // with an owner: "breached:12", "breached:none"
	ShowEscalated SLAShow = "escalations"
)

// ErrUnknownShow refuses a drill-down the page does not offer.
var ErrUnknownShow = errors.New("kpi: unknown drill-down")

// cohort is the leads handed off in the period $1–$2.
const cohort = `l.handed_off_at >= $1 AND l.handed_off_at < $2`

const slaLeadDetail = `CASE WHEN l.first_touch_at IS NULL THEN 'no first touch'
	ELSE round(l.response_seconds / 3600.0, 1) || ' h to first touch' END`

// SLARows lists the leads behind one number of the /sla page for period
// p, at most limit of them (0: all), with the conditions of the number.
func (e *Engine) SLARows(ctx context.Context, p Period, show SLAShow, limit int) ([]Row, error) {
	name, arg, _ := strings.Cut(string(show), ":")
	args := []any{p.Start, p.End}
	var q string
	leadRows := func(detail, at, where string) string {
		return `SELECT l.id, 'lead' AS kind, l.company AS title, ` + detail + ` AS detail, ` + at + ` AS at,
			true AS counts, 1::float8 AS weight FROM leads l WHERE ` + where + ` ORDER BY 5, l.id`
	}
	switch SLAShow(name) {
	case ShowMQL:
		q = leadRows(`l.stage`, `l.mql_at`, `l.mql_at >= $1 AND l.mql_at < $2`)
	case ShowAccepted:
		q = leadRows(`coalesce('rated ' || l.quality_rating || '/5', 'not rated')`, `l.accepted_at`, `l.accepted_at >= $1 AND l.accepted_at < $2`)
	case ShowRejected:
		where := `l.rejected_at >= $1 AND l.rejected_at < $2`
		if arg != "" {
			if !leads.Reason(arg).Valid() {
				return nil, ErrUnknownShow
			}
			where += ` AND coalesce(l.rejection_reason, 'other') = $3`
			args = append(args, arg)
		}
		q = leadRows(`coalesce(l.rejection_reason, 'other')`, `l.rejected_at`, where)
	case ShowRated:
		q = `SELECT l.id, 'lead' AS kind, l.company AS title, 'rated ' || l.quality_rating || '/5' AS detail,
			coalesce(l.accepted_at, l.rejected_at) AS at, true AS counts, l.quality_rating::float8 AS weight
			FROM leads l WHERE l.quality_rating IS NOT NULL
			  AND ((l.accepted_at >= $1 AND l.accepted_at < $2) OR (l.rejected_at >= $1 AND l.rejected_at < $2))
			ORDER BY 5, l.id`
	case ShowHandedOff:
		q = leadRows(slaLeadDetail, `l.handed_off_at`, cohort)
	case ShowWithin5m, ShowWithin1h, ShowWithin24h, ShowLater, ShowNever:
		cond := map[SLAShow]string{ShowWithin5m: bucket5m, ShowWithin1h: bucket1h, ShowWithin24h: bucket24h,
			ShowLater: bucketLater, ShowNever: bucketNever}[SLAShow(name)]
		q = leadRows(slaLeadDetail, `l.handed_off_at`, cohort+` AND `+cond)
	case ShowInSLA:
		q = leadRows(slaLeadDetail, `l.handed_off_at`, cohort+` AND l.first_touch_at <= l.sla_due_at`)
	case ShowBreached:
		args = append(args, e.now())
		where := cohort + ` AND ` + missed
		switch arg {
		case "":
		case "none":
			where += ` AND l.owner_id IS NULL`
		default:
			id, err := strconv.ParseInt(arg, 10, 64)
			if err != nil || id <= 0 {
				return nil, ErrUnknownShow
			}
			where += ` AND l.owner_id = $4`
			args = append(args, id)
		}
		q = leadRows(slaLeadDetail, `l.handed_off_at`, where)
	case ShowEscalated:
		q = `SELECT l.id, 'lead' AS kind, l.company AS title,
			ea.percent || ' %: ' || replace(ea.action, '_', ' ') || CASE WHEN ea.outcome <> '' THEN ' (' || ea.outcome || ')' ELSE '' END AS detail,
			ea.fired_at AS at, true AS counts, 1::float8 AS weight
			FROM lead_escalations ea JOIN leads l ON l.id = ea.lead_id
			WHERE ea.fired_at >= $1 AND ea.fired_at < $2 ORDER BY 5, l.id, ea.percent`
	default:
		return nil, ErrUnknownShow
	}
	if arg != "" && SLAShow(name) != ShowRejected && SLAShow(name) != ShowBreached {
		return nil, ErrUnknownShow
	}
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := e.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sla rows %s: %w", show, err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Row])
	for i := range list {
		list[i].Detail = readable(list[i].Kind, list[i].Detail)
		if r := leads.Reason(list[i].Detail); SLAShow(name) == ShowRejected && r.Valid() {
			list[i].Detail = r.Label()
		}
	}
	return list, err
}
