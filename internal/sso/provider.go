// Package sso signs people in through the company's identity provider
// (OpenID Connect) and decides what Tandem account they get: the identity
// is the provider's issuer and subject, the team and role come from the
// admins' group rules. It also keeps the password sign-in policy and the
// bearer tokens of SCIM clients.
package sso

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"tandem/internal/config"
)

// Provider is the configured identity provider. Discovery runs in the
// background and is retried until it succeeds, so a provider that is down
// at start-up delays single sign-on, never Tandem: password sign-in works
// meanwhile.
type Provider struct {
	cfg         config.OIDC
	redirectURL string
	client      *http.Client
	log         *slog.Logger

	mu      sync.RWMutex
	found   *discovered
	lastErr error
}

type discovered struct {
	oauth      oauth2.Config
	verifier   *oidc.IDTokenVerifier
	endSession string
}

// CallbackPath is where the provider sends the browser back to; the
// provider must allow BASE_URL + CallbackPath as a redirect URI.
const CallbackPath = "/auth/oidc/callback"

// NewProvider returns the provider of cfg, not yet discovered; nil when
// single sign-on is off.
func NewProvider(cfg config.OIDC, baseURL *url.URL, log *slog.Logger) *Provider {
	if !cfg.Enabled() {
		return nil
	}
	return &Provider{cfg: cfg, redirectURL: baseURL.String() + CallbackPath,
		client: &http.Client{Timeout: 10 * time.Second}, log: log}
}

// ErrNotReady means discovery has not succeeded yet.
var ErrNotReady = errors.New("the identity provider has not answered yet")

// Discover fetches the provider's metadata and keys, retrying with a
// growing pause (1 s doubling to 1 min) until it succeeds or ctx ends.
func (p *Provider) Discover(ctx context.Context) {
	wait := time.Second
	for {
		err := p.discoverOnce(ctx)
		if err == nil {
			p.log.Info("single sign-on ready", "issuer", p.cfg.Issuer)
			return
		}
		p.log.Warn("single sign-on: discovery failed; password sign-in still works, retrying", "issuer", p.cfg.Issuer, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

func (p *Provider) discoverOnce(ctx context.Context) error {
	// go-oidc refuses metadata whose issuer differs from the configured
	// one by a single character (no trailing-slash leniency).
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, p.client), p.cfg.Issuer)
	if err != nil {
		p.mu.Lock()
		p.lastErr = err
		p.mu.Unlock()
		return err
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = op.Claims(&extra)
	d := &discovered{
		oauth: oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret,
			Endpoint: op.Endpoint(), RedirectURL: p.redirectURL, Scopes: p.cfg.Scopes},
		verifier:   op.Verifier(&oidc.Config{ClientID: p.cfg.ClientID}),
		endSession: extra.EndSession,
	}
	p.mu.Lock()
	p.found, p.lastErr = d, nil
	p.mu.Unlock()
	return nil
}

func (p *Provider) ready() (*discovered, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.found == nil {
		return nil, ErrNotReady
	}
	return p.found, nil
}

// Status is what the admin page says about the provider.
type Status struct {
	Issuer, ClientID, RedirectURL, GroupsClaim string
	Scopes                                     string
	Ready                                      bool
	Problem                                    string // the last discovery error, while not ready
	EndSession                                 bool   // the provider advertises RP-initiated logout
}

// Status reports the configuration and whether discovery succeeded.
func (p *Provider) Status() Status {
	p.mu.RLock()
	defer p.mu.RUnlock()
	st := Status{Issuer: p.cfg.Issuer, ClientID: p.cfg.ClientID, RedirectURL: p.redirectURL,
		GroupsClaim: p.cfg.GroupsClaim, Scopes: strings.Join(p.cfg.Scopes, " "), Ready: p.found != nil}
	if p.found != nil {
		st.EndSession = p.found.endSession != ""
	} else if p.lastErr != nil {
		st.Problem = p.lastErr.Error()
	}
	return st
}

// ButtonText is the sign-in button's words: OIDC_BUTTON_LABEL after
// "Sign in with", unless the label is a whole sentence already.
func (p *Provider) ButtonText() string {
	if strings.HasPrefix(strings.ToLower(p.cfg.ButtonLabel), "sign in") {
		return p.cfg.ButtonLabel
	}
	return "Sign in with " + p.cfg.ButtonLabel
}

// LogoutURL is the provider's end-session URL for the ID token of a
// session that began there, coming back to afterwards; "" when the
// provider does not advertise one.
func (p *Provider) LogoutURL(idToken, afterwards string) string {
	d, err := p.ready()
	if err != nil || d.endSession == "" || idToken == "" {
		return ""
	}
	u, err := url.Parse(d.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("id_token_hint", idToken)
	q.Set("client_id", p.cfg.ClientID)
	q.Set("post_logout_redirect_uri", afterwards)
	u.RawQuery = q.Encode()
	return u.String()
}
