package feedback

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// TrendMonths is how many months the trends page covers.
const TrendMonths = 12

// ThemeTrend is one theme's item count per month.
type ThemeTrend struct {
	ThemeID int64
	Theme   string
	Counts  []int // one per month of Trends.Months
	Total   int
}

// LinkSplit is how the feedback on one link of the chain felt.
type LinkSplit struct {
	Link     ChainLink `db:"chain_link"`
	Negative int       `db:"negative"`
	Neutral  int       `db:"neutral"`
	Positive int       `db:"positive"`
}

// Total is the link's item count.
func (l LinkSplit) Total() int { return l.Negative + l.Neutral + l.Positive }

// Trends is feedback per theme per month and per link of the chain, over
// the last TrendMonths calendar months (the current one included) in the
// business timezone. Merged items are not counted again.
type Trends struct {
	Months []time.Time // first day of each month, oldest first
	Themes []ThemeTrend
	Links  []LinkSplit // in chain order
	Max    int         // largest monthly count of any theme
}

// MonthStarts returns the first instants of the n calendar months up to
// and including now's, in loc, oldest first, plus the start of the next one.
func MonthStarts(now time.Time, n int, loc *time.Location) []time.Time {
	now = now.In(loc)
	first := time.Date(now.Year(), now.Month()-time.Month(n-1), 1, 0, 0, 0, 0, loc)
	out := make([]time.Time, n+1)
	for i := range out {
		out[i] = first.AddDate(0, i, 0)
	}
	return out
}

// Trends counts items per theme per month and per link per sentiment.
func (s *Store) Trends(ctx context.Context) (Trends, error) {
	starts := MonthStarts(s.now(), TrendMonths, s.loc)
	if s.trends != nil {
		return s.trends.Get(ctx, starts[0].Unix(), func(ctx context.Context) (Trends, error) { return s.storedTrends(ctx, starts) })
	}
	return s.storedTrends(ctx, starts)
}

func (s *Store) storedTrends(ctx context.Context, starts []time.Time) (Trends, error) {
	from, to := starts[0], starts[TrendMonths]
	tr := Trends{Months: starts[:TrendMonths]}

	type cell struct {
		ThemeID int64     `db:"theme_id"`
		Theme   string    `db:"theme"`
		Month   time.Time `db:"month"`
		N       int       `db:"n"`
	}
	rows, err := s.pool.Query(ctx, `
		SELECT f.theme_id, t.name AS theme, date_trunc('month', f.created_at, $3) AS month, count(*)::int AS n
		FROM feedback_items f JOIN feedback_themes t ON t.id = f.theme_id
		WHERE f.merged_into IS NULL AND f.created_at >= $1 AND f.created_at < $2
		GROUP BY 1, 2, 3 ORDER BY lower(t.name), 1, 3`, from, to, s.loc.String())
	if err != nil {
		return tr, err
	}
	cells, err := pgx.CollectRows(rows, pgx.RowToStructByName[cell])
	if err != nil {
		return tr, err
	}
	index := map[int64]int{}
	for _, c := range cells {
		i, ok := index[c.ThemeID]
		if !ok {
			i = len(tr.Themes)
			index[c.ThemeID] = i
			tr.Themes = append(tr.Themes, ThemeTrend{ThemeID: c.ThemeID, Theme: c.Theme, Counts: make([]int, TrendMonths)})
		}
		m := monthIndex(tr.Months, c.Month)
		if m < 0 {
			continue
		}
		t := &tr.Themes[i]
		t.Counts[m] += c.N
		t.Total += c.N
		tr.Max = max(tr.Max, t.Counts[m])
	}

	rows, err = s.pool.Query(ctx, `
		SELECT chain_link, count(*) FILTER (WHERE sentiment = 'negative')::int AS negative,
		       count(*) FILTER (WHERE sentiment = 'neutral')::int AS neutral,
		       count(*) FILTER (WHERE sentiment = 'positive')::int AS positive
		FROM feedback_items
		WHERE merged_into IS NULL AND created_at >= $1 AND created_at < $2
		GROUP BY chain_link`, from, to)
	if err != nil {
		return tr, err
	}
	splits, err := pgx.CollectRows(rows, pgx.RowToStructByName[LinkSplit])
	if err != nil {
		return tr, err
	}
	for _, l := range ChainLinks {
		split := LinkSplit{Link: l}
		for _, s := range splits {
			if s.Link == l {
				split = s
			}
		}
		tr.Links = append(tr.Links, split)
	}
	return tr, nil
}

// monthIndex finds the month that starts at t (compared as instants).
func monthIndex(months []time.Time, t time.Time) int {
	for i, m := range months {
		if m.Equal(t) {
			return i
		}
	}
	return -1
}
