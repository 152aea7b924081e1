package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"tandem/internal/chatchannels"
	"tandem/internal/users"
)

var channelAccess = map[string]string{
	"GET /admin/channels":                            "admins",
	"GET /admin/channels/new":                        "admins",
	"POST /admin/channels":                           "admins",
	"GET /admin/channels/{id}":                       "admins",
	"POST /admin/channels/{id}":                      "admins",
	"GET /admin/channels/{id}/delete":                "admins",
	"POST /admin/channels/{id}/delete":               "admins",
	"POST /admin/channels/{id}/test":                 "admins",
	"POST /admin/channels/deliveries/{id}/redeliver": "admins",
}

// chatReceiver is a chat tool's webhook answering status.
func chatReceiver(t *testing.T, status int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func channelValues(name, webhook string, kinds ...string) url.Values {
	if len(kinds) == 0 {
		kinds = []string{"campaign.announced", "alert.posted"}
	}
	return url.Values{"team": {"sales"}, "kind": {"slack"}, "name": {name}, "webhook_url": {webhook},
		"event_kinds": kinds, "enabled": {"true"}}
}

// newChannel stores a sales channel posting to webhook.
func (e *testEnv) newChannel(t *testing.T, name, webhook string) chatchannels.Channel {
	t.Helper()
	f := chatchannels.DefaultForm(users.Sales)
	f.Name, f.WebhookURL = name, webhook
	c, err := e.srv.chat.Create(context.Background(), e.userID("admin@example.com"), f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// failedChatDelivery stores a given-up delivery of a new event to c.
func (e *testEnv) failedChatDelivery(t *testing.T, c chatchannels.Channel) int64 {
	t.Helper()
	var id int64
	err := e.pool.QueryRow(context.Background(), `WITH ev AS (
			INSERT INTO events (kind, teams, data) VALUES ('campaign.announced', '{sales}',
				'{"id": 1, "name": "C", "launch_on": "2026-12-01", "end_on": "2026-12-02", "revision": 1,
				  "late_notice": false, "talking_points_excerpt": "", "url": "/campaigns/1", "acknowledge_url": "/campaigns/1#acknowledge"}')
			RETURNING id)
		INSERT INTO chat_deliveries (channel_id, event_id, status, attempts, last_status_code, last_error)
		SELECT $1, id, 'failed', 6, 500, '500 Internal Server Error' FROM ev RETURNING id`, c.ID).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func channelPath(id int64, rest string) string {
	return "/admin/channels/" + strconv.FormatInt(id, 10) + rest
}

var channelCreateHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
	return happyPost{path: "/admin/channels", form: channelValues("#sales", "https://hooks.slack.com/services/T1/B1/xyz"),
		state: `SELECT count(*) FROM chat_channels`}
}}

var channelUpdateHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
	ch := e.newChannel(t, "#sales", "https://hooks.slack.com/services/T1/B1/xyz")
	form := channelValues("#sales-renamed", "")
	form.Set("version", strconv.Itoa(ch.Version))
	return happyPost{path: channelPath(ch.ID, ""), form: form,
		state: `SELECT name FROM chat_channels WHERE id = $1`, args: []any{ch.ID}}
}}

var channelDeleteHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
	ch := e.newChannel(t, "#sales", "https://hooks.slack.com/services/T1/B1/xyz")
	return happyPost{path: channelPath(ch.ID, "/delete"), form: url.Values{"version": {strconv.Itoa(ch.Version)}, "confirm": {"yes"}},
		state: `SELECT count(*) FROM chat_channels`}
}}

var channelTestHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
	ch := e.newChannel(t, "#sales", chatReceiver(t, http.StatusOK).URL+"/hook")
	return happyPost{path: channelPath(ch.ID, "/test"),
		state: `SELECT test_result FROM chat_channels WHERE id = $1`, args: []any{ch.ID}}
}}

var chatRedeliverHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
	ch := e.newChannel(t, "#sales", "https://hooks.slack.com/services/T1/B1/xyz")
	id := e.failedChatDelivery(t, ch)
	return happyPost{path: "/admin/channels/deliveries/" + strconv.FormatInt(id, 10) + "/redeliver",
		state: `SELECT status || attempts || (SELECT count(*) FROM river_job WHERE kind = 'delivery') FROM chat_deliveries WHERE id = $1`,
		args:  []any{id}}
}}

func TestChannelPages(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("admin@example.com")

	res := c.get("/admin/channels")
	wantStatus(t, res, http.StatusOK)
	for _, want := range []string{"Chat channels", "Sales has no chat channel yet", `href="/admin/channels/new?team=service"`, `href="/admin/channels"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("list: no %q", want)
		}
	}
	res = c.get("/admin/channels/new?team=service")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, `value="alert.posted" checked`) || strings.Contains(res.Body, `value="lead.assigned" checked`) {
		t.Error("a new service channel's form does not check the service kinds")
	}

	// A refused form comes back filled, with the message.
	bad := channelValues("#sales", "https://user:pw@hooks.slack.com/x")
	res = c.post("/admin/channels", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "Leave the user name and password out") || !strings.Contains(res.Body, `value="#sales"`) ||
		!strings.Contains(res.Body, `value="campaign.announced" checked`) {
		t.Errorf("refused form:\n%s", res.Body)
	}
	res = c.post("/admin/channels", channelValues("#sales", "hooks.slack.com/x"))
	wantStatus(t, res, http.StatusUnprocessableEntity)

	// Saved, the URL is shown masked only.
	secret := "/services/T1/B1/very-secret-token"
	res = c.post("/admin/channels", channelValues("#sales-news", "https://hooks.slack.com"+secret))
	wantStatus(t, res, http.StatusSeeOther)
	page := res.Header.Get("Location")
	res = c.get(page)
	wantStatus(t, res, http.StatusOK)
	if strings.Contains(res.Body, "very-secret") || !strings.Contains(res.Body, "https://hooks.slack.com/…oken") {
		t.Errorf("channel page shows the URL unmasked or not at all:\n%s", res.Body)
	}
	if !strings.Contains(res.Body, "Nothing posted yet") {
		t.Error("no empty state for the deliveries")
	}
	res = c.get("/admin/channels")
	if strings.Contains(res.Body, "very-secret") || !strings.Contains(res.Body, "#sales-news") {
		t.Error("list shows the secret or not the channel")
	}

	// An edit on an old version is a 409 with the form as typed.
	id, _ := strconv.ParseInt(strings.TrimPrefix(page, "/admin/channels/"), 10, 64)
	ch, err := e.srv.chat.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	edit := channelValues("#renamed", "")
	edit.Set("version", strconv.Itoa(ch.Version))
	wantStatus(t, c.post(page, edit), http.StatusSeeOther)
	edit.Set("name", "#stale-name")
	res = c.post(page, edit)
	wantStatus(t, res, http.StatusConflict)
	if !strings.Contains(res.Body, "Someone else changed this channel") || !strings.Contains(res.Body, `value="#stale-name"`) {
		t.Errorf("conflict page:\n%s", res.Body)
	}
	// Saving that form again (it now carries the current version) works.
	edit.Set("version", strconv.Itoa(ch.Version+1))
	wantStatus(t, c.post(page, edit), http.StatusSeeOther)

	// A test message to a receiver that refuses shows the answer.
	hook := chatReceiver(t, http.StatusForbidden)
	edit.Set("webhook_url", hook.URL+"/hook")
	edit.Set("version", strconv.Itoa(ch.Version+2))
	wantStatus(t, c.post(page, edit), http.StatusSeeOther)
	wantStatus(t, c.post(page+"/test", nil), http.StatusSeeOther)
	res = c.get(page)
	if !strings.Contains(res.Body, "403 Forbidden") {
		t.Errorf("test result not shown:\n%s", res.Body)
	}

	// A delivery of a disabled channel cannot be redelivered: 409.
	delivery := e.failedChatDelivery(t, ch)
	res = c.get(page)
	if !strings.Contains(res.Body, "Campaign announced") || !strings.Contains(res.Body, "500 Internal Server Error") {
		t.Errorf("deliveries not listed:\n%s", res.Body)
	}
	off := channelValues("#stale-name", "")
	off.Del("enabled")
	off.Set("version", strconv.Itoa(ch.Version+3))
	wantStatus(t, c.post(page, off), http.StatusSeeOther)
	res = c.post("/admin/channels/deliveries/"+strconv.FormatInt(delivery, 10)+"/redeliver", nil)
	wantStatus(t, res, http.StatusConflict)

	// Delete asks first.
	res = c.post(page+"/delete", url.Values{"version": {strconv.Itoa(ch.Version + 4)}})
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, "Delete the chat channel") || e.count(`SELECT count(*) FROM chat_channels`) != 1 {
		t.Error("delete without confirmation")
	}
	res = c.post(page+"/delete", url.Values{"version": {strconv.Itoa(ch.Version)}, "confirm": {"yes"}})
	wantStatus(t, res, http.StatusConflict)
	wantStatus(t, c.post(page+"/delete", url.Values{"version": {strconv.Itoa(ch.Version + 4)}, "confirm": {"yes"}}), http.StatusSeeOther)
	wantStatus(t, c.get(page), http.StatusNotFound)
}

func TestChannelPagesAreForAdminsOnly(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ch := e.newChannel(t, "#sales", "https://hooks.slack.com/services/T1/B1/xyz")
	c := e.client()
	c.login("sales.manager@example.com")
	wantStatus(t, c.get("/admin/channels"), http.StatusForbidden)
	wantStatus(t, c.get(channelPath(ch.ID, "")), http.StatusForbidden)
	wantStatus(t, c.post("/admin/channels", channelValues("#x", "https://hooks.slack.com/x")), http.StatusForbidden)
	wantStatus(t, c.post(channelPath(ch.ID, "/test"), nil), http.StatusForbidden)
	if n := e.count(`SELECT count(*) FROM chat_channels`); n != 1 {
		t.Errorf("%d channels", n)
	}
}
