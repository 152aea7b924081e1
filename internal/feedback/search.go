package feedback

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/enum"
	"tandem/internal/users"
)

// Sort is the order of the list.
type Sort string

const (
	SortNewest    Sort = "newest"
	SortHeard     Sort = "heard"     // most +1s first
	SortWaiting   Sort = "waiting"   // open items that moved least recently first
	SortRelevance Sort = "relevance" // best search match first; only with a query
)

// Sorts lists the orders people choose from.
var Sorts = []Sort{SortNewest, SortHeard, SortWaiting, SortRelevance}

// Valid reports whether s is a known order.
func (s Sort) Valid() bool { return enum.Valid(Sorts, s) }

var sortLabels = enum.Labels[Sort]{
	SortNewest: "Newest first", SortHeard: "Most heard", SortWaiting: "Waiting longest",
	SortRelevance: "Best match",
}

// Label is the order as offered.
func (s Sort) Label() string { return sortLabels.Of(s) }

// StatusOpen is the Filter.Status that means new, acknowledged or planned.
const StatusOpen = "open"

// Filter narrows the list; zero values mean "any".
type Filter struct {
	Query     string // full text, web-search syntax: words, "phrases", -not, or
	Status    string // a Status, StatusOpen, or ""
	ThemeID   int64
	ChainLink ChainLink
	Sentiment Sentiment
	Product   string
	Team      users.Team // the reporter's team
	From, To  time.Time  // logged in [From, To); zero is open-ended
	Overdue   bool       // only items waiting too long for acknowledgement
	Sort      Sort
	Page      int // 1-based
}

// PageSize is how many items a page of the list shows.
const PageSize = 25

// where builds the conditions and arguments for f. It returns the
// placeholder of the search query ("" without one) for ranking.
func (f Filter) where(now time.Time) (cond string, args []any, query string) {
	conds := []string{"f.merged_into IS NULL"}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Query != "" {
		query = "websearch_to_tsquery('english', " + arg(f.Query) + ")"
		conds = append(conds, "f.search @@ "+query)
	}
	switch f.Status {
	case "":
	case StatusOpen:
		conds = append(conds, "f.status IN ('new', 'acknowledged', 'planned')")
	default:
		conds = append(conds, "f.status = "+arg(f.Status))
	}
	if f.ThemeID != 0 {
		conds = append(conds, "f.theme_id = "+arg(f.ThemeID))
	}
	if f.ChainLink != "" {
		conds = append(conds, "f.chain_link = "+arg(string(f.ChainLink)))
	}
	if f.Sentiment != "" {
		conds = append(conds, "f.sentiment = "+arg(string(f.Sentiment)))
	}
	if f.Product != "" {
		conds = append(conds, "lower(f.product) = lower("+arg(f.Product)+")")
	}
	if f.Team != "" {
		conds = append(conds, "f.reporter_team = "+arg(string(f.Team)))
	}
	if !f.From.IsZero() {
		conds = append(conds, "f.created_at >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		conds = append(conds, "f.created_at < "+arg(f.To))
	}
	if f.Overdue {
		conds = append(conds, "f.acknowledged_at IS NULL AND f.ack_due_at < "+arg(now))
	}
	return strings.Join(conds, " AND "), args, query
}

// orderBy is the ORDER BY for sort; query is the tsquery for ranking.
func orderBy(sort Sort, query string) string {
	switch {
	case sort == SortRelevance && query != "":
		return "ts_rank_cd(f.search, " + query + ") DESC, f.created_at DESC, f.id DESC"
	case sort == SortHeard:
		return "f.heard_count DESC, f.created_at DESC, f.id DESC"
	case sort == SortWaiting:
		return "f.status IN ('acted_on', 'declined'), f.status_at, f.id"
	}
	return "f.created_at DESC, f.id DESC"
}

// CountCap bounds how many matches List counts, so a broad search on a
// large history costs what a narrow one does: past it the count reads
// "more than CountCap".
const CountCap = 1000

// rankCap is how many of the newest matches a broad search ranks by
// relevance: enough for the first pages, cheap at any history size.
const rankCap = 200

// List returns one page of items matching f and the number of matches, at
// most CountCap+1 (meaning "more than CountCap"). Merged items are left
// out: they live on in the item they were merged into.
func (s *Store) List(ctx context.Context, f Filter) ([]Item, int, error) {
	f.Page = max(f.Page, 1)
	if s.pages != nil {
		l, err := s.pages.Get(ctx, f, func(ctx context.Context) (listed, error) {
			items, total, err := s.storedList(ctx, f)
			return listed{items, total}, err
		})
		return l.items, l.total, err
	}
	return s.storedList(ctx, f)
}

func (s *Store) storedList(ctx context.Context, f Filter) ([]Item, int, error) {
	cond, args, query := f.where(s.now())
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM feedback_items f WHERE `+cond+
		` LIMIT `+strconv.Itoa(CountCap+1)+`) x`, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if total == 0 {
		return nil, 0, nil
	}
	n := len(args)
	from := itemFrom
	if f.Sort == SortRelevance && query != "" && total > rankCap {
		// Rank the newest matches only; the outer WHERE repeats cond on them.
		from = strings.Replace(itemFrom, "feedback_items f", `(SELECT * FROM feedback_items f WHERE `+cond+
			` ORDER BY f.created_at DESC, f.id DESC LIMIT `+strconv.Itoa(rankCap)+`) f`, 1)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+itemColumns+from+` WHERE `+cond+`
		ORDER BY `+orderBy(f.Sort, query)+`
		LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2),
		slices.Concat(args, []any{PageSize, (f.Page - 1) * PageSize})...)
	if err != nil {
		return nil, 0, err
	}
	list, err := collectItems(rows)
	return list, total, err
}

// BoardColumn is one status on the board: its first cards and how many
// items it holds.
type BoardColumn struct {
	Status Status
	Items  []Item
	Total  int
}

// BoardSize is how many cards a board column shows.
const BoardSize = 12

// Board returns one column per status for the items matching f (its
// Status, Sort and Page are ignored). Open columns show the items waiting
// longest first; closed ones the most recently closed.
func (s *Store) Board(ctx context.Context, f Filter) ([]BoardColumn, error) {
	f.Status, f.Page = "", 1
	cond, args, _ := f.where(s.now())
	rows, err := s.pool.Query(ctx, `SELECT f.status, count(*)::int AS n FROM feedback_items f WHERE `+cond+` GROUP BY f.status`, args...)
	if err != nil {
		return nil, err
	}
	type count struct {
		Status Status `db:"status"`
		N      int    `db:"n"`
	}
	counts, err := pgx.CollectRows(rows, pgx.RowToStructByName[count])
	if err != nil {
		return nil, err
	}
	totals := map[Status]int{}
	for _, c := range counts {
		totals[c.Status] = c.N
	}

	cols := make([]BoardColumn, 0, len(Statuses))
	for _, st := range Statuses {
		col := BoardColumn{Status: st, Total: totals[st]}
		if col.Total > 0 {
			order := "f.status_at, f.id"
			if !st.Open() {
				order = "f.status_at DESC, f.id DESC"
			}
			n := len(args)
			rows, err := s.pool.Query(ctx, `SELECT `+itemColumns+itemFrom+` WHERE `+cond+` AND f.status = $`+strconv.Itoa(n+1)+`
				ORDER BY `+order+` LIMIT $`+strconv.Itoa(n+2), slices.Concat(args, []any{st, BoardSize})...)
			if err != nil {
				return nil, err
			}
			if col.Items, err = collectItems(rows); err != nil {
				return nil, err
			}
		}
		cols = append(cols, col)
	}
	return cols, nil
}
