package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// follow checks that a post answered 303 See Other and gets the page it
// redirects to, which must answer 200: the result of a successful post is
// a page of its own (post, redirect, get).
func (c *client) follow(t *testing.T, res response) response {
	t.Helper()
	wantStatus(t, res, http.StatusSeeOther)
	next := c.get(res.Header.Get("Location"))
	wantStatus(t, next, http.StatusOK)
	return next
}

// A create form sent twice with its one-time token (a double click, Back
// and send again) creates one item; the second post answers 303 to it with
// an info flash.
func TestFeedbackFormSentTwiceCreatesOnce(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("agent@example.com")
	page := c.get("/feedback/new")
	token := formTokenInput.FindStringSubmatch(page.Body)
	if token == nil {
		t.Fatalf("the feedback form has no %s:\n%s", formTokenField, page.Body)
	}
	before := e.count(`SELECT count(*) FROM feedback_items`)
	form := feedbackForm(e)
	form.Set(formTokenField, token[1])
	first := c.post("/feedback", form)
	wantStatus(t, first, http.StatusSeeOther)
	c.get(first.Header.Get("Location")) // shows the first flash
	second := c.post("/feedback", form)
	wantStatus(t, second, http.StatusSeeOther)
	if got, want := second.Header.Get("Location"), first.Header.Get("Location"); got != want {
		t.Errorf("second post redirects to %s, want the first result %s", got, want)
	}
	if n := e.count(`SELECT count(*) FROM feedback_items`) - before; n != 1 {
		t.Errorf("two posts of one form created %d items, want 1", n)
	}
	if body := c.get(second.Header.Get("Location")).Body; !strings.Contains(body, "This was already submitted; here it is.") {
		t.Errorf("no info flash after the second post:\n%s", body)
	}
	// Another person posting the same token creates nothing either.
	other := e.client()
	other.login("rep@example.com")
	form.Del("csrf_token")
	wantStatus(t, other.post("/feedback", form), http.StatusConflict)
	if n := e.count(`SELECT count(*) FROM feedback_items`) - before; n != 1 {
		t.Errorf("a copied form created another item (%d in all)", n)
	}
}

var formTokenInput = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

// A form over the body limit (5 MB of talking points) gets a 413 page that
// says what was too large and how large it may be, and links back to the
// form it came from.
func TestTooLargeFormLinksBackToIt(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("marketer@example.com")
	c.get("/campaigns/new")
	form := url.Values{"csrf_token": {c.csrf}, "name": {"Huge"}, "talking_points": {strings.Repeat("x", 5<<20)}}
	res := c.postRaw("/campaigns", form, map[string]string{"Origin": e.http.URL, "Referer": e.http.URL + "/campaigns/new"})
	wantStatus(t, res, http.StatusRequestEntityTooLarge)
	for _, want := range []string{"larger than the 1 MB this form accepts", "nothing was saved", `href="/campaigns/new"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("413 page lacks %q:\n%s", want, res.Body)
		}
	}
	// A Referer from another site is not offered as the way back.
	res = c.postRaw("/campaigns", form, map[string]string{"Origin": e.http.URL, "Referer": "https://evil.example/x"})
	wantStatus(t, res, http.StatusRequestEntityTooLarge)
	if strings.Contains(res.Body, "evil.example") {
		t.Error("the 413 page links to another site")
	}
}
