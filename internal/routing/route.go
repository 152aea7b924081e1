package routing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
)

// Decision is what the rules chose for a lead.
type Decision struct {
	RuleID   int64 // 0: no rule matched
	RuleName string
	Method   Method
	RepID    int64 // 0: nobody; the lead waits for a sales manager
	RepName  string
	// Why says in words what happened, for the timeline and the
	// notifications: the rule and method, and when nobody was chosen, why.
	Why string
}

// candidate is a rep of the matched rule's pool as the pick sees them.
type candidate struct {
	ID      int64  `db:"id"`
	Name    string `db:"name"`
	Weight  int    `db:"weight"`
	Pass    int64  `db:"pass"` // the turn: the pool's clock if it fell behind
	Open    int    `db:"open"`
	MaxOpen *int   `db:"max_open"`
	Active  bool   `db:"active"`
	Away    bool   `db:"away"`
	skip    string
}

// Route applies the rules to the lead in the caller's transaction (the
// handoff's): the first matching rule picks a rep, and its pool's turns
// advance. Reps in exclude are skipped (a re-route away from the current
// rep). The matched rule's row stays locked until the transaction ends, so
// concurrent handoffs through one rule take their turns one after another
// and no two of them see the same turn.
func Route(ctx context.Context, tx pgx.Tx, l Lead, exclude ...int64) (Decision, error) {
	if l.CampaignID != nil && l.Channel == "" {
		err := tx.QueryRow(ctx, `SELECT channel FROM campaigns WHERE id = $1`, *l.CampaignID).Scan(&l.Channel)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return Decision{}, err
		}
	}
	rules, err := db.QueryAll[Rule](ctx, tx, `SELECT `+ruleColumns+ruleFrom+`ORDER BY r.position, r.id`)
	if err != nil {
		return Decision{}, err
	}
	i := slices.IndexFunc(rules, func(r Rule) bool { return r.Matches(l) })
	if i < 0 {
		return Decision{Why: "No routing rule matches this lead; it waits for a sales manager to assign it."}, nil
	}
	r := rules[i]
	d := Decision{RuleID: r.ID, RuleName: r.Name, Method: r.Method}
	var clock int64
	err = tx.QueryRow(ctx, `SELECT clock FROM routing_rules WHERE id = $1 FOR UPDATE`, r.ID).Scan(&clock)
	if errors.Is(err, pgx.ErrNoRows) {
		// Removed since the rules were read: read them again.
		return Route(ctx, tx, l, exclude...)
	}
	if err != nil {
		return Decision{}, err
	}
	if r.Method == Queue {
		d.Why = fmt.Sprintf("Rule “%s” leaves it for a sales manager to assign.", r.Name)
		return d, nil
	}
	pool, err := candidates(ctx, tx, r, clock)
	if err != nil {
		return Decision{}, err
	}
	c, ok := pick(r.Method, pool, exclude)
	if !ok {
		d.Why = fmt.Sprintf("Rule “%s” (%s) found nobody free: %s. It waits for a sales manager to assign it.",
			r.Name, lower(r.Method.Label()), skips(pool, exclude))
		return d, nil
	}
	if r.Method != Named {
		if err := takeTurn(ctx, tx, r.ID, c); err != nil {
			return Decision{}, err
		}
	}
	d.RepID, d.RepName = c.ID, c.Name
	d.Why = fmt.Sprintf("Routed to %s by rule “%s” (%s).", c.Name, r.Name, lower(r.Method.Label()))
	return d, nil
}

func lower(s string) string { return strings.ToLower(s[:1]) + s[1:] }

// candidates reads the rule's pool (or its named rep) with what the pick
// needs. The caps of the pool's reps are locked first, in one order for
// every handoff (so two cannot deadlock), and the open leads counted after
// that: two handoffs through different rules cannot both take a rep's
// last free place.
func candidates(ctx context.Context, tx pgx.Tx, r Rule, clock int64) ([]candidate, error) {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM rep_capacity
		WHERE user_id = $2 OR user_id IN (SELECT user_id FROM routing_rule_reps WHERE rule_id = $1)
		ORDER BY user_id FOR UPDATE`, r.ID, r.NamedRepID); err != nil {
		return nil, err
	}
	const state = `u.id, u.name, u.active AND u.team = 'sales' AND NOT u.service AS active, c.max_open,
		coalesce((now() AT TIME ZONE u.timezone)::date BETWEEN a.starts_on AND a.ends_on, false) AS away,
		(SELECT count(*) FROM leads l WHERE l.owner_id = u.id AND l.stage = 'handed_off') AS open`
	const joins = ` LEFT JOIN rep_capacity c ON c.user_id = u.id LEFT JOIN away_periods a ON a.user_id = u.id `
	var pool []candidate
	var err error
	if r.Method == Named {
		pool, err = db.QueryAll[candidate](ctx, tx, `SELECT `+state+`, 1 AS weight, 0::bigint AS pass
			FROM users u`+joins+`WHERE u.id = $1`, r.NamedRepID)
	} else {
		pool, err = db.QueryAll[candidate](ctx, tx, `SELECT `+state+`, p.weight, greatest(p.pass, $2) AS pass
			FROM routing_rule_reps p JOIN users u ON u.id = p.user_id`+joins+`WHERE p.rule_id = $1
			ORDER BY u.id`, r.ID, clock)
	}
	if err != nil {
		return nil, err
	}
	for i := range pool {
		c := &pool[i]
		switch {
		case !c.Active:
			c.skip = "deactivated"
		case c.Away:
			c.skip = "away"
		case c.MaxOpen != nil && c.Open >= *c.MaxOpen:
			c.skip = "at capacity"
		}
	}
	return pool, nil
}

// pick chooses the next rep: the lowest turn (pass) for round-robin,
// fewest open leads then lowest turn for least-loaded, the one rep for a
// named rep. Ties go to the longest-standing account.
func pick(m Method, pool []candidate, exclude []int64) (candidate, bool) {
	var free []candidate
	for _, c := range pool {
		if c.skip == "" && !slices.Contains(exclude, c.ID) {
			free = append(free, c)
		}
	}
	if len(free) == 0 {
		return candidate{}, false
	}
	return slices.MinFunc(free, func(a, b candidate) int {
		if m == LeastLoaded {
			if n := cmp.Compare(a.Open, b.Open); n != 0 {
				return n
			}
		}
		return cmp.Or(cmp.Compare(a.Pass, b.Pass), cmp.Compare(a.ID, b.ID))
	}), true
}

// takeTurn moves the rep's turn on by their stride and the pool's clock to
// the turn just taken, so a rep who was away rejoins at the current turn
// rather than with a backlog of turns to catch up on.
func takeTurn(ctx context.Context, tx pgx.Tx, ruleID int64, c candidate) error {
	weight := max(c.Weight, 1)
	if _, err := tx.Exec(ctx, `UPDATE routing_rule_reps SET pass = $3, routed = routed + 1 WHERE rule_id = $1 AND user_id = $2`,
		ruleID, c.ID, c.Pass+int64(strideUnit/weight)); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE routing_rules SET clock = greatest(clock, $2) WHERE id = $1`, ruleID, c.Pass)
	return err
}

// skips says why each rep of the pool was passed over.
func skips(pool []candidate, exclude []int64) string {
	if len(pool) == 0 {
		return "its pool is empty"
	}
	parts := make([]string, 0, len(pool))
	for _, c := range pool {
		why := c.skip
		if why == "" && slices.Contains(exclude, c.ID) {
			why = "already had it"
		}
		parts = append(parts, c.Name+" "+why)
	}
	return strings.Join(parts, ", ")
}
