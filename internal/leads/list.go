package leads

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/refusal"
)

// SLA filter values.
const (
	SLABreached = "breached" // clock open and past the deadline
	SLAOpen     = "open"     // clock open, still within the deadline
	SLAMet      = "met"      // first touch within the deadline
	SLAMissed   = "missed"   // first touch after the deadline
)

// Sort orders of the list.
const (
	SortCreated   = "created"    // newest first (default)
	SortHandedOff = "handed_off" // latest handoff first; handed-off leads only
	SortRejected  = "rejected"   // latest rejection first; rejected leads only
	SortCompany   = "company"    // A–Z
)

// Filter narrows and orders the lead list. Zero values mean "any".
type Filter struct {
	Stage       Stage
	OwnerID     int64
	Unassigned  bool
	CampaignID  int64
	Reason      Reason
	SLA         string
	CreatedFrom time.Time
	CreatedTo   time.Time // exclusive
	HandedFrom  time.Time
	HandedTo    time.Time // exclusive
	// RejectedFrom keeps leads rejected at or after it.
	RejectedFrom time.Time
	Query        string
	Sort         string
	// After is the opaque cursor of the last row of the previous page.
	After string
	Limit int
}

// where builds the filter's conditions and arguments; the stage condition is
// left out when withStage is false (for counts per stage).
func (f Filter) where(withStage bool) (string, []any) {
	conds := []string{"true"}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if withStage && f.Stage != "" {
		conds = append(conds, "l.stage = "+arg(f.Stage))
	}
	if f.OwnerID != 0 {
		conds = append(conds, "l.owner_id = "+arg(f.OwnerID))
	}
	if f.Unassigned {
		conds = append(conds, "l.owner_id IS NULL AND l.stage = 'handed_off'")
	}
	if f.CampaignID != 0 {
		conds = append(conds, "l.source_campaign_id = "+arg(f.CampaignID))
	}
	if f.Reason != "" {
		conds = append(conds, "l.rejection_reason = "+arg(f.Reason))
	}
	if f.SLA != "" {
		deadline := "l.sla_due_at"
		open := "l.first_touch_at IS NULL AND l.stage IN ('handed_off', 'accepted')"
		switch f.SLA {
		case SLABreached:
			conds = append(conds, open+" AND "+deadline+" < now()")
		case SLAOpen:
			conds = append(conds, open+" AND "+deadline+" >= now()")
		case SLAMet:
			conds = append(conds, "l.first_touch_at IS NOT NULL AND l.first_touch_at <= "+deadline)
		case SLAMissed:
			conds = append(conds, "l.first_touch_at > "+deadline)
		}
	}
	if !f.CreatedFrom.IsZero() {
		conds = append(conds, "l.created_at >= "+arg(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		conds = append(conds, "l.created_at < "+arg(f.CreatedTo))
	}
	if !f.HandedFrom.IsZero() {
		conds = append(conds, "l.handed_off_at >= "+arg(f.HandedFrom))
	}
	if !f.HandedTo.IsZero() {
		conds = append(conds, "l.handed_off_at < "+arg(f.HandedTo))
	}
	if !f.RejectedFrom.IsZero() {
		conds = append(conds, "l.rejected_at >= "+arg(f.RejectedFrom))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		conds = append(conds, "(l.company || ' ' || l.contact_name || ' ' || l.email) ILIKE "+arg("%"+escapeLike(q)+"%"))
	}
	return strings.Join(conds, " AND "), args
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// order returns the ORDER BY, the keyset condition builder, and the
// expression whose value the cursor carries.
func (f Filter) order() (orderBy, key, cmp string) {
	switch f.Sort {
	case SortCompany:
		return "lower(l.company), l.id", "lower(l.company)", ">"
	case SortHandedOff:
		return "l.handed_off_at DESC, l.id DESC", "l.handed_off_at", "<"
	case SortRejected:
		return "l.rejected_at DESC, l.id DESC", "l.rejected_at", "<"
	}
	return "l.created_at DESC, l.id DESC", "l.created_at", "<"
}

// Page is one page of the list.
type Page struct {
	Leads []Lead
	// Next is the cursor for the following page; empty on the last one.
	Next string
}

// List returns one page of leads matching f, using keyset pagination so
// deep pages cost what the first one does.
func (s *Store) List(ctx context.Context, f Filter) (Page, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	if s.pages != nil {
		return s.pages.Get(ctx, f, func(ctx context.Context) (Page, error) { return s.storedPage(ctx, f) })
	}
	return s.storedPage(ctx, f)
}

func (s *Store) storedPage(ctx context.Context, f Filter) (Page, error) {
	where, args := f.where(true)
	orderBy, key, cmp := f.order()
	switch f.Sort {
	case SortHandedOff:
		where += " AND l.handed_off_at IS NOT NULL"
	case SortRejected:
		where += " AND l.rejected_at IS NOT NULL"
	}
	if f.After != "" {
		keyVal, id, err := decodeCursor(f.After, f.Sort)
		if err != nil {
			return Page{}, err
		}
		args = append(args, keyVal, id)
		where += fmt.Sprintf(" AND (%s, l.id) %s ($%d, $%d)", key, cmp, len(args)-1, len(args))
	}
	args = append(args, f.Limit+1)
	rows, err := s.pool.Query(ctx, `SELECT `+leadColumns+` `+leadFrom+` WHERE `+where+
		` ORDER BY `+orderBy+` LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return Page{}, err
	}
	list, err := collectLeads(rows)
	if err != nil {
		return Page{}, err
	}
	p := Page{Leads: list}
	if len(list) > f.Limit {
		p.Leads = list[:f.Limit]
		p.Next = encodeCursor(p.Leads[f.Limit-1], f.Sort)
	}
	return p, nil
}

// ErrBadCursor means a page link was tampered with or is from another sort.
// Its message is for the user.
var ErrBadCursor = refusal.Invalidf("That page link is broken; start again from the first page.")

func encodeCursor(l Lead, sort string) string {
	var key string
	switch sort {
	case SortCompany:
		key = strings.ToLower(l.Company)
	case SortHandedOff:
		key = l.HandedOffAt.Format(time.RFC3339Nano)
	case SortRejected:
		key = l.RejectedAt.Format(time.RFC3339Nano)
	default:
		key = l.CreatedAt.Format(time.RFC3339Nano)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(l.ID, 10) + ":" + key))
}

func decodeCursor(c, sort string) (any, int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, 0, ErrBadCursor
	}
	idStr, key, ok := strings.Cut(string(raw), ":")
	id, err := strconv.ParseInt(idStr, 10, 64)
	if !ok || err != nil {
		return nil, 0, ErrBadCursor
	}
	if sort == SortCompany {
		return key, id, nil
	}
	t, err := time.Parse(time.RFC3339Nano, key)
	if err != nil {
		return nil, 0, ErrBadCursor
	}
	return t, id, nil
}

// StageCounts are the leads per stage matching a filter.
type StageCounts struct {
	ByStage map[Stage]int
	// Capped is set when more than CountCap leads match: the counts then
	// cover only the first CountCap, and pages should say "more than".
	Capped bool
}

// CountCap bounds how many matching leads a filtered count looks at, so a
// broad filter on a large table costs what a narrow one does.
const CountCap = 10_000

// CountByStage counts the leads matching f in each stage (f's own stage
// filter is ignored, so the counts double as stage tabs). Without filters
// it reads the per-stage totals the database keeps; with filters it counts
// up to CountCap matches.
func (s *Store) CountByStage(ctx context.Context, f Filter) (StageCounts, error) {
	if s.counts != nil {
		// Only the conditions count: the stage tabs of every sort and page are the same.
		f.Stage, f.Sort, f.After, f.Limit = "", "", "", 0
		return s.counts.Get(ctx, f, func(ctx context.Context) (StageCounts, error) { return s.storedCounts(ctx, f) })
	}
	return s.storedCounts(ctx, f)
}

func (s *Store) storedCounts(ctx context.Context, f Filter) (StageCounts, error) {
	where, args := f.where(false)
	sql := `SELECT stage, n FROM lead_stage_counts`
	if where != "true" {
		sql = `SELECT stage, count(*) FROM (SELECT l.stage FROM leads l WHERE ` + where + ` LIMIT ` +
			strconv.Itoa(CountCap+1) + `) x GROUP BY stage`
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return StageCounts{}, err
	}
	defer rows.Close()
	c := StageCounts{ByStage: map[Stage]int{}}
	total := 0
	for rows.Next() {
		var st Stage
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return StageCounts{}, err
		}
		c.ByStage[st] = n
		total += n
	}
	c.Capped = where != "true" && total > CountCap
	return c, rows.Err()
}

// Queue is a rep's to-do list: leads handed to them awaiting acceptance,
// and accepted leads not yet touched; a sales manager also sees leads
// waiting to be assigned. Breached leads come first, then the oldest.
func (s *Store) Queue(ctx context.Context, userID int64, includeUnassigned bool) ([]Lead, error) {
	if s.queues != nil {
		return s.queues.Get(ctx, queueKey{userID, includeUnassigned}, func(ctx context.Context) ([]Lead, error) {
			return s.storedQueue(ctx, userID, includeUnassigned)
		})
	}
	return s.storedQueue(ctx, userID, includeUnassigned)
}

// queueKey is whose queue, and whether it holds the unassigned leads.
type queueKey struct {
	userID            int64
	includeUnassigned bool
}

func (s *Store) storedQueue(ctx context.Context, userID int64, includeUnassigned bool) ([]Lead, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+leadColumns+` `+leadFrom+`
		WHERE (l.owner_id = $1 AND (l.stage = 'handed_off' OR (l.stage = 'accepted' AND l.first_touch_at IS NULL)))
		   OR ($2 AND l.owner_id IS NULL AND l.stage = 'handed_off')
		ORDER BY (l.first_touch_at IS NULL AND l.sla_due_at < now()) DESC,
		         l.handed_off_at, l.id
		LIMIT 500`, userID, includeUnassigned)
	if err != nil {
		return nil, err
	}
	return collectLeads(rows)
}

// ReasonCount is how often one rejection reason was given, with the mean
// quality rating that came with it.
type ReasonCount struct {
	Reason     Reason  `db:"reason"`
	Count      int     `db:"count"`
	MeanRating float64 `db:"mean_rating"`
}

// RejectionSummary counts rejections per reason since the given time.
func (s *Store) RejectionSummary(ctx context.Context, since time.Time) ([]ReasonCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT rejection_reason AS reason, count(*) AS count, coalesce(avg(quality_rating), 0)::float8 AS mean_rating
		FROM leads WHERE rejected_at >= $1 AND rejection_reason IS NOT NULL
		GROUP BY rejection_reason ORDER BY count(*) DESC, rejection_reason`, since)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[ReasonCount])
}

// Export streams every lead matching f (ignoring paging) to fn, one at a
// time, without holding the result in memory.
func (s *Store) Export(ctx context.Context, f Filter, fn func(Lead) error) error {
	where, args := f.where(true)
	orderBy, _, _ := f.order()
	rows, err := s.pool.Query(ctx, `SELECT `+leadColumns+` `+leadFrom+` WHERE `+where+` ORDER BY `+orderBy, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		l, err := pgx.RowToStructByName[Lead](rows)
		if err != nil {
			return err
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	return rows.Err()
}
