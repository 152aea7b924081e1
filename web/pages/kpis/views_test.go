package kpis

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

func TestTargetsPage(t *testing.T) {
	t.Parallel()
	today := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	current := CurrentTargets{kpi.Conversion: {kpi.Month: ptr(0.25)}, kpi.RevenueGoal: {kpi.Quarter: ptr(1249999.5)}}
	history := []kpi.Target{{KPI: kpi.RevenueGoal, Kind: kpi.Quarter, Value: 1250000, EffectiveFrom: today, SetAt: today}}
	for _, tc := range []struct {
		name    string
		canEdit bool
		errs    map[string]string
	}{
		{"member reads", false, nil},
		{"manager edits", true, nil},
		{"manager refused", true, map[string]string{"value": "Enter a number."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := TargetsOf(components.Page{Title: "Targets"}, tc.canEdit, today, current, history)
			v.Errors = tc.errs
			if v.Form["effective_from"] != "2026-03-04" {
				t.Errorf("default first day %q", v.Form["effective_from"])
			}
			var buf bytes.Buffer
			if err := TargetsPage(v).Render(context.Background(), &buf); err != nil {
				t.Fatal(err)
			}
			doc, err := html.Parse(&buf)
			if err != nil {
				t.Fatal(err)
			}
			rows := map[string]string{}
			for _, tr := range all(doc, func(n *html.Node) bool { return n.Data == "tr" }) {
				if th := all(tr, func(n *html.Node) bool { return n.Data == "th" && attr(n, "scope") == "row" }); len(th) == 1 {
					rows[text(th[0])] = text(tr)
				}
			}
			if got := rows["Lead-to-customer conversion"]; !strings.Contains(got, "25 %") {
				t.Errorf("conversion row %q lacks the month's 25 %%", got)
			}
			if got := rows[RevenueGoalName]; !strings.Contains(got, "1,250,000") {
				t.Errorf("revenue goal row %q lacks 1,250,000", got)
			}
			for _, th := range all(doc, func(n *html.Node) bool { return n.Data == "th" }) {
				if s := attr(th, "scope"); s != "col" && s != "row" {
					t.Errorf("th %q without scope", text(th))
				}
			}
			labels := map[string]bool{}
			for _, l := range all(doc, func(n *html.Node) bool { return n.Data == "label" }) {
				labels[attr(l, "for")] = true
			}
			controls := all(doc, func(n *html.Node) bool {
				return n.Data == "select" || n.Data == "input" && attr(n, "type") != "hidden" && attr(n, "type") != "submit"
			})
			if tc.canEdit == (len(controls) == 0) {
				t.Errorf("canEdit %v but %d form controls", tc.canEdit, len(controls))
			}
			for _, c := range controls {
				if id := attr(c, "id"); id == "" || !labels[id] {
					t.Errorf("%s %q has no label", c.Data, attr(c, "name"))
				}
			}
			summaries := all(doc, func(n *html.Node) bool { return attr(n, "role") == "alert" })
			if (len(tc.errs) > 0) != (len(summaries) == 1) {
				t.Errorf("%d error summaries for %d errors", len(summaries), len(tc.errs))
			}
		})
	}
}

func TestPickerOf(t *testing.T) {
	t.Parallel()
	p := kpi.PeriodOf(kpi.Month, time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC), time.UTC)
	q := url.Values{"lens": {"sales"}, "kind": {"month"}, "period": {p.Label()}}
	for _, tc := range []struct {
		name     string
		now      time.Time
		wantNext bool
	}{
		{"next month not started", p.End.Add(-time.Hour), false},
		{"next month started", p.End.Add(time.Hour), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pk := PickerOf("/kpis", q, p, tc.now)
			if (pk.Next.URL != "") != tc.wantNext {
				t.Errorf("next link %q, want one: %v", pk.Next.URL, tc.wantNext)
			}
			if !strings.Contains(pk.Prev.URL, "lens=sales") || !strings.HasPrefix(pk.Prev.URL, "/kpis?") {
				t.Errorf("prev link %q drops the other parameters", pk.Prev.URL)
			}
			if len(pk.Kinds) != 3 || !pk.Kinds[1].Current {
				t.Errorf("kinds %+v: want week, month (current), quarter", pk.Kinds)
			}
		})
	}
}

func TestTrimFloat(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{0: "0", 3: "3", 3.5: "3.5", 3.14159: "3.14", 2.005: "2", 1250000: "1250000"} {
		t.Run(want, func(t *testing.T) {
			if got := TrimFloat(in); got != want {
				t.Errorf("TrimFloat(%v) = %q, want %q", in, got, want)
			}
		})
	}
}

// The tiles of a snapshot are kept as HTML: the same snapshot renders
// the same tiles, and a new snapshot (a refresh), another period or
// another currency never shows the kept ones.
func TestKeptTilesFollowTheSnapshot(t *testing.T) {
	def, _ := kpi.Lookup(kpi.Revenue)
	p := kpi.PeriodOf(kpi.Month, time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), time.UTC)
	snapshot := func(won float64) kpi.Snapshot {
		return kpi.Snapshot{Dashboard: kpi.Dashboard{KPIs: []kpi.Series{{Definition: def,
			Values: []kpi.Value{{Period: p, Numerator: won, Elapsed: 1}}}}}}
	}
	tiles := func(d kpi.Snapshot, pq, currency string) string {
		var buf bytes.Buffer
		if err := TilesOf(d, pq, currency).Render(context.Background(), &buf); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	first := snapshot(1200)
	before := tiles(first, "?kind=month", "EUR")
	if !strings.Contains(before, "1,200") || tiles(first, "?kind=month", "EUR") != before {
		t.Fatalf("the same snapshot renders other tiles, or not its numbers:\n%s", before)
	}
	if got := tiles(snapshot(3400), "?kind=month", "EUR"); !strings.Contains(got, "3,400") {
		t.Errorf("a refreshed snapshot shows the kept tiles:\n%s", got)
	}
	if got := tiles(first, "?kind=quarter", "EUR"); !strings.Contains(got, "?kind=quarter") {
		t.Errorf("another period's tiles link to the kept period:\n%s", got)
	}
	if got := tiles(first, "?kind=month", "USD"); got == before {
		t.Errorf("another currency shows the kept tiles:\n%s", got)
	}
}
