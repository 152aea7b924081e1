package seed

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// demoTargets sets the quarterly revenue goal and marketing's MQL
// commitment from two quarters back, sized to the demo company; the other
// KPIs keep PRODUCT.md's defaults.
func demoTargets(ctx context.Context, pool *pgxpool.Pool, now time.Time, _ *rand.Rand) (bool, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM kpi_targets)`).Scan(&exists); err != nil || exists {
		return false, err
	}
	y, m, _ := now.AddDate(0, -6, 0).Date()
	from := time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, now.Location())
	_, err := pool.Exec(ctx, `INSERT INTO kpi_targets (kpi, period_kind, value, effective_from) VALUES
		('revenue_goal', 'quarter', 10000000, $1), ('mql', 'week', 140, $1), ('mql', 'month', 600, $1), ('mql', 'quarter', 1800, $1)`,
		from.Format("2006-01-02"))
	return err == nil, err
}
