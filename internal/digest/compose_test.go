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
