package sso

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/users"
)

// Messages of refused accounts; each says what the person can do.
const (
	askAdmin       = " Ask a Tandem admin."
	msgNoEmail     = "The identity provider did not share your email address, which Tandem needs." + askAdmin
	msgUnverified  = "The identity provider does not say your email address is verified, so Tandem cannot give you an account. Verify it there and sign in again."
	msgTaken       = "A Tandem account with your email exists already, and single sign-on may not take it over. An admin can allow linking by verified email on the single sign-on settings."
	msgNoGroup     = "Your identity provider account is not in a group that has access to Tandem." + askAdmin
	msgDeactivated = "Your Tandem account is deactivated." + askAdmin
	msgService     = "This is a team's service account; it does not sign in."
)

// SignIn gives the provider's identity its Tandem account, in one
// transaction: the account already tied to the issuer and subject; else,
// when an admin allowed it and the email is verified, the account with the
// same email (linked from then on); else a new account. The team and role
// come from the group rules at every sign-in, so a group removed at the
// provider demotes the account now (and ends its other sessions). A refusal
// is a *Refused, audited.
func (s *Store) SignIn(ctx context.Context, ip string, id Identity) (users.User, error) {
	by := users.Actor{IP: ip}
	var u users.User
	err := db.InTxRetry(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		u, err = signIn(ctx, tx, by, id)
		return err
	})
	var r *Refused
	if errors.As(err, &r) {
		r.Email = id.Email
		if aerr := s.RecordRefusal(ctx, ip, r); aerr != nil {
			return users.User{}, aerr
		}
	}
	return u, err
}

// RecordRefusal writes a refused sign-in to the audit log.
func (s *Store) RecordRefusal(ctx context.Context, ip string, r *Refused) error {
	var target int64
	if r.Email != "" {
		if err := s.pool.QueryRow(ctx, `SELECT coalesce((SELECT id FROM users WHERE email = $1), 0)`, r.Email).Scan(&target); err != nil {
			return err
		}
	}
	return users.RecordAbout(ctx, s.pool, users.Actor{IP: ip}, "sso.sign_in_refused", target, r.Email, r.Reason)
}

func signIn(ctx context.Context, tx pgx.Tx, by users.Actor, id Identity) (users.User, error) {
	policy, err := policyOf(ctx, tx)
	if err != nil {
		return users.User{}, err
	}
	var userID int64
	err = tx.QueryRow(ctx, `SELECT user_id FROM user_identities WHERE issuer = $1 AND subject = $2 FOR UPDATE`,
		id.Issuer, id.Subject).Scan(&userID)
	known := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return users.User{}, err
	}

	var u users.User
	groups := id.Groups
	switch {
	case known:
		if u, err = users.LockInTx(ctx, tx, userID); err != nil {
			return users.User{}, err
		}
		// The provider's groups of now, not of the last sign-in: a group
		// removed there must count as removed.
		scim, err := scimGroupsOf(ctx, tx, u.ID)
		if err != nil {
			return users.User{}, err
		}
		groups = union(id.Groups, scim)
	case id.Email == "":
		return users.User{}, refuse("the provider sent no email for a first sign-in", msgNoEmail)
	default:
		if u, err = firstSignIn(ctx, tx, by, policy, id); err != nil {
			return users.User{}, err
		}
	}
	if u.Service {
		return users.User{}, refuse("the identity is tied to a service account", msgService)
	}
	if !u.Active {
		return users.User{}, refuse("the account is deactivated", msgDeactivated)
	}
	acc, err := MapGroups(ctx, tx, groups)
	if errors.Is(err, ErrNoMatch) {
		return users.User{}, refuse(fmt.Sprintf("no group rule matches the groups %s and there is no default", describeGroups(groups)), msgNoGroup)
	}
	if err != nil {
		return users.User{}, err
	}
	synced, err := users.SyncAccess(ctx, tx, by, u.ID, acc.Team, acc.Role, acc.Why+" at single sign-on")
	switch {
	case errors.Is(err, users.ErrLastAdmin):
		// The groups would leave Tandem without an admin: keep this one,
		// and say so where admins look.
		if err := users.RecordAbout(ctx, tx, by, "sso.demotion_kept", u.ID, u.Email,
			fmt.Sprintf("the groups give %s/%s, but this is the last active admin", acc.Team, acc.Role)); err != nil {
			return users.User{}, err
		}
	case err != nil:
		return users.User{}, err
	default:
		u = synced
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO user_identities (issuer, subject, user_id, groups) VALUES ($1, $2, $3, $4)
		ON CONFLICT (issuer, subject) DO UPDATE SET groups = EXCLUDED.groups, last_sign_in_at = now()`,
		id.Issuer, id.Subject, u.ID, nonNil(id.Groups)); err != nil {
		return users.User{}, err
	}
	return u, users.RecordAbout(ctx, tx, users.Actor{UserID: u.ID, IP: by.IP}, "session.signed_in", u.ID, u.Email,
		"via single sign-on ("+id.Issuer+")")
}

// firstSignIn links or creates the account of an identity seen for the
// first time. Its team and role are set by the caller, from the rules.
func firstSignIn(ctx context.Context, tx pgx.Tx, by users.Actor, policy Policy, id Identity) (users.User, error) {
	existing, err := users.FindByEmailInTx(ctx, tx, id.Email)
	switch {
	case err == nil && !policy.LinkByEmail:
		return users.User{}, refuse("an account with the email exists and linking by email is off", msgTaken)
	case err == nil && !id.EmailVerified:
		return users.User{}, refuse("an account with the email exists, and the provider does not say the email is verified", msgUnverified)
	case err == nil:
		if _, err := tx.Exec(ctx, `INSERT INTO user_identities (issuer, subject, user_id) VALUES ($1, $2, $3)`,
			id.Issuer, id.Subject, existing.ID); err != nil {
			return users.User{}, err
		}
		return existing, users.RecordAbout(ctx, tx, by, "sso.linked", existing.ID, existing.Email,
			"by verified email to "+id.Issuer+" subject "+id.Subject)
	case !errors.Is(err, db.ErrNotFound):
		return users.User{}, err
	case !id.EmailVerified:
		return users.User{}, refuse("the provider does not say the email is verified", msgUnverified)
	}
	// The rules are applied again by the caller, with the SCIM groups; this
	// first pass only refuses early and picks the account's first access.
	acc, err := MapGroups(ctx, tx, id.Groups)
	if errors.Is(err, ErrNoMatch) {
		return users.User{}, refuse(fmt.Sprintf("no group rule matches the groups %s and there is no default", describeGroups(id.Groups)), msgNoGroup)
	}
	if err != nil {
		return users.User{}, err
	}
	u, err := users.CreateInTx(ctx, tx, by, users.NewUser{Email: id.Email, Name: displayName(id), Team: acc.Team, Role: acc.Role},
		"via single sign-on "+acc.Why)
	if err != nil {
		return users.User{}, refuse("the account could not be created: "+err.Error(), "Tandem could not create your account from what the identity provider sent."+askAdmin)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO user_identities (issuer, subject, user_id) VALUES ($1, $2, $3)`,
		id.Issuer, id.Subject, u.ID); err != nil {
		return users.User{}, err
	}
	return u, nil
}

func displayName(id Identity) string {
	name := id.Name
	if name == "" {
		name, _, _ = strings.Cut(id.Email, "@")
	}
	if utf8.RuneCountInString(name) > users.MaxName {
		name = string([]rune(name)[:users.MaxName])
	}
	return name
}

func describeGroups(groups []string) string {
	if len(groups) == 0 {
		return "(none)"
	}
	return fmt.Sprintf("%q", groups)
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, g := range append(append([]string{}, a...), b...) {
		if k := strings.ToLower(g); !seen[k] {
			seen[k] = true
			out = append(out, g)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
