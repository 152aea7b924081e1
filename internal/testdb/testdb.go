// Package testdb gives each test its own PostgreSQL database, cloned from a
// template that the real migrations built. `make test` provides the server
// through TEST_DATABASE_URL.
package testdb

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver for pgtestdb
	"github.com/peterldowns/pgtestdb"
	"github.com/peterldowns/pgtestdb/migrators/common"

	"tandem/internal/db"
	"tandem/migrations"
)

// migrator builds the template with the app's own migration code.
type migrator struct{}

func (migrator) Hash() (string, error) {
	h, err := common.HashDirs(migrations.FS, "*.sql", ".")
	return "tandem-pgx5-" + h, err
}

func (migrator) Migrate(_ context.Context, _ *sql.DB, c pgtestdb.Config) error {
	return db.MigrateUp(c.URL())
}

// Config returns connection settings for a fresh, migrated database.
func Config(t testing.TB) pgtestdb.Config {
	return config(t, migrator{})
}

// Migrator builds the template of every test database: the app's own
// migrations. Packages that need more (demo data) wrap it.
type Migrator = migrator

// WithMigrator returns connection settings for a fresh database cloned
// from the template m builds (once per test run and hash).
func WithMigrator(t testing.TB, m pgtestdb.Migrator) pgtestdb.Config {
	return config(t, m)
}

func config(t testing.TB, m pgtestdb.Migrator) pgtestdb.Config {
	t.Helper()
	raw := os.Getenv("TEST_DATABASE_URL")
	if raw == "" {
		t.Fatal("TEST_DATABASE_URL is not set: run the tests with `make test`, which starts a throwaway PostgreSQL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	pw, _ := u.User.Password()
	base := pgtestdb.Config{
		DriverName: "pgx",
		Host:       u.Hostname(),
		Port:       u.Port(),
		User:       u.User.Username(),
		Password:   pw,
		Database:   u.Path[1:],
		Options:    "sslmode=disable",
	}
	return *pgtestdb.Custom(t, base, m)
}

// URL returns the connection string of a fresh, migrated database.
func URL(t testing.TB) string {
	return Config(t).URL()
}

// New returns a pool on a fresh, migrated database, closed when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := db.Open(context.Background(), URL(t), 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
