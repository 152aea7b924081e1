package kpis

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tandem/internal/format"
	"tandem/internal/kpi"
	"tandem/web/components"
)

// PeriodQuery is the query string that keeps period p on a link.
func PeriodQuery(p kpi.Period) string {
	return "?kind=" + string(p.Kind) + "&period=" + url.QueryEscape(p.Label())
}

// PickerOf builds the period links for path, keeping the other parameters
// of q; the next period is linked once it has started by now.
func PickerOf(path string, q url.Values, p kpi.Period, now time.Time) Picker {
	link := func(kind kpi.Kind, label string) string {
		nq := components.QueryWithout(q, "kind", "period")
		nq.Set("kind", string(kind))
		if label != "" {
			nq.Set("period", label)
		}
		return path + "?" + nq.Encode()
	}
	pk := Picker{Title: p.Title(),
		Prev: PeriodLink{Label: p.Prev().Title(), URL: link(p.Kind, p.Prev().Label())}}
	if p.Next().Start.Before(now) {
		pk.Next = PeriodLink{Label: p.Next().Title(), URL: link(p.Kind, p.Next().Label())}
	}
	for _, k := range []struct {
		kind  kpi.Kind
		label string
	}{{kpi.Week, "Week"}, {kpi.Month, "Month"}, {kpi.Quarter, "Quarter"}} {
		pk.Kinds = append(pk.Kinds, PeriodLink{Label: k.label, URL: link(k.kind, ""), Current: p.Kind == k.kind})
	}
	return pk
}

// ListOf is /kpis for the period p of snapshot d.
func ListOf(pg components.Page, picker Picker, p kpi.Period, d kpi.Snapshot) List {
	pq := PeriodQuery(p)
	v := List{Page: pg, Picker: picker, Index: TileOf(d.Alignment, pq, nil, pg.Currency), Tiles: TilesOf(d, pq, pg.Currency)}
	for _, part := range d.Parts {
		ip := IndexPart{Name: part.Name, Weight: part.Weight, Attainment: Format(kpi.Percent, part.Attainment),
			Included: part.Attainment != nil && part.Weight > 0 && d.Alignment.Current().Value != nil, Failed: part.Failed}
		if part.Failed {
			ip.Attainment = "could not compute"
		}
		v.Parts = append(v.Parts, ip)
	}
	return v
}

// TrimFloat writes a number with at most two decimals and no trailing zeros.
func TrimFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

// DetailOf is one KPI's page for period p: def's series in snapshot d (the
// alignment index when d has no such KPI), its chart and table.
func DetailOf(pg components.Page, picker Picker, def kpi.Definition, p kpi.Period, d kpi.Snapshot) Detail {
	series := d.Alignment
	for _, ks := range d.KPIs {
		if ks.Key == def.Key {
			series = ks
		}
	}
	v := Detail{Page: pg, Picker: picker, Def: def, Tile: TileOf(series, PeriodQuery(p), d.Signs, pg.Currency), Points: Points(series),
		Format: func(f float64) string { return Format(def.Unit, &f) }, Failed: series.Failed}
	number := func(f float64) string {
		switch {
		case def.Unit == kpi.Money || def.Key == kpi.Revenue: // revenue is a share of its goal; its parts are money
			return format.Currency(pg.Currency, f)
		case f == math.Trunc(f) && math.Abs(f) < 1e15:
			return format.Int(int(f))
		}
		return TrimFloat(f)
	}
	for i := len(series.Values) - 1; i >= 0; i-- {
		v.Rows = append(v.Rows, TableRowOf(series, series.Values[i], number))
	}
	if def.Key != kpi.Alignment && !series.Failed {
		cur := series.Current()
		v.Numerator, v.Denominator = number(cur.Numerator), number(cur.Denominator)
		v.NoCommitment = againstCommitment(series) && cur.Denominator == 0
	}
	return v
}

// againstCommitment is whether a KPI is counted against a number someone
// committed to (the MQL target, the revenue goal) rather than against
// records: with none set it has no denominator to show, not a zero.
func againstCommitment(s kpi.Series) bool { return s.Unit == kpi.Count || s.Key == kpi.Revenue }

// RevenueGoalName is how the quarterly revenue goal is named on the
// targets page.
const RevenueGoalName = "Quarterly revenue goal"

// CurrentTargets are the targets in force: by KPI, then period kind; nil
// where none is set.
type CurrentTargets map[kpi.Key]map[kpi.Kind]*float64

// TargetsOf is the targets page: what is in force, the form (today is the
// default first day) and the history.
func TargetsOf(p components.Page, canEdit bool, today time.Time, current CurrentTargets, history []kpi.Target) Targets {
	v := Targets{Page: p, CanEdit: canEdit, Form: map[string]string{"kind": "month",
		"effective_from": today.Format("2006-01-02")},
		KindOptions: []components.Option{{Value: "week", Label: "Week"}, {Value: "month", Label: "Month"}, {Value: "quarter", Label: "Quarter"}},
		KPIOptions:  []components.Option{{Value: "", Label: "Choose…"}}}
	for _, def := range kpi.Definitions {
		v.KPIOptions = append(v.KPIOptions, components.Option{Value: string(def.Key), Label: def.Name})
		cell := func(k kpi.Kind) string {
			if t := current[def.Key][k]; t != nil {
				return Format(def.Unit, t)
			}
			return "—"
		}
		v.Current = append(v.Current, TargetRow{Name: def.Name, Week: cell(kpi.Week), Month: cell(kpi.Month), Quarter: cell(kpi.Quarter)})
	}
	v.KPIOptions = append(v.KPIOptions, components.Option{Value: string(kpi.RevenueGoal), Label: RevenueGoalName})
	gr := TargetRow{Name: RevenueGoalName, Week: "—", Month: "—", Quarter: "not set"}
	if goal := current[kpi.RevenueGoal][kpi.Quarter]; goal != nil {
		gr.Quarter = p.Money(*goal)
	}
	v.Current = append(v.Current, gr)
	for _, h := range history {
		def, _ := kpi.Lookup(h.KPI)
		name, unit := def.Name, def.Unit
		if h.KPI == kpi.RevenueGoal {
			name, unit = RevenueGoalName, kpi.Money
		}
		by := h.SetBy
		if by == "" {
			by = "—"
		}
		value := Format(unit, &h.Value)
		if unit == kpi.Money {
			value = p.Money(h.Value)
		}
		v.History = append(v.History, HistoryRow{KPI: name, Kind: h.Kind.Label(), Value: value,
			From: h.EffectiveFrom.Format("2 Jan 2006"), By: by, At: p.DateTime(h.SetAt)})
	}
	return v
}
