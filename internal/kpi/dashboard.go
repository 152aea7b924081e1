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
}

// IndexPart is one KPI's contribution to the alignment index.
type IndexPart struct {
	Key        Key
	Name       string
	Weight     int
	Attainment *float64 // nil: no data, left out
}

// Dashboard computes every KPI over the trailing periods ending with the
// one of kind that contains at. The KPI queries run concurrently, one
// query each.
func (e *Engine) Dashboard(ctx context.Context, kind Kind, at time.Time) (Dashboard, error) {
	st, err := settings.Load(ctx, e.pool)
	if err != nil {
		return Dashboard{}, err
	}
	var keys []Key
	for _, d := range Definitions {
		if d.Key != Alignment {
			keys = append(keys, d.Key)
		}
	}
	series := make([]Series, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, k := range keys {
		g.Go(func() error {
			s, err := e.Series(gctx, k, kind, at, Trend)
			series[i] = s
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return Dashboard{}, err
	}
	d := Dashboard{Period: PeriodOf(kind, at, e.loc), KPIs: series}
	d.Alignment, err = e.alignment(ctx, series, st)
	if err != nil {
		return Dashboard{}, err
	}
	for _, s := range series {
		d.Parts = append(d.Parts, IndexPart{Key: s.Key, Name: s.Name, Weight: st.Weight(string(s.Key)),
			Attainment: s.Current().Attainment})
	}
	return d, nil
}

// AlignmentIndex combines attainments: 100 × Σ weight·attainment ÷ Σ weight
// over the KPIs that have data (and a weight above 0). Nil without any.
func AlignmentIndex(attainments map[Key]*float64, weight func(Key) int) *float64 {
	var sum, weights float64
	for k, a := range attainments {
		w := float64(weight(k))
		if a == nil || w <= 0 {
			continue
		}
		sum += w * *a
		weights += w
	}
	if weights == 0 {
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
		v := Value{Period: p, Target: targets[i], Value: AlignmentIndex(att, func(k Key) int { return st.Weight(string(k)) })}
		v.Attainment = attainment(v.Value, v.Target)
		out.Values[i] = v
	}
	return out, nil
}
