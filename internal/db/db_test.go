package db_test

import (
	"context"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"tandem/internal/db"
	"tandem/internal/testdb"
	"tandem/migrations"
)

func TestMigrationsReachLatestVersionAndGoDown(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)

	v, dirty, err := db.SchemaVersion(url)
	if err != nil {
		t.Fatal(err)
	}
	if v != db.LatestVersion || dirty {
		t.Fatalf("version %d dirty=%v, want %d clean", v, dirty, db.LatestVersion)
	}

	if err := db.MigrateDown(url, int(db.LatestVersion)); err != nil {
		t.Fatalf("down: %v", err)
	}
	if v, _, _ := db.SchemaVersion(url); v != 0 {
		t.Fatalf("after down all: version %d, want 0", v)
	}
	if err := db.MigrateUp(url); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if v, _, _ := db.SchemaVersion(url); v != db.LatestVersion {
		t.Fatalf("after up again: version %d", v)
	}
}

// The iofs source skips files whose names do not parse, so a typo would
// silently drop a migration. Every .sql file must be a well-named pair.
func TestMigrationFilesAreWellNamedPairs(t *testing.T) {
	t.Parallel()
	name := regexp.MustCompile(`^(\d{6})_[a-z0-9_]+\.(up|down)\.sql$`)
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]map[string]bool{}
	for _, f := range files {
		m := name.FindStringSubmatch(f)
		if m == nil {
			t.Errorf("misnamed migration %q", f)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		if seen[n] == nil {
			seen[n] = map[string]bool{}
		}
		seen[n][m[2]] = true
	}
	for v := 1; v <= db.LatestVersion; v++ {
		if !seen[v]["up"] || !seen[v]["down"] {
			t.Errorf("migration %06d lacks an up or down file", v)
		}
	}
	if len(seen) != db.LatestVersion {
		t.Errorf("%d migrations on disk, LatestVersion is %d", len(seen), db.LatestVersion)
	}
}

func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	pool, err := db.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?sslmode=disable", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	err = pool.Ping(context.Background())
	if err == nil || !db.IsUnavailable(err) {
		t.Fatalf("ping of a closed port: %v, want unavailable", err)
	}
	if db.IsUnavailable(db.ErrNotFound) {
		t.Fatal("ErrNotFound is not unavailability")
	}
}

// Every numeric column refuses NaN (PostgreSQL's numeric accepts it and
// sorts it above every number, so ">= 0" checks let it through).
func TestNumericColumnsRefuseNaN(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	var numeric []string
	rows, err := pool.Query(ctx, `SELECT table_name || '.' || column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND data_type IN ('numeric', 'real', 'double precision') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		numeric = append(numeric, c)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	// Each statement writes 'NaN' into one numeric column; every column
	// the schema has must be listed here, so a new one gets a check too.
	writes := map[string]string{
		"leads.deal_value": `INSERT INTO leads (company, contact_name, email, deal_value) VALUES ('A', 'B', 'nan@example.com', 'NaN')`,
		"campaigns.budget": `INSERT INTO campaigns (name, channel, audience, offer, launch_on, end_on, owner_id, budget)
			SELECT 'N', 'email', 'all', 'x', current_date, current_date, id, 'NaN' FROM users LIMIT 1`,
		"kpi_targets.value": `INSERT INTO kpi_targets (kpi, period_kind, value, effective_from) VALUES ('quality', 'week', 'NaN', current_date)`,
		"kpi_period_raw.num": `INSERT INTO kpi_period_raw (kpi, period_kind, period_start, period_end, source, format, num, den, open, snap)
			VALUES ('quality', 'week', now(), now(), 'leads', 1, 'NaN', 1, 0, pg_current_snapshot())`,
		"kpi_period_raw.den": `INSERT INTO kpi_period_raw (kpi, period_kind, period_start, period_end, source, format, num, den, open, snap)
			VALUES ('quality', 'week', now(), now(), 'leads', 1, 1, 'Infinity', 0, pg_current_snapshot())`,
		"kpi_period_raw.extra": `INSERT INTO kpi_period_raw (kpi, period_kind, period_start, period_end, source, format, num, den, extra, open, snap)
			VALUES ('quality', 'week', now(), now(), 'leads', 1, 1, 1, '-Infinity', 0, pg_current_snapshot())`,
	}
	if _, err := pool.Exec(ctx, `INSERT INTO users (email, name, team, role, password_hash) VALUES ('u@example.com', 'U', 'marketing', 'member', 'x')`); err != nil {
		t.Fatal(err)
	}
	for _, col := range numeric {
		sql, ok := writes[col]
		if !ok {
			t.Errorf("numeric column %s: add a NaN check and list it in this test", col)
			continue
		}
		_, err := pool.Exec(ctx, sql)
		if !db.IsCheckViolation(err) {
			t.Errorf("%s = NaN: %v, want a check violation", col, err)
		}
	}
}

// The pool turns JIT compilation off (it cost the KPI queries more than it
// saved) unless the URL chose for itself.
func TestPoolsRunWithoutJITUnlessTheURLSaysSo(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	for _, tc := range []struct{ url, want string }{{url, "off"}, {url + sep(url) + "jit=on", "on"}} {
		pool, err := db.Open(context.Background(), tc.url, 1)
		if err != nil {
			t.Fatal(err)
		}
		var jit string
		err = pool.QueryRow(context.Background(), `SHOW jit`).Scan(&jit)
		pool.Close()
		if err != nil {
			t.Fatal(err)
		}
		if jit != tc.want {
			t.Errorf("%s: jit = %s, want %s", tc.url, jit, tc.want)
		}
	}
}

func sep(url string) string {
	if strings.Contains(url, "?") {
		return "&"
	}
	return "?"
}
