package server

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/internal/seed"
)

func TestSignInRenewsTheSessionID(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()

	// A planted id is not adopted.
	u, _ := url.Parse(e.http.URL)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: "planted-by-attacker", Path: "/"}})
	c.login("rep@example.com")
	first := c.cookie("session")
	if first == "" || first == "planted-by-attacker" {
		t.Fatalf("session after sign-in = %q", first)
	}

	// Signing in again (as someone else) replaces the id and kills the old one.
	c.get("/login")
	res := c.post("/login", url.Values{"email": {"agent@example.com"}, "password": {seed.DemoPassword}})
	wantStatus(t, res, http.StatusSeeOther)
	second := c.cookie("session")
	if second == "" || second == first {
		t.Fatalf("session id not renewed: %q then %q", first, second)
	}
	old := e.client()
	old.c.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: first, Path: "/"}})
	if res := old.get("/"); classify(res) != "sign-in" {
		t.Errorf("old session still valid: %d", res.StatusCode)
	}
	if n := len(first); n < 43 { // 32 random bytes, base64url
		t.Errorf("session token only %d characters", n)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.get("/login")
	res := c.post("/login", url.Values{"email": {"rep@example.com"}, "password": {seed.DemoPassword}})
	var found bool
	for _, ck := range res.Cookies() {
		if ck.Name == "session" {
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
				t.Errorf("session cookie %+v", ck)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie set")
	}
	if n := e.count(`SELECT count(*) FROM sessions WHERE user_id = $1`, e.userID("rep@example.com")); n != 1 {
		t.Errorf("%d sessions stored", n)
	}
}

func TestSignOutDestroysTheSession(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("rep@example.com")
	token := c.cookie("session")
	wantRedirect(t, c.post("/logout", nil), "/login")
	if n := e.count(`SELECT count(*) FROM sessions`); n != 0 {
		t.Errorf("%d sessions left after sign-out", n)
	}
	replay := e.client()
	u, _ := url.Parse(e.http.URL)
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: token, Path: "/"}})
	if got := classify(replay.get("/")); got != "sign-in" {
		t.Errorf("replayed session: %s", got)
	}
	if !strings.Contains(c.get("/login").Body, "You are signed out.") {
		t.Error("no sign-out confirmation")
	}
}

func TestWrongPasswordAndUnknownEmailLookTheSame(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.get("/login")
	wrong := c.post("/login", url.Values{"email": {"rep@example.com"}, "password": {"not-the-password"}})
	unknown := c.post("/login", url.Values{"email": {"nobody@example.com"}, "password": {"not-the-password"}})
	wantStatus(t, wrong, http.StatusUnauthorized)
	wantStatus(t, unknown, http.StatusUnauthorized)
	msg := regexp.MustCompile(`role="alert">([^<]*)<`)
	if a, b := msg.FindStringSubmatch(wrong.Body), msg.FindStringSubmatch(unknown.Body); a == nil || b == nil || a[1] != b[1] {
		t.Errorf("messages differ: %q vs %q", a, b)
	}
	if !strings.Contains(wrong.Body, `value="rep@example.com"`) {
		t.Error("the email the user typed was not kept")
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'session.sign_in_failed'`); n != 2 {
		t.Errorf("%d failures audited, want 2", n)
	}
}

func TestThrottledSignInShowsWhenToRetry(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.get("/login")
	for i := 0; i < 10; i++ {
		wantStatus(t, c.post("/login", url.Values{"email": {"rep@example.com"}, "password": {"wrong-" + strconv.Itoa(i)}}),
			http.StatusUnauthorized)
	}
	res := c.post("/login", url.Values{"email": {"rep@example.com"}, "password": {seed.DemoPassword}})
	wantStatus(t, res, http.StatusTooManyRequests)
	if !strings.Contains(res.Body, "Try again in 15 minutes") || res.Header.Get("Retry-After") == "" {
		t.Errorf("429 page:\n%s", res.Body)
	}
}

func TestReturnPathStaysOnSite(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	cases := map[string]string{
		"/admin/users?team=sales":  "/admin/users?team=sales",
		"//evil.example.com":       "/",
		"https://evil.example.com": "/",
		"/\\evil.example.com":      "/",
		"javascript:alert(1)":      "/",
		"/%0d%0aSet-Cookie:x=1":    "/%0d%0aSet-Cookie:x=1",
		"":                         "/",
	}
	for next, want := range cases {
		c := e.client()
		c.get("/login?next=" + url.QueryEscape(next))
		res := c.post("/login", url.Values{"email": {"admin@example.com"}, "password": {seed.DemoPassword}, "next": {next}})
		if res.Header.Get("Location") != want {
			t.Errorf("next=%q: redirected to %q, want %q", next, res.Header.Get("Location"), want)
		}
	}
	// Anonymous visitors are sent to sign-in with the page they wanted.
	res := e.client().get("/admin/users?team=sales")
	wantRedirect(t, res, "/login?next="+url.QueryEscape("/admin/users?team=sales"))
}

func TestDeactivationAndRoleChangeEndLiveSessions(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.client()
	admin.login("admin@example.com")
	rep := e.client()
	rep.login("rep@example.com")
	agent := e.client()
	agent.login("agent@example.com")
	wantStatus(t, rep.get("/"), http.StatusOK)

	repID := e.userID("rep@example.com")
	admin.get("/admin/users/" + strconv.FormatInt(repID, 10))
	version := e.count(`SELECT version FROM users WHERE id = $1`, repID)
	res := admin.post("/admin/users/"+strconv.FormatInt(repID, 10)+"/active",
		url.Values{"active": {"false"}, "confirm": {"yes"}, "version": {strconv.Itoa(version)}})
	wantStatus(t, res, http.StatusSeeOther)
	if got := classify(rep.get("/")); got != "sign-in" {
		t.Errorf("deactivated user's session: %s", got)
	}
	rep.get("/login")
	wantStatus(t, rep.post("/login", url.Values{"email": {"rep@example.com"}, "password": {seed.DemoPassword}}),
		http.StatusUnauthorized)

	agentID := e.userID("agent@example.com")
	version = e.count(`SELECT version FROM users WHERE id = $1`, agentID)
	res = admin.post("/admin/users/"+strconv.FormatInt(agentID, 10)+"/access",
		url.Values{"team": {"service"}, "role": {"manager"}, "version": {strconv.Itoa(version)}})
	wantStatus(t, res, http.StatusSeeOther)
	if got := classify(agent.get("/")); got != "sign-in" {
		t.Errorf("session after role change: %s", got)
	}

	audit := admin.get("/admin/audit").Body
	for _, action := range []string{"user.deactivated", "user.access_changed", "session.signed_in"} {
		if !strings.Contains(audit, action) {
			t.Errorf("audit log lacks %s", action)
		}
	}
}

func TestAdminEndsAnotherUsersSessions(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.client()
	admin.login("admin@example.com")
	rep1, rep2 := e.client(), e.client()
	rep1.login("rep@example.com")
	rep2.login("rep@example.com")
	id := strconv.FormatInt(e.userID("rep@example.com"), 10)
	admin.get("/admin/users/" + id)
	wantRedirect(t, admin.post("/admin/users/"+id+"/sessions/end", nil), "/admin/users/"+id)
	for _, c := range []*client{rep1, rep2} {
		if got := classify(c.get("/")); got != "sign-in" {
			t.Errorf("session survived: %s", got)
		}
	}
	wantStatus(t, admin.get("/"), http.StatusOK)
}

func TestLastAdminCannotBeRemoved(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.client()
	admin.login("admin@example.com")
	id := e.userID("admin@example.com")
	path := "/admin/users/" + strconv.FormatInt(id, 10)
	version := strconv.Itoa(e.count(`SELECT version FROM users WHERE id = $1`, id))

	res := admin.post(path+"/access", url.Values{"team": {"marketing"}, "role": {"manager"}, "version": {version}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "last active admin") {
		t.Errorf("no explanation:\n%s", res.Body)
	}
	res = admin.post(path+"/active", url.Values{"active": {"false"}, "confirm": {"yes"}, "version": {version}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if n := e.count(`SELECT count(*) FROM users WHERE role = 'admin' AND active`); n != 1 {
		t.Fatalf("%d active admins", n)
	}
}

func TestStaleFormGets409(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.client()
	admin.login("admin@example.com")
	id := strconv.FormatInt(e.userID("rep@example.com"), 10)
	res := admin.post("/admin/users/"+id+"/access", url.Values{"team": {"sales"}, "role": {"manager"}, "version": {"1"}})
	wantStatus(t, res, http.StatusSeeOther)
	res = admin.post("/admin/users/"+id+"/access", url.Values{"team": {"service"}, "role": {"member"}, "version": {"1"}})
	wantStatus(t, res, http.StatusConflict)
	var team, role string
	_ = e.pool.QueryRow(context.Background(), `SELECT team, role FROM users WHERE id = $1`, id).Scan(&team, &role)
	if team != "sales" || role != "manager" {
		t.Errorf("stale write applied: %s %s", team, role)
	}
}

// A form without its version could overwrite a change it never saw, so it
// is refused like a stale one would be, never taken as "the current one".
func TestAdminFormWithoutVersionIsRefused(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.client()
	admin.login("admin@example.com")
	id := strconv.FormatInt(e.userID("rep@example.com"), 10)
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/access", url.Values{"team": {"service"}, "role": {"manager"}}},
		{"/active", url.Values{"active": {"false"}, "confirm": {"yes"}}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res := admin.post("/admin/users/"+id+tc.path, tc.form)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			if !strings.Contains(res.Body, "missing its version") {
				t.Errorf("no explanation:\n%s", res.Body)
			}
		})
	}
	var team, role string
	var active bool
	_ = e.pool.QueryRow(context.Background(), `SELECT team, role, active FROM users WHERE id = $1`, id).Scan(&team, &role, &active)
	if team != "sales" || role != "member" || !active {
		t.Errorf("a form without version was applied: %s %s active=%v", team, role, active)
	}
}

func TestUserNamesAreEscaped(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.client()
	admin.login("admin@example.com")
	admin.get("/admin/users/new")
	hostile := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	res := admin.post("/admin/users", url.Values{"name": {hostile}, "email": {"hostile@example.com"},
		"team": {"sales"}, "role": {"member"}})
	admin.follow(t, res)
	for _, path := range []string{"/admin/users", "/admin/audit"} {
		body := admin.get(path).Body
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s renders the name raw", path)
		}
		if path == "/admin/users" && !strings.Contains(body, "&lt;script&gt;") {
			t.Errorf("%s does not show the escaped name", path)
		}
	}
}

func TestNewUserSetsPasswordThroughOneTimeLink(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.client()
	admin.login("admin@example.com")
	admin.get("/admin/users/new")

	bad := admin.post("/admin/users", url.Values{"name": {""}, "email": {"not-an-email"}, "team": {"sales"}, "role": {"member"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	if !strings.Contains(bad.Body, `value="not-an-email"`) || !strings.Contains(bad.Body, "Enter a name.") {
		t.Errorf("form not kept with errors:\n%s", bad.Body)
	}

	res := admin.follow(t, admin.post("/admin/users", url.Values{"name": {"Nina New"}, "email": {"nina@example.com"}, "team": {"service"}, "role": {"member"}}))
	link := regexp.MustCompile(`/set-password/([A-Za-z0-9_-]+)`).FindStringSubmatch(res.Body)
	if link == nil {
		t.Fatalf("no link shown:\n%s", res.Body)
	}
	dup := admin.post("/admin/users", url.Values{"name": {"Nina Again"}, "email": {"NINA@example.com"}, "team": {"service"}, "role": {"member"}})
	wantStatus(t, dup, http.StatusUnprocessableEntity)

	nina := e.client()
	wantStatus(t, nina.get(link[0]), http.StatusOK)
	weak := nina.post(link[0], url.Values{"password": {"password1234"}})
	wantStatus(t, weak, http.StatusUnprocessableEntity)
	if !strings.Contains(weak.Body, "common or breached") {
		t.Errorf("weak password not explained:\n%s", weak.Body)
	}
	wantRedirect(t, nina.post(link[0], url.Values{"password": {"violet tractor harbour"}}), "/")
	wantStatus(t, nina.get("/"), http.StatusOK)

	again := e.client()
	wantStatus(t, again.get(link[0]), http.StatusNotFound) // used up
}

func TestAccountProfileAndPassword(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("rep@example.com")
	other := e.client()
	other.login("rep@example.com")

	version := strconv.Itoa(e.count(`SELECT version FROM users WHERE email = 'rep@example.com'`))
	res := c.post("/account", url.Values{"name": {"Riley C."}, "timezone": {"Mars/Base"}, "version": {version}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, `value="Mars/Base"`) || !strings.Contains(res.Body, `value="Riley C."`) {
		t.Error("profile form lost the input")
	}
	wantRedirect(t, c.post("/account", url.Values{"name": {"Riley C."}, "timezone": {"Asia/Tokyo"}, "version": {version}}), "/account")
	if body := c.get("/account").Body; !strings.Contains(body, `value="Asia/Tokyo"`) {
		t.Error("timezone not saved")
	}

	res = c.post("/account/password", url.Values{"current": {"wrong-current-pw"}, "new": {"a much better passphrase"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	res = c.post("/account/password", url.Values{"current": {seed.DemoPassword}, "new": {"short"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantRedirect(t, c.post("/account/password", url.Values{"current": {seed.DemoPassword}, "new": {"a much better passphrase"}}), "/account")
	wantStatus(t, c.get("/"), http.StatusOK)
	if got := classify(other.get("/")); got != "sign-in" {
		t.Errorf("other session survived the password change: %s", got)
	}
}

func TestIdleSessionsExpire(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("rep@example.com")
	if _, err := e.pool.Exec(context.Background(), `UPDATE sessions SET last_seen_at = now() - interval '13 hours'`); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if got := classify(c.get("/")); got != "sign-in" {
		t.Errorf("idle session (13h > 12h) still valid: %s", got)
	}
	c.login("rep@example.com")
	if _, err := e.pool.Exec(context.Background(), `UPDATE sessions SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if got := classify(c.get("/")); got != "sign-in" {
		t.Errorf("session past its lifetime still valid: %s", got)
	}
}

// clientAt is a browser whose connections leave from source address ip, so
// the server (which reads the peer address) sees another network. Every
// 127/8 address is loopback on Linux.
func (e *testEnv) clientAt(ip string) *client {
	c := e.client()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	transport := &http.Transport{DialContext: dialer.DialContext}
	e.t.Cleanup(transport.CloseIdleConnections)
	c.c.Transport = transport
	return c
}

// An attacker guessing from one address is refused there after ten tries,
// but cannot lock the owner out: the owner's right password from another
// address signs in (slowed, not refused), and the owner is told once.
func TestAttackerElsewhereCannotLockTheOwnerOut(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	attacker := e.clientAt("127.0.0.9")
	attacker.get("/login")
	for i := 0; i < 12; i++ {
		res := attacker.post("/login", url.Values{"email": {"rep@example.com"}, "password": {"guess-" + strconv.Itoa(i)}})
		want := http.StatusUnauthorized
		if i >= 10 {
			want = http.StatusTooManyRequests
		}
		if res.StatusCode != want {
			t.Fatalf("attacker's try %d: %d, want %d", i+1, res.StatusCode, want)
		}
	}
	res := attacker.post("/login", url.Values{"email": {"rep@example.com"}, "password": {seed.DemoPassword}})
	wantStatus(t, res, http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") == "" || !strings.Contains(res.Body, "Try again in 15 minutes") {
		t.Errorf("attacker's 429 page:\n%s", res.Body)
	}

	owner := e.clientAt("127.0.0.77")
	start := time.Now()
	owner.login("rep@example.com")
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("owner's sign-in during the burst took %v; want the ~1s burst delay", d)
	}

	// The address limit is the brute-force protection, so it binds everyone
	// behind that address (a shared NAT included), on every account.
	neighbour := e.clientAt("127.0.0.9")
	neighbour.get("/login")
	wantStatus(t, neighbour.post("/login", url.Values{"email": {"agent@example.com"}, "password": {seed.DemoPassword}}),
		http.StatusTooManyRequests)

	rep := e.userID("rep@example.com")
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'sign_in_burst'`, rep); n != 1 {
		t.Errorf("%d burst notifications for the owner, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'session.sign_in_burst' AND target_id = $1
		AND ip = '127.0.0.9' AND detail LIKE '% from 1 address;%'`, rep); n != 1 {
		t.Errorf("%d burst audit rows, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'session.sign_in_failed' AND target_id = $1 AND ip = '127.0.0.9'`, rep); n != 10 {
		t.Errorf("%d failed sign-ins audited, want 10", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'session.signed_in' AND target_id = $1 AND ip = '127.0.0.77'`, rep); n != 1 {
		t.Errorf("%d owner sign-ins audited, want 1", n)
	}
	if page := owner.get("/notifications"); !strings.Contains(page.Body, "failed sign-ins to your account") {
		t.Errorf("the owner's notifications do not mention the failures:\n%s", page.Body)
	}
}

// One wrong try from each of twelve addresses neither locks the account nor
// refuses any of them, and the burst is announced once.
func TestManyAddressesCannotLockTheOwnerOut(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for i := 1; i <= 12; i++ {
		c := e.clientAt("127.0.1." + strconv.Itoa(i))
		c.get("/login")
		wantStatus(t, c.post("/login", url.Values{"email": {"rep@example.com"}, "password": {"guess"}}), http.StatusUnauthorized)
	}
	e.clientAt("127.0.0.77").login("rep@example.com")

	rep := e.userID("rep@example.com")
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'sign_in_burst'`, rep); n != 1 {
		t.Errorf("%d burst notifications, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'session.sign_in_burst' AND target_id = $1
		AND detail LIKE '5 failed sign-ins within 15 minutes from 5 addresses;%'`, rep); n != 1 {
		t.Errorf("%d burst audit rows naming 5 failures from 5 addresses, want 1", n)
	}
}
