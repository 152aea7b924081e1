package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"tandem/internal/tokens"
	"tandem/internal/users"
)

// The JSON API under /api/v1. It has its own table, APIRoutes, in the style
// of Routes: method, path, the scope the token needs and the access rule
// (the same named rules as the pages), and the handler. A request passes,
// in order: the body limit and query check, bearer authentication (401),
// the per-token rate limit (429), the scope and the access rule (403),
// Idempotency-Key on POST, then the handler. Errors become RFC 9457
// problem details (api_problem.go). Cookies never authenticate here, so
// CSRF does not apply: a browser cannot attach a bearer token by itself.

// apiPrefix is where the API is mounted.
const apiPrefix = "/api/v1"

// apiRoute is one line of the API policy.
type apiRoute struct {
	Method  string
	Pattern string
	Scope   tokens.Scope
	Access  access
	handle  handlerFunc
}

// APIRoutes is the API's policy table. Every line must be in the OpenAPI
// document and the reverse (TestAPIRoutesMatchTheDocument).
func (s *Server) APIRoutes() []apiRoute {
	return []apiRoute{
		// Leads: the same rules as the lead pages.
		{"GET", "/api/v1/leads", tokens.Read, signedIn, s.apiLeadList},
		{"POST", "/api/v1/leads", tokens.Write, marketers, s.apiLeadCreate},
		{"GET", "/api/v1/leads/{id}", tokens.Read, signedIn, s.apiLeadGet},
		{"PATCH", "/api/v1/leads/{id}", tokens.Write, inTeams(users.Marketing, users.Sales), s.apiLeadUpdate},
		{"POST", "/api/v1/leads/{id}/qualify", tokens.Write, marketers, s.apiLeadMove("qualify")},
		{"POST", "/api/v1/leads/{id}/hand-off", tokens.Write, marketers, s.apiLeadMove("hand-off")},
		{"POST", "/api/v1/leads/{id}/recycle", tokens.Write, marketers, s.apiLeadMove("recycle")},
		{"POST", "/api/v1/leads/{id}/accept", tokens.Write, sellers, s.apiLeadMove("accept")},
		{"POST", "/api/v1/leads/{id}/reject", tokens.Write, sellers, s.apiLeadMove("reject")},
		{"POST", "/api/v1/leads/{id}/convert", tokens.Write, sellers, s.apiLeadMove("convert")},
		{"POST", "/api/v1/leads/{id}/win", tokens.Write, sellers, s.apiLeadMove("win")},
		{"POST", "/api/v1/leads/{id}/lose", tokens.Write, sellers, s.apiLeadMove("lose")},
		{"POST", "/api/v1/leads/{id}/touches", tokens.Write, sellers, s.apiLeadTouch},
		{"GET", "/api/v1/leads/{id}/comments", tokens.Read, signedIn, s.apiLeadComments},
		{"POST", "/api/v1/leads/{id}/comments", tokens.Write, signedIn, s.apiLeadComment},
		// Campaigns: the same rules as the campaign pages.
		{"GET", "/api/v1/campaigns", tokens.Read, signedIn, s.apiCampaignList},
		{"POST", "/api/v1/campaigns", tokens.Write, marketers, s.apiCampaignCreate},
		{"GET", "/api/v1/campaigns/{id}", tokens.Read, signedIn, s.apiCampaignGet},
		{"PATCH", "/api/v1/campaigns/{id}", tokens.Write, marketers, s.apiCampaignUpdate},
		{"POST", "/api/v1/campaigns/{id}/announce", tokens.Write, marketers, s.apiCampaignAnnounce},
		// Product alerts: posted by service and managers, read by everyone.
		{"GET", "/api/v1/alerts", tokens.Read, signedIn, s.apiAlertList},
		{"POST", "/api/v1/alerts", tokens.Write, alertPosters, s.apiAlertCreate},
		{"GET", "/api/v1/alerts/{id}", tokens.Read, signedIn, s.apiAlertGet},
		// Customer feedback: logged and +1'd by everyone.
		{"GET", "/api/v1/feedback", tokens.Read, signedIn, s.apiFeedbackList},
		{"POST", "/api/v1/feedback", tokens.Write, signedIn, s.apiFeedbackCreate},
		{"GET", "/api/v1/feedback/{id}", tokens.Read, signedIn, s.apiFeedbackGet},
		{"POST", "/api/v1/feedback/{id}/heard", tokens.Write, signedIn, s.apiFeedbackHeard},
		// KPIs and the weekly digest: read by everyone.
		{"GET", "/api/v1/kpis", tokens.Read, signedIn, s.apiKPIDashboard},
		{"GET", "/api/v1/kpis/{key}", tokens.Read, signedIn, s.apiKPISeries},
		{"GET", "/api/v1/digests", tokens.Read, signedIn, s.apiDigestList},
		{"GET", "/api/v1/digests/{week}", tokens.Read, signedIn, s.apiDigestWeek},
	}
}

// apiRouter is mounted at /api/v1. The reference page, /api/docs, is an
// ordinary page in Routes.
func (s *Server) apiRouter() chi.Router {
	r := chi.NewRouter()
	r.Use(apiHeaders, s.apiLimitBody, s.apiCheckQuery)
	r.NotFound(s.apiHandle(func(http.ResponseWriter, *http.Request) error { return errNotFound }))
	r.MethodNotAllowed(s.apiHandle(func(http.ResponseWriter, *http.Request) error { return errMethodNotAllowed }))
	r.Get("/openapi.json", s.openAPIDocument)
	r.Group(func(r chi.Router) {
		r.Use(s.apiAuthenticate, s.apiRateLimit)
		for _, rt := range s.APIRoutes() {
			h := s.apiAuthorize(rt, s.apiHandle(rt.handle))
			if rt.Method == http.MethodPost {
				h = s.apiAuthorize(rt, s.idempotent(s.apiHandle(rt.handle)))
			}
			r.Method(rt.Method, strings.TrimPrefix(rt.Pattern, apiPrefix), h)
		}
	})
	return r
}

// apiHeaders marks every API answer private: clients may keep it and
// revalidate with the ETag, shared caches may not.
func apiHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, no-cache")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) apiLimitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

func (s *Server) apiCheckQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "" && !storableValues(r.URL.Query()) {
			s.problem(w, r, errBadQuery)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// apiCaller is the token a request authenticated with and its user.
type apiCaller struct {
	Token tokens.Token
	User  users.User
}

const apiCallerKey ctxKey = 100

func callerOf(r *http.Request) *apiCaller {
	c, _ := r.Context().Value(apiCallerKey).(*apiCaller)
	return c
}

// apiAuthenticate accepts only "Authorization: Bearer tdm_…". A session
// cookie on the request is ignored.
func (s *Server) apiAuthenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || secret == "" {
			s.problem(w, r, errNoToken)
			return
		}
		tok, u, err := s.tokens.Authenticate(r.Context(), strings.TrimSpace(secret), clientIP(r))
		if errors.Is(err, tokens.ErrInvalid) {
			s.problem(w, r, errBadToken)
			return
		}
		if err != nil {
			s.problem(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), apiCallerKey, &apiCaller{Token: tok, User: u})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// apiRateLimit counts the request against its token's per-minute limit.
func (s *Server) apiRateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, wait, err := s.tokens.Hit(r.Context(), callerOf(r).Token.ID, s.rateLimit(), time.Now())
		if err != nil {
			s.problem(w, r, err)
			return
		}
		if !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			s.problem(w, r, errRateLimited)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) rateLimit() int {
	if s.cfg.APIRateLimit > 0 {
		return s.cfg.APIRateLimit
	}
	return tokens.DefaultRateLimit
}

// apiAuthorize applies one line of the API table: the token's scope, then
// the route's access rule for the token's user.
func (s *Server) apiAuthorize(rt apiRoute, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := callerOf(r)
		if !c.Token.Has(rt.Scope) {
			s.problem(w, r, scopeMissing(rt.Scope))
			return
		}
		if !rt.Access.allow(&c.User) {
			s.problem(w, r, errAPIForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
