package seed

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/digest"
)

// demoDigests archives the digest the default schedule would have sent
// most recently, so the archive is not empty. It composes from the demo
// data loaded before it, as the scheduler would; nothing is mailed.
func demoDigests(ctx context.Context, pool *pgxpool.Pool, now time.Time, _ *rand.Rand) (bool, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM digests WHERE body IS NOT NULL)`).Scan(&exists); err != nil || exists {
		return false, err
	}
	svc := digest.New(pool, digest.Options{Location: now.Location()})
	week := digest.DefaultSchedule.LatestDue(now, now.Location())
	_, err := svc.Archive(ctx, week, digest.ViaSchedule, 0)
	return err == nil, err
}
