package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"tandem/internal/testdb/demo"
)

// htmxPost sends the form as htmx does from a page: same origin, the CSRF
// token in the form, and HX-Request: true.
func (c *client) htmxPost(path string, form url.Values) response {
	c.env.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf_token") == "" {
		form.Set("csrf_token", c.csrf)
	}
	return c.postRaw(path, form, map[string]string{"Origin": c.env.http.URL, "HX-Request": "true",
		"HX-Current-URL": c.env.http.URL + "/"})
}

// htmxGet is a GET as htmx sends it.
func (c *client) htmxGet(path string) response {
	c.env.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.env.http.URL+path, nil)
	req.Header.Set("HX-Request", "true")
	return c.do(req)
}

// wantFragment checks an htmx answer: the status, no page around it, and
// the status message for the live region containing message.
func wantFragment(t *testing.T, res response, status int, message string) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", res.Request.Method, res.Request.URL.Path, res.StatusCode, status, res.Body)
	}
	if strings.Contains(res.Body, "<html") || strings.Contains(res.Body, "<main") {
		t.Fatalf("%s %s: the htmx answer is a whole page\n%s", res.Request.Method, res.Request.URL.Path, res.Body)
	}
	if !strings.Contains(res.Body, `id="live-status" hx-swap-oob="innerHTML"`) || !strings.Contains(res.Body, message) {
		t.Fatalf("%s %s: no status message %q for the live region\n%s", res.Request.Method, res.Request.URL.Path, message, res.Body)
	}
}

// wantFlash checks that the page after a redirect shows message once.
func wantFlash(t *testing.T, c *client, res response, message string) {
	t.Helper()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s %s: status %d, want 303\n%s", res.Request.Method, res.Request.URL.Path, res.StatusCode, res.Body)
	}
	loc := res.Header.Get("Location")
	if page := c.get(loc); !strings.Contains(page.Body, message) {
		t.Fatalf("the page after the redirect (%s) does not say %q", loc, message)
	}
}

func demoEnv(t *testing.T, email string) (*testEnv, *client) {
	e := newTestEnvOn(t, demo.New(t), nil)
	c := e.client()
	c.login(email)
	return e, c
}

func TestMarkNotificationReadBothWays(t *testing.T) {
	e, c := demoEnv(t, "rep@example.com")
	me := e.userID("rep@example.com")
	unread := func() int {
		return e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, me)
	}
	before := unread()
	if before < 2 {
		t.Fatalf("the demo rep has %d unread notifications, want at least 2", before)
	}
	page := c.get("/notifications")
	if !strings.Contains(page.Body, `hx-post="/notifications/`) || !strings.Contains(page.Body, `id="unread-link"`) {
		t.Fatal("the notifications page has no htmx mark-read form or no unread count by id")
	}
	first := e.count(`SELECT min(id) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, me)

	// htmx: the row again, read, and the counts of the navigation out of band.
	res := c.htmxPost("/notifications/"+strconv.Itoa(first)+"/read", nil)
	wantFragment(t, res, http.StatusOK, "Marked read")
	if !strings.Contains(res.Body, `<li id="note-`+strconv.Itoa(first)+`">`) {
		t.Errorf("the answer has no read row for the notification:\n%s", res.Body)
	}
	left := strconv.Itoa(before - 1)
	if !strings.Contains(res.Body, `id="unread-menu" hx-swap-oob="true"`) || !strings.Contains(res.Body, ">"+left+"</span>") {
		t.Errorf("the answer does not swap the unread count to %s:\n%s", left, res.Body)
	}
	if n := unread(); n != before-1 {
		t.Errorf("%d unread after marking one read, want %d", n, before-1)
	}

	// Without JavaScript: 303 back to the list with the flash.
	second := e.count(`SELECT min(id) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, me)
	wantFlash(t, c, c.post("/notifications/"+strconv.Itoa(second)+"/read", nil), "Marked read")
	if n := unread(); n != before-2 {
		t.Errorf("%d unread after marking two read, want %d", n, before-2)
	}

	// Another user's notification is not found, and says so in the live region.
	other := e.count(`SELECT min(id) FROM notifications WHERE user_id <> $1`, me)
	res = c.htmxPost("/notifications/"+strconv.Itoa(other)+"/read", nil)
	wantFragment(t, res, http.StatusNotFound, "Page not found")
	if res.Header.Get("HX-Reswap") != "none" {
		t.Errorf("a refused htmx action replaces part of the page (HX-Reswap %q)", res.Header.Get("HX-Reswap"))
	}
}

func TestMarkAllNotificationsReadBothWays(t *testing.T) {
	e, c := demoEnv(t, "rep@example.com")
	me := e.userID("rep@example.com")
	c.get("/notifications")
	res := c.htmxPost("/notifications/read-all", url.Values{"before": {""}})
	wantFragment(t, res, http.StatusOK, "All notifications marked read.")
	if !strings.Contains(res.Body, `<div id="notification-items">`) || strings.Contains(res.Body, `class="unread"`) {
		t.Errorf("the answer is not the list with every row read:\n%s", res.Body)
	}
	if !strings.Contains(res.Body, `<div id="read-all" hx-swap-oob="true"></div>`) || strings.Contains(res.Body, "badge-count") {
		t.Errorf("the answer keeps the mark-all form or an unread count:\n%s", res.Body)
	}
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, me); n != 0 {
		t.Errorf("%d unread after marking all read", n)
	}

	// Without JavaScript, for another user with unread notifications.
	e2, c2 := demoEnv(t, "agent@example.com")
	c2.get("/notifications")
	wantFlash(t, c2, c2.post("/notifications/read-all", nil), "All notifications marked read.")
	if n := e2.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, e2.userID("agent@example.com")); n != 0 {
		t.Errorf("%d unread after marking all read without JavaScript", n)
	}
}

// queueLead is one of the demo rep's leads in stage, with its version.
func queueLead(t *testing.T, e *testEnv, stage string, skip int) (int, string) {
	t.Helper()
	id := e.count(`SELECT id FROM leads WHERE stage = $1 AND owner_id = $2 AND first_touch_at IS NULL ORDER BY id OFFSET $3 LIMIT 1`,
		stage, e.userID("rep@example.com"), skip)
	if id == 0 {
		t.Fatalf("the demo rep has no %s lead number %d without a first touch", stage, skip+1)
	}
	return id, strconv.Itoa(e.count(`SELECT version FROM leads WHERE id = $1`, id))
}

func TestQueueAcceptBothWays(t *testing.T) {
	e, c := demoEnv(t, "rep@example.com")
	page := c.get("/leads/queue")
	id, version := queueLead(t, e, "handed_off", 0)
	path := leadPath(id, "/accept")
	if !strings.Contains(page.Body, `hx-post="`+path+`"`) {
		t.Fatalf("the queue has no htmx accept form for lead %d", id)
	}
	stage := func(id int) string {
		var s string
		if err := e.pool.QueryRow(t.Context(), `SELECT stage FROM leads WHERE id = $1`, id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}

	// htmx, refused: no rating is a 422 with the row and its message.
	res := c.htmxPost(path, url.Values{"version": {version}, "from": {"queue"}})
	wantFragment(t, res, http.StatusUnprocessableEntity, "Check the form")
	if !strings.Contains(res.Body, `<tr id="queue-`+strconv.Itoa(id)+`">`) || !strings.Contains(res.Body, `aria-invalid="true"`) {
		t.Errorf("the refused answer is not the row with its field marked:\n%s", res.Body)
	}
	if got := stage(id); got != "handed_off" {
		t.Fatalf("a refused accept moved the lead to %s", got)
	}

	// htmx: the row again, now asking for the first touch.
	res = c.htmxPost(path, url.Values{"version": {version}, "rating": {"4"}, "from": {"queue"}})
	wantFragment(t, res, http.StatusOK, "Lead moved to Accepted.")
	if !strings.Contains(res.Body, `hx-post="`+leadPath(id, "/touch")+`"`) {
		t.Errorf("the accepted row does not offer the first touch:\n%s", res.Body)
	}
	if got := stage(id); got != "accepted" {
		t.Errorf("stage after accepting with htmx: %s", got)
	}

	// htmx, stale: the form's version is old now; the row as it is (409).
	res = c.htmxPost(leadPath(id, "/reject"), url.Values{"version": {version}, "reason": {"no_budget"}, "rating": {"2"}})
	wantFragment(t, res, http.StatusConflict, "Someone else changed this lead")

	// Without JavaScript: 303 back to the queue with the flash.
	id2, version2 := queueLead(t, e, "handed_off", 0)
	wantFlash(t, c, c.post(leadPath(id2, "/accept"), url.Values{"version": {version2}, "rating": {"3"}, "from": {"queue"}}),
		"Lead moved to Accepted.")
	if got := stage(id2); got != "accepted" {
		t.Errorf("stage after accepting without JavaScript: %s", got)
	}
}

func TestQueueRejectBothWays(t *testing.T) {
	e, c := demoEnv(t, "rep@example.com")
	c.get("/leads/queue")
	id, version := queueLead(t, e, "handed_off", 0)
	res := c.htmxPost(leadPath(id, "/reject"), url.Values{"version": {version}, "reason": {"no_budget"}, "rating": {"2"},
		"note": {""}, "from": {"queue"}})
	wantFragment(t, res, http.StatusOK, "left your queue")
	if !strings.Contains(res.Body, "Done: it left your queue.") {
		t.Errorf("the rejected row does not say it left the queue:\n%s", res.Body)
	}
	if n := e.count(`SELECT count(*) FROM leads WHERE id = $1 AND stage = 'rejected' AND rejection_reason = 'no_budget'`, id); n != 1 {
		t.Error("the lead was not rejected with its reason")
	}

	// "Other" needs a note: the reject form comes back open with the message.
	id2, version2 := queueLead(t, e, "handed_off", 0)
	res = c.htmxPost(leadPath(id2, "/reject"), url.Values{"version": {version2}, "reason": {"other"}, "rating": {"2"}, "from": {"queue"}})
	wantFragment(t, res, http.StatusUnprocessableEntity, "Say why")
	if !strings.Contains(res.Body, `<details class="queue-reject" open>`) {
		t.Errorf("the refused reject form is not open:\n%s", res.Body)
	}

	wantFlash(t, c, c.post(leadPath(id2, "/reject"), url.Values{"version": {version2}, "reason": {"bad_timing"}, "rating": {"3"},
		"from": {"queue"}}), "Lead moved to Rejected.")
	if n := e.count(`SELECT count(*) FROM leads WHERE id = $1 AND stage = 'rejected'`, id2); n != 1 {
		t.Error("the lead was not rejected without JavaScript")
	}
}

func TestQueueTouchBothWays(t *testing.T) {
	e, c := demoEnv(t, "rep@example.com")
	c.get("/leads/queue")
	touches := func(id int) int {
		return e.count(`SELECT count(*) FROM lead_events WHERE lead_id = $1 AND kind = 'touch'`, id)
	}
	id, _ := queueLead(t, e, "accepted", 0)
	res := c.htmxPost(leadPath(id, "/touch"), url.Values{"kind": {"call"}, "note": {"Booked a demo."}, "from": {"queue"}})
	wantFragment(t, res, http.StatusOK, "Touch logged.")
	if !strings.Contains(res.Body, "Done: it left your queue.") || touches(id) != 1 {
		t.Errorf("touch with htmx: %d touches, answer:\n%s", touches(id), res.Body)
	}
	res = c.htmxPost(leadPath(id, "/touch"), url.Values{"kind": {"fax"}, "from": {"queue"}})
	wantFragment(t, res, http.StatusUnprocessableEntity, "Choose how you followed up")

	id2, _ := queueLead(t, e, "accepted", 0)
	wantFlash(t, c, c.post(leadPath(id2, "/touch"), url.Values{"kind": {"email"}, "from": {"queue"}}), "Touch logged.")
	if touches(id2) != 1 {
		t.Error("the touch was not logged without JavaScript")
	}
}

// unheardItem is a feedback item the user did not report and has no +1 on.
func unheardItem(t *testing.T, e *testEnv, email string, skip int) int {
	t.Helper()
	id := e.count(`SELECT f.id FROM feedback_items f WHERE f.merged_into IS NULL AND f.reporter_id <> $1
		AND NOT EXISTS (SELECT 1 FROM feedback_heard h WHERE h.item_id = f.id AND h.user_id = $1) ORDER BY f.id OFFSET $2 LIMIT 1`,
		e.userID(email), skip)
	if id == 0 {
		t.Fatal("no feedback item to +1")
	}
	return id
}

func TestFeedbackHeardBothWays(t *testing.T) {
	e, c := demoEnv(t, "rep@example.com")
	id := unheardItem(t, e, "rep@example.com", 0)
	heard := func(id int) int { return e.count(`SELECT count(*) FROM feedback_heard WHERE item_id = $1`, id) }
	before := heard(id)
	page := c.get(feedbackPath(id, ""))
	if !strings.Contains(page.Body, `hx-post="`+feedbackPath(id, "/heard")+`"`) {
		t.Fatal("the item page has no htmx +1 form")
	}

	// htmx, refused: a customer name over the limit comes back in the section (422).
	res := c.htmxPost(feedbackPath(id, "/heard"), url.Values{"customer": {strings.Repeat("x", 5000)}})
	wantFragment(t, res, http.StatusUnprocessableEntity, "Not added")
	if !strings.Contains(res.Body, `<section class="card" aria-labelledby="heard-h" id="heard">`) || !strings.Contains(res.Body, `aria-invalid="true"`) {
		t.Errorf("the refused answer is not the section with the field marked:\n%s", res.Body)
	}

	res = c.htmxPost(feedbackPath(id, "/heard"), url.Values{"customer": {"Okapi Freight"}})
	wantFragment(t, res, http.StatusOK, "Your +1 is added")
	if !strings.Contains(res.Body, "You added your +1.") || !strings.Contains(res.Body, "Okapi Freight") {
		t.Errorf("the answer does not show the new +1:\n%s", res.Body)
	}
	if heard(id) != before+1 {
		t.Errorf("%d +1s after adding one with htmx, want %d", heard(id), before+1)
	}

	id2 := unheardItem(t, e, "rep@example.com", 0)
	before2 := heard(id2)
	wantFlash(t, c, c.post(feedbackPath(id2, "/heard"), nil), "Your +1 is added")
	if heard(id2) != before2+1 {
		t.Error("no +1 added without JavaScript")
	}
}

func TestCampaignAckBothWays(t *testing.T) {
	e, c := demoEnv(t, "rep@example.com")
	first, second := announcedCampaign(t, e), announcedCampaign(t, e)
	acks := func(id int64) int {
		return e.count(`SELECT count(*) FROM acknowledgements WHERE campaign_id = $1 AND user_id = $2`, id, e.userID("rep@example.com"))
	}
	page := c.get("/campaigns")
	if !strings.Contains(page.Body, `hx-post="`+campaignPath(first)+`/ack"`) || !strings.Contains(page.Body, `<div id="notices-banner">`) {
		t.Fatal("the notices have no htmx acknowledge form, or the banner no id")
	}

	res := c.htmxPost(campaignPath(first)+"/ack", nil)
	wantFragment(t, res, http.StatusOK, "Acknowledged: Happy path notice.")
	if !strings.Contains(res.Body, "✓ acknowledged") || !strings.Contains(res.Body, `<div id="notices-banner" hx-swap-oob="true">`) {
		t.Errorf("the answer does not replace the button and the banner:\n%s", res.Body)
	}
	if acks(first) != 1 {
		t.Error("no acknowledgement stored with htmx")
	}

	req, _ := http.NewRequest(http.MethodPost, e.http.URL+campaignPath(second)+"/ack",
		strings.NewReader(url.Values{"csrf_token": {c.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.http.URL)
	req.Header.Set("Referer", e.http.URL+"/campaigns")
	res = c.do(req)
	wantRedirect(t, res, "/campaigns")
	wantFlash(t, c, res, "Acknowledged: Happy path notice.")
	if acks(second) != 1 {
		t.Error("no acknowledgement stored without JavaScript")
	}

	// Marketing does not acknowledge: the refusal is only a message.
	m := e.client()
	m.login("marketer@example.com")
	res = m.htmxPost(campaignPath(first)+"/ack", nil)
	if res.StatusCode != http.StatusForbidden || res.Header.Get("HX-Reswap") != "none" || strings.Contains(res.Body, "<html") {
		t.Errorf("a refused htmx acknowledgement: status %d, HX-Reswap %q\n%s", res.StatusCode, res.Header.Get("HX-Reswap"), res.Body)
	}
}

func TestLiveFiltersAnswerTheResults(t *testing.T) {
	e, c := demoEnv(t, "marketer@example.com")
	company := ""
	if err := e.pool.QueryRow(t.Context(), `SELECT company FROM leads ORDER BY id LIMIT 1`).Scan(&company); err != nil {
		t.Fatal(err)
	}
	q := "/leads?q=" + url.QueryEscape(company)
	page := c.get(q)
	if !strings.Contains(page.Body, `hx-get="/leads"`) || !strings.Contains(page.Body, `<div id="lead-results">`) {
		t.Fatal("the lead list has no live filter form or no results region")
	}
	res := c.htmxGet(q)
	wantFragment(t, res, http.StatusOK, "")
	if !strings.HasPrefix(res.Body, `<div id="lead-results">`) || !strings.Contains(res.Body, company) ||
		!strings.Contains(res.Body, `id="stage-tabs" hx-swap-oob="true"`) {
		t.Errorf("the live answer is not the results with the stage counts:\n%s", res.Body)
	}
	res = c.htmxGet("/leads?created_from=2030-99-99")
	wantFragment(t, res, http.StatusUnprocessableEntity, "")
	if !strings.Contains(res.Body, `id="lead-filter-errors" hx-swap-oob="true"`) || !strings.Contains(res.Body, "Enter a date") {
		t.Errorf("a refused live filter does not show its error:\n%s", res.Body)
	}

	page = c.get("/feedback")
	if !strings.Contains(page.Body, `hx-get="/feedback"`) || !strings.Contains(page.Body, `<div id="feedback-results">`) {
		t.Fatal("the feedback list has no live filter form or no results region")
	}
	res = c.htmxGet("/feedback?sentiment=negative")
	wantFragment(t, res, http.StatusOK, "")
	if !strings.HasPrefix(res.Body, `<div id="feedback-results">`) || !strings.Contains(res.Body, "match") {
		t.Errorf("the live feedback answer is not the results:\n%s", res.Body)
	}
	res = c.htmxGet("/feedback?sentiment=furious")
	wantFragment(t, res, http.StatusUnprocessableEntity, "")
	// A history restore wants the whole page.
	req, _ := http.NewRequest(http.MethodGet, e.http.URL+"/feedback", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-History-Restore-Request", "true")
	if res := c.do(req); !strings.Contains(res.Body, "<html") {
		t.Error("a history restore did not get the whole page")
	}
}

func TestFeedbackListHeardBothWays(t *testing.T) {
	e, c := demoEnv(t, "rep@example.com")
	page := c.get("/feedback")
	if !strings.Contains(page.Body, `<input type="hidden" name="from" value="list">`) {
		t.Fatal("the feedback list has no +1 button")
	}
	id := unheardItem(t, e, "rep@example.com", 0)
	heard := func(id int) int { return e.count(`SELECT count(*) FROM feedback_heard WHERE item_id = $1`, id) }
	before := heard(id)
	res := c.htmxPost(feedbackPath(id, "/heard"), url.Values{"from": {"list"}})
	wantFragment(t, res, http.StatusOK, "Your +1 is added")
	if !strings.HasPrefix(res.Body, `<td data-label="Heard too" class="num">`) || !strings.Contains(res.Body, "incl. your +1") {
		t.Errorf("the answer is not the cell with the new +1:\n%s", res.Body)
	}
	if heard(id) != before+1 {
		t.Errorf("%d +1s after adding one from the list, want %d", heard(id), before+1)
	}
	// Twice: refused in place.
	wantFragment(t, c.htmxPost(feedbackPath(id, "/heard"), url.Values{"from": {"list"}}), http.StatusUnprocessableEntity, "Not added")

	id2 := unheardItem(t, e, "rep@example.com", 0)
	before2 := heard(id2)
	res = c.post(feedbackPath(id2, "/heard"), url.Values{"from": {"list"}})
	wantRedirect(t, res, "/feedback")
	wantFlash(t, c, res, "Your +1 is added")
	if heard(id2) != before2+1 {
		t.Error("no +1 added from the list without JavaScript")
	}
}
