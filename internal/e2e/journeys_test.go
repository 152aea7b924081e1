package e2e

import (
	"strings"
	"testing"
)

func TestOverviewShellRenders(t *testing.T) {
	t.Parallel()
	h := start(t)

	h.Login("admin@example.com")
	if code := h.Open("/"); code != 200 {
		t.Errorf("signed in, / answered %d", code)
	}
	if p := h.Path(); p != "/" {
		t.Fatalf("signed in, / ended on %s", p)
	}
	if got := h.Text("main#main h1"); got != "Overview" {
		t.Errorf("h1 = %q, want %q", got, "Overview")
	}
	link := `nav a[href="/"]`
	if got := h.Text(link); got != "Overview" {
		t.Errorf("nav link to / says %q, want %q", got, "Overview")
	}
	if cur, ok := h.Attr(link, "aria-current"); !ok || cur != "page" {
		t.Errorf(`nav "Overview" link aria-current = %q (set: %v), want "page"`, cur, ok)
	}
	if got := h.Text("a.user-name"); got != "Alex Morgan" {
		t.Errorf("header user name = %q, want %q", got, "Alex Morgan")
	}
	h.Screenshot("overview-shell.png")
}

func TestSignInShowsNameAndSignOut(t *testing.T) {
	t.Parallel()
	h := start(t)

	// Anonymous visitors are sent to the sign-in form.
	h.Open("/")
	if p := h.Path(); p != "/login" {
		t.Fatalf("anonymous / ended on %s, want /login", p)
	}

	h.Login("rep@example.com")
	if p := h.Path(); p != "/" {
		t.Errorf("after sign-in the browser is on %s, want / (the page it asked for)", p)
	}
	if got := h.Text("a.user-name"); got != "Riley Chen" {
		t.Errorf("header user name = %q, want %q", got, "Riley Chen")
	}
	h.Screenshot("sign-in.png")

	h.ClickAndWait(`form[action="/logout"] button[type="submit"]`)
	if p := h.Path(); p != "/login" {
		t.Fatalf("after sign-out the browser is on %s, want /login", p)
	}
	if got := h.Text("main"); !strings.Contains(got, "You are signed out.") {
		t.Errorf("after sign-out the page shows %q, want it to say %q", got, "You are signed out.")
	}
	if h.Exists("a.user-name") {
		t.Errorf("after sign-out the header still shows a user name: %q", h.Text("a.user-name"))
	}

	// The session is gone: / needs signing in again.
	h.Open("/")
	if p := h.Path(); p != "/login" {
		t.Errorf("after sign-out / ended on %s, want /login", p)
	}
}
