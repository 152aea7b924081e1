package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"tandem/internal/refusal"
	"tandem/internal/scim"
	"tandem/internal/sso"
	"tandem/internal/users"
	"tandem/web/components"
	"tandem/web/pages/admin"
	"tandem/web/pages/auth"
)

// ssoStart sends the browser to the identity provider. It is a GET link,
// not a form: the page's form-action policy would stop a form's redirect to
// another site.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) error {
	if s.oidc == nil {
		return errNotFound
	}
	next := safeNext(r.URL.Query().Get("next"))
	if currentUser(r) != nil {
		return redirect(w, r, next)
	}
	to, err := s.sso.Begin(r.Context(), s.oidc, s.visitorToken(w, r), next)
	if errors.Is(err, sso.ErrNotReady) {
		s.flash(w, r, "error", "Single sign-on is not available right now: the identity provider has not answered Tandem yet. Try again in a minute.")
		return redirect(w, r, "/login")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// ssoCallback is where the provider sends the browser back. Every refusal
// is audited and answered with a page that says what to do; none leaves a
// session.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) error {
	if s.oidc == nil {
		return errNotFound
	}
	writesOnGet(r)
	ctx := r.Context()
	q := r.URL.Query()
	if code := q.Get("error"); code != "" {
		refused := &sso.Refused{Reason: "the provider answered " + clip(code, 60) + ": " + clip(q.Get("error_description"), 300),
			Message: "The identity provider did not sign you in. Start again from the sign-in page, or ask a Tandem admin if this keeps happening."}
		if err := s.sso.Abandon(ctx, s.cookie(r, "csrf"), q.Get("state")); err != nil {
			return err
		}
		return s.ssoRefused(w, r, refused, true)
	}
	id, err := s.sso.Finish(ctx, s.oidc, s.cookie(r, "csrf"), q.Get("state"), q.Get("code"))
	var refused *sso.Refused
	switch {
	case errors.As(err, &refused):
		return s.ssoRefused(w, r, refused, true)
	case errors.Is(err, sso.ErrNotReady):
		s.flash(w, r, "error", "Single sign-on is not available right now. Try again in a minute.")
		return redirect(w, r, "/login")
	case err != nil:
		return err
	}
	u, err := s.sso.SignIn(ctx, clientIP(r), id)
	if errors.As(err, &refused) {
		return s.ssoRefused(w, r, refused, false)
	}
	if err != nil {
		return err
	}
	if err := s.startSession(w, r, u.ID, id.IDToken); err != nil {
		return err
	}
	return redirect(w, r, safeNext(id.Next))
}

// ssoRefused answers a refused sign-in, auditing it unless the domain did.
func (s *Server) ssoRefused(w http.ResponseWriter, r *http.Request, refused *sso.Refused, audit bool) error {
	if audit {
		if err := s.sso.RecordRefusal(r.Context(), clientIP(r), refused); err != nil {
			return err
		}
	}
	status := http.StatusUnauthorized
	if refused.Email != "" {
		status = http.StatusForbidden // the provider said who; Tandem says no
	}
	return s.render(w, r, status, auth.SSORefusedPage(s.page(w, r, "Not signed in", ""), refused.Message))
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func (s *Server) adminSSO(w http.ResponseWriter, r *http.Request) error {
	v, err := s.ssoView(w, r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, admin.SSOPage(v))
}

// ssoView is the page with the stored policy and rules in its forms.
func (s *Server) ssoView(w http.ResponseWriter, r *http.Request) (admin.SSO, error) {
	ctx := r.Context()
	policy, err := s.sso.Policy(ctx)
	if err != nil {
		return admin.SSO{}, err
	}
	rules, err := s.sso.Rules(ctx)
	if err != nil {
		return admin.SSO{}, err
	}
	p := s.page(w, r, "Single sign-on", "admin")
	v := admin.SSO{Page: p, Policy: policy, Rules: rules, PolicyForm: policyForm(policy),
		RuleForm: admin.RuleForm{Team: "sales", Role: "member"}}
	if s.oidc != nil {
		st := s.oidc.Status()
		v.Provider = &st
	}
	v.SCIMBaseURL = strings.TrimRight(s.cfg.BaseURL.String(), "/") + scim.PathPrefix
	if p.Flash != nil {
		v.NewSCIMToken = p.Flash.Link
	}
	v.SCIMTokens, err = s.scimTokenRows(r, p)
	return v, err
}

func (s *Server) scimTokenRows(r *http.Request, p components.Page) ([]admin.SCIMToken, error) {
	list, err := s.scim.List(r.Context())
	if err != nil {
		return nil, err
	}
	rows := make([]admin.SCIMToken, 0, len(list))
	for _, t := range list {
		row := admin.SCIMToken{ID: t.ID, Name: t.Name, CreatedBy: t.CreatedByName, Created: p.DateTime(t.CreatedAt), LastUsed: "never"}
		if t.LastUsedAt != nil {
			row.LastUsed = p.DateTime(*t.LastUsedAt)
		}
		if t.RevokedAt != nil {
			row.RevokedAt = p.DateTime(*t.RevokedAt)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// adminCreateSCIMToken makes a token and shows it once, on the page the
// redirect lands on.
func (s *Server) adminCreateSCIMToken(w http.ResponseWriter, r *http.Request) error {
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	name := r.PostFormValue("name")
	tok, secret, err := s.scim.Create(ctx, actor(r), name)
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if refusal.KindOf(err) == refusal.Invalid {
		v, verr := s.ssoView(w, r)
		if verr != nil {
			return verr
		}
		v.TokenName, v.TokenErrors = name, refusal.FieldMessages(err)
		return s.render(w, r, http.StatusUnprocessableEntity, admin.SSOPage(v))
	}
	if err != nil {
		return err
	}
	s.flashLink(w, r, "success", "SCIM token “"+tok.Name+"” created. Copy it now: Tandem shows it only this once.", secret)
	return redirect(w, r, "/admin/sso")
}

func (s *Server) adminRevokeSCIMToken(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return errNotFound
	}
	if err := s.scim.Revoke(r.Context(), actor(r), id); err != nil {
		return err
	}
	s.flash(w, r, "success", "SCIM token revoked: the client using it is refused from now on.")
	return redirect(w, r, "/admin/sso")
}

func policyForm(p sso.Policy) admin.PolicyForm {
	f := admin.PolicyForm{Version: itoa(p.Version), LinkByEmail: p.LinkByEmail, PasswordSignIn: p.PasswordSignIn, BreakGlassEmail: p.BreakGlassEmail}
	if p.DefaultTeam != "" {
		f.Default = string(p.DefaultTeam) + "/" + string(p.DefaultRole)
	}
	return f
}

func (s *Server) adminSavePolicy(w http.ResponseWriter, r *http.Request) error {
	version, err := postedVersion(r)
	if err != nil {
		return err
	}
	f := admin.PolicyForm{Version: r.PostFormValue("version"), Default: r.PostFormValue("default"),
		LinkByEmail: r.PostFormValue("link_by_email") == "true", PasswordSignIn: r.PostFormValue("password_sign_in"),
		BreakGlassEmail: strings.TrimSpace(r.PostFormValue("break_glass_email"))}
	_, err = s.sso.UpdatePolicy(r.Context(), actor(r), sso.PolicyInput{Default: f.Default, LinkByEmail: f.LinkByEmail,
		PasswordSignIn: f.PasswordSignIn, BreakGlassEmail: f.BreakGlassEmail}, version, s.oidc != nil)
	if k := refusal.KindOf(err); k == refusal.Invalid || k == refusal.Conflict {
		v, verr := s.ssoView(w, r)
		if verr != nil {
			return verr
		}
		v.PolicyForm, v.Errors = f, refusal.FieldMessages(err)
		if k == refusal.Conflict {
			v.PolicyForm.Version = itoa(v.Policy.Version) // saving again overwrites, knowingly
		}
		return s.render(w, r, refusalStatus(k), admin.SSOPage(v))
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Single sign-on settings saved.")
	return redirect(w, r, "/admin/sso")
}

func (s *Server) adminAddRule(w http.ResponseWriter, r *http.Request) error {
	f := admin.RuleForm{Group: r.PostFormValue("group"), Team: r.PostFormValue("team"), Role: r.PostFormValue("role")}
	rule, err := s.sso.AddRule(r.Context(), actor(r), sso.RuleInput{Group: f.Group, Team: users.Team(f.Team), Role: users.Role(f.Role)})
	if refusal.KindOf(err) == refusal.Invalid {
		v, verr := s.ssoView(w, r)
		if verr != nil {
			return verr
		}
		v.RuleForm, v.RuleErrors = f, refusal.FieldMessages(err)
		return s.render(w, r, http.StatusUnprocessableEntity, admin.SSOPage(v))
	}
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "Rule added: group “"+rule.Group+"” gives "+rule.Team.Label()+" "+rule.Role.Label()+".")
	return redirect(w, r, "/admin/sso")
}

func (s *Server) adminMoveRule(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return errNotFound
	}
	dir := r.PostFormValue("direction")
	if dir != "up" && dir != "down" {
		return badRequest("Choose whether to move the rule up or down.")
	}
	if err := s.sso.MoveRule(r.Context(), actor(r), id, dir == "up"); err != nil {
		return err
	}
	s.flash(w, r, "success", "Rule moved "+dir+".")
	return redirect(w, r, "/admin/sso")
}

func (s *Server) adminDeleteRule(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return errNotFound
	}
	if err := s.sso.DeleteRule(r.Context(), actor(r), id); err != nil {
		return err
	}
	s.flash(w, r, "success", "Rule removed.")
	return redirect(w, r, "/admin/sso")
}
