// Package kpis holds the KPI pages and the tiles the overview shares.
package kpis

import (
	"fmt"
	"strconv"

	"tandem/internal/kpi"
	"tandem/web/components"
)

// Format writes a value in its unit: "33 %", "3.5", "12", "69".
func Format(unit kpi.Unit, v *float64) string {
	if v == nil {
		return "no data"
	}
	switch unit {
	case kpi.Percent:
		return strconv.FormatFloat(*v*100, 'f', 0, 64) + " %"
	case kpi.Score:
		return strconv.FormatFloat(*v, 'f', 1, 64)
	case kpi.Money:
		return Money(*v)
	}
	return strconv.FormatFloat(*v, 'f', 0, 64)
}

// Money writes an amount with thousands separators and no cents.
func Money(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	out := ""
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out += ","
		}
		out += string(c)
	}
	return out
}

// Status grades attainment in words, icon and a class, so the colour is
// never the only signal.
type Status struct {
	Class string // met, close, behind, none
	Icon  string
	Text  string
}

// StatusOf grades a value: met at 100 % of target, close from 90 %.
func StatusOf(v kpi.Value) Status {
	switch {
	case v.Attainment == nil:
		return Status{"none", "–", "no data"}
	case *v.Attainment >= 1:
		return Status{"met", "✓", "on target"}
	case *v.Attainment >= 0.9:
		return Status{"close", "≈", "close to target"}
	}
	return Status{"behind", "▼", "behind target"}
}

// Tile is one KPI as the overview and the KPI list show it.
type Tile struct {
	Key    string
	Name   string
	Value  string
	Target string
	Status Status
	Extra  string
	Points []components.ChartPoint
	Trend  string // the trend in words, for screen readers
	Link   string
}

// TileOf builds a tile from a series; query carries the period choice.
func TileOf(s kpi.Series, query string) Tile {
	cur := s.Current()
	t := Tile{Key: string(s.Key), Name: s.Name, Value: Format(s.Unit, cur.Value), Status: StatusOf(cur),
		Link: "/kpis/" + string(s.Key) + query}
	if cur.Target != nil {
		t.Target = "target " + Format(s.Unit, cur.Target)
	}
	switch s.Key {
	case kpi.SpeedToLead:
		if cur.Extra != nil {
			t.Extra = "median " + strconv.FormatFloat(*cur.Extra, 'f', 1, 64) + " h to first touch"
		}
	case kpi.Revenue:
		t.Extra = Money(cur.Numerator) + " won"
		if cur.Extra != nil {
			t.Extra += fmt.Sprintf(", %.0f %% from campaigns", *cur.Extra*100)
		}
		if cur.Value == nil {
			t.Extra += " (no revenue goal set)"
		}
	}
	t.Points = Points(s)
	first, last := "no data", Format(s.Unit, cur.Value)
	for _, v := range s.Values {
		if v.Value != nil {
			first = Format(s.Unit, v.Value)
			break
		}
	}
	t.Trend = fmt.Sprintf("Over the last %d periods: from %s to %s.", len(s.Values), first, last)
	return t
}

// Points turns a series into chart points.
func Points(s kpi.Series) []components.ChartPoint {
	pts := make([]components.ChartPoint, len(s.Values))
	for i, v := range s.Values {
		pts[i] = components.ChartPoint{Label: v.Period.Label(), Value: v.Value, Target: v.Target, Text: Format(s.Unit, v.Value)}
	}
	return pts
}
