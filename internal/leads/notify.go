package leads

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/notifications"
	"tandem/internal/users"
)

// Notification kinds of the lead lifecycle.
const (
	KindHandedOff     = "lead_handed_off"   // to the rep it was handed to
	KindAwaitingRep   = "lead_awaiting_rep" // to every sales manager: left for assignment
	KindAssigned      = "lead_assigned"     // to the new rep
	KindAccepted      = "lead_accepted"     // to the marketer who handed it off
	KindRejected      = "lead_rejected"     // to the marketer who handed it off
	KindSLAWarning    = "lead_sla_warning"  // 75 % of the SLA gone, no first touch
	KindSLABreached   = "lead_sla_breached" // the SLA passed, no first touch
	slaWarningPercent = 75
)

// Link is the lead's page, where its notifications lead.
func Link(id int64) string { return "/leads/" + strconv.FormatInt(id, 10) }

// salesManagers returns the active sales managers: they assign leads left
// for a rep and answer for breached SLAs.
func salesManagers(ctx context.Context, q db.DBTX) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT id FROM users WHERE team = 'sales' AND role = 'manager' AND active ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// notifyMove tells the people a checked, applied move concerns, in the
// move's transaction, and records the move's event with them as its
// audience. before is the lead as it was before the move.
func notifyMove(ctx context.Context, tx pgx.Tx, before Lead, m Move, by users.User) error {
	to, err := notifyMoveInApp(ctx, tx, before, m, by)
	if err != nil {
		return err
	}
	kind, ok := moveKinds[m.To]
	if !ok {
		return nil
	}
	if m.To == Won || m.To == Lost {
		// No one is notified in Tandem of a deal's end; the sales managers
		// answer for the pipeline, so they are the ones mail may tell.
		if to, err = salesManagers(ctx, tx); err != nil {
			return err
		}
	}
	return tell(ctx, tx, kind, before.ID, &by, to)
}

// notifyMoveInApp sends the move's in-app notifications and returns whom
// they went to.
func notifyMoveInApp(ctx context.Context, tx pgx.Tx, before Lead, m Move, by users.User) ([]int64, error) {
	link := Link(before.ID)
	switch m.To {
	case HandedOff:
		if m.OwnerID != 0 {
			to := []int64{m.OwnerID}
			title := fmt.Sprintf("%s handed %s to you", by.Name, before.Company)
			if m.routed != nil {
				title += fmt.Sprintf(" (routing rule “%s”)", m.routed.RuleName)
			}
			return to, notifications.Send(ctx, tx, to, by.ID, KindHandedOff, title, link)
		}
		managers, err := salesManagers(ctx, tx)
		if err != nil {
			return nil, err
		}
		title := fmt.Sprintf("%s waits for a rep: %s handed it off for a sales manager to assign", before.Company, by.Name)
		if m.routed != nil {
			title = fmt.Sprintf("%s waits for a rep: %s", before.Company, m.routed.Why)
		}
		return managers, notifications.Send(ctx, tx, managers, by.ID, KindAwaitingRep, title, link)
	case Accepted, Rejected:
		if before.HandedOffBy == nil {
			return nil, nil
		}
		kind, title := KindAccepted, fmt.Sprintf("%s accepted %s: quality %d/5", by.Name, before.Company, m.Rating)
		if m.To == Rejected {
			kind, title = KindRejected, fmt.Sprintf("%s rejected %s: %s, quality %d/5", by.Name, before.Company, m.Reason.Label(), m.Rating)
		}
		to := []int64{*before.HandedOffBy}
		return to, notifications.Send(ctx, tx, to, by.ID, kind, title, link)
	}
	return nil, nil
}
