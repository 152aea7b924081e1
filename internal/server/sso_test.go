package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"tandem/internal/oidctest"
	"tandem/internal/seed"
	"tandem/internal/sso"
	"tandem/internal/testdb/demo"
	"tandem/internal/users"
)

// ssoEnv is a Tandem on the demo company that signs in through a real
// OpenID provider running in the test.
type ssoEnv struct {
	*testEnv
	idp *oidctest.Provider
}

func newSSOEnv(t *testing.T) *ssoEnv {
	t.Helper()
	idp := oidctest.Start(t)
	env := newTestEnvOn(t, demo.New(t), idp.Env())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	env.srv.oidc.Discover(ctx)
	if st := env.srv.oidc.Status(); !st.Ready {
		t.Fatalf("discovery did not succeed: %+v", st)
	}
	return &ssoEnv{testEnv: env, idp: idp}
}

// addRule adds a group rule as the admin would.
func (e *ssoEnv) addRule(t *testing.T, group, team, role string) {
	t.Helper()
	admin := e.client()
	admin.login("admin@example.com")
	admin.get("/admin/sso")
	res := admin.post("/admin/sso/rules", url.Values{"group": {group}, "team": {team}, "role": {role}})
	wantRedirect(t, res, "/admin/sso")
}

// authorize starts a sign-in in c's browser with user at the provider and
// returns the provider's answer (code and state) for the callback.
func (e *ssoEnv) authorize(t *testing.T, c *client, user mockoidc.User) url.Values {
	t.Helper()
	e.idp.QueueUser(user)
	res := c.get("/auth/oidc/start")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), e.idp.AuthorizationEndpoint()) {
		t.Fatalf("start: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	auth, _ := url.Parse(res.Header.Get("Location"))
	for _, p := range []string{"state", "nonce", "code_challenge"} {
		if auth.Query().Get(p) == "" {
			t.Fatalf("authorization request without %s: %s", p, auth)
		}
	}
	if auth.Query().Get("code_challenge_method") != "S256" {
		t.Fatalf("PKCE method %q", auth.Query().Get("code_challenge_method"))
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	idpRes, err := noFollow.Get(auth.String())
	if err != nil {
		t.Fatal(err)
	}
	idpRes.Body.Close()
	back, err := url.Parse(idpRes.Header.Get("Location"))
	if idpRes.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("provider answered %d to %q", idpRes.StatusCode, idpRes.Header.Get("Location"))
	}
	if back.Path != sso.CallbackPath {
		t.Fatalf("provider sent the browser to %s", back)
	}
	return back.Query()
}

func (e *ssoEnv) callback(c *client, answer url.Values) response {
	return c.get(sso.CallbackPath + "?" + answer.Encode())
}

// signIn runs the whole flow and wants a signed-in browser.
func (e *ssoEnv) signIn(t *testing.T, user mockoidc.User) *client {
	t.Helper()
	c := e.client()
	res := e.callback(c, e.authorize(t, c, user))
	wantRedirect(t, res, "/")
	if c.cookie("session") == "" {
		t.Fatal("no session cookie after a good sign-in")
	}
	return c
}

// wantRefused checks a sign-in was refused: the page says why, no session
// exists for anyone new, and the audit log has one more refusal.
func (e *ssoEnv) wantRefused(t *testing.T, c *client, res response, sessionsBefore, refusalsBefore int, reason string) {
	t.Helper()
	if res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d, want 401 or 403\n%s", res.StatusCode, res.Body)
	}
	if !strings.Contains(res.Body, "You are not signed in") {
		t.Errorf("refusal page does not say so:\n%s", res.Body)
	}
	if c.cookie("session") != "" {
		t.Error("a refused sign-in left a session cookie")
	}
	if n := e.count(`SELECT count(*) FROM sessions`); n != sessionsBefore {
		t.Errorf("sessions %d → %d", sessionsBefore, n)
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'sso.sign_in_refused'`); n != refusalsBefore+1 {
		t.Errorf("refusals in the audit log %d → %d", refusalsBefore, n)
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'sso.sign_in_refused' AND detail LIKE '%' || $1 || '%'`, reason); n == 0 {
		t.Errorf("no refusal audited with reason %q", reason)
	}
}

func (e *ssoEnv) refusalCounts() (sessions, refusals int) {
	return e.count(`SELECT count(*) FROM sessions`), e.count(`SELECT count(*) FROM audit_events WHERE action = 'sso.sign_in_refused'`)
}

func TestSSOFirstSignInCreatesTheAccountFromTheGroupRules(t *testing.T) {
	t.Parallel()
	e := newSSOEnv(t)
	e.addRule(t, "Tandem Marketing Leads", "marketing", "manager")

	// The sign-in page offers the provider.
	page := e.client().get("/login")
	wantStatus(t, page, http.StatusOK)
	if !strings.Contains(page.Body, "Sign in with Acme ID") || !strings.Contains(page.Body, `href="/auth/oidc/start"`) {
		t.Fatalf("sign-in page without the SSO button:\n%s", page.Body)
	}

	c := e.signIn(t, oidctest.NewUser("new.person@example.com", "everyone", "tandem marketing leads"))
	home := c.get("/")
	wantStatus(t, home, http.StatusOK)
	var team, role string
	var hasPassword bool
	if err := e.pool.QueryRow(context.Background(), `SELECT team, role, password_hash IS NOT NULL FROM users WHERE email = 'new.person@example.com'`).
		Scan(&team, &role, &hasPassword); err != nil {
		t.Fatal(err)
	}
	if team != "marketing" || role != "manager" || hasPassword {
		t.Errorf("account %s/%s password %t", team, role, hasPassword)
	}
	if n := e.count(`SELECT count(*) FROM user_identities i JOIN users u ON u.id = i.user_id
		WHERE u.email = 'new.person@example.com' AND i.issuer = $1 AND i.subject = 'sub-new.person@example.com'`, e.idp.Issuer()); n != 1 {
		t.Errorf("identity rows %d", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'user.created' AND email = 'new.person@example.com' AND detail LIKE '%single sign-on%rule #1%'`); n != 1 {
		t.Errorf("creation audited %d times", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'session.signed_in' AND email = 'new.person@example.com' AND detail LIKE 'via single sign-on%'`); n != 1 {
		t.Errorf("sign-in audited %d times", n)
	}
	if n := e.count(`SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'new.person@example.com' AND s.id_token IS NOT NULL`); n != 1 {
		t.Errorf("sessions keeping the ID token: %d", n)
	}

	// The same person again is the same account, found by issuer and
	// subject even when the email at the provider changed.
	again := oidctest.NewUser("renamed@example.com", "tandem marketing leads")
	again.Subject = "sub-new.person@example.com"
	e.signIn(t, again)
	if n := e.count(`SELECT count(*) FROM users WHERE email IN ('new.person@example.com', 'renamed@example.com')`); n != 1 {
		t.Errorf("accounts after the second sign-in: %d", n)
	}
}

func TestSSOSignInGoesWhereThePersonWasGoing(t *testing.T) {
	t.Parallel()
	e := newSSOEnv(t)
	e.addRule(t, "sellers", "sales", "member")
	c := e.client()
	e.idp.QueueUser(oidctest.NewUser("seller@example.com", "sellers"))
	res := c.get("/auth/oidc/start?next=" + url.QueryEscape("/leads?stage=new"))
	wantStatus(t, res, http.StatusSeeOther)
	auth, _ := url.Parse(res.Header.Get("Location"))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	idpRes, err := noFollow.Get(auth.String())
	if err != nil {
		t.Fatal(err)
	}
	idpRes.Body.Close()
	back, _ := url.Parse(idpRes.Header.Get("Location"))
	wantRedirect(t, e.callback(c, back.Query()), "/leads?stage=new")
}

// tampered is a user whose ID token the provider signs with a change.
func tampered(email string, change func(*mockoidc.IDTokenClaims)) *oidctest.User {
	u := oidctest.NewUser(email, "sellers")
	u.Tamper = change
	return u
}

func TestSSORefusesEveryForgedOrWrongAnswer(t *testing.T) {
	t.Parallel()
	e := newSSOEnv(t)
	e.addRule(t, "sellers", "sales", "member")

	t.Run("wrong state", func(t *testing.T) {
		c := e.client()
		answer := e.authorize(t, c, oidctest.NewUser("state@example.com", "sellers"))
		answer.Set("state", "forged-"+answer.Get("state"))
		s, r := e.refusalCounts()
		e.wantRefused(t, c, e.callback(c, answer), s, r, "state does not match")
	})
	t.Run("state from another browser", func(t *testing.T) {
		victim, attacker := e.client(), e.client()
		answer := e.authorize(t, victim, oidctest.NewUser("victim@example.com", "sellers"))
		attacker.get("/login") // a pre-session of its own
		s, r := e.refusalCounts()
		e.wantRefused(t, attacker, e.callback(attacker, answer), s, r, "state does not match")
	})
	t.Run("replayed code", func(t *testing.T) {
		c := e.client()
		answer := e.authorize(t, c, oidctest.NewUser("replay@example.com", "sellers"))
		wantRedirect(t, e.callback(c, answer), "/")
		c.get("/account")
		c.post("/logout", nil)
		// The same answer again: its state is used up.
		other := e.client()
		s, r := e.refusalCounts()
		e.wantRefused(t, c, e.callback(c, answer), s, r, "state does not match")
		// The used code under a fresh state: the provider refuses it.
		fresh := e.authorize(t, other, oidctest.NewUser("replay@example.com", "sellers"))
		fresh.Set("code", answer.Get("code"))
		s, r = e.refusalCounts()
		e.wantRefused(t, other, e.callback(other, fresh), s, r, "the provider refused the code")
	})
	cases := []struct {
		name, reason string
		change       func(*mockoidc.IDTokenClaims)
	}{
		{"wrong nonce", "nonce", func(c *mockoidc.IDTokenClaims) { c.Nonce = "another sign-in's nonce" }},
		{"wrong issuer", "issued by a different provider", func(c *mockoidc.IDTokenClaims) { c.Issuer = "https://evil.example.com/oidc" }},
		{"wrong audience", "audience", func(c *mockoidc.IDTokenClaims) { c.Audience = jwt.ClaimStrings{"another-client"} }},
		{"expired token", "expired", func(c *mockoidc.IDTokenClaims) {
			c.IssuedAt = jwt.NewNumericDate(time.Now().Add(-2 * time.Hour))
			c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := e.client()
			email := strings.ReplaceAll(tc.name, " ", ".") + "@example.com"
			answer := e.authorize(t, c, tampered(email, tc.change))
			s, r := e.refusalCounts()
			e.wantRefused(t, c, e.callback(c, answer), s, r, tc.reason)
			if n := e.count(`SELECT count(*) FROM users WHERE email = $1`, email); n != 0 {
				t.Errorf("an account was created for %s", email)
			}
		})
	}
	t.Run("unverified email", func(t *testing.T) {
		c := e.client()
		u := oidctest.NewUser("unverified@example.com", "sellers")
		u.EmailVerified = false
		answer := e.authorize(t, c, u)
		s, r := e.refusalCounts()
		res := e.callback(c, answer)
		e.wantRefused(t, c, res, s, r, "not say the email is verified")
		if !strings.Contains(res.Body, "verified") {
			t.Errorf("the page does not say what to do:\n%s", res.Body)
		}
		if n := e.count(`SELECT count(*) FROM users WHERE email = 'unverified@example.com'`); n != 0 {
			t.Error("an account was created for an unverified email")
		}
	})
	t.Run("the provider says no", func(t *testing.T) {
		c := e.client()
		answer := e.authorize(t, c, oidctest.NewUser("denied@example.com", "sellers"))
		denied := url.Values{"state": {answer.Get("state")}, "error": {"access_denied"}, "error_description": {"The user said no"}}
		s, r := e.refusalCounts()
		e.wantRefused(t, c, e.callback(c, denied), s, r, "access_denied")
		// Its state cannot be used afterwards.
		s, r = e.refusalCounts()
		e.wantRefused(t, c, e.callback(c, answer), s, r, "state does not match")
	})
	t.Run("no group rule and no default", func(t *testing.T) {
		c := e.client()
		answer := e.authorize(t, c, oidctest.NewUser("outsider@example.com", "contractors"))
		s, r := e.refusalCounts()
		res := e.callback(c, answer)
		e.wantRefused(t, c, res, s, r, "no group rule matches")
		if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "not in a group that has access") {
			t.Errorf("status %d:\n%s", res.StatusCode, res.Body)
		}
	})
}

// TestSSOGroupRulesGiveEveryTeamAndRole maps one group to each of the nine
// team and role pairs, and the first matching rule wins.
func TestSSOGroupRulesGiveEveryTeamAndRole(t *testing.T) {
	t.Parallel()
	e := newSSOEnv(t)
	pairs := [][2]string{}
	for _, team := range []string{"sales", "marketing", "service"} {
		for _, role := range []string{"member", "manager", "admin"} {
			e.addRule(t, "g-"+team+"-"+role, team, role)
			pairs = append(pairs, [2]string{team, role})
		}
	}
	for _, p := range pairs {
		email := p[0] + "." + p[1] + ".sso@example.com"
		e.signIn(t, oidctest.NewUser(email, "unrelated", "G-"+p[0]+"-"+p[1]))
		var team, role string
		if err := e.pool.QueryRow(context.Background(), `SELECT team, role FROM users WHERE email = $1`, email).Scan(&team, &role); err != nil {
			t.Fatal(err)
		}
		if team != p[0] || role != p[1] {
			t.Errorf("%s: got %s/%s", email, team, role)
		}
	}
	// In two groups, the earlier rule decides.
	e.signIn(t, oidctest.NewUser("both@example.com", "g-service-admin", "g-sales-member"))
	if got := e.count(`SELECT count(*) FROM users WHERE email = 'both@example.com' AND team = 'sales' AND role = 'member'`); got != 1 {
		t.Error("the first matching rule did not win")
	}
}

func TestSSODemotesAtTheNextSignInAndEndsTheOtherSessions(t *testing.T) {
	t.Parallel()
	e := newSSOEnv(t)
	e.addRule(t, "marketing-managers", "marketing", "manager")
	e.addRule(t, "marketing", "marketing", "member")

	first := e.signIn(t, oidctest.NewUser("climber@example.com", "marketing-managers", "marketing"))
	wantStatus(t, first.get("/kpis/targets"), http.StatusOK)

	// The provider removed them from the managers' group.
	second := e.signIn(t, oidctest.NewUser("climber@example.com", "marketing"))
	if n := e.count(`SELECT count(*) FROM users WHERE email = 'climber@example.com' AND role = 'member'`); n != 1 {
		t.Fatal("not demoted")
	}
	if res := first.get("/"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("the session from before the demotion still works: %d", res.StatusCode)
	}
	wantStatus(t, second.get("/"), http.StatusOK)
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'user.access_changed' AND email = 'climber@example.com' AND detail LIKE '%manager→member%'`); n != 1 {
		t.Errorf("demotion audited %d times", n)
	}

	// Out of every group, with no default: refused, and the account stays.
	c := e.client()
	answer := e.authorize(t, c, oidctest.NewUser("climber@example.com"))
	s, r := e.refusalCounts()
	e.wantRefused(t, c, e.callback(c, answer), s, r, "no group rule matches")
}

func TestSSODefaultAccessWhenNoRuleMatches(t *testing.T) {
	t.Parallel()
	e := newSSOEnv(t)
	admin := e.client()
	admin.login("admin@example.com")
	page := admin.get("/admin/sso")
	wantStatus(t, page, http.StatusOK)
	res := admin.post("/admin/sso/policy", url.Values{"version": {"1"}, "default": {"service/member"}, "password_sign_in": {"everyone"}})
	wantRedirect(t, res, "/admin/sso")
	e.signIn(t, oidctest.NewUser("helper@example.com", "nothing-known"))
	if n := e.count(`SELECT count(*) FROM users WHERE email = 'helper@example.com' AND team = 'service' AND role = 'member'`); n != 1 {
		t.Error("the default was not given")
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'sso.policy_changed' AND detail LIKE 'default service/member%'`); n != 1 {
		t.Error("the policy change is not audited")
	}
}

func TestSSOLinksAnExistingAccountOnlyWhenAllowedAndVerified(t *testing.T) {
	t.Parallel()
	e := newSSOEnv(t)
	e.addRule(t, "sellers", "sales", "member")

	// Linking is off by default: the demo rep's email is taken.
	c := e.client()
	answer := e.authorize(t, c, oidctest.NewUser("rep@example.com", "sellers"))
	s, r := e.refusalCounts()
	res := e.callback(c, answer)
	e.wantRefused(t, c, res, s, r, "linking by email is off")

	admin := e.client()
	admin.login("admin@example.com")
	admin.get("/admin/sso")
	wantRedirect(t, admin.post("/admin/sso/policy", url.Values{"version": {"1"}, "link_by_email": {"true"}, "password_sign_in": {"everyone"}}), "/admin/sso")

	// An unverified email does not take over the account.
	unverified := oidctest.NewUser("rep@example.com", "sellers")
	unverified.Subject = "someone-else"
	unverified.EmailVerified = false
	c = e.client()
	answer = e.authorize(t, c, unverified)
	s, r = e.refusalCounts()
	e.wantRefused(t, c, e.callback(c, answer), s, r, "not say the email is verified")

	e.signIn(t, oidctest.NewUser("rep@example.com", "sellers"))
	if n := e.count(`SELECT count(*) FROM user_identities i JOIN users u ON u.id = i.user_id WHERE u.email = 'rep@example.com'`); n != 1 {
		t.Error("not linked")
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'sso.linked' AND email = 'rep@example.com'`); n != 1 {
		t.Error("the link is not audited")
	}
}

func TestBreakGlassAdminIsTheOnlyPasswordSignIn(t *testing.T) {
	t.Parallel()
	e := newSSOEnv(t)
	admin := e.client()
	admin.login("admin@example.com")
	admin.get("/admin/sso")

	// A break-glass account must be an active admin with a password.
	res := admin.post("/admin/sso/policy", url.Values{"version": {"1"}, "password_sign_in": {"break_glass"}, "break_glass_email": {"rep@example.com"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "must be an active admin") || !strings.Contains(res.Body, `value="rep@example.com"`) {
		t.Errorf("refusal without the message or the typed email:\n%s", res.Body)
	}
	res = admin.post("/admin/sso/policy", url.Values{"version": {"1"}, "password_sign_in": {"break_glass"}, "break_glass_email": {"admin@example.com"}})
	wantRedirect(t, res, "/admin/sso")

	page := e.client().get("/login")
	wantStatus(t, page, http.StatusOK)
	if strings.Contains(page.Body, `type="password"`) || !strings.Contains(page.Body, "Sign in with Acme ID") {
		t.Errorf("the sign-in page still offers passwords, or not SSO:\n%s", page.Body)
	}
	if bg := e.client().get("/login?break_glass=1"); !strings.Contains(bg.Body, `type="password"`) {
		t.Error("the break-glass page has no password form")
	}

	// Another account's right password does not sign in, and the answer
	// is the same as a wrong password's.
	rep := e.client()
	rep.get("/login?break_glass=1")
	right := rep.post("/login", url.Values{"email": {"rep@example.com"}, "password": {seed.DemoPassword}})
	wrong := rep.post("/login", url.Values{"email": {"rep@example.com"}, "password": {"not the password at all"}})
	wantStatus(t, right, http.StatusUnauthorized)
	wantStatus(t, wrong, http.StatusUnauthorized)
	if msg := "do not match the break-glass admin account"; !strings.Contains(right.Body, msg) || !strings.Contains(wrong.Body, msg) {
		t.Errorf("the answers differ or lack the message:\n%s", right.Body)
	}
	if rep.cookie("session") != "" {
		t.Error("a non-break-glass password sign-in got a session")
	}
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action = 'session.password_refused' AND email = 'rep@example.com'`); n != 1 {
		t.Errorf("refused password sign-in audited %d times", n)
	}

	bg := e.client()
	bg.get("/login?break_glass=1")
	wantRedirect(t, bg.post("/login", url.Values{"email": {"admin@example.com"}, "password": {seed.DemoPassword}}), "/")
}

func TestClosingPasswordSignInNeedsSSOConfigured(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	admin := env.client()
	admin.login("admin@example.com")
	page := admin.get("/admin/sso")
	wantStatus(t, page, http.StatusOK)
	if !strings.Contains(page.Body, "Single sign-on is off") {
		t.Errorf("the page does not say SSO is off:\n%s", page.Body)
	}
	res := admin.post("/admin/sso/policy", url.Values{"version": {"1"}, "password_sign_in": {"break_glass"}, "break_glass_email": {"admin@example.com"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "not configured") {
		t.Errorf("no reason given:\n%s", res.Body)
	}
	wantStatus(t, env.client().get("/auth/oidc/start"), http.StatusNotFound)
	wantStatus(t, env.client().get("/auth/oidc/callback?state=x&code=y"), http.StatusNotFound)
}

func TestSSOSignOutEndsTheProviderSessionToo(t *testing.T) {
	t.Parallel()
	e := newSSOEnv(t)
	e.addRule(t, "sellers", "sales", "member")
	c := e.signIn(t, oidctest.NewUser("leaver@example.com", "sellers"))
	var idToken string
	if err := e.pool.QueryRow(context.Background(), `SELECT s.id_token FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'leaver@example.com'`).Scan(&idToken); err != nil {
		t.Fatal(err)
	}
	c.get("/account")
	res := c.post("/logout", nil)
	wantStatus(t, res, http.StatusOK)
	if n := e.count(`SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'leaver@example.com'`); n != 0 {
		t.Errorf("sessions left: %d", n)
	}
	want := e.idp.EndSessionURL() + "?"
	i := strings.Index(res.Body, want)
	if i < 0 {
		t.Fatalf("no link to the provider's logout:\n%s", res.Body)
	}
	link := res.Body[i:]
	link = strings.ReplaceAll(link[:strings.IndexByte(link, '"')], "&amp;", "&")
	u, _ := url.Parse(link)
	if u.Query().Get("id_token_hint") != idToken || u.Query().Get("post_logout_redirect_uri") != e.srv.cfg.BaseURL.String()+"/login" {
		t.Errorf("logout link %s", link)
	}
	// A password session signs out as before.
	p := e.client()
	p.login("rep@example.com")
	wantRedirect(t, p.post("/logout", nil), "/login")
}

func TestSSOAdminRules(t *testing.T) {
	t.Parallel()
	e := newSSOEnv(t)
	admin := e.client()
	admin.login("admin@example.com")
	admin.get("/admin/sso")
	res := admin.post("/admin/sso/rules", url.Values{"group": {"  "}, "team": {"sales"}, "role": {"member"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "Enter the group") {
		t.Errorf("no message:\n%s", res.Body)
	}
	res = admin.post("/admin/sso/rules", url.Values{"group": {"sellers"}, "team": {"pirates"}, "role": {"member"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, `value="sellers"`) {
		t.Error("the typed group is lost")
	}
	e.addRule(t, "first", "sales", "member")
	e.addRule(t, "second", "marketing", "member")
	e.addRule(t, "third", "service", "member")
	order := func() string {
		rows, _ := e.pool.Query(context.Background(), `SELECT group_name FROM sso_group_rules ORDER BY position`)
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			_ = rows.Scan(&n)
			names = append(names, n)
		}
		return strings.Join(names, ",")
	}
	id := func(group string) string {
		return itoa(e.count(`SELECT id::int FROM sso_group_rules WHERE group_name = $1`, group))
	}
	wantRedirect(t, admin.post("/admin/sso/rules/"+id("third")+"/move", url.Values{"direction": {"up"}}), "/admin/sso")
	if got := order(); got != "first,third,second" {
		t.Errorf("after moving third up: %s", got)
	}
	wantRedirect(t, admin.post("/admin/sso/rules/"+id("first")+"/move", url.Values{"direction": {"up"}}), "/admin/sso")
	if got := order(); got != "first,third,second" {
		t.Errorf("moving the first up changed the order: %s", got)
	}
	wantRedirect(t, admin.post("/admin/sso/rules/"+id("first")+"/delete", nil), "/admin/sso")
	if got := order(); got != "third,second" {
		t.Errorf("after removing first: %s", got)
	}
	if n := e.count(`SELECT count(*) FROM sso_group_rules WHERE position IN (1, 2)`); n != 2 {
		t.Error("positions not renumbered")
	}
	wantStatus(t, admin.post("/admin/sso/rules/999999/delete", nil), http.StatusNotFound)
	wantStatus(t, admin.post("/admin/sso/rules/"+id("third")+"/move", url.Values{"direction": {"sideways"}}), http.StatusUnprocessableEntity)
	page := admin.get("/admin/sso")
	for _, want := range []string{"third", "second", e.idp.Issuer(), "/auth/oidc/callback", "Ready"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("admin page lacks %q", want)
		}
	}
	for _, who := range []string{"marketing.manager@example.com", "rep@example.com"} {
		c := e.client()
		c.login(who)
		wantStatus(t, c.get("/admin/sso"), http.StatusForbidden)
	}
}

func TestSSOPolicyConcurrentEditIsDetected(t *testing.T) {
	t.Parallel()
	e := newSSOEnv(t)
	a, b := e.client(), e.client()
	a.login("admin@example.com")
	b.login("admin@example.com")
	a.get("/admin/sso")
	b.get("/admin/sso")
	wantRedirect(t, a.post("/admin/sso/policy", url.Values{"version": {"1"}, "default": {"sales/member"}, "password_sign_in": {"everyone"}}), "/admin/sso")
	res := b.post("/admin/sso/policy", url.Values{"version": {"1"}, "default": {"service/admin"}, "password_sign_in": {"everyone"}})
	wantStatus(t, res, http.StatusConflict)
	if n := e.count(`SELECT count(*) FROM sso_policy WHERE default_team = 'sales'`); n != 1 {
		t.Error("the first save was overwritten")
	}
}

var ssoAccess = map[string]string{
	"GET /auth/oidc/start":                    "anyone",
	"GET /auth/oidc/callback":                 "anyone",
	"GET /admin/sso":                          "admins",
	"POST /admin/sso/policy":                  "admins",
	"POST /admin/sso/rules":                   "admins",
	"POST /admin/sso/rules/{id}/move":         "admins",
	"POST /admin/sso/rules/{id}/delete":       "admins",
	"POST /admin/sso/scim-tokens":             "admins",
	"POST /admin/sso/scim-tokens/{id}/revoke": "admins",
}

// addRules puts the named group rules in, in order, and returns their ids.
func (e *testEnv) addRules(t *testing.T, groups ...string) []int64 {
	t.Helper()
	var ids []int64
	for i, g := range groups {
		var id int64
		if err := e.pool.QueryRow(context.Background(), `INSERT INTO sso_group_rules (position, group_name, team, role)
			VALUES ($1, $2, 'sales', 'member') RETURNING id`, i+1, g).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

const rulesState = `SELECT coalesce(string_agg(group_name, ',' ORDER BY position), '') FROM sso_group_rules`

var (
	ssoPolicyHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/admin/sso/policy", form: url.Values{"version": {"1"}, "default": {"sales/member"},
			"link_by_email": {"true"}, "password_sign_in": {"everyone"}},
			state: `SELECT coalesce(default_team, '') || link_by_email::text || version FROM sso_policy`}
	}}
	ssoRuleAddHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/admin/sso/rules", form: url.Values{"group": {"sellers"}, "team": {"sales"}, "role": {"manager"}}, state: rulesState}
	}}
	ssoRuleMoveHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		ids := e.addRules(t, "first", "second")
		return happyPost{path: "/admin/sso/rules/" + strconv.FormatInt(ids[1], 10) + "/move", form: url.Values{"direction": {"up"}}, state: rulesState}
	}}
	ssoRuleDeleteHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		ids := e.addRules(t, "first", "second")
		return happyPost{path: "/admin/sso/rules/" + strconv.FormatInt(ids[0], 10) + "/delete", state: rulesState}
	}}
	scimTokenCreateHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		return happyPost{path: "/admin/sso/scim-tokens", form: url.Values{"name": {"Okta"}}, state: `SELECT count(*) FROM scim_tokens`}
	}}
	scimTokenRevokeHappyPath = happyCase{as: "admin@example.com", prepare: func(t *testing.T, e *testEnv, c *client) happyPost {
		tok, _, err := e.srv.scim.Create(context.Background(), users.Actor{}, "Okta")
		if err != nil {
			t.Fatal(err)
		}
		return happyPost{path: "/admin/sso/scim-tokens/" + strconv.FormatInt(tok.ID, 10) + "/revoke",
			state: `SELECT count(*) FROM scim_tokens WHERE revoked_at IS NULL`}
	}}
)
