package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// maxBodyBytes bounds request bodies; uploads raise it per route.
const maxBodyBytes = 1 << 20

// contentSecurityPolicy allows only our own scripts and styles: no inline
// script, no plugins, no framing, no <base> rewriting.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if s.cfg.SecureCookies() {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(maxBodyBytes)
		if n, ok := uploadLimits[r.URL.Path]; ok && r.Method == http.MethodPost {
			limit = n
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// checkQuery refuses a query string that is not text PostgreSQL can read
// (see storableText) before any handler passes it to a query.
func (s *Server) checkQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "" && !storableValues(r.URL.Query()) {
			s.serveError(w, r, badRequest("The address contains characters Tandem cannot read (a NUL byte or text that is not UTF-8). "+
				"Remove them and try again."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// errUnstorableText is a form with a value that is not storable text.
var errUnstorableText = errors.New("form value is not storable text")

// storableValues reports whether every value is storable text.
func storableValues(values url.Values) bool {
	for _, vs := range values {
		for _, v := range vs {
			if !storableText(v) {
				return false
			}
		}
	}
	return true
}

// storableText reports whether s is text PostgreSQL can keep: text columns
// refuse NUL bytes and invalid UTF-8 (SQLSTATE 22021), which would fail the
// whole write with a 500. Browsers never send either from a form, so they
// are refused with a message rather than silently changed.
func storableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

type wroteKey struct{}

// writesOnGet marks a GET that changes state (the OpenID Connect callback
// signs in, provisions, demotes and ends sessions) to be settled as a POST
// is: without it, the browser's next page could still find a session it
// ended in this instance's cache.
func writesOnGet(r *http.Request) {
	if wrote, ok := r.Context().Value(wroteKey{}).(*bool); ok {
		*wrote = true
	}
}

// settleWrites holds a state-changing request's answer until this
// instance has heard of every change it committed (cache.Bus.Sync), so the
// next page anyone opens here shows them, whatever the caches held. Other
// instances hear within milliseconds, or drop the entry at its TTL.
func (s *Server) settleWrites(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wrote := new(bool)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), wroteKey{}, wrote)))
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			if !*wrote {
				return
			}
		}
		if err := s.cache.Sync(context.WithoutCancel(r.Context()), s.pool); err != nil {
			s.log.Warn("cache sync after a write; caches emptied instead", "err", err)
		}
	})
}

// accessLog writes one structured line per request.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		took := time.Since(start)
		route := chi.RouteContext(r.Context()).RoutePattern()
		s.metrics.ObserveRequest(route, r.Method, status, took)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(r.Context(), level, "request",
			slog.String("id", middleware.GetReqID(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", loggedPath(r)),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Int("bytes", ww.BytesWritten()),
			slog.Duration("duration", took),
			slog.String("remote", clientIP(r)),
		)
	})
}

// secretPaths are the path prefixes whose rest is a secret: a set-password
// link is a live credential until used, a calendar feed URL for as long as
// it is not regenerated, and logs are read by more people
// (and kept longer) than the link's owner. Query strings, where the digest
// unsubscribe link carries its signature, are never logged.
var secretPaths = []string{"/set-password/", "/calendar/"}

// loggedPath is the request path as logs may show it.
func loggedPath(r *http.Request) string {
	for _, p := range secretPaths {
		if strings.HasPrefix(r.URL.Path, p) {
			return p + "{token}"
		}
	}
	return r.URL.Path
}

// noStore keeps every answer of the signed-in app out of browser and proxy
// caches: pages and downloads carry personal data (contact details,
// feedback, users), and a shared computer's back button or a proxy must not
// serve them to the next person.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// recoverPanic turns a panic into a logged error and the 500 page.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler {
				panic(rec)
			}
			s.log.Error("panic", "id", middleware.GetReqID(r.Context()), "panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
			s.serveError(w, r, fmt.Errorf("panic: %v", rec))
		}()
		next.ServeHTTP(w, r)
	})
}

// clientIP is the peer address. Behind a proxy, configure the proxy to
// overwrite X-Forwarded-For and put chi's RealIP in front; by default it is
// not trusted, so a client cannot pick its own throttle key.
func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	for i := len(host) - 1; i >= 0; i-- {
		if host[i] == ':' {
			return host[:i]
		}
	}
	return host
}
