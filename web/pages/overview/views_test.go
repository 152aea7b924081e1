package overview

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"tandem/internal/kpi"
	"tandem/web/components"
	"tandem/web/pages/kpis"
)

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func all(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func ptr(f float64) *float64 { return &f }

// series is a KPI with two weekly values, the last one current.
func series(key kpi.Key, values ...float64) kpi.Series {
	def, _ := kpi.Lookup(key)
	s := kpi.Series{Definition: def}
	week := kpi.PeriodOf(kpi.Week, time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC), time.UTC)
	for _, v := range values {
		s.Values = append(s.Values, kpi.Value{Period: week, Value: ptr(v), Target: ptr(0.2), Elapsed: 1,
			Attainment: kpi.Attainment(def.Unit, ptr(v), ptr(0.2))})
		week = week.Next()
	}
	return s
}

func TestOverviewTilesAndTables(t *testing.T) {
	t.Parallel()
	campaignID := int64(4)
	period := kpi.PeriodOf(kpi.Week, time.Date(2026, 3, 11, 12, 0, 0, 0, time.UTC), time.UTC)
	in := Input{Lens: "sales", DefaultLens: "sales", Query: url.Values{"kind": {"week"}}, Period: period,
		Picker: kpis.PickerOf("/", url.Values{}, period, period.End),
		Dashboard: kpi.Snapshot{Dashboard: kpi.Dashboard{
			KPIs:      []kpi.Series{series(kpi.Conversion, 0.1, 0.25), series(kpi.Acceptance, 0.5, 0.4)},
			Alignment: series(kpi.Alignment, 0.5, 0.6)},
			Signs: []kpi.Sign{{Key: "feedback", Title: "2 feedback items waiting", Subject: "marketing"},
				{Key: "sla", Title: "1 lead past the follow-up SLA", Subject: "sales"}}},
		Launches: []kpi.Launch{{ID: 1, Name: "Spring", LaunchOn: period.Start, Announced: true, Acked: 3, Eligible: 4},
			{ID: 2, Name: "Draft one", LaunchOn: period.Start}},
		Wins:            []kpi.Win{{LeadID: 9, Company: "Acme", Value: 1249999.5, CampaignID: &campaignID, Campaign: "Spring"}},
		ReadinessTarget: ptr(0.9),
	}
	v := Of(components.Page{Title: "Overview"}, in)

	for _, tc := range []struct {
		name, got, want string
	}{
		{"lens name", v.LensName, "Sales"},
		{"the lens team's sign first", v.Signs[0].Title, "1 lead past the follow-up SLA"},
		{"win value in whole units", v.Wins[0].Value, "1,250,000"},
		{"win campaign link", v.Wins[0].CampaignLink, "/campaigns/4"},
		{"readiness in words", v.Launches[0].Readiness, "3 of 4 acknowledged"},
		{"draft launch noted", v.Launches[1].Note, "not announced yet"},
		{"the default lens needs no parameter", v.Lenses[1].URL, "/?kind=week"},
		{"another lens names itself", v.Lenses[0].URL, "/?kind=week&lens=all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}

	var buf bytes.Buffer
	if err := OverviewPage(v).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("each tile is an article named by its heading", func(t *testing.T) {
		tiles := all(doc, func(n *html.Node) bool { return n.Data == "article" && strings.Contains(attr(n, "class"), "kpi-tile") })
		if len(tiles) != 2 {
			t.Fatalf("%d tiles, want 2", len(tiles))
		}
		for _, tile := range tiles {
			by := attr(tile, "aria-labelledby")
			hs := all(tile, func(n *html.Node) bool { return n.Data == "h3" && attr(n, "id") == by })
			if by == "" || len(hs) != 1 || text(hs[0]) == "" {
				t.Errorf("tile labelled by %q has no heading with that id", by)
			}
		}
	})
	t.Run("tables have captions and scoped column headers", func(t *testing.T) {
		tables := all(doc, func(n *html.Node) bool { return n.Data == "table" })
		if len(tables) < 2 {
			t.Fatalf("%d tables, want the launches and the wins", len(tables))
		}
		for _, tb := range tables {
			if len(all(tb, func(n *html.Node) bool { return n.Data == "caption" })) != 1 {
				t.Error("a table without a caption")
			}
			ths := all(tb, func(n *html.Node) bool { return n.Data == "th" })
			if len(ths) == 0 {
				t.Error("a table without headers")
			}
			for _, th := range ths {
				if s := attr(th, "scope"); s != "col" && s != "row" {
					t.Errorf("th %q without scope", text(th))
				}
			}
		}
	})
}

func TestKnownLens(t *testing.T) {
	t.Parallel()
	for lens, want := range map[string]bool{"all": true, "sales": true, "marketing": true, "service": true, "": false, "Sales": false, "admin": false} {
		t.Run(lens, func(t *testing.T) {
			if got := KnownLens(lens); got != want {
				t.Errorf("KnownLens(%q) = %v, want %v", lens, got, want)
			}
		})
	}
}
