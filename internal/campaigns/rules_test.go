package campaigns_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"tandem/internal/campaigns"
	"tandem/internal/format"
	"tandem/internal/kpi"
	"tandem/internal/validate"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// The late-notice boundary: lead time exactly notice_days is on time, one
// second less is late, and days are calendar days in the business timezone.
func TestNoticeBoundary(t *testing.T) {
	t.Parallel()
	berlin := mustLoad(t, "Europe/Berlin")
	// Launch on Monday 30 March 2026; clocks went forward on Sunday 29 March,
	// so the seven days before launch are 167 hours long, not 168.
	launch := day("2026-03-30")
	deadline := time.Date(2026, 3, 23, 0, 0, 0, 0, berlin)
	cases := []struct {
		name      string
		announced time.Time
		days      int
		late      bool
	}{
		{"exactly notice_days before launch", deadline, 7, false},
		{"one second after the deadline", deadline.Add(time.Second), 7, true},
		{"one second before the deadline", deadline.Add(-time.Second), 7, false},
		{"168 hours before launch, across the DST change", time.Date(2026, 3, 30, 0, 0, 0, 0, berlin).Add(-7 * 24 * time.Hour), 7, false},
		// 00:30 on 23 March in Berlin is still 22 March in UTC: the business
		// timezone decides, so this is late.
		{"just after midnight business time", time.Date(2026, 3, 22, 23, 30, 0, 0, time.UTC), 7, true},
		{"the evening before, business time", time.Date(2026, 3, 22, 22, 59, 0, 0, time.UTC), 7, false},
		{"notice_days 0, at launch", time.Date(2026, 3, 30, 0, 0, 0, 0, berlin), 0, false},
		{"notice_days 0, after launch", time.Date(2026, 3, 30, 9, 0, 0, 0, berlin), 0, true},
		{"after launch", time.Date(2026, 4, 2, 9, 0, 0, 0, berlin), 7, true},
	}
	for _, tc := range cases {
		if got := campaigns.IsLate(launch, tc.announced, tc.days, berlin); got != tc.late {
			t.Errorf("%s (%s): late = %v, want %v", tc.name, tc.announced.In(berlin), got, tc.late)
		}
	}
	if got := campaigns.NoticeDeadline(launch, 7, berlin); !got.Equal(deadline) {
		t.Errorf("deadline = %s, want %s", got, deadline)
	}
	if got, want := campaigns.NoticeLead(launch, deadline, berlin), 7*24*time.Hour-time.Hour; got != want {
		t.Errorf("lead time at the deadline = %s, want %s (one hour lost to DST)", got, want)
	}
	// Without a DST change, exactly 7 × 24 hours is the deadline.
	utcLaunch := day("2026-06-15")
	at := time.Date(2026, 6, 8, 0, 0, 0, 0, berlin)
	if campaigns.NoticeLead(utcLaunch, at, berlin) != 7*24*time.Hour || campaigns.IsLate(utcLaunch, at, 7, berlin) {
		t.Error("exactly 7 days before a summer launch should be on time with a 168-hour lead")
	}
}

func TestStatusFollowsTheDates(t *testing.T) {
	t.Parallel()
	c := campaigns.Campaign{Details: campaigns.Details{LaunchOn: day("2026-05-04"), EndOn: day("2026-05-10")}}
	if got := c.Status(day("2026-06-01")); got != campaigns.Draft {
		t.Errorf("a draft past its dates is %s, want draft", got)
	}
	c.Announced = true
	cases := map[string]campaigns.Status{
		"2026-05-03": campaigns.Announced,
		"2026-05-04": campaigns.Live,
		"2026-05-10": campaigns.Live,
		"2026-05-11": campaigns.Ended,
	}
	for d, want := range cases {
		if got := c.Status(day(d)); got != want {
			t.Errorf("on %s: %s, want %s", d, got, want)
		}
	}
}

func TestDayIsTheBusinessCalendarDay(t *testing.T) {
	t.Parallel()
	tokyo := mustLoad(t, "Asia/Tokyo")
	at := time.Date(2026, 1, 31, 20, 0, 0, 0, time.UTC) // 1 Feb, 05:00 in Tokyo
	if got := campaigns.Day(at, tokyo); !got.Equal(day("2026-02-01")) {
		t.Errorf("Day = %s, want 2026-02-01", got)
	}
}

func TestFormParse(t *testing.T) {
	t.Parallel()
	valid := campaigns.Form{Name: " Spring webinar ", Channel: "webinar", LaunchOn: "2026-03-02", EndOn: "2026-03-02",
		ExpectedLeads: "120", Budget: "12,500.5", OwnerID: "4", TalkingPoints: "- one\r\n- two"}
	d, errs := valid.Parse()
	if errs != nil {
		t.Fatalf("valid form refused: %v", errs)
	}
	thousand := valid
	thousand.ExpectedLeads = "1,000" // as the budget beside it is written
	if d, errs := thousand.Parse(); errs != nil || d.ExpectedLeads != 1000 {
		t.Errorf("expected leads 1,000: %d, %v", d.ExpectedLeads, errs)
	}
	if d.Name != "Spring webinar" || d.BudgetCents != 1250050 || d.ExpectedLeads != 120 || d.OwnerID != 4 ||
		d.TalkingPoints != "- one\n- two" || !d.LaunchOn.Equal(day("2026-03-02")) {
		t.Errorf("parsed %+v", d)
	}
	cases := []struct {
		field string
		edit  func(f *campaigns.Form)
	}{
		{"name", func(f *campaigns.Form) { f.Name = "  " }},
		{"name", func(f *campaigns.Form) { f.Name = strings.Repeat("x", 201) }},
		{"channel", func(f *campaigns.Form) { f.Channel = "carrier-pigeon" }},
		{"launch_on", func(f *campaigns.Form) { f.LaunchOn = "02/03/2026" }},
		{"end_on", func(f *campaigns.Form) { f.EndOn = "2026-03-01" }},
		{"end_on", func(f *campaigns.Form) { f.EndOn = "" }},
		{"expected_leads", func(f *campaigns.Form) { f.ExpectedLeads = "-1" }},
		{"expected_leads", func(f *campaigns.Form) { f.ExpectedLeads = "12.5" }},
		{"expected_leads", func(f *campaigns.Form) { f.ExpectedLeads = "1,00" }},
		{"expected_leads", func(f *campaigns.Form) { f.ExpectedLeads = "NaN" }},
		{"budget", func(f *campaigns.Form) { f.Budget = "12.345" }},
		{"budget", func(f *campaigns.Form) { f.Budget = "-5" }},
		{"budget", func(f *campaigns.Form) { f.Budget = "1e6" }},
		{"owner_id", func(f *campaigns.Form) { f.OwnerID = "" }},
		{"talking_points", func(f *campaigns.Form) { f.TalkingPoints = strings.Repeat("x", 20001) }},
	}
	for _, tc := range cases {
		f := valid
		tc.edit(&f)
		_, errs := f.Parse()
		if errs[tc.field] == "" {
			t.Errorf("%+v: no error on %s (errors %v)", f, tc.field, errs)
		}
	}
}

// A well-formed day outside the years Tandem takes says so, instead of
// asking for "a date" the user already typed.
func TestOutOfRangeDaysNameTheRange(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		field string
		edit  func(f *campaigns.Form)
	}{
		{"launch in 9999", "launch_on", func(f *campaigns.Form) { f.LaunchOn, f.EndOn = "9999-01-01", "9999-01-02" }},
		{"end in 9999", "end_on", func(f *campaigns.Form) { f.EndOn = "9999-12-31" }},
		{"launch in 1999", "launch_on", func(f *campaigns.Form) { f.LaunchOn = "1999-12-31" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := campaigns.Form{Name: "Spring webinar", Channel: "webinar", LaunchOn: "2026-03-02", EndOn: "2026-03-31", OwnerID: "4"}
			tc.edit(&f)
			_, errs := f.Parse()
			if got := errs[tc.field]; got != validate.DayRangeMessage {
				t.Errorf("%s: %q, want %q", tc.field, got, validate.DayRangeMessage)
			}
		})
	}
}

func TestMoney(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"": 0, "0": 0, "12500": 1250000, "12 500": 1250000, "12,500.50": 1250050, "0.5": 50, "7.05": 705} {
		if got, ok := campaigns.ParseMoney(in); !ok || got != want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"abc", "1.", ".5", "1.234", "-3", "1234567890123", "1,2,3", "1,25", "12.500,50"} {
		if _, ok := campaigns.ParseMoney(in); ok {
			t.Errorf("ParseMoney(%q) accepted", in)
		}
	}
	for cents, want := range map[int64]string{0: "0", 1250000: "12,500", 1250050: "12,500.50", 99: "0.99", 123456789: "1,234,567.89"} {
		if got := format.MoneyCents(cents); got != want {
			t.Errorf("format.MoneyCents(%d) = %q, want %q", cents, got, want)
		}
	}
	if got := campaigns.FormatMoneyPlain(1250005); got != "12500.05" {
		t.Errorf("FormatMoneyPlain = %q", got)
	}
}

func TestLeadPhrase(t *testing.T) {
	t.Parallel()
	cases := map[time.Duration]string{
		9*24*time.Hour + 4*time.Hour: "9 days 4 hours before launch",
		24 * time.Hour:               "1 day before launch",
		5 * time.Hour:                "5 hours before launch",
		20 * time.Minute:             "less than an hour before launch",
		-50 * time.Hour:              "2 days 2 hours after launch",
	}
	for d, want := range cases {
		if got := campaigns.LeadPhrase(d); got != want {
			t.Errorf("LeadPhrase(%s) = %q, want %q", d, got, want)
		}
	}
}

// QA found readiness cut off on campaign pages ("6 of 7 (85 %)") but
// rounded on the KPI pages (86 %): one rule, kpi.Shown's, for both.
func TestReadinessPercentRoundsAsTheKPIPagesDo(t *testing.T) {
	t.Parallel()
	cases := []struct{ ready, eligible, want int }{
		{9, 10, 90},
		{6, 7, 86}, // 85.7: was cut to 85
		{4, 6, 67}, // 66.7: was cut to 66
		{2, 3, 67},
		{1, 8, 13}, // 12.5: halves away from zero, as docs/kpis.md says
		{1, 200, 1},
		{0, 4, 0},
		{7, 7, 100},
	}
	for _, tc := range cases {
		r := campaigns.Readiness{Eligible: tc.eligible, Ready: tc.ready}
		p, ok := r.Percent()
		if !ok || p != tc.want {
			t.Errorf("%d of %d = %d %%, want %d", tc.ready, tc.eligible, p, tc.want)
		}
		share, _ := r.Share()
		if shown := kpi.Shown(kpi.Percent, share) * 100; math.Abs(shown-float64(p)) > 1e-9 {
			t.Errorf("%d of %d: %d %% here, %.0f %% on the KPI pages", tc.ready, tc.eligible, p, shown)
		}
	}
	if _, ok := (campaigns.Readiness{}).Percent(); ok {
		t.Error("nobody eligible has a percentage")
	}
}

func TestMonthGrid(t *testing.T) {
	t.Parallel()
	month, ok := campaigns.ParseMonth("2026-03", time.Time{})
	if !ok {
		t.Fatal("2026-03 refused")
	}
	if _, ok := campaigns.ParseMonth("2026-13", time.Time{}); ok {
		t.Error("month 13 accepted")
	}
	start, end := campaigns.GridBounds(month)
	// March 2026 begins on a Sunday and ends on a Tuesday.
	if !start.Equal(day("2026-02-23")) || !end.Equal(day("2026-04-05")) {
		t.Fatalf("grid %s … %s", start, end)
	}
	c := campaigns.Campaign{ID: 1, Details: campaigns.Details{LaunchOn: day("2026-03-10"), EndOn: day("2026-03-12")}}
	m := campaigns.BuildMonth(month, []campaigns.Campaign{c}, day("2026-03-11"))
	if len(m.Weeks) != 6 {
		t.Fatalf("%d weeks, want 6", len(m.Weeks))
	}
	tue := m.Weeks[2][1] // 10 March
	if !tue.Date.Equal(day("2026-03-10")) || len(tue.Entries) != 1 || !tue.Entries[0].Launch {
		t.Errorf("10 March: %+v", tue)
	}
	wed := m.Weeks[2][2]
	if !wed.Today || len(wed.Entries) != 1 || wed.Entries[0].Launch {
		t.Errorf("11 March should be today with a running, not launching, entry: %+v", wed)
	}
	if len(m.Weeks[2][4].Entries) != 0 {
		t.Error("13 March shows a campaign that ended on the 12th")
	}
	if m.Weeks[0][0].InMonth || !m.Weeks[0][6].InMonth {
		t.Error("days outside the month are not marked")
	}
}
