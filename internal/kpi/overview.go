package kpi

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/cache"
)

// Launch is an upcoming campaign with its readiness so far.
type Launch struct {
	ID         int64     `db:"id"`
	Name       string    `db:"name"`
	LaunchOn   time.Time `db:"launch_on"`
	Announced  bool      `db:"announced"`
	LateNotice bool      `db:"late_notice"`
	Acked      int       `db:"acked"`
	Eligible   int       `db:"eligible"`
}

// Launches lists campaigns launching from today through the next days
// (business timezone), with their readiness so far: Acked is how many of
// the Eligible people are ready, by the definition the campaign page uses.
func (e *Engine) Launches(ctx context.Context, days int) ([]Launch, error) {
	now := e.now()
	from := now.In(e.loc)
	load := func(ctx context.Context) (dated[[]Launch], error) {
		list, err := e.launches(ctx, from, from.AddDate(0, 0, days), now, 20)
		return dated[[]Launch]{from.Format(time.DateOnly), list}, err
	}
	if e.lists == nil {
		got, err := load(ctx)
		return got.value, err
	}
	got, err := e.lists.launches.Get(ctx, days, load)
	if err == nil && got.day != from.Format(time.DateOnly) {
		e.lists.launches.Drop(days) // kept from yesterday
		got, err = e.lists.launches.Get(ctx, days, load)
	}
	return got.value, err
}

// dated is a list as of a calendar day of the business timezone.
type dated[T any] struct {
	day   string
	value T
}

// overviewLists holds the overview's lists in memory; readiness (the
// costliest: campaign_audience for every launch) is read once per change
// rather than per page. Callers must not modify what they get.
type overviewLists struct {
	launches *cache.Map[int, dated[[]Launch]]
	wins     *cache.Map[int, []Win]
	// todos are counts over the live tables: dropped on any write to them
	// ("todos" triggers), and otherwise at most a TTL behind the clock
	// (a follow-up deadline passing changes a count without a write).
	todos *cache.Map[todoKey, []Todo]
	// sla is the two-sided SLA page's counts by period (slaCounts).
	sla *cache.Map[Period, TwoSided]
}

// OverviewCacheStats is how often the overview's lists came from memory,
// and how often they were read from the tables.
func (e *Engine) OverviewCacheStats() (hits, misses uint64) {
	if e.lists == nil {
		return 0, 0
	}
	return cache.Sum(e.lists.launches, e.lists.wins, e.lists.todos, e.lists.sla)
}

// CacheOverview keeps the upcoming launches, the recent wins, the to-dos
// and the two-sided SLA's counts in memory for up to ttl, dropped when the
// bus reports a change to what they are made of (migration 28's "overview"
// and "todos" triggers, migration 30's "leads" ones).
func (e *Engine) CacheOverview(bus *cache.Bus, ttl time.Duration) {
	e.lists = &overviewLists{
		launches: cache.NewMap[int, dated[[]Launch]](bus, "overview", ttl, 16, cache.NoRows[int]).RefreshAhead(),
		wins:     cache.NewMap[int, []Win](bus, "overview", ttl, 16, cache.NoRows[int]).RefreshAhead(),
		todos:    cache.NewMap[todoKey, []Todo](bus, "todos", ttl, 10_000, cache.NoRows[todoKey]).RefreshAhead(),
		sla:      cache.NewMap[Period, TwoSided](bus, "leads", ttl, 64, cache.NoRows[Period]).RefreshAhead(),
	}
}

// launches lists the campaigns launching on the calendar days of [from, to)
// in the business timezone, each fact as of asOf: announced and late notice
// only if the announcement came before it (a digest frozen at its cut-off
// shows a campaign announced later as the draft it then was), readiness by
// campaign_audience (migration 000011).
func (e *Engine) launches(ctx context.Context, from, to, asOf time.Time, limit int) ([]Launch, error) {
	rows, err := e.pool.Query(ctx, `
		SELECT c.id, c.name, c.launch_on::timestamp AS launch_on, coalesce(c.announced_at < $3, false) AS announced,
		       c.late_notice AND coalesce(c.announced_at < $3, false) AS late_notice,
		       (SELECT count(*) FILTER (WHERE a.ready) FROM campaign_audience(c.id, $3, $4) a)::int AS acked,
		       (SELECT count(*) FROM campaign_audience(c.id, $3, $4) a)::int AS eligible
		FROM campaigns c
		WHERE c.launch_on >= $1::date AND c.launch_on < $2::date
		ORDER BY c.launch_on, c.id LIMIT $5`,
		from.In(e.loc).Format("2006-01-02"), to.In(e.loc).Format("2006-01-02"), asOf, e.loc.String(), limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Launch])
}

// Win is a won deal with the campaign that sourced it.
type Win struct {
	LeadID     int64     `db:"lead_id"`
	Company    string    `db:"company"`
	Value      float64   `db:"value"`
	WonAt      time.Time `db:"won_at"`
	Rep        string    `db:"rep"`
	CampaignID *int64    `db:"campaign_id"`
	Campaign   string    `db:"campaign"`
}

// RecentWins returns the latest won deals, newest first.
func (e *Engine) RecentWins(ctx context.Context, limit int) ([]Win, error) {
	if e.lists == nil {
		return e.Wins(ctx, time.Time{}, e.now(), limit)
	}
	return e.lists.wins.Get(ctx, limit, func(ctx context.Context) ([]Win, error) { return e.Wins(ctx, time.Time{}, e.now(), limit) })
}

// Wins returns deals won in [from, to), newest first (limit 0: all).
func (e *Engine) Wins(ctx context.Context, from, to time.Time, limit int) ([]Win, error) {
	if limit <= 0 {
		limit = 100000
	}
	rows, err := e.pool.Query(ctx, `
		SELECT l.id AS lead_id, l.company, coalesce(l.deal_value, 0)::float8 AS value, l.won_at, coalesce(u.name, '') AS rep,
		       l.source_campaign_id AS campaign_id, coalesce(c.name, '') AS campaign
		FROM leads l LEFT JOIN users u ON u.id = l.owner_id LEFT JOIN campaigns c ON c.id = l.source_campaign_id
		WHERE l.won_at >= $1 AND l.won_at < $2
		ORDER BY l.won_at DESC, l.id DESC LIMIT $3`, from, to, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Win])
}

// Todo is one of a team's to-dos on the overview.
type Todo struct {
	Title string
	Count int
	Link  string
}

// Todos counts the to-dos a lens brings to the top, for viewer (the
// viewer's own where the to-do is personal): one query per lens, both
// counts in it.
func (e *Engine) Todos(ctx context.Context, lens string, viewerID int64, viewerTeam string, salesManager bool) ([]Todo, error) {
	if e.lists == nil {
		return e.todos(ctx, lens, viewerID, viewerTeam, salesManager)
	}
	key := todoKey{lens, viewerID, viewerTeam, salesManager}
	return e.lists.todos.Get(ctx, key, func(ctx context.Context) ([]Todo, error) {
		return e.todos(ctx, lens, viewerID, viewerTeam, salesManager)
	})
}

// todoKey is whose to-dos, under which lens.
type todoKey struct {
	lens         string
	viewer       int64
	team         string
	salesManager bool
}

func (e *Engine) todos(ctx context.Context, lens string, viewerID int64, viewerTeam string, salesManager bool) ([]Todo, error) {
	now := e.now()
	counts := func(sql string, args ...any) (int, int, error) {
		var a, b int
		err := e.pool.QueryRow(ctx, sql, args...).Scan(&a, &b)
		return a, b, err
	}
	switch lens {
	case "sales":
		// A rep sees their own queue; anyone else sees the team's.
		mine := viewerTeam == "sales" && !salesManager
		awaiting, untouched, err := counts(`SELECT
			(SELECT count(*) FROM leads WHERE stage = 'handed_off' AND ($1 = 0 OR owner_id = $1)),
			(SELECT count(*) FROM leads WHERE first_touch_at IS NULL AND stage IN ('handed_off', 'accepted')
			   AND sla_due_at < $2 AND ($1 = 0 OR owner_id = $1))`, pick(mine, viewerID), now)
		if err != nil {
			return nil, err
		}
		out := []Todo{{"Leads awaiting acceptance", awaiting, "/leads?stage=handed_off"},
			{"Leads past the SLA without a first touch", untouched, "/leads?sla=breached"}}
		if mine {
			out[0].Link, out[1].Link = "/leads/queue", "/leads/queue"
		}
		return out, nil
	case "marketing":
		rejected, toAnswer, err := counts(`SELECT
			(SELECT count(*) FROM leads WHERE stage = 'rejected' AND rejected_at >= $1),
			(SELECT count(*) FROM feedback_items WHERE status = 'new' AND merged_into IS NULL)`, now.Add(-7*24*time.Hour))
		if err != nil {
			return nil, err
		}
		return []Todo{{"Leads rejected in the last 7 days to review", rejected, "/leads/rejected?days=7"},
			{"Feedback waiting for an answer", toAnswer, "/feedback?status=new"}}, nil
	case "service":
		today := now.In(e.loc).Format("2006-01-02")
		notices, alerts, err := counts(`SELECT
			(SELECT count(*) FROM campaigns c WHERE c.status = 'announced' AND c.end_on >= $2::date
			   AND NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.campaign_id = c.id AND a.user_id = $1 AND a.revision = c.revision)),
			(SELECT count(*) FROM product_alerts p WHERE (p.until_on IS NULL OR p.until_on >= $2::date)
			   AND NOT EXISTS (SELECT 1 FROM alert_acks a WHERE a.alert_id = p.id AND a.user_id = $1))`, viewerID, today)
		if err != nil {
			return nil, err
		}
		// Acknowledging is personal: these count what the viewer has not
		// acknowledged, and their titles say so.
		return []Todo{{"Campaign notices you have not acknowledged", notices, "/campaigns"},
			{"Product alerts you have not acknowledged", alerts, "/alerts"}}, nil
	}
	return nil, nil
}

func pick(cond bool, id int64) int64 {
	if cond {
		return id
	}
	return 0
}
