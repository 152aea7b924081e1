package campaigns

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/enum"
)

// The campaign list: its views, its rows with readiness and the viewer's
// acknowledgement, the notices pending for a viewer, and the campaigns of
// a calendar range.

// View narrows the campaign list.
type View string

const (
	ViewAll      View = ""
	ViewDraft    View = "draft"
	ViewUpcoming View = "upcoming" // announced, not launched yet
	ViewLive     View = "live"
	ViewEnded    View = "ended"
	ViewLate     View = "late"
)

// Views lists the list's views in display order.
var Views = []View{ViewAll, ViewUpcoming, ViewLive, ViewEnded, ViewDraft, ViewLate}

// Valid reports whether v is a known view.
func (v View) Valid() bool { return enum.Valid(Views, v) }

var viewLabels = enum.Labels[View]{
	ViewAll: "All", ViewDraft: "Drafts", ViewUpcoming: "Announced, not launched", ViewLive: "Live",
	ViewEnded: "Ended", ViewLate: "Late notices",
}

// Label names the view.
func (v View) Label() string { return viewLabels.Of(v) }

// Row is a campaign as listed: with its readiness and the viewer's
// acknowledgement.
type Row struct {
	Campaign
	Readiness Readiness
	// MyRevision is the revision the viewer acknowledged, 0 for none.
	MyRevision int
}

// AckState is the viewer's acknowledgement of a notice.
func (r Row) AckState() AckState { return ackState(r.Announced, r.Revision, r.MyRevision) }

// AckState describes one person's acknowledgement of a notice.
type AckState string

const (
	AckNone    AckState = ""              // not a notice yet (draft)
	AckMissing AckState = "missing"       // not acknowledged
	AckStale   AckState = "reacknowledge" // acknowledged an earlier revision
	AckCurrent AckState = "acknowledged"  // acknowledged the current revision
)

func ackState(announced bool, revision, mine int) AckState {
	switch {
	case !announced:
		return AckNone
	case mine == 0:
		return AckMissing
	case mine < revision:
		return AckStale
	}
	return AckCurrent
}

// ListPageSize is how many campaigns a page of the list shows.
const ListPageSize = 25

// readinessColumns count, for campaign c, the people readiness is measured
// on and those of them who were ready (see Readiness), as of the instant
// in parameter asOf; $2 is the business timezone.
func readinessColumns(asOf string) string {
	return `(SELECT count(*) FROM campaign_audience(c.id, ` + asOf + `, $2)) AS eligible,
		(SELECT count(*) FILTER (WHERE ready) FROM campaign_audience(c.id, ` + asOf + `, $2)) AS ready`
}

// List returns one page of campaigns in view, latest launch first, seen by
// viewer at now, and the number of matches.
func (s *Store) List(ctx context.Context, viewer int64, view View, now time.Time, page int) ([]Row, int, error) {
	page = max(page, 1)
	today := Day(now, s.loc)
	rows, err := s.pool.Query(ctx, `SELECT `+campaignColumns+`, `+readinessColumns("$7")+`, coalesce(me.revision, 0) AS my_revision,
			count(*) OVER () AS total`+campaignFrom+`
		LEFT JOIN acknowledgements me ON me.campaign_id = c.id AND me.user_id = $1
		WHERE CASE $4::text
			WHEN 'draft' THEN c.status = 'draft'
			WHEN 'upcoming' THEN c.status = 'announced' AND c.launch_on > $3
			WHEN 'live' THEN c.status = 'announced' AND c.launch_on <= $3 AND c.end_on >= $3
			WHEN 'ended' THEN c.status = 'announced' AND c.end_on < $3
			WHEN 'late' THEN c.late_notice
			ELSE true END
		ORDER BY c.launch_on DESC, c.id DESC LIMIT $5 OFFSET $6`,
		viewer, s.loc.String(), today, string(view), ListPageSize, (page-1)*ListPageSize, now)
	if err != nil {
		return nil, 0, err
	}
	type pagedRow struct {
		listedRow
		Total int `db:"total"`
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[pagedRow])
	if err != nil {
		return nil, 0, err
	}
	total := 0
	list := make([]Row, len(got))
	for i, r := range got {
		list[i], total = r.row(), r.Total
	}
	return list, total, nil
}

// Pending returns the announced notices that have not ended and that the
// user has not acknowledged in their current revision, launching first,
// as of now.
func (s *Store) Pending(ctx context.Context, userID int64, now time.Time) ([]Row, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+campaignColumns+`, `+readinessColumns("$4")+`, coalesce(me.revision, 0) AS my_revision`+campaignFrom+`
		LEFT JOIN acknowledgements me ON me.campaign_id = c.id AND me.user_id = $1
		WHERE c.status = 'announced' AND c.end_on >= $3 AND (me.user_id IS NULL OR me.revision < c.revision)
		ORDER BY c.launch_on, c.id`, userID, s.loc.String(), Day(now, s.loc), now)
	if err != nil {
		return nil, err
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[listedRow])
	list := make([]Row, len(got))
	for i, r := range got {
		list[i] = r.row()
	}
	return list, err
}

// PendingCount counts what Pending lists, for the banner on every page.
func (s *Store) PendingCount(ctx context.Context, userID int64, today time.Time) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM campaigns c
		LEFT JOIN acknowledgements me ON me.campaign_id = c.id AND me.user_id = $1
		WHERE c.status = 'announced' AND c.end_on >= $2 AND (me.user_id IS NULL OR me.revision < c.revision)`,
		userID, today).Scan(&n)
	return n, err
}

// Between returns the campaigns running on any day from first to last
// (calendar days), by launch date.
func (s *Store) Between(ctx context.Context, first, last time.Time) ([]Campaign, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+campaignColumns+campaignFrom+`
		WHERE c.launch_on <= $2 AND c.end_on >= $1 ORDER BY c.launch_on, c.id`, first, last)
	if err != nil {
		return nil, err
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[campaignRow])
	list := make([]Campaign, len(got))
	for i, r := range got {
		list[i] = r.campaign()
	}
	return list, err
}

// listedRow is a campaign with readinessColumns and the viewer's
// acknowledged revision, as the lists select them.
type listedRow struct {
	campaignRow
	Eligible   int `db:"eligible"`
	Ready      int `db:"ready"`
	MyRevision int `db:"my_revision"`
}

func (r listedRow) row() Row {
	return Row{Campaign: r.campaign(), Readiness: Readiness{Eligible: r.Eligible, Ready: r.Ready}, MyRevision: r.MyRevision}
}
