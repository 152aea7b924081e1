package server

import (
	"io"
	"slices"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/klauspost/compress/gzip"

	"tandem/internal/leads"
	"tandem/internal/scim"
	"tandem/internal/users"
	leadpages "tandem/web/pages/leads"
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

// The named rules of the table below. Each domain then decides per record
// (the assigned rep, the reporter of a feedback item).
var (
	// marketers create, qualify, hand off, recycle and import leads, and run
	// campaigns: marketing (any role) and admins.
	marketers = inTeams(users.Marketing)
	// sellers accept, reject and work leads.
	sellers = inTeams(users.Sales)
	// salesManagers assign leads to reps.
	salesManagers = access{"sales managers, admins", func(u *users.User) bool { return u != nil && u.IsSalesManager() }}
	// leadExporters may download the lead list with every contact's email
	// and phone: the teams that work leads. Service has no lead work, so one
	// signed-in agent cannot walk off with every contact (issue 13); a single
	// lead's page stays readable to all, for the customer in front of them.
	leadExporters = inTeams(users.Marketing, users.Sales)
	// fieldTeams acknowledge campaign notices.
	fieldTeams = inTeams(users.Sales, users.Service)
	// alertPosters post product alerts: service (any role) and every manager.
	alertPosters = teamsOrManagers(users.Service)
	// intakeManagers create, edit and rotate the secrets of lead intake
	// sources: marketing managers and admins, as a source's secret lets
	// anyone who holds it put leads into the pipeline.
	intakeManagers = access{"marketing managers, admins", func(u *users.User) bool {
		return u != nil && (u.IsAdmin() || u.Team == users.Marketing && u.IsManager())
	}}
	// triagers move feedback through triage, assign owners and merge:
	// marketing, and managers and admins of every team.
	triagers = teamsOrManagers(users.Marketing)
)

// route is one line of the policy: method, path, who, and the handler.
type route struct {
	Method  string
	Pattern string
	Access  access
	handle  handlerFunc
}

// Routes is the whole policy table: every route with who may use it. It is
// one long table on purpose, so that access is reviewed in one place rather
// than across the area files. The authorization matrix test walks the
// router and fails on any route that is not here.
func (s *Server) Routes() []route {
	return []route{
		// Signing in and out, the account, administration, notifications.
		{"GET", "/login", anyone, s.loginForm},
		{"POST", "/login", anyone, s.login},
		{"GET", "/logout", anyone, s.logoutForm},
		{"POST", "/logout", anyone, s.logout},
		// Single sign-on: the provider's redirect and its answer.
		{"GET", "/auth/oidc/start", anyone, s.ssoStart},
		{"GET", "/auth/oidc/callback", anyone, s.ssoCallback},
		{"GET", "/set-password/{token}", anyone, s.setPasswordForm},
		{"POST", "/set-password/{token}", anyone, s.setPassword},

		{"GET", "/account", signedIn, s.account},
		{"POST", "/account", signedIn, s.updateAccount},
		{"POST", "/account/password", signedIn, s.changePassword},
		{"POST", "/account/away", signedIn, s.saveAway},
		{"GET", "/account/tokens", signedIn, s.accountTokens},
		{"GET", "/api/docs", anyone, s.apiDocs},
		{"POST", "/account/tokens", signedIn, s.createAccountToken},
		{"POST", "/account/tokens/{id}/revoke", signedIn, s.revokeAccountToken}, // the owner's own: checked by the store
		{"GET", "/account/notifications", signedIn, s.notificationSettings},
		{"POST", "/account/notifications", signedIn, s.saveNotificationSettings},
		{"POST", "/account/calendar", signedIn, s.generatePersonalCalendar},
		{"POST", "/account/calendar/team", managers, s.generateTeamCalendar},
		// A calendar app fetches the feed without a session: the secret token
		// in the path is its authority, and it opens only its owner's data.
		// HEAD is served beside the public routes below.
		{"GET", "/calendar/{token}.ics", anyone, s.calendarFeed},
		// The signed link of a notification mail; its POST is public (below).
		{"GET", "/mail/unsubscribe", anyone, s.mailUnsubscribeForm},

		{"GET", "/admin/users", admins, s.adminUsers},
		{"GET", "/admin/users/new", admins, s.adminNewUserForm},
		{"POST", "/admin/users", admins, s.adminCreateUser},
		{"GET", "/admin/users/{id}", admins, s.adminUser},
		{"POST", "/admin/users/{id}/access", admins, s.adminChangeAccess},
		{"POST", "/admin/users/{id}/active", admins, s.adminSetActive},
		{"GET", "/admin/users/{id}/deactivate", admins, s.adminDeactivateConfirm},
		{"POST", "/admin/users/{id}/sessions/end", admins, s.adminEndSessions},
		{"POST", "/admin/users/{id}/password-link", admins, s.adminPasswordLink},
		{"GET", "/admin/audit", admins, s.adminAudit},
		{"GET", "/admin/tokens", admins, s.adminTokens},
		{"POST", "/admin/tokens", admins, s.createServiceToken},
		{"POST", "/admin/tokens/{id}/revoke", admins, s.revokeAnyToken},
		{"GET", "/admin/jobs", admins, s.adminJobs},
		{"POST", "/admin/jobs/{id}/retry", admins, s.adminRetryJob},
		{"GET", "/admin/settings", admins, s.adminSettings},
		{"POST", "/admin/settings", admins, s.adminUpdateSettings},
		{"GET", "/admin/business-hours", admins, s.adminBusinessHours},
		{"POST", "/admin/business-hours", admins, s.adminSaveCalendar},
		{"POST", "/admin/business-hours/holidays", admins, s.adminAddHoliday},
		{"POST", "/admin/business-hours/holidays/{day}/delete", admins, s.adminDeleteHoliday},
		{"POST", "/admin/business-hours/steps", admins, s.adminAddStep},
		{"POST", "/admin/business-hours/steps/{id}/delete", admins, s.adminDeleteStep},
		{"GET", "/admin/sso", admins, s.adminSSO},
		{"POST", "/admin/sso/policy", admins, s.adminSavePolicy},
		{"POST", "/admin/sso/rules", admins, s.adminAddRule},
		{"POST", "/admin/sso/rules/{id}/move", admins, s.adminMoveRule},
		{"POST", "/admin/sso/rules/{id}/delete", admins, s.adminDeleteRule},
		{"POST", "/admin/sso/scim-tokens", admins, s.adminCreateSCIMToken},
		{"POST", "/admin/sso/scim-tokens/{id}/revoke", admins, s.adminRevokeSCIMToken},
		{"GET", "/admin/channels", admins, s.adminChannels},
		{"GET", "/admin/channels/new", admins, s.adminNewChannelForm},
		{"POST", "/admin/channels", admins, s.adminCreateChannel},
		{"GET", "/admin/channels/{id}", admins, s.adminChannel},
		{"POST", "/admin/channels/{id}", admins, s.adminUpdateChannel},
		{"GET", "/admin/channels/{id}/delete", admins, s.adminDeleteChannelConfirm},
		{"POST", "/admin/channels/{id}/delete", admins, s.adminDeleteChannel},
		{"POST", "/admin/channels/{id}/test", admins, s.adminTestChannel},
		{"POST", "/admin/channels/deliveries/{id}/redeliver", admins, s.adminRedeliverChat},
		{"GET", "/admin/webhooks", admins, s.adminWebhooks},
		{"GET", "/admin/webhooks/new", admins, s.adminNewWebhookForm},
		{"POST", "/admin/webhooks", admins, s.adminCreateWebhook},
		{"GET", "/admin/webhooks/{id}", admins, s.adminWebhook},
		{"POST", "/admin/webhooks/{id}", admins, s.adminUpdateWebhook},
		{"GET", "/admin/webhooks/{id}/rotate", admins, s.adminRotateWebhookConfirm},
		{"POST", "/admin/webhooks/{id}/rotate", admins, s.adminRotateWebhook},
		{"GET", "/admin/webhooks/{id}/delete", admins, s.adminDeleteWebhookConfirm},
		{"POST", "/admin/webhooks/{id}/delete", admins, s.adminDeleteWebhook},
		{"POST", "/admin/webhooks/{id}/test", admins, s.adminTestWebhook},
		{"POST", "/admin/webhooks/deliveries/{id}/redeliver", admins, s.adminRedeliverWebhook},

		{"GET", "/notifications", signedIn, s.notificationsPage},
		{"POST", "/notifications/{id}/open", signedIn, s.openNotification},
		{"POST", "/notifications/{id}/read", signedIn, s.readNotification},
		{"POST", "/notifications/read-all", signedIn, s.readAllNotifications},

		// KPIs and the overview.
		{"GET", "/", signedIn, s.overview},
		{"GET", "/kpis", signedIn, s.kpiList},
		{"GET", "/kpis/targets", signedIn, s.kpiTargets},
		{"POST", "/kpis/targets", managers, s.kpiSetTarget},
		{"GET", "/kpis/{key}", signedIn, s.kpiDetail},
		{"GET", "/sla", signedIn, s.slaPage},

		// Leads.
		{"GET", "/leads", signedIn, s.leadList},
		{"GET", "/leads/new", marketers, s.leadNewForm},
		{"POST", "/leads", marketers, s.leadCreate},
		{"GET", "/leads/queue", sellers, s.leadQueue},
		{"GET", "/leads/rejected", signedIn, s.leadRejected},
		{"GET", "/leads/routing", salesManagers, s.leadRouting},
		{"POST", "/leads/routing", salesManagers, s.createRoutingRule},
		{"POST", "/leads/routing/capacity", salesManagers, s.saveRepCapacities},
		{"GET", "/leads/routing/{id}", salesManagers, s.routingRule},
		{"POST", "/leads/routing/{id}", salesManagers, s.updateRoutingRule},
		{"POST", "/leads/routing/{id}/move", salesManagers, s.moveRoutingRule},
		{"POST", "/leads/routing/{id}/delete", salesManagers, s.deleteRoutingRule},
		{"GET", "/search/leads", signedIn, s.searchLeads},
		{"GET", "/leads/export.csv", leadExporters, s.leadExport},
		{"GET", "/leads/import", marketers, s.leadImportForm},
		{"POST", "/leads/import", marketers, s.leadImportUpload},
		{"GET", "/leads/import/{id}", marketers, s.leadImportStep},
		{"POST", "/leads/import/{id}", marketers, s.leadImportCommit},
		{"GET", "/leads/import/{id}/rejected.csv", marketers, s.leadImportRejected},
		{"GET", "/leads/intake", marketers, s.intakeList},
		{"GET", "/leads/intake/new", intakeManagers, s.intakeNewForm},
		{"POST", "/leads/intake", intakeManagers, s.intakeCreate},
		{"GET", "/leads/intake/{id}", marketers, s.intakeDetail},
		{"GET", "/leads/intake/{id}/edit", intakeManagers, s.intakeEditForm},
		{"POST", "/leads/intake/{id}", intakeManagers, s.intakeUpdate},
		{"GET", "/leads/intake/{id}/rotate", intakeManagers, s.intakeRotateConfirm},
		{"POST", "/leads/intake/{id}/rotate", intakeManagers, s.intakeRotate},
		{"GET", "/leads/{id}", signedIn, s.leadDetail},
		{"GET", "/leads/{id}/edit", inTeams(users.Marketing, users.Sales), s.leadEditForm},
		{"POST", "/leads/{id}/edit", inTeams(users.Marketing, users.Sales), s.leadUpdate},
		{"POST", "/leads/{id}/qualify", marketers, s.leadMove(leadpages.ActQualify, leads.MQL)},
		{"POST", "/leads/{id}/hand-off", marketers, s.leadMove(leadpages.ActHandOff, leads.HandedOff, "owner", "note")},
		{"POST", "/leads/{id}/recycle", marketers, s.leadMove(leadpages.ActRecycle, leads.Recycled)},
		{"POST", "/leads/{id}/accept", sellers, s.leadMove(leadpages.ActAccept, leads.Accepted, "rating", "note")},
		{"POST", "/leads/{id}/reject", sellers, s.leadMove(leadpages.ActReject, leads.Rejected, "reason", "rating", "note")},
		{"POST", "/leads/{id}/convert", sellers, s.leadMove(leadpages.ActConvert, leads.Opportunity)},
		{"POST", "/leads/{id}/win", sellers, s.leadMove(leadpages.ActWin, leads.Won, "value")},
		{"POST", "/leads/{id}/lose", sellers, s.leadMove(leadpages.ActLose, leads.Lost, "lost")},
		{"POST", "/leads/{id}/touch", sellers, s.leadTouch},
		{"POST", "/leads/{id}/assign", salesManagers, s.leadAssign},
		{"POST", "/leads/{id}/comments", signedIn, s.leadComment},

		// Campaigns: marketing runs them, the field acknowledges their
		// notices, everyone signed in reads and asks.
		{"GET", "/campaigns", signedIn, s.campaignList},
		{"GET", "/campaigns/new", marketers, s.campaignNewForm},
		{"POST", "/campaigns", marketers, s.campaignCreate},
		{"GET", "/campaigns/calendar", signedIn, s.campaignCalendar},
		{"GET", "/campaigns/{id}", signedIn, s.campaignDetail},
		{"GET", "/campaigns/{id}/edit", marketers, s.campaignEditForm},
		{"POST", "/campaigns/{id}", marketers, s.campaignUpdate},
		{"GET", "/campaigns/{id}/announce", marketers, s.campaignAnnounceConfirm},
		{"POST", "/campaigns/{id}/announce", marketers, s.campaignAnnounce},
		{"POST", "/campaigns/{id}/ack", fieldTeams, s.campaignAck},
		{"POST", "/campaigns/{id}/comments", signedIn, s.campaignComment},

		// Product alerts: posted by service and managers, read and
		// acknowledged by everyone signed in.
		{"GET", "/alerts", signedIn, s.alertList},
		{"GET", "/alerts/new", alertPosters, s.alertNewForm},
		{"POST", "/alerts", alertPosters, s.alertCreate},
		{"GET", "/alerts/{id}", signedIn, s.alertDetail},
		{"POST", "/alerts/{id}/ack", signedIn, s.alertAck},

		// Feedback and its themes.
		{"GET", "/feedback", signedIn, s.feedbackList},
		{"GET", "/feedback/new", signedIn, s.feedbackNewForm},
		{"POST", "/feedback", signedIn, s.feedbackCreate},
		{"GET", "/feedback/board", signedIn, s.feedbackBoard},
		{"GET", "/feedback/themes", signedIn, s.feedbackTrends},
		{"GET", "/feedback/{id}", signedIn, s.feedbackItem},
		{"POST", "/feedback/{id}/heard", signedIn, s.feedbackHeard},
		{"POST", "/feedback/{id}/status", triagers, s.feedbackStatus},
		{"POST", "/feedback/{id}/owner", triagers, s.feedbackOwner},
		{"POST", "/feedback/{id}/rating", signedIn, s.feedbackRating}, // the reporter only: checked on the item
		{"GET", "/feedback/{id}/merge", triagers, s.feedbackMergeConfirm},
		{"POST", "/feedback/{id}/merge", triagers, s.feedbackMerge},
		{"GET", "/search/feedback", triagers, s.searchFeedback},

		{"GET", "/admin/themes", admins, s.adminThemes},
		{"POST", "/admin/themes", admins, s.adminCreateTheme},
		{"POST", "/admin/themes/{id}", admins, s.adminUpdateTheme},

		// The weekly digest.
		{"GET", "/digests", signedIn, s.digestIndex},
		{"GET", "/digests/unsubscribe", anyone, s.digestUnsubscribeForm},
		{"POST", "/digests/unsubscribe", anyone, s.digestUnsubscribe},
		{"GET", "/digests/{week}", signedIn, s.digestWeek},
		{"POST", "/digests/{week}/note", managers, s.digestNote},
		{"POST", "/digests/{week}/send", managers, s.digestSend},
		{"POST", "/digests/{week}/test", managers, s.digestTest},
		{"POST", "/digests/{week}/retry", admins, s.digestRetry},
		{"POST", "/account/digest", signedIn, s.accountDigest},
	}
}

// PublicRoutes lists what is served before sessions are loaded, to anyone.
// POST /intake/{source} is authenticated by the source (its signature, or
// for website forms the source's own settings), never by a session; the
// API document needs no token. POST /mail/unsubscribe is the RFC 8058
// one-click unsubscribe a mail client posts without cookies or a form
// token: the link's signature is its authority. HEAD of a calendar feed is
// what some calendar apps ask before GET (which is in the table above).
// Everything under /scim/v2 (scim.PathPrefix) is public in the same sense:
// the SCIM handler answers 401 to any request without a SCIM bearer token.
var PublicRoutes = []string{"GET /healthz", "GET /readyz", "GET /static/*", "POST /intake/{source}", "GET /intake/thanks",
	"GET /api/v1/openapi.json", "POST /mail/unsubscribe", "HEAD /calendar/{token}.ics"}

func (s *Server) routes() *chi.Mux {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, s.accessLog, s.recoverPanic, s.securityHeaders, s.settleWrites)
	// The static files come compressed already, once at start-up.
	r.Handle("/static/*", static.Handler())
	r.Mount("/", s.dynamicRoutes())
	return r
}

// pageCompressor gzips dynamic responses at the fastest level with
// klauspost/compress, which at that level takes half the time of the
// standard library's gzip for the same size: on the 1M-lead lists,
// compression was a third of the server's time per page.
func pageCompressor() *middleware.Compressor {
	c := middleware.NewCompressor(gzip.BestSpeed, "text/html", "text/css", "text/plain", "text/csv",
		"text/javascript", "application/javascript", "image/svg+xml")
	c.SetEncoder("gzip", func(w io.Writer, level int) io.Writer {
		gw, err := gzip.NewWriterLevel(w, level)
		if err != nil {
			return nil // as chi's own gzip encoder; BestSpeed is a valid level
		}
		return gw
	})
	return c
}

// dynamicRoutes is everything but the static files: pages, the API, SCIM,
// intake, feeds, compressed per response.
func (s *Server) dynamicRoutes() *chi.Mux {
	r := chi.NewRouter()
	r.Use(pageCompressor().Handler)
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Mount(apiPrefix, s.apiRouter())
	r.With(noStore).Mount(scim.PathPrefix, scim.NewHandler(s.pool, s.scim, s.cfg.BaseURL.String(), s.log))
	r.Post("/intake/{source}", s.intakeSubmit)
	r.Get("/intake/thanks", s.intakeThanks)
	r.With(noStore, s.limitBody, s.checkQuery).Post("/mail/unsubscribe", s.handle(s.mailUnsubscribe))
	r.With(noStore, s.checkQuery).Head("/calendar/{token}.ics", s.handle(s.calendarFeed))

	r.Group(func(r chi.Router) {
		r.Use(noStore, s.limitBody, s.checkQuery, s.loadSession, s.checkCSRF)
		r.NotFound(s.pageOrProblem(errNotFound))
		r.MethodNotAllowed(s.pageOrProblem(errMethodNotAllowed))
		for _, rt := range s.Routes() {
			r.Method(rt.Method, rt.Pattern, s.authorize(rt.Access, s.handle(rt.handle)))
		}
	})
	return r
}
