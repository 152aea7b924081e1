package kpi

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/validate"
)

// RevenueGoal is the target key of the quarterly revenue goal (money).
const RevenueGoal Key = "revenue_goal"

// Target is one row of target history.
type Target struct {
	ID            int64     `db:"id"`
	KPI           Key       `db:"kpi"`
	Kind          Kind      `db:"period_kind"`
	Value         float64   `db:"value"`
	EffectiveFrom time.Time `db:"effective_from"` // a calendar day in the business timezone
	SetBy         string    `db:"set_by"`
	SetAt         time.Time `db:"set_at"`
}

// dates turns period starts into calendar days in the business timezone.
func (e *Engine) dates(periods []Period) []string {
	out := make([]string, len(periods))
	for i, p := range periods {
		out[i] = p.Start.In(e.loc).Format("2006-01-02")
	}
	return out
}

// inForce returns, per period, the value in force on the period's first
// day for the kpi and kind, or nil when no row applies.
func (e *Engine) inForce(ctx context.Context, kpi Key, kind Kind, periods []Period) ([]*float64, error) {
	rows, err := e.pool.Query(ctx, `
		SELECT t.value::float8
		FROM unnest($1::date[]) WITH ORDINALITY AS p(d, i)
		LEFT JOIN LATERAL (
			SELECT value FROM kpi_targets
			WHERE kpi = $2 AND period_kind = $3 AND effective_from <= p.d
			ORDER BY effective_from DESC, id DESC LIMIT 1
		) t ON true
		ORDER BY p.i`, e.dates(periods), string(kpi), string(kind))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[*float64])
}

// targetsFor returns each period's target: the one in force then, or the
// default.
func (e *Engine) targetsFor(ctx context.Context, key Key, periods []Period) ([]*float64, error) {
	def, _ := Lookup(key)
	kind := periods[0].Kind
	out, err := e.inForce(ctx, key, kind, periods)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i] == nil {
			if d, ok := def.DefaultTarget[kind]; ok {
				out[i] = ptr(d)
			}
		}
	}
	return out, nil
}

// revenueGoals returns each period's share of the quarterly goal in force
// at its start, prorated by calendar days (nil: no goal set).
func (e *Engine) revenueGoals(ctx context.Context, periods []Period) ([]*float64, error) {
	goals, err := e.inForce(ctx, RevenueGoal, Quarter, periods)
	if err != nil {
		return nil, err
	}
	for i, p := range periods {
		if goals[i] == nil {
			continue
		}
		q := PeriodOf(Quarter, p.Start, e.loc)
		goals[i] = ptr(*goals[i] * float64(p.Days()) / float64(q.Days()))
	}
	return goals, nil
}

// TargetInput is a manager's new target.
type TargetInput struct {
	KPI           Key
	Kind          Kind
	Value         string // as typed; percentages as "80" for 80 %
	EffectiveFrom string // YYYY-MM-DD
}

// FieldErrors is the shared field-to-message map of refused input.
type FieldErrors = validate.FieldErrors

// MaxTargetValue is the longest target the form accepts, in characters
// (rendered as maxlength): "999,999,999,999.99" and some room.
const MaxTargetValue = 24

// SetTarget records a new target from a day on; older rows stay as history.
// The form token attached to ctx is recorded with the new row.
func (e *Engine) SetTarget(ctx context.Context, by int64, in TargetInput) (Target, error) {
	errs := FieldErrors{}
	def, ok := Lookup(in.KPI)
	unit := def.Unit
	if in.KPI == RevenueGoal {
		ok, unit = true, Money
		if in.Kind != Quarter {
			errs["kind"] = "The revenue goal is set per quarter."
		}
	}
	if !ok {
		errs["kpi"] = "Choose a KPI."
	}
	if !in.Kind.Valid() {
		errs["kind"] = "Choose week, month or quarter."
	}
	v, msg := targetValue(unit, in.Value)
	if msg != "" {
		errs["value"] = msg
	}
	from, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(in.EffectiveFrom), e.loc)
	if err == nil && (from.Year() < MinYear || from.Year() > MaxYear) {
		errs["effective_from"] = fmt.Sprintf("Enter a day from %d to %d.", MinYear, MaxYear)
	} else if err != nil {
		errs["effective_from"] = "Enter the first day it applies, as YYYY-MM-DD."
	}
	if len(errs) > 0 {
		return Target{}, errs
	}
	t := Target{KPI: in.KPI, Kind: in.Kind, Value: v, EffectiveFrom: from}
	var setBy *int64
	if by != 0 {
		setBy = &by
	}
	// The new row and the dropped snapshots go together: no reader sees
	// numbers judged against the old target once the new one is stored.
	err = pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO kpi_targets (kpi, period_kind, value, effective_from, set_by)
			VALUES ($1, $2, $3, $4, $5) RETURNING id, set_at`, string(in.KPI), string(in.Kind), v, from.Format("2006-01-02"), setBy).
			Scan(&t.ID, &t.SetAt); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM kpi_snapshots`); err != nil {
			return err
		}
		return db.RecordCreated(ctx, tx, "target", t.ID)
	})
	if err != nil {
		return Target{}, err
	}
	e.dropInMemory()
	return t, nil
}

// targetRanges are the values a target may take per unit, as typed
// (percentages as 80 for 80 %), with the message that says so. A count
// target is a commitment per period and a revenue goal per quarter; the
// upper bounds are far above any real one but keep typos like 1e20 out.
var targetRanges = map[Unit]struct {
	min, max float64
	msg      string
}{
	Percent: {0, 100, "A percentage target is from 0 to 100."},
	Score:   {1, 5, "A rating target is from 1 to 5."},
	Index:   {0, 100, "The index target is from 0 to 100."},
	Count:   {0, 1_000_000, "A count target is a whole number from 0 to 1,000,000."},
	// A goal of 0 would read as "no goal set": every period "no data".
	Money: {1, 100_000_000_000, "The revenue goal is from 1 to 100,000,000,000."},
}

// targetValue parses a typed target in its unit: a plain decimal (no NaN,
// Inf or exponent) within the unit's range, percentages turned into ratios.
func targetValue(unit Unit, raw string) (float64, string) {
	if utf8.RuneCountInString(raw) > MaxTargetValue {
		return 0, fmt.Sprintf("Keep the target under %d characters: a plain number, like 80 or 12500.", MaxTargetValue)
	}
	r := targetRanges[unit]
	v, msg := validate.Number(strings.TrimSuffix(strings.TrimSpace(raw), "%"), math.Inf(-1), math.Inf(1))
	switch {
	case msg != "":
		return 0, msg
	case v < r.min || v > r.max, unit == Count && v != math.Trunc(v):
		return 0, r.msg
	case unit == Percent:
		return v / 100, ""
	}
	return v, ""
}

// History lists every target ever set, newest first.
func (e *Engine) History(ctx context.Context, limit int) ([]Target, error) {
	rows, err := e.pool.Query(ctx, `
		SELECT t.id, t.kpi, t.period_kind, t.value::float8 AS value, t.effective_from::timestamp AS effective_from,
		       coalesce(u.name, '') AS set_by, t.set_at
		FROM kpi_targets t LEFT JOIN users u ON u.id = t.set_by
		ORDER BY t.set_at DESC, t.id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[Target])
}

// Current returns the target in force today for key and kind: the one set,
// else the default (nil for a revenue goal never set).
func (e *Engine) Current(ctx context.Context, key Key, kind Kind) (*float64, error) {
	if e.targets == nil {
		return e.current(ctx, key, kind)
	}
	day := e.now().In(e.loc).Format(time.DateOnly)
	return e.targets.Get(ctx, string(key)+"/"+string(kind)+"/"+day, func(ctx context.Context) (*float64, error) { return e.current(ctx, key, kind) })
}

func (e *Engine) current(ctx context.Context, key Key, kind Kind) (*float64, error) {
	today := []Period{{Kind: kind, Start: e.now()}}
	var vals []*float64
	var err error
	if key == RevenueGoal {
		vals, err = e.inForce(ctx, RevenueGoal, Quarter, today)
	} else {
		vals, err = e.targetsFor(ctx, key, today)
	}
	if err != nil {
		return nil, err
	}
	return vals[0], nil
}
