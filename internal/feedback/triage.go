package feedback

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/notifications"
	"tandem/internal/users"
)

// locked is the part of an item a write checks, read under a row lock.
type locked struct {
	ID          int64      `db:"id"`
	ReporterID  int64      `db:"reporter_id"`
	Customer    string     `db:"customer"`
	Status      Status     `db:"status"`
	OwnerID     *int64     `db:"owner_id"`
	RespondedAt *time.Time `db:"responded_at"`
	Rating      *int16     `db:"rating"`
	MergedInto  *int64     `db:"merged_into"`
	Version     int        `db:"version"`
}

const lockedColumns = `id, reporter_id, customer, status, owner_id, responded_at, rating, merged_into, version`

// lockItem reads the item under a row lock; mode is a lock strength
// constant ("UPDATE", "NO KEY UPDATE"), never user input.
func lockItem(ctx context.Context, tx pgx.Tx, id int64, mode string) (locked, error) {
	return db.QueryOne[locked](ctx, tx, `SELECT `+lockedColumns+` FROM feedback_items WHERE id = $1 FOR `+mode, id)
}

// lockFor says how withLockedItem locks and checks an item.
type lockFor struct {
	// mode is the row lock strength, a constant ("UPDATE", "NO KEY
	// UPDATE"), never user input.
	mode string
	// versioned writes check that the item is still at version, the one
	// the form was loaded with.
	versioned bool
	version   int
	// who, when set, says whether the user may act on the item at all; it
	// runs before the merged check.
	who func(locked) error
}

// withLockedItem runs fn in a transaction holding item id's row lock,
// after the checks every write to one item starts with: who may act, a
// merged item is refused (naming where it went), a stale version is
// db.ErrConflict.
func (s *Store) withLockedItem(ctx context.Context, id int64, l lockFor, fn func(tx pgx.Tx, it locked) error) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		it, err := lockItem(ctx, tx, id, l.mode)
		if err != nil {
			return err
		}
		if l.who != nil {
			if err := l.who(it); err != nil {
				return err
			}
		}
		if err := refuseMerged(it); err != nil {
			return err
		}
		if l.versioned && it.Version != l.version {
			return db.ErrConflict
		}
		return fn(tx, it)
	})
}

// AddHeard records by's "+1, heard it too", optionally with the customer
// who said it and a note.
func (s *Store) AddHeard(ctx context.Context, by users.User, id int64, customer, note string) error {
	customer, note = strings.TrimSpace(customer), strings.TrimSpace(note)
	errs := FieldErrors{}
	if tooLong(customer, MaxCustomer) {
		errs["customer"] = fmt.Sprintf("Keep the customer name under %d characters.", MaxCustomer)
	}
	if tooLong(note, MaxText) {
		errs["note"] = fmt.Sprintf("Keep your note under %d characters.", MaxText)
	}
	if len(errs) > 0 {
		return errs
	}
	now := s.now()
	// A merge of this item (FOR UPDATE) waits, or goes first; +1s to one
	// item queue up for its count.
	return s.withLockedItem(ctx, id, lockFor{mode: "NO KEY UPDATE"}, func(tx pgx.Tx, it locked) error {
		if it.ReporterID == by.ID {
			return ErrOwnItem
		}
		_, err := tx.Exec(ctx, `INSERT INTO feedback_heard (item_id, user_id, customer, note, created_at)
			VALUES ($1, $2, $3, $4, $5)`, id, by.ID, customer, note, now)
		if db.IsUniqueViolation(err, "feedback_heard_once") {
			return ErrHeardBefore
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE feedback_items SET heard_count = heard_count + 1 WHERE id = $1`, id)
		return err
	})
}

// ResponseTitle is the notification sent when by responds with a move to.
func ResponseTitle(id int64, customer string, to Status, by string) string {
	return fmt.Sprintf("Feedback #%d (%s) is now %s: %s responded", id, short(customer, 60), strings.ToLower(to.Label()), by)
}

// recipients are the people a response concerns: the reporter and everyone
// who heard it too.
func recipients(ctx context.Context, tx pgx.Tx, it locked) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT user_id FROM feedback_heard WHERE item_id = $1`, it.ID)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return append(ids, it.ReporterID), err
}

// ChangeStatus moves the item to a new status with a response. The
// reporter and every +1 user are notified once each (the one who responds
// is not).
func (s *Store) ChangeStatus(ctx context.Context, by users.User, id int64, version int, to Status, response string) error {
	if !CanTriage(by) {
		return ErrNotTriager
	}
	response = strings.TrimSpace(response)
	errs := FieldErrors{}
	if !to.Valid() {
		errs["status"] = "Choose the new status."
	}
	switch {
	case response == "":
		errs["response"] = "Write a response: the reporter and everyone who heard it too will read it."
	case tooLong(response, MaxText):
		errs["response"] = fmt.Sprintf("Keep the response under %d characters.", MaxText)
	}
	if len(errs) > 0 {
		return errs
	}
	now := s.now()
	return s.withLockedItem(ctx, id, lockFor{mode: "UPDATE", versioned: true, version: version}, func(tx pgx.Tx, it locked) error {
		if err := CheckMove(by, it.Status, to); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			UPDATE feedback_items SET status = $2, status_at = $3, response = $4, responded_at = $3,
				responded_by = $5, acknowledged_at = coalesce(acknowledged_at, $3), updated_at = $3,
				version = version + 1
			WHERE id = $1`, id, to, now, response, by.ID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO feedback_events (item_id, at, actor_id, kind, from_status, to_status, response)
			VALUES ($1, $2, $3, 'status', $4, $5, $6)`, id, now, by.ID, it.Status, to, response)
		if err != nil {
			return err
		}
		ids, err := recipients(ctx, tx, it)
		if err != nil {
			return err
		}
		if err := notifications.Send(ctx, tx, ids, by.ID, "feedback_response", ResponseTitle(id, it.Customer, to, by.Name), Link(id)); err != nil {
			return err
		}
		kind := events.FeedbackResponded
		if to == ActedOn {
			kind = events.FeedbackActedOn
		}
		return tell(ctx, tx, kind, id, by.ID, ids)
	})
}

// candidate is the part of a user AssignOwner checks.
type candidate struct {
	Team   users.Team `db:"team"`
	Active bool       `db:"active"`
}

// AssignOwner makes ownerID (an active marketer) the item's owner; 0
// removes the owner. The new owner is notified.
func (s *Store) AssignOwner(ctx context.Context, by users.User, id int64, version int, ownerID int64) error {
	if !CanTriage(by) {
		return ErrNotTriager
	}
	now := s.now()
	return s.withLockedItem(ctx, id, lockFor{mode: "UPDATE", versioned: true, version: version}, func(tx pgx.Tx, it locked) error {
		var owner *int64
		if ownerID != 0 {
			rows, err := tx.Query(ctx, `SELECT team, active FROM users WHERE id = $1`, ownerID)
			if err != nil {
				return err
			}
			u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[candidate])
			if errors.Is(err, pgx.ErrNoRows) || err == nil && !CanOwn(users.User{Team: u.Team, Active: u.Active}) {
				return FieldErrors{"owner": "Choose an active marketer as the owner."}
			}
			if err != nil {
				return err
			}
			owner = &ownerID
		}
		if it.OwnerID == nil && owner == nil || it.OwnerID != nil && owner != nil && *it.OwnerID == *owner {
			return nil // no change
		}
		if _, err := tx.Exec(ctx, `UPDATE feedback_items SET owner_id = $2, updated_at = $3, version = version + 1
			WHERE id = $1`, id, owner, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO feedback_events (item_id, at, actor_id, kind, owner_id)
			VALUES ($1, $2, $3, 'owner', $4)`, id, now, by.ID, owner); err != nil {
			return err
		}
		if owner == nil {
			return nil
		}
		title := fmt.Sprintf("You own feedback #%d (%s), assigned by %s", id, short(it.Customer, 60), by.Name)
		return notifications.Send(ctx, tx, []int64{*owner}, by.ID, "feedback_owner", title, Link(id))
	})
}

// Rate records the reporter's usefulness rating of the response, 1 to 5.
// Only the reporter rates, only once there is a response; they may change
// their rating later.
func (s *Store) Rate(ctx context.Context, by users.User, id int64, rating int) error {
	if rating < 1 || rating > 5 {
		return FieldErrors{"rating": "Choose a rating from 1 (not useful) to 5 (very useful)."}
	}
	now := s.now()
	reporter := func(it locked) error {
		if it.ReporterID != by.ID {
			return ErrNotReporter
		}
		return nil
	}
	return s.withLockedItem(ctx, id, lockFor{mode: "UPDATE", who: reporter}, func(tx pgx.Tx, it locked) error {
		switch {
		case it.RespondedAt == nil:
			return ErrNoResponse
		case it.Rating != nil && int(*it.Rating) == rating:
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE feedback_items SET rating = $2, rated_at = $3, updated_at = $3
			WHERE id = $1`, id, rating, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO feedback_events (item_id, at, actor_id, kind, rating)
			VALUES ($1, $2, $3, 'rating', $4)`, id, now, by.ID, rating)
		return err
	})
}
