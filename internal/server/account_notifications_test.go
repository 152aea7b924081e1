package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"tandem/internal/htmltest"
	"tandem/internal/mailtest"
	"tandem/internal/testdb/demo"
)

func (e *testEnv) pref(email, kind string) string {
	e.t.Helper()
	var d string
	err := e.pool.QueryRow(context.Background(), `SELECT coalesce((SELECT delivery FROM notification_prefs p
		JOIN users u ON u.id = p.user_id WHERE u.email = $1 AND p.kind = $2), '')`, email, kind).Scan(&d)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func nodeOf(t *testing.T, body, id string) *html.Node {
	t.Helper()
	n := htmltest.ByID(htmltest.Parse(t, body), id)
	if n == nil {
		t.Fatalf("no element #%s", id)
	}
	return n
}

func TestNotificationSettingsSaveAndSuppress(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	rep := e.client()
	rep.login("rep@example.com")

	page := rep.get("/account/notifications")
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, "Mail is off on this server: only in-app notifications are sent")
	for _, want := range []string{"<legend>Leads</legend>", "<legend>Campaigns</legend>", "<legend>Product alerts</legend>",
		"<legend>Feedback</legend>", "<legend>Weekly digest</legend>", `<th scope="row" id="pref-lead.handed_off">Lead handed off</th>`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	controls := htmltest.Forms(t, "notification settings", page.Body)
	if c, ok := controls["pref-lead.handed_off-email_now"]; !ok || !htmltest.HasAttr(nodeOf(t, page.Body, c.ID), "checked") {
		t.Error("a rep's handoffs are not email now by default")
	}
	if c := controls["pref-lead.handed_off-off"]; htmltest.HasAttr(nodeOf(t, page.Body, c.ID), "checked") {
		t.Error("off is checked")
	}
	for _, cols := range htmltest.TableHeaders(t, "notification settings", page.Body) {
		if strings.Join(cols, "|") != "Change|In Tandem only|Email now|Daily email summary|Off" {
			t.Errorf("columns %v", cols)
		}
	}
	if !strings.Contains(rep.get("/account").Body, `href="/account/notifications"`) ||
		!strings.Contains(rep.get("/notifications").Body, `href="/account/notifications"`) {
		t.Error("the settings are not linked from /account and /notifications")
	}

	res := rep.post("/account/notifications", url.Values{"lead.handed_off": {"off"}, "lead.won": {"email_daily"}, "alert.posted": {"email_now"}})
	wantRedirect(t, res, "/account/notifications")
	if got := e.pref("rep@example.com", "lead.handed_off"); got != "off" {
		t.Errorf("handed off stored %q, want off", got)
	}
	if got := e.pref("rep@example.com", "lead.won"); got != "email_daily" {
		t.Errorf("won stored %q", got)
	}
	if got := e.pref("rep@example.com", "alert.posted"); got != "" {
		t.Errorf("alert.posted = the default stored as %q, want no row", got)
	}
	wantBody(t, rep.get("/account/notifications"), "Your notification settings are saved.")

	// A rep who turned handoffs off is not told in Tandem either.
	marketer := e.client()
	marketer.login("marketer@example.com")
	before := e.count(`SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.email = 'rep@example.com' AND n.kind = 'lead_handed_off'`)
	id := newLeadVia(t, marketer, url.Values{"company": {"Quiet Ltd"}, "contact_name": {"Quinn"}, "email": {"quinn@quiet.example"}})
	handOffVia(t, e, marketer, id, e.idOf("rep@example.com"))
	if n := e.count(`SELECT count(*) FROM leads WHERE id = $1 AND stage = 'handed_off'`, id); n != 1 {
		t.Fatal("the lead was not handed off")
	}
	after := e.count(`SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.email = 'rep@example.com' AND n.kind = 'lead_handed_off'`)
	if after != before {
		t.Errorf("the rep got %d handoff notifications after turning them off", after-before)
	}

	// A choice Tandem does not offer: 422 with the reason, nothing saved.
	res = rep.post("/account/notifications", url.Values{"lead.handed_off": {"email_now"}, "lead.assigned": {"sometimes"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "is not one Tandem offers")
	if got := e.pref("rep@example.com", "lead.handed_off"); got != "off" {
		t.Errorf("a refused form changed handed off to %q", got)
	}
}

func TestNotificationSettingsPolicy(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	anon := e.client()
	res := anon.get("/account/notifications")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
		t.Errorf("anonymous GET: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	anon.get("/login")
	res = anon.post("/account/notifications", url.Values{"lead.handed_off": {"off"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
		t.Errorf("anonymous POST: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// Without the form token (a cross-site form) nothing changes.
	rep := e.client()
	rep.login("rep@example.com")
	res = rep.postRaw("/account/notifications", url.Values{"lead.handed_off": {"off"}}, map[string]string{"Origin": e.http.URL})
	wantStatus(t, res, http.StatusForbidden)
	if n := e.count(`SELECT count(*) FROM notification_prefs`); n != 0 {
		t.Errorf("%d prefs stored by refused requests", n)
	}
}

func TestMailUnsubscribeLink(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t, mailtest.Options{})
	e := newTestEnvOn(t, demo.New(t), smtp.Env())
	ctx := context.Background()
	repID, agentID := e.userID("rep@example.com"), e.userID("agent@example.com")
	link, err := e.srv.mail.Prefs().UnsubscribePath(ctx, repID, "lead.handed_off")
	if err != nil {
		t.Fatal(err)
	}

	// The page asks first: fetching the link changes nothing.
	c := e.client()
	page := c.get(link)
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, "Stop mailing", "rep@example.com", "Lead handed off")
	if got := e.pref("rep@example.com", "lead.handed_off"); got != "" {
		t.Fatalf("GET changed the pref to %q", got)
	}
	if strings.Contains(page.Body, "Mail is off") {
		t.Error("mail is on in this test")
	}
	// The button posts to the link, with no session and no form token.
	res := c.postRaw(link, url.Values{}, map[string]string{"Origin": e.http.URL})
	wantRedirect(t, res, link)
	if got := e.pref("rep@example.com", "lead.handed_off"); got != "in_app" {
		t.Errorf("after unsubscribing: %q, want in_app", got)
	}
	wantBody(t, c.get(link), "Done:")

	// RFC 8058 one-click, as a mail client posts it: no cookies, no Origin.
	daily, _ := e.srv.mail.Prefs().UnsubscribePath(ctx, repID, "lead.won")
	e.pool.Exec(ctx, `INSERT INTO notification_prefs (user_id, kind, delivery) VALUES ($1, 'lead.won', 'email_now')`, repID)
	res = e.client().postRaw(daily, url.Values{"List-Unsubscribe": {"One-Click"}}, nil)
	wantStatus(t, res, http.StatusOK)
	if got := e.pref("rep@example.com", "lead.won"); got != "in_app" {
		t.Errorf("one-click: %q, want in_app", got)
	}

	// Forged, cut or another user's: refused with the reason, nothing changed.
	u, _ := url.Parse(link)
	q := u.Query()
	forged := []url.Values{
		{"u": {q.Get("u")}, "k": {q.Get("k")}, "sig": {"AAAA" + q.Get("sig")[4:]}},
		{"u": {q.Get("u")}, "k": {q.Get("k")}, "sig": {q.Get("sig")[:10]}},
		{"u": {strconv.FormatInt(agentID, 10)}, "k": {q.Get("k")}, "sig": {q.Get("sig")}},
		{"u": {q.Get("u")}, "k": {"lead.assigned"}, "sig": {q.Get("sig")}},
		{"u": {"x"}, "k": {"nope"}},
	}
	for _, f := range forged {
		path := "/mail/unsubscribe?" + f.Encode()
		res := e.client().get(path)
		if res.StatusCode < 400 || res.StatusCode >= 500 || !strings.Contains(res.Body, "This unsubscribe link is not valid") {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
		res = e.client().postRaw(path, url.Values{"List-Unsubscribe": {"One-Click"}}, nil)
		if res.StatusCode < 400 || res.StatusCode >= 500 {
			t.Errorf("POST %s: %d", path, res.StatusCode)
		}
	}
	if n := e.count(`SELECT count(*) FROM notification_prefs WHERE user_id = $1`, agentID); n != 0 {
		t.Errorf("the agent's prefs changed through the rep's signature: %d rows", n)
	}
	if got := e.pref("rep@example.com", "lead.assigned"); got != "" {
		t.Errorf("lead.assigned changed through the handoff's signature: %q", got)
	}
}
