package digest

import (
	"context"
	"fmt"
	"math"
	"tandem/internal/settings"
	"tandem/internal/sla"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"tandem/internal/kpi"
	"tandem/internal/refusal"
)

// noDigestHere is what a digest page for no week says: the same as any
// address with nothing at it.
const noDigestHere = "There is nothing at this address. It may have moved, or the link may be mistyped."

// Refusals callers branch on: a label that is not an ISO week like
// 2026-W47, and a week that has not started yet, have no digest.
var (
	ErrBadWeek    = refusal.Missing(noDigestHere)
	ErrFutureWeek = refusal.Missing(noDigestHere)
)

const (
	maxWins     = 50  // wins listed; the count and value cover all of them
	maxResponse = 300 // characters of a feedback response quoted
	launchDays  = 14  // launches shown: the two weeks after the digest's week
)

// ParseWeek reads a week label like 2026-W47 (business timezone).
func (s *Service) ParseWeek(label string) (kpi.Period, error) {
	p, err := kpi.ParsePeriod(label, s.loc)
	if err != nil || p.Kind != kpi.Week {
		return kpi.Period{}, ErrBadWeek
	}
	return p, nil
}

// Compose computes the digest of week from the live data, with one
// cut-off for every number: the end of the week, or now while the week is
// still running. It stores nothing: Archive freezes it.
//
// The cut-off matters for weeks composed after they ended (the schedule on
// Monday morning, an operator catching up): wins, revenue, feedback and
// the KPIs are cut at the week's end, and the KPI engine is pinned to that
// moment, so "this week" in the trouble signs is the digest's week, not the
// few hours of the next one, and launch readiness counts no
// acknowledgement made after it. Last week's values, for the direction
// arrows, are the ones its archived digest showed when there is one, so
// two consecutive mails never disagree about a week.
func (s *Service) Compose(ctx context.Context, week kpi.Period) (Digest, error) {
	now := s.now()
	if !week.Start.Before(now) {
		return Digest{}, ErrFutureWeek
	}
	end := week.End // counted up to, exclusive
	if now.Before(end) {
		end = now
	}
	at := end.Add(-time.Nanosecond) // the last instant counted: still inside the week
	eng := s.kpi.At(at)

	d := Digest{Format: bodyFormat, Week: week.Label(), Title: week.Title(), From: week.Start, To: week.End,
		AsOf: end, Timezone: s.loc.String()}
	st, err := settings.Load(ctx, s.pool)
	if err != nil {
		return Digest{}, fmt.Errorf("digest settings: %w", err)
	}
	d.Currency = st.Currency

	// Customer wins and marketing's contribution.
	wins, err := eng.Wins(ctx, week.Start, end, 0)
	if err != nil {
		return Digest{}, fmt.Errorf("digest wins: %w", err)
	}
	d.WinCount = len(wins)
	for i, w := range wins {
		if i == maxWins {
			break
		}
		win := Win{LeadID: w.LeadID, Company: w.Company, Value: w.Value, WonAt: w.WonAt, Rep: w.Rep, Campaign: w.Campaign}
		if w.CampaignID != nil {
			win.CampaignID = *w.CampaignID
		}
		d.Wins = append(d.Wins, win)
	}
	if d.WonValue, d.CampaignValue, err = eng.WonBetween(ctx, week.Start, end); err != nil {
		return Digest{}, fmt.Errorf("digest won value: %w", err)
	}
	if d.WonValue > 0 {
		d.CampaignShare = ptr(d.CampaignValue / d.WonValue)
	}

	if d.Revenue, err = s.revenue(ctx, eng, at, end); err != nil {
		return Digest{}, err
	}

	// The KPI table: the alignment index first, then every KPI, each with
	// last week's value for the direction arrow.
	dash, err := eng.Dashboard(ctx, kpi.Week, at)
	if err != nil {
		return Digest{}, fmt.Errorf("digest kpis: %w", err)
	}
	running := end.Before(week.End)
	for _, sr := range append([]kpi.Series{dash.Alignment}, dash.KPIs...) {
		cur, prev := sr.Current(), sr.Previous()
		k := KPI{Key: string(sr.Key), Name: sr.Name, Unit: sr.Unit, Value: cur.Value, Previous: prev.Value, Target: cur.Target}
		// The engine is pinned a nanosecond inside the week, so it paces an
		// ended week too (by a share a hair under 1): an ended week is
		// judged on its full target.
		against := k.Target
		if running && cur.Pace != nil {
			k.Pace, k.Elapsed, against = cur.Pace, cur.Elapsed, cur.Pace
		}
		k.Attainment = kpi.Attainment(sr.Unit, k.Value, against)
		d.KPIs = append(d.KPIs, k)
	}
	prev, err := s.Entry(ctx, week.Prev().Label())
	if err != nil {
		return Digest{}, fmt.Errorf("digest previous week: %w", err)
	}
	if a := prev.Archived; a != nil {
		d.PreviousArchived = true
		was := map[string]*float64{}
		for _, k := range a.KPIs {
			was[k.Key] = k.Value
		}
		for i := range d.KPIs {
			d.KPIs[i].Previous = was[d.KPIs[i].Key] // a KPI the archive lacks had no value then
		}
	}

	if d.SLA, err = s.slaSides(ctx, eng, week, &dash); err != nil {
		return Digest{}, err
	}

	// Launches in the two weeks after this one, with their readiness as of
	// the cut-off (the engine is pinned to it).
	y, m, dd := week.End.Date()
	d.LaunchFrom, d.LaunchTo = week.End, time.Date(y, m, dd+launchDays, 0, 0, 0, 0, s.loc)
	launches, err := eng.LaunchesBetween(ctx, d.LaunchFrom, d.LaunchTo)
	if err != nil {
		return Digest{}, fmt.Errorf("digest launches: %w", err)
	}
	for _, l := range launches {
		dl := Launch{CampaignID: l.ID, Name: l.Name, LaunchOn: l.LaunchOn.Format("2006-01-02"), Announced: l.Announced,
			LateNotice: l.LateNotice, Acked: l.Acked, Eligible: l.Eligible}
		if l.Announced && l.Eligible > 0 {
			dl.Readiness = ptr(float64(l.Acked) / float64(l.Eligible))
		}
		d.Launches = append(d.Launches, dl)
	}
	if d.ReadinessTarget, err = eng.Current(ctx, kpi.Readiness, kpi.Week); err != nil {
		return Digest{}, fmt.Errorf("digest readiness target: %w", err)
	}

	if d.Feedback, err = s.actedOn(ctx, week.Start, end); err != nil {
		return Digest{}, fmt.Errorf("digest feedback: %w", err)
	}

	signs, err := eng.Trouble(ctx)
	if err != nil {
		return Digest{}, fmt.Errorf("digest trouble signs: %w", err)
	}
	for _, sg := range signs {
		d.Trouble = append(d.Trouble, Sign{Title: sg.Title, Detail: sg.Detail, Link: sg.Link})
	}
	return d, nil
}

// slaSides is the week's two-sided SLA as of the engine's cut-off, the
// numbers the /sla page shows for the week.
func (s *Service) slaSides(ctx context.Context, eng *kpi.Engine, week kpi.Period, dash *kpi.Dashboard) (*SLASides, error) {
	t, err := eng.TwoSided(ctx, week, dash)
	if err != nil {
		return nil, fmt.Errorf("digest sla: %w", err)
	}
	policy, err := sla.Load(ctx, s.pool)
	if err != nil {
		return nil, fmt.Errorf("digest sla policy: %w", err)
	}
	mql, speed, resp := t.MQL.Current(), t.Speed.Current(), t.Response
	out := &SLASides{MQLs: int(mql.Numerator), Committed: mql.Target, Acceptance: t.Acceptance.Current().Value,
		Quality: t.Quality.Current().Value, InSLA: int(speed.Numerator), Due: int(speed.Denominator),
		Median: resp.Median, Breaches: resp.Breaches, Business: policy.Calendar.Mode == sla.Business}
	for _, e := range t.Escalations {
		out.Escalated += e.Count
	}
	return out, nil
}

// revenue is the quarter containing at, to date, against its goal. The
// goal is the one the KPI engine judges the quarter by (in force on the
// quarter's first day), so the digest and the KPI pages agree. The pace
// needed spreads what is missing over the weeks left, a part week counting
// as a week.
func (s *Service) revenue(ctx context.Context, eng *kpi.Engine, at, end time.Time) (Revenue, error) {
	q := kpi.PeriodOf(kpi.Quarter, at, s.loc)
	r := Revenue{Quarter: q.Title(), Through: end}
	var err error
	if r.Won, r.FromCampaigns, err = eng.WonBetween(ctx, q.Start, end); err != nil {
		return Revenue{}, fmt.Errorf("digest revenue: %w", err)
	}
	series, err := eng.Series(ctx, kpi.Revenue, kpi.Quarter, at, 1)
	if err != nil {
		return Revenue{}, fmt.Errorf("digest revenue goal: %w", err)
	}
	if cur := series.Current(); cur.Value != nil && cur.Denominator > 0 {
		r.Goal = ptr(cur.Denominator)
		r.Attainment = ptr(r.Won / cur.Denominator)
		r.Remaining = max(0, cur.Denominator-r.Won)
	}
	days := math.Round(q.End.Sub(end).Hours() / 24)
	r.WeeksLeft = int(math.Ceil(days / 7))
	if r.Goal != nil && r.WeeksLeft > 0 {
		r.PaceNeeded = ptr(r.Remaining / float64(r.WeeksLeft))
	}
	return r, nil
}

// actedOn lists feedback moved to "acted on" in [from, to); duplicates
// merged away are left out, as in the KPIs.
func (s *Service) actedOn(ctx context.Context, from, to time.Time) ([]Acted, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT f.id, f.customer, f.product, t.name AS theme, coalesce(u.name, '') AS reporter, f.response,
		       f.status_at AS acted_at
		FROM feedback_items f
		JOIN feedback_themes t ON t.id = f.theme_id
		LEFT JOIN users u ON u.id = f.reporter_id
		WHERE f.status = 'acted_on' AND f.merged_into IS NULL AND f.status_at >= $1 AND f.status_at < $2
		ORDER BY f.status_at, f.id LIMIT 50`, from, to)
	if err != nil {
		return nil, err
	}
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Acted])
	for i := range items {
		items[i].Response = clip(items[i].Response, maxResponse)
	}
	return items, err
}

// clip shortens s to at most n characters, ending with "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
