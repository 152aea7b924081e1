package mail

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/digest"
	"tandem/internal/events"
	"tandem/internal/format"
)

// errNothingToSum rolls back a claim that found nothing left to send.
var errNothingToSum = errors.New("nothing to summarize")

// SendDailySummaries mails each user with pending daily deliveries one
// summary of them, grouped by kind, and returns how many it sent. Each
// user gets at most one summary per business day of now: the summary row,
// UNIQUE (user_id, day), is claimed in the transaction that attaches the
// deliveries to it, so a concurrent or repeated run finds it taken. A
// summary that failed to send for a reason that may pass is released, so
// the job's retry sends it; one claimed longer than claimTimeout without
// being sent (its sender died) is taken over.
func (c *Channel) SendDailySummaries(ctx context.Context, now time.Time) (int, error) {
	if c.mailer == nil {
		return 0, nil
	}
	day := now.In(c.loc).Format(time.DateOnly)
	if _, err := c.pool.Exec(ctx, `DELETE FROM mail_summaries WHERE status = 'sending' AND claimed_at < $1`,
		now.Add(-c.claimTimeout)); err != nil {
		return 0, err
	}
	rows, err := c.pool.Query(ctx, `SELECT DISTINCT user_id FROM mail_deliveries
		WHERE daily AND status = 'pending' AND summary_id IS NULL ORDER BY user_id`)
	if err != nil {
		return 0, err
	}
	userIDs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, id := range userIDs {
		ok, err := c.sendSummary(ctx, id, day, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("daily summary for user %d: %w", id, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if ok {
			sent++
		}
	}
	return sent, errors.Join(errs...)
}

type summaryRow struct {
	ID         int64       `db:"id"`
	Kind       events.Kind `db:"kind"`
	OccurredAt time.Time   `db:"occurred_at"`
	Data       []byte      `db:"data"`
}

func (c *Channel) sendSummary(ctx context.Context, userID int64, day string, now time.Time) (bool, error) {
	var summaryID int64
	var items []summaryRow
	err := db.InTx(ctx, c.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO mail_summaries (user_id, day, claimed_at) VALUES ($1, $2, $3)
			ON CONFLICT ON CONSTRAINT mail_summaries_user_day_key DO NOTHING RETURNING id`, userID, day, now).Scan(&summaryID)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNothingToSum // today's is sent or being sent
		}
		if err != nil {
			return err
		}
		// A kind the user has since moved away from the daily summary (an
		// unsubscribe, a new choice) or a deactivated user is not mailed.
		if _, err := tx.Exec(ctx, `UPDATE mail_deliveries d SET status = 'skipped'
			FROM events e, users u
			WHERE d.user_id = $1 AND d.daily AND d.status = 'pending' AND d.summary_id IS NULL
			  AND e.id = d.event_id AND u.id = d.user_id
			  AND (NOT u.active OR EXISTS (SELECT 1 FROM notification_prefs p
			       WHERE p.user_id = d.user_id AND p.kind = e.kind AND p.delivery <> 'email_daily'))`, userID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `WITH mine AS (
				UPDATE mail_deliveries SET summary_id = $2, attempts = attempts + 1
				WHERE user_id = $1 AND daily AND status = 'pending' AND summary_id IS NULL RETURNING id, event_id)
			SELECT m.id, e.kind, e.occurred_at, e.data FROM mine m JOIN events e ON e.id = m.event_id
			ORDER BY e.occurred_at, e.id`, userID, summaryID)
		if err != nil {
			return err
		}
		if items, err = pgx.CollectRows(rows, pgx.RowToStructByName[summaryRow]); err != nil {
			return err
		}
		if len(items) == 0 {
			return errNothingToSum
		}
		return nil
	})
	if errors.Is(err, errNothingToSum) {
		return false, nil
	}
	if err != nil {
		return false, err
	}

	msg, err := c.summaryMessage(ctx, userID, day, items)
	if err == nil {
		sctx, cancel := context.WithTimeout(ctx, c.sendTimeout)
		err = c.mailer.Send(sctx, msg)
		cancel()
	}
	switch {
	case err == nil:
		return true, db.InTx(ctx, c.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE mail_summaries SET status = 'sent', sent_at = now() WHERE id = $1`, summaryID); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE mail_deliveries SET status = 'sent', sent_at = now(), last_error = '' WHERE summary_id = $1`, summaryID)
			return err
		})
	case errors.Is(err, digest.ErrRecipientRefused):
		// Retrying cannot help: the rows fail, the day's summary counts as done.
		return false, db.InTx(ctx, c.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE mail_summaries SET status = 'sent' WHERE id = $1`, summaryID); err != nil {
				return err
			}
			_, uerr := tx.Exec(ctx, `UPDATE mail_deliveries SET status = 'failed', last_error = $2 WHERE summary_id = $1`, summaryID, err.Error())
			return uerr
		})
	default:
		// Released: the rows go back to pending (ON DELETE SET NULL), so
		// the retry of the job sends them.
		if _, derr := c.pool.Exec(context.WithoutCancel(ctx), `WITH r AS (UPDATE mail_deliveries SET last_error = $2 WHERE summary_id = $1)
			DELETE FROM mail_summaries WHERE id = $1`, summaryID, err.Error()); derr != nil {
			return false, errors.Join(err, derr)
		}
		return false, err
	}
}

func (c *Channel) summaryMessage(ctx context.Context, userID int64, day string, items []summaryRow) (digest.Message, error) {
	who, err := user(ctx, c.pool, userID)
	if err != nil {
		return digest.Message{}, err
	}
	byKind := map[events.Kind][]Notice{}
	for _, it := range items {
		n, err := NoticeOf(it.Kind, it.OccurredAt, it.Data)
		if err != nil {
			return digest.Message{}, err
		}
		byKind[it.Kind] = append(byKind[it.Kind], n)
	}
	v := view{
		Recipient:   who.Name,
		Intro:       fmt.Sprintf("Your daily summary from Tandem for %s: %s.", day, format.Count(len(items), "update")),
		Because:     fmt.Sprintf("your notification settings say %q for these kinds", EmailDaily.Label()),
		SettingsURL: c.baseURL + "/account/notifications",
	}
	for _, k := range events.Kinds { // the page's order
		if len(byKind[k]) == 0 {
			continue
		}
		v.Groups = append(v.Groups, group{Label: k.Label(), Notices: byKind[k]})
		u, err := c.unsubscribeURL(ctx, userID, string(k))
		if err != nil {
			return digest.Message{}, err
		}
		v.Unsubscribe = append(v.Unsubscribe, link{Label: k.Label(), URL: u})
	}
	all, err := c.unsubscribeURL(ctx, userID, DailyKind)
	if err != nil {
		return digest.Message{}, err
	}
	v.Unsubscribe = append(v.Unsubscribe, link{Label: kindLabel(DailyKind), URL: all})
	subject := "Tandem daily summary: " + format.Count(len(items), "update")
	return c.message(who.Name, who.Email, subject, fmt.Sprintf("summary-%s-%d", day, userID), all, v)
}
