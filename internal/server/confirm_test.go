package server

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/internal/format"
	"tandem/internal/htmltest"
)

// confirmForm is the confirm step's form: it posts to action with
// confirm=yes, and a Cancel link goes back to cancel.
func wantConfirmForm(t *testing.T, res response, action, cancel string) {
	t.Helper()
	for _, want := range []string{`<form method="post" action="` + action + `"`, `name="confirm" value="yes"`,
		`name="csrf_token"`, `<a href="` + cancel + `">Cancel</a>`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the confirm step lacks %s:\n%s", want, res.Body)
		}
	}
}

func wantNoConfirmForm(t *testing.T, res response, action string) {
	t.Helper()
	if strings.Contains(res.Body, `<form method="post" action="`+action+`"`) {
		t.Errorf("the confirm step still offers to post to %s:\n%s", action, res.Body)
	}
}

// Issue 15, item 8: Announce asks first, saying to how many people; the
// post without confirm=yes changes nothing; once announced, the step says
// so with a 409 and no button.
func TestAnnounceAsksFirst(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	m := e.clientAs("marketer@example.com")
	id := m.newCampaign(t, "Spring webinar", "- Book a demo", time.Now().AddDate(0, 0, 30))
	path := campaignPath(id)

	detail := m.get(path)
	if !strings.Contains(detail.Body, `href="`+path+`/announce"`) || strings.Contains(detail.Body, `action="`+path+`/announce"`) {
		t.Errorf("the campaign page does not link to the confirm step instead of posting:\n%s", detail.Body)
	}
	people := e.count(`SELECT count(*) FROM users WHERE active AND team IN ('sales', 'service')`)
	ask := m.get(path + "/announce")
	wantStatus(t, ask, http.StatusOK)
	want := "Announce “Spring webinar” to " + format.Int(people) + " people in sales and service? They will be asked to acknowledge it."
	if !strings.Contains(html.UnescapeString(ask.Body), want) {
		t.Errorf("the confirm step does not say %q:\n%s", want, ask.Body)
	}
	wantConfirmForm(t, ask, path+"/announce", path)

	// A post without confirm=yes (a stale or crafted form) gets the question.
	res := m.post(path+"/announce", url.Values{"version": {m.version(t, id)}})
	wantStatus(t, res, http.StatusOK)
	wantConfirmForm(t, res, path+"/announce", path)
	if e.count(`SELECT count(*) FROM campaigns WHERE id = $1 AND status = 'announced'`, id) != 0 {
		t.Fatal("a post without confirm=yes announced")
	}

	wantRedirect(t, m.post(path+"/announce", url.Values{"version": {m.version(t, id)}, "confirm": {"yes"}}), path)
	if e.count(`SELECT count(*) FROM campaigns WHERE id = $1 AND status = 'announced'`, id) != 1 {
		t.Fatal("the confirmed post did not announce")
	}
	again := m.get(path + "/announce")
	wantStatus(t, again, http.StatusConflict)
	wantBody(t, again, "announced already")
	wantNoConfirmForm(t, again, path+"/announce")

	// A draft without talking points cannot be announced: said on the step.
	bare := m.newCampaign(t, "No points yet", "", time.Now().AddDate(0, 0, 30))
	res = m.get(campaignPath(bare) + "/announce")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Add talking points before announcing")
	wantNoConfirmForm(t, res, campaignPath(bare)+"/announce")
}

// Issue 15, item 8: Deactivate asks first, saying what follows; a post
// without confirm=yes changes nothing; a deactivated user's step says so.
func TestDeactivateAsksFirst(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.clientAs("admin@example.com")
	id := e.userID("rep@example.com")
	path := userDetailPath(id)
	var name string
	if err := e.pool.QueryRow(t.Context(), `SELECT name FROM users WHERE id = $1`, id).Scan(&name); err != nil {
		t.Fatal(err)
	}

	detail := admin.get(path)
	if !strings.Contains(detail.Body, `href="`+path+`/deactivate"`) || strings.Contains(detail.Body, `name="active" value="false"`) {
		t.Errorf("the user page does not link to the confirm step instead of posting:\n%s", detail.Body)
	}
	ask := admin.get(path + "/deactivate")
	wantStatus(t, ask, http.StatusOK)
	for _, want := range []string{"Deactivate " + name + " (Sales, rep@example.com)?", "signed out at once", "cannot sign in",
		"stay assigned to them"} {
		if !strings.Contains(html.UnescapeString(ask.Body), want) {
			t.Errorf("the confirm step does not say %q:\n%s", want, ask.Body)
		}
	}
	wantConfirmForm(t, ask, path+"/active", path)

	version := strconv.Itoa(e.count(`SELECT version FROM users WHERE id = $1`, id))
	res := admin.post(path+"/active", url.Values{"active": {"false"}, "version": {version}})
	wantStatus(t, res, http.StatusOK)
	wantConfirmForm(t, res, path+"/active", path)
	if e.count(`SELECT count(*) FROM users WHERE id = $1 AND active`, id) != 1 {
		t.Fatal("a post without confirm=yes deactivated")
	}

	wantRedirect(t, admin.post(path+"/active", url.Values{"active": {"false"}, "version": {version}, "confirm": {"yes"}}), path)
	if e.count(`SELECT count(*) FROM users WHERE id = $1 AND active`, id) != 0 {
		t.Fatal("the confirmed post did not deactivate")
	}
	again := admin.get(path + "/deactivate")
	wantStatus(t, again, http.StatusConflict)
	wantBody(t, again, "deactivated already")
	wantNoConfirmForm(t, again, path+"/active")

	// Reactivating needs no confirmation: one click undoes nothing hard.
	version = strconv.Itoa(e.count(`SELECT version FROM users WHERE id = $1`, id))
	wantRedirect(t, admin.post(path+"/active", url.Values{"active": {"true"}, "version": {version}}), path)
}

// Issue 15, item 8: Merge asks first, naming both items; refusals (into
// itself, a missing or merged item) show on the step with a 4xx.
func TestMergeAsksFirst(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	m := e.clientAs("marketer@example.com")
	ids := e.twoFeedbackItems(t)
	a, b := ids[0], ids[1]
	path := feedbackPath(b, "")

	ask := m.get(feedbackPath(b, "/merge?into="+strconv.Itoa(a)))
	wantStatus(t, ask, http.StatusOK)
	for _, want := range []string{"Merge #" + strconv.Itoa(b) + " “", "into #" + strconv.Itoa(a) + " “", "move to #" + strconv.Itoa(a)} {
		if !strings.Contains(html.UnescapeString(ask.Body), want) {
			t.Errorf("the confirm step does not say %q:\n%s", want, ask.Body)
		}
	}
	wantConfirmForm(t, ask, path+"/merge", path)
	if !strings.Contains(ask.Body, `name="into" value="`+strconv.Itoa(a)+`"`) {
		t.Error("the confirm step does not carry the chosen item")
	}

	for _, tc := range []struct{ into, status, message string }{
		{strconv.Itoa(b), "422", "cannot be merged into itself"},
		{"99999999", "422", "There is no feedback item #99999999"},
		{"", "422", "Pick the item to merge this one into"},
	} {
		res := m.get(feedbackPath(b, "/merge?into="+tc.into))
		if strconv.Itoa(res.StatusCode) != tc.status || !strings.Contains(res.Body, tc.message) {
			t.Errorf("into %q: status %d, want %s with %q:\n%s", tc.into, res.StatusCode, tc.status, tc.message, res.Body)
		}
		wantNoConfirmForm(t, res, path+"/merge")
	}

	res := m.post(path+"/merge", url.Values{"into": {strconv.Itoa(a)}, "version": {feedbackVersion(e, b)}})
	wantStatus(t, res, http.StatusOK)
	if e.count(`SELECT count(*) FROM feedback_items WHERE id = $1 AND merged_into IS NOT NULL`, b) != 0 {
		t.Fatal("a post without confirm=yes merged")
	}
	wantRedirect(t, m.post(path+"/merge", url.Values{"into": {strconv.Itoa(a)}, "version": {feedbackVersion(e, b)},
		"confirm": {"yes"}}), feedbackPath(a, ""))

	// Merged now, b cannot be merged again: said on its step.
	again := m.get(feedbackPath(b, "/merge?into="+strconv.Itoa(a)))
	wantStatus(t, again, http.StatusUnprocessableEntity)
	wantBody(t, again, "was merged into #"+strconv.Itoa(a))
	// And nothing else can be merged into b.
	c := e.count(`SELECT min(id) FROM feedback_items WHERE merged_into IS NULL AND id <> $1`, a)
	into := m.get(feedbackPath(c, "/merge?into="+strconv.Itoa(b)))
	wantStatus(t, into, http.StatusUnprocessableEntity)
	wantBody(t, into, "merge into #"+strconv.Itoa(a)+" instead")
}

// Issue 15, item 4: GET /search/feedback finds items to merge into by their
// words, escaped, never the item itself nor merged ones, for triagers only.
func TestSearchFeedbackForTheMergePicker(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	rep := e.clientAs("rep@example.com")
	hostile := logFeedback(t, rep, feedbackForm(e, func(f url.Values) {
		f.Set("words", `Quokka <script>alert(1)</script> exports stall`)
		f.Set("customer", `Quokka & <b>Sons</b>`)
	}))
	other := logFeedback(t, rep, feedbackForm(e, func(f url.Values) { f.Set("words", "Quokka exports stall at night") }))
	merged := logFeedback(t, rep, feedbackForm(e, func(f url.Values) { f.Set("words", "Quokka exports stall too") }))
	m := e.clientAs("marketer@example.com")
	m.get(merged)
	wantRedirect(t, m.post(merged+"/merge", url.Values{"into": {itemIDFrom(other)}, "confirm": {"yes"},
		"version": {strconv.Itoa(e.count(`SELECT version FROM feedback_items WHERE id = $1::bigint`, itemIDFrom(merged)))}}), other)

	radio := func(path string) *regexp.Regexp {
		return regexp.MustCompile(`<input type="radio" name="into" id="[^"]*" value="` + itemIDFrom(path) + `"`)
	}
	frag := m.get("/search/feedback?from=" + itemIDFrom(other) + "&into_q=quokka+exports")
	wantStatus(t, frag, http.StatusOK)
	switch {
	case strings.Contains(frag.Body, "<html"):
		t.Error("the fragment is a whole page")
	case !radio(hostile).MatchString(frag.Body):
		t.Errorf("the fragment does not offer the matching item:\n%s", frag.Body)
	case radio(other).MatchString(frag.Body):
		t.Error("the fragment offers the item itself")
	case radio(merged).MatchString(frag.Body):
		t.Error("the fragment offers a merged item")
	case strings.Contains(frag.Body, "<script>") || strings.Contains(frag.Body, "<b>Sons"):
		t.Errorf("the fragment does not escape:\n%s", frag.Body)
	case !strings.Contains(frag.Body, "&lt;script&gt;"):
		t.Errorf("the item's words are not shown escaped:\n%s", frag.Body)
	case !strings.Contains(frag.Body, "1 item matches"):
		t.Errorf("the fragment does not count its matches:\n%s", frag.Body)
	}
	// By number too.
	if byRef := m.get("/search/feedback?from=" + itemIDFrom(other) + "&q=%23" + itemIDFrom(hostile)); !radio(hostile).MatchString(byRef.Body) {
		t.Errorf("a search by number does not find the item:\n%s", byRef.Body)
	}
	if none := m.get("/search/feedback?q=zzzz-no-such-item").Body; !strings.Contains(none, "0 items match") {
		t.Errorf("no match is not said:\n%s", none)
	}
	// Bounded: a broad search lists at most maxPicks.
	if broad := m.get("/search/feedback?q=zebra").Body; len(regexp.MustCompile(`type="radio"`).FindAllString(broad, -1)) > maxPicks {
		t.Errorf("more than %d picks:\n%s", maxPicks, broad)
	}

	for who, want := range map[string]int{"marketer@example.com": 200, "sales.manager@example.com": 200,
		"admin@example.com": 200, "rep@example.com": 403, "agent@example.com": 403} {
		if got := e.clientAs(who).get("/search/feedback?q=quokka").StatusCode; got != want {
			t.Errorf("%s: status %d, want %d", who, got, want)
		}
	}
}

// Issue 15, item 4: without JavaScript, the item page's Find item button
// sends the search back to the item page, which lists the matches; the
// picked one goes to the confirm step by GET.
func TestMergePickerWithoutJavaScript(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	rep := e.clientAs("rep@example.com")
	target := logFeedback(t, rep, feedbackForm(e, func(f url.Values) { f.Set("words", "Wombat dashboards load slowly") }))
	dup := logFeedback(t, rep, feedbackForm(e, func(f url.Values) { f.Set("words", "Wombat dashboard is slow") }))
	m := e.clientAs("marketer@example.com")

	page := m.get(dup)
	wantStatus(t, page, http.StatusOK)
	controls := htmltest.Forms(t, dup, page.Body)
	q, ok := controls["f-into"]
	if !ok || q.Name != "into_q" || htmltest.Attr(q.Form, "method") != "get" || htmltest.Attr(q.Form, "action") != dup+"/merge" {
		t.Fatalf("no merge picker sending GET %s/merge: %+v", dup, q)
	}
	for _, want := range []string{`hx-get="/search/feedback?from=` + itemIDFrom(dup) + `"`, `hx-target="#into-picks"`,
		`formaction="` + dup + `#merge"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the merge picker lacks %s", want)
		}
	}
	if strings.Contains(page.Body, "item number") {
		t.Error("the merge form still asks for an item number")
	}

	found := m.get(dup + "?" + url.Values{"find": {"item"}, "into_q": {"wombat"}}.Encode())
	wantStatus(t, found, http.StatusOK)
	if !regexp.MustCompile(`name="into" id="[^"]*" value="` + itemIDFrom(target) + `"`).MatchString(found.Body) {
		t.Errorf("the no-JS search does not list the item:\n%s", found.Body)
	}
	if !strings.Contains(found.Body, `value="wombat"`) {
		t.Error("the search typed is not kept")
	}
	ask := m.get(dup + "/merge?" + url.Values{"into_q": {"wombat"}, "into": {itemIDFrom(target)}}.Encode())
	wantStatus(t, ask, http.StatusOK)
	wantConfirmForm(t, ask, dup+"/merge", dup)
}

// Issue 15, item 4: a refused log form keeps the lead search as typed and
// the picked lead.
func TestRefusedFeedbackKeepsTheLeadSearch(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.clientAs("rep@example.com")
	var id int64
	var company string
	if err := e.pool.QueryRow(t.Context(), `SELECT id, company FROM leads ORDER BY id LIMIT 1`).Scan(&id, &company); err != nil {
		t.Fatal(err)
	}
	c.get("/feedback/new")
	res := c.post("/feedback", feedbackForm(e, func(f url.Values) {
		f.Set("words", "")
		f.Set("lead_q", "typed search")
		f.Set("lead", strconv.FormatInt(id, 10))
	}))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !regexp.MustCompile(`name="lead_q"[^>]*value="typed search"`).MatchString(res.Body) {
		t.Errorf("the lead search typed is lost:\n%s", res.Body)
	}
	if !regexp.MustCompile(`value="` + strconv.FormatInt(id, 10) + `" checked`).MatchString(res.Body) {
		t.Errorf("the picked lead is not checked:\n%s", res.Body)
	}
}
