package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"tandem/internal/scim"
)

// expectedAccess is the policy as the tests pin it, independently of the
// table in routes.go: a route added to the router without a line here
// fails TestEveryRouteIsInThePolicy. Each area keeps its part in its own
// test file.
var expectedAccess = merge(kpiAccess, accountAccess, leadAccess, campaignAccess, feedbackAccess, digestAccess, intakeAccess, channelAccess, webhookAccess, jobsAccess, calendarAccess, ssoAccess, businessHoursAccess)

var accountAccess = map[string]string{
	"GET /login":                           "anyone",
	"POST /login":                          "anyone",
	"GET /logout":                          "anyone",
	"POST /logout":                         "anyone",
	"GET /set-password/{token}":            "anyone",
	"POST /set-password/{token}":           "anyone",
	"GET /account":                         "signed in",
	"POST /account":                        "signed in",
	"POST /account/password":               "signed in",
	"POST /account/away":                   "signed in",
	"GET /account/tokens":                  "signed in",
	"GET /api/docs":                        "anyone",
	"POST /account/tokens":                 "signed in",
	"POST /account/tokens/{id}/revoke":     "signed in",
	"GET /admin/tokens":                    "admins",
	"POST /admin/tokens":                   "admins",
	"POST /admin/tokens/{id}/revoke":       "admins",
	"GET /admin/users":                     "admins",
	"GET /admin/users/new":                 "admins",
	"POST /admin/users":                    "admins",
	"GET /admin/users/{id}":                "admins",
	"POST /admin/users/{id}/access":        "admins",
	"POST /admin/users/{id}/active":        "admins",
	"GET /admin/users/{id}/deactivate":     "admins",
	"POST /admin/users/{id}/sessions/end":  "admins",
	"POST /admin/users/{id}/password-link": "admins",
	"GET /admin/audit":                     "admins",
	"GET /admin/settings":                  "admins",
	"POST /admin/settings":                 "admins",
	"GET /notifications":                   "signed in",
	"POST /notifications/{id}/open":        "signed in",
	"POST /notifications/{id}/read":        "signed in",
	"POST /notifications/read-all":         "signed in",
	"GET /account/notifications":           "signed in",
	"POST /account/notifications":          "signed in",
	"GET /mail/unsubscribe":                "anyone",
}

func merge(parts ...map[string]string) map[string]string {
	all := map[string]string{}
	for _, p := range parts {
		for k, v := range p {
			all[k] = v
		}
	}
	return all
}

// personas are the kinds of requester the matrix walks.
var personas = []struct {
	name  string
	email string // empty: anonymous
	team  string
	role  string
}{
	{"anonymous", "", "", ""},
	{"sales member", "rep@example.com", "sales", "member"},
	{"marketing member", "marketer@example.com", "marketing", "member"},
	{"service member", "agent@example.com", "service", "member"},
	{"sales manager", "sales.manager@example.com", "sales", "manager"},
	{"marketing manager", "marketing.manager@example.com", "marketing", "manager"},
	{"service manager", "service.manager@example.com", "service", "manager"},
	{"admin", "admin@example.com", "marketing", "admin"},
}

// outcome is what a persona should get from a route with a given access:
// "anyone", "signed in", "managers and admins", "admins", or a list such
// as "sales, admins" or "sales, service, managers, admins".
func outcome(access, team, role string) string {
	switch {
	case access == "anyone":
		return "allowed"
	case role == "":
		return "sign-in"
	case access == "signed in", role == "admin":
		return "allowed"
	case access == "managers and admins":
		if role == "manager" {
			return "allowed"
		}
		return "forbidden"
	}
	for _, part := range strings.Split(access, ", ") {
		if part == team || part == "managers" && role == "manager" || part == team+" managers" && role == "manager" {
			return "allowed"
		}
	}
	return "forbidden"
}

func classify(res response) string {
	switch {
	case res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/login?next="):
		return "sign-in"
	case res.StatusCode == http.StatusForbidden && strings.Contains(res.Body, errForbidden.Message):
		return "forbidden" // the route policy said no (data-level refusals explain themselves differently)
	case res.StatusCode >= 500 || res.StatusCode == http.StatusMethodNotAllowed:
		return fmt.Sprintf("broken (%d)", res.StatusCode)
	}
	return "allowed"
}

// appRoutes lists "METHOD pattern" for every route of the router, except
// the public infrastructure served before sessions, the API and SCIM (each
// authenticated by its own bearer tokens).
func appRoutes(t *testing.T, s *Server) []string {
	t.Helper()
	var routes []string
	err := chi.Walk(s.Router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		key := method + " " + route
		if !slices.Contains(PublicRoutes, key) && !strings.HasPrefix(route, "/static/") && !strings.HasPrefix(route, apiPrefix+"/") &&
			!strings.HasPrefix(route, scim.PathPrefix+"/") {
			routes = append(routes, key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(routes)
	return slices.Compact(routes)
}

func TestEveryRouteIsInThePolicy(t *testing.T) {
	t.Parallel()
	e := newTestEnvOn(t, nil, nil)
	inCode := map[string]string{}
	for _, rt := range e.srv.Routes() {
		inCode[rt.Method+" "+rt.Pattern] = rt.Access.Name
	}
	routes := appRoutes(t, e.srv)
	for _, key := range routes {
		want, ok := expectedAccess[key]
		if !ok {
			t.Errorf("route %s is not in the tests' policy table: add it to expectedAccess", key)
			continue
		}
		if inCode[key] != want {
			t.Errorf("route %s: code allows %q, tests expect %q", key, inCode[key], want)
		}
	}
	for key := range expectedAccess {
		if !slices.Contains(routes, key) {
			t.Errorf("policy lists %s, which the router does not serve", key)
		}
	}
}

// fillPath turns a pattern into a request path aimed at the victim's data.
func fillPath(pattern string, victim int64) string {
	p := strings.ReplaceAll(pattern, "{id}", strconv.FormatInt(victim, 10))
	return strings.ReplaceAll(p, "{token}", "not-a-real-token")
}

func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	for _, who := range personas {
		t.Run(who.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			c := e.client()
			c.get("/login")
			if who.email != "" {
				c.login(who.email)
			}
			victim := e.userID("jordan.blake@example.com")
			for _, key := range appRoutes(t, e.srv) {
				method, pattern, _ := strings.Cut(key, " ")
				path := fillPath(pattern, victim)
				var res response
				if method == http.MethodGet {
					res = c.get(path)
				} else {
					version := e.count(`SELECT version FROM users WHERE id = $1`, victim)
					res = c.post(path, url.Values{
						"version": {strconv.Itoa(version)}, "team": {"sales"}, "role": {"member"}, "active": {"true"},
						"name": {"Matrix " + who.name}, "email": {strings.ReplaceAll(who.name, " ", ".") + "@matrix.example.com"},
						"timezone": {"UTC"},
					})
				}
				if got, want := classify(res), outcome(expectedAccess[key], who.team, who.role); got != want {
					t.Errorf("%s %s as %s: %s (status %d), want %s", method, path, who.name, got, res.StatusCode, want)
				}
				if method == http.MethodPost && key == "POST /logout" && who.email != "" {
					c.login(who.email) // keep walking signed in
				}
			}
		})
	}
}

// dbFingerprint summarizes every table a form could change.
func (e *testEnv) dbFingerprint() string {
	e.t.Helper()
	var s string
	err := e.pool.QueryRow(context.Background(), `SELECT concat_ws('/',
		(SELECT count(*) FROM users), (SELECT sum(version) FROM users),
		(SELECT count(*) FROM sessions), (SELECT count(*) FROM password_tokens),
		(SELECT count(*) FROM audit_events), (SELECT count(*) FROM login_failures))`).Scan(&s)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func TestCSRFRejectedOnEveryStateChangingRoute(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("admin@example.com")
	victim := e.userID("jordan.blake@example.com")
	form := url.Values{"version": {"1"}, "team": {"service"}, "role": {"admin"}, "active": {"false"},
		"name": {"Forged"}, "email": {"forged@example.com"}, "password": {"forged-password-123"}}
	attempts := []struct {
		name    string
		token   string
		headers map[string]string
	}{
		{"no token", "", map[string]string{"Origin": e.http.URL}},
		{"wrong token", "forged", map[string]string{"Origin": e.http.URL}},
		{"valid token from another site", c.csrf, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"valid token, foreign origin", c.csrf, map[string]string{"Origin": "https://evil.example.com"}},
	}
	checked := 0
	for _, key := range appRoutes(t, e.srv) {
		method, pattern, _ := strings.Cut(key, " ")
		if method == http.MethodGet {
			continue
		}
		checked++
		for _, a := range attempts {
			before := e.dbFingerprint()
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			if a.token != "" {
				f.Set("csrf_token", a.token)
			}
			res := c.postRaw(fillPath(pattern, victim), f, a.headers)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s with %s: status %d, want 403", key, a.name, res.StatusCode)
			}
			if after := e.dbFingerprint(); after != before {
				t.Errorf("%s with %s changed the database: %s -> %s", key, a.name, before, after)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no state-changing routes found")
	}
	// The real token still works: the refusals did not break the session.
	wantStatus(t, c.get("/admin/users"), http.StatusOK)
}
