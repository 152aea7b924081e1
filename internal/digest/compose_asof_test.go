package digest

import (
	"context"
	"strings"
	"testing"
	"time"

	"tandem/internal/kpi"
)

// QA found the live preview saying "MQLs delivered 97 / 140 ✓ on target"
// mid-week, where the overview said "on pace" with what was due by now.
// While the week runs, MQLs and revenue are judged on pace, in words of
// pace; once it has ended, on the full target.
func TestLivePreviewJudgesMQLsAndRevenueOnPace(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// 4 MQLs in W47 against a commitment of 8: 8 × 2.5/7 = 2.86, shown 3,
	// is due by Wednesday noon. (The KPI counts the week's rows; the
	// fixture's Friday lead stands for one already in by Wednesday.)
	f.exec(`INSERT INTO kpi_targets (kpi, period_kind, value, effective_from) VALUES ('mql', 'week', 8, '2026-01-01')`)
	f.now = at(18, 12, 0)
	d := composeW47(t, f.service(nil))

	mql, rev := kpiOf(t, d, "mql"), kpiOf(t, d, "revenue")
	near(t, "mql", mql.Value, 4)
	near(t, "mql pace", mql.Pace, 8*2.5/7)
	if st := mql.Status(); st.Text != "on pace" || st.Class != "met" {
		t.Errorf("4 MQLs of 8 with 3 due by now: %+v, want on pace", st)
	}
	// Revenue: 81 % of the week's goal with 36 % due.
	near(t, "revenue pace", rev.Pace, 2.5/7)
	if st := rev.Status(); st.Text != "on pace" {
		t.Errorf("revenue 81 %% with 36 %% due by now: %+v, want on pace", st)
	}
	for _, k := range d.KPIs {
		if k.Value != nil && k.Target != nil && kpi.Shown(k.Unit, *k.Value) < kpi.Shown(k.Unit, *k.Target) && k.Status().Text == "on target" {
			t.Errorf("%s: %s against a target of %s says on target", k.Name, FormatValue(k.Unit, k.Value), FormatValue(k.Unit, k.Target))
		}
	}
	text, err := Text(View{Digest: d, BaseURL: baseURL})
	if err != nil {
		t.Fatal(err)
	}
	html, err := HTML(View{Digest: d, BaseURL: baseURL})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"- MQLs delivered: 4, target 8 (3 due by now, 36 % of the week gone), on pace;",
		"- Revenue vs goal: 81 %, target 100 % (36 % due by now, 36 % of the week gone), on pace;",
		"judged on pace",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the live text lacks %q:\n%s", want, text)
		}
	}
	for _, want := range []string{"3 due by now, 36 % of the week gone", "✓ on pace", "judged on pace"} {
		if !strings.Contains(html, want) {
			t.Errorf("the live html lacks %q", want)
		}
	}

	// The same week once it has ended: 4 MQLs against the full 8.
	f.now = composeTime
	d = composeW47(t, f.service(nil))
	mql = kpiOf(t, d, "mql")
	if mql.Pace != nil || mql.Status().Text != "behind target" {
		t.Errorf("the ended week's MQLs: pace %v, %+v, want behind target", valueOf(mql.Pace), mql.Status())
	}
	text, _ = Text(View{Digest: d, BaseURL: baseURL})
	if !strings.Contains(text, "- MQLs delivered: 4, target 8, behind target;") || strings.Contains(text, "due by now") || d.PaceNote() != "" {
		t.Errorf("the ended week's text still paces:\n%s", text)
	}
}

// QA found /digests/2026-W48 labelling a campaign "announced late" that was
// announced after the digest's cut-off: then it was still a draft. Every
// fact of a launch is as of the cut-off.
func TestACampaignAnnouncedAfterTheCutOffIsTheDraftItWas(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// The promo (launching Tuesday 1 December) is announced late on Monday
	// 23 November 20:18 UTC, after W47 ended, and Riley acknowledges it.
	announced := time.Date(2026, 11, 23, 20, 18, 0, 0, time.UTC)
	f.exec(`UPDATE campaigns SET status = 'announced', announced_at = $1, notice_lead = interval '7 days 2 hours',
		notice_days = 14, late_notice = true, late_reason = 'The budget came late', revision = 1 WHERE name = 'Year-end promo'`, announced)
	f.exec(`INSERT INTO campaign_revisions (campaign_id, revision, talking_points, created_at)
		SELECT id, 1, 'Lock prices', $1 FROM campaigns WHERE name = 'Year-end promo'`, announced)
	f.exec(`INSERT INTO acknowledgements (campaign_id, user_id, revision, acknowledged_at, revision_at)
		SELECT id, $1, 1, $2, $2 FROM campaigns WHERE name = 'Year-end promo'`, f.users["riley"], at(24, 8, 0))
	f.now = at(24, 9, 0)
	s := f.service(nil)
	a, err := s.Archive(context.Background(), mustWeek(t, "2026-W47"), ViaSchedule, 0)
	if err != nil {
		t.Fatal(err)
	}
	promo := a.Launches[1]
	if promo.Name != "Year-end promo" || promo.Announced || promo.LateNotice || promo.Readiness != nil {
		t.Errorf("the promo as of the end of W47: %+v, want the draft it was", promo)
	}
	text, _ := Text(View{Digest: a.Digest, BaseURL: baseURL})
	html, _ := HTML(View{Digest: a.Digest, BaseURL: baseURL})
	if !strings.Contains(text, "- Tue 1 Dec, Year-end promo: not announced yet") || strings.Contains(text, "announced late") ||
		strings.Contains(html, "announced late") {
		t.Errorf("the archived digest shows a fact from after its cut-off:\n%s", text)
	}

	// Live, as of now, the announcement and its late notice do show.
	eng := kpi.NewEngine(f.pool, berlin).At(f.now)
	live, err := eng.LaunchesBetween(context.Background(), at(23, 0, 0), at(30, 0, 0).AddDate(0, 0, 7))
	if err != nil {
		t.Fatal(err)
	}
	var seen bool
	for _, l := range live {
		if l.Name == "Year-end promo" {
			seen = l.Announced && l.LateNotice && l.Acked == 1
		}
	}
	if !seen {
		t.Errorf("live launches as of now: %+v, want the promo announced late with 1 ready", live)
	}
}

// The digest prints numbers as the KPI pages do (kpi.Shown: halves away
// from zero) and judges launch readiness on the value as printed.
func TestDigestRoundsAsTheKPIPagesDo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		unit kpi.Unit
		v    float64
		want string
	}{
		{kpi.Percent, 0.625, "63 %"}, // strconv alone gave "62 %"
		{kpi.Percent, 0.57, "57 %"},
		{kpi.Percent, 6.0 / 7, "86 %"},
		{kpi.Score, 4.25, "4.3"}, // strconv alone gave "4.2"
		{kpi.Count, 2.5, "3"},
		{kpi.Index, 82.5, "83"},
		{kpi.Money, 1234.5, "1,235"},
	} {
		if got := FormatValue(tc.unit, &tc.v); got != tc.want {
			t.Errorf("FormatValue(%s, %v) = %q, want %q", tc.unit, tc.v, got, tc.want)
		}
	}
	// 26 of 29 is 89.66 %, printed "90 %": on a 90 % target, not "close".
	l := Launch{Announced: true, Acked: 26, Eligible: 29, Readiness: ptr(26.0 / 29)}
	if st := l.ReadinessStatus(ptr(0.9)); st.Text != "on target" {
		t.Errorf("readiness printed %s against 90 %%: %+v", FormatValue(kpi.Percent, l.Readiness), st)
	}
	if st := (Launch{Announced: true}).ReadinessStatus(ptr(0.9)); st.Text != "no data" {
		t.Errorf("nobody measured: %+v", st)
	}
}
