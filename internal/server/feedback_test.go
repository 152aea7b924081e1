package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// logFeedback posts the log form and returns the new item's path.
func logFeedback(t *testing.T, c *client, form url.Values) string {
	t.Helper()
	c.get("/feedback/new")
	res := c.post("/feedback", form)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/feedback/") {
		t.Fatalf("log feedback: status %d location %q\n%s", res.StatusCode, res.Header.Get("Location"), res.Body)
	}
	return res.Header.Get("Location")
}

func (e *testEnv) themeID(name string) string {
	e.t.Helper()
	return strconv.Itoa(e.count(`SELECT id FROM feedback_themes WHERE name = $1`, name))
}

func feedbackForm(e *testEnv, edits ...func(url.Values)) url.Values {
	f := url.Values{"customer": {"Zebra Test Logistics"}, "product": {"FleetLink Tracker"},
		"theme": {e.themeID("Campaign messaging")}, "sentiment": {"negative"}, "chain_link": {"promise"},
		"words": {"The flyer promised zebra-striped trackers."}, "note": {"Asked twice."}}
	for _, edit := range edits {
		edit(f)
	}
	return f
}

func itemIDFrom(path string) string { return strings.TrimPrefix(path, "/feedback/") }

func TestFeedbackLoopOverHTTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	agent, rep, marketer := e.client(), e.client(), e.client()
	agent.login("agent@example.com")
	rep.login("rep@example.com")
	marketer.login("marketer@example.com")

	// A refused form comes back with what was typed and says what is wrong.
	agent.get("/feedback/new")
	res := agent.post("/feedback", feedbackForm(e, func(f url.Values) { f.Del("chain_link"); f.Set("words", ""); f.Set("lead", "abc") }))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	for _, want := range []string{"Zebra Test Logistics", "Asked twice.", "Choose the link of the chain",
		"Write down what the customer said", "Enter the lead&#39;s number"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("refused form lacks %q", want)
		}
	}

	// Other pages link here with a lead: its company fills the customer.
	lead := e.count(`SELECT min(id) FROM leads`)
	var company string
	if err := e.pool.QueryRow(context.Background(), `SELECT company FROM leads WHERE id = $1`, lead).Scan(&company); err != nil {
		t.Fatal(err)
	}
	res = agent.get("/feedback/new?lead=" + strconv.Itoa(lead))
	wantStatus(t, res, http.StatusOK)
	// Issue 15: the lead is the picker's checked choice, named by company.
	if !strings.Contains(res.Body, `value="`+company+`"`) ||
		!regexp.MustCompile(`value="`+strconv.Itoa(lead)+`" checked/?>\s*<label[^>]*>\s*`+regexp.QuoteMeta(company)).MatchString(res.Body) {
		t.Errorf("lead %d (%s) not prefilled", lead, company)
	}

	item := logFeedback(t, agent, feedbackForm(e, func(f url.Values) { f.Set("lead", strconv.Itoa(lead)) }))
	id := itemIDFrom(item)
	page := agent.get(item)
	wantStatus(t, page, http.StatusOK)
	if !strings.Contains(page.Body, "Feedback #"+id+" is logged") || !strings.Contains(page.Body, "zebra-striped") ||
		!strings.Contains(page.Body, `href="/leads/`+strconv.Itoa(lead)+`"`) {
		t.Errorf("item page after logging:\n%s", page.Body)
	}
	if strings.Contains(page.Body, `action="/feedback/`+id+`/status"`) {
		t.Error("a service member sees the triage form")
	}

	// +1 from a colleague, once.
	rep.get(item)
	wantRedirect(t, rep.post(item+"/heard", url.Values{"customer": {"Okapi Freight"}, "note": {"Same flyer."}}), item)
	wantStatus(t, rep.post(item+"/heard", nil), http.StatusUnprocessableEntity)
	wantStatus(t, agent.post(item+"/heard", nil), http.StatusUnprocessableEntity) // own item
	page = rep.get(item)
	if !strings.Contains(page.Body, "Okapi Freight") || !strings.Contains(page.Body, "2 customers said this") {
		t.Errorf("heard section does not show the +1 and the distinct customers")
	}

	// Rating before any response: refused with a message.
	res = agent.post(item+"/rating", url.Values{"rating": {"4"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)

	// Triage: a response is required and what was typed stays.
	marketer.get(item)
	version := strconv.Itoa(e.count(`SELECT version FROM feedback_items WHERE id = $1`, id))
	res = marketer.post(item+"/status", url.Values{"status": {"acted_on"}, "response": {"  "}, "version": {version}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "Write a response") || !strings.Contains(res.Body, `<option value="acted_on" selected`) {
		t.Errorf("refused status change does not keep the choice or explain:\n%s", res.Body)
	}
	res = marketer.post(item+"/status", url.Values{"status": {"acted_on"}, "response": {"Flyer reprinted without zebras."}, "version": {version}})
	wantRedirect(t, res, item)
	// The same form again is stale now.
	wantStatus(t, marketer.post(item+"/status", url.Values{"status": {"declined"}, "response": {"x"}, "version": {version}}), http.StatusConflict)

	// Reporter and +1 user are notified once each, the responder not at all.
	link := "/feedback/" + id
	for who, want := range map[string]int{"agent@example.com": 1, "rep@example.com": 1, "marketer@example.com": 0} {
		if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND link = $2`, e.userID(who), link); n != want {
			t.Errorf("%s has %d notifications for the item, want %d", who, n, want)
		}
	}
	if body := agent.get("/notifications").Body; !strings.Contains(body, "Feedback #"+id+" (Zebra Test Logistics) is now acted on: Mia Novak responded") {
		t.Errorf("notification missing from the agent's list")
	}

	// Only the reporter rates; they can change the rating.
	wantStatus(t, rep.post(item+"/rating", url.Values{"rating": {"5"}}), http.StatusForbidden)
	wantStatus(t, marketer.post(item+"/rating", url.Values{"rating": {"5"}}), http.StatusForbidden)
	wantStatus(t, agent.post(item+"/rating", url.Values{"rating": {"9"}}), http.StatusUnprocessableEntity)
	wantRedirect(t, agent.post(item+"/rating", url.Values{"rating": {"2"}}), item)
	wantRedirect(t, agent.post(item+"/rating", url.Values{"rating": {"4"}}), item)
	page = rep.get(item)
	for _, want := range []string{"4 of 5", "Flyer reprinted without zebras.", "Acted on"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("item page lacks %q", want)
		}
	}
	if n := e.count(`SELECT rating FROM feedback_items WHERE id = $1`, id); n != 4 {
		t.Errorf("stored rating %d", n)
	}
}

func TestFeedbackTriageNeedsTheRole(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	agent := e.client()
	agent.login("agent@example.com")
	item := logFeedback(t, agent, feedbackForm(e))
	version := strconv.Itoa(e.count(`SELECT version FROM feedback_items WHERE id = $1`, itemIDFrom(item)))
	form := url.Values{"status": {"acknowledged"}, "response": {"Seen."}, "version": {version}}
	for _, who := range []string{"rep@example.com", "agent@example.com"} {
		c := e.client()
		c.login(who)
		wantStatus(t, c.post(item+"/status", cloneForm(form)), http.StatusForbidden)
		wantStatus(t, c.post(item+"/owner", url.Values{"owner": {""}, "version": {version}}), http.StatusForbidden)
		wantStatus(t, c.post(item+"/merge", url.Values{"into": {"1"}, "version": {version}}), http.StatusForbidden)
	}
	// A manager of another team triages.
	boss := e.client()
	boss.login("service.manager@example.com")
	boss.get(item)
	wantRedirect(t, boss.post(item+"/status", cloneForm(form)), item)
	// An illegal move is refused with the way out.
	form.Set("status", "new")
	form.Set("version", strconv.Itoa(e.count(`SELECT version FROM feedback_items WHERE id = $1`, itemIDFrom(item))))
	res := boss.post(item+"/status", cloneForm(form))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "An item that is acknowledged can move to planned, acted on, declined, not to new.") {
		t.Errorf("illegal move message missing")
	}
	// Owners are marketers.
	res = boss.post(item+"/owner", url.Values{"owner": {strconv.FormatInt(e.userID("rep@example.com"), 10)}, "version": {form.Get("version")}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantRedirect(t, boss.post(item+"/owner", url.Values{"owner": {strconv.FormatInt(e.userID("marketer@example.com"), 10)},
		"version": {form.Get("version")}}), item)
	if !strings.Contains(boss.get(item).Body, "Mia Novak") {
		t.Error("owner not shown")
	}
}

func TestFeedbackMergeRedirectsAndCountsOnce(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	agent, rep, marketer := e.client(), e.client(), e.client()
	agent.login("agent@example.com")
	rep.login("rep@example.com")
	marketer.login("marketer@example.com")
	a := logFeedback(t, agent, feedbackForm(e))
	b := logFeedback(t, rep, feedbackForm(e, func(f url.Values) { f.Set("customer", "Quagga Foods") }))
	// The marketer heard both; the agent (A's reporter) heard B.
	marketer.get(a)
	wantRedirect(t, marketer.post(a+"/heard", nil), a)
	wantRedirect(t, marketer.post(b+"/heard", nil), b)
	agent.get(b)
	wantRedirect(t, agent.post(b+"/heard", nil), b)

	marketer.get(b)
	version := strconv.Itoa(e.count(`SELECT version FROM feedback_items WHERE id = $1`, itemIDFrom(b)))
	res := marketer.post(b+"/merge", url.Values{"confirm": {"yes"}, "into": {"#" + itemIDFrom(b)}, "version": {version}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "cannot be merged into itself") {
		t.Error("self-merge message missing")
	}
	wantStatus(t, marketer.post(b+"/merge", url.Values{"confirm": {"yes"}, "into": {"lots"}, "version": {version}}), http.StatusUnprocessableEntity)
	wantRedirect(t, marketer.post(b+"/merge", url.Values{"confirm": {"yes"}, "into": {"#" + itemIDFrom(a)}, "version": {version}}), a)

	// A counts the marketer once and gains B's reporter; the agent reported A.
	if n := e.count(`SELECT count(*) FROM feedback_heard WHERE item_id = $1`, itemIDFrom(a)); n != 2 {
		t.Errorf("A has %d +1s, want 2 (marketer, rep)", n)
	}
	// B redirects to A and says so.
	res = rep.get(b)
	wantRedirect(t, res, a)
	page := rep.get(a)
	if !strings.Contains(page.Body, "Feedback #"+itemIDFrom(b)+" was merged into #"+itemIDFrom(a)) ||
		!strings.Contains(page.Body, "Duplicates merged into this item") || !strings.Contains(page.Body, "Quagga Foods") {
		t.Errorf("A does not show the merge")
	}
	// Further writes to B are refused.
	wantStatus(t, e.clientAs("sales.manager@example.com").post(b+"/heard", nil), http.StatusUnprocessableEntity)
	list := marketer.get("/feedback?q=zebra").Body
	if strings.Count(list, `href="/feedback/`+itemIDFrom(b)+`"`) != 0 || !strings.Contains(list, `href="/feedback/`+itemIDFrom(a)+`"`) {
		t.Errorf("the list shows the merged item or misses the surviving one")
	}
}

// cloneForm copies a form, so each client adds its own CSRF token.
func cloneForm(f url.Values) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	return out
}

func (e *testEnv) clientAs(email string) *client {
	c := e.client()
	c.login(email)
	return c
}

func TestFeedbackHostileTextIsEscaped(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	agent := e.clientAs("agent@example.com")
	hostile := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	item := logFeedback(t, agent, feedbackForm(e, func(f url.Values) {
		f.Set("customer", hostile)
		f.Set("product", hostile)
		f.Set("words", "pelican "+hostile)
		f.Set("note", hostile)
	}))
	rep := e.clientAs("rep@example.com")
	rep.get(item)
	wantRedirect(t, rep.post(item+"/heard", url.Values{"customer": {hostile}, "note": {hostile}}), item)
	marketer := e.clientAs("marketer@example.com")
	marketer.get(item)
	version := strconv.Itoa(e.count(`SELECT version FROM feedback_items WHERE id = $1`, itemIDFrom(item)))
	wantRedirect(t, marketer.post(item+"/status", url.Values{"status": {"acknowledged"}, "response": {hostile}, "version": {version}}), item)
	admin := e.clientAs("admin@example.com")
	admin.get("/admin/themes")
	wantRedirect(t, admin.post("/admin/themes", url.Values{"name": {hostile}}), "/admin/themes")

	pages := map[*client][]string{
		marketer: {item, "/feedback", "/feedback?q=pelican", "/feedback/board", "/feedback/themes", "/feedback/new",
			"/feedback?product=" + url.QueryEscape(hostile)},
		agent: {"/notifications", item},
		admin: {"/admin/themes"},
	}
	for c, paths := range pages {
		for _, path := range paths {
			res := c.get(path)
			wantStatus(t, res, http.StatusOK)
			if strings.Contains(res.Body, "<script>alert") || strings.Contains(res.Body, "<img src=x") {
				t.Errorf("%s renders hostile text raw", path)
			}
		}
	}
	if body := marketer.get(item).Body; !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Errorf("item page does not show the escaped text")
	}
}

func TestFeedbackListSearchFiltersAndPages(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.clientAs("rep@example.com")

	// Bad filters: 422 with the typed values kept, no results.
	res := c.get("/feedback?from=31.12.2026&status=bogus&q=kept")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, `value="31.12.2026"`) || !strings.Contains(res.Body, `value="kept"`) ||
		!strings.Contains(res.Body, "Enter a date like 2026-03-31.") {
		t.Errorf("filter errors do not keep the input")
	}

	// The demo has more than a page; the pager keeps the filters.
	res = c.get("/feedback?sort=heard")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, `href="/feedback?page=2&amp;sort=heard"`) {
		t.Errorf("no next-page link keeping the sort")
	}
	res = c.get("/feedback?page=2&sort=heard")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, "page 2 of") {
		t.Error("page 2 does not say so")
	}

	// Waiting too long is flagged in the list.
	res = c.get("/feedback?waiting=1")
	wantStatus(t, res, http.StatusOK)
	if n := e.count(`SELECT count(*) FROM feedback_items WHERE merged_into IS NULL AND acknowledged_at IS NULL AND ack_due_at < now()`); n == 0 ||
		strings.Count(res.Body, "Waiting too long</span>") < n {
		t.Errorf("%d overdue items, list flags %d", n, strings.Count(res.Body, "Waiting too long</span>"))
	}

	// Search finds the customer's words; an empty result says so.
	res = c.get("/feedback?q=" + url.QueryEscape("calibration guide"))
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, "calibration guide is only in English") {
		t.Error("search misses the demo's calibration complaints")
	}
	if body := c.get("/feedback?q=xylophone").Body; !strings.Contains(body, "No feedback matches this search") {
		t.Error("no empty state for a search without results")
	}

	// Board and trends render with their accessible parts.
	board := c.get("/feedback/board")
	wantStatus(t, board, http.StatusOK)
	for _, want := range []string{`id="col-new"`, `id="col-acted_on"`, "Waiting longest first"} {
		if !strings.Contains(board.Body, want) {
			t.Errorf("board lacks %q", want)
		}
	}
	trends := c.get("/feedback/themes")
	wantStatus(t, trends, http.StatusOK)
	for _, want := range []string{`<svg`, `role="img"`, `<title id="chain-title">`, "<caption>Feedback items per theme and month</caption>",
		`<th scope="row">Product quality</th>`, "Customers are let down most at the"} {
		if !strings.Contains(trends.Body, want) {
			t.Errorf("trends page lacks %q", want)
		}
	}
}

func TestAdminManagesThemes(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.clientAs("admin@example.com")
	admin.get("/admin/themes")
	res := admin.post("/admin/themes", url.Values{"name": {"pricing AND billing"}, "description": {"typed"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "A theme with this name exists already.") || !strings.Contains(res.Body, `value="typed"`) {
		t.Error("duplicate theme not explained or input lost")
	}
	wantRedirect(t, admin.post("/admin/themes", url.Values{"name": {"Sustainability"}}), "/admin/themes")
	id := e.themeID("Sustainability")
	if !strings.Contains(e.clientAs("agent@example.com").get("/feedback/new").Body, ">Sustainability</option>") {
		t.Error("new theme not offered")
	}
	wantRedirect(t, admin.post("/admin/themes/"+id, url.Values{"name": {"Sustainability reporting"}, "version": {"1"}}), "/admin/themes")
	if strings.Contains(e.clientAs("agent@example.com").get("/feedback/new").Body, "Sustainability") {
		t.Error("retired theme still offered")
	}
	wantStatus(t, admin.post("/admin/themes/"+id, url.Values{"name": {"Again"}, "active": {"true"}, "version": {"1"}}), http.StatusConflict)
	wantStatus(t, e.clientAs("marketing.manager@example.com").get("/admin/themes"), http.StatusForbidden)
}
