package components

import (
	"fmt"
	"strings"
)

// ChartPoint is one value of a chart; Value nil is a gap (no data).
type ChartPoint struct {
	Label  string
	Value  *float64
	Target *float64
	Text   string // the value as the page writes it, for <title>
}

type geom struct {
	w, h, left, right, top, bottom float64
	max                            float64
	n                              int
}

func newGeom(points []ChartPoint, w, h, left, right, top, bottom float64) geom {
	g := geom{w: w, h: h, left: left, right: right, top: top, bottom: bottom, n: len(points)}
	for _, p := range points {
		if p.Value != nil && *p.Value > g.max {
			g.max = *p.Value
		}
		if p.Target != nil && *p.Target > g.max {
			g.max = *p.Target
		}
	}
	if g.max == 0 {
		g.max = 1
	}
	g.max *= 1.1
	return g
}

func (g geom) x(i int) float64 {
	if g.n <= 1 {
		return g.left + (g.w-g.left-g.right)/2
	}
	return g.left + float64(i)*(g.w-g.left-g.right)/float64(g.n-1)
}

func (g geom) y(v float64) float64 {
	return g.top + (1-v/g.max)*(g.h-g.top-g.bottom)
}

// segments are polyline point lists, broken where data is missing.
func (g geom) segments(points []ChartPoint, target bool) []string {
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, " "))
			cur = nil
		}
	}
	for i, p := range points {
		v := p.Value
		if target {
			v = p.Target
		}
		if v == nil {
			flush()
			continue
		}
		cur = append(cur, fmt.Sprintf("%.1f,%.1f", g.x(i), g.y(*v)))
	}
	flush()
	return out
}

func sparkGeom(points []ChartPoint) geom { return newGeom(points, 120, 32, 2, 2, 3, 3) }

func chartGeom(points []ChartPoint) geom { return newGeom(points, 640, 240, 56, 16, 12, 40) }

func f1(v float64) string { return fmt.Sprintf("%.1f", v) }

// yTicks are three gridlines: 0, half and the top of the scale.
func (g geom) yTicks() []float64 { return []float64{0, g.max / 2, g.max / 1.1} }
