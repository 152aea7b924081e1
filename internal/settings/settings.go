// Package settings holds the admin-tunable numbers the rules depend on:
// follow-up SLA hours, notice lead days and the like. Values live in
// PostgreSQL so every app instance sees the same ones.
package settings

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/cache"
	"tandem/internal/db"
	"tandem/internal/format"
	"tandem/internal/users"
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
	// Currency is the ISO 4217 code every money figure is shown in.
	Currency string
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
var Defaults = Settings{SLAHours: 24, NoticeDays: 7, DigestWeekday: 1, DigestTime: "08:00", Currency: DefaultCurrency}

// DefaultCurrency is the currency until an admin sets one. The business
// has no locale in its configuration, so it is format.CurrencyOfLocale's
// fallback: US dollars.
var DefaultCurrency = format.CurrencyOfLocale("")

// MaxWeight is the largest alignment-index weight; 0 leaves a KPI out.
const MaxWeight = 10

// Limits keep each value sensible.
var limits = map[string][2]int{
	"sla_hours":      {1, 24 * 14},
	"notice_days":    {0, 90},
	"digest_weekday": {1, 7}, // ISO: Monday = 1
}

// timeKeys hold a time of day, HH:MM, rather than a number.
var timeKeys = map[string]bool{"digest_time": true}

// CurrencyKey is the key of the currency setting, an ISO 4217 code.
const CurrencyKey = "currency"

// Store reads and writes settings.
type Store struct {
	pool *pgxpool.Pool
	// currency is the currency code in memory once CacheCurrency was
	// called: every page shows it.
	currency *cache.Map[struct{}, string]
}

// CacheCurrency keeps the currency code in memory for up to ttl, dropped
// when the bus reports a change to the settings.
func (s *Store) CacheCurrency(bus *cache.Bus, ttl time.Duration) {
	s.currency = cache.NewMap[struct{}, string](bus, "settings", ttl, 1, cache.NoRows[struct{}])
}

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Get returns the current settings, defaults filled in.
func (s *Store) Get(ctx context.Context) (Settings, error) {
	return Load(ctx, s.pool)
}

// Currency returns the ISO 4217 code money is shown in: one small query,
// for pages that need only this.
func (s *Store) Currency(ctx context.Context) (string, error) {
	if s.currency != nil {
		return s.currency.Get(ctx, struct{}{}, func(ctx context.Context) (string, error) { return s.storedCurrency(ctx) })
	}
	return s.storedCurrency(ctx)
}

func (s *Store) storedCurrency(ctx context.Context) (string, error) {
	var code string
	err := s.pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, CurrencyKey).Scan(&code)
	if errors.Is(err, pgx.ErrNoRows) {
		return DefaultCurrency, nil
	}
	return code, err
}

// Version identifies the stored values, for the form's concurrency check:
// it changes whenever any stored value does.
func (s *Store) Version(ctx context.Context) (string, error) {
	stored, err := storedValues(ctx, s.pool)
	return versionOf(stored), err
}

func versionOf(stored map[string]string) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(stored)) {
		fmt.Fprintf(h, "%s=%s\n", k, stored[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func storedValues(ctx context.Context, q db.DBTX) (map[string]string, error) {
	rows, err := q.Query(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return nil, err
	}
	kv, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var k, v string
		err := r.Scan(&k, &v)
		return [2]string{k, v}, err
	})
	out := make(map[string]string, len(kv))
	for _, p := range kv {
		out[p[0]] = p[1]
	}
	return out, err
}

// Load reads settings through any connection or transaction.
func Load(ctx context.Context, q db.DBTX) (Settings, error) {
	out := Defaults
	out.Weights = map[string]int{}
	stored, err := storedValues(ctx, q)
	if err != nil {
		return out, err
	}
	for k, v := range stored {
		switch k {
		case "digest_time":
			out.DigestTime = v
			continue
		case CurrencyKey:
			out.Currency = v
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			continue
		}
		switch {
		case k == "digest_weekday":
			out.DigestWeekday = n
		case k == "sla_hours":
			out.SLAHours = n
		case k == "notice_days":
			out.NoticeDays = n
		case strings.HasPrefix(k, WeightPrefix):
			out.Weights[strings.TrimPrefix(k, WeightPrefix)] = n
		}
	}
	return out, nil
}

// value is the effective value of key in s, as stored: what the audit log
// shows as "old" for a key never set.
func (s Settings) value(key string) string {
	switch {
	case key == "sla_hours":
		return strconv.Itoa(s.SLAHours)
	case key == "notice_days":
		return strconv.Itoa(s.NoticeDays)
	case key == "digest_weekday":
		return strconv.Itoa(s.DigestWeekday)
	case key == "digest_time":
		return s.DigestTime
	case key == CurrencyKey:
		return s.Currency
	case strings.HasPrefix(key, WeightPrefix):
		return strconv.Itoa(s.Weight(strings.TrimPrefix(key, WeightPrefix)))
	}
	return ""
}

// FieldErrors is the shared field-to-message map of refused input.
type FieldErrors = validate.FieldErrors

// Update validates and stores new values, as one transaction, and writes
// one audit event per value that changed (who, key, old → new). version is
// the Version the form was made from ("" skips the check, for the command
// line and tests); a stale one is db.ErrConflict, so an admin never
// overwrites another's change unseen.
func (s *Store) Update(ctx context.Context, by users.Actor, version string, values map[string]string) (Settings, error) {
	errs := FieldErrors{}
	parsed := map[string]string{}
	for key, raw := range values {
		raw = strings.TrimSpace(raw)
		if timeKeys[key] {
			t, err := time.Parse("15:04", raw)
			if err != nil {
				errs[key] = "Enter a time of day as HH:MM, e.g. 08:00."
				continue
			}
			parsed[key] = t.Format("15:04")
			continue
		}
		if key == CurrencyKey {
			code := strings.ToUpper(raw)
			if !format.IsCurrencyCode(code) {
				errs[key] = "Enter a currency as its three-letter ISO 4217 code, e.g. USD, EUR or GBP."
				continue
			}
			parsed[key] = code
			continue
		}
		lim, ok := limits[key]
		if strings.HasPrefix(key, WeightPrefix) {
			lim, ok = [2]int{0, MaxWeight}, true
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
	if by.UserID != 0 {
		updatedBy = &by.UserID
	}
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// One settings change at a time, so the version check and the
		// old values in the audit log are those this change replaces.
		if _, err := tx.Exec(ctx, `LOCK TABLE settings IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		stored, err := storedValues(ctx, tx)
		if err != nil {
			return err
		}
		if version != "" && version != versionOf(stored) {
			return db.ErrConflict
		}
		old, err := Load(ctx, tx)
		if err != nil {
			return err
		}
		for _, key := range slices.Sorted(maps.Keys(parsed)) {
			v := parsed[key]
			was := old.value(key)
			if _, isStored := stored[key]; isStored && stored[key] == v || !isStored && was == v {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_by) VALUES ($1, $2, $3)
				ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by`,
				key, v, updatedBy); err != nil {
				return err
			}
			if err := users.Record(ctx, tx, by, "setting.changed", key+": "+was+" → "+v); err != nil {
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
