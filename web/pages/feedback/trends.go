package feedback

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tandem/internal/feedback"
	"tandem/internal/format"
	"tandem/web/components"
)

func px(n int) string { return strconv.Itoa(n) }

// Chart geometry, in SVG user units.
var spark = components.ColumnLayout{BarW: 16, Gap: 4, PlotH: 64}

const (
	sparkLabelH = 16

	chainLabelW = 110
	chainPlotW  = 420
	chainRowH   = 34
	chainBarH   = 22
	chainNumW   = 150
)

// ListURL links to the feedback list with the given filters, as name,
// value pairs; empty values are left out.
func ListURL(params ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		if params[i+1] != "" {
			q.Set(params[i], params[i+1])
		}
	}
	return "/feedback?" + q.Encode()
}

// TrendsOf is the trends page of tr, whose months are cut in loc (the
// business timezone).
func TrendsOf(p components.Page, tr feedback.Trends, loc *time.Location) Trends {
	v := Trends{Page: p, Zone: loc.String()}
	if n := len(tr.Months); n > 0 {
		v.Period = tr.Months[0].In(loc).Format("January 2006") + " to " + tr.Months[n-1].In(loc).Format("January 2006")
	}
	for _, m := range tr.Months {
		m = m.In(loc)
		v.Months = append(v.Months, Month{Label: m.Format("Jan 06"), Long: m.Format("January 2006")})
	}
	// Small multiples: one chart per theme, all on the same scale.
	for _, t := range tr.Themes {
		row := themeRowOf(t, tr, v.Months, loc)
		v.Themes = append(v.Themes, row)
		v.Total += t.Total
	}
	var worst feedback.ChainLink
	worstShare := -1.0
	for _, l := range tr.Links {
		v.Links = append(v.Links, linkRowOf(l, tr.Months, loc))
		if l.Negative > 0 && negShare(l) > worstShare {
			worst, worstShare = l.Link, negShare(l)
		}
	}
	v.Chain = chainChart(tr.Links, v.Links)
	switch {
	case v.Total == 0:
	case worst == "":
		v.Summary = "No negative feedback in the last 12 months."
	default:
		v.Summary = fmt.Sprintf("Customers are let down most at the %s link (%s): %s of its feedback is negative.",
			strings.ToLower(worst.Label()), worst.Explain(), format.Percent(worstShare))
	}
	return v
}

// The list filters by days in the viewer's timezone; months are cut in the
// business timezone, which for most viewers is the same.
func day(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

func lastDay(start time.Time, loc *time.Location) string { return day(start.AddDate(0, 1, -1), loc) }

func negShare(l feedback.LinkSplit) float64 {
	if l.Total() == 0 {
		return 0
	}
	return float64(l.Negative) / float64(l.Total())
}

// themeRowOf is one theme's row of the table and its small chart.
func themeRowOf(t feedback.ThemeTrend, tr feedback.Trends, months []Month, loc *time.Location) ThemeRow {
	row := ThemeRow{Name: t.Theme, Total: t.Total}
	id := strconv.FormatInt(t.ThemeID, 10)
	first, last := months[0], months[len(months)-1]
	width := spark.Width(len(t.Counts))
	row.Chart = components.BarChart{ID: "theme-" + id, Width: width, Height: spark.PlotH + sparkLabelH, Axis: spark.PlotH,
		Title: fmt.Sprintf("%s: %d items in 12 months, %d in %s, %d in %s.", t.Theme, t.Total,
			t.Counts[0], first.Long, t.Counts[len(t.Counts)-1], last.Long),
		Bars: spark.Bars(t.Counts, tr.Max, "fb-bar", func(i int) string {
			return fmt.Sprintf("%s: %d in %s", t.Theme, t.Counts[i], months[i].Long)
		}),
		Labels: []components.ChartLabel{
			// Inset by a little: glyphs such as "J" reach left of their origin.
			{X: 2, Y: spark.PlotH + sparkLabelH - 3, Text: first.Label, Anchor: "start"},
			{X: width - 2, Y: spark.PlotH + sparkLabelH - 3, Text: last.Label, Anchor: "end"},
		},
	}
	for i, n := range t.Counts {
		start := tr.Months[i]
		row.Cells = append(row.Cells, Cell{N: n,
			URL: ListURL("theme", id, "from", day(start, loc), "to", lastDay(start, loc))})
	}
	return row
}

// linkRowOf is one link's row of the chain table; each number links to
// its items over the whole window.
func linkRowOf(l feedback.LinkSplit, months []time.Time, loc *time.Location) LinkRow {
	from, to := "", ""
	if n := len(months); n > 0 {
		from, to = day(months[0], loc), lastDay(months[n-1], loc)
	}
	link := string(l.Link)
	listURL := func(sentiment string) string {
		return ListURL("link", link, "sentiment", sentiment, "from", from, "to", to)
	}
	return LinkRow{Label: l.Link.Label(), Explain: l.Link.Explain(),
		Negative: Cell{N: l.Negative, URL: listURL("negative")},
		Neutral:  Cell{N: l.Neutral, URL: listURL("neutral")},
		Positive: Cell{N: l.Positive, URL: listURL("positive")},
		Total:    Cell{N: l.Total(), URL: listURL("")},
		NegShare: format.PercentOf(l.Negative, l.Total())}
}

// chainChart is one stacked bar per link, negative first; rows are the
// links' table rows, for the numbers the chart writes.
func chainChart(links []feedback.LinkSplit, rows []LinkRow) components.BarChart {
	maxTotal := 1
	for _, l := range links {
		maxTotal = max(maxTotal, l.Total())
	}
	c := components.BarChart{ID: "chain", Width: chainLabelW + chainPlotW + chainNumW, Height: len(links) * chainRowH,
		Title: "Feedback per link of the chain, split into negative, neutral and positive. "}
	for i, l := range links {
		y := i*chainRowH + (chainRowH-chainBarH)/2
		c.Labels = append(c.Labels, components.ChartLabel{X: 0, Y: y + chainBarH - 6, Text: l.Link.Label(), Anchor: "start"})
		bars, end := components.StackedBar([]components.Segment{
			{N: l.Negative, Class: "fb-neg", Title: fmt.Sprintf("%s: %d negative", l.Link.Label(), l.Negative)},
			{N: l.Neutral, Class: "fb-neu", Title: fmt.Sprintf("%s: %d neutral", l.Link.Label(), l.Neutral)},
			{N: l.Positive, Class: "fb-pos", Title: fmt.Sprintf("%s: %d positive", l.Link.Label(), l.Positive)},
		}, chainLabelW, y, chainPlotW, chainBarH, maxTotal)
		c.Bars = append(c.Bars, bars...)
		c.Labels = append(c.Labels, components.ChartLabel{X: end + 8, Y: y + chainBarH - 6,
			Text: fmt.Sprintf("%d · %s negative", l.Total(), rows[i].NegShare), Anchor: "start"})
	}
	for _, l := range rows {
		c.Title += fmt.Sprintf("%s: %d negative, %d neutral, %d positive. ", l.Label, l.Negative.N, l.Neutral.N, l.Positive.N)
	}
	return c
}
