package components

import "strconv"

// BarChart is an SVG bar chart laid out in whole user units: pages build
// it with ColumnLayout and StackedBar and draw it as they like.
type BarChart struct {
	ID     string
	Title  string // read by screen readers and shown as a tooltip
	Width  int
	Height int
	Bars   []Bar
	Labels []ChartLabel
	Axis   int // y of the baseline; 0 for none
}

// ViewBox is the chart's SVG viewBox.
func (c BarChart) ViewBox() string { return "0 0 " + itoa(c.Width) + " " + itoa(c.Height) }

// Bar is one rectangle of a chart.
type Bar struct {
	X, Y, W, H int
	Class      string
	Title      string
}

// ChartLabel is a text of a chart.
type ChartLabel struct {
	X, Y   int
	Text   string
	Anchor string // start, middle, end
}

// ColumnLayout lays out vertical bars side by side on a shared baseline,
// the one at y = PlotH.
type ColumnLayout struct {
	BarW, Gap, PlotH int
}

// MinBarH is the height of a bar for a value too small to show at the
// chart's scale: a value that exists is never invisible.
const MinBarH = 2

// Width is the width of n bars and the gaps between them.
func (l ColumnLayout) Width(n int) int {
	if n <= 0 {
		return 0
	}
	return n*(l.BarW+l.Gap) - l.Gap
}

// Bars lays out one bar per value, heights in proportion to scale (the
// largest value of every chart drawn on the same scale; at least 1). A
// zero value has no height, any other at least MinBarH. class and title
// describe bar i.
func (l ColumnLayout) Bars(values []int, scale int, class string, title func(i int) string) []Bar {
	scale = max(scale, 1)
	bars := make([]Bar, 0, len(values))
	for i, n := range values {
		h := n * l.PlotH / scale
		if n > 0 {
			h = max(h, MinBarH)
		}
		b := Bar{X: i * (l.BarW + l.Gap), Y: l.PlotH - h, W: l.BarW, H: h, Class: class}
		if title != nil {
			b.Title = title(i)
		}
		bars = append(bars, b)
	}
	return bars
}

// Segment is one part of a stacked bar.
type Segment struct {
	N     int
	Class string
	Title string
}

// StackedBar lays out segments left to right from x on the row at y, each
// as wide as its share of plotW at scale (the largest total of the chart;
// at least 1). Segments too small to see at the scale are left out. end is
// the x where the bar ends, for a label after it.
func StackedBar(segments []Segment, x, y, plotW, barH, scale int) (bars []Bar, end int) {
	scale = max(scale, 1)
	for _, s := range segments {
		w := s.N * plotW / scale
		if w == 0 {
			continue
		}
		bars = append(bars, Bar{X: x, Y: y, W: w, H: barH, Class: s.Class, Title: s.Title})
		x += w
	}
	return bars, x
}

func itoa(n int) string { return strconv.Itoa(n) }
