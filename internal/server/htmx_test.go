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
