package components

import (
	"reflect"
	"testing"
)

func TestColumnLayout(t *testing.T) {
	l := ColumnLayout{BarW: 16, Gap: 4, PlotH: 64}
	for _, tc := range []struct {
		name   string
		values []int
		scale  int
		want   []Bar // X, Y, W, H only
	}{
		{"empty", nil, 5, []Bar{}},
		{"in proportion to the scale", []int{0, 4, 8}, 8,
			[]Bar{{X: 0, Y: 64, W: 16, H: 0}, {X: 20, Y: 32, W: 16, H: 32}, {X: 40, Y: 0, W: 16, H: 64}}},
		{"a small value stays visible", []int{1}, 1000, []Bar{{X: 0, Y: 62, W: 16, H: MinBarH}}},
		{"a zero scale draws nothing tall", []int{0, 0}, 0, []Bar{{X: 0, Y: 64, W: 16}, {X: 20, Y: 64, W: 16}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := l.Bars(tc.values, tc.scale, "", nil)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Bars(%v, %d) = %+v, want %+v", tc.values, tc.scale, got, tc.want)
			}
			for _, b := range got {
				if b.Y+b.H != l.PlotH {
					t.Errorf("bar %+v does not stand on the baseline %d", b, l.PlotH)
				}
			}
		})
	}
	if w := l.Width(12); w != 12*20-4 {
		t.Errorf("Width(12) = %d", w)
	}
	if w := l.Width(0); w != 0 {
		t.Errorf("Width(0) = %d", w)
	}
	bars := l.Bars([]int{3}, 3, "fb-bar", func(i int) string { return "three" })
	if bars[0].Class != "fb-bar" || bars[0].Title != "three" {
		t.Errorf("class and title not applied: %+v", bars[0])
	}
}

func TestStackedBar(t *testing.T) {
	for _, tc := range []struct {
		name     string
		segments []Segment
		scale    int
		want     []Bar
		end      int
	}{
		{"segments side by side", []Segment{{N: 1, Class: "a"}, {N: 2, Class: "b"}, {N: 1, Class: "c"}}, 4,
			[]Bar{{X: 10, Y: 5, W: 100, H: 20, Class: "a"}, {X: 110, Y: 5, W: 200, H: 20, Class: "b"},
				{X: 310, Y: 5, W: 100, H: 20, Class: "c"}}, 410},
		{"empty segments are left out", []Segment{{N: 0, Class: "a"}, {N: 2, Class: "b"}}, 4,
			[]Bar{{X: 10, Y: 5, W: 200, H: 20, Class: "b"}}, 210},
		{"nothing at all", []Segment{{N: 0}}, 0, nil, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, end := StackedBar(tc.segments, 10, 5, 400, 20, tc.scale)
			if !reflect.DeepEqual(got, tc.want) || end != tc.end {
				t.Errorf("StackedBar = %+v, %d; want %+v, %d", got, end, tc.want, tc.end)
			}
		})
	}
}

func TestBarChartViewBox(t *testing.T) {
	if got := (BarChart{Width: 680, Height: 102}).ViewBox(); got != "0 0 680 102" {
		t.Errorf("ViewBox = %q", got)
	}
}

func TestLineChartMarginsFitTheLabels(t *testing.T) {
	v := 1_250_000.0
	points := []ChartPoint{{Label: "2026-W01", Value: &v}, {Label: "2026-W02", Value: &v}}
	short := chartGeom(points, func(float64) string { return "9" })
	long := chartGeom(points, func(float64) string { return "USD 1,250,000" })
	if long.left <= short.left {
		t.Errorf("left margin %.0f for money labels, %.0f for one digit: the money labels would be cut off", long.left, short.left)
	}
	if long.left < textWidth("USD 1,250,000") {
		t.Errorf("left margin %.0f is narrower than the label", long.left)
	}
	if end := long.x(len(points)-1) + textWidth("2026-W02")/2; end > long.w {
		t.Errorf("the last period label ends at %.0f, past the chart's width %.0f", end, long.w)
	}
}
