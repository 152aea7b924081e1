package kpi

import (
	"context"
	"time"

	"golang.org/x/sync/errgroup"

	"tandem/internal/settings"
)

// Trend is how many periods the dashboard's sparklines cover.
const Trend = 12

// Dashboard is every KPI for one period kind with its trend, and the
// alignment index built from them.
type Dashboard struct {
	Period    Period
	KPIs      []Series
	Alignment Series
	// Parts explains the current index: each KPI's attainment and weight.
	Parts []IndexPart
	// failures says why each failed KPI could not be computed, for the
	// log; it is not stored with the snapshot.
	failures map[Key]error
}

// IndexPart is one KPI's contribution to the alignment index.
type IndexPart struct {
	Key        Key
	Name       string
	Weight     int
	Attainment *float64 // nil: no data, left out
	Failed     bool     `json:",omitempty"` // could not be computed, left out
}

// Dashboard computes every KPI over the trailing periods ending with the
// one of kind that contains at. The KPI queries run concurrently, one
// query each. A KPI that cannot be computed is marked failed and left out
// of the index while the others are shown; only when every KPI fails (the
// database is unreachable, the request was cancelled) is it an error.
func (e *Engine) Dashboard(ctx context.Context, kind Kind, at time.Time) (Dashboard, error) {
	st, err := settings.Load(ctx, e.pool)
	if err != nil {
		return Dashboard{}, err
	}
	var defs []Definition
	for _, d := range Definitions {
		if d.Key != Alignment {
			defs = append(defs, d)
		}
	}
	periods := PeriodOf(kind, at, e.loc).Trailing(Trend)
	series := make([]Series, len(defs))
	errs := make([]error, len(defs))
	var g errgroup.Group // not WithContext: one KPI failing must not cancel the others
	g.SetLimit(4)
	for i, def := range defs {
		g.Go(func() error {
			series[i], errs[i] = e.Series(ctx, def.Key, kind, at, Trend)
			if errs[i] != nil {
				series[i] = failedSeries(def, periods)
			}
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return Dashboard{}, err
	}
	d := Dashboard{Period: PeriodOf(kind, at, e.loc), KPIs: series}
	for i, err := range errs {
		if err == nil {
			continue
		}
		if d.failures == nil {
			d.failures = map[Key]error{}
		}
		d.failures[defs[i].Key] = err
	}
	if len(d.failures) == len(defs) {
		return Dashboard{}, errs[0]
	}
	d.Alignment, err = e.alignment(ctx, series, st)
	if err != nil {
		return Dashboard{}, err
	}
	for _, s := range series {
		d.Parts = append(d.Parts, IndexPart{Key: s.Key, Name: s.Name, Weight: st.Weight(string(s.Key)),
			Attainment: s.Current().Attainment, Failed: s.Failed})
	}
	return d, nil
}

// AlignmentIndex combines attainments: 100 × Σ weight·attainment ÷ Σ weight
// over the KPIs that have data (and a weight above 0). It is nil unless at
// least one of them is measured on counted records: paced KPIs (MQLs,
// revenue) have a value in every period, even one before any data, and an
// index made of them alone would read "0, behind" instead of "no data".
func AlignmentIndex(attainments map[Key]*float64, weight func(Key) int) *float64 {
	var sum, weights float64
	counted := false
	for k, a := range attainments {
		w := float64(weight(k))
		if a == nil || w <= 0 {
			continue
		}
		sum += w * *a
		weights += w
		if def, _ := Lookup(k); !def.Paced {
			counted = true
		}
	}
	if weights == 0 || !counted {
		return nil
	}
	return ptr(100 * sum / weights)
}

func (e *Engine) alignment(ctx context.Context, series []Series, st settings.Settings) (Series, error) {
	def, _ := Lookup(Alignment)
	periods := make([]Period, len(series[0].Values))
	for i, v := range series[0].Values {
		periods[i] = v.Period
	}
	targets, err := e.targetsFor(ctx, Alignment, periods)
	if err != nil {
		return Series{}, err
	}
	out := Series{Definition: def, Values: make([]Value, len(periods))}
	for i, p := range periods {
		att := map[Key]*float64{}
		for _, s := range series {
			att[s.Key] = s.Values[i].Attainment
		}
		v := Value{Period: p, Target: targets[i], Elapsed: p.Elapsed(e.now()),
			Value: AlignmentIndex(att, func(k Key) int { return st.Weight(string(k)) })}
		v.Attainment = Attainment(Index, v.Value, v.Target)
		out.Values[i] = v
	}
	return out, nil
}
