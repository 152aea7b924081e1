package digest

import (
	"context"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tandem/internal/db"
	"tandem/internal/kpi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: nil, want %.4f", what, want)
		return
	}
	if math.Abs(*got-want) > 1e-6 {
		t.Errorf("%s = %.6f, want %.6f", what, *got, want)
	}
}

func composeW47(t *testing.T, s *Service) Digest {
	t.Helper()
	week, err := s.ParseWeek("2026-W47")
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Compose(context.Background(), week)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestComposeAHandBuiltWeek(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(nil)
	d := composeW47(t, s)

	if d.Week != "2026-W47" || d.Title != "Week 47, 2026" || !d.From.Equal(at(16, 0, 0)) || !d.To.Equal(at(23, 0, 0)) {
		t.Errorf("week: %s %q %v–%v", d.Week, d.Title, d.From, d.To)
	}
	// Composed on Monday morning after the week: the numbers stop at its end.
	if !d.AsOf.Equal(d.To) {
		t.Errorf("as of %v, want the week's end", d.AsOf)
	}
	if got := d.AsOfLine(); got != "Numbers as of the end of the week, Monday 23 November 2026 00:00 (Europe/Berlin)." {
		t.Errorf("as-of line %q", got)
	}
	// Wins: Acme (campaign) and Beta; Delta, won Monday 07:00, is next week's.
	if d.WinCount != 2 || len(d.Wins) != 2 || d.Wins[0].Company != "Beta AG" || d.Wins[1].Company != "Acme GmbH" {
		t.Fatalf("wins: %+v", d.Wins)
	}
	if w := d.Wins[1]; w.Value != 60000 || w.Rep != "Riley Chen" || w.Campaign != "Winter webinar" || w.CampaignID == 0 {
		t.Errorf("Acme: %+v", w)
	}
	if d.WonValue != 80000 || d.CampaignValue != 60000 {
		t.Errorf("won %v, from campaigns %v", d.WonValue, d.CampaignValue)
	}
	near(t, "campaign share", d.CampaignShare, 0.75)

	// Q4 to the end of W47: 100 + 75 + 60 + 20 thousand, 160 000 of it
	// from the webinar; 1 045 000 missing over the 6 weeks (39 days) left.
	r := d.Revenue
	if r.Quarter != "Q4 2026" || r.Won != 255000 || r.FromCampaigns != 160000 || r.WeeksLeft != 6 {
		t.Errorf("revenue: %+v", r)
	}
	near(t, "goal", r.Goal, 1300000)
	near(t, "attainment", r.Attainment, 255000.0/1300000)
	near(t, "pace needed", r.PaceNeeded, 1045000.0/6)

	kpis := map[string]KPI{}
	for _, k := range d.KPIs {
		kpis[k.Key] = k
	}
	if d.KPIs[0].Key != "alignment" || len(d.KPIs) != 12 {
		t.Errorf("KPI rows: %d, first %s", len(d.KPIs), d.KPIs[0].Key)
	}
	// Revenue this week: 80 000 against 1 300 000 × 7/92; last week 175 000.
	rev := kpis["revenue"]
	near(t, "revenue kpi", rev.Value, 80000/(1300000*7.0/92))
	near(t, "revenue kpi last week", rev.Previous, 175000/(1300000*7.0/92))
	if dir := rev.Direction(); dir.Arrow != "↓" || dir.Words != "down from 177 %" {
		t.Errorf("revenue direction: %+v", dir)
	}
	// Acted on: 1 of 2 decided in W47; W46 had 1 of 1.
	acted := kpis["feedback_acted"]
	near(t, "acted on", acted.Value, 0.5)
	if dir := acted.Direction(); dir.Arrow != "↓" || dir.Words != "down from 100 %" || acted.Status().Text != "on target" {
		t.Errorf("acted on: %+v %+v", dir, acted.Status())
	}

	// Launches 23 Nov – 6 Dec: Partner days (2 of the 4 active sales and
	// service people by the week's end: Sam acknowledged on Monday 07:00,
	// after the cut-off though before composing; Olga has not; Dora has
	// left) and the unannounced promo.
	if len(d.Launches) != 2 {
		t.Fatalf("launches: %+v", d.Launches)
	}
	pd := d.Launches[0]
	if pd.Name != "Partner days" || pd.LaunchOn != "2026-11-25" || pd.Acked != 2 || pd.Eligible != 4 || !pd.Announced {
		t.Errorf("partner days: %+v", pd)
	}
	near(t, "readiness", pd.Readiness, 0.5)
	if st := pd.ReadinessStatus(d.ReadinessTarget); st.Text != "behind target" {
		t.Errorf("readiness status %+v", st)
	}
	if promo := d.Launches[1]; promo.Announced || promo.Readiness != nil || promo.ReadinessStatus(d.ReadinessTarget).Text != "not announced yet" {
		t.Errorf("promo: %+v", promo)
	}

	if len(d.Feedback) != 1 || d.Feedback[0].Customer != "Acme GmbH" || d.Feedback[0].Theme != "Pricing and billing" ||
		d.Feedback[0].Reporter != "Andre Silva" || !strings.HasPrefix(d.Feedback[0].Response, "We fixed") {
		t.Errorf("feedback: %+v", d.Feedback)
	}

	var sla bool
	for _, sg := range d.Trouble {
		sla = sla || strings.Contains(sg.Title, "past the follow-up SLA") && sg.Link == "/leads?sla=breached"
	}
	if !sla {
		t.Errorf("trouble signs: %+v", d.Trouble)
	}
}

func TestComposeARunningWeekIsAsOfNow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.now = at(18, 12, 0) // Wednesday of W47
	d := composeW47(t, f.service(nil))
	if !d.AsOf.Equal(f.now) || d.WinCount != 1 || d.Wins[0].Company != "Acme GmbH" {
		t.Errorf("as of %v, wins %+v", d.AsOf, d.Wins)
	}
	if got := d.AsOfLine(); got != "Numbers as of Wednesday 18 November 2026 12:00 (Europe/Berlin), before the week was over." {
		t.Errorf("as-of line %q", got)
	}

	f.now = at(15, 12, 0) // the Sunday before
	if _, err := f.service(nil).Compose(context.Background(), mustWeek(t, "2026-W47")); !errors.Is(err, ErrFutureWeek) {
		t.Errorf("composing a week not started: %v", err)
	}
}

func mustWeek(t *testing.T, label string) kpi.Period {
	t.Helper()
	p, err := New(nil, Options{Location: berlin}).ParseWeek(label)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The golden file is the plain-text mail of the fixture week, with a
// note, as Riley gets it. Run `go test ./internal/digest -run Golden
// -update` after an intended change and review the diff.
func TestPlainTextGolden(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(nil)
	if err := s.SaveNote(context.Background(), "2026-W47", f.users["maria"], 0,
		"Two wins and a webinar that keeps paying off.\nPlease acknowledge the Partner days notice by Tuesday."); err != nil {
		t.Fatal(err)
	}
	a, err := s.Archive(context.Background(), mustWeek(t, "2026-W47"), ViaSchedule, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Text(View{Digest: a.Digest, BaseURL: baseURL, Recipient: "Riley Chen",
		UnsubscribeURL: baseURL + "/digests/unsubscribe?u=3&sig=SIGNATURE"})
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "digest-2026-W47.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("plain text differs from %s (run with -update after an intended change):\n--- got\n%s\n--- want\n%s", golden, got, want)
	}
}

func TestArchiveFreezesTheNumbers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(nil)
	ctx := context.Background()
	week := mustWeek(t, "2026-W47")
	first, err := s.Archive(ctx, week, ViaSchedule, 0)
	if err != nil {
		t.Fatal(err)
	}
	before := f.count(`SELECT count(*) FROM digests WHERE body IS NOT NULL`)

	// The data changes afterwards: a late-recorded win in W47, a new goal,
	// the promo announced, a different target.
	f.exec(`INSERT INTO leads (company, contact_name, email, stage, deal_value, won_at) VALUES ('Late Inc', 'C', 'late@x.example', 'won', 999000, $1)`, at(19, 9, 0))
	f.exec(`UPDATE kpi_targets SET value = 5000000`)
	f.exec(`INSERT INTO kpi_targets (kpi, period_kind, value, effective_from) VALUES ('conversion', 'week', 0.9, '2026-01-01')`)
	f.exec(`UPDATE campaigns SET status = 'announced', announced_at = $1, notice_lead = interval '1 day', notice_days = 7, revision = 1 WHERE status = 'draft'`, at(19, 9, 0))
	f.now = at(30, 8, 0)

	again, err := s.Archive(ctx, week, ViaManager, f.users["maria"])
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.Entry(ctx, "2026-W47")
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []Archived{again, *e.Archived} {
		if got.WonValue != 80000 || got.Revenue.Won != 255000 || *got.Revenue.Goal != 1300000 || !got.ComposedAt.Equal(first.ComposedAt) ||
			got.ComposedVia != ViaSchedule || got.Launches[1].Announced {
			t.Errorf("the archive changed: %+v", got.Digest)
		}
	}
	firstText, _ := Text(View{Digest: first.Digest})
	againText, _ := Text(View{Digest: again.Digest})
	if firstText != againText {
		t.Errorf("the archived text changed:\n%s\n---\n%s", firstText, againText)
	}
	// The live numbers did move, so the test would have noticed.
	live, err := s.Compose(ctx, week)
	if err != nil {
		t.Fatal(err)
	}
	if live.WonValue != 1079000 || !live.Launches[1].Announced {
		t.Errorf("live: won %v, launches %+v", live.WonValue, live.Launches)
	}
	if after := f.count(`SELECT count(*) FROM digests WHERE body IS NOT NULL`); after != before {
		t.Errorf("%d archived digests, want %d", after, before)
	}
}

// Issue 12, item 8: the archived digest says what its numbers are as of,
// in the mail and the text, and its readiness line counts no
// acknowledgement made after that cut-off, however late it is composed.
func TestArchivedDigestIsCutAtOneInstantAndSaysSo(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.now = at(25, 9, 0) // composed late, after Sam and two more acknowledged
	f.exec(`INSERT INTO acknowledgements (campaign_id, user_id, revision, acknowledged_at)
		SELECT id, $2, 1, $3 FROM campaigns WHERE name = $1`, "Partner days", f.users["olga"], at(24, 9, 0))
	s := f.service(nil)
	a, err := s.Archive(context.Background(), mustWeek(t, "2026-W47"), ViaSchedule, 0)
	if err != nil {
		t.Fatal(err)
	}
	pd := a.Launches[0]
	if pd.Name != "Partner days" || pd.Acked != 2 || pd.Eligible != 4 {
		t.Errorf("partner days in the archive: %+v, want 2 of 4 (as of the end of W47)", pd)
	}
	line := "Numbers as of the end of the week, Monday 23 November 2026 00:00 (Europe/Berlin)."
	text, err := Text(View{Digest: a.Digest, BaseURL: baseURL})
	if err != nil {
		t.Fatal(err)
	}
	html, err := HTML(View{Digest: a.Digest, BaseURL: baseURL})
	if err != nil {
		t.Fatal(err)
	}
	for what, body := range map[string]string{"text": text, "html": html} {
		if !strings.Contains(body, line) {
			t.Errorf("the %s does not state the cut-off %q", what, line)
		}
		if !strings.Contains(body, "2 of 4 sales and service people ready") && what == "text" {
			t.Errorf("the text's readiness line:\n%s", body)
		}
	}
}

// Issue 12, item 8: the arrows compare with what last week's archived
// digest said, not with last week recomputed from today's data.
func TestDirectionComparesWithLastWeeksArchive(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.now = at(16, 8, 0) // the schedule archives W46 on Monday morning
	w46, err := f.service(nil).Archive(ctx, mustWeek(t, "2026-W46"), ViaSchedule, 0)
	if err != nil {
		t.Fatal(err)
	}
	archivedRevenue := kpiOf(t, w46.Digest, "revenue").Value
	// A W46 win recorded late: W46 recomputed now differs from its archive.
	f.exec(`INSERT INTO leads (company, contact_name, email, stage, deal_value, won_at) VALUES ('Late Inc', 'C', 'late@x.example', 'won', 500000, $1)`, at(11, 9, 0))

	f.now = composeTime
	d := composeW47(t, f.service(nil))
	rev := kpiOf(t, d, "revenue")
	if !d.PreviousArchived || rev.Previous == nil || archivedRevenue == nil || *rev.Previous != *archivedRevenue {
		t.Errorf("revenue last week %v (archived digest: %v), previous archived %v", valueOf(rev.Previous), valueOf(archivedRevenue), d.PreviousArchived)
	}
	near(t, "revenue last week", rev.Previous, 175000/(1300000*7.0/92))
	if !strings.Contains(d.ComparedWith(), "archived") {
		t.Errorf("compared with %q", d.ComparedWith())
	}

	// Without an archive for W46 the recomputed value is all there is, and
	// the digest says so.
	g := newFixture(t)
	g.exec(`INSERT INTO leads (company, contact_name, email, stage, deal_value, won_at) VALUES ('Late Inc', 'C', 'late@x.example', 'won', 500000, $1)`, at(11, 9, 0))
	d = composeW47(t, g.service(nil))
	near(t, "recomputed revenue last week", kpiOf(t, d, "revenue").Previous, 675000/(1300000*7.0/92))
	if d.PreviousArchived || !strings.Contains(d.ComparedWith(), "recomputed") {
		t.Errorf("without an archive: previous archived %v, compared with %q", d.PreviousArchived, d.ComparedWith())
	}
}

func kpiOf(t *testing.T, d Digest, key string) KPI {
	t.Helper()
	for _, k := range d.KPIs {
		if k.Key == key {
			return k
		}
	}
	t.Fatalf("no KPI %s in %+v", key, d.KPIs)
	return KPI{}
}

func valueOf(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func TestNoteIsSavedBeforeAndFrozenWithTheDigest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(nil)
	ctx := context.Background()
	maria, sam := f.users["maria"], f.users["sam"]

	if err := s.SaveNote(ctx, "2026-W47", maria, 0, "  First draft  "); err != nil {
		t.Fatal(err)
	}
	e, _ := s.Entry(ctx, "2026-W47")
	if e.Note != "First draft" || e.NoteBy != "Maria Lopez" || e.Version != 1 || e.Archived != nil {
		t.Fatalf("entry: %+v", e)
	}
	// Sam edits from a page opened before Maria saved: refused.
	if err := s.SaveNote(ctx, "2026-W47", sam, 0, "Sam's note"); !errors.Is(err, db.ErrConflict) {
		t.Errorf("stale note: %v", err)
	}
	if err := s.SaveNote(ctx, "2026-W47", sam, 1, "Sam's note"); err != nil {
		t.Fatal(err)
	}
	var fe FieldErrors
	if err := s.SaveNote(ctx, "2026-W47", sam, 2, strings.Repeat("x", MaxNote+1)); !errors.As(err, &fe) || fe["note"] == "" {
		t.Errorf("long note: %v", err)
	}

	a, err := s.Archive(ctx, mustWeek(t, "2026-W47"), ViaSchedule, 0)
	if err != nil {
		t.Fatal(err)
	}
	if a.Note != "Sam's note" || a.NoteBy != "Sam Patel" {
		t.Errorf("frozen note %q by %q", a.Note, a.NoteBy)
	}
	if err := s.SaveNote(ctx, "2026-W47", maria, 3, "Too late"); !errors.Is(err, ErrComposed) {
		t.Errorf("note after archiving: %v", err)
	}
}

func TestScheduleDueTimes(t *testing.T) {
	t.Parallel()
	w47 := mustWeek(t, "2026-W47")
	cases := []struct {
		sc   Schedule
		now  time.Time
		due  time.Time // of W47
		last string    // latest due week at now
		next string    // upcoming week at now
	}{
		{DefaultSchedule, at(23, 7, 59), at(23, 8, 0), "2026-W46", "2026-W47"},
		{DefaultSchedule, at(23, 8, 0), at(23, 8, 0), "2026-W47", "2026-W48"},
		{DefaultSchedule, at(18, 12, 0), at(23, 8, 0), "2026-W46", "2026-W47"},
		{Schedule{time.Friday, 16, 30}, at(27, 16, 29), at(27, 16, 30), "2026-W46", "2026-W47"},
		{Schedule{time.Sunday, 20, 0}, at(29, 20, 0), at(29, 20, 0), "2026-W47", "2026-W48"},
	}
	for _, tc := range cases {
		if got := tc.sc.Due(w47); !got.Equal(tc.due) {
			t.Errorf("%v: W47 due %v, want %v", tc.sc, got, tc.due)
		}
		if got := tc.sc.LatestDue(tc.now, berlin).Label(); got != tc.last {
			t.Errorf("%v at %v: latest due %s, want %s", tc.sc, tc.now, got, tc.last)
		}
		if got, when := tc.sc.Upcoming(tc.now, berlin); got.Label() != tc.next || !when.After(tc.now) {
			t.Errorf("%v at %v: upcoming %s at %v, want %s", tc.sc, tc.now, got.Label(), when, tc.next)
		}
	}
	// Across the end of daylight saving time (Sunday 25 October 2026) the
	// week still runs Monday to Monday and the digest still goes at 08:00.
	w43 := mustWeek(t, "2026-W43")
	if due := DefaultSchedule.Due(w43); due.Format("Mon 2006-01-02 15:04 MST") != "Mon 2026-10-26 08:00 CET" {
		t.Errorf("W43 due %v", due)
	}
}

func TestScheduleComesFromSettings(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(nil)
	ctx := context.Background()
	if sc, err := s.Schedule(ctx); err != nil || sc != DefaultSchedule {
		t.Errorf("default: %+v %v", sc, err)
	}
	f.exec(`INSERT INTO settings (key, value) VALUES ('digest_weekday', '5'), ('digest_time', '16:30')`)
	if sc, err := s.Schedule(ctx); err != nil || sc != (Schedule{time.Friday, 16, 30}) || sc.String() != "Fridays at 16:30" {
		t.Errorf("friday: %+v %v", sc, err)
	}
	f.exec(`UPDATE settings SET value = '8' WHERE key = 'digest_weekday'`)
	f.exec(`UPDATE settings SET value = 'noon' WHERE key = 'digest_time'`)
	if sc, err := s.Schedule(ctx); err != nil || sc != DefaultSchedule {
		t.Errorf("malformed settings fall back to the default: %+v %v", sc, err)
	}
}

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
