package server

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func (e *testEnv) userName(email string) string {
	e.t.Helper()
	var name string
	if err := e.pool.QueryRow(e.t.Context(), `SELECT name FROM users WHERE email = $1`, email).Scan(&name); err != nil {
		e.t.Fatal(err)
	}
	return name
}

// A stale edit keeps what the user typed: 409 with the edit form filled as
// they sent it, at the current version, and what the other person changed,
// so that saving again is a deliberate second submit. Before, the 409 page
// showed the changes and dropped the input.
func TestStaleEditKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	mine := e.client()
	mine.login("marketer@example.com")
	id := newLeadVia(t, mine, url.Values{"company": {"Stale Co"}, "contact_name": {"Sid"}, "email": {"sid@stale.example"}})
	path := "/leads/" + id
	mine.get(path + "/edit")
	loaded := e.leadVersion(id)

	theirs := e.client()
	theirs.login("marketing.manager@example.com")
	theirs.get(path + "/edit")
	wantRedirect(t, theirs.post(path+"/edit", url.Values{"company": {"Stale Co"}, "contact_name": {"Sid"},
		"email": {"sid@stale-corrected.example"}, "version": {loaded}}), path)
	current := e.leadVersion(id)

	typed := url.Values{"company": {"Stale & Sons Co"}, "contact_name": {"Sid Stone"}, "email": {"sid@stale.example"},
		"phone": {"+49 30 5550"}, "title": {"Head of buying"}, "score": {"65"}, "version": {loaded}}
	res := mine.post(path+"/edit", typed)
	wantStatus(t, res, http.StatusConflict)
	wantBody(t, res, "Not saved: someone else changed this lead", e.userName("marketing.manager@example.com"), "changed email")
	for _, k := range []string{"company", "contact_name", "phone", "title", "score"} {
		if !strings.Contains(res.Body, `value="`+html.EscapeString(typed.Get(k))+`"`) {
			t.Errorf("the typed %s %q is not in the re-shown form", k, typed.Get(k))
		}
	}
	if !strings.Contains(res.Body, `name="version" value="`+current+`"`) {
		t.Errorf("the re-shown form is not at the current version %s:\n%s", current, res.Body)
	}
	if !strings.Contains(res.Body, `action="`+path+`/edit"`) {
		t.Fatalf("no edit form on the 409 page:\n%s", res.Body)
	}
	wantAccessibleForms(t, "stale edit", res.Body)
	if n := e.count(`SELECT count(*) FROM leads WHERE id = $1 AND company = 'Stale Co' AND email = 'sid@stale-corrected.example'`, id); n != 1 {
		t.Error("the stale edit changed the lead")
	}

	// Saving the re-shown form is the deliberate choice: it goes through.
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(res.Body)[1]
	typed.Set("version", version)
	wantRedirect(t, mine.post(path+"/edit", typed), path)
	if n := e.count(`SELECT count(*) FROM leads WHERE id = $1 AND company = 'Stale & Sons Co' AND phone = '+49 30 5550' AND score = 65`, id); n != 1 {
		t.Error("the second save did not go through")
	}
}

// The edit and new-lead forms name every problem in one answer: an unknown
// source campaign was reported only after the other fields were fixed.
func TestLeadFormsReportEveryErrorAtOnce(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	id := newLeadVia(t, c, url.Values{"company": {"All At Once"}, "contact_name": {"Al"}, "email": {"al@once.example"}})
	newLeadVia(t, c, url.Values{"company": {"Taken"}, "contact_name": {"Tia"}, "email": {"tia@taken.example"}})
	path := "/leads/" + id
	c.get(path + "/edit")
	messages := []string{"Enter the company.", "A lead with this email exists already.", "That campaign does not exist"}

	// Without a field the handler cannot read: the store checks them all.
	res := c.post(path+"/edit", url.Values{"company": {""}, "contact_name": {"Al"}, "email": {"tia@taken.example"},
		"source_campaign": {"999999"}, "version": {e.leadVersion(id)}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, messages...)
	wantFieldErrors(t, "edit", wantAccessibleForms(t, "edit", res.Body), map[string]string{
		"f-company": messages[0], "f-email": messages[1], "f-source_campaign": messages[2]})

	// With a score that is no number as well.
	res = c.post(path+"/edit", url.Values{"company": {""}, "contact_name": {"Al"}, "email": {"tia@taken.example"},
		"source_campaign": {"999999"}, "score": {"NaN"}, "version": {e.leadVersion(id)}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, append(messages, "Score is a whole number from 0 to 100.")...)

	// The new-lead form too.
	c.get("/leads/new")
	res = c.post("/leads", url.Values{"company": {""}, "contact_name": {"Al"}, "email": {"tia@taken.example"},
		"source_campaign": {"999999"}, "score": {"200.5"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, append(messages, "Score is a whole number from 0 to 100.")...)
	if n := e.count(`SELECT count(*) FROM leads WHERE email IN ('al@once.example', 'tia@taken.example') AND company IN ('All At Once', 'Taken')`); n != 2 {
		t.Error("a refused form changed a lead")
	}
}

// Refusals say stages the way people read them, not as codes: "mql".
func TestMoveRefusalNamesTheStageAsRead(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.client()
	admin.login("admin@example.com")
	id := e.count(`SELECT min(id) FROM leads WHERE stage = 'mql'`)
	admin.get(leadPath(id, ""))
	res := admin.post(leadPath(id, "/win"), url.Values{"value": {"100"},
		"version": {e.leadVersion(strconv.Itoa(id))}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "A lead that is MQL cannot become won.")
}

// editFormValues reads the values of the lead edit form in page as a
// browser would submit them (inputs and selected options; no CSRF token:
// the client adds its own).
func editFormValues(t *testing.T, page string) url.Values {
	t.Helper()
	start := strings.Index(page, `<form method="post" action="/leads/`)
	if start < 0 {
		t.Fatalf("no edit form in:\n%s", page)
	}
	form := page[start : start+strings.Index(page[start:], "</form>")]
	out := url.Values{}
	for _, m := range regexp.MustCompile(`<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"`).FindAllStringSubmatch(form, -1) {
		if m[1] != "csrf_token" {
			out.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	for _, m := range regexp.MustCompile(`(?s)<select[^>]*name="([^"]+)".*?</select>`).FindAllStringSubmatch(form, -1) {
		sel := regexp.MustCompile(`<option value="([^"]*)" selected`).FindStringSubmatch(m[0])
		if sel != nil {
			out.Set(m[1], html.UnescapeString(sel[1]))
		} else {
			out.Set(m[1], "")
		}
	}
	return out
}

// Saving again after a conflict must not undo the other person's change to
// a field the user never touched: the re-shown form takes their value
// there, keeps the user's where they typed, and marks a field both changed.
func TestStaleEditKeepsTheirChangesInFieldsLeftAlone(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	mine := e.client()
	mine.login("marketer@example.com")
	id := newLeadVia(t, mine, url.Values{"company": {"Merge Co"}, "contact_name": {"Mia"}, "email": {"mia@merge.example"},
		"phone": {"+49 30 9999999"}})
	path := "/leads/" + id
	loaded := editFormValues(t, mine.get(path+"/edit").Body)

	theirs := e.client()
	theirs.login("marketing.manager@example.com")
	form := editFormValues(t, theirs.get(path+"/edit").Body)
	form.Set("phone", "+49 30 1111111")
	form.Set("contact_name", "Mia Merge")
	wantRedirect(t, theirs.post(path+"/edit", form), path)

	loaded.Set("title", "Head of buying")   // only mine
	loaded.Set("contact_name", "Mia Meier") // both changed it
	res := mine.post(path+"/edit", loaded)
	wantStatus(t, res, http.StatusConflict)
	wantBody(t, res, "Someone else changed this to “Mia Merge” meanwhile")
	again := editFormValues(t, res.Body)
	if again.Get("phone") != "+49 30 1111111" || again.Get("title") != "Head of buying" || again.Get("contact_name") != "Mia Meier" {
		t.Errorf("re-shown form: phone %q, title %q, name %q; want theirs, mine, mine",
			again.Get("phone"), again.Get("title"), again.Get("contact_name"))
	}
	wantRedirect(t, mine.post(path+"/edit", again), path)
	if n := e.count(`SELECT count(*) FROM leads WHERE id = $1 AND phone = '+49 30 1111111' AND title = 'Head of buying'
		AND contact_name = 'Mia Meier'`, id); n != 1 {
		t.Error("saving the merged form undid their phone or lost my values")
	}
}
