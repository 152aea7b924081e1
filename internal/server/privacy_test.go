package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"tandem/internal/calendar"
	"tandem/internal/servertest"
	"tandem/internal/testdb/demo"
	"tandem/internal/users"
)

// Every page and download of the app carries personal data or could, so
// none may be kept by a browser or proxy cache. The walk covers every GET
// route of the router, signed in as an admin, with ids of demo records.
func TestEveryPageAndDownloadIsNoStore(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("admin@example.com")

	// An import with a skipped row, so its rejected-rows CSV exists.
	c.get("/leads/import")
	up := c.upload("/leads/import", "nostore.csv", []byte("company,contact,email\nA,Ann,not-an-email\nB,Bo,bo@nostore.example\n"))
	up = c.follow(t, up)
	action := regexp.MustCompile(`action="(/leads/import/(\d+))"`).FindStringSubmatch(up.Body)
	if action == nil {
		t.Fatalf("no import form:\n%s", up.Body)
	}
	c.follow(t, c.post(action[1], url.Values{"map_company": {"0"}, "map_contact_name": {"1"}, "map_email": {"2"}}))

	token, err := e.srv.users.IssuePasswordLink(context.Background(), users.Actor{}, e.userID("agent@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	feed, err := e.srv.calendar.Generate(context.Background(), e.userID("admin@example.com"), calendar.Personal)
	if err != nil {
		t.Fatal(err)
	}
	one := func(sql string) string { return fmt.Sprint(e.count(sql)) }
	source := fmt.Sprint(e.newSource(t, defaultSource("nostore")).ID)
	channel := fmt.Sprint(e.newChannel(t, "#nostore", "https://hooks.slack.com/services/T1/B1/nostore").ID)
	webhook := fmt.Sprint(e.newWebhook(t, "https://crm.example.com/nostore").ID)
	year, week := time.Now().AddDate(0, 0, -7).ISOWeek()
	fill := map[string]string{
		"/alerts/{id}":                    one(`SELECT min(id) FROM product_alerts`),
		"/campaigns/{id}":                 one(`SELECT min(id) FROM campaigns`),
		"/campaigns/{id}/edit":            one(`SELECT min(id) FROM campaigns`),
		"/feedback/{id}":                  one(`SELECT min(id) FROM feedback_items`),
		"/leads/{id}":                     one(`SELECT min(id) FROM leads`),
		"/leads/{id}/edit":                one(`SELECT min(id) FROM leads`),
		"/leads/routing/{id}":             one(`SELECT min(id) FROM routing_rules`),
		"/admin/users/{id}":               one(`SELECT min(id) FROM users`),
		"/admin/users/{id}/deactivate":    one(`SELECT min(id) FROM users WHERE active AND email <> 'admin@example.com'`),
		"/campaigns/{id}/announce":        one(`SELECT min(id) FROM campaigns WHERE status = 'draft' AND end_on >= current_date AND talking_points <> ''`),
		"/feedback/{id}/merge":            one(`SELECT max(id) FROM feedback_items WHERE merged_into IS NULL`),
		"/leads/import/{id}/rejected.csv": action[2],
		"/leads/import/{id}":              action[2],
		"/digests/{week}":                 fmt.Sprintf("%d-W%02d", year, week),
		"/kpis/{key}":                     "conversion",
		"/set-password/{token}":           token,
		"/calendar/{token}.ics":           feed,
		"/leads/intake/{id}":              source,
		"/leads/intake/{id}/edit":         source,
		"/leads/intake/{id}/rotate":       source,
		"/admin/channels/{id}":            channel,
		"/admin/channels/{id}/delete":     channel,
		"/admin/webhooks/{id}":            webhook,
		"/admin/webhooks/{id}/rotate":     webhook,
		"/admin/webhooks/{id}/delete":     webhook,
	}
	// The merge's confirm step asks about the item to merge into.
	query := map[string]string{"/feedback/{id}/merge": "?into=" + one(`SELECT min(id) FROM feedback_items WHERE merged_into IS NULL`)}
	param := regexp.MustCompile(`\{[a-z]+\}`)
	checked := 0
	for _, key := range appRoutes(t, e.srv) {
		method, pattern, _ := strings.Cut(key, " ")
		if method != http.MethodGet {
			continue
		}
		path := pattern
		if param.MatchString(pattern) {
			v, ok := fill[pattern]
			if !ok {
				t.Errorf("%s: no demo id to fill in; add one to the test", pattern)
				continue
			}
			path = param.ReplaceAllString(pattern, v) + query[pattern]
		}
		res := c.get(path)
		// The single sign-on routes are 404 without a provider (their
		// pages are checked in sso_test.go).
		ssoOff := strings.HasPrefix(pattern, "/auth/oidc/")
		if pattern != "/logout" && pattern != "/login" && pattern != "/digests/unsubscribe" && pattern != "/mail/unsubscribe" && !ssoOff && res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want a real page to check", path, res.StatusCode)
		}
		ct := res.Header.Get("Content-Type")
		if strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "text/csv") || strings.HasPrefix(ct, "text/calendar") {
			checked++
			if got := res.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("GET %s (%s): Cache-Control %q, want no-store", path, ct, got)
			}
		}
	}
	if checked < 30 {
		t.Errorf("only %d HTML and CSV answers checked", checked)
	}
}

// syncBuffer is a log destination the server's goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A set-password link is a live credential: the whole flow (the admin
// issues it, the user opens it, mistypes, sets a password) leaves no trace
// of the token in the log, while the requests are still logged.
func TestSetPasswordTokenNeverLogged(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	guard := servertest.New(t)
	srv := newServer(mustConfig(t, nil), guard.Logger(&logs), demo.New(t))
	hs := httptest.NewServer(guard.Handler(srv))
	t.Cleanup(hs.Close)
	e := &testEnv{t: t, srv: srv, pool: srv.pool, http: hs, guard: guard}

	admin := e.client()
	admin.login("admin@example.com")
	id := e.userID("agent@example.com")
	admin.get(fmt.Sprintf("/admin/users/%d", id))
	res := admin.follow(t, admin.post(fmt.Sprintf("/admin/users/%d/password-link", id), nil))
	link := regexp.MustCompile(`/set-password/([A-Za-z0-9_-]+)`).FindStringSubmatch(res.Body)
	if link == nil {
		t.Fatalf("no link shown:\n%s", res.Body)
	}
	token := link[1]

	agent := e.client()
	wantStatus(t, agent.get(link[0]), http.StatusOK)
	wantStatus(t, agent.post(link[0], url.Values{"password": {"short"}}), http.StatusUnprocessableEntity)
	wantStatus(t, agent.post(link[0]+"/extra", url.Values{"password": {"short"}}), http.StatusNotFound)
	wantRedirect(t, agent.post(link[0], url.Values{"password": {"a fresh passphrase for tests"}}), "/")
	wantStatus(t, agent.get(link[0]), http.StatusNotFound) // used

	out := logs.String()
	if strings.Contains(out, token) {
		t.Errorf("the token is in the log:\n%s", out)
	}
	if n := strings.Count(out, `path=/set-password/{token}`); n < 5 {
		t.Errorf("%d set-password requests logged, want 5:\n%s", n, out)
	}
	if !strings.Contains(out, `route=/set-password/{token}`) {
		t.Errorf("route pattern not logged:\n%s", out)
	}
}
