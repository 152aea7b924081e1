package server

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/internal/config"
	"tandem/internal/testdb/demo"
)

// Two instances on one database, as behind a load balancer: what one
// changes, the other's memory must not hide.

var unreadBadge = regexp.MustCompile(`aria-label="(\d+) unread"`)

// unreadShown is the unread count of a page's header, 0 when it shows none.
func unreadShown(t *testing.T, res response) int {
	t.Helper()
	wantStatus(t, res, http.StatusOK)
	n, _ := numberIn(unreadBadge, res.Body)
	return n
}

// numberIn is the number re's first group finds in body; false when re
// does not match.
func numberIn(re *regexp.Regexp, body string) (int, bool) {
	m := re.FindStringSubmatch(body)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

// twoInstances starts instance A and B on the same database; env applies
// to both.
func twoInstances(t *testing.T, env map[string]string) (a, b *testEnv) {
	pool := demo.New(t)
	return newTestEnvOn(t, pool, env), newTestEnvOn(t, pool, env)
}

// on returns a browser for instance e carrying c's cookies as they are
// now: the same person, whose next request the balancer sends elsewhere.
func (c *client) on(e *testEnv) *client {
	other := e.client()
	jar, _ := cookiejar.New(nil)
	from, _ := url.Parse(c.env.http.URL)
	to, _ := url.Parse(e.http.URL)
	jar.SetCookies(to, c.c.Jar.Cookies(from))
	other.c.Jar = jar
	other.csrf = c.csrf
	return other
}

func TestInstanceBSeesANotificationReadOnA(t *testing.T) {
	t.Parallel()
	a, b := twoInstances(t, nil)
	repA := a.client()
	repA.login("rep@example.com")
	repB := repA.on(b)
	before := unreadShown(t, repB.get("/"))
	if before == 0 {
		t.Fatal("the demo rep has nothing unread")
	}
	unreadShown(t, repB.get("/")) // now from B's memory
	// One by one, each read on A is gone from B's very next page: A's
	// answer waits until B has heard of it.
	for want := before - 1; want > 0; want-- {
		id := a.count(`SELECT min(id) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, a.userID("rep@example.com"))
		wantStatus(t, repA.post("/notifications/"+strconv.Itoa(id)+"/read", nil), http.StatusSeeOther)
		if got := unreadShown(t, repB.get("/")); got != want {
			t.Errorf("B's next page shows %d unread, want %d", got, want)
		}
	}
	if _, err := a.pool.Exec(t.Context(), `INSERT INTO notifications (user_id, kind, title)
		SELECT id, 'new_notice', 'Again' FROM users WHERE email = 'rep@example.com'`); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, repA.post("/notifications/read-all", nil), http.StatusSeeOther)
	if got := unreadShown(t, repB.get("/leads")); got != 0 {
		t.Errorf("after read-all on A, B shows %d unread", got)
	}
	if hits, _ := b.srv.headers.Stats(); hits == 0 {
		t.Error("B never served the header from memory: the test did not exercise the cache")
	}
}

func TestInstanceBRefusesASessionEndedOrAUserDeactivatedOnA(t *testing.T) {
	t.Parallel()
	a, b := twoInstances(t, nil)

	repA := a.client()
	repA.login("rep@example.com")
	repB := repA.on(b)
	wantStatus(t, repB.get("/"), http.StatusOK)
	wantStatus(t, repB.get("/"), http.StatusOK) // cached on B
	wantStatus(t, repA.post("/logout", nil), http.StatusSeeOther)
	if got := classify(repB.get("/")); got != "sign-in" {
		t.Errorf("B after sign-out on A: %s", got)
	}

	agentA := a.client()
	agentA.login("agent@example.com")
	agentB := agentA.on(b)
	wantStatus(t, agentB.get("/"), http.StatusOK)
	admin := a.client()
	admin.login("admin@example.com")
	agentID := a.userID("agent@example.com")
	admin.get("/admin/users/" + strconv.FormatInt(agentID, 10))
	version := a.count(`SELECT version FROM users WHERE id = $1`, agentID)
	wantStatus(t, admin.post("/admin/users/"+strconv.FormatInt(agentID, 10)+"/active",
		url.Values{"active": {"false"}, "confirm": {"yes"}, "version": {strconv.Itoa(version)}}), http.StatusSeeOther)
	if got := classify(agentB.get("/")); got != "sign-in" {
		t.Errorf("B after deactivation on A: %s", got)
	}
	if hits, _ := b.srv.users.SessionCacheStats(); hits == 0 {
		t.Error("B never served a session from memory: the test did not exercise the cache")
	}
}

// With the notification lost, B serves from memory until the entry's TTL
// runs out, and never longer.
func TestInstanceBCatchesUpWithinTheTTLWhenANotificationIsLost(t *testing.T) {
	t.Parallel()
	const ttl = 2 * time.Second
	a, b := twoInstances(t, map[string]string{"CACHE_TTL": ttl.String()})
	b.srv.cache.DropMessages(true)

	repA := a.client()
	repA.login("rep@example.com")
	repB := repA.on(b)
	before := unreadShown(t, repB.get("/"))
	loaded := time.Now()
	wantStatus(t, repA.post("/notifications/read-all", nil), http.StatusSeeOther)
	if time.Since(loaded) < ttl/2 {
		// Still inside the TTL: B has not heard, and shows the count it
		// holds. (A machine too slow to get here within half the TTL
		// cannot tell; the bound below is checked either way.)
		if got := unreadShown(t, repB.get("/")); got != before {
			t.Errorf("with the notification lost, B already shows %d (held %d): was it cached?", got, before)
		}
	}
	time.Sleep(time.Until(loaded.Add(ttl + 100*time.Millisecond)))
	if got := unreadShown(t, repB.get("/")); got != 0 {
		t.Errorf("past the TTL, B still shows %d unread", got)
	}

	wantStatus(t, repB.get("/"), http.StatusOK) // B holds the session
	ended := time.Now()
	wantStatus(t, repA.post("/logout", nil), http.StatusSeeOther)
	time.Sleep(time.Until(ended.Add(ttl + 100*time.Millisecond)))
	if got := classify(repB.get("/")); got != "sign-in" {
		t.Errorf("past the TTL, B still accepts the ended session: %s", got)
	}
}

func TestCacheTTLIsBounded(t *testing.T) {
	t.Parallel()
	cfg := mustConfig(t, nil)
	if cfg.CacheTTL <= 0 || cfg.CacheTTL > 5*time.Second {
		t.Errorf("default CACHE_TTL %s, want (0, 5s]", cfg.CacheTTL)
	}
	if _, err := config.Load(func(k string) string { return map[string]string{"CACHE_TTL": "6s"}[k] }, false); err == nil {
		t.Error("CACHE_TTL=6s accepted")
	}
}

// The overview's lists come from memory too: an acknowledgement on A moves
// the launch's readiness on B's next overview, and a win written by any
// program shows once the bus has heard of it.
func TestInstanceBOverviewFollowsAcknowledgementsAndWins(t *testing.T) {
	t.Parallel()
	a, b := twoInstances(t, nil)
	marketer := a.client()
	marketer.login("marketer@example.com")
	id := marketer.newCampaign(t, "Cache launch", "- First point", time.Now().AddDate(0, 0, 10))
	wantStatus(t, marketer.post(campaignPath(id)+"/announce", url.Values{"version": {marketer.version(t, id)}, "confirm": {"yes"}}),
		http.StatusSeeOther)

	manager := b.client()
	manager.login("sales.manager@example.com")
	readiness := regexp.MustCompile(`Cache launch(?s:.*?)(\d+) of (\d+) acknowledged`)
	acked := func() int {
		t.Helper()
		n, ok := numberIn(readiness, manager.get("/").Body)
		if !ok {
			t.Fatal("B's overview does not list the launch with its readiness")
		}
		return n
	}
	before := acked()
	acked() // from B's memory
	rep := a.client()
	rep.login("rep@example.com")
	wantRedirect(t, rep.post(campaignPath(id)+"/ack", nil), campaignPath(id))
	if got := acked(); got != before+1 {
		t.Errorf("B's overview shows %d acknowledged after the rep's acknowledgement on A, want %d", got, before+1)
	}

	if _, err := a.pool.Exec(t.Context(), `UPDATE leads SET stage = 'won', won_at = now(), deal_value = 4242, company = 'Cache Win GmbH'
		WHERE id = (SELECT min(id) FROM leads WHERE stage = 'accepted')`); err != nil {
		t.Fatal(err)
	}
	if err := b.srv.cache.Sync(t.Context(), b.pool); err != nil {
		t.Fatal(err)
	}
	if body := manager.get("/").Body; !regexp.MustCompile(`Cache Win GmbH`).MatchString(body) {
		t.Error("B's overview does not list the win written on the database")
	}
	// The sales lens's to-do counts, from B's memory, follow a handoff
	// written straight to the database once the bus has heard of it.
	awaitingRe := regexp.MustCompile(`Leads awaiting acceptance</a>: <strong>(\d+)</strong>`)
	awaiting := func() int {
		t.Helper()
		n, ok := numberIn(awaitingRe, manager.get("/?lens=sales").Body)
		if !ok {
			t.Fatal("B's sales lens shows no awaiting count")
		}
		return n
	}
	waiting := awaiting()
	awaiting()
	if _, err := a.pool.Exec(t.Context(), `UPDATE leads SET stage = 'handed_off', handed_off_at = now(), sla_due_at = now() + interval '1 day'
		WHERE id = (SELECT min(id) FROM leads WHERE stage = 'new')`); err != nil {
		t.Fatal(err)
	}
	if err := b.srv.cache.Sync(t.Context(), b.pool); err != nil {
		t.Fatal(err)
	}
	if got := awaiting(); got != waiting+1 {
		t.Errorf("B's sales lens shows %d awaiting acceptance after a handoff, want %d", got, waiting+1)
	}

	// The lead list's campaign filter, from B's memory, learns of a new
	// campaign made on A.
	manager.get("/leads")
	marketer.newCampaign(t, "Cache filter campaign", "- First point", time.Now().AddDate(0, 0, 40))
	if body := manager.get("/leads").Body; !regexp.MustCompile(`Cache filter campaign`).MatchString(body) {
		t.Error("B's lead list does not offer the campaign made on A")
	}
	if hits, _ := b.srv.kpi.OverviewCacheStats(); hits == 0 {
		t.Error("B never served the overview's lists from memory")
	}
}

// The lead list, the queue, the feedback list and the theme trends that B
// keeps in memory follow what users change on A on B's next page.
func TestInstanceBListsFollowWritesOnA(t *testing.T) {
	t.Parallel()
	a, b := twoInstances(t, nil)
	marketer, manager := a.client(), a.client()
	marketer.login("marketer@example.com")
	manager.login("sales.manager@example.com")
	rep := b.client()
	rep.login("rep@example.com")
	watcher := b.client()
	watcher.login("service.manager@example.com")

	search := "/leads?q=Cachelist"
	listed := func() bool { return strings.Contains(watcher.get(search).Body, "Cachelist Kft") }
	for range 2 { // the second answer is from B's memory
		if listed() {
			t.Fatal("B lists a lead nobody made yet")
		}
	}
	id := newLeadVia(t, marketer, url.Values{"company": {"Cachelist Kft"}, "contact_name": {"Csaba"}, "email": {"csaba@cachelist.example"}})
	if !listed() {
		t.Error("B's lead list does not show the lead made on A")
	}
	wantRedirect(t, marketer.post("/leads/"+id+"/qualify", url.Values{"version": {a.leadVersion(id)}}), "/leads/"+id)
	wantRedirect(t, marketer.post("/leads/"+id+"/hand-off", url.Values{"version": {a.leadVersion(id)},
		"note": {"Asked for a fleet demo."}}), "/leads/"+id)

	queued := func() bool { return strings.Contains(rep.get("/leads/queue").Body, "Cachelist Kft") }
	var repName string
	if err := a.pool.QueryRow(t.Context(), `SELECT name FROM users WHERE email = 'rep@example.com'`).Scan(&repName); err != nil {
		t.Fatal(err)
	}
	repRow := regexp.MustCompile(`<th scope="row">` + regexp.QuoteMeta(repName) + `</th><td class="num">(\d+)</td>`)
	handedToRep := func() int { // 0 when the rep has no row yet
		t.Helper()
		res := watcher.get("/sla")
		wantStatus(t, res, http.StatusOK)
		n, _ := numberIn(repRow, res.Body)
		return n
	}
	for range 2 {
		if queued() {
			t.Fatal("the rep's queue on B holds the lead before it was assigned")
		}
	}
	handed := handedToRep()
	handedToRep()
	wantRedirect(t, manager.post("/leads/"+id+"/assign", url.Values{"owner": {a.idOf("rep@example.com")},
		"version": {a.leadVersion(id)}}), "/leads/"+id)
	if !queued() {
		t.Error("the rep's queue on B does not show the lead assigned on A")
	}
	if got := handedToRep(); got != handed+1 {
		t.Errorf("B's SLA page counts %d leads handed to the rep after one more was assigned on A, want %d", got, handed+1)
	}

	agent := a.client()
	agent.login("agent@example.com")
	trendsTotal := regexp.MustCompile(`Campaign messaging</strong> <span class="muted">(\d+) item`)
	total := func() int { // 0 when the theme has no chart
		t.Helper()
		res := watcher.get("/feedback/themes")
		wantStatus(t, res, http.StatusOK)
		n, _ := numberIn(trendsTotal, res.Body)
		return n
	}
	feedbackSearch := "/feedback?q=zebra"
	found := func() bool { return strings.Contains(watcher.get(feedbackSearch).Body, "Zebra Test Logistics") }
	before := total()
	total()
	for range 2 {
		if found() {
			t.Fatal("B finds feedback nobody logged yet")
		}
	}
	logFeedback(t, agent, feedbackForm(a))
	if got := total(); got != before+1 {
		t.Errorf("B's theme trends count %d campaign-messaging items after one more was logged on A, want %d", got, before+1)
	}
	if !found() {
		t.Error("B's feedback search does not find the item logged on A")
	}
	for name, stats := range map[string]func() (uint64, uint64){"lead lists": b.srv.leads.ListCacheStats,
		"feedback lists": b.srv.feedback.ListCacheStats} {
		if hits, _ := stats(); hits == 0 {
			t.Errorf("B never served its %s from memory", name)
		}
	}
}

// The hourly maintenance keeps the KPI change log short even when no
// dashboard is refreshed.
func TestMaintainPrunesTheKPIChangeLog(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	if _, err := e.pool.Exec(t.Context(), `INSERT INTO kpi_changes (source, hour, at) VALUES
		('leads', date_trunc('hour', now()), now() - interval '1 hour'), ('leads', date_trunc('hour', now()), now())`); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Maintain(t.Context()); err != nil {
		t.Fatal(err)
	}
	if old, recent := e.count(`SELECT count(*) FROM kpi_changes WHERE at < now() - interval '10 minutes'`),
		e.count(`SELECT count(*) FROM kpi_changes WHERE at > now() - interval '1 minute'`); old != 0 || recent == 0 {
		t.Errorf("after maintenance: %d old change records, %d recent ones", old, recent)
	}
}

// The lead page's lead, timeline and routing choice come from B's memory
// and follow what A, or SQL, changed: a stage move, a timeline note
// edited in the database, the first routing rule.
func TestInstanceBLeadPageFollowsWritesOnA(t *testing.T) {
	t.Parallel()
	a, b := twoInstances(t, nil)
	mustExec(t, a, `DELETE FROM routing_rules`)
	b.settle()
	marketer, manager := a.client(), a.client()
	marketer.login("marketer@example.com")
	manager.login("sales.manager@example.com")
	watcher := marketer.on(b)
	id := newLeadVia(t, marketer, url.Values{"company": {"Cachepage Oy"}, "contact_name": {"Pia"}, "email": {"pia@cachepage.example"}})
	page := "/leads/" + id
	version := func(v string) string { return `name="version" value="` + v + `"` }
	for range 2 { // the second answer is from B's memory
		wantMarkup(t, watcher.get(page), version(a.leadVersion(id)))
	}
	hits, _ := b.srv.leads.ListCacheStats()
	if hits == 0 {
		t.Fatal("B read the lead page from the database each time")
	}

	wantRedirect(t, marketer.post(page+"/qualify", url.Values{"version": {a.leadVersion(id)}}), page)
	res := watcher.get(page)
	wantMarkup(t, res, version(a.leadVersion(id)))
	if strings.Contains(res.Body, "The routing rules choose") {
		t.Fatal("B offers routing rules where there are none")
	}

	mustExec(t, a, `UPDATE lead_events SET note = 'Noted straight in SQL' WHERE lead_id = $1`, id)
	b.settle()
	wantBody(t, watcher.get(page), "Noted straight in SQL")

	wantStatus(t, manager.post("/leads/routing", url.Values{"name": {"DACH"}, "countries": {"DACH"}, "method": {"round_robin"},
		"reps": {a.idOf("rep@example.com")}}), http.StatusSeeOther)
	wantBody(t, watcher.get(page), "The routing rules choose")
}

func mustExec(t *testing.T, e *testEnv, sql string, args ...any) {
	t.Helper()
	if _, err := e.pool.Exec(t.Context(), sql, args...); err != nil {
		t.Fatal(err)
	}
}
