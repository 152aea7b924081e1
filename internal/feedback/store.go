package feedback

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/notifications"
	"tandem/internal/users"
)

// Store reads and writes feedback items, +1s, themes and their history.
type Store struct {
	pool *pgxpool.Pool
	loc  *time.Location // business timezone: deadlines and months are cut in it
	now  func() time.Time
}

// NewStore returns a Store on pool; loc is the business timezone.
func NewStore(pool *pgxpool.Pool, loc *time.Location) *Store {
	return &Store{pool: pool, loc: loc, now: time.Now}
}

// WithClock returns a copy of the store that takes the time from now, for
// demo history written in the past and for tests.
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
	return &c
}

// Now is the store's current time.
func (s *Store) Now() time.Time { return s.now() }

const itemColumns = `
	f.id, f.reporter_id, r.name AS reporter_name, f.reporter_team, f.customer,
	f.lead_id, coalesce(l.company, '') AS lead_company, f.campaign_id, coalesce(c.name, '') AS campaign_name, f.product,
	f.theme_id, t.name AS theme_name, f.sentiment, f.chain_link, f.customer_words, f.reporter_note,
	f.status, f.status_at, f.owner_id, coalesce(o.name, '') AS owner_name,
	f.response, f.responded_at, coalesce(rb.name, '') AS responded_name,
	f.acknowledged_at, f.ack_due_at, f.rating, f.rated_at, f.merged_into, f.merged_at,
	f.created_at, f.version,
	f.heard_count AS heard,
	(SELECT count(DISTINCT lower(c.customer)) FROM (
		SELECT f.customer
		UNION ALL
		SELECT h.customer FROM feedback_heard h WHERE h.item_id = f.id AND h.customer <> '') c)::int AS customers`

const itemFrom = `
	FROM feedback_items f
	JOIN users r ON r.id = f.reporter_id
	JOIN feedback_themes t ON t.id = f.theme_id
	LEFT JOIN users o ON o.id = f.owner_id
	LEFT JOIN users rb ON rb.id = f.responded_by
	LEFT JOIN leads l ON l.id = f.lead_id
	LEFT JOIN campaigns c ON c.id = f.campaign_id`

func collectItems(rows pgx.Rows) ([]Item, error) {
	return pgx.CollectRows(rows, pgx.RowToStructByName[Item])
}

// Get returns the item with id, merged or not.
func (s *Store) Get(ctx context.Context, id int64) (Item, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+itemColumns+itemFrom+` WHERE f.id = $1`, id)
	if err != nil {
		return Item{}, err
	}
	it, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Item])
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, db.ErrNotFound
	}
	return it, err
}

// HeardBy returns the item's +1s, oldest first.
func (s *Store) HeardBy(ctx context.Context, id int64) ([]Heard, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT h.id, h.user_id, u.name AS user_name, u.team AS user_team, h.customer, h.note,
		       h.merged_from, h.created_at
		FROM feedback_heard h JOIN users u ON u.id = h.user_id
		WHERE h.item_id = $1 ORDER BY h.created_at, h.id`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Heard])
}

// Events returns the item's history, oldest first.
func (s *Store) Events(ctx context.Context, id int64) ([]Event, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT e.id, e.at, coalesce(a.name, '') AS actor_name, e.kind, e.from_status, e.to_status,
		       e.response, coalesce(o.name, '') AS owner_name, e.rating, e.other_item_id
		FROM feedback_events e
		LEFT JOIN users a ON a.id = e.actor_id
		LEFT JOIN users o ON o.id = e.owner_id
		WHERE e.item_id = $1 ORDER BY e.at, e.id`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Event])
}

// MergedItem is an item that was merged into another one.
type MergedItem struct {
	ID            int64
	Customer      string
	CustomerWords string
	ReporterName  string
	MergedAt      time.Time
}

// MergedFrom lists the items merged into id.
func (s *Store) MergedFrom(ctx context.Context, id int64) ([]MergedItem, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT f.id, f.customer, f.customer_words, u.name AS reporter_name, f.merged_at
		FROM feedback_items f JOIN users u ON u.id = f.reporter_id
		WHERE f.merged_into = $1 ORDER BY f.merged_at, f.id`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[MergedItem])
}

// Owners lists the people an item can be assigned to: active marketers.
func (s *Store) Owners(ctx context.Context) ([]Person, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name FROM users
		WHERE team = 'marketing' AND active ORDER BY lower(name), id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Person])
}

// Products lists the products feedback was logged for, for suggestions and
// the filter.
func (s *Store) Products(ctx context.Context) ([]string, error) {
	// A loose index scan: one index probe per distinct product instead of
	// grouping every item (products are few, items many).
	rows, err := s.pool.Query(ctx, `
		WITH RECURSIVE p AS (
			(SELECT lower(product) AS k, product FROM feedback_items ORDER BY lower(product), product LIMIT 1)
			UNION ALL
			SELECT n.k, n.product FROM p CROSS JOIN LATERAL (
				SELECT lower(product) AS k, product FROM feedback_items
				WHERE lower(product) > p.k ORDER BY lower(product), product LIMIT 1) n
		)
		SELECT product FROM p LIMIT 500`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// CampaignName returns the linked campaign's name.
func (s *Store) CampaignName(ctx context.Context, id int64) (string, error) {
	var name string
	err := s.pool.QueryRow(ctx, `SELECT name FROM campaigns WHERE id = $1`, id).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", db.ErrNotFound
	}
	return name, err
}

// LeadCompany returns the company of lead id, for prefilling the form.
func (s *Store) LeadCompany(ctx context.Context, id int64) (string, error) {
	var company string
	err := s.pool.QueryRow(ctx, `SELECT company FROM leads WHERE id = $1`, id).Scan(&company)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", db.ErrNotFound
	}
	return company, err
}

// Create logs a new item reported by by.
func (s *Store) Create(ctx context.Context, by users.User, in Input) (Item, error) {
	in.Normalize()
	p, errs := in.validate()
	if errs != nil {
		return Item{}, errs
	}
	now := s.now()
	var id int64
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		errs := FieldErrors{}
		var active bool
		err := tx.QueryRow(ctx, `SELECT active FROM feedback_themes WHERE id = $1`, p.ThemeID).Scan(&active)
		switch {
		case errors.Is(err, pgx.ErrNoRows) || err == nil && !active:
			errs["theme"] = "Choose a theme from the list."
		case err != nil:
			return err
		}
		if p.LeadID != nil {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM leads WHERE id = $1)`, *p.LeadID).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				errs["lead"] = fmt.Sprintf("There is no lead #%d. Check the number on the lead's page, or leave it empty.", *p.LeadID)
			}
		}
		if p.CampaignID != nil {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = $1)`, *p.CampaignID).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				errs["campaign"] = fmt.Sprintf("There is no campaign #%d. Check the number on the campaign's page, or leave it empty.", *p.CampaignID)
			}
		}
		if len(errs) > 0 {
			return errs
		}
		err = tx.QueryRow(ctx, `
			INSERT INTO feedback_items (reporter_id, reporter_team, customer, lead_id, campaign_id, product,
				theme_id, sentiment, chain_link, customer_words, reporter_note, status_at, ack_due_at,
				created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12, $12)
			RETURNING id`,
			by.ID, by.Team, p.Customer, p.LeadID, p.CampaignID, p.Product, p.ThemeID, p.Sentiment, p.ChainLink,
			p.Words, p.Note, now, AckDue(now, s.loc)).Scan(&id)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO feedback_events (item_id, at, actor_id, kind, to_status)
			VALUES ($1, $2, $3, 'created', 'new')`, id, now, by.ID)
		return err
	})
	if err != nil {
		return Item{}, err
	}
	return s.Get(ctx, id)
}

// locked is the part of an item a write checks, read under a row lock.
type locked struct {
	ID          int64
	ReporterID  int64
	Customer    string
	Status      Status
	OwnerID     *int64
	RespondedAt *time.Time
	Rating      *int16
	MergedInto  *int64
	Version     int
}

const lockedColumns = `id, reporter_id, customer, status, owner_id, responded_at, rating, merged_into, version`

// lockItem reads the item under a row lock; mode is a lock strength
// constant ("UPDATE", "NO KEY UPDATE"), never user input.
func lockItem(ctx context.Context, tx pgx.Tx, id int64, mode string) (locked, error) {
	rows, err := tx.Query(ctx, `SELECT `+lockedColumns+` FROM feedback_items WHERE id = $1 FOR `+mode, id)
	if err != nil {
		return locked{}, err
	}
	it, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[locked])
	if errors.Is(err, pgx.ErrNoRows) {
		return locked{}, db.ErrNotFound
	}
	return it, err
}

// short keeps a name readable inside a notification title.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// Link is the item's page.
func Link(id int64) string { return "/feedback/" + strconv.FormatInt(id, 10) }

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
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// A merge of this item (FOR UPDATE) waits, or goes first; +1s to
		// one item queue up for its count.
		it, err := lockItem(ctx, tx, id, "NO KEY UPDATE")
		switch {
		case err != nil:
			return err
		case it.MergedInto != nil:
			return ErrMerged
		case it.ReporterID == by.ID:
			return ErrOwnItem
		}
		_, err = tx.Exec(ctx, `INSERT INTO feedback_heard (item_id, user_id, customer, note, created_at)
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
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		it, err := lockItem(ctx, tx, id, "UPDATE")
		switch {
		case err != nil:
			return err
		case it.MergedInto != nil:
			return ErrMerged
		case it.Version != version:
			return db.ErrConflict
		}
		if err := CheckMove(by, it.Status, to); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
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
		return notifications.Send(ctx, tx, ids, by.ID, "feedback_response", ResponseTitle(id, it.Customer, to, by.Name), Link(id))
	})
}

// AssignOwner makes ownerID (an active marketer) the item's owner; 0
// removes the owner. The new owner is notified.
func (s *Store) AssignOwner(ctx context.Context, by users.User, id int64, version int, ownerID int64) error {
	if !CanTriage(by) {
		return ErrNotTriager
	}
	now := s.now()
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		it, err := lockItem(ctx, tx, id, "UPDATE")
		switch {
		case err != nil:
			return err
		case it.MergedInto != nil:
			return ErrMerged
		case it.Version != version:
			return db.ErrConflict
		}
		var owner *int64
		if ownerID != 0 {
			var team users.Team
			var active bool
			err := tx.QueryRow(ctx, `SELECT team, active FROM users WHERE id = $1`, ownerID).Scan(&team, &active)
			if errors.Is(err, pgx.ErrNoRows) || err == nil && !CanOwn(users.User{Team: team, Active: active}) {
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
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		it, err := lockItem(ctx, tx, id, "UPDATE")
		switch {
		case err != nil:
			return err
		case it.ReporterID != by.ID:
			return ErrNotReporter
		case it.MergedInto != nil:
			return ErrMerged
		case it.RespondedAt == nil:
			return ErrNoResponse
		case it.Rating != nil && int(*it.Rating) == rating:
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE feedback_items SET rating = $2, rated_at = $3, updated_at = $3
			WHERE id = $1`, id, rating, now); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO feedback_events (item_id, at, actor_id, kind, rating)
			VALUES ($1, $2, $3, 'rating', $4)`, id, now, by.ID, rating)
		return err
	})
}

// Merge merges item from (B, a duplicate) into item into (A). B's +1s move
// to A, and B's reporter becomes a +1 on A with B's customer and words,
// except where that person is A's reporter or already heard A: nobody is
// counted twice. B then only points to A. version is B's version as the
// merging user saw it.
func (s *Store) Merge(ctx context.Context, by users.User, from, into int64, version int) error {
	if !CanTriage(by) {
		return ErrNotTriager
	}
	if into <= 0 {
		return FieldErrors{"into": "Enter the number of the item to merge this one into."}
	}
	if into == from {
		return FieldErrors{"into": "An item cannot be merged into itself; enter the number of the other item."}
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
			return ErrMerged
		case b.Version != version:
			return db.ErrConflict
		case a == nil:
			return FieldErrors{"into": fmt.Sprintf("There is no feedback item #%d.", into)}
		case a.MergedInto != nil && *a.MergedInto == from:
			return FieldErrors{"into": fmt.Sprintf("Item #%d was merged into this one (#%d) already; merging #%d into it would make a loop.",
				into, from, from)}
		case a.MergedInto != nil:
			return FieldErrors{"into": fmt.Sprintf("Item #%d was itself merged into #%d; merge into #%d instead.",
				into, *a.MergedInto, *a.MergedInto)}
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

// Themes returns every theme, active ones first; with counts, each with
// its number of items (a scan of the history: for the admin page, not for
// every form and filter).
func (s *Store) Themes(ctx context.Context, counts bool) ([]Theme, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT t.id, t.name, t.description, t.active, t.version,
		       CASE WHEN $1 THEN (SELECT count(*) FROM feedback_items f WHERE f.theme_id = t.id AND f.merged_into IS NULL)
		            ELSE 0 END::int AS items
		FROM feedback_themes t ORDER BY NOT t.active, lower(t.name)`, counts)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Theme])
}

func themeFieldErrors(err error) error {
	if db.IsUniqueViolation(err, "feedback_themes_name_key") {
		return FieldErrors{"name": "A theme with this name exists already."}
	}
	return err
}

// CreateTheme adds a theme to the list.
func (s *Store) CreateTheme(ctx context.Context, in ThemeInput) (Theme, error) {
	in.normalize()
	if errs := in.validate(); errs != nil {
		return Theme{}, errs
	}
	var t Theme
	err := s.pool.QueryRow(ctx, `INSERT INTO feedback_themes (name, description, active) VALUES ($1, $2, true)
		RETURNING id, name, description, active, version`, in.Name, in.Description).
		Scan(&t.ID, &t.Name, &t.Description, &t.Active, &t.Version)
	return t, themeFieldErrors(err)
}

// UpdateTheme renames, redescribes, retires or reinstates a theme. At least
// one theme stays active, or nobody could log feedback.
func (s *Store) UpdateTheme(ctx context.Context, id int64, version int, in ThemeInput) (Theme, error) {
	in.normalize()
	if errs := in.validate(); errs != nil {
		return Theme{}, errs
	}
	var t Theme
	err := db.InTxRetry(ctx, s.pool, func(tx pgx.Tx) error {
		var cur int
		var active bool
		err := tx.QueryRow(ctx, `SELECT version, active FROM feedback_themes WHERE id = $1 FOR UPDATE`, id).Scan(&cur, &active)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return db.ErrNotFound
		case err != nil:
			return err
		case cur != version:
			return db.ErrConflict
		}
		if active && !in.Active {
			var others int
			// Lock the other active themes so two admins cannot retire the last two at once.
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM feedback_themes
				WHERE active AND id <> $1 FOR UPDATE) x`, id).Scan(&others); err != nil {
				return err
			}
			if others == 0 {
				return FieldErrors{"active": "Keep at least one theme active, or nobody can log feedback."}
			}
		}
		err = tx.QueryRow(ctx, `UPDATE feedback_themes SET name = $2, description = $3, active = $4,
				updated_at = now(), version = version + 1
			WHERE id = $1 RETURNING id, name, description, active, version`, id, in.Name, in.Description, in.Active).
			Scan(&t.ID, &t.Name, &t.Description, &t.Active, &t.Version)
		return themeFieldErrors(err)
	})
	return t, err
}
