// Package settings holds the admin-tunable numbers the rules depend on:
// follow-up SLA hours, notice lead days and the like. Values live in
// PostgreSQL so every app instance sees the same ones.
package settings

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/db"
	"tandem/internal/validate"
)

// Settings are the current values.
type Settings struct {
	// SLAHours is how long a handed-off lead may wait for its first touch.
	SLAHours int
	// NoticeDays is how many days before launch a campaign must be announced.
	NoticeDays int
	// DigestWeekday (ISO, Monday = 1) and DigestTime (HH:MM) schedule the
	// weekly digest in the business timezone.
	DigestWeekday int
	DigestTime    string
	// Weights of the KPIs in the alignment index, by KPI key; a KPI
	// without an entry weighs 1.
	Weights map[string]int
}

// WeightPrefix starts the keys of alignment-index weights ("weight_conversion").
const WeightPrefix = "weight_"

// Weight returns the weight of the KPI key (1 when unset).
func (s Settings) Weight(key string) int {
	if w, ok := s.Weights[key]; ok {
		return w
	}
	return 1
}

// Defaults are the values PRODUCT.md gives.
var Defaults = Settings{SLAHours: 24, NoticeDays: 7, DigestWeekday: 1, DigestTime: "08:00"}

// Limits keep each value sensible.
var limits = map[string][2]int{
	"sla_hours":      {1, 24 * 14},
	"notice_days":    {0, 90},
	"digest_weekday": {1, 7}, // ISO: Monday = 1
}

// timeKeys hold a time of day, HH:MM, rather than a number.
var timeKeys = map[string]bool{"digest_time": true}

// Store reads and writes settings.
type Store struct{ pool *pgxpool.Pool }

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Get returns the current settings, defaults filled in.
func (s *Store) Get(ctx context.Context) (Settings, error) {
	return Load(ctx, s.pool)
}

// Load reads settings through any connection or transaction.
func Load(ctx context.Context, q db.DBTX) (Settings, error) {
	out := Defaults
	out.Weights = map[string]int{}
	rows, err := q.Query(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return out, err
	}
	kv, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var k, v string
		err := r.Scan(&k, &v)
		return [2]string{k, v}, err
	})
	if err != nil {
		return out, err
	}
	for _, p := range kv {
		if p[0] == "digest_time" {
			out.DigestTime = p[1]
			continue
		}
		n, err := strconv.Atoi(p[1])
		if err != nil {
			continue
		}
		switch {
		case p[0] == "digest_weekday":
			out.DigestWeekday = n
		case p[0] == "sla_hours":
			out.SLAHours = n
		case p[0] == "notice_days":
			out.NoticeDays = n
		case strings.HasPrefix(p[0], WeightPrefix):
			out.Weights[strings.TrimPrefix(p[0], WeightPrefix)] = n
		}
	}
	return out, nil
}

// FieldErrors is the shared field-to-message map of refused input.
type FieldErrors = validate.FieldErrors

// Update validates and stores new values, as one transaction.
func (s *Store) Update(ctx context.Context, by int64, values map[string]string) (Settings, error) {
	errs := FieldErrors{}
	parsed := map[string]string{}
	for key, raw := range values {
		if timeKeys[key] {
			t, err := time.Parse("15:04", strings.TrimSpace(raw))
			if err != nil {
				errs[key] = "Enter a time of day as HH:MM, e.g. 08:00."
				continue
			}
			parsed[key] = t.Format("15:04")
			continue
		}
		lim, ok := limits[key]
		if strings.HasPrefix(key, WeightPrefix) {
			lim, ok = [2]int{0, 10}, true
		}
		if !ok {
			errs[key] = "Unknown setting."
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < lim[0] || n > lim[1] {
			errs[key] = fmt.Sprintf("Enter a whole number from %d to %d.", lim[0], lim[1])
			continue
		}
		parsed[key] = strconv.Itoa(n)
	}
	if len(errs) > 0 {
		return Settings{}, errs
	}
	var updatedBy *int64 // nil for the command line and tests
	if by != 0 {
		updatedBy = &by
	}
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		for key, v := range parsed {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_by) VALUES ($1, $2, $3)
				ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by`,
				key, v, updatedBy); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Settings{}, err
	}
	return s.Get(ctx)
}
