package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/jackc/pgx/v5"
	"golang.org/x/oauth2"
)

// signInTTL is how long a sign-in may stay at the provider: long enough
// to type a password and pass a second factor.
const signInTTL = 10 * time.Minute

// Refused is a sign-in the provider's answer does not allow. Reason is for
// the audit log; Message is for the person.
type Refused struct {
	Reason  string
	Message string
	// Email is who the provider said it was, when the answer got that far.
	Email string
}

func (e *Refused) Error() string { return "single sign-on refused: " + e.Reason }

const tryAgain = "Start again from the sign-in page."

func refuse(reason, message string) *Refused {
	return &Refused{Reason: reason, Message: message}
}

// Begin records a sign-in for the browser (its pre-session cookie) and
// returns the provider's authorization URL. The state, nonce and PKCE
// verifier are fresh and random; only the state's hash is kept as a key,
// so a database read does not hand out a usable state.
func (s *Store) Begin(ctx context.Context, p *Provider, browser, next string) (string, error) {
	d, err := p.ready()
	if err != nil {
		return "", err
	}
	state, nonce := randomString(), randomString()
	verifier := oauth2.GenerateVerifier()
	if _, err := s.pool.Exec(ctx, `DELETE FROM oidc_sign_ins WHERE expires_at < now()`); err != nil {
		return "", err
	}
	if _, err := s.pool.Exec(ctx, `
		INSERT INTO oidc_sign_ins (browser_hash, state_hash, nonce, code_verifier, next_path, expires_at)
		VALUES ($1, $2, $3, $4, $5, now() + $6::interval)`,
		digest(browser), digest(state), nonce, verifier, next, signInTTL); err != nil {
		return "", err
	}
	return d.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// Identity is who the provider says signed in.
type Identity struct {
	Issuer, Subject string
	Email           string
	EmailVerified   bool
	Name            string
	Groups          []string
	// IDToken is the raw token, kept with the session for the provider's
	// logout.
	IDToken string
	// Next is where the person was going when they signed in.
	Next string
}

// Finish takes the provider's answer for the browser: the state must be one
// this browser started and not used yet (the row is deleted as it is read,
// so a replay finds nothing), the code is exchanged with the PKCE verifier,
// and the ID token must be signed by the provider's keys, issued by exactly
// the configured issuer, for this client, unexpired, and carry the nonce.
func (s *Store) Finish(ctx context.Context, p *Provider, browser, state, code string) (Identity, error) {
	d, err := p.ready()
	if err != nil {
		return Identity{}, err
	}
	var nonce, verifier, next string
	var fresh bool
	err = s.pool.QueryRow(ctx, `
		DELETE FROM oidc_sign_ins WHERE browser_hash = $1 AND state_hash = $2
		RETURNING nonce, code_verifier, next_path, expires_at > now()`,
		digest(browser), digest(state)).Scan(&nonce, &verifier, &next, &fresh)
	if errors.Is(err, pgx.ErrNoRows) {
		return Identity{}, refuse("the state does not match a sign-in this browser started (forged, replayed or from another browser)",
			"This sign-in did not start in this browser, or it was used already. "+tryAgain)
	}
	if err != nil {
		return Identity{}, err
	}
	if !fresh {
		return Identity{}, refuse("the sign-in took longer than 10 minutes at the provider",
			"This sign-in took too long and expired. "+tryAgain)
	}
	if code == "" {
		return Identity{}, refuse("the provider's answer has no code", "The identity provider did not complete the sign-in. "+tryAgain)
	}
	cctx := oidc.ClientContext(ctx, p.client)
	tok, err := d.oauth.Exchange(cctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Identity{}, refuse("the provider refused the code: "+shorten(err.Error()),
			"The identity provider did not accept this sign-in (the link may have been used already). "+tryAgain)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, refuse("the provider's token answer has no ID token", "The identity provider did not say who you are. "+tryAgain)
	}
	idt, err := d.verifier.Verify(ctx, raw)
	if err != nil {
		return Identity{}, refuse("the ID token is not valid: "+shorten(err.Error()),
			"The identity provider's answer could not be verified, so you are not signed in. "+tryAgain)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return Identity{}, refuse("the ID token's nonce is not the one this sign-in sent",
			"The identity provider's answer belongs to another sign-in, so you are not signed in. "+tryAgain)
	}
	id, err := p.identityOf(idt)
	if err != nil {
		return Identity{}, err
	}
	id.IDToken, id.Next = raw, next
	return id, nil
}

// identityOf reads the claims Tandem uses. email_verified is a boolean in
// the standard, a string at some providers; Entra ID says it in
// xms_edov. The groups claim is a list, or one string.
func (p *Provider) identityOf(t *oidc.IDToken) (Identity, error) {
	var c map[string]any
	if err := t.Claims(&c); err != nil {
		return Identity{}, refuse("the ID token's claims are not JSON: "+err.Error(), "The identity provider's answer could not be read. "+tryAgain)
	}
	id := Identity{Issuer: t.Issuer, Subject: t.Subject}
	if t.Subject == "" {
		return Identity{}, refuse("the ID token has no subject", "The identity provider did not say who you are. "+tryAgain)
	}
	id.Email = strings.ToLower(strings.TrimSpace(stringClaim(c, "email")))
	id.EmailVerified = boolClaim(c, "email_verified") || boolClaim(c, "xms_edov")
	id.Name = strings.TrimSpace(stringClaim(c, "name"))
	if id.Name == "" {
		id.Name = strings.TrimSpace(strings.Join([]string{stringClaim(c, "given_name"), stringClaim(c, "family_name")}, " "))
	}
	if id.Name == "" {
		id.Name = strings.TrimSpace(stringClaim(c, "preferred_username"))
	}
	switch g := c[p.cfg.GroupsClaim].(type) {
	case []any:
		for _, v := range g {
			if s, ok := v.(string); ok && s != "" {
				id.Groups = append(id.Groups, s)
			}
		}
	case string:
		if g != "" {
			id.Groups = []string{g}
		}
	}
	return id, nil
}

func stringClaim(c map[string]any, name string) string {
	s, _ := c[name].(string)
	return s
}

func boolClaim(c map[string]any, name string) bool {
	switch v := c[name].(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

func shorten(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

func randomString() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func digest(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// Abandon forgets a sign-in the provider answered with an error, so its
// state cannot be used afterwards.
func (s *Store) Abandon(ctx context.Context, browser, state string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM oidc_sign_ins WHERE browser_hash = $1 AND state_hash = $2`, digest(browser), digest(state))
	return err
}
