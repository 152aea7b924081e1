package seed

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
)

// demoRouting sets up lead routing: a narrow DACH enterprise rule (weighted
// round-robin) and a Nordics rule (least loaded), a cap, a rep away next
// week, and the routing lines on the timelines of the DACH leads the rule
// would have routed. The rules are narrow on purpose: a lead typed in by
// hand (score 0, no country) falls through to a sales manager as before.
func demoRouting(ctx context.Context, pool *pgxpool.Pool, now time.Time, _ *rand.Rand) (bool, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM routing_rules)`).Scan(&exists); err != nil || exists {
		return false, err
	}
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		ids := map[string]int64{}
		rows, err := tx.Query(ctx, `SELECT email, id FROM users WHERE email = ANY ($1)`, []string{"rep@example.com",
			"jordan.blake@example.com", "priya.nair@example.com", "tom.becker@example.com", "lena.fischer@example.com"})
		if err != nil {
			return err
		}
		var email string
		var id int64
		if _, err := pgx.ForEachRow(rows, []any{&email, &id}, func() error { ids[email] = id; return nil }); err != nil {
			return err
		}
		riley, jordan, priya := ids["rep@example.com"], ids["jordan.blake@example.com"], ids["priya.nair@example.com"]
		tom, lena := ids["tom.becker@example.com"], ids["lena.fischer@example.com"]
		var dach, nordics int64
		if err := tx.QueryRow(ctx, `INSERT INTO routing_rules (position, name, countries, score_min, fits, method)
			VALUES (1, 'DACH enterprise', '{DE,AT,CH}', 80, '{strong}', 'weighted') RETURNING id`).Scan(&dach); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO routing_rules (position, name, countries, method)
			VALUES (2, 'Nordics', '{DK,FI,IS,NO,SE}', 'least_loaded') RETURNING id`).Scan(&nordics); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO routing_rule_reps (rule_id, user_id, weight) VALUES
			($1, $3, 2), ($1, $4, 1), ($2, $5, 1), ($2, $6, 1), ($2, $7, 1)`, dach, nordics, riley, jordan, priya, tom, lena); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO rep_capacity (user_id, max_open) VALUES ($1, 8)`, tom); err != nil {
			return err
		}
		nextWeek := now.AddDate(0, 0, 7)
		if _, err := tx.Exec(ctx, `INSERT INTO away_periods (user_id, starts_on, ends_on) VALUES ($1, $2, $3)`,
			lena, nextWeek.Format(time.DateOnly), nextWeek.AddDate(0, 0, 4).Format(time.DateOnly)); err != nil {
			return err
		}
		// The DACH leads Riley and Jordan own that the rule matches: say
		// on their timelines that it routed them, and count them.
		if _, err := tx.Exec(ctx, `
			WITH routed AS (
				INSERT INTO lead_events (lead_id, actor_id, kind, note, version, at, rule_id)
				SELECT l.id, l.handed_off_by, 'route',
					'Routed to ' || u.name || ' by rule “DACH enterprise” (weighted round-robin).', l.version, l.handed_off_at, $1
				FROM leads l JOIN users u ON u.id = l.owner_id
				WHERE l.owner_id IN ($2, $3) AND l.handed_off_at IS NOT NULL AND l.country IN ('DE', 'AT', 'CH')
					AND l.score >= 80 AND l.fit = 'strong'
				RETURNING lead_id)
			UPDATE routing_rule_reps p SET routed = n.routed, pass = n.routed * (2520 / p.weight)
			FROM (SELECT l.owner_id, count(*) AS routed FROM routed r JOIN leads l ON l.id = r.lead_id GROUP BY l.owner_id) n
			WHERE p.rule_id = $1 AND p.user_id = n.owner_id`, dach, riley, jordan); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE routing_rules SET clock = (SELECT coalesce(min(pass), 0) FROM routing_rule_reps WHERE rule_id = $1) WHERE id = $1`, dach)
		return err
	})
	return err == nil, err
}
