package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tandem/internal/feedback"
	fbpages "tandem/web/pages/feedback"
)

// Chart geometry, in SVG user units.
const (
	sparkBarW   = 16
	sparkGap    = 4
	sparkPlotH  = 64
	sparkLabelH = 16

	chainLabelW = 110
	chainPlotW  = 420
	chainRowH   = 34
	chainBarH   = 22
	chainNumW   = 150
)

func (s *Server) feedbackTrends(w http.ResponseWriter, r *http.Request) error {
	tr, err := s.feedback.Trends(r.Context())
	if err != nil {
		return err
	}
	p := s.page(w, r, "Theme trends", "feedback")
	loc := s.cfg.Location
	v := fbpages.Trends{Page: p, Zone: loc.String()}
	if n := len(tr.Months); n > 0 {
		v.Period = tr.Months[0].In(loc).Format("January 2006") + " to " + tr.Months[n-1].In(loc).Format("January 2006")
	}
	for _, m := range tr.Months {
		m = m.In(loc)
		v.Months = append(v.Months, fbpages.Month{Label: m.Format("Jan 06"), Long: m.Format("January 2006")})
	}
	// The list filters by days in the viewer's timezone; months are cut in
	// the business timezone, which for most viewers is the same.
	day := func(t time.Time) string { return t.In(loc).Format(time.DateOnly) }
	lastDay := func(start time.Time) string { return day(start.AddDate(0, 1, -1)) }
	windowFrom, windowTo := "", ""
	if n := len(tr.Months); n > 0 {
		windowFrom, windowTo = day(tr.Months[0]), lastDay(tr.Months[n-1])
	}

	// Small multiples: one chart per theme, all on the same scale.
	scale := max(tr.Max, 1)
	width := len(tr.Months)*(sparkBarW+sparkGap) - sparkGap
	for _, t := range tr.Themes {
		row := fbpages.ThemeRow{Name: t.Theme, Total: t.Total}
		id := strconv.FormatInt(t.ThemeID, 10)
		c := fbpages.Chart{ID: "theme-" + id, Width: width, Height: sparkPlotH + sparkLabelH, Axis: sparkPlotH,
			Title: fmt.Sprintf("%s: %d items in 12 months, %d in %s, %d in %s.", t.Theme, t.Total,
				t.Counts[0], v.Months[0].Long, t.Counts[len(t.Counts)-1], v.Months[len(v.Months)-1].Long)}
		for i, n := range t.Counts {
			h := n * sparkPlotH / scale
			if n > 0 {
				h = max(h, 2)
			}
			c.Bars = append(c.Bars, fbpages.Bar{X: i * (sparkBarW + sparkGap), Y: sparkPlotH - h, W: sparkBarW, H: h,
				Class: "fb-bar", Title: fmt.Sprintf("%s: %d in %s", t.Theme, n, v.Months[i].Long)})
			start := tr.Months[i]
			row.Cells = append(row.Cells, fbpages.Cell{N: n,
				URL: feedbackListURL("theme", id, "from", day(start), "to", lastDay(start))})
		}
		c.Labels = []fbpages.Label{
			{X: 0, Y: sparkPlotH + sparkLabelH - 3, Text: v.Months[0].Label, Anchor: "start"},
			{X: width, Y: sparkPlotH + sparkLabelH - 3, Text: v.Months[len(v.Months)-1].Label, Anchor: "end"},
		}
		row.Chart = c
		v.Themes = append(v.Themes, row)
		v.Total += t.Total
	}

	// The chain: one stacked bar per link, negative first.
	maxTotal := 1
	for _, l := range tr.Links {
		maxTotal = max(maxTotal, l.Total())
	}
	chain := fbpages.Chart{ID: "chain", Width: chainLabelW + chainPlotW + chainNumW, Height: len(tr.Links) * chainRowH}
	worst, worstShare := feedback.ChainLink(""), -1.0
	for i, l := range tr.Links {
		link := string(l.Link)
		listURL := func(sentiment string) string {
			return feedbackListURL("link", link, "sentiment", sentiment, "from", windowFrom, "to", windowTo)
		}
		row := fbpages.LinkRow{Label: l.Link.Label(), Explain: l.Link.Explain(),
			Negative: fbpages.Cell{N: l.Negative, URL: listURL("negative")},
			Neutral:  fbpages.Cell{N: l.Neutral, URL: listURL("neutral")},
			Positive: fbpages.Cell{N: l.Positive, URL: listURL("positive")},
			Total:    fbpages.Cell{N: l.Total(), URL: listURL("")},
			NegShare: "—"}
		share := 0.0
		if l.Total() > 0 {
			share = float64(l.Negative) / float64(l.Total())
			row.NegShare = fmt.Sprintf("%.0f %%", share*100)
		}
		if l.Negative > 0 && share > worstShare {
			worst, worstShare = l.Link, share
		}
		v.Links = append(v.Links, row)

		y := i*chainRowH + (chainRowH-chainBarH)/2
		chain.Labels = append(chain.Labels, fbpages.Label{X: 0, Y: y + chainBarH - 6, Text: l.Link.Label(), Anchor: "start"})
		x := chainLabelW
		for _, seg := range []struct {
			n     int
			class string
			word  string
		}{{l.Negative, "fb-neg", "negative"}, {l.Neutral, "fb-neu", "neutral"}, {l.Positive, "fb-pos", "positive"}} {
			wd := seg.n * chainPlotW / maxTotal
			if wd == 0 {
				continue
			}
			chain.Bars = append(chain.Bars, fbpages.Bar{X: x, Y: y, W: wd, H: chainBarH, Class: seg.class,
				Title: fmt.Sprintf("%s: %d %s", l.Link.Label(), seg.n, seg.word)})
			x += wd
		}
		chain.Labels = append(chain.Labels, fbpages.Label{X: x + 8, Y: y + chainBarH - 6,
			Text: fmt.Sprintf("%d · %s negative", l.Total(), row.NegShare), Anchor: "start"})
	}
	chain.Title = "Feedback per link of the chain, split into negative, neutral and positive. "
	for _, l := range v.Links {
		chain.Title += fmt.Sprintf("%s: %d negative, %d neutral, %d positive. ", l.Label, l.Negative.N, l.Neutral.N, l.Positive.N)
	}
	v.Chain = chain
	switch {
	case v.Total == 0:
	case worst == "":
		v.Summary = "No negative feedback in the last 12 months."
	default:
		v.Summary = fmt.Sprintf("Customers are let down most at the %s link (%s): %.0f %% of its feedback is negative.",
			strings.ToLower(worst.Label()), worst.Explain(), worstShare*100)
	}
	return s.render(w, r, http.StatusOK, fbpages.TrendsPage(v))
}
