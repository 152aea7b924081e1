package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"tandem/internal/webhooks"
)

var webhookAccess = map[string]string{
	"GET /admin/webhooks":                            "admins",
	"GET /admin/webhooks/new":                        "admins",
	"POST /admin/webhooks":                           "admins",
	"GET /admin/webhooks/{id}":                       "admins",
	"POST /admin/webhooks/{id}":                      "admins",
	"GET /admin/webhooks/{id}/rotate":                "admins",
	"POST /admin/webhooks/{id}/rotate":               "admins",
	"GET /admin/webhooks/{id}/delete":                "admins",
	"POST /admin/webhooks/{id}/delete":               "admins",
	"POST /admin/webhooks/{id}/test":                 "admins",
	"POST /admin/webhooks/deliveries/{id}/redeliver": "admins",
}

func webhookValues(target string, kinds ...string) url.Values {
	if len(kinds) == 0 {
		kinds = []string{"lead.handed_off", "campaign.announced"}
	}
	return url.Values{"url": {target}, "description": {"CRM sync"}, "event_kinds": kinds, "enabled": {"true"}}
}

// newWebhook stores an endpoint posting to target.
func (e *testEnv) newWebhook(t *testing.T, target string) webhooks.Endpoint {
	t.Helper()
	ep, _, err := e.srv.webhooks.Create(context.Background(), e.userID("admin@example.com"),
		webhooks.Form{URL: target, EventKinds: []string{"campaign.announced"}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

// failedWebhookDelivery stores a given-up delivery of a new event to ep.
func (e *testEnv) failedWebhookDelivery(t *testing.T, ep webhooks.Endpoint, excerpt string) int64 {
	t.Helper()
	var id int64
	err := e.pool.QueryRow(context.Background(), `WITH ev AS (
			INSERT INTO events (kind, teams, data) VALUES ('campaign.announced', '{sales}',
				'{"id": 1, "name": "C", "launch_on": "2026-12-01", "end_on": "2026-12-02", "revision": 1,
				  "late_notice": false, "talking_points_excerpt": "", "url": "/campaigns/1", "acknowledge_url": "/campaigns/1#acknowledge"}')
			RETURNING id)
		INSERT INTO webhook_deliveries (endpoint_id, event_id, status, attempts, last_status_code, latency_ms, response_excerpt, error)
		SELECT $1, id, 'failed', 7, 500, 42, $2, '500 Internal Server Error' FROM ev RETURNING id`, ep.ID, excerpt).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func webhookPath(id int64, rest string) string {
	return "/admin/webhooks/" + strconv.FormatInt(id, 10) + rest
}

var webhookCreateHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
	c.get("/admin/webhooks/new")
	return happyPost{path: "/admin/webhooks", form: webhookValues("https://crm.example.com/hooks"),
		state: `SELECT count(*) FROM webhook_endpoints`}
}}

var webhookUpdateHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
	ep := e.newWebhook(t, "https://crm.example.com/hooks")
	form := webhookValues("https://crm.example.com/hooks/v2")
	form.Set("version", strconv.Itoa(ep.Version))
	return happyPost{path: webhookPath(ep.ID, ""), form: form,
		state: `SELECT url FROM webhook_endpoints WHERE id = $1`, args: []any{ep.ID}}
}}

var webhookRotateHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
	ep := e.newWebhook(t, "https://crm.example.com/hooks")
	return happyPost{path: webhookPath(ep.ID, "/rotate"), form: url.Values{"version": {strconv.Itoa(ep.Version)}, "confirm": {"yes"}},
		state: `SELECT secret FROM webhook_endpoints WHERE id = $1`, args: []any{ep.ID}}
}}

var webhookDeleteHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
	ep := e.newWebhook(t, "https://crm.example.com/hooks")
	return happyPost{path: webhookPath(ep.ID, "/delete"), form: url.Values{"version": {strconv.Itoa(ep.Version)}, "confirm": {"yes"}},
		state: `SELECT count(*) FROM webhook_endpoints`}
}}

var webhookTestHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
	ep := e.newWebhook(t, chatReceiver(t, http.StatusOK).URL+"/hook")
	return happyPost{path: webhookPath(ep.ID, "/test"),
		state: `SELECT test_result FROM webhook_endpoints WHERE id = $1`, args: []any{ep.ID}}
}}

var webhookRedeliverHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
	ep := e.newWebhook(t, "https://crm.example.com/hooks")
	e.failedWebhookDelivery(t, ep, "")
	id := e.count(`SELECT max(id) FROM webhook_deliveries`)
	return happyPost{path: "/admin/webhooks/deliveries/" + strconv.Itoa(id) + "/redeliver",
		state: `SELECT count(*) || '/' || (SELECT count(*) FROM river_job WHERE kind = 'delivery') FROM webhook_deliveries`}
}}

var secretRE = regexp.MustCompile(`value="(whsec_[A-Za-z0-9+/=]+)"`)

func TestWebhookPages(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("admin@example.com")

	res := c.get("/admin/webhooks")
	wantStatus(t, res, http.StatusOK)
	for _, want := range []string{"No webhook endpoints yet", `href="/admin/webhooks/new"`, `href="/admin/channels"`, `aria-current="page"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("list: no %q", want)
		}
	}
	res = c.get("/admin/webhooks/new")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, `value="lead.handed_off"`) || !strings.Contains(res.Body, "Lead handed off") ||
		strings.Contains(res.Body, `value="lead.handed_off" checked`) {
		t.Error("the new form does not offer every kind unchecked")
	}

	// A refused form comes back filled, with the message.
	bad := webhookValues("ftp://crm.example.com/hooks")
	res = c.post("/admin/webhooks", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "Enter a full URL starting with https://") || !strings.Contains(res.Body, `value="ftp://crm.example.com/hooks"`) ||
		!strings.Contains(res.Body, `value="campaign.announced" checked`) || !strings.Contains(res.Body, `value="CRM sync"`) {
		t.Errorf("refused form:\n%s", res.Body)
	}
	res = c.post("/admin/webhooks", url.Values{"url": {"https://crm.example.com/x"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "Choose at least one kind of event") {
		t.Error("no message for missing kinds")
	}

	// Created, the secret is shown once on the endpoint's page.
	receiver := chatReceiver(t, http.StatusOK)
	res = c.post("/admin/webhooks", webhookValues(receiver.URL+"/hooks"))
	wantStatus(t, res, http.StatusSeeOther)
	page := res.Header.Get("Location")
	res = c.get(page)
	wantStatus(t, res, http.StatusOK)
	m := secretRE.FindStringSubmatch(res.Body)
	if m == nil || !strings.Contains(res.Body, "Endpoint added") {
		t.Fatalf("no secret on the page after create:\n%s", res.Body)
	}
	if !strings.Contains(res.Body, "Nothing sent yet") {
		t.Error("no empty state for the deliveries")
	}
	res = c.get(page)
	if strings.Contains(res.Body, "whsec_") {
		t.Error("the secret is shown a second time")
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(page, "/admin/webhooks/"), 10, 64)
	ep, err := e.srv.webhooks.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	_ = e.pool.QueryRow(context.Background(), `SELECT secret FROM webhook_endpoints WHERE id = $1`, id).Scan(&stored)
	if stored != m[1] {
		t.Errorf("shown secret %q, stored %q", m[1], stored)
	}
	res = c.get("/admin/webhooks")
	if !strings.Contains(res.Body, receiver.URL+"/hooks") || strings.Contains(res.Body, "whsec_") || !strings.Contains(res.Body, "2 kinds") {
		t.Errorf("list:\n%s", res.Body)
	}

	// An edit on an old version is a 409 with the form as typed.
	edit := webhookValues(receiver.URL + "/hooks")
	edit.Set("description", "CRM, renamed")
	edit.Set("version", strconv.Itoa(ep.Version))
	wantStatus(t, c.post(page, edit), http.StatusSeeOther)
	edit.Set("description", "stale description")
	res = c.post(page, edit)
	wantStatus(t, res, http.StatusConflict)
	if !strings.Contains(res.Body, "Someone else changed this endpoint") || !strings.Contains(res.Body, `value="stale description"`) ||
		!strings.Contains(res.Body, `name="version" value="`+strconv.Itoa(ep.Version+1)+`"`) {
		t.Errorf("conflict page:\n%s", res.Body)
	}
	edit.Set("version", strconv.Itoa(ep.Version+1))
	wantStatus(t, c.post(page, edit), http.StatusSeeOther)

	// Send test event: the answer is shown.
	wantStatus(t, c.post(page+"/test", nil), http.StatusSeeOther)
	res = c.get(page)
	if !strings.Contains(res.Body, "Test event: Delivered (200") || !strings.Contains(res.Body, "Last test event") {
		t.Errorf("test result not shown:\n%s", res.Body)
	}

	// Rotation asks first, then shows the new secret once and the overlap.
	res = c.post(page+"/rotate", url.Values{"version": {strconv.Itoa(ep.Version + 2)}})
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, "Rotate the endpoint’s secret?") {
		t.Errorf("rotate confirm:\n%s", res.Body)
	}
	wantStatus(t, c.get(page+"/rotate"), http.StatusOK)
	res = c.post(page+"/rotate", url.Values{"version": {strconv.Itoa(ep.Version)}, "confirm": {"yes"}})
	wantStatus(t, res, http.StatusConflict)
	res = c.post(page+"/rotate", url.Values{"version": {strconv.Itoa(ep.Version + 2)}, "confirm": {"yes"}})
	wantRedirect(t, res, page)
	res = c.get(page)
	m2 := secretRE.FindStringSubmatch(res.Body)
	if m2 == nil || m2[1] == m[1] || !strings.Contains(res.Body, "The previous secret signs beside the current one until") {
		t.Errorf("after rotation:\n%s", res.Body)
	}

	// The delivery log: the response excerpt escaped, paged, with redeliver.
	first := e.failedWebhookDelivery(t, ep, `<script>alert("x")</script>`)
	for range 30 {
		e.failedWebhookDelivery(t, ep, "")
	}
	res = c.get(page)
	if strings.Contains(res.Body, `<script>alert`) || !strings.Contains(res.Body, "500 Internal Server Error") ||
		!strings.Contains(res.Body, "42 ms") || !strings.Contains(res.Body, "Campaign announced") {
		t.Errorf("deliveries:\n%s", res.Body)
	}
	older := regexp.MustCompile(`href="(/admin/webhooks/\d+\?before=\d+)#deliveries-h" rel="next"`).FindStringSubmatch(res.Body)
	if older == nil || strings.Contains(res.Body, `rel="prev"`) {
		t.Fatalf("no link to older deliveries:\n%s", res.Body)
	}
	res = c.get(older[1])
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`) || !strings.Contains(res.Body, `rel="prev"`) ||
		strings.Contains(res.Body, `rel="next"`) {
		t.Errorf("older page:\n%s", res.Body)
	}
	wantStatus(t, c.get(page+"?before=99999999999999999999999"), http.StatusOK)
	res = c.post("/admin/webhooks/deliveries/"+strconv.FormatInt(first, 10)+"/redeliver", nil)
	wantRedirect(t, res, page)
	if n := e.count(`SELECT count(*) FROM webhook_deliveries WHERE redelivery_of = $1`, first); n != 1 {
		t.Errorf("%d redeliveries", n)
	}
	wantStatus(t, c.post("/admin/webhooks/deliveries/99999999/redeliver", nil), http.StatusNotFound)

	// A delivery of a disabled endpoint cannot be redelivered: 409.
	off := webhookValues(receiver.URL + "/hooks")
	off.Del("enabled")
	off.Set("version", strconv.Itoa(ep.Version+3))
	wantStatus(t, c.post(page, off), http.StatusSeeOther)
	res = c.get(page)
	if !strings.Contains(res.Body, "Turned off by an admin.") {
		t.Error("no reason for the endpoint being off")
	}
	res = c.post("/admin/webhooks/deliveries/"+strconv.FormatInt(first, 10)+"/redeliver", nil)
	wantStatus(t, res, http.StatusConflict)

	// Delete asks first.
	res = c.post(page+"/delete", url.Values{"version": {strconv.Itoa(ep.Version + 4)}})
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, "Delete the webhook endpoint?") || e.count(`SELECT count(*) FROM webhook_endpoints`) != 1 {
		t.Error("delete without confirmation")
	}
	wantStatus(t, c.post(page+"/delete", url.Values{"version": {strconv.Itoa(ep.Version)}, "confirm": {"yes"}}), http.StatusConflict)
	wantRedirect(t, c.post(page+"/delete", url.Values{"version": {strconv.Itoa(ep.Version + 4)}, "confirm": {"yes"}}), "/admin/webhooks")
	wantStatus(t, c.get(page), http.StatusNotFound)
	wantStatus(t, c.get("/admin/webhooks/abc"), http.StatusNotFound)
}

func TestWebhookCreateTwiceLandsOnTheFirst(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("admin@example.com")
	res := c.get("/admin/webhooks/new")
	token := regexp.MustCompile(`name="form_token" value="([^"]+)"`).FindStringSubmatch(res.Body)
	if token == nil {
		t.Fatal("no form token")
	}
	form := webhookValues("https://crm.example.com/hooks")
	form.Set("form_token", token[1])
	first := c.post("/admin/webhooks", form)
	wantStatus(t, first, http.StatusSeeOther)
	again := c.post("/admin/webhooks", form)
	wantRedirect(t, again, first.Header.Get("Location"))
	if n := e.count(`SELECT count(*) FROM webhook_endpoints`); n != 1 {
		t.Errorf("%d endpoints", n)
	}
}

func TestWebhookPagesAreForAdminsOnly(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ep := e.newWebhook(t, "https://crm.example.com/hooks")
	c := e.client()
	c.login("sales.manager@example.com")
	wantStatus(t, c.get("/admin/webhooks"), http.StatusForbidden)
	wantStatus(t, c.get(webhookPath(ep.ID, "")), http.StatusForbidden)
	wantStatus(t, c.post("/admin/webhooks", webhookValues("https://crm.example.com/x")), http.StatusForbidden)
	wantStatus(t, c.post(webhookPath(ep.ID, "/rotate"), url.Values{"version": {"1"}, "confirm": {"yes"}}), http.StatusForbidden)
	if n := e.count(`SELECT count(*) FROM webhook_endpoints WHERE version = 1`); n != 1 {
		t.Errorf("%d untouched endpoints", n)
	}
}
