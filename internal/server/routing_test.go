package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/internal/routing"
	"tandem/internal/users"
)

// addRoutingRules stores round-robin rules over the rep, in order.
func (e *testEnv) addRoutingRules(t *testing.T, names ...string) []int64 {
	t.Helper()
	var ids []int64
	for _, n := range names {
		r, err := e.srv.routing.Create(context.Background(), users.Actor{}, routing.RuleInput{Name: n, Method: "round_robin",
			Reps: []string{e.idOf("rep@example.com")}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

const routingState = `SELECT coalesce(string_agg(name || ':' || method || ':' || version, ',' ORDER BY position), '') FROM routing_rules`

func rulePath(id int64, action string) string {
	return "/leads/routing/" + strconv.FormatInt(id, 10) + action
}

var (
	routingRuleAddHappyPath = happyCase{as: "sales.manager@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/leads/routing", form: url.Values{"name": {"DACH"}, "countries": {"DACH"}, "method": {"round_robin"},
			"reps": {e.idOf("rep@example.com"), e.idOf("jordan.blake@example.com")}}, state: routingState}
	}}
	routingRuleUpdateHappyPath = happyCase{as: "sales.manager@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		id := e.addRoutingRules(t, "first")[0]
		return happyPost{path: rulePath(id, ""), form: url.Values{"version": {"1"}, "name": {"Renamed"}, "method": {"queue"}}, state: routingState}
	}}
	routingRuleMoveHappyPath = happyCase{as: "sales.manager@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		ids := e.addRoutingRules(t, "first", "second")
		return happyPost{path: rulePath(ids[1], "/move"), form: url.Values{"direction": {"up"}}, state: routingState}
	}}
	routingRuleDeleteHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		ids := e.addRoutingRules(t, "first", "second")
		return happyPost{path: rulePath(ids[0], "/delete"), state: routingState}
	}}
	routingCapacityHappyPath = happyCase{as: "sales.manager@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/leads/routing/capacity", form: url.Values{"cap_" + e.idOf("rep@example.com"): {"5"}},
			state: `SELECT coalesce(string_agg(user_id || ':' || max_open, ','), '') FROM rep_capacity`}
	}}
	awayHappyPath = happyCase{as: "rep@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		today := time.Now().UTC()
		return happyPost{path: "/account/away", form: url.Values{"away_from": {today.Format(time.DateOnly)},
			"away_to": {today.AddDate(0, 0, 7).Format(time.DateOnly)}},
			state: `SELECT count(*) FROM away_periods WHERE user_id = $1`, args: []any{e.userID("rep@example.com")}}
	}}
)

// A sales manager sets up routing on the page (a refused rule keeps what
// was typed), a marketer hands off to the rules, and the rule's rep owns
// the lead, is told, and the timeline says which rule chose them.
func TestRoutingThroughThePages(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	// Start from no rules, not the demo's.
	if _, err := e.pool.Exec(context.Background(), `DELETE FROM routing_rules`); err != nil {
		t.Fatal(err)
	}
	manager := e.client()
	manager.login("sales.manager@example.com")
	page := manager.get("/leads/routing")
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, "No rules yet.", "Riley Chen", "Save caps")

	rep, jordan := e.idOf("rep@example.com"), e.idOf("jordan.blake@example.com")
	bad := manager.post("/leads/routing", url.Values{"name": {"<b>Germany</b>"}, "countries": {"DE, Germany"}, "method": {"weighted"},
		"reps": {rep}, "weight_" + rep: {"0"}, "score_min": {"80"}, "score_max": {"20"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	wantBody(t, bad, "“GERMANY” is neither a two-letter country code", "A weight is a whole number from 1 to 10.",
		"The highest score must be at least the lowest.")
	wantMarkup(t, bad, `value="DE, Germany"`, `value="80"`, `value="20"`)
	if strings.Contains(bad.Body, "<b>Germany</b>") || !strings.Contains(bad.Body, `value="&lt;b&gt;Germany&lt;/b&gt;"`) {
		t.Error("the typed name is not kept, escaped")
	}
	if n := e.count(`SELECT count(*) FROM routing_rules`); n != 0 {
		t.Fatalf("a refused rule was stored: %d", n)
	}

	manager.get("/leads/routing")
	res := manager.post("/leads/routing", url.Values{"name": {"Germany"}, "countries": {"de"}, "method": {"round_robin"}, "reps": {rep, jordan}})
	wantRedirect(t, res, "/leads/routing")
	page = manager.get("/leads/routing")
	wantBody(t, page, "Rule “Germany” added as #1.", "country DE", "Round-robin", "Jordan Blake (0), Riley Chen (0)")

	marketer := e.client()
	marketer.login("marketer@example.com")
	var owners []string
	for i := range 2 {
		id := newLeadVia(t, marketer, url.Values{"company": {"Route " + strconv.Itoa(i)}, "contact_name": {"Uma"},
			"email": {"uma" + strconv.Itoa(i) + "@route.example"}, "country": {"DE"}})
		path := "/leads/" + id
		marketer.get(path)
		wantRedirect(t, marketer.post(path+"/qualify", url.Values{"version": {e.leadVersion(id)}}), path)
		wantBody(t, marketer.get(path), "The routing rules choose")
		wantRedirect(t, marketer.post(path+"/hand-off", url.Values{"owner": {"rules"}, "note": {"asked for a demo"},
			"version": {e.leadVersion(id)}}), path)
		owners = append(owners, strconv.Itoa(e.count(`SELECT owner_id FROM leads WHERE id = $1`, id)))
		wantBody(t, marketer.get("/leads/"+id), "handed it to the routing rules", "by rule “Germany” (round-robin).")
	}
	if owners[0] == owners[1] || (owners[0] != rep && owners[0] != jordan) || (owners[1] != rep && owners[1] != jordan) {
		t.Errorf("owners %v, want one lead each for %s and %s", owners, rep, jordan)
	}
	riley := e.client()
	riley.login("rep@example.com")
	wantBody(t, riley.get("/notifications"), "handed Route ", "to you (routing rule “Germany”)")

	// A stale edit is refused with the rule as it is now.
	var ruleID int64
	if err := e.pool.QueryRow(context.Background(), `SELECT id FROM routing_rules`).Scan(&ruleID); err != nil {
		t.Fatal(err)
	}
	edit := manager.get(rulePath(ruleID, ""))
	wantBody(t, edit, "Save rule")
	wantMarkup(t, edit, `value="DE"`)
	wantRedirect(t, manager.post(rulePath(ruleID, ""), url.Values{"version": {"1"}, "name": {"Germany"}, "countries": {"DE"},
		"method": {"weighted"}, "reps": {rep, jordan}, "weight_" + rep: {"2"}, "weight_" + jordan: {"1"}}), "/leads/routing")
	wantBody(t, manager.get("/leads/routing"), "Jordan Blake ×1 (1), Riley Chen ×2 (1)")
	stale := manager.post(rulePath(ruleID, ""), url.Values{"version": {"1"}, "name": {"Overwritten"}, "method": {"queue"}})
	wantStatus(t, stale, http.StatusConflict)
	wantBody(t, stale, "Someone changed this rule since you opened it.")
	if got := e.state(routingState); got != "Germany:weighted:2" {
		t.Errorf("rules %s after a stale edit", got)
	}

	// Caps: a bad value comes back typed, with the message.
	capField := "cap_" + rep
	badCap := manager.post("/leads/routing/capacity", url.Values{capField: {"lots"}})
	wantStatus(t, badCap, http.StatusUnprocessableEntity)
	wantBody(t, badCap, "A cap is a whole number from 1 to 1000, or blank for none.")
	wantMarkup(t, badCap, `value="lots"`)
	wantRedirect(t, manager.post("/leads/routing/capacity", url.Values{capField: {"3"}}), "/leads/routing")
	if got := e.state(`SELECT max_open FROM rep_capacity WHERE user_id = $1`, e.userID("rep@example.com")); got != "3" {
		t.Errorf("cap %s", got)
	}

	// Everyone else is refused the page.
	wantStatus(t, marketer.get("/leads/routing"), http.StatusForbidden)
	wantStatus(t, riley.post("/leads/routing/capacity", url.Values{capField: {"100"}}), http.StatusForbidden)
}

// A rep marks themselves away on /account; routing skips them then, and
// the routing page shows it.
func TestOutOfOfficeOnTheAccountPage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	riley := e.client()
	riley.login("rep@example.com")
	wantBody(t, riley.get("/account"), "Out of office", "First day away")

	bad := riley.post("/account/away", url.Values{"away_from": {"2026-13-01"}, "away_to": {"2020-01-01"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	wantBody(t, bad, "Enter the first day you are away, like 2026-12-24.")
	wantMarkup(t, bad, `value="2026-13-01"`, `value="2020-01-01"`)
	back := riley.post("/account/away", url.Values{"away_from": {"2020-01-01"}, "away_to": {"2020-01-02"}})
	wantStatus(t, back, http.StatusUnprocessableEntity)
	wantBody(t, back, "That period is over already")

	today := time.Now().UTC()
	from, to := today.AddDate(0, 0, -1).Format(time.DateOnly), today.AddDate(0, 0, 3).Format(time.DateOnly)
	wantRedirect(t, riley.post("/account/away", url.Values{"away_from": {from}, "away_to": {to}}), "/account")
	away := riley.get("/account")
	wantBody(t, away, "You are away today.")
	wantMarkup(t, away, `value="`+from+`"`)

	manager := e.client()
	manager.login("sales.manager@example.com")
	wantBody(t, manager.get("/leads/routing"), "Away now")

	e.addRoutingRules(t, "Only Riley")
	marketer := e.client()
	marketer.login("marketer@example.com")
	id := newLeadVia(t, marketer, url.Values{"company": {"Away Co"}, "contact_name": {"Uma"}, "email": {"uma@away.example"}})
	handOffVia(t, e, marketer, id, "rules")
	if n := e.count(`SELECT count(*) FROM leads WHERE id = $1 AND owner_id IS NULL`, id); n != 1 {
		t.Error("the away rep got the lead")
	}
	wantBody(t, manager.get("/notifications"), "Away Co waits for a rep: Rule “Only Riley” (round-robin) found nobody free: Riley Chen away.")

	wantRedirect(t, riley.post("/account/away", url.Values{"clear": {"1"}, "away_from": {from}, "away_to": {to}}), "/account")
	if n := e.count(`SELECT count(*) FROM away_periods WHERE user_id = $1`, e.userID("rep@example.com")); n != 0 {
		t.Errorf("%d away periods after clearing", n)
	}
}

// wantMarkup fails unless the page's HTML contains every fragment as is.
func wantMarkup(t *testing.T, res response, fragments ...string) {
	t.Helper()
	for _, s := range fragments {
		if !strings.Contains(res.Body, s) {
			t.Errorf("%s %s: the page lacks %s", res.Request.Method, res.Request.URL.Path, s)
		}
	}
}
