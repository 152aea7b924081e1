package feedback

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/notifications"
	"tandem/internal/users"
)

// Merge merges item from (B, a duplicate) into item into (A). B's +1s move
// to A, and B's reporter becomes a +1 on A with B's customer and words,
// except where that person is A's reporter or already heard A: nobody is
// counted twice. B then only points to A. version is B's version as the
// merging user saw it; into 0 is a number the user did not type right.
func (s *Store) Merge(ctx context.Context, by users.User, from, into int64, version int) error {
	if !CanTriage(by) {
		return ErrNotTriager
	}
	if into == from {
		return errMergeSelf
	}
	now := s.now()
	return db.InTxRetry(ctx, s.pool, func(tx pgx.Tx) error {
		// Lock every row the merge changes, in id order: both items and
		// the items merged into B earlier (they are repointed to A). Merges
		// running at once, even ones forming a loop (X→Y, Y→Z, Z→X), then
		// queue behind each other instead of deadlocking.
		rows, err := tx.Query(ctx, `SELECT `+lockedColumns+` FROM feedback_items
			WHERE id = ANY($1) OR merged_into = $2 ORDER BY id FOR UPDATE`, []int64{from, into}, from)
		if err != nil {
			return err
		}
		list, err := pgx.CollectRows(rows, pgx.RowToStructByName[locked])
		if err != nil {
			return err
		}
		var b, a *locked
		lockedIDs := make([]int64, 0, len(list))
		for i := range list {
			lockedIDs = append(lockedIDs, list[i].ID)
			switch list[i].ID {
			case from:
				b = &list[i]
			case into:
				a = &list[i]
			}
		}
		switch {
		case b == nil:
			return db.ErrNotFound
		case b.MergedInto != nil:
			return Merged(b.ID, *b.MergedInto)
		case into <= 0:
			return errMergeNoTarget
		case b.Version != version:
			return db.ErrConflict
		case a == nil:
			return noMergeTarget(into)
		}
		if err := refuseTarget(from, into, a.MergedInto); err != nil {
			return err
		}
		// Holding B, nobody can merge into it any more, but a merge that
		// committed while this one waited for B may have added items the
		// statement above did not see: start over to lock them in order too.
		var unlocked bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM feedback_items
			WHERE merged_into = $1 AND id <> ALL($2))`, from, lockedIDs).Scan(&unlocked); err != nil {
			return err
		}
		if unlocked {
			return db.ErrRetryTx
		}
		notify, err := recipients(ctx, tx, *b)
		if err != nil {
			return err
		}
		// B's +1s move unless their author reported A or heard A already;
		// those stay behind on B, which no longer counts anywhere.
		if _, err := tx.Exec(ctx, `
			UPDATE feedback_heard h SET item_id = $1, merged_from = coalesce(h.merged_from, $2)
			WHERE h.item_id = $2 AND h.user_id <> $3
			  AND NOT EXISTS (SELECT 1 FROM feedback_heard x WHERE x.item_id = $1 AND x.user_id = h.user_id)`,
			into, from, a.ReporterID); err != nil {
			return err
		}
		// B's reporter heard it too, from B's customer, in B's words.
		if b.ReporterID != a.ReporterID {
			if _, err := tx.Exec(ctx, `
				INSERT INTO feedback_heard (item_id, user_id, customer, note, merged_from, created_at)
				SELECT $1, b.reporter_id, b.customer, b.customer_words, b.id, b.created_at
				FROM feedback_items b WHERE b.id = $2
				ON CONFLICT (item_id, user_id) DO NOTHING`, into, from); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE feedback_items f SET heard_count =
				(SELECT count(*) FROM feedback_heard h WHERE h.item_id = f.id)
			WHERE f.id = ANY($1)`, []int64{from, into}); err != nil {
			return err
		}
		// Items merged into B earlier now point to A, so no chain of redirects.
		if _, err := tx.Exec(ctx, `UPDATE feedback_items SET merged_into = $1, updated_at = $3
			WHERE merged_into = $2`, into, from, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE feedback_items SET merged_into = $2, merged_at = $3, updated_at = $3,
			version = version + 1 WHERE id = $1`, from, into, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO feedback_events (item_id, at, actor_id, kind, other_item_id)
			VALUES ($1, $3, $4, 'merged_into', $2), ($2, $3, $4, 'merged_from', $1)`, from, into, now, by.ID); err != nil {
			return err
		}
		title := fmt.Sprintf("Feedback #%d (%s) was merged into #%d by %s", from, short(b.Customer, 60), into, by.Name)
		return notifications.Send(ctx, tx, notify, by.ID, "feedback_merged", title, Link(into))
	})
}

// The refusals of a merge's target, shared by Merge and MergeTarget so the
// confirm page asks nothing the merge would then refuse.
var (
	errMergeSelf     = FieldErrors{"into": "An item cannot be merged into itself; pick the other item."}
	errMergeNoTarget = FieldErrors{"into": "Pick the item to merge this one into: search for it by its words or customer."}
)

func noMergeTarget(into int64) error {
	return FieldErrors{"into": fmt.Sprintf("There is no feedback item #%d.", into)}
}

// refuseTarget refuses a merge of from into into, itself merged into
// mergedInto (nil when it was not).
func refuseTarget(from, into int64, mergedInto *int64) error {
	switch {
	case mergedInto != nil && *mergedInto == from:
		return FieldErrors{"into": fmt.Sprintf("Item #%d was merged into this one (#%d) already; merging #%d into it would make a loop.",
			into, from, from)}
	case mergedInto != nil:
		return FieldErrors{"into": fmt.Sprintf("Item #%d was itself merged into #%d; merge into #%d instead.",
			into, *mergedInto, *mergedInto)}
	}
	return nil
}

// MergeTarget reads the item a merge of from into into would go to, and
// refuses what Merge would refuse, without writing: what the confirm step
// asks about. Merge checks again under its locks.
func (s *Store) MergeTarget(ctx context.Context, by users.User, from Item, into int64) (Item, error) {
	switch {
	case !CanTriage(by):
		return Item{}, ErrNotTriager
	case from.MergedInto != nil:
		return Item{}, Merged(from.ID, *from.MergedInto)
	case into == from.ID:
		return Item{}, errMergeSelf
	case into <= 0:
		return Item{}, errMergeNoTarget
	}
	a, err := s.Get(ctx, into)
	if errors.Is(err, db.ErrNotFound) {
		return Item{}, noMergeTarget(into)
	}
	if err != nil {
		return Item{}, err
	}
	if err := refuseTarget(from.ID, into, a.MergedInto); err != nil {
		return Item{}, err
	}
	return a, nil
}

// SearchTargets finds up to limit items from may be merged into: matching
// q in their words, note or customer (web-search syntax, as the list), not
// merged themselves, never from itself; the best matches first.
func (s *Store) SearchTargets(ctx context.Context, from int64, q string, limit int) ([]Item, bool, error) {
	f := Filter{Query: q, Sort: SortRelevance}
	cond, args, query := f.where(s.now())
	n := len(args)
	rows, err := s.pool.Query(ctx, `SELECT `+itemColumns+itemFrom+` WHERE `+cond+` AND f.id <> $`+strconv.Itoa(n+1)+`
		ORDER BY `+orderBy(f.Sort, query)+` LIMIT $`+strconv.Itoa(n+2), slices.Concat(args, []any{from, limit + 1})...)
	if err != nil {
		return nil, false, err
	}
	list, err := collectItems(rows)
	if err != nil {
		return nil, false, err
	}
	more := len(list) > limit
	return list[:min(len(list), limit)], more, nil
}
