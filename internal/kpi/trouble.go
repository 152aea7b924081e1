package kpi

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/format"
	"tandem/internal/settings"
)

// Sign is one trouble sign that is showing now.
type Sign struct {
	Key     string
	Title   string
	Detail  string
	Link    string // the rows behind it
	Count   int
	Subject string // the team whose to-do it is: sales, marketing, service or "" for everyone
}

// Trouble evaluates the trouble signs of PRODUCT.md at now and returns the
// ones showing, in this order. Choices behind each rule are in docs/kpis.md.
func (e *Engine) Trouble(ctx context.Context) ([]Sign, error) {
	now := e.now()
	st, err := settings.Load(ctx, e.pool)
	if err != nil {
		return nil, err
	}
	var signs []Sign
	for _, sign := range []func(context.Context, time.Time, settings.Settings) ([]Sign, error){
		e.slaSign, e.readinessSigns, e.feedbackSign, e.rejectionSign, e.volumeSign, e.oneSidedSign,
	} {
		got, err := sign(ctx, now, st)
		if err != nil {
			return nil, err
		}
		signs = append(signs, got...)
	}
	return signs, nil
}

// slaSign: handed-off leads with no first touch past the follow-up SLA.
func (e *Engine) slaSign(ctx context.Context, now time.Time, st settings.Settings) ([]Sign, error) {
	var breached int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM leads WHERE first_touch_at IS NULL
		AND stage IN ('handed_off', 'accepted') AND sla_due_at < $1`, now).Scan(&breached); err != nil {
		return nil, err
	}
	if breached == 0 {
		return nil, nil
	}
	return []Sign{{Key: "sla", Count: breached, Subject: "sales", Link: "/leads?sla=breached",
		Title:  format.Count(breached, "lead") + " past the follow-up SLA",
		Detail: "Handed off, past the follow-up deadline, with no first touch."}}, nil
}

// readinessSigns: campaigns launching within notice_days whose readiness
// is under target.
func (e *Engine) readinessSigns(ctx context.Context, now time.Time, st settings.Settings) ([]Sign, error) {
	target, err := e.Current(ctx, Readiness, Week)
	if err != nil {
		return nil, err
	}
	rows, err := e.pool.Query(ctx, `
		SELECT c.id, c.name, c.launch_on::text AS launch_on, x.acked, x.eligible
		FROM campaigns c
		CROSS JOIN LATERAL (
			SELECT count(*) FILTER (WHERE a.ready) AS acked, count(*) AS eligible FROM campaign_audience(c.id, $3, $4) a
		) x
		WHERE c.launch_on >= $1::date AND c.launch_on <= $1::date + $2::int
		ORDER BY c.launch_on, c.id`, now.In(e.loc).Format("2006-01-02"), st.NoticeDays, now, e.loc.String())
	if err != nil {
		return nil, err
	}
	type launchRow struct {
		ID       int64  `db:"id"`
		Name     string `db:"name"`
		LaunchOn string `db:"launch_on"`
		Acked    int    `db:"acked"`
		Eligible int    `db:"eligible"`
	}
	launches, err := pgx.CollectRows(rows, pgx.RowToStructByName[launchRow])
	if err != nil || target == nil {
		return nil, err
	}
	var signs []Sign
	for _, l := range launches {
		share := 0.0
		if l.Eligible > 0 {
			share = float64(l.Acked) / float64(l.Eligible)
		}
		// Judged as shown, like every KPI: "90 % ready" is never under a 90 % target.
		if Shown(Percent, share) < Shown(Percent, *target) {
			signs = append(signs, Sign{Key: "readiness", Count: l.Eligible - l.Acked, Subject: "service",
				Link:   fmt.Sprintf("/campaigns/%d", l.ID),
				Title:  fmt.Sprintf("%s launches %s with %s ready", l.Name, launchDay(l.LaunchOn), format.Percent(share)),
				Detail: fmt.Sprintf("%d of %d sales and service people have acknowledged the notice; the target is %s.", l.Acked, l.Eligible, format.Percent(*target))})
		}
	}
	return signs, nil
}

// feedbackSign: feedback not acknowledged by marketing in time.
func (e *Engine) feedbackSign(ctx context.Context, now time.Time, _ settings.Settings) ([]Sign, error) {
	var waiting int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM feedback_items
		WHERE acknowledged_at IS NULL AND merged_into IS NULL AND ack_due_at < $1`, now).Scan(&waiting); err != nil {
		return nil, err
	}
	if waiting == 0 {
		return nil, nil
	}
	return []Sign{{Key: "feedback", Count: waiting, Subject: "marketing", Link: "/feedback?waiting=1",
		Title:  format.Count(waiting, "feedback item") + " waiting over 2 business days",
		Detail: "Logged by sales or service and not yet acknowledged by marketing."}}, nil
}

// rejectionSign: this week's rejection rate over 1.5 × its trailing
// 8-week mean.
func (e *Engine) rejectionSign(ctx context.Context, now time.Time, st settings.Settings) ([]Sign, error) {
	weeks := PeriodOf(Week, now, e.loc).Trailing(9) // 8 full weeks before this one, then this one
	rej, err := e.raw(ctx, Acceptance, weeks)
	if err != nil {
		return nil, err
	}
	rate := func(r rawRow) (float64, bool) {
		if r.Den == 0 {
			return 0, false
		}
		return (r.Den - r.Num) / r.Den, true
	}
	var sum float64
	var n int
	for _, r := range rej[:8] {
		if v, ok := rate(r); ok {
			sum += v
			n++
		}
	}
	cur, ok := rate(rej[8])
	if !ok || n == 0 || cur <= 1.5*(sum/float64(n)) {
		return nil, nil
	}
	return []Sign{{Key: "rejections", Subject: "marketing", Count: int(rej[8].Den - rej[8].Num),
		Link:   "/leads/rejected",
		Title:  fmt.Sprintf("Rejection rate this week is %s", format.Percent(cur)),
		Detail: fmt.Sprintf("Over 1.5 × its trailing 8-week mean of %s.", format.Percent(sum/float64(n)))}}, nil
}

// volumeSign: new-lead volume this week so far under 0.7 × the same share
// of the trailing 8 weeks' mean, so a Monday morning is not an alarm.
func (e *Engine) volumeSign(ctx context.Context, now time.Time, _ settings.Settings) ([]Sign, error) {
	week := PeriodOf(Week, now, e.loc)
	weeks := week.Trailing(9)
	var thisWeek int
	var trailing float64
	elapsed := now.Sub(week.Start).Seconds() / week.End.Sub(week.Start).Seconds()
	if err := e.pool.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE created_at >= $2),
		count(*) FILTER (WHERE created_at < $2)::float8 / 8
		FROM leads WHERE created_at >= $1 AND created_at < $3`, weeks[0].Start, week.Start, now).Scan(&thisWeek, &trailing); err != nil {
		return nil, err
	}
	expected := trailing * elapsed
	if trailing <= 0 || elapsed <= 0 || float64(thisWeek) >= 0.7*expected {
		return nil, nil
	}
	return []Sign{{Key: "volume", Subject: "marketing", Count: thisWeek,
		Link:   "/leads?created_from=" + week.Start.Format("2006-01-02"),
		Title:  fmt.Sprintf("Only %s this week", format.Count(thisWeek, "new lead")),
		Detail: fmt.Sprintf("Under 0.7 × the trailing 8-week pace (%.0f expected by now).", expected)}}, nil
}

// oneSidedSign: one side doing all the talking on notices in the last 30
// days.
func (e *Engine) oneSidedSign(ctx context.Context, now time.Time, _ settings.Settings) ([]Sign, error) {
	var fromMarketing, fromField int
	if err := e.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE team = 'marketing'), count(*) FILTER (WHERE team <> 'marketing')
		FROM (
			SELECT author_team AS team FROM campaign_comments WHERE created_at >= $1
			UNION ALL
			SELECT reporter_team FROM feedback_items WHERE campaign_id IS NOT NULL AND created_at >= $1
		) talk`, now.Add(-30*24*time.Hour)).Scan(&fromMarketing, &fromField); err != nil {
		return nil, err
	}
	total := fromMarketing + fromField
	if total < 3 || fromMarketing != 0 && fromField != 0 {
		return nil, nil
	}
	side, quiet := "marketing", "sales and service"
	if fromMarketing == 0 {
		side, quiet = "sales and service", "marketing"
	}
	return []Sign{{Key: "one-sided", Count: total, Link: "/campaigns",
		Title:  "Only " + side + " are talking about campaign notices",
		Detail: fmt.Sprintf("All %d questions and feedback on notices in the last 30 days came from %s; none from %s.", total, side, quiet)}}, nil
}

// launchDay writes a launch date (YYYY-MM-DD) the way the pages write days.
func launchDay(iso string) string {
	d, err := time.Parse("2006-01-02", iso)
	if err != nil {
		return iso
	}
	return d.Format("Mon 2 Jan 2006")
}
