package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"tandem/internal/tokens"
	"tandem/internal/users"
)

var newSCIMToken = regexp.MustCompile(`value="([^"]+)" aria-label="New SCIM token"`)

// scimCall is one request of a provider's SCIM client to the running server.
func (e *testEnv) scimCall(t *testing.T, token, method, path, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, e.http.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var doc map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s %s: %d, not JSON: %s", method, path, res.StatusCode, raw)
		}
	}
	return res, doc
}

// An admin makes a SCIM token on /admin/sso and the provider's client uses
// it at /scim/v2 on the same server: provisioning, deprovisioning (which
// signs the person out of the browser and the API in that request), and
// revocation.
func TestSCIMThroughTheServer(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, `UPDATE sso_policy SET default_team = 'service', default_role = 'member'`); err != nil {
		t.Fatal(err)
	}

	res, doc := e.scimCall(t, "", "GET", "/scim/v2/Users", "")
	if res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") == "" || doc["status"] != "401" {
		t.Fatalf("without a token: %d %v %v", res.StatusCode, res.Header, doc)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	if res.Header.Get("Content-Security-Policy") == "" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("security headers missing: %v", res.Header)
	}

	scimBase := strings.TrimRight(e.srv.cfg.BaseURL.String(), "/") + "/scim/v2"
	admin := e.client()
	admin.login("admin@example.com")
	page := admin.get("/admin/sso")
	wantStatus(t, page, http.StatusOK)
	if !strings.Contains(page.Body, "No SCIM tokens yet.") || !strings.Contains(page.Body, "<code>"+scimBase+"</code>") {
		t.Fatalf("SCIM section of an empty page:\n%s", page.Body)
	}

	refused := admin.post("/admin/sso/scim-tokens", url.Values{"name": {"   "}})
	wantStatus(t, refused, http.StatusUnprocessableEntity)
	if !strings.Contains(refused.Body, "Name the token after the client") {
		t.Errorf("blank name: no message\n%s", refused.Body)
	}
	long := strings.Repeat("x", 101)
	refused = admin.post("/admin/sso/scim-tokens", url.Values{"name": {long}})
	wantStatus(t, refused, http.StatusUnprocessableEntity)
	if !strings.Contains(refused.Body, `value="`+long+`"`) {
		t.Errorf("a refused name is not kept in the form")
	}
	if n := e.count(`SELECT count(*) FROM scim_tokens`); n != 0 {
		t.Fatalf("%d tokens after refusals", n)
	}

	wantRedirect(t, admin.post("/admin/sso/scim-tokens", url.Values{"name": {"Okta <prod>"}}), "/admin/sso")
	page = admin.get("/admin/sso")
	m := newSCIMToken.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("the new token is not shown:\n%s", page.Body)
	}
	token := m[1]
	if !strings.Contains(page.Body, "Okta &lt;prod&gt;") || !strings.Contains(page.Body, `aria-label="Revoke Okta &lt;prod&gt;"`) {
		t.Errorf("the token's row is missing or unescaped")
	}
	if again := admin.get("/admin/sso"); strings.Contains(again.Body, token) {
		t.Errorf("the token is shown a second time")
	}

	// RFC 7644 §3.3's example, trimmed to what Tandem keeps.
	res, doc = e.scimCall(t, token, "POST", "/scim/v2/Users", `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName": "bjensen@example.com", "externalId": "bjensen",
		"name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"}}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %v", res.StatusCode, doc)
	}
	id, _ := doc["id"].(string)
	if loc := res.Header.Get("Location"); loc != scimBase+"/Users/"+id {
		t.Errorf("Location %q", loc)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
		t.Errorf("Content-Type %q", ct)
	}
	userID, _ := strconv.ParseInt(id, 10, 64)
	if n := e.count(`SELECT count(*) FROM users WHERE id = $1 AND email = 'bjensen@example.com' AND team = 'service' AND role = 'member' AND active`, userID); n != 1 {
		t.Fatalf("the created account is not an active service member")
	}

	res, doc = e.scimCall(t, token, "GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "BJensen@example.com"`), "")
	if res.StatusCode != http.StatusOK || doc["totalResults"] != float64(1) {
		t.Fatalf("filter: %d %v", res.StatusCode, doc)
	}

	// The person is signed in and has an API token when the provider
	// deactivates them.
	sess, err := e.srv.users.StartProviderSession(ctx, userID, e.srv.session, "127.0.0.1", "test", "")
	if err != nil {
		t.Fatal(err)
	}
	_, apiSecret, err := e.srv.tokens.CreatePersonal(ctx, users.Actor{UserID: userID}, userID, tokens.New{Name: "laptop", Scopes: []tokens.Scope{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	browser := e.client()
	base, _ := url.Parse(e.http.URL)
	browser.c.Jar.SetCookies(base, []*http.Cookie{{Name: "session", Value: sess.Token}})
	wantStatus(t, browser.get("/account"), http.StatusOK)
	if res := e.api(apiSecret).get("/api/v1/leads"); res.StatusCode != http.StatusOK {
		t.Fatalf("the API token before deactivation: %d", res.StatusCode)
	}

	res, doc = e.scimCall(t, token, "PATCH", "/scim/v2/Users/"+id, `{
		"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "replace", "path": "active", "value": false}]}`)
	if res.StatusCode != http.StatusOK || doc["active"] != false {
		t.Fatalf("deactivate: %d %v", res.StatusCode, doc)
	}
	if res := browser.get("/account"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("the browser session outlived deactivation: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res := e.api(apiSecret).get("/api/v1/leads"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the API token after deactivation: %d, want 401", res.StatusCode)
	}

	res, _ = e.scimCall(t, token, "DELETE", "/scim/v2/Users/"+id, "")
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if res, _ = e.scimCall(t, token, "GET", "/scim/v2/Users/"+id, ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("get after delete: %d, want 404", res.StatusCode)
	}
	if n := e.count(`SELECT count(*) FROM users WHERE id = $1 AND NOT active`, userID); n != 1 {
		t.Errorf("delete should keep the account, deactivated, for its history")
	}

	page = admin.get("/admin/sso")
	if strings.Contains(page.Body, ">never<") {
		t.Errorf("the used token still says it was never used")
	}
	var tokenID int64
	if err := e.pool.QueryRow(ctx, `SELECT id FROM scim_tokens`).Scan(&tokenID); err != nil {
		t.Fatal(err)
	}
	wantRedirect(t, admin.post("/admin/sso/scim-tokens/"+strconv.FormatInt(tokenID, 10)+"/revoke", nil), "/admin/sso")
	if res, _ = e.scimCall(t, token, "GET", "/scim/v2/Users", ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d, want 401", res.StatusCode)
	}
	wantStatus(t, admin.post("/admin/sso/scim-tokens/"+strconv.FormatInt(tokenID, 10)+"/revoke", nil), http.StatusNotFound)
	if n := e.count(`SELECT count(*) FROM audit_events WHERE action IN ('scim.token_created', 'scim.token_revoked')`); n != 2 {
		t.Errorf("%d audit entries for the token, want created and revoked", n)
	}
}
