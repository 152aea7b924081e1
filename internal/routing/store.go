package routing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/cache"
	"tandem/internal/db"
	"tandem/internal/refusal"
	"tandem/internal/users"
)

// Store keeps the routing rules, capacities and out-of-office dates.
type Store struct {
	pool *pgxpool.Pool
	// any is set once Cache was called: every lead page asks.
	any *cache.Map[struct{}, bool]
}

// NewStore returns a Store over pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Cache keeps whether any rule exists in memory for up to ttl, dropped
// when the bus reports a rule added or deleted (migration 32).
func (s *Store) Cache(bus *cache.Bus, ttl time.Duration) {
	s.any = cache.NewMap[struct{}, bool](bus, "routing", ttl, 1, cache.NoRows[struct{}])
}

const ruleColumns = `r.id, r.position, r.name, r.countries, r.campaign_id, coalesce(c.name, '') AS campaign,
	coalesce(r.channel, '') AS channel, r.score_min, r.score_max, r.fits, r.method, r.named_rep_id,
	coalesce(n.name, '') AS named_rep, r.version`

const ruleFrom = ` FROM routing_rules r LEFT JOIN campaigns c ON c.id = r.campaign_id LEFT JOIN users n ON n.id = r.named_rep_id `

// Rules returns the rules in the order they are tried, with their pools.
func (s *Store) Rules(ctx context.Context) ([]Rule, error) { return rulesOf(ctx, s.pool) }

func rulesOf(ctx context.Context, q db.DBTX) ([]Rule, error) {
	rules, err := db.QueryAll[Rule](ctx, q, `SELECT `+ruleColumns+ruleFrom+`ORDER BY r.position, r.id`)
	if err != nil {
		return nil, err
	}
	pools, err := db.QueryAll[struct {
		RuleID int64 `db:"rule_id"`
		PoolRep
	}](ctx, q, `SELECT p.rule_id, p.user_id, u.name, p.weight, p.routed
		FROM routing_rule_reps p JOIN users u ON u.id = p.user_id ORDER BY lower(u.name), u.id`)
	if err != nil {
		return nil, err
	}
	for i := range rules {
		for _, p := range pools {
			if p.RuleID == rules[i].ID {
				rules[i].Pool = append(rules[i].Pool, p.PoolRep)
			}
		}
	}
	return rules, nil
}

// Rule returns one rule with its pool.
func (s *Store) Rule(ctx context.Context, id int64) (Rule, error) {
	rules, err := s.Rules(ctx)
	if err != nil {
		return Rule{}, err
	}
	for _, r := range rules {
		if r.ID == id {
			return r, nil
		}
	}
	return Rule{}, ErrNoRule
}

// ErrNoRule means the rule was removed meanwhile, or never was.
var ErrNoRule = refusal.Missing("That routing rule does not exist any more.")

// lockRules serialises the edits of the rule order: positions are
// renumbered, so two edits at once would collide or leave a gap. Handoffs,
// which read the rules and lock one rule's row, are not blocked.
func lockRules(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `LOCK TABLE routing_rules IN SHARE ROW EXCLUSIVE MODE`)
	return err
}

// confirm checks what only the database knows: the campaign exists and
// every rep is an active sales rep.
func confirm(ctx context.Context, tx pgx.Tx, c *checked, errs refusal.Fields) error {
	if c.campaignID != nil {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = $1)`, *c.campaignID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			errs["campaign"] = noCampaign
		}
	}
	ids := make([]int64, 0, len(c.pool)+1)
	for _, p := range c.pool {
		ids = append(ids, p.UserID)
	}
	if c.namedRep != nil {
		ids = append(ids, *c.namedRep)
	}
	if len(ids) == 0 {
		return nil
	}
	var reps int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE id = ANY ($1) AND team = 'sales' AND active AND NOT service`, ids).Scan(&reps); err != nil {
		return err
	}
	if reps < len(ids) {
		if c.namedRep != nil {
			errs["named_rep"] = "Choose an active sales rep."
		} else {
			errs["reps"] = "Choose active sales reps from the list."
		}
	}
	return nil
}

// Create adds a rule after the existing ones.
func (s *Store) Create(ctx context.Context, by users.Actor, in RuleInput) (Rule, error) {
	c, errs := in.check()
	var id int64
	err := db.InTxRetry(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockRules(ctx, tx); err != nil {
			return err
		}
		if err := confirm(ctx, tx, &c, errs); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM routing_rules`).Scan(&n); err != nil {
			return err
		}
		if n >= maxRules {
			errs["name"] = fmt.Sprintf("There are %d rules already; remove one first.", maxRules)
		}
		if len(errs) > 0 {
			return errs
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO routing_rules (position, name, countries, campaign_id, channel, score_min, score_max, fits, method, named_rep_id)
			VALUES ((SELECT coalesce(max(position), 0) + 1 FROM routing_rules), $1, $2, $3, nullif($4, ''), $5, $6, $7, $8, $9)
			RETURNING id`, c.name, c.countries, c.campaignID, c.channel, c.scoreMin, c.scoreMax, c.fits, c.method, c.namedRep).Scan(&id); err != nil {
			return err
		}
		if err := writePool(ctx, tx, id, c.pool); err != nil {
			return err
		}
		if err := db.RecordCreated(ctx, tx, "routing_rule", id); err != nil {
			return err
		}
		return users.Record(ctx, tx, by, "routing.rule_added", fmt.Sprintf("%q (%s)", c.name, c.method.Label()))
	})
	if err != nil {
		return Rule{}, err
	}
	return s.Rule(ctx, id)
}

// writePool replaces the rule's pool, keeping the turns of the reps who
// stay in it (a new rep joins at the pool's current clock).
func writePool(ctx context.Context, tx pgx.Tx, ruleID int64, pool []PoolRep) error {
	ids := make([]int64, len(pool))
	for i, p := range pool {
		ids[i] = p.UserID
	}
	if _, err := tx.Exec(ctx, `DELETE FROM routing_rule_reps WHERE rule_id = $1 AND NOT user_id = ANY ($2)`, ruleID, ids); err != nil {
		return err
	}
	for _, p := range pool {
		if _, err := tx.Exec(ctx, `
			INSERT INTO routing_rule_reps (rule_id, user_id, weight, pass)
			VALUES ($1, $2, $3, (SELECT clock FROM routing_rules WHERE id = $1))
			ON CONFLICT (rule_id, user_id) DO UPDATE SET weight = excluded.weight`, ruleID, p.UserID, p.Weight); err != nil {
			return err
		}
	}
	return nil
}

// Update changes a rule's name, conditions and method, at the version the
// form was loaded with.
func (s *Store) Update(ctx context.Context, by users.Actor, id int64, version int, in RuleInput) (Rule, error) {
	c, errs := in.check()
	err := db.InTxRetry(ctx, s.pool, func(tx pgx.Tx) error {
		var current int
		err := tx.QueryRow(ctx, `SELECT version FROM routing_rules WHERE id = $1 FOR UPDATE`, id).Scan(&current)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoRule
		}
		if err != nil {
			return err
		}
		if current != version {
			return db.ErrConflict
		}
		if err := confirm(ctx, tx, &c, errs); err != nil {
			return err
		}
		if len(errs) > 0 {
			return errs
		}
		if _, err := tx.Exec(ctx, `
			UPDATE routing_rules SET name = $2, countries = $3, campaign_id = $4, channel = nullif($5, ''), score_min = $6,
				score_max = $7, fits = $8, method = $9, named_rep_id = $10, version = version + 1, updated_at = now()
			WHERE id = $1`, id, c.name, c.countries, c.campaignID, c.channel, c.scoreMin, c.scoreMax, c.fits, c.method, c.namedRep); err != nil {
			return err
		}
		if err := writePool(ctx, tx, id, c.pool); err != nil {
			return err
		}
		return users.Record(ctx, tx, by, "routing.rule_changed", fmt.Sprintf("%q (%s)", c.name, c.method.Label()))
	})
	if err != nil {
		return Rule{}, err
	}
	return s.Rule(ctx, id)
}

// Delete removes a rule; the later ones move up. The leads it routed keep
// their owners; their timelines keep the rule's name.
func (s *Store) Delete(ctx context.Context, by users.Actor, id int64) error {
	return db.InTxRetry(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockRules(ctx, tx); err != nil {
			return err
		}
		var position int
		var name string
		err := tx.QueryRow(ctx, `DELETE FROM routing_rules WHERE id = $1 RETURNING position, name`, id).Scan(&position, &name)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoRule
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE routing_rules SET position = position - 1 WHERE position > $1`, position); err != nil {
			return err
		}
		return users.Record(ctx, tx, by, "routing.rule_removed", strconv.Quote(name))
	})
}

// Move swaps a rule with the one before it (up) or after it; at either end
// it stays.
func (s *Store) Move(ctx context.Context, by users.Actor, id int64, up bool) error {
	return db.InTxRetry(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockRules(ctx, tx); err != nil {
			return err
		}
		var position int
		var name string
		err := tx.QueryRow(ctx, `SELECT position, name FROM routing_rules WHERE id = $1`, id).Scan(&position, &name)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoRule
		}
		if err != nil {
			return err
		}
		other := position + 1
		if up {
			other = position - 1
		}
		tag, err := tx.Exec(ctx, `UPDATE routing_rules SET position = $1 WHERE position = $2`, position, other)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE routing_rules SET position = $1 WHERE id = $2`, other, id); err != nil {
			return err
		}
		return users.Record(ctx, tx, by, "routing.rule_moved", fmt.Sprintf("%q to #%d", name, other))
	})
}

// RepState is a sales rep as routing sees them today.
type RepState struct {
	ID       int64      `db:"id"`
	Name     string     `db:"name"`
	Open     int        `db:"open"`     // handed off to them, no verdict yet
	MaxOpen  *int       `db:"max_open"` // nil: no cap
	AwayFrom *time.Time `db:"away_from"`
	AwayTo   *time.Time `db:"away_to"`
	AwayNow  bool       `db:"away_now"`
}

// Reps lists the active sales reps with their load, cap and away dates.
func (s *Store) Reps(ctx context.Context) ([]RepState, error) {
	return db.QueryAll[RepState](ctx, s.pool, `
		SELECT u.id, u.name, c.max_open, a.starts_on AS away_from, a.ends_on AS away_to,
			coalesce((now() AT TIME ZONE u.timezone)::date BETWEEN a.starts_on AND a.ends_on, false) AS away_now,
			(SELECT count(*) FROM leads l WHERE l.owner_id = u.id AND l.stage = 'handed_off') AS open
		FROM users u LEFT JOIN rep_capacity c ON c.user_id = u.id LEFT JOIN away_periods a ON a.user_id = u.id
		WHERE u.team = 'sales' AND u.active AND NOT u.service
		ORDER BY lower(u.name), u.id`)
}

// SetCapacities sets every rep's cap at once from the typed values by rep
// id; blank removes a cap.
func (s *Store) SetCapacities(ctx context.Context, by users.Actor, caps map[int64]string) error {
	errs := refusal.Fields{}
	values := map[int64]*int{}
	for id, raw := range caps {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			values[id] = nil
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > MaxCapacity {
			errs[CapacityField(id)] = fmt.Sprintf("A cap is a whole number from 1 to %d, or blank for none.", MaxCapacity)
			continue
		}
		values[id] = &n
	}
	if len(errs) > 0 {
		return errs
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var changed []string
		for id, n := range values {
			var name string
			err := tx.QueryRow(ctx, `SELECT name FROM users WHERE id = $1 AND team = 'sales' AND NOT service`, id).Scan(&name)
			if errors.Is(err, pgx.ErrNoRows) {
				return refusal.InvalidField(CapacityField(id), "That is not a sales rep.")
			}
			if err != nil {
				return err
			}
			var tag pgconn.CommandTag
			if n == nil {
				tag, err = tx.Exec(ctx, `DELETE FROM rep_capacity WHERE user_id = $1`, id)
			} else {
				tag, err = tx.Exec(ctx, `INSERT INTO rep_capacity (user_id, max_open) VALUES ($1, $2)
					ON CONFLICT (user_id) DO UPDATE SET max_open = excluded.max_open WHERE rep_capacity.max_open <> excluded.max_open`, id, *n)
			}
			if err != nil {
				return err
			}
			if tag.RowsAffected() > 0 {
				changed = append(changed, capText(name, n))
			}
		}
		if len(changed) == 0 {
			return nil
		}
		return users.Record(ctx, tx, by, "routing.capacity_changed", strings.Join(changed, ", "))
	})
}

func capText(name string, n *int) string {
	if n == nil {
		return name + ": no cap"
	}
	return fmt.Sprintf("%s: %d", name, *n)
}

// CapacityField is the form field of a rep's cap.
func CapacityField(id int64) string { return "cap_" + strconv.FormatInt(id, 10) }

// Away is a user's out-of-office dates; the zero value is "not away".
type Away struct {
	From time.Time `db:"starts_on"`
	To   time.Time `db:"ends_on"`
}

// IsSet reports whether there are dates.
func (a Away) IsSet() bool { return !a.From.IsZero() }

// AwayOf returns the user's out-of-office dates.
func (s *Store) AwayOf(ctx context.Context, userID int64) (Away, error) {
	a, err := db.QueryOne[Away](ctx, s.pool, `SELECT starts_on, ends_on FROM away_periods WHERE user_id = $1`, userID)
	if errors.Is(err, db.ErrNotFound) {
		return Away{}, nil
	}
	return a, err
}

// MaxAwayDays bounds one out-of-office period.
const MaxAwayDays = 366

// SetAway sets the user's out-of-office dates from the typed days (both
// blank: not away). today is the user's current day, for the check that
// the period has not ended already.
func (s *Store) SetAway(ctx context.Context, by users.Actor, userID int64, from, to string, today time.Time) error {
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	if from == "" && to == "" {
		return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `DELETE FROM away_periods WHERE user_id = $1`, userID)
			if err != nil || tag.RowsAffected() == 0 {
				return err
			}
			return users.Record(ctx, tx, by, "user.away_cleared", "")
		})
	}
	errs := refusal.Fields{}
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		errs["away_from"] = "Enter the first day you are away, like 2026-12-24."
	}
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		errs["away_to"] = "Enter the last day you are away, like 2027-01-02."
	}
	switch {
	case len(errs) > 0:
	case end.Before(start):
		errs["away_to"] = "The last day cannot be before the first."
	case end.Before(today):
		errs["away_to"] = "That period is over already; enter dates from today on."
	case end.Sub(start) > MaxAwayDays*24*time.Hour:
		errs["away_to"] = fmt.Sprintf("Keep one period under %d days.", MaxAwayDays)
	}
	if len(errs) > 0 {
		return errs
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO away_periods (user_id, starts_on, ends_on) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET starts_on = excluded.starts_on, ends_on = excluded.ends_on`, userID, start, end); err != nil {
			return err
		}
		return users.Record(ctx, tx, by, "user.away_set", from+" to "+to)
	})
}

// HasRules reports whether there is any rule, for the handoff form.
func (s *Store) HasRules(ctx context.Context) (bool, error) {
	if s.any != nil {
		return s.any.Get(ctx, struct{}{}, s.storedHasRules)
	}
	return s.storedHasRules(ctx)
}

func (s *Store) storedHasRules(ctx context.Context) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM routing_rules)`).Scan(&ok)
	return ok, err
}
