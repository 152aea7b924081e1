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

	"tandem/internal/cache"
	"tandem/internal/db"
	"tandem/internal/events"
	"tandem/internal/users"
)

// Store reads and writes feedback items, +1s, themes and their history.
type Store struct {
	pool *pgxpool.Pool
	loc  *time.Location // business timezone: deadlines and months are cut in it
	now  func() time.Time
	// pages and trends are set once Cache was called.
	pages  *cache.Map[Filter, listed]
	trends *cache.Map[int64, Trends] // by the first month's start, Unix seconds
}

// listed is one page of the list and the number of matches.
type listed struct {
	items []Item
	total int
}

// Cache keeps the feedback list's pages and the theme trends in memory for
// up to ttl, dropped when the bus reports a change to what they show
// (migration 30's "feedback" triggers). Callers must not modify what they
// are given.
func (s *Store) Cache(bus *cache.Bus, ttl time.Duration) {
	s.pages = cache.NewMap[Filter, listed](bus, "feedback", ttl, 256, cache.NoRows[Filter]).RefreshAhead()
	s.trends = cache.NewMap[int64, Trends](bus, "feedback", ttl, 2, cache.NoRows[int64]).RefreshAhead()
}

// ListCacheStats is how often Cache's maps answered from memory, and how
// often they read the database.
func (s *Store) ListCacheStats() (hits, misses uint64) {
	if s.pages == nil {
		return 0, 0
	}
	return cache.Sum(s.pages, s.trends)
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
	c.pages, c.trends = nil, nil // the cached answers are of the real clock
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
	return db.QueryOne[Item](ctx, s.pool, `SELECT `+itemColumns+itemFrom+` WHERE f.id = $1`, id)
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

// HeardByUser says which of the items the user has added a +1 to.
func (s *Store) HeardByUser(ctx context.Context, userID int64, ids []int64) (map[int64]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT item_id FROM feedback_heard WHERE user_id = $1 AND item_id = ANY($2)`, userID, ids)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	heard := make(map[int64]bool, len(list))
	for _, id := range list {
		heard[id] = true
	}
	return heard, nil
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
		WHERE team = 'marketing' AND active AND NOT service ORDER BY lower(name), id`)
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
		if err != nil {
			return err
		}
		triagers, err := marketers(ctx, tx)
		if err != nil {
			return err
		}
		if err := tell(ctx, tx, events.FeedbackLogged, id, by.ID, triagers); err != nil {
			return err
		}
		return db.RecordCreated(ctx, tx, "feedback", id)
	})
	if err != nil {
		return Item{}, err
	}
	return s.Get(ctx, id)
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
