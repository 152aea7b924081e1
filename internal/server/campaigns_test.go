package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

var campaignLocation = regexp.MustCompile(`^/campaigns/(\d+)$`)

// newCampaign creates a draft through the form and returns its id.
func (c *client) newCampaign(t *testing.T, name, points string, launch time.Time) int64 {
	t.Helper()
	c.get("/campaigns/new")
	res := c.post("/campaigns", url.Values{"name": {name}, "channel": {"email"}, "talking_points": {points},
		"launch_on": {launch.Format("2006-01-02")}, "end_on": {launch.AddDate(0, 0, 20).Format("2006-01-02")},
		"expected_leads": {"50"}, "budget": {"4000"}, "owner_id": {strconv.FormatInt(c.env.userID("marketer@example.com"), 10)}})
	m := campaignLocation.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("creating %q: status %d location %q\n%s", name, res.StatusCode, res.Header.Get("Location"), res.Body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func (c *client) version(t *testing.T, id int64) string {
	t.Helper()
	return strconv.Itoa(c.env.count(`SELECT version FROM campaigns WHERE id = $1`, id))
}

func TestCampaignPagesRenderForEveryone(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	id := e.count(`SELECT min(id) FROM campaigns WHERE status = 'announced'`)
	alert := e.count(`SELECT min(id) FROM product_alerts`)
	paths := []string{"/campaigns", "/campaigns?view=late", "/campaigns?view=live&page=2", "/campaigns/calendar",
		"/campaigns/calendar?month=2026-02", "/campaigns/" + strconv.Itoa(id), "/alerts", "/alerts/" + strconv.Itoa(alert)}
	for _, email := range []string{"rep@example.com", "marketer@example.com", "agent@example.com", "sales.manager@example.com"} {
		c := e.client()
		c.login(email)
		for _, p := range paths {
			res := c.get(p)
			wantStatus(t, res, http.StatusOK)
			if !strings.Contains(res.Body, `<main id="main"`) {
				t.Errorf("%s as %s: no layout", p, email)
			}
		}
	}
	c := e.client()
	c.login("rep@example.com")
	for _, p := range []string{"/campaigns?view=pirates", "/campaigns/calendar?month=2026-13", "/campaigns/calendar?month=soon"} {
		wantStatus(t, c.get(p), http.StatusUnprocessableEntity)
	}
	wantStatus(t, c.get("/campaigns/99999"), http.StatusNotFound)
	wantStatus(t, c.get("/campaigns/abc"), http.StatusNotFound)
	wantStatus(t, c.get("/alerts/99999"), http.StatusNotFound)
}

func TestCampaignFormKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	c.get("/campaigns/new")
	res := c.post("/campaigns", url.Values{"name": {"Autumn <b>push</b>"}, "channel": {"email"}, "talking_points": {"- keep me"},
		"launch_on": {"2026-10-01"}, "end_on": {"2026-09-01"}, "budget": {"12.345"}, "owner_id": {"0"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	for _, want := range []string{
		`value="Autumn &lt;b&gt;push&lt;/b&gt;"`, ">- keep me</textarea>", `value="12.345"`,
		"The end date must be on or after the launch date.", "Enter the budget as an amount", "Choose the campaign&#39;s owner.",
	} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the refused form lacks %q", want)
		}
	}
	if n := e.count(`SELECT count(*) FROM campaigns WHERE name LIKE 'Autumn%'`); n != 0 {
		t.Error("a refused form was saved")
	}
	// An owner outside marketing is refused with a message too.
	res = c.post("/campaigns", url.Values{"name": {"Autumn push"}, "channel": {"email"}, "launch_on": {"2026-10-01"},
		"end_on": {"2026-10-30"}, "owner_id": {strconv.FormatInt(e.userID("rep@example.com"), 10)}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "Choose an active member of the marketing team as owner.") {
		t.Error("a sales owner was not refused with a message")
	}
}

// A late notice needs a reason, says so, keeps the reason typed, and is
// marked everywhere it is shown.
func TestLateAnnouncementNeedsAReason(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	id := c.newCampaign(t, "Flash sale", "- **48 hours** only", time.Now().AddDate(0, 0, 3))
	path := "/campaigns/" + strconv.FormatInt(id, 10)
	// The campaign page warns; its confirm step asks for the reason.
	if !strings.Contains(c.get(path).Body, "It will be marked as a late notice") {
		t.Error("the campaign page does not warn about the late notice")
	}
	if page := c.get(path + "/announce"); !strings.Contains(page.Body, "It will be marked as a late notice") ||
		!strings.Contains(page.Body, `name="late_reason"`) {
		t.Error("the announce confirm step does not ask for the late notice's reason")
	}
	res := c.post(path+"/announce", url.Values{"confirm": {"yes"}, "version": {c.version(t, id)}, "late_reason": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "This is a late notice") {
		t.Errorf("no late-notice message:\n%s", res.Body)
	}
	res = c.post(path+"/announce", url.Values{"confirm": {"yes"}, "version": {c.version(t, id)}, "late_reason": {"Stock arrived early."}})
	wantRedirect(t, res, path)
	if e.count(`SELECT count(*) FROM campaigns WHERE id = $1 AND late_notice AND late_reason = 'Stock arrived early.'`, id) != 1 {
		t.Fatal("the campaign is not stored as a late notice with its reason")
	}
	for _, p := range []string{path, "/campaigns", "/campaigns/calendar?month=" + time.Now().AddDate(0, 0, 3).Format("2006-01")} {
		body := c.get(p).Body
		if !strings.Contains(body, "Flash sale") || !strings.Contains(strings.ToLower(body), "late") {
			t.Errorf("%s does not show Flash sale as a late notice", p)
		}
	}
	if !strings.Contains(c.get(path).Body, "Stock arrived early.") {
		t.Error("the reason is not shown on the campaign")
	}
	// Announcing again is a conflict, not a second notice.
	res = c.post(path+"/announce", url.Values{"confirm": {"yes"}, "version": {c.version(t, id)}})
	wantStatus(t, res, http.StatusConflict)
}

// Acknowledgement through the web: one click, back where it came from,
// idempotent; refused for those outside sales and service; the banner
// follows.
func TestAcknowledgeAndBanner(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	m := e.client()
	m.login("marketer@example.com")
	id := m.newCampaign(t, "Banner test", "- Read me", time.Now().AddDate(0, 0, 30))
	path := "/campaigns/" + strconv.FormatInt(id, 10)
	wantRedirect(t, m.post(path+"/announce", url.Values{"confirm": {"yes"}, "version": {m.version(t, id)}}), path)

	rep := e.client()
	rep.login("agent@example.com")
	before := e.count(`SELECT count(*) FROM campaigns c WHERE status = 'announced' AND end_on >= current_date
		AND NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.campaign_id = c.id AND a.user_id = $1 AND a.revision = c.revision)`,
		e.userID("agent@example.com"))
	page := rep.get("/account")
	if !strings.Contains(page.Body, "notices-banner") || !strings.Contains(page.Body, strconv.Itoa(before)+" campaign notice") {
		t.Fatalf("the banner does not count %d notices:\n%s", before, page.Body)
	}
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'new_notice' AND link = $2`,
		e.userID("agent@example.com"), path); n != 1 {
		t.Errorf("the agent got %d new-notice notifications for it, want 1", n)
	}

	req, _ := http.NewRequest(http.MethodPost, e.http.URL+path+"/ack",
		strings.NewReader(url.Values{"csrf_token": {rep.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.http.URL)
	req.Header.Set("Referer", e.http.URL+"/campaigns?view=upcoming")
	wantRedirect(t, rep.do(req), "/campaigns?view=upcoming")
	wantRedirect(t, rep.post(path+"/ack", nil), path) // again, no referer: idempotent
	if n := e.count(`SELECT count(*) FROM acknowledgements WHERE campaign_id = $1`, id); n != 1 {
		t.Errorf("%d acknowledgements after two clicks, want 1", n)
	}
	if body := rep.get("/account").Body; before == 1 && strings.Contains(body, "notices-banner") {
		t.Error("the banner is still there after acknowledging the only notice")
	} else if before > 1 && !strings.Contains(body, strconv.Itoa(before-1)+" campaign notice") {
		t.Errorf("the banner does not count %d notices after acknowledging one", before-1)
	}

	admin := e.client()
	admin.login("admin@example.com") // marketing admin: passes the route, not the rule
	res := admin.post(path+"/ack", nil)
	wantStatus(t, res, http.StatusForbidden)
	if !strings.Contains(res.Body, "acknowledged by the sales and service teams") {
		t.Errorf("the refusal does not explain itself:\n%s", res.Body)
	}
	wantStatus(t, m.post(path+"/ack", nil), http.StatusForbidden)

	draft := m.newCampaign(t, "Still a draft", "", time.Now().AddDate(0, 0, 30))
	wantStatus(t, rep.post("/campaigns/"+strconv.FormatInt(draft, 10)+"/ack", nil), http.StatusUnprocessableEntity)
}

// Editing the talking points after announcing asks for re-acknowledgement;
// a stale form is a 409.
func TestTalkingPointRevisionThroughTheWeb(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	m := e.client()
	m.login("marketing.manager@example.com")
	id := m.newCampaign(t, "Revision test", "- First", time.Now().AddDate(0, 0, 30))
	path := "/campaigns/" + strconv.FormatInt(id, 10)
	wantRedirect(t, m.post(path+"/announce", url.Values{"confirm": {"yes"}, "version": {m.version(t, id)}}), path)
	rep := e.client()
	rep.login("rep@example.com")
	wantRedirect(t, rep.post(path+"/ack", nil), path)

	stale := m.version(t, id)
	form := url.Values{"version": {stale}, "name": {"Revision test"}, "channel": {"email"}, "talking_points": {"- Second"},
		"launch_on": {time.Now().AddDate(0, 0, 30).Format("2006-01-02")}, "end_on": {time.Now().AddDate(0, 0, 50).Format("2006-01-02")},
		"owner_id": {strconv.FormatInt(e.userID("marketer@example.com"), 10)}}
	m.get(path + "/edit")
	wantRedirect(t, m.post(path, form), path)
	if !strings.Contains(m.get(path).Body, "Saved as revision 2") {
		t.Error("no flash about the new revision")
	}
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'reacknowledge'`, e.userID("rep@example.com")); n != 1 {
		t.Errorf("rep got %d re-acknowledge notifications", n)
	}
	body := rep.get(path).Body
	if !strings.Contains(body, "Acknowledge again") || !strings.Contains(body, "Earlier revisions (1)") {
		t.Error("the rep is not asked to acknowledge again, or the earlier revision is not shown")
	}
	res := m.post(path, form) // the same, stale version again
	wantStatus(t, res, http.StatusConflict)
}

// activeContent lists what in a page could run script: inline scripts,
// on* attributes, javascript: URLs.
func activeContent(t *testing.T, page string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "script" && n.FirstChild != nil {
				found = append(found, "inline <script>")
			}
			for _, a := range n.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(a.Key, "on") || (a.Key == "href" || a.Key == "src") && strings.HasPrefix(v, "javascript:") {
					found = append(found, "<"+n.Data+" "+a.Key+"="+a.Val+">")
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}

// Markdown in talking points and alerts reaches the page inert.
func TestMarkdownOnThePageIsInert(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	m := e.client()
	m.login("marketer@example.com")
	attack := "<script>alert('tp')</script>\n\n[click](javascript:alert('tp'))\n\n<img src=x onerror=alert(1)>\n\n" +
		"text <img src=\"x\" onerror=\"alert(1)\"> inline\n\n[ok](https://example.com)"
	id := m.newCampaign(t, "XSS test", attack, time.Now().AddDate(0, 0, 30))
	body := m.get("/campaigns/" + strconv.FormatInt(id, 10)).Body
	if bad := activeContent(t, body); len(bad) > 0 {
		t.Errorf("the campaign page has active content: %v", bad)
	}
	if !strings.Contains(body, `<a href="https://example.com" rel="noopener noreferrer">ok</a>`) {
		t.Error("the safe link is missing or lacks rel=noopener noreferrer")
	}

	agent := e.client()
	agent.login("agent@example.com")
	agent.get("/alerts/new")
	res := agent.post("/alerts", url.Values{"headline": {"<script>alert('h')</script>"}, "product": {"S2"}, "severity": {"critical"},
		"what_happened": {attack}, "guidance": {"[x](javascript:alert('g'))"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("posting the alert: %d\n%s", res.StatusCode, res.Body)
	}
	body = agent.get(res.Header.Get("Location")).Body
	if bad := activeContent(t, body); len(bad) > 0 {
		t.Errorf("the alert page has active content: %v", bad)
	}
	// The headline is pinned for everyone else, escaped.
	body = m.get("/campaigns").Body
	if bad := activeContent(t, body); len(bad) > 0 || !strings.Contains(body, "&lt;script&gt;alert(&#39;h&#39;)&lt;/script&gt;") {
		t.Errorf("the pinned headline is not shown escaped: %v", bad)
	}
}

func TestQuestionsAndAnswers(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	id := e.count(`SELECT min(id) FROM campaigns WHERE status = 'announced'`)
	path := "/campaigns/" + strconv.Itoa(id)
	rep := e.client()
	rep.login("rep@example.com")
	rep.get(path)
	res := rep.post(path+"/comments", url.Values{"body": {"  "}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "Write your question or answer first.") {
		t.Error("empty question: no message")
	}
	res = rep.post(path+"/comments", url.Values{"body": {"Is there a <b>discount</b> for NGOs?"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), path+"#comment-") {
		t.Fatalf("asking: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	qid := strings.TrimPrefix(res.Header.Get("Location"), path+"#comment-")

	m := e.client()
	m.login("marketer@example.com")
	m.get(path)
	res = m.post(path+"/comments", url.Values{"parent_id": {qid}, "body": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, `<details class="reply" open`) {
		t.Error("the refused reply's form is not open again")
	}
	res = m.post(path+"/comments", url.Values{"parent_id": {qid}, "body": {"Yes, 20 %."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("answering: %d", res.StatusCode)
	}
	wantStatus(t, m.post(path+"/comments", url.Values{"parent_id": {"abc"}, "body": {"x"}}), http.StatusUnprocessableEntity)

	body := rep.get(path).Body
	if !strings.Contains(body, "Is there a &lt;b&gt;discount&lt;/b&gt; for NGOs?") || !strings.Contains(body, "Yes, 20 %.") {
		t.Error("the thread is not on the page, escaped")
	}
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'question_answered'`, e.userID("rep@example.com")); n != 1 {
		t.Errorf("the asker got %d answer notifications, want 1", n)
	}
}

// The campaign page's results link each number to the leads behind it.
func TestResultsLinkToTheLeads(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	id := e.count(`SELECT source_campaign_id FROM leads WHERE source_campaign_id IS NOT NULL
		GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`)
	c := e.client()
	c.login("sales.manager@example.com")
	body := c.get("/campaigns/" + strconv.Itoa(id)).Body
	sourced := e.count(`SELECT count(*) FROM leads WHERE source_campaign_id = $1`, id)
	won := e.count(`SELECT count(*) FROM leads WHERE source_campaign_id = $1 AND stage = 'won'`, id)
	for _, want := range []string{
		`href="/leads?campaign=` + strconv.Itoa(id) + `">` + strconv.Itoa(sourced) + `</a>`,
		`href="/leads?campaign=` + strconv.Itoa(id) + `&amp;stage=won">` + strconv.Itoa(won) + `</a>`,
		`href="/leads?campaign=` + strconv.Itoa(id) + `&amp;sort=handed_off">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the results lack %s", want)
		}
	}
}
