// Package db holds what every domain package shares about PostgreSQL: the
// pool, migrations, transactions and the errors callers branch on.
package db

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // pgx5:// driver
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/migrations"
)

// ErrNotFound is returned when a row asked for by its key does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a row changed since the caller read it.
var ErrConflict = errors.New("changed by someone else")

// DBTX is what store functions need: a pool, a connection and a transaction
// all satisfy it.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
}

// Open creates a pool. It does not wait for the database: the app starts
// (and answers /healthz) while PostgreSQL is still coming up.
func Open(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	cfg.MaxConns = maxConns
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.HealthCheckPeriod = 15 * time.Second
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	// The KPI queries' cost estimates cross jit_above_cost, and compiling
	// them took longer than running them (40 ms of a 70 ms readiness query
	// at 1M leads). A URL that sets jit keeps its own choice.
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	return pgxpool.NewWithConfig(ctx, cfg)
}

// InTx runs fn in a transaction, committing when it returns nil.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, pool, fn)
}

// ErrRetryTx, returned by fn, asks InTxRetry to roll back and run fn again:
// for a transaction that finds, once it holds its first locks, that it needs
// more rows than it locked, and must start over to take them all in order.
var ErrRetryTx = errors.New("the transaction has to start over")

// TxAttempts bounds how often InTxRetry runs a transaction. A deadlock or
// serialization failure between a handful of concurrent requests clears in
// one or two rounds; one that does not is a bug to see in the log, not a
// loop to wait on.
const TxAttempts = 5

// IsRetryable reports whether err means PostgreSQL gave up the transaction
// because of a concurrent one, so running it again can succeed: 40001
// serialization_failure or 40P01 deadlock_detected.
func IsRetryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// InTxRetry runs fn in a transaction like InTx, and runs it again, up to
// TxAttempts times in all, when it fails with a serialization failure or a
// deadlock (or fn returns ErrRetryTx). fn must do all its work through tx and
// set any result variables afresh on every run. The pause between runs grows
// and is jittered, so the transactions that collided do not collide again.
func InTxRetry(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := InTx(ctx, pool, fn)
		if err == nil || !IsRetryable(err) && !errors.Is(err, ErrRetryTx) {
			return err
		}
		if attempt == TxAttempts {
			return fmt.Errorf("gave up after %d attempts: %w", attempt, err)
		}
		base := time.Duration(attempt) * 5 * time.Millisecond
		pause := base/2 + rand.N(base)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// LatestVersion is the schema version this binary expects. A test keeps it
// in step with the files in migrations/, because the iofs source skips
// misnamed files silently.
const LatestVersion = 32

func newMigrate(url string) (*migrate.Migrate, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, err
	}
	return migrate.NewWithSourceInstance("iofs", src, migrateURL(url))
}

func migrateURL(url string) string {
	for _, prefix := range []string{"postgres://", "postgresql://"} {
		if rest, ok := strings.CutPrefix(url, prefix); ok {
			return "pgx5://" + rest
		}
	}
	return url
}

// MigrateUp applies every pending migration. Several instances starting at
// once are serialized by golang-migrate's advisory lock.
func MigrateUp(url string) error {
	m, err := newMigrate(url)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return err
	}
	return nil
}

// MigrateDown rolls back n migrations.
func MigrateDown(url string, n int) error {
	m, err := newMigrate(url)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Steps(-n); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return err
	}
	return nil
}

// MigrateForce marks the schema as being at version v without running
// anything, for repairing a dirty state by hand.
func MigrateForce(url string, v int) error {
	m, err := newMigrate(url)
	if err != nil {
		return err
	}
	defer m.Close()
	return m.Force(v)
}

// SchemaVersion reports the applied version and whether a failed migration
// left it dirty. Version 0 means nothing is applied.
func SchemaVersion(url string) (version uint, dirty bool, err error) {
	m, err := newMigrate(url)
	if err != nil {
		return 0, false, err
	}
	defer m.Close()
	version, dirty, err = m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	return version, dirty, err
}

// IsUnavailable reports whether err means the database could not be reached
// (down, restarting, refusing connections) rather than a bad query.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr):
		return true
	case errors.As(err, &pgErr):
		// Class 08: connection exception; 57P01-03: admin shutdown, crash
		// shutdown, cannot connect now.
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P0")
	case pgconn.SafeToRetry(err), errors.Is(err, context.DeadlineExceeded):
		return true
	}
	return strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "unexpected EOF")
}

// IsUniqueViolation reports whether err is a unique constraint violation,
// optionally of the named constraint.
func IsUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && (constraint == "" || pgErr.ConstraintName == constraint)
}

// IsCheckViolation reports whether err is a check constraint violation.
func IsCheckViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23514"
}

// QueryOne runs a query of one row and reads it into a T by column name
// (`db` tags); no row is ErrNotFound.
func QueryOne[T any](ctx context.Context, q DBTX, sql string, args ...any) (T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[T])
	if errors.Is(err, pgx.ErrNoRows) {
		return v, ErrNotFound
	}
	return v, err
}

// QueryAll runs a query and reads every row into a T by column name.
func QueryAll[T any](ctx context.Context, q DBTX, sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[T])
}
