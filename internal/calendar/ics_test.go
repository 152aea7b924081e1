package calendar_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"tandem/internal/calendar"
)

// summary200 is 200 characters of multi-byte UTF-8 (emoji, accents, CJK)
// with the characters TEXT escapes, so folding has sequences to split.
func summary200() string {
	s := strings.Repeat("Café 🎉 naïve, Zürich; 東京 \\ ", 10)
	r := []rune(s)[:200]
	return string(r)
}

func parse(t *testing.T, b []byte) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("golang-ical cannot parse the feed: %v\n%s", err, b)
	}
	return cal
}

func calProp(cal *ics.Calendar, name string) (string, bool) {
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == name {
			return p.Value, true
		}
	}
	return "", false
}

func prop(t *testing.T, e *ics.VEvent, p ics.ComponentProperty) *ics.IANAProperty {
	t.Helper()
	got := e.GetProperty(p)
	if got == nil {
		t.Fatalf("event %s has no %s", e.Id(), p)
	}
	return got
}

// checkLines asserts the stream is CRLF-ended lines of at most 75 octets,
// each valid UTF-8 (so no fold split a sequence), and returns the
// unfolded content lines.
func checkLines(t *testing.T, b []byte) []string {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatal("stream does not end with CRLF")
	}
	raw := strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")
	var lines []string
	for i, l := range raw {
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d is %d octets: %q", i, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d splits a UTF-8 sequence: %q", i, l)
		}
		if strings.HasPrefix(l, " ") {
			if len(lines) == 0 {
				t.Fatalf("stream starts with a continuation")
			}
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	return lines
}

func TestCalendarParsesBackFieldByField(t *testing.T) {
	t.Parallel()
	stamp := time.Date(2026, 12, 3, 7, 45, 12, 0, time.UTC)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	long := summary200()
	if n := utf8.RuneCountInString(long); n != 200 {
		t.Fatalf("summary has %d characters", n)
	}
	desc := "Talking points:\n- price; terms, and \\ back-slashes\r\nsecond line 🚀"
	c := calendar.Calendar{
		ProdID:  "-//Tandem//Calendar feed//EN",
		Name:    "Tandem – Ada Lovelace, personal",
		Refresh: time.Hour,
		Events: []calendar.Event{
			{
				UID: "campaign-3-run@tandem.example", Stamp: stamp, Summary: long, Description: desc,
				URL: "https://tandem.example/campaigns/3", AllDay: true,
				Start: time.Date(2026, 12, 28, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC),
			},
			{
				UID: "campaign-4-launch@tandem.example", Stamp: stamp.In(berlin), Summary: "One day",
				AllDay: true, Start: time.Date(2027, 2, 28, 0, 0, 0, 0, time.UTC),
			},
			{
				UID: "lead-9-sla-1764748800@tandem.example", Stamp: stamp, Summary: "SLA: Acme, Inc.",
				URL:   "https://tandem.example/leads/9",
				Start: time.Date(2026, 12, 4, 9, 30, 0, 0, berlin), End: time.Date(2026, 12, 4, 10, 0, 0, 0, berlin),
			},
			{
				UID: "deadline@tandem.example", Stamp: stamp, Summary: "No end",
				Start: time.Date(2026, 12, 5, 0, 0, 0, 0, berlin),
			},
		},
	}
	b := c.Bytes()
	lines := checkLines(t, b)
	for _, want := range []string{
		"BEGIN:VCALENDAR", "VERSION:2.0", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
		"DTSTART;VALUE=DATE:20261228", "DTEND;VALUE=DATE:20270103",
		"DTSTART;VALUE=DATE:20270228", "DTEND;VALUE=DATE:20270301",
		"DTSTART:20261204T083000Z", "DTEND:20261204T090000Z", "DTSTART:20261204T230000Z",
		"DTSTAMP:20261203T074512Z", "SUMMARY:SLA: Acme\\, Inc.",
		`DESCRIPTION:Talking points:\n- price\; terms\, and \\ back-slashes\nsecond line 🚀`,
		"REFRESH-INTERVAL;VALUE=DURATION:PT60M", "END:VCALENDAR",
	} {
		found := false
		for _, l := range lines {
			found = found || l == want
		}
		if !found {
			t.Errorf("no content line %q in\n%s", want, b)
		}
	}
	if lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" {
		t.Errorf("calendar not wrapped in BEGIN/END: first %q last %q", lines[0], lines[len(lines)-1])
	}
	if n := strings.Count(string(b), "DTEND:"); n != 1 {
		t.Errorf("%d timed DTENDs, want 1 (the event without an end has none)", n)
	}
	// The long summary had to fold, several times.
	if n := strings.Count(string(b), "\r\n "); n < 5 {
		t.Errorf("only %d folds; the 200-character summary should fold", n)
	}

	cal := parse(t, b)
	for name, want := range map[string]string{
		"VERSION": "2.0", "PRODID": "-//Tandem//Calendar feed//EN", "CALSCALE": "GREGORIAN",
		"METHOD": "PUBLISH", "X-WR-CALNAME": "Tandem – Ada Lovelace, personal",
	} {
		if got, ok := calProp(cal, name); !ok || got != want {
			t.Errorf("calendar %s = %q (present %v), want %q", name, got, ok, want)
		}
	}
	events := cal.Events()
	if len(events) != 4 {
		t.Fatalf("%d events parsed, want 4", len(events))
	}

	e := events[0]
	if e.Id() != "campaign-3-run@tandem.example" {
		t.Errorf("UID %q", e.Id())
	}
	if got := prop(t, e, ics.ComponentPropertySummary).Value; got != long {
		t.Errorf("summary parsed back as\n%q\nwant\n%q", got, long)
	}
	if got := prop(t, e, ics.ComponentPropertyDescription).Value; got != strings.ReplaceAll(desc, "\r\n", "\n") {
		t.Errorf("description parsed back as %q", got)
	}
	if got := prop(t, e, ics.ComponentPropertyUrl).Value; got != "https://tandem.example/campaigns/3" {
		t.Errorf("URL %q", got)
	}
	if got, err := e.GetDtStampTime(); err != nil || !got.Equal(stamp) {
		t.Errorf("DTSTAMP %v (%v), want %v", got, err, stamp)
	}
	start, end := prop(t, e, ics.ComponentPropertyDtStart), prop(t, e, ics.ComponentPropertyDtEnd)
	if start.Value != "20261228" || end.Value != "20270103" {
		t.Errorf("all-day span %s–%s, want 20261228–20270103 (DTEND exclusive)", start.Value, end.Value)
	}
	for _, p := range []*ics.IANAProperty{start, end} {
		if v := p.ICalParameters["VALUE"]; len(v) != 1 || v[0] != "DATE" {
			t.Errorf("%s parameters %v, want VALUE=DATE", p.IANAToken, p.ICalParameters)
		}
	}
	if got, err := e.GetAllDayStartAt(); err != nil || got.Format("2006-01-02") != "2026-12-28" {
		t.Errorf("all-day start %v (%v)", got, err)
	}

	one := events[1]
	if got, err := one.GetDtStampTime(); err != nil || !got.Equal(stamp) {
		t.Errorf("DTSTAMP of a stamp given in Berlin: %v (%v), want %v in UTC", got, err, stamp)
	}
	if s, e := prop(t, one, ics.ComponentPropertyDtStart).Value, prop(t, one, ics.ComponentPropertyDtEnd).Value; s != "20270228" || e != "20270301" {
		t.Errorf("one-day event %s–%s, want 20270228–20270301", s, e)
	}

	timed := events[2]
	if got := prop(t, timed, ics.ComponentPropertySummary).Value; got != "SLA: Acme, Inc." {
		t.Errorf("summary %q", got)
	}
	if got, err := timed.GetStartAt(); err != nil || !got.Equal(time.Date(2026, 12, 4, 8, 30, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("timed start %v (%v)", got, err)
	}
	if got, err := timed.GetEndAt(); err != nil || !got.Equal(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("timed end %v (%v)", got, err)
	}
	if timed.GetProperty(ics.ComponentPropertyDescription) != nil {
		t.Error("an empty description is written")
	}
	if events[3].GetProperty(ics.ComponentPropertyDtEnd) != nil {
		t.Error("an event without an end got DTEND")
	}
}

func TestFoldKeepsUTF8AndLimits(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"",
		strings.Repeat("a", 75),
		strings.Repeat("a", 76),
		"SUMMARY:" + strings.Repeat("🎉", 60),
		"SUMMARY:" + strings.Repeat("é", 100),
		"SUMMARY:" + strings.Repeat("a", 74) + "東京",
		"SUMMARY:" + summary200(),
	} {
		out := calendar.Fold(s)
		lines := checkLines(t, []byte(out))
		if len(lines) != 1 || lines[0] != s {
			t.Errorf("Fold(%q) unfolds to %q", s, lines)
		}
		if len(s) <= 75 && strings.Contains(out, "\r\n ") {
			t.Errorf("Fold folded a short line: %q", out)
		}
	}
	// The fold is at the last rune boundary at or before 75 octets: 74
	// ASCII octets and a 3-octet character do not fit, so it moves down.
	got := calendar.Fold(strings.Repeat("a", 74) + "東")
	if want := strings.Repeat("a", 74) + "\r\n 東\r\n"; got != want {
		t.Errorf("Fold = %q, want %q", got, want)
	}
	// Exactly 75 octets fill the first line; a continuation holds 74 after its space.
	got = calendar.Fold(strings.Repeat("b", 75+74+1))
	if want := strings.Repeat("b", 75) + "\r\n " + strings.Repeat("b", 74) + "\r\n b\r\n"; got != want {
		t.Errorf("Fold = %q, want %q", got, want)
	}
}

func TestTextEscapes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`a\b`:            `a\\b`,
		"a;b,c":          `a\;b\,c`,
		"one\ntwo":       `one\ntwo`,
		"one\r\ntwo\rx":  `one\ntwo\nx`,
		"bell\x07\x00!":  "bell!",
		"tab\tkept":      "tab\tkept",
		"bad \xff utf-8": "bad \uFFFD utf-8",
		`\n literal`:     `\\n literal`,
	} {
		if got := calendar.Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}
