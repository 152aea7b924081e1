package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"tandem/internal/htmltest"
	"tandem/internal/tokens"
	"tandem/internal/users"
)

// token creates a personal token of email's user with scopes and returns
// its id and secret.
func (e *testEnv) token(email string, scopes ...tokens.Scope) (int64, string) {
	e.t.Helper()
	if len(scopes) == 0 {
		scopes = tokens.Scopes
	}
	id := e.userID(email)
	tok, secret, err := e.srv.tokens.CreatePersonal(context.Background(), users.Actor{UserID: id}, id, tokens.New{Name: "test", Scopes: scopes})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok.ID, secret
}

func (e *testEnv) apiToken(email string) int64 {
	id, _ := e.token(email)
	return id
}

var shownSecret = regexp.MustCompile(`value="(tdm_[A-Za-z0-9_-]{43})"`)

func TestTokenPageShowsTheSecretOnceAndRevokes(t *testing.T) {
	e := newTestEnv(t)
	c := e.client()
	c.login("rep@example.com")
	page := c.get("/account/tokens")
	form := url.Values{"name": {"Nightly sync"}, "scopes": {"read"}, "expires": {"90d"},
		"form_token": {formTokenInput.FindStringSubmatch(page.Body)[1]}}
	if res := c.post("/account/tokens", form); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/tokens" {
		t.Fatalf("create: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res := c.get("/account/tokens")
	m := shownSecret.FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatal("the new token is not shown after the redirect")
	}
	secret := m[1]
	if _, _, err := e.srv.tokens.Authenticate(context.Background(), secret, "127.0.0.1"); err != nil {
		t.Fatalf("the shown secret does not work: %v", err)
	}
	if again := c.get("/account/tokens"); strings.Contains(again.Body, secret) {
		t.Error("the secret is shown a second time")
	}
	if c.post("/account/tokens", form); shownSecret.MatchString(c.get("/account/tokens").Body) || e.count(`SELECT count(*) FROM api_tokens`) != 1 {
		t.Error("the same form sent twice made a second token")
	}

	bad := c.post("/account/tokens", url.Values{"name": {""}, "expires": {"9y"}})
	if bad.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", bad.StatusCode)
	}
	htmltest.ErrorSummary(t, "token form", bad.Body, "Choose how long the token lives.")

	other, _ := e.token("marketer@example.com")
	if res := c.post("/account/tokens/"+strconv.FormatInt(other, 10)+"/revoke", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("revoking someone else's token: %d", res.StatusCode)
	}
}
