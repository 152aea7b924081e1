package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// tokenCase is a create form beyond the first ones given a one-time
// token: the happy path that submits it and the page that renders it.
type tokenCase struct {
	route string
	page  func(p happyPost) string
}

func onLeadPage(p happyPost) string {
	return strings.TrimSuffix(strings.TrimSuffix(p.path, "/touch"), "/comments")
}

var moreTokenCases = []tokenCase{
	{"POST /admin/themes", func(happyPost) string { return "/admin/themes" }},
	{"POST /kpis/targets", func(happyPost) string { return "/kpis/targets" }},
	{"POST /leads/{id}/touch", onLeadPage},
	{"POST /leads/{id}/comments", onLeadPage},
}

// Each of these forms sent twice with its one-time token creates one row;
// the second post answers 303 to the first result with the "already
// submitted" info flash. The same form without a token (an API client, a
// tab opened before the tokens) still creates: TestHappyPaths posts them
// so.
func TestMoreCreateFormsSentTwiceCreateOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range moreTokenCases {
		t.Run(strings.ReplaceAll(tc.route, "/", "_"), func(t *testing.T) {
			t.Parallel()
			hc := happyPaths[tc.route]
			e, c := hc.start(t)
			p := hc.prepare(t, e, c)
			page := c.get(tc.page(p))
			wantStatus(t, page, http.StatusOK)
			token := formTokenInput.FindStringSubmatch(page.Body)
			if token == nil {
				t.Fatalf("%s has no %s:\n%s", tc.page(p), formTokenField, page.Body)
			}
			before := e.count(p.state, p.args...)
			form := url.Values{}
			for k, v := range p.form {
				form[k] = append([]string(nil), v...)
			}
			form.Set(formTokenField, token[1])
			first := c.post(p.path, form)
			wantStatus(t, first, http.StatusSeeOther)
			c.get(first.Header.Get("Location")) // shows the first flash
			second := c.post(p.path, form)
			wantStatus(t, second, http.StatusSeeOther)
			if got, want := second.Header.Get("Location"), first.Header.Get("Location"); strings.Split(got, "#")[0] != strings.Split(want, "#")[0] {
				t.Errorf("second post redirects to %s, want the first result %s", got, want)
			}
			if n := e.count(p.state, p.args...) - before; n != 1 {
				t.Errorf("two posts of one form created %d rows, want 1", n)
			}
			if body := c.get(second.Header.Get("Location")).Body; !strings.Contains(body, "This was already submitted; here it is.") {
				t.Errorf("no info flash after the second post:\n%s", body)
			}
		})
	}
}
