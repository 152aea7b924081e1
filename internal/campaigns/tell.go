package campaigns

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/format"
)

// noticeTeams hear of campaign notices and product alerts: the field.
var noticeTeams = []string{"sales", "service"}

// talkingPointsExcerpt is how much of the talking points an event carries;
// the full text is one click away in Tandem.
const talkingPointsExcerpt = 300

// tellCampaign records kind for campaign id as it stands in tx, after the
// change; audience are the people notified of it in Tandem.
func tellCampaign(ctx context.Context, tx pgx.Tx, kind events.Kind, id int64, by *int64, audience []int64) error {
	c, err := oneCampaign(ctx, tx, `SELECT `+campaignColumns+campaignFrom+` WHERE c.id = $1`, id)
	if err != nil {
		return err
	}
	_, err = events.Record(ctx, tx, events.Change{
		Kind: kind, ActorID: by, Audience: audience, Teams: noticeTeams,
		Payload: events.Campaign{
			ID: c.ID, Name: c.Name, LaunchOn: c.LaunchOn.Format(time.DateOnly), EndOn: c.EndOn.Format(time.DateOnly),
			Revision: c.Revision, LateNotice: c.LateNotice,
			TalkingPoints: format.Excerpt(c.TalkingPoints, talkingPointsExcerpt),
			URL:           link(id), AcknowledgeURL: link(id) + "#acknowledge",
		},
	})
	return err
}

// fieldAudience are the active members of sales and service: whom a
// notice is for.
func fieldAudience(ctx context.Context, tx pgx.Tx) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE active AND team IN ('sales', 'service') ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// RecordLaunchingTomorrow records campaign.launching_tomorrow for every
// announced campaign whose launch day is the business day after now's. A
// campaign is told once ever (launch_told_at), so the hourly job may run on
// every instance, and again after a restart, without telling twice. It
// returns how many it recorded.
func (s *Store) RecordLaunchingTomorrow(ctx context.Context, now time.Time) (int, error) {
	tomorrow := Day(now, s.loc).AddDate(0, 0, 1)
	var n int
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE campaigns SET launch_told_at = $2
			WHERE status = 'announced' AND launch_on = $1 AND launch_told_at IS NULL
			RETURNING id`, tomorrow, now)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		audience, err := fieldAudience(ctx, tx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := tellCampaign(ctx, tx, events.CampaignLaunchingTomorrow, id, nil, audience); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}
