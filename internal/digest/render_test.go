package digest

import (
	"strings"
	"testing"
	"time"

	"tandem/internal/format"
	"tandem/internal/kpi"
)

// A quiet week: nothing won, no goal, nothing launching, no feedback acted
// on, no trouble. Every section still says so in words, in both parts.
func TestRenderAQuietWeek(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 12, 28, 0, 0, 0, 0, berlin)
	d := Digest{Week: "2026-W53", Title: "Week 53, 2026", From: from, To: from.AddDate(0, 0, 7), AsOf: from.AddDate(0, 0, 7),
		Timezone: "Europe/Berlin", LaunchFrom: from.AddDate(0, 0, 7), LaunchTo: from.AddDate(0, 0, 21),
		Revenue: Revenue{Quarter: "Q4 2026"},
		KPIs:    []KPI{{Key: "conversion", Name: "Lead-to-customer conversion", Unit: kpi.Percent, Previous: ptr(0.2), Target: ptr(0.2)}}}
	v := View{Digest: d, BaseURL: "https://t.example"}
	text, err := Text(v)
	if err != nil {
		t.Fatal(err)
	}
	html, err := HTML(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Monday 28 December 2026 – Sunday 3 January 2027",
		"No deals were won this week.",
		"No revenue goal is set for the quarter.",
		"Lead-to-customer conversion: no data, target 20 %, no data; – was 20 % last week",
		"No campaigns launch in the next two weeks.",
		"No feedback was acted on this week.",
		"None. Nothing needs attention.",
		"https://t.example/digests/2026-W53",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
		if plain := strings.SplitN(want, ":", 2)[0]; !strings.Contains(html, plain) {
			t.Errorf("html lacks %q", plain)
		}
	}
	if strings.Contains(text, "unsubscribe") || strings.Contains(html, "nsubscribe") {
		t.Error("a view without an unsubscribe link shows a footer")
	}

	// An announced launch with nobody to measure says so, in both parts.
	d.Launches = []Launch{{CampaignID: 7, Name: "Before everyone", LaunchOn: "2027-01-05", Announced: true}}
	text, _ = Text(View{Digest: d})
	html, _ = HTML(View{Digest: d})
	for what, body := range map[string]string{"text": text, "html": html} {
		if !strings.Contains(body, "nobody in sales or service was measured") || strings.Contains(body, "0 of 0") {
			t.Errorf("the %s's launch with nobody to measure:\n%s", what, body)
		}
	}
	d.Launches = nil

	// The last week of a quarter that missed its goal; then one that made it.
	d.Revenue = Revenue{Quarter: "Q4 2026", Won: 900, Goal: ptr(1000), Attainment: ptr(0.9), Remaining: 100}
	text, _ = Text(View{Digest: d})
	if !strings.Contains(text, "Won so far: 900 of 1,000 (90 %)") || !strings.Contains(text, "The quarter ended 100 short of the goal.") {
		t.Errorf("quarter ended short:\n%s", text)
	}
	d.Revenue = Revenue{Quarter: "Q4 2026", Won: 1200, Goal: ptr(1000), Attainment: ptr(1.2), WeeksLeft: 2}
	text, _ = Text(View{Digest: d})
	if !strings.Contains(text, "The goal is reached.") {
		t.Errorf("goal reached:\n%s", text)
	}
}

func TestDirectionAndFormat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		k    KPI
		want Direction
	}{
		{KPI{Unit: kpi.Percent, Value: ptr(0.5), Previous: ptr(0.4)}, Direction{"↑", "up from 40 %", "up"}},
		{KPI{Unit: kpi.Percent, Value: ptr(0.331), Previous: ptr(0.334)}, Direction{"→", "same as last week", "same"}},
		{KPI{Unit: kpi.Score, Value: ptr(3.5), Previous: ptr(4.25)}, Direction{"↓", "down from 4.3", "down"}},
		{KPI{Unit: kpi.Count, Value: ptr(3)}, Direction{"–", "no data last week", "none"}},
	}
	for _, tc := range cases {
		if got := tc.k.Direction(); got != tc.want {
			t.Errorf("%+v: %+v, want %+v", tc.k, got, tc.want)
		}
	}
	for v, want := range map[float64]string{0: "0", 999.5: "1,000", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := format.Money(v); got != want {
			t.Errorf("Money(%v) = %q, want %q", v, got, want)
		}
	}
}
