// Package kpis holds the KPI pages and the tiles the overview shares.
package kpis

import (
	"fmt"
	"math"
	"strconv"

	"tandem/internal/format"
	"tandem/internal/kpi"
	"tandem/web/components"
)

// Format writes a value in its unit: "33 %", "3.5", "12", "69". The value
// is rounded by kpi.Shown first, the rule the statuses are judged by, so
// what is read and what is judged are the same number.
func Format(unit kpi.Unit, v *float64) string {
	if v == nil {
		return "no data"
	}
	r := kpi.Shown(unit, *v)
	switch unit {
	case kpi.Percent:
		return format.Percent(r)
	case kpi.Score:
		return strconv.FormatFloat(r, 'f', 1, 64)
	case kpi.Money:
		return format.Money(r)
	}
	return format.Int(int(math.Round(r)))
}

// Status grades attainment in words, icon and a class, so the colour is
// never the only signal.
type Status struct {
	Class string // met, close, behind, none
	Icon  string
	Text  string
}

// StatusOf grades a value: met at 100 % of target, close from 90 %. While
// a paced KPI's period runs it is graded against the part due by now, in
// words of pace.
func StatusOf(v kpi.Value) Status {
	paced := v.Pace != nil
	switch {
	case v.Attainment == nil:
		return Status{"none", "–", "no data"}
	case *v.Attainment >= 1 && paced:
		return Status{"met", "✓", "on pace"}
	case *v.Attainment >= 1:
		return Status{"met", "✓", "on target"}
	case *v.Attainment >= 0.9 && paced:
		return Status{"close", "≈", "close to pace"}
	case *v.Attainment >= 0.9:
		return Status{"close", "≈", "close to target"}
	case paced:
		return Status{"behind", "▼", "behind pace"}
	}
	return Status{"behind", "▼", "behind target"}
}

// failedStatus marks a KPI that could not be computed.
var failedStatus = Status{"none", "!", "could not compute"}

// Tile is one KPI as the overview and the KPI list show it.
type Tile struct {
	Key    string
	Name   string
	Value  string
	Target string
	// Pace says, while a paced KPI's period runs, what is due by now.
	Pace   string
	Status Status
	Extra  string
	// Notes tie the tile to the trouble signs: the period's misses still
	// open, and those of other periods the sign also counts.
	Notes  []string
	Points []components.ChartPoint
	Trend  string // the trend in words, for screen readers
	Link   string
	// SLALink opens the two-sided SLA page for the tile's period, from the
	// KPIs that are its sides (speed to lead, MQLs delivered).
	SLALink string
	Failed  bool
}

// TileOf builds a tile from a series; query carries the period choice and
// signs are the trouble signs of the same snapshot.
func TileOf(s kpi.Series, query string, signs []kpi.Sign, currency string) Tile {
	cur := s.Current()
	t := Tile{Key: string(s.Key), Name: s.Name, Value: Format(s.Unit, cur.Value), Status: StatusOf(cur),
		Link: "/kpis/" + string(s.Key) + query}
	t.Points = Points(s)
	if s.Key == kpi.SpeedToLead || s.Key == kpi.MQLDelivered {
		t.SLALink = "/sla" + query
	}
	if s.Failed {
		t.Value, t.Status, t.Failed = "—", failedStatus, true
		t.Trend = "This KPI could not be computed; the others are not affected."
		return t
	}
	if cur.Target != nil {
		t.Target = "target " + Format(s.Unit, cur.Target)
	}
	if cur.Pace != nil {
		t.Pace = fmt.Sprintf("%s in progress (%s gone): %s due by now", PeriodWord(cur.Period.Kind),
			format.Percent(cur.Elapsed), Format(s.Unit, cur.Pace))
	}
	switch s.Key {
	case kpi.SpeedToLead:
		if cur.Extra != nil {
			t.Extra = "median " + strconv.FormatFloat(*cur.Extra, 'f', 1, 64) + " h to first touch"
		}
		t.Notes = openNotes(cur.Open, signCount(signs, "sla"), "lead", "untouched past the SLA, counted as misses")
	case kpi.FeedbackAck:
		t.Notes = openNotes(cur.Open, signCount(signs, "feedback"), "item", "waiting past 2 business days, counted as late")
	case kpi.Revenue:
		t.Extra = format.Currency(currency, cur.Numerator) + " won"
		if cur.Extra != nil {
			t.Extra += ", " + format.Percent(*cur.Extra) + " from campaigns"
		}
		if cur.Value == nil {
			t.Extra += " (no revenue goal set)"
		}
	}
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

// openNotes words the misses still open: those of this period (in the
// number) and, when the trouble sign counts more, the rest (in the numbers
// of the periods they belong to), so the tile and the sign never disagree.
func openNotes(open, signed int, noun, what string) []string {
	var out []string
	if open > 0 {
		out = append(out, components.Count(open, noun)+" "+what)
	}
	if rest := signed - open; rest > 0 {
		out = append(out, fmt.Sprintf("%s from other periods %s there", components.Count(rest, noun), what))
	}
	return out
}

func signCount(signs []kpi.Sign, key string) int {
	for _, s := range signs {
		if s.Key == key {
			return s.Count
		}
	}
	return 0
}

// PeriodWord names a period kind in a sentence: "Week", "Month", "Quarter".
func PeriodWord(k kpi.Kind) string {
	switch k {
	case kpi.Week:
		return "Week"
	case kpi.Month:
		return "Month"
	}
	return "Quarter"
}

// Points turns a series into chart points.
func Points(s kpi.Series) []components.ChartPoint {
	pts := make([]components.ChartPoint, len(s.Values))
	for i, v := range s.Values {
		pts[i] = components.ChartPoint{Label: v.Period.Label(), Value: v.Value, Target: v.Target, Text: Format(s.Unit, v.Value)}
	}
	return pts
}

// TableRowOf is one period of a KPI's table: the full-period target, and
// beside it, while a paced KPI's period runs, the part due by now that the
// status is judged against. number writes numerators and denominators.
func TableRowOf(s kpi.Series, v kpi.Value, number func(float64) string) TableRow {
	row := TableRow{Period: v.Period.Title(), Value: Format(s.Unit, v.Value), Target: "—", Status: StatusOf(v),
		Numerator: number(v.Numerator), Denominator: number(v.Denominator)}
	if v.Target != nil {
		row.Target = Format(s.Unit, v.Target)
		if v.Pace != nil {
			row.Target += " (" + Format(s.Unit, v.Pace) + " due by now)"
		}
	}
	switch {
	case s.Failed:
		row.Value, row.Status, row.Numerator, row.Denominator = "—", failedStatus, "—", "—"
	case s.Key == kpi.Alignment:
		row.Numerator, row.Denominator = "—", "—"
	case againstCommitment(s) && v.Denominator == 0:
		row.Denominator = "not set"
	}
	return row
}
