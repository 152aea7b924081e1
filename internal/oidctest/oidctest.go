// Package oidctest runs a real OpenID provider in the test process
// (github.com/oauth2-proxy/mockoidc: discovery, keys, authorization with
// PKCE, a token endpoint that redeems each code once), with what the tests
// of single sign-on need on top: ID tokens tampered with on purpose, a
// sign-in page a browser fills in, and an end-session endpoint that
// records the logouts it gets.
package oidctest

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// Provider is the running provider.
type Provider struct {
	*mockoidc.MockOIDC
	endSession *httptest.Server

	mu          sync.Mutex
	interactive bool
	logouts     []string // the id_token_hint of each logout
}

// User is a person at the provider. Tamper, when set, changes the claims
// of the ID token the provider signs for them: a wrong nonce, issuer,
// audience or expiry.
type User struct {
	mockoidc.MockUser
	Tamper func(*mockoidc.IDTokenClaims)
}

// Claims implements mockoidc.User.
func (u *User) Claims(scope []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.Tamper != nil {
		rc := *c.RegisteredClaims // a copy: the provider's base claims stay as they are
		c = &mockoidc.IDTokenClaims{Nonce: c.Nonce, RegisteredClaims: &rc}
		u.Tamper(c)
	}
	return u.MockUser.Claims(scope, c)
}

// NewUser is a user with a verified email and the given groups; the
// subject is derived from the email.
func NewUser(email string, groups ...string) *User {
	return &User{MockUser: mockoidc.MockUser{Subject: "sub-" + email, Email: email, EmailVerified: true,
		PreferredUsername: strings.Split(email, "@")[0], Groups: groups}}
}

// Start runs a provider until the test ends.
func Start(t testing.TB) *Provider {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{MockOIDC: m}
	p.endSession = httptest.NewServer(http.HandlerFunc(p.logout))
	t.Cleanup(p.endSession.Close)
	if err := m.AddMiddleware(p.advertiseEndSession); err != nil {
		t.Fatal(err)
	}
	if err := m.AddMiddleware(p.signInPage); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return p
}

// Env is the OIDC_* settings of a Tandem that signs in here.
func (p *Provider) Env() map[string]string {
	return map[string]string{
		"OIDC_ISSUER":        p.Issuer(),
		"OIDC_CLIENT_ID":     p.ClientID,
		"OIDC_CLIENT_SECRET": p.ClientSecret,
		"OIDC_SCOPES":        "openid email profile groups",
		"OIDC_BUTTON_LABEL":  "Acme ID",
	}
}

// Interactive makes the authorization endpoint show a sign-in page, as a
// real provider does, instead of answering at once with the queued user.
func (p *Provider) Interactive() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.interactive = true
}

// Logouts returns the id_token_hint of every logout so far.
func (p *Provider) Logouts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.logouts...)
}

// EndSessionURL is the provider's advertised end_session_endpoint.
func (p *Provider) EndSessionURL() string { return p.endSession.URL + "/logout" }

func (p *Provider) logout(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.logouts = append(p.logouts, r.URL.Query().Get("id_token_hint"))
	p.mu.Unlock()
	to := r.URL.Query().Get("post_logout_redirect_uri")
	if to == "" {
		w.Write([]byte("signed out"))
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// advertiseEndSession adds end_session_endpoint to the discovery document,
// which mockoidc does not advertise.
func (p *Provider) advertiseEndSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != mockoidc.DiscoveryEndpoint {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var doc map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		doc["end_session_endpoint"] = p.EndSessionURL()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	})
}

var signInForm = template.Must(template.New("").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Acme ID — sign in</title></head>
<body><main><h1>Acme ID</h1>
<form method="get" action="">
{{range $k, $vs := .}}{{range $vs}}<input type="hidden" name="{{$k}}" value="{{.}}">{{end}}{{end}}
<input type="hidden" name="acme_signed_in" value="1">
<p><label for="acme-email">Email</label> <input id="acme-email" name="acme_email" type="email" required></p>
<p><label for="acme-groups">Groups (comma-separated)</label> <input id="acme-groups" name="acme_groups"></p>
<p><button type="submit" id="acme-submit">Sign in to Acme ID</button></p>
</form></main></body></html>`))

// signInPage, when interactive, asks who signs in before the provider
// answers; the answer then carries that person.
func (p *Provider) signInPage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		interactive := p.interactive
		p.mu.Unlock()
		if !interactive || r.URL.Path != mockoidc.AuthorizationEndpoint {
			next.ServeHTTP(w, r)
			return
		}
		q := r.URL.Query()
		if q.Get("acme_signed_in") == "" {
			var buf bytes.Buffer
			if err := signInForm.Execute(&buf, q); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(buf.Bytes())
			return
		}
		var groups []string
		for _, g := range strings.Split(q.Get("acme_groups"), ",") {
			if g = strings.TrimSpace(g); g != "" {
				groups = append(groups, g)
			}
		}
		p.QueueUser(NewUser(q.Get("acme_email"), groups...))
		next.ServeHTTP(w, r)
	})
}
