package server

import (
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"tandem/internal/refusal"
	"tandem/internal/tokens"
	"tandem/internal/users"
	"tandem/web/pages/apitokens"
)

// The token pages: /account/tokens for a user's own, /admin/tokens for all.
// A new token's secret travels like a set-password link: stored with the
// flash of the redirect, shown once on the page it lands on.

func (s *Server) accountTokens(w http.ResponseWriter, r *http.Request) error {
	return s.renderTokens(w, r, http.StatusOK, false, apitokens.DefaultForm())
}

func (s *Server) adminTokens(w http.ResponseWriter, r *http.Request) error {
	return s.renderTokens(w, r, http.StatusOK, true, apitokens.DefaultForm())
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, admin bool, f apitokens.Form) error {
	var list []tokens.Token
	var err error
	if admin {
		list, err = s.tokens.All(r.Context())
	} else {
		list, err = s.tokens.Mine(r.Context(), currentUser(r).ID)
	}
	if err != nil {
		return err
	}
	p := s.page(w, r, "API tokens", "")
	secret := ""
	if p.Flash != nil {
		secret = p.Flash.Link
	}
	v := apitokens.Of(p, list, f, secret, admin)
	if admin {
		return s.render(w, r, status, apitokens.AdminPage(v))
	}
	return s.render(w, r, status, apitokens.AccountPage(v))
}

func (s *Server) createAccountToken(w http.ResponseWriter, r *http.Request) error {
	return s.createToken(w, r, false)
}

func (s *Server) createServiceToken(w http.ResponseWriter, r *http.Request) error {
	return s.createToken(w, r, true)
}

// createToken makes a personal token (or, on the admin page, a service
// token for the posted team) and answers 303 to the page that shows it once.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, service bool) error {
	ctx := withFormToken(r)
	if ok, err := s.usedFormToken(w, r, ctx); ok {
		return err
	}
	f, in, err := postedToken(r)
	var secret string
	if err == nil && service {
		_, secret, err = s.tokens.CreateService(ctx, actor(r), users.Team(f.Team), in)
	} else if err == nil {
		_, secret, err = s.tokens.CreatePersonal(ctx, actor(r), currentUser(r).ID, in)
	}
	if ok, err := s.firstResult(w, r, err); ok {
		return err
	}
	if refusal.KindOf(err) == refusal.Invalid {
		f.Errors = refusal.FieldMessages(err)
		return s.renderTokens(w, r, http.StatusUnprocessableEntity, service, f)
	}
	if err != nil {
		return err
	}
	s.flashLink(w, r, "success", "The token “"+in.Name+"” is ready.", secret)
	return redirect(w, r, tokensPath(service))
}

func tokensPath(admin bool) string {
	if admin {
		return "/admin/tokens"
	}
	return "/account/tokens"
}

// postedToken reads the create form. An unknown expiry is a field refusal.
func postedToken(r *http.Request) (apitokens.Form, tokens.New, error) {
	scopes := r.PostForm["scopes"]
	f := apitokens.Form{Name: r.PostFormValue("name"), Team: r.PostFormValue("team"), Expires: r.PostFormValue("expires"),
		Read: slices.Contains(scopes, "read"), Write: slices.Contains(scopes, "write")}
	in := tokens.New{Name: f.Name}
	for _, sc := range scopes {
		in.Scopes = append(in.Scopes, tokens.Scope(sc))
	}
	d, ok := tokens.ParseExpiry(f.Expires)
	if !ok {
		return f, in, refusal.InvalidField("expires", "Choose how long the token lives.")
	}
	in.Expires = d
	return f, in, nil
}

func (s *Server) revokeAccountToken(w http.ResponseWriter, r *http.Request) error {
	return s.revokeToken(w, r, false)
}

func (s *Server) revokeAnyToken(w http.ResponseWriter, r *http.Request) error {
	return s.revokeToken(w, r, true)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, admin bool) error {
	id, ok := pathID(chi.URLParam(r, "id"))
	if !ok {
		return errNotFound
	}
	t, err := s.tokens.Revoke(r.Context(), actor(r), *currentUser(r), id)
	if err != nil {
		return err
	}
	s.flash(w, r, "success", "The token “"+t.Name+"” is revoked.")
	return redirect(w, r, tokensPath(admin))
}
