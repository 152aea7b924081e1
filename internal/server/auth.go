package server

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"tandem/internal/format"
	"tandem/internal/users"
	"tandem/web/pages/auth"
)

// passwordPolicy is who may sign in with a password: everyone (0), or
// only the break-glass admin when an admin closed password sign-in and
// single sign-on is configured (without it, closing would lock everyone
// out, so the setting then has no effect).
func (s *Server) passwordPolicy(r *http.Request) (onlyUserID int64, err error) {
	if s.oidc == nil {
		return 0, nil
	}
	p, err := s.sso.Policy(r.Context())
	if err != nil || !p.PasswordOnlyForBreakGlass() {
		return 0, err
	}
	return p.BreakGlassUserID, nil
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, v auth.Login) auth.Login {
	v.Page = s.page(w, r, "Sign in", "")
	if s.oidc != nil {
		v.SSO = s.oidc.ButtonText()
	}
	return v
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if currentUser(r) != nil {
		return redirect(w, r, next)
	}
	only, err := s.passwordPolicy(r)
	if err != nil {
		return err
	}
	// The break-glass admin opens /login?break_glass=1; nobody else sees
	// a password form.
	closed := only != 0 && r.URL.Query().Get("break_glass") == ""
	v := s.loginPage(w, r, auth.Login{Next: next, PasswordClosed: closed})
	return s.render(w, r, http.StatusOK, auth.LoginPage(v))
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	email, password := r.PostFormValue("email"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	only, err := s.passwordPolicy(r)
	if err != nil {
		return err
	}
	u, err := s.users.SignInOnly(r.Context(), email, password, clientIP(r), only)
	var throttled *users.ThrottledError
	switch {
	case errors.As(err, &throttled):
		w.Header().Set("Retry-After", itoa(int(throttled.RetryAfter.Seconds())+1))
		v := s.loginPage(w, r, auth.Login{Email: email, Next: next, Throttled: true,
			Error: "Too many failed sign-in attempts from your network. Try again in " + format.Count(throttled.Minutes(), "minute") + "."})
		return s.render(w, r, http.StatusTooManyRequests, auth.LoginPage(v))
	case errors.Is(err, users.ErrBadCredentials), errors.Is(err, users.ErrPasswordSignInClosed):
		// One message for both: the page must not confirm a password.
		msg := "That email and password do not match an active account."
		if only != 0 {
			msg = "That email and password do not match the break-glass admin account. Everyone else signs in with single sign-on."
		}
		v := s.loginPage(w, r, auth.Login{Email: email, Next: next, Error: msg})
		return s.render(w, r, http.StatusUnauthorized, auth.LoginPage(v))
	case err != nil:
		return err
	}
	if err := s.startSession(w, r, u.ID, ""); err != nil {
		return err
	}
	return redirect(w, r, next)
}

// startSession signs the browser in with a fresh session id, dropping the
// one it came with (no session fixation). idToken is the identity
// provider's, for a single sign-on.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, userID int64, idToken string) error {
	if old := s.cookie(r, "session"); old != "" {
		if _, err := s.users.EndSession(r.Context(), actor(r), old); err != nil {
			return err
		}
	}
	sess, err := s.users.StartProviderSession(r.Context(), userID, s.session, clientIP(r), r.UserAgent(), idToken)
	if err != nil {
		return err
	}
	s.setCookie(w, "session", sess.Token, s.session.Lifetime)
	s.setCookie(w, "csrf", "", -1)
	stateOf(r).flashOwner = users.FlashOwner("session", sess.Token)
	return nil
}

func (s *Server) logoutForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, auth.LogoutPage(s.page(w, r, "Sign out", "")))
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	var idToken string
	if sess := currentSession(r); sess != nil {
		var err error
		if idToken, err = s.users.EndSession(r.Context(), actor(r), sess.Token); err != nil {
			return err
		}
	}
	s.setCookie(w, "session", "", -1)
	if s.oidc != nil {
		// RP-initiated logout: the provider ends its own session and sends
		// the browser back to the sign-in page.
		if to := s.oidc.LogoutURL(idToken, s.cfg.BaseURL.String()+"/login"); to != "" {
			return s.render(w, r, http.StatusOK, auth.ProviderLogoutPage(s.basePage(w, r, "Signed out", ""), to))
		}
	}
	// The message waits for the signed-out browser under its visitor
	// cookie (a fresh one: signing in dropped the old).
	stateOf(r).flashOwner = users.FlashOwner("visitor", s.visitorToken(w, r))
	s.flash(w, r, "info", "You are signed out.")
	return redirect(w, r, "/login")
}

func (s *Server) setPasswordForm(w http.ResponseWriter, r *http.Request) error {
	token := chi.URLParam(r, "token")
	v := auth.SetPassword{Page: s.page(w, r, "Set your password", ""), Token: token}
	u, err := s.users.PasswordLinkUser(r.Context(), token)
	switch {
	case errors.Is(err, users.ErrLinkInvalid):
		v.Invalid = true
		return s.render(w, r, http.StatusNotFound, auth.SetPasswordPage(v))
	case err != nil:
		return err
	}
	v.Email = u.Email
	return s.render(w, r, http.StatusOK, auth.SetPasswordPage(v))
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) error {
	token := chi.URLParam(r, "token")
	v := auth.SetPassword{Page: s.page(w, r, "Set your password", ""), Token: token}
	u, err := s.users.SetPasswordWithLink(r.Context(), clientIP(r), token, r.PostFormValue("password"))
	var fe users.FieldErrors
	switch {
	case errors.Is(err, users.ErrLinkInvalid):
		v.Invalid = true
		return s.render(w, r, http.StatusNotFound, auth.SetPasswordPage(v))
	case errors.As(err, &fe):
		v.Email, v.Error = u.Email, fe["password"]
		return s.render(w, r, http.StatusUnprocessableEntity, auth.SetPasswordPage(v))
	case err != nil:
		return err
	}
	if err := s.startSession(w, r, u.ID, ""); err != nil {
		return err
	}
	s.flash(w, r, "success", "Your password is set. Welcome to Tandem.")
	return redirect(w, r, "/")
}
