package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

var calendarAccess = map[string]string{
	"POST /account/calendar":      "signed in",
	"POST /account/calendar/team": "managers and admins",
	// Public: the token in the path is the authority (HEAD is a public
	// route beside it, see PublicRoutes).
	"GET /calendar/{token}.ics": "anyone",
}

var feedURL = regexp.MustCompile(`value="(https?://[^"]+(/calendar/cal_[A-Za-z0-9_-]+\.ics))"`)

// makeFeed posts the feed form at path and returns the feed's path as the
// account page shows it, once.
func (c *client) makeFeed(t *testing.T, path string, form url.Values) string {
	t.Helper()
	wantRedirect(t, c.post(path, form), "/account")
	page := c.get("/account")
	m := feedURL.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("the account page does not show the new feed URL:\n%s", page.Body)
	}
	label := `aria-label="Your feed URL"`
	if strings.HasSuffix(path, "/team") {
		label = `aria-label="Your team feed URL"`
	}
	if strings.Count(page.Body, "feed URL</strong>") != 1 || !strings.Contains(page.Body, label) {
		t.Errorf("the new URL is not shown once, beside the feed made (%s):\n%s", label, page.Body)
	}
	if !strings.HasPrefix(m[1], "http://127.0.0.1:8080/calendar/") {
		t.Errorf("feed URL %q is not on the configured base URL", m[1])
	}
	if again := c.get("/account"); feedURL.MatchString(again.Body) {
		t.Error("the feed URL is shown a second time")
	}
	return m[2]
}

// fetchFeed gets path as a calendar app does: no cookies, no session.
func (e *testEnv) fetchFeed(t *testing.T, method, path string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, e.http.URL+path, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func parseFeed(t *testing.T, b []byte) (*ics.Calendar, map[string]*ics.VEvent) {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("golang-ical cannot parse the feed: %v", err)
	}
	byUID := map[string]*ics.VEvent{}
	for _, ev := range cal.Events() {
		byUID[ev.Id()] = ev
	}
	return cal, byUID
}

func eventValue(t *testing.T, ev *ics.VEvent, p ics.ComponentProperty) string {
	t.Helper()
	v := ev.GetProperty(p)
	if v == nil {
		t.Fatalf("event %s has no %s", ev.Id(), p)
	}
	return v.Value
}

var leadUID = regexp.MustCompile(`^lead-(\d+)-sla-\d+@127\.0\.0\.1$`)

func TestCalendarFeedOverHTTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	rep := e.userID("rep@example.com")
	var other int64
	if err := e.pool.QueryRow(ctx, `SELECT id FROM users WHERE team = 'sales' AND role = 'member' AND active AND NOT service
		AND id <> $1 ORDER BY id LIMIT 1`, rep).Scan(&other); err != nil {
		t.Fatal(err)
	}
	// An open clock for the rep and one for another rep, handed off an
	// hour ago; and an announced campaign ahead with a 200-character
	// multi-byte name.
	var mine, theirs, campaign int64
	if err := e.pool.QueryRow(ctx, `INSERT INTO leads (company, contact_name, email, stage, owner_id, handed_off_at)
		VALUES ('Feed, Mine; GmbH', 'Ann', 'ann@feed-mine.example', 'handed_off', $1, now() - interval '1 hour') RETURNING id`,
		rep).Scan(&mine); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.QueryRow(ctx, `INSERT INTO leads (company, contact_name, email, stage, owner_id, handed_off_at)
		VALUES ('Someone Else Ltd', 'Bo', 'bo@feed-theirs.example', 'handed_off', $1, now() - interval '2 hours') RETURNING id`,
		other).Scan(&theirs); err != nil {
		t.Fatal(err)
	}
	long := []rune(strings.Repeat("Créme brûlée 🎉 Zürich, 東京; ", 10))[:200]
	if err := e.pool.QueryRow(ctx, `INSERT INTO campaigns (name, channel, launch_on, end_on, owner_id, status, announced_at,
			notice_lead, notice_days, revision)
		VALUES ($1, 'event', current_date + 20, current_date + 30, (SELECT id FROM users WHERE email = 'marketer@example.com'),
			'announced', now(), interval '20 days', 7, 1) RETURNING id`, string(long)).Scan(&campaign); err != nil {
		t.Fatal(err)
	}

	c := e.client()
	c.login("rep@example.com")
	page := c.get("/account")
	if !strings.Contains(page.Body, "Calendar feed") || !strings.Contains(page.Body, "Make a feed URL") ||
		strings.Contains(page.Body, "/account/calendar/team") {
		t.Errorf("a rep's account page: no calendar section, or a team feed offered")
	}
	path := c.makeFeed(t, "/account/calendar", nil)

	res, body := e.fetchFeed(t, http.MethodGet, path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET feed: %d\n%s", res.StatusCode, body)
	}
	for h, want := range map[string]string{
		"Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow",
		"Content-Length": strconv.Itoa(len(body)),
	} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if sc := res.Header.Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("the feed sets cookies: %v", sc)
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(body), "\r\n"), "\r\n") {
		if len(line) > 75 || !utf8.ValidString(line) || strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d not a folded content line: %q", i, line)
		}
	}
	cal, events := parseFeed(t, body)
	name := ""
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == "X-WR-CALNAME" {
			name = p.Value
		}
	}
	var repName string
	if err := e.pool.QueryRow(ctx, `SELECT name FROM users WHERE id = $1`, rep).Scan(&repName); err != nil {
		t.Fatal(err)
	}
	if name != "Tandem: "+repName {
		t.Errorf("calendar name %q", name)
	}

	launch := events["campaign-"+strconv.FormatInt(campaign, 10)+"-launch@127.0.0.1"]
	if launch == nil {
		t.Fatalf("no launch event of campaign %d", campaign)
	}
	if got := eventValue(t, launch, ics.ComponentPropertySummary); got != "Launch: "+string(long) {
		t.Errorf("200-character summary parsed back as %q", got)
	}
	if v := launch.GetProperty(ics.ComponentPropertyDtStart); v.ICalParameters["VALUE"][0] != "DATE" || len(v.Value) != 8 {
		t.Errorf("launch DTSTART %+v, want a DATE", v)
	}
	if _, err := launch.GetDtStampTime(); err != nil {
		t.Errorf("DTSTAMP: %v", err)
	}

	// Only the rep's own open clocks: every lead event is a lead they own.
	leadsSeen := 0
	for id, ev := range events {
		m := leadUID.FindStringSubmatch(id)
		if m == nil {
			continue
		}
		leadsSeen++
		var owner int64
		if err := e.pool.QueryRow(ctx, `SELECT coalesce(owner_id, 0) FROM leads WHERE id = $1`, m[1]).Scan(&owner); err != nil {
			t.Fatal(err)
		}
		if owner != rep {
			t.Errorf("the rep's feed holds lead %s of owner %d", m[1], owner)
		}
		if m[1] == strconv.FormatInt(mine, 10) {
			if got := eventValue(t, ev, ics.ComponentPropertySummary); got != "Follow-up due: Feed, Mine; GmbH" {
				t.Errorf("SLA summary %q", got)
			}
			start, err := ev.GetStartAt()
			var due time.Time
			if qerr := e.pool.QueryRow(ctx, `SELECT date_trunc('second', handed_off_at) + make_interval(hours =>
					coalesce((SELECT value::int FROM settings WHERE key = 'sla_hours'), 24)) FROM leads WHERE id = $1`, mine).Scan(&due); qerr != nil {
				t.Fatal(qerr)
			}
			if err != nil || !start.Equal(due) {
				t.Errorf("SLA deadline %v (%v), want %v", start, err, due)
			}
		}
	}
	if want := e.count(`SELECT count(*) FROM leads WHERE owner_id = $1 AND first_touch_at IS NULL
		AND stage IN ('handed_off', 'accepted')`, rep); leadsSeen != want || want == 0 {
		t.Errorf("%d lead deadlines in the feed, the rep has %d open clocks", leadsSeen, want)
	}
	if strings.Contains(string(body), "Someone Else") {
		t.Error("the rep's feed shows another rep's lead")
	}

	// HEAD answers like GET, without the body.
	head, hb := e.fetchFeed(t, http.MethodHead, path)
	if head.StatusCode != http.StatusOK || len(hb) != 0 || head.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
		t.Errorf("HEAD: %d, %d bytes, %q", head.StatusCode, len(hb), head.Header.Get("Content-Type"))
	}

	// Unknown tokens are a plain 404, to GET and HEAD.
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		nf, _ := e.fetchFeed(t, method, "/calendar/cal_"+strings.Repeat("x", 43)+".ics")
		if nf.StatusCode != http.StatusNotFound || !strings.HasPrefix(nf.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("%s unknown feed: %d %q", method, nf.StatusCode, nf.Header.Get("Content-Type"))
		}
	}

	// Regenerating wants a confirming tick; then the old URL is dead.
	refused := c.post("/account/calendar", nil)
	wantStatus(t, refused, http.StatusUnprocessableEntity)
	if !strings.Contains(refused.Body, "Tick the box to confirm") {
		t.Errorf("refusal without its message:\n%s", refused.Body)
	}
	if got, _ := e.fetchFeed(t, http.MethodGet, path); got.StatusCode != http.StatusOK {
		t.Errorf("a refused regenerate broke the feed: %d", got.StatusCode)
	}
	fresh := c.makeFeed(t, "/account/calendar", url.Values{"confirm": {"yes"}})
	if fresh == path {
		t.Fatal("regenerate kept the URL")
	}
	if got, _ := e.fetchFeed(t, http.MethodGet, path); got.StatusCode != http.StatusNotFound {
		t.Errorf("old URL after regenerate: %d, want 404", got.StatusCode)
	}
	if got, _ := e.fetchFeed(t, http.MethodGet, fresh); got.StatusCode != http.StatusOK {
		t.Errorf("new URL: %d", got.StatusCode)
	}

	// The team feed: refused to a rep, a sales manager's holds the team's
	// clocks, with their owners.
	if res := c.post("/account/calendar/team", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("a rep's team feed: %d, want 403", res.StatusCode)
	}
	m := e.client()
	m.login("sales.manager@example.com")
	if page := m.get("/account"); !strings.Contains(page.Body, `action="/account/calendar/team"`) {
		t.Error("a manager's account page offers no team feed")
	}
	team := m.makeFeed(t, "/account/calendar/team", nil)
	res, body = e.fetchFeed(t, http.MethodGet, team)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("team feed: %d", res.StatusCode)
	}
	_, teamEvents := parseFeed(t, body)
	for _, id := range []int64{mine, theirs} {
		found := false
		for uid := range teamEvents {
			if m := leadUID.FindStringSubmatch(uid); m != nil && m[1] == strconv.FormatInt(id, 10) {
				found = true
			}
		}
		if !found {
			t.Errorf("the team feed lacks lead %d", id)
		}
	}
}
