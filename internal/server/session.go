package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"tandem/internal/db"
	"tandem/internal/users"
	"tandem/web/components"
)

type ctxKey int

const (
	sessionKey ctxKey = iota
	requestStateKey
)

// requestState is what a request learns about its browser as it runs: the
// owner of its flash messages changes when it signs in or out, and an
// anonymous visitor's anti-forgery cookie may be handed out mid-request.
type requestState struct {
	flashOwner []byte
	csrf       string
}

func stateOf(r *http.Request) *requestState {
	if st, ok := r.Context().Value(requestStateKey).(*requestState); ok {
		return st
	}
	return &requestState{}
}

// cookieName adds the __Host- prefix over https: the browser then refuses
// the cookie from any other host or path, and without Secure.
func (s *Server) cookieName(name string) string {
	if s.cfg.SecureCookies() {
		return "__Host-" + name
	}
	return name
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	c := &http.Cookie{
		Name:     s.cookieName(name),
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   s.cfg.SecureCookies(),
		SameSite: http.SameSiteLaxMode,
	}
	switch {
	case maxAge < 0:
		c.MaxAge = -1
	case maxAge > 0:
		c.MaxAge = int(maxAge.Seconds())
	}
	http.SetCookie(w, c)
}

func (s *Server) cookie(r *http.Request, name string) string {
	c, err := r.Cookie(s.cookieName(name))
	if err != nil {
		return ""
	}
	return c.Value
}

// loadSession attaches the signed-in session, if any, to the request.
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), requestStateKey, &requestState{}))
		token := s.cookie(r, "session")
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		sess, err := s.users.LookupSession(r.Context(), token, s.session)
		switch {
		case errors.Is(err, db.ErrNotFound):
			s.setCookie(w, "session", "", -1)
			next.ServeHTTP(w, r)
		case err != nil:
			s.serveError(w, r, err)
		default:
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey, &sess)))
		}
	})
}

// currentSession is the signed-in session, nil for anonymous visitors.
func currentSession(r *http.Request) *users.Session {
	sess, _ := r.Context().Value(sessionKey).(*users.Session)
	return sess
}

// currentUser is the signed-in user, or on the API the token's user; nil
// for anonymous visitors.
func currentUser(r *http.Request) *users.User {
	if c := callerOf(r); c != nil {
		return &c.User
	}
	if sess := currentSession(r); sess != nil {
		return &sess.User
	}
	return nil
}

// actor describes the requester for the audit log.
func actor(r *http.Request) users.Actor {
	a := users.Actor{IP: clientIP(r)}
	if u := currentUser(r); u != nil {
		a.UserID = u.ID
	}
	return a
}

var crossOrigin = http.NewCrossOriginProtection()

// checkCSRF refuses state-changing requests that come from another site
// (Fetch metadata / Origin) or lack the form token: the session's token when
// signed in, else the token of the visitor's anti-forgery cookie.
func (s *Server) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if err := parseBody(r); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				s.tooLarge(w, r, tooBig.Limit)
				return
			}
			if errors.Is(err, errUnstorableText) {
				s.serveError(w, r, badRequest("The form contains characters Tandem cannot save (a NUL byte or text that is not UTF-8). "+
					"Nothing was saved; remove them and send it again."))
				return
			}
			s.serveError(w, r, badRequest("The form could not be read. Reload the page and try again."))
			return
		}
		want := s.cookie(r, "csrf")
		if sess := currentSession(r); sess != nil {
			want = sess.CSRFToken
		}
		got := r.Header.Get("X-CSRF-Token")
		if got == "" {
			got = r.PostFormValue("csrf_token")
		}
		if crossOrigin.Check(r) != nil || want == "" ||
			subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			s.serveError(w, r, errCSRF)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// parseBody reads a form body (urlencoded or multipart) once, so the size
// limit and malformed bodies are reported before anything else.
func parseBody(r *http.Request) error {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		// Files over 1 MB wait on disk: the upload handler reads the file
		// into memory once, and a second copy here would double it.
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		return err
	}
	if !storableValues(r.PostForm) || !storableValues(r.Form) ||
		r.MultipartForm != nil && !storableValues(r.MultipartForm.Value) {
		return errUnstorableText
	}
	return nil
}

// authorize applies one line of the policy table: anonymous visitors go to
// sign-in (and come back), signed-in users without the right get a 403.
func (s *Server) authorize(a access, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := currentUser(r)
		if a.allow(u) {
			next.ServeHTTP(w, r)
			return
		}
		if u == nil {
			back := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				back = r.Referer()
				if ref, err := url.Parse(back); err == nil {
					back = ref.RequestURI()
				}
			}
			_ = redirect(w, r, "/login?next="+url.QueryEscape(safeNext(back)))
			return
		}
		s.serveError(w, r, errForbidden)
	})
}

// safeNext keeps a return path only when it stays on this site: a path that
// starts with one slash, not "//host" or "/\host".
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// flash shows message on the next page the browser renders. Messages are
// kept in PostgreSQL under the browser's session (or, signed out, its
// anti-forgery cookie), so any app server shows them, once.
func (s *Server) flash(w http.ResponseWriter, r *http.Request, kind, message string) {
	s.flashLink(w, r, kind, message, "")
}

// flashLink is flash with a one-time link shown beside the message: a
// secret that must not travel in a URL or a cookie.
func (s *Server) flashLink(w http.ResponseWriter, r *http.Request, kind, message, link string) {
	f := users.Flash{Kind: kind, Message: message, Link: link}
	if err := s.users.AddFlash(r.Context(), s.flashOwner(w, r), f); err != nil {
		s.log.Warn("flash not stored", "id", middleware.GetReqID(r.Context()), "err", err)
		return
	}
	// The marker tells the next page there is a message to take, so the
	// pages without one (nearly all) skip the query.
	s.setCookie(w, flashCookie, "1", 0)
}

// flashCookie marks a browser with a message waiting; it holds no secret.
const flashCookie = "flash"

// flashOwner is the key of this browser's messages: the session it has now
// (one started or ended by this request counts), else its visitor cookie,
// handed out here when it has none.
func (s *Server) flashOwner(w http.ResponseWriter, r *http.Request) []byte {
	st := stateOf(r)
	if st.flashOwner != nil {
		return st.flashOwner
	}
	if sess := currentSession(r); sess != nil {
		return users.FlashOwner("session", sess.Token)
	}
	return users.FlashOwner("visitor", s.visitorToken(w, r))
}

// visitorToken is the anonymous visitor's anti-forgery cookie, set now
// when the browser has none.
func (s *Server) visitorToken(w http.ResponseWriter, r *http.Request) string {
	st := stateOf(r)
	if st.csrf != "" {
		return st.csrf
	}
	st.csrf = s.cookie(r, "csrf")
	if st.csrf == "" {
		st.csrf = randomToken()
		s.setCookie(w, "csrf", st.csrf, 0)
	}
	return st.csrf
}

// takeFlash returns the message waiting for this browser, if any, and
// deletes it (the newest is shown when several wait).
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) *components.Flash {
	if s.cookie(r, flashCookie) == "" {
		return nil
	}
	s.setCookie(w, flashCookie, "", -1)
	var owner []byte
	switch {
	case currentSession(r) != nil:
		owner = users.FlashOwner("session", currentSession(r).Token)
	case s.cookie(r, "csrf") != "":
		owner = users.FlashOwner("visitor", s.cookie(r, "csrf"))
	default:
		return nil
	}
	list, err := s.users.TakeFlashes(r.Context(), owner)
	if err != nil || len(list) == 0 {
		return nil
	}
	f := list[len(list)-1]
	return &components.Flash{Kind: f.Kind, Message: f.Message, Link: f.Link}
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// tooLarge is the 413 page of a body over its limit: it says what was too
// large and how large it may be, and links back to the form it came from
// (the Referer, when it is a page of this site).
func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	what := "What you sent"
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		what = "The file you sent"
	}
	msg := fmt.Sprintf("%s is larger than the %s this form accepts, so nothing was saved. "+
		"Shorten the longest text (or split the file) and send it again.", what, sizeText(limit))
	back := ""
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && ref.Path != "" {
		back = safeNext(ref.RequestURI())
	}
	p := s.basePage(w, r, "Too large", "")
	if err := s.render(w, r, http.StatusRequestEntityTooLarge, components.TooLargePage(p, msg, back)); err != nil {
		s.log.Error("render 413 page", "err", err)
	}
}

// sizeText is a byte limit as people read it: "1 MB", "20 MB", "512 KB".
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", n>>10)
}
