package kpi

import (
	"math"
	"time"
)

// Shown rounds v the way every page shows it: percentages to a whole
// percent, scores to one decimal, counts, money and the index to whole
// numbers (halves away from zero). Statuses are judged on the shown value
// against the shown target, so "20 %" against a 20 % target is on target
// (never "close" because the value was 19.7 %), and one displayed "3.6"
// gets one status whatever the decimals behind it.
func Shown(unit Unit, v float64) float64 {
	switch unit {
	case Percent:
		return math.Round(v*100) / 100
	case Score:
		return math.Round(v*10) / 10
	}
	return math.Round(v)
}

// Attainment is the shown value ÷ the shown target, capped at 1 (a target
// shown as 0 is met by any value); nil without both.
func Attainment(unit Unit, value, target *float64) *float64 {
	if value == nil || target == nil {
		return nil
	}
	t := Shown(unit, *target)
	if t <= 0 {
		return ptr(1)
	}
	// The quotient of two shown values can land a hair under a threshold
	// (3.6 ÷ 4 is not exactly 0.9 in binary): compare at the precision shown.
	return ptr(min(1, math.Round(Shown(unit, *value)/t*1e9)/1e9))
}

// Pace is the part of a paced KPI's target due by now in a running period:
// target × the share of the period elapsed (calendar days in the business
// timezone, see Period.Elapsed). A period that has ended is judged on its
// full target; one not begun has nothing due yet. The overview says "on
// pace" or "behind pace" for it and still shows the full target.
func Pace(target float64, p Period, now time.Time) float64 {
	return target * p.Elapsed(now)
}

// finite reports whether every number is a real number: NaN and ±Inf
// cannot be encoded in a snapshot and compare false with everything.
func finite(vs ...*float64) bool {
	for _, v := range vs {
		if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
			return false
		}
	}
	return true
}
