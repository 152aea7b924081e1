package server

import (
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"tandem/internal/users"
	"tandem/web/static"
)

// access is who may use a route. It is checked once, by the router, for
// every route in the table below; handlers add data-level checks (is this
// lead yours?) through the domain packages.
type access struct {
	Name  string
	allow func(u *users.User) bool // u is nil for anonymous visitors
}

var (
	anyone   = access{"anyone", func(*users.User) bool { return true }}
	signedIn = access{"signed in", func(u *users.User) bool { return u != nil }}
	managers = access{"managers and admins", func(u *users.User) bool { return u != nil && u.IsManager() }}
	admins   = access{"admins", func(u *users.User) bool { return u != nil && u.IsAdmin() }}
)

// inTeams allows members of the given teams (any role) and admins.
func inTeams(teams ...users.Team) access {
	name := ""
	for _, t := range teams {
		name += string(t) + ", "
	}
	return access{name + "admins", func(u *users.User) bool {
		return u != nil && (u.IsAdmin() || slices.Contains(teams, u.Team))
	}}
}

// teamsOrManagers allows members of the given teams and every manager and
// admin, whatever their team.
func teamsOrManagers(teams ...users.Team) access {
	name := ""
	for _, t := range teams {
		name += string(t) + ", "
	}
	return access{name + "managers, admins", func(u *users.User) bool {
		return u != nil && (u.IsManager() || slices.Contains(teams, u.Team))
	}}
}

// route is one line of the policy: method, path, who, and the handler.
type route struct {
	Method  string
	Pattern string
	Access  access
	handle  handlerFunc
}

// Routes is the whole policy table, one part per area. The authorization
// matrix test walks the router and fails on any route that is not here.
func (s *Server) Routes() []route {
	return slices.Concat(s.kpiRoutes(), s.accountRoutes(), s.leadRoutes(), s.campaignRoutes(), s.feedbackRoutes(), s.digestRoutes())
}

func (s *Server) accountRoutes() []route {
	return []route{
		{"GET", "/login", anyone, s.loginForm},
		{"POST", "/login", anyone, s.login},
		{"GET", "/logout", anyone, s.logoutForm},
		{"POST", "/logout", anyone, s.logout},
		{"GET", "/set-password/{token}", anyone, s.setPasswordForm},
		{"POST", "/set-password/{token}", anyone, s.setPassword},

		{"GET", "/account", signedIn, s.account},
		{"POST", "/account", signedIn, s.updateAccount},
		{"POST", "/account/password", signedIn, s.changePassword},

		{"GET", "/admin/users", admins, s.adminUsers},
		{"GET", "/admin/users/new", admins, s.adminNewUserForm},
		{"POST", "/admin/users", admins, s.adminCreateUser},
		{"GET", "/admin/users/{id}", admins, s.adminUser},
		{"POST", "/admin/users/{id}/access", admins, s.adminChangeAccess},
		{"POST", "/admin/users/{id}/active", admins, s.adminSetActive},
		{"POST", "/admin/users/{id}/sessions/end", admins, s.adminEndSessions},
		{"POST", "/admin/users/{id}/password-link", admins, s.adminPasswordLink},
		{"GET", "/admin/audit", admins, s.adminAudit},
		{"GET", "/admin/settings", admins, s.adminSettings},
		{"POST", "/admin/settings", admins, s.adminUpdateSettings},

		{"GET", "/notifications", signedIn, s.notificationsPage},
		{"POST", "/notifications/{id}/open", signedIn, s.openNotification},
		{"POST", "/notifications/read-all", signedIn, s.readAllNotifications},
	}
}

// PublicRoutes lists what is served before sessions are loaded, to anyone.
var PublicRoutes = []string{"GET /healthz", "GET /readyz", "GET /static/*"}

func (s *Server) routes() *chi.Mux {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, s.accessLog, s.recoverPanic, s.securityHeaders,
		middleware.Compress(5, "text/html", "text/css", "text/plain", "text/csv",
			"text/javascript", "application/javascript", "image/svg+xml"))

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Handle("/static/*", static.Handler())

	r.Group(func(r chi.Router) {
		r.Use(noStore, s.limitBody, s.checkQuery, s.loadSession, s.checkCSRF)
		r.NotFound(s.handle(func(http.ResponseWriter, *http.Request) error { return errNotFound }))
		r.MethodNotAllowed(s.handle(func(http.ResponseWriter, *http.Request) error { return errMethodNotAllowed }))
		for _, rt := range s.Routes() {
			r.Method(rt.Method, rt.Pattern, s.authorize(rt.Access, s.handle(rt.handle)))
		}
	})
	return r
}
