package campaigns

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// The closed-loop numbers are defined so that each one is exactly the rows
// the leads list shows for its link (see Results.URL):
//   - sourced: every lead with the campaign as source;
//   - handed off: leads ever handed off (handed_off_at set), the list's
//     sort=handed_off;
//   - accepted: leads accepted and still there or gone on to opportunity,
//     won or lost, i.e. the sum of those four stages, each linked;
//   - rejected: leads ever rejected (rejected_at set, recycled or not), the
//     list's sort=rejected, and per reason with reason=…;
//   - won: stage won (terminal), and the sum of their deal values.
var StagesAccepted = []string{"accepted", "opportunity", "won", "lost"}

// RejectionReasons are the reason codes of a rejected lead, in display
// order, with their labels.
var RejectionReasons = []struct{ Code, Label string }{
	{"not_icp", "Not our customer profile"},
	{"no_budget", "No budget or authority"},
	{"duplicate", "Duplicate"},
	{"bad_contact", "Bad contact data"},
	{"bad_timing", "Bad timing"},
	{"competitor_or_student", "Competitor or student"},
	{"other", "Other"},
	{"", "No reason given"},
}

// Results are a campaign's closed-loop numbers, from the leads it sourced.
type Results struct {
	CampaignID int64
	Sourced    int
	HandedOff  int
	Accepted   int
	Rejected   int
	// AcceptedBy splits Accepted by the stage the leads are in now, in
	// StagesAccepted order.
	AcceptedBy    [4]int
	Won           int
	WonValueCents int64
	BudgetCents   int64
	// Rejections counts rejected leads per reason, in RejectionReasons
	// order; reasons with no leads are left out.
	Rejections []ReasonCount
}

// ReasonCount is how many of the campaign's rejected leads gave a reason.
type ReasonCount struct {
	Code  string
	Label string
	Count int
}

// Conversion is won ÷ handed off (the lead-to-customer KPI, per campaign);
// ok is false when nothing was handed off.
func (r Results) Conversion() (float64, bool) {
	if r.HandedOff == 0 {
		return 0, false
	}
	return float64(r.Won) / float64(r.HandedOff), true
}

// CostPerWonCents is budget ÷ won customers, rounded to the cent; ok is
// false when nothing was won.
func (r Results) CostPerWonCents() (int64, bool) {
	if r.Won == 0 {
		return 0, false
	}
	return (r.BudgetCents + int64(r.Won)/2) / int64(r.Won), true
}

// URL links to the leads list filtered to this campaign and the given
// query parameters (stage, sort, reason), e.g. URL("sort", "handed_off").
func (r Results) URL(pairs ...string) string {
	q := url.Values{"campaign": {strconv.FormatInt(r.CampaignID, 10)}}
	for i := 0; i+1 < len(pairs); i += 2 {
		q.Set(pairs[i], pairs[i+1])
	}
	return "/leads?" + q.Encode()
}

// resultsRow is the closed-loop query's row, scanned by name.
type resultsRow struct {
	BudgetCents   int64 `db:"budget_cents"`
	Sourced       int   `db:"sourced"`
	HandedOff     int   `db:"handed_off"`
	AcceptedBy    []int `db:"accepted_by"` // StagesAccepted order
	Rejected      int   `db:"rejected"`
	WonValueCents int64 `db:"won_value_cents"`
	ByReason      []int `db:"by_reason"` // RejectionReasons order
}

// Results computes the closed-loop numbers in one query.
func (s *Store) Results(ctx context.Context, id int64) (Results, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT round(c.budget * 100)::bigint AS budget_cents,
			count(l.id) AS sourced,
			count(l.id) FILTER (WHERE l.handed_off_at IS NOT NULL) AS handed_off,
			ARRAY[count(l.id) FILTER (WHERE l.stage = 'accepted'),
				count(l.id) FILTER (WHERE l.stage = 'opportunity'),
				count(l.id) FILTER (WHERE l.stage = 'won'),
				count(l.id) FILTER (WHERE l.stage = 'lost')] AS accepted_by,
			count(l.id) FILTER (WHERE l.rejected_at IS NOT NULL) AS rejected,
			coalesce(round(sum(l.deal_value) FILTER (WHERE l.stage = 'won') * 100), 0)::bigint AS won_value_cents,
			ARRAY[count(l.id) FILTER (WHERE l.rejected_at IS NOT NULL AND l.rejection_reason = 'not_icp'),
				count(l.id) FILTER (WHERE l.rejected_at IS NOT NULL AND l.rejection_reason = 'no_budget'),
				count(l.id) FILTER (WHERE l.rejected_at IS NOT NULL AND l.rejection_reason = 'duplicate'),
				count(l.id) FILTER (WHERE l.rejected_at IS NOT NULL AND l.rejection_reason = 'bad_contact'),
				count(l.id) FILTER (WHERE l.rejected_at IS NOT NULL AND l.rejection_reason = 'bad_timing'),
				count(l.id) FILTER (WHERE l.rejected_at IS NOT NULL AND l.rejection_reason = 'competitor_or_student'),
				count(l.id) FILTER (WHERE l.rejected_at IS NOT NULL AND l.rejection_reason = 'other'),
				count(l.id) FILTER (WHERE l.rejected_at IS NOT NULL AND l.rejection_reason IS NULL)] AS by_reason
		FROM campaigns c LEFT JOIN leads l ON l.source_campaign_id = c.id
		WHERE c.id = $1
		GROUP BY c.id`, id)
	if err != nil {
		return Results{}, err
	}
	row, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[resultsRow])
	if err != nil {
		return Results{}, notFound(err)
	}
	if len(row.AcceptedBy) != len(StagesAccepted) || len(row.ByReason) != len(RejectionReasons) {
		return Results{}, fmt.Errorf("campaign %d results: %d stages, %d reasons", id, len(row.AcceptedBy), len(row.ByReason))
	}
	r := Results{CampaignID: id, BudgetCents: row.BudgetCents, Sourced: row.Sourced, HandedOff: row.HandedOff,
		Rejected: row.Rejected, WonValueCents: row.WonValueCents}
	copy(r.AcceptedBy[:], row.AcceptedBy)
	counts := row.ByReason
	for _, n := range r.AcceptedBy {
		r.Accepted += n
	}
	r.Won = r.AcceptedBy[2]
	for i, n := range counts {
		if n > 0 {
			r.Rejections = append(r.Rejections, ReasonCount{RejectionReasons[i].Code, RejectionReasons[i].Label, n})
		}
	}
	return r, nil
}
