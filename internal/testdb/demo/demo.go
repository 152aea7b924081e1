// Package demo gives tests a database holding the demo company, cloned from
// a template seeded once per test run (a tenth of a second instead of
// seeding each time). It is separate from testdb so that the packages the
// seed itself uses can still use testdb in their tests.
package demo

import (
	"context"
	"database/sql"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/peterldowns/pgtestdb"

	"tandem/internal/db"
	"tandem/internal/seed"
	"tandem/internal/testdb"
)

type migrator struct{}

func (migrator) Hash() (string, error) {
	h, err := testdb.Migrator{}.Hash()
	return h + "-demo", err
}

func (migrator) Migrate(ctx context.Context, _ *sql.DB, c pgtestdb.Config) error {
	if err := db.MigrateUp(c.URL()); err != nil {
		return err
	}
	pool, err := db.Open(ctx, c.URL(), 2)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := seed.Demo(ctx, pool, time.UTC, io.Discard); err != nil {
		return err
	}
	// The suite runs on the elapsed clock: a business-hours deadline
	// depends on the weekday and hour the suite happens to run at, and no
	// test's outcome may. Tests of business hours set the calendar up.
	_, err = pool.Exec(ctx, `UPDATE sla_calendar SET mode = 'elapsed';
		UPDATE leads SET sla_due_at = handed_off_at + make_interval(hours =>
			coalesce((SELECT value::integer FROM settings WHERE key = 'sla_hours'), 24)),
			response_seconds = greatest(0, extract(epoch FROM first_touch_at - handed_off_at))::integer
		WHERE handed_off_at IS NOT NULL`)
	return err
}

// URL returns the connection string of a fresh database with the demo
// company (business timezone UTC).
func URL(t testing.TB) string {
	return testdb.WithMigrator(t, migrator{}).URL()
}

// New returns a pool on a fresh database with the demo company.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := db.Open(context.Background(), URL(t), 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
