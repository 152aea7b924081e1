package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/internal/mailtest"
	"tandem/internal/seed"
	"tandem/internal/testdb/demo"
	"tandem/internal/users"
)

// happyPost is one valid submission of a form and how to see that it
// worked: state is SQL returning one value that the submission must change.
type happyPost struct {
	path   string
	form   url.Values
	upload []byte // a CSV file sent as multipart instead of form
	state  string
	args   []any
	// observe replaces state for the one route whose effect is outside
	// the database (a test mail to oneself).
	observe func() string
	want    int // expected status; 0 means 303 See Other
}

// happyCase is the happy path of one state-changing route: who submits it
// (an email, "" for an anonymous visitor) and what they submit, prepared on
// a fresh copy of the demo company.
type happyCase struct {
	as      string
	smtp    bool // the server gets an in-process SMTP server
	prepare func(t *testing.T, e *testEnv, c *client) happyPost
}

// happyPaths has a case for every state-changing route. The authorization
// matrix proves who is refused; this proves that the allowed submission
// really changes the database, through HTTP, without a server error.
// TestEveryPostRouteHasAHappyPath keeps it complete.
var happyPaths = map[string]happyCase{
	// Accounts and administration.
	"POST /login": {as: "", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/login", form: url.Values{"email": {"rep@example.com"}, "password": {seed.DemoPassword}},
			state: `SELECT count(*) FROM sessions WHERE user_id = $1`, args: []any{e.userID("rep@example.com")}}
	}},
	"POST /logout": {as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/logout", state: `SELECT count(*) FROM sessions WHERE user_id = $1`,
			args: []any{e.userID("rep@example.com")}}
	}},
	"POST /set-password/{token}": {as: "", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.userID("agent@example.com")
		token, err := e.srv.users.IssuePasswordLink(context.Background(), users.Actor{}, id)
		if err != nil {
			t.Fatal(err)
		}
		c.get("/set-password/" + token)
		return happyPost{path: "/set-password/" + token, form: url.Values{"password": {"a fresh passphrase for tests"}},
			state: `SELECT password_hash FROM users WHERE id = $1`, args: []any{id}}
	}},
	"POST /account": {as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.userID("rep@example.com")
		return happyPost{path: "/account", form: url.Values{"name": {"Riley Renamed"}, "timezone": {"Asia/Tokyo"},
			"version": {strconv.Itoa(e.count(`SELECT version FROM users WHERE id = $1`, id))}},
			state: `SELECT name || timezone FROM users WHERE id = $1`, args: []any{id}}
	}},
	"POST /account/password": {as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/account/password", form: url.Values{"current": {seed.DemoPassword}, "new": {"a much better passphrase"}},
			state: `SELECT password_hash FROM users WHERE id = $1`, args: []any{e.userID("rep@example.com")}}
	}},
	"POST /account/notifications": {as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/account/notifications", form: url.Values{"lead.handed_off": {"off"}},
			state: `SELECT count(*) FROM notification_prefs WHERE user_id = $1 AND delivery = 'off'`, args: []any{e.userID("rep@example.com")}}
	}},
	// A first feed needs no confirmation; the team feed is for managers.
	"POST /account/calendar": {as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/account/calendar", state: `SELECT count(*) FROM calendar_feeds WHERE user_id = $1 AND scope = 'personal'`,
			args: []any{e.userID("rep@example.com")}}
	}},
	"POST /account/calendar/team": {as: "sales.manager@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/account/calendar/team", state: `SELECT count(*) FROM calendar_feeds WHERE user_id = $1 AND scope = 'team'`,
			args: []any{e.userID("sales.manager@example.com")}}
	}},
	"POST /account/digest": {as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/account/digest", form: url.Values{}, // unchecked box: opt out
			state: `SELECT digest_opt_out FROM users WHERE id = $1`, args: []any{e.userID("rep@example.com")}}
	}},
	"POST /admin/users": {as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		// 303 to the new user's page, which shows the one-time link once.
		return happyPost{path: "/admin/users", form: url.Values{"name": {"Nina New"}, "email": {"nina@example.com"},
			"team": {"service"}, "role": {"member"}}, state: `SELECT count(*) FROM users`}
	}},
	"POST /admin/users/{id}/access": {as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.userID("agent@example.com")
		return happyPost{path: userPath(id, "/access"), form: url.Values{"team": {"sales"}, "role": {"manager"},
			"version": {strconv.Itoa(e.count(`SELECT version FROM users WHERE id = $1`, id))}},
			state: `SELECT team || role FROM users WHERE id = $1`, args: []any{id}}
	}},
	"POST /admin/users/{id}/active": {as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.userID("agent@example.com")
		return happyPost{path: userPath(id, "/active"), form: url.Values{"active": {"false"}, "confirm": {"yes"},
			"version": {strconv.Itoa(e.count(`SELECT version FROM users WHERE id = $1`, id))}},
			state: `SELECT active FROM users WHERE id = $1`, args: []any{id}}
	}},
	"POST /admin/users/{id}/sessions/end": {as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		e.client().login("agent@example.com")
		id := e.userID("agent@example.com")
		return happyPost{path: userPath(id, "/sessions/end"), state: `SELECT count(*) FROM sessions WHERE user_id = $1`, args: []any{id}}
	}},
	"POST /admin/users/{id}/password-link": {as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.userID("agent@example.com")
		return happyPost{path: userPath(id, "/password-link"),
			state: `SELECT count(*) FROM password_tokens WHERE user_id = $1`, args: []any{id}}
	}},
	"POST /account/tokens": {as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/account/tokens", form: url.Values{"name": {"CI"}, "scopes": {"read", "write"}, "expires": {"30d"}},
			state: `SELECT count(*) FROM api_tokens`}
	}},
	"POST /account/tokens/{id}/revoke": {as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.apiToken("rep@example.com")
		return happyPost{path: "/account/tokens/" + strconv.FormatInt(id, 10) + "/revoke",
			state: `SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL`}
	}},
	"POST /admin/tokens": {as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/admin/tokens", form: url.Values{"name": {"Mautic"}, "team": {"marketing"}, "scopes": {"write"}, "expires": {"never"}},
			state: `SELECT count(*) FROM api_tokens WHERE kind = 'service'`}
	}},
	"POST /admin/tokens/{id}/revoke": {as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.apiToken("rep@example.com")
		return happyPost{path: "/admin/tokens/" + strconv.FormatInt(id, 10) + "/revoke",
			state: `SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL`}
	}},
	"POST /admin/settings": {as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		version, err := e.srv.settings.Version(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return happyPost{path: "/admin/settings", form: url.Values{"sla_hours": {"12"}, "notice_days": {"10"},
			"digest_weekday": {"2"}, "digest_time": {"09:30"}, "weight_conversion": {"3"}, "version": {version}},
			state: `SELECT string_agg(key || '=' || value, ',' ORDER BY key) FROM settings`}
	}},
	"POST /admin/jobs/{id}/retry":                      jobRetryHappyPath,
	"POST /admin/business-hours":                       calendarSaveHappyPath,
	"POST /admin/business-hours/holidays":              holidayAddHappyPath,
	"POST /admin/business-hours/holidays/{day}/delete": holidayDeleteHappyPath,
	"POST /admin/business-hours/steps":                 stepAddHappyPath,
	"POST /admin/business-hours/steps/{id}/delete":     stepDeleteHappyPath,
	"POST /admin/sso/policy":                           ssoPolicyHappyPath,
	"POST /admin/sso/rules":                            ssoRuleAddHappyPath,
	"POST /leads/routing":                              routingRuleAddHappyPath,
	"POST /leads/routing/capacity":                     routingCapacityHappyPath,
	"POST /leads/routing/{id}":                         routingRuleUpdateHappyPath,
	"POST /leads/routing/{id}/move":                    routingRuleMoveHappyPath,
	"POST /leads/routing/{id}/delete":                  routingRuleDeleteHappyPath,
	"POST /account/away":                               awayHappyPath,
	"POST /admin/sso/rules/{id}/move":                  ssoRuleMoveHappyPath,
	"POST /admin/sso/rules/{id}/delete":                ssoRuleDeleteHappyPath,
	"POST /admin/sso/scim-tokens":                      scimTokenCreateHappyPath,
	"POST /admin/sso/scim-tokens/{id}/revoke":          scimTokenRevokeHappyPath,
	"POST /admin/channels":                             channelCreateHappyPath,
	"POST /admin/channels/{id}":                        channelUpdateHappyPath,
	"POST /admin/channels/{id}/delete":                 channelDeleteHappyPath,
	"POST /admin/channels/{id}/test":                   channelTestHappyPath,
	"POST /admin/channels/deliveries/{id}/redeliver":   chatRedeliverHappyPath,
	"POST /admin/webhooks":                             webhookCreateHappyPath,
	"POST /admin/webhooks/{id}":                        webhookUpdateHappyPath,
	"POST /admin/webhooks/{id}/rotate":                 webhookRotateHappyPath,
	"POST /admin/webhooks/{id}/delete":                 webhookDeleteHappyPath,
	"POST /admin/webhooks/{id}/test":                   webhookTestHappyPath,
	"POST /admin/webhooks/deliveries/{id}/redeliver":   webhookRedeliverHappyPath,
	"POST /admin/themes": {as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/admin/themes", form: url.Values{"name": {"Sustainability"}, "description": {"Green claims"}},
			state: `SELECT count(*) FROM feedback_themes`}
	}},
	"POST /admin/themes/{id}": {as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.count(`SELECT min(id) FROM feedback_themes`)
		return happyPost{path: "/admin/themes/" + strconv.Itoa(id), form: url.Values{"name": {"Renamed theme"}, "active": {"true"},
			"version": {strconv.Itoa(e.count(`SELECT version FROM feedback_themes WHERE id = $1`, id))}},
			state: `SELECT name FROM feedback_themes WHERE id = $1`, args: []any{id}}
	}},
	"POST /notifications/{id}/open": {as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.count(`SELECT min(id) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, e.userID("rep@example.com"))
		if id == 0 {
			t.Fatal("the demo rep has no unread notification")
		}
		return happyPost{path: "/notifications/" + strconv.Itoa(id) + "/open",
			state: `SELECT read_at IS NULL FROM notifications WHERE id = $1`, args: []any{id}}
	}},
	"POST /notifications/{id}/read": {as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.count(`SELECT min(id) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, e.userID("rep@example.com"))
		if id == 0 {
			t.Fatal("the demo rep has no unread notification")
		}
		return happyPost{path: "/notifications/" + strconv.Itoa(id) + "/read",
			state: `SELECT read_at IS NULL FROM notifications WHERE id = $1`, args: []any{id}}
	}},
	"POST /notifications/read-all": {as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/notifications/read-all",
			state: `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, args: []any{e.userID("rep@example.com")}}
	}},

	// Leads.
	"POST /leads": {as: "marketer@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/leads", form: url.Values{"company": {"Happy Path GmbH"}, "contact_name": {"Hana Path"},
			"email": {"hana@happypath.example"}, "fit": {"strong"}, "score": {"70"}}, state: `SELECT count(*) FROM leads`}
	}},
	"POST /leads/intake":             intakeCreateHappyPath,
	"POST /leads/intake/{id}":        intakeUpdateHappyPath,
	"POST /leads/intake/{id}/rotate": intakeRotateHappyPath,
	"POST /leads/import": {as: "marketer@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		c.get("/leads/import")
		return happyPost{path: "/leads/import",
			upload: []byte("company,contact,email\nNew One,Nia,nia@one.example\n"), state: `SELECT count(*) FROM lead_imports`}
	}},
	"POST /leads/import/{id}": {as: "marketer@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		c.get("/leads/import")
		res := c.upload("/leads/import", "leads.csv", []byte("company,contact,email\nNew One,Nia,nia@one.example\n"))
		res = c.get(res.Header.Get("Location"))
		action := regexp.MustCompile(`action="(/leads/import/\d+)"`).FindStringSubmatch(res.Body)
		if action == nil {
			t.Fatalf("no import form in the preview:\n%s", res.Body)
		}
		return happyPost{path: action[1],
			form:  url.Values{"map_company": {"0"}, "map_contact_name": {"1"}, "map_email": {"2"}},
			state: `SELECT count(*) FROM leads`}
	}},
	"POST /leads/{id}/qualify": leadMoveHappyPath("qualify", "marketer@example.com", "new", nil),
	"POST /leads/{id}/hand-off": leadMoveHappyPath("hand-off", "marketer@example.com", "mql", func(e *testEnv) url.Values {
		return url.Values{"owner": {strconv.FormatInt(e.userID("rep@example.com"), 10)}, "note": {"Asked for a demo."}}
	}),
	"POST /leads/{id}/recycle": leadMoveHappyPath("recycle", "marketer@example.com", "rejected", nil),
	"POST /leads/{id}/accept": leadMoveHappyPath("accept", "sales.manager@example.com", "handed_off", func(*testEnv) url.Values {
		return url.Values{"rating": {"4"}, "note": {"Keen."}}
	}),
	"POST /leads/{id}/reject": leadMoveHappyPath("reject", "sales.manager@example.com", "handed_off", func(*testEnv) url.Values {
		return url.Values{"reason": {"other"}, "rating": {"2"}, "note": {"A student project."}}
	}),
	"POST /leads/{id}/convert": leadMoveHappyPath("convert", "sales.manager@example.com", "accepted", nil),
	"POST /leads/{id}/win": leadMoveHappyPath("win", "sales.manager@example.com", "opportunity", func(*testEnv) url.Values {
		return url.Values{"value": {"12500.50"}}
	}),
	"POST /leads/{id}/lose": leadMoveHappyPath("lose", "sales.manager@example.com", "accepted", func(*testEnv) url.Values {
		return url.Values{"lost": {"Went silent after the demo."}}
	}),
	"POST /leads/{id}/touch": {as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.count(`SELECT min(id) FROM leads WHERE stage = 'handed_off' AND owner_id = $1`, e.userID("rep@example.com"))
		return happyPost{path: leadPath(id, "/touch"), form: url.Values{"kind": {"call"}, "note": {"Left a voicemail."}},
			state: `SELECT count(*) FROM lead_events WHERE lead_id = $1 AND kind = 'touch'`, args: []any{id}}
	}},
	"POST /leads/{id}/assign": {as: "sales.manager@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.count(`SELECT min(id) FROM leads WHERE stage = 'handed_off'`)
		return happyPost{path: leadPath(id, "/assign"), form: url.Values{"owner": {strconv.FormatInt(e.userID("rep@example.com"), 10)},
			"version": {strconv.Itoa(e.count(`SELECT version FROM leads WHERE id = $1`, id))}},
			state: `SELECT concat(owner_id, '/', version) FROM leads WHERE id = $1`, args: []any{id}}
	}},
	"POST /leads/{id}/edit": {as: "marketer@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.count(`SELECT min(id) FROM leads`)
		campaign := e.count(`SELECT max(id) FROM campaigns`)
		c.get(leadPath(id, "/edit"))
		return happyPost{path: leadPath(id, "/edit"), form: url.Values{"company": {"Edited Path GmbH"}, "contact_name": {"Eda Path"},
			"email": {"eda@editedpath.example"}, "source_campaign": {strconv.Itoa(campaign)}, "fit": {"medium"}, "score": {"55"},
			"version": {strconv.Itoa(e.count(`SELECT version FROM leads WHERE id = $1`, id))}},
			state: `SELECT concat(email, '/', source_campaign_id, '/', version) FROM leads WHERE id = $1`, args: []any{id}}
	}},
	"POST /leads/{id}/comments": {as: "agent@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.count(`SELECT min(id) FROM leads`)
		return happyPost{path: leadPath(id, "/comments"), form: url.Values{"comment": {"The customer called service too."}},
			state: `SELECT count(*) FROM lead_events WHERE lead_id = $1 AND kind = 'comment'`, args: []any{id}}
	}},

	// Campaigns and alerts.
	"POST /campaigns": {as: "marketer@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/campaigns", form: happyCampaignForm(e, "Happy path launch"), state: `SELECT count(*) FROM campaigns`}
	}},
	"POST /campaigns/{id}": {as: "marketer@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := c.newCampaign(t, "Happy path draft", "- First point", time.Now().AddDate(0, 0, 30))
		form := happyCampaignForm(e, "Happy path draft, renamed")
		form.Set("version", c.version(t, id))
		return happyPost{path: campaignPath(id), form: form, state: `SELECT name FROM campaigns WHERE id = $1`, args: []any{id}}
	}},
	"POST /campaigns/{id}/announce": {as: "marketer@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := c.newCampaign(t, "Happy path announce", "- First point", time.Now().AddDate(0, 0, 30))
		return happyPost{path: campaignPath(id) + "/announce", form: url.Values{"version": {c.version(t, id)}, "confirm": {"yes"}},
			state: `SELECT status FROM campaigns WHERE id = $1`, args: []any{id}}
	}},
	"POST /campaigns/{id}/ack": {as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := announcedCampaign(t, e)
		return happyPost{path: campaignPath(id) + "/ack",
			state: `SELECT count(*) FROM acknowledgements WHERE campaign_id = $1`, args: []any{id}}
	}},
	"POST /campaigns/{id}/comments": {as: "agent@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.count(`SELECT min(id) FROM campaigns WHERE status = 'announced'`)
		return happyPost{path: campaignPath(int64(id)) + "/comments", form: url.Values{"body": {"Does the offer include service?"}},
			state: `SELECT count(*) FROM campaign_comments WHERE campaign_id = $1`, args: []any{id}}
	}},
	"POST /alerts": {as: "agent@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		c.get("/alerts/new")
		return happyPost{path: "/alerts", form: alertForm("Recall of batch 77"), state: `SELECT count(*) FROM product_alerts`}
	}},
	"POST /alerts/{id}/ack": {as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		poster := e.client()
		poster.login("service.manager@example.com")
		poster.get("/alerts/new")
		res := poster.post("/alerts", alertForm("Firmware 2.1 bricks sensors"))
		wantStatus(t, res, http.StatusSeeOther)
		id, _ := strconv.Atoi(strings.TrimPrefix(res.Header.Get("Location"), "/alerts/"))
		return happyPost{path: "/alerts/" + strconv.Itoa(id) + "/ack",
			state: `SELECT count(*) FROM alert_acks WHERE alert_id = $1`, args: []any{id}}
	}},

	// Feedback.
	"POST /feedback": {as: "agent@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		c.get("/feedback/new")
		return happyPost{path: "/feedback", form: feedbackForm(e), state: `SELECT count(*) FROM feedback_items`}
	}},
	"POST /feedback/{id}/heard": {as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.count(`SELECT min(f.id) FROM feedback_items f WHERE f.merged_into IS NULL AND f.reporter_id <> $1
			AND NOT EXISTS (SELECT 1 FROM feedback_heard h WHERE h.item_id = f.id AND h.user_id = $1)`, e.userID("rep@example.com"))
		return happyPost{path: feedbackPath(id, "/heard"), form: url.Values{"customer": {"Okapi Freight"}, "note": {"Same here."}},
			state: `SELECT count(*) FROM feedback_heard WHERE item_id = $1`, args: []any{id}}
	}},
	"POST /feedback/{id}/status": {as: "marketer@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.count(`SELECT min(id) FROM feedback_items WHERE status = 'new' AND merged_into IS NULL`)
		return happyPost{path: feedbackPath(id, "/status"), form: url.Values{"status": {"acknowledged"},
			"response": {"Thanks, we are looking into it."}, "version": {feedbackVersion(e, id)}},
			state: `SELECT status FROM feedback_items WHERE id = $1`, args: []any{id}}
	}},
	"POST /feedback/{id}/owner": {as: "marketer@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		me := e.userID("marketer@example.com")
		id := e.count(`SELECT min(id) FROM feedback_items WHERE merged_into IS NULL AND owner_id IS DISTINCT FROM $1`, me)
		return happyPost{path: feedbackPath(id, "/owner"), form: url.Values{"owner": {strconv.FormatInt(me, 10)},
			"version": {feedbackVersion(e, id)}}, state: `SELECT coalesce(owner_id, 0) FROM feedback_items WHERE id = $1`, args: []any{id}}
	}},
	"POST /feedback/{id}/rating": {as: "agent@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.count(`SELECT min(id) FROM feedback_items WHERE reporter_id = $1 AND response <> '' AND rating IS NULL
			AND merged_into IS NULL`, e.userID("agent@example.com"))
		if id == 0 {
			t.Fatal("the demo agent has no answered, unrated item")
		}
		return happyPost{path: feedbackPath(id, "/rating"), form: url.Values{"rating": {"4"}},
			state: `SELECT coalesce(rating, 0) FROM feedback_items WHERE id = $1`, args: []any{id}}
	}},
	"POST /feedback/{id}/merge": {as: "marketer@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		ids := e.twoFeedbackItems(t)
		return happyPost{path: feedbackPath(ids[1], "/merge"), form: url.Values{"into": {strconv.Itoa(ids[0])}, "confirm": {"yes"},
			"version": {feedbackVersion(e, ids[1])}},
			state: `SELECT coalesce(merged_into, 0) FROM feedback_items WHERE id = $1`, args: []any{ids[1]}}
	}},

	// KPIs and digests.
	"POST /kpis/targets": {as: "sales.manager@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/kpis/targets", form: url.Values{"kpi": {"conversion"}, "kind": {"month"}, "value": {"25"},
			"effective_from": {"2020-01-01"}}, state: `SELECT count(*) FROM kpi_targets`}
	}},
	"POST /digests/{week}/note": {as: "sales.manager@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		_, upcoming := weeks()
		return happyPost{path: "/digests/" + upcoming + "/note", form: url.Values{"version": {"0"}, "note": {"Great week, team."}},
			state: `SELECT count(*) FROM digests WHERE note <> ''`}
	}},
	"POST /digests/{week}/send": {as: "sales.manager@example.com", smtp: true, prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		archived, _ := weeks()
		return happyPost{path: "/digests/" + archived + "/send", state: `SELECT count(*) FROM digest_sends WHERE status = 'sent'`}
	}},
	"POST /digests/{week}/test": {as: "sales.manager@example.com", smtp: true, prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		// A test mail is deliberately not recorded as a send: its effect is
		// the manager's mailbox.
		_, upcoming := weeks()
		return happyPost{path: "/digests/" + upcoming + "/test", observe: func() string {
			return strconv.Itoa(len(e.mail.To("sales.manager@example.com")))
		}}
	}},
	"POST /digests/{week}/retry": {as: "admin@example.com", smtp: true, prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		archived, _ := weeks()
		wantRedirect(t, c.post("/digests/"+archived+"/send", nil), "/digests/"+archived)
		return happyPost{path: "/digests/" + archived + "/retry",
			state: `SELECT count(*) FROM digest_sends WHERE status = 'pending' AND attempts = 0`}
	}},
	"POST /digests/unsubscribe": {as: "", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.userID("service.manager@example.com")
		link, err := e.srv.digests.UnsubscribeURL(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(link)
		c.get(u.RequestURI())
		return happyPost{path: "/digests/unsubscribe",
			form:  url.Values{"u": {u.Query().Get("u")}, "sig": {u.Query().Get("sig")}},
			state: `SELECT digest_opt_out FROM users WHERE id = $1`, args: []any{id}}
	}},
}

func userPath(id int64, rest string) string {
	return "/admin/users/" + strconv.FormatInt(id, 10) + rest
}
func leadPath(id int, rest string) string     { return "/leads/" + strconv.Itoa(id) + rest }
func feedbackPath(id int, rest string) string { return "/feedback/" + strconv.Itoa(id) + rest }

func feedbackVersion(e *testEnv, id int) string {
	return strconv.Itoa(e.count(`SELECT version FROM feedback_items WHERE id = $1`, id))
}

// twoFeedbackItems returns two live items, the second to merge into the first.
func (e *testEnv) twoFeedbackItems(t *testing.T) [2]int {
	t.Helper()
	var ids [2]int
	err := e.pool.QueryRow(context.Background(), `SELECT min(id), max(id) FROM
		(SELECT id FROM feedback_items WHERE merged_into IS NULL ORDER BY id LIMIT 2) x`).Scan(&ids[0], &ids[1])
	if err != nil || ids[0] == ids[1] {
		t.Fatalf("two feedback items: %v %v", ids, err)
	}
	return ids
}

func happyCampaignForm(e *testEnv, name string) url.Values {
	launch := time.Now().AddDate(0, 0, 40)
	return url.Values{"name": {name}, "channel": {"webinar"}, "audience": {"Fleet managers"}, "offer": {"Free trial"},
		"talking_points": {"- Saves fuel"}, "launch_on": {launch.Format("2006-01-02")},
		"end_on": {launch.AddDate(0, 0, 14).Format("2006-01-02")}, "expected_leads": {"40"}, "budget": {"2500"},
		"owner_id": {strconv.FormatInt(e.userID("marketer@example.com"), 10)}}
}

func alertForm(headline string) url.Values {
	return url.Values{"headline": {headline}, "product": {"Sensor S9"}, "severity": {"critical"},
		"what_happened": {"Faulty."}, "guidance": {"Stop selling it."},
		"until_on": {time.Now().AddDate(0, 0, 10).Format("2006-01-02")}}
}

// announcedCampaign has a marketer announce a fresh campaign, so the
// acknowledging user has not acknowledged it yet.
func announcedCampaign(t *testing.T, e *testEnv) int64 {
	t.Helper()
	m := e.client()
	m.login("marketer@example.com")
	id := m.newCampaign(t, "Happy path notice", "- First point", time.Now().AddDate(0, 0, 30))
	wantRedirect(t, m.post(campaignPath(id)+"/announce", url.Values{"confirm": {"yes"}, "version": {m.version(t, id)}}), campaignPath(id))
	return id
}

func (e *testEnv) state(sql string, args ...any) string {
	e.t.Helper()
	var v any
	if err := e.pool.QueryRow(context.Background(), `SELECT (`+sql+`)::text`, args...).Scan(&v); err != nil {
		e.t.Fatalf("state %q: %v", sql, err)
	}
	if v == nil {
		return "<null>"
	}
	return v.(string)
}

func TestEveryPostRouteHasAHappyPath(t *testing.T) {
	t.Parallel()
	e := newTestEnvOn(t, nil, nil)
	routes := map[string]bool{}
	for _, key := range appRoutes(t, e.srv) {
		if !strings.HasPrefix(key, "GET ") {
			routes[key] = true
			if _, ok := happyPaths[key]; !ok {
				t.Errorf("%s has no happy-path case in happyPaths", key)
			}
		}
	}
	for key := range happyPaths {
		if !routes[key] {
			t.Errorf("happyPaths has %s, which is not a state-changing route", key)
		}
	}
	if len(routes) == 0 {
		t.Fatal("no state-changing routes found")
	}
}

// start gives the case its own copy of the demo company (with an SMTP
// server when it needs one, refusing agent@example.com so a retry has a
// failure to retry) and a client signed in as the case's person.
func (hc happyCase) start(t *testing.T) (*testEnv, *client) {
	t.Helper()
	var env map[string]string
	var smtp *mailtest.Server
	if hc.smtp {
		smtp = mailtest.Start(t, mailtest.Options{Reject: func(rcpt string) error {
			if rcpt == "agent@example.com" {
				return errors.New("mailbox unavailable")
			}
			return nil
		}})
		env = smtp.Env()
	}
	e := newTestEnvOn(t, demo.New(t), env)
	e.mail = smtp
	c := e.client()
	if hc.as != "" {
		c.login(hc.as)
	} else {
		c.get("/login") // the anti-forgery cookie and token
	}
	return e, c
}

// TestHappyPaths submits every state-changing form once as a person allowed
// to, each on its own copy of the demo company, and checks the answer and
// the database.
func TestHappyPaths(t *testing.T) {
	t.Parallel()
	for key, hc := range happyPaths {
		t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
			t.Parallel()
			e, c := hc.start(t)
			p := hc.prepare(t, e, c)
			observe := p.observe
			if observe == nil {
				observe = func() string { return e.state(p.state, p.args...) }
			}
			before := observe()
			var res response
			if p.upload != nil {
				res = c.upload(p.path, "leads.csv", p.upload)
			} else {
				res = c.post(p.path, p.form)
			}
			want := p.want
			if want == 0 {
				want = http.StatusSeeOther
			}
			if res.StatusCode != want {
				t.Fatalf("%s: status %d, want %d\n%s", key, res.StatusCode, want, res.Body)
			}
			if after := observe(); after == before {
				t.Errorf("%s changed nothing: %s stayed %q", key, p.state, before)
			}
			if want == http.StatusSeeOther {
				checkResultPage(t, e, c, key, res.Header.Get("Location"))
			}
		})
	}
}

// checkResultPage follows a successful post's redirect: the page answers,
// shows the flash the post left (when it left one), and shows it once.
func checkResultPage(t *testing.T, e *testEnv, c *client, key, to string) {
	t.Helper()
	waiting := e.count(`SELECT count(*) FROM flashes`)
	next := c.get(to)
	if next.StatusCode >= 400 {
		t.Errorf("%s redirected to %s, which answered %d", key, to, next.StatusCode)
		return
	}
	if next.StatusCode != http.StatusOK { // the sign-in redirect of /logout, say
		return
	}
	shown := strings.Contains(next.Body, `class="flash `) || strings.Contains(next.Body, `One-time set-password link`)
	if waiting > 0 && !shown {
		t.Errorf("%s: %s does not show the flash the post left", key, to)
	}
	if again := c.get(to); again.StatusCode == http.StatusOK && waiting > 0 && strings.Contains(again.Body, `role="status">`+flashText(next.Body)) {
		t.Errorf("%s: %s shows the same flash a second time", key, to)
	}
}

// flashText is the text of the page's flash message, "" without one.
func flashText(body string) string {
	m := regexp.MustCompile(`class="flash flash-\w+" role="status">([^<]+)`).FindStringSubmatch(body)
	if m == nil {
		return "\x00none"
	}
	return m[1]
}

// leadMoveHappyPath posts the lead action's form (fields, plus the
// version) for the first lead in stage from, as the given user.
func leadMoveHappyPath(action, as, from string, fields func(e *testEnv) url.Values) happyCase {
	return happyCase{as: as, prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.count(`SELECT min(id) FROM leads WHERE stage = $1`, from)
		if id == 0 {
			t.Fatalf("no %s lead in the seed", from)
		}
		form := url.Values{}
		if fields != nil {
			form = fields(e)
		}
		form.Set("version", strconv.Itoa(e.count(`SELECT version FROM leads WHERE id = $1`, id)))
		return happyPost{path: leadPath(id, "/"+action), form: form,
			state: `SELECT stage FROM leads WHERE id = $1`, args: []any{id}}
	}}
}
