package components

import (
	"fmt"
	"strings"
	"unicode/utf8"
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

// axisCharWidth is a generous width of one character of the charts' 11px
// axis text, in viewBox units: margins sized with it are never too narrow,
// so no label is cut at the edge of the chart.
const axisCharWidth = 7.0

func textWidth(s string) float64 { return float64(utf8.RuneCountInString(s)) * axisCharWidth }

// chartGeom sizes the margins to the labels: the left one fits the widest
// value on the y axis ("USD 1,250,000"), and both fit half of the first and
// last period label, which are centred on the first and last point.
func chartGeom(points []ChartPoint, format func(float64) string) geom {
	g := newGeom(points, 640, 240, 40, 16, 12, 40)
	for _, t := range g.yTicks() {
		g.left = max(g.left, textWidth(format(t))+12)
	}
	if len(points) > 0 {
		g.left = max(g.left, textWidth(points[0].Label)/2+4)
		g.right = max(g.right, textWidth(points[len(points)-1].Label)/2+4)
	}
	return g
}

func f1(v float64) string { return fmt.Sprintf("%.1f", v) }

// yTicks are three gridlines: 0, half and the top of the scale.
func (g geom) yTicks() []float64 { return []float64{0, g.max / 2, g.max / 1.1} }
