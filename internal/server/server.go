// Package server is Tandem's HTTP layer: routing, middleware, sessions and
// one file of handlers per area. Handlers stay thin: they parse the request,
// call a domain package and render a web/ component.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/cache"
	"tandem/internal/calendar"
	"tandem/internal/campaigns"
	"tandem/internal/chatchannels"
	"tandem/internal/config"
	"tandem/internal/digest"
	"tandem/internal/events"
	"tandem/internal/feedback"
	"tandem/internal/intake"
	"tandem/internal/jobs"
	"tandem/internal/kpi"
	"tandem/internal/leads"
	"tandem/internal/mail"
	"tandem/internal/metrics"
	"tandem/internal/notifications"
	"tandem/internal/routing"
	"tandem/internal/scim"
	"tandem/internal/settings"
	"tandem/internal/sla"
	"tandem/internal/sso"
	"tandem/internal/tokens"
	"tandem/internal/users"
	"tandem/internal/webhooks"
)

// Server holds the dependencies every handler uses.
type Server struct {
	cfg      config.Config
	log      *slog.Logger
	pool     *pgxpool.Pool
	users    *users.Store
	settings *settings.Store
	leads    *leads.Store
	campaign *campaigns.Store
	feedback *feedback.Store
	kpi      *kpi.Engine
	digests  *digest.Service
	notes    *notifications.Store
	tokens   *tokens.Store
	intake   *intake.Store
	mail     *mail.Channel
	chat     *chatchannels.Store
	webhooks *webhooks.Store
	calendar *calendar.Store
	sso      *sso.Store
	oidc     *sso.Provider // nil when single sign-on is off
	scim     *scim.Tokens
	routing  *routing.Store
	sla      *sla.Store
	jobs     *jobs.Admin
	session  users.SessionPolicy
	router   *chi.Mux
	cache    *cache.Bus
	headers  *cache.Map[int64, headerData]
	metrics  *metrics.Registry
}

// Domain is what the handlers call: one store per domain and the one
// digest service, built by the program (cmd/tandem) and shared with its
// background work, so the scheduler and the pages use the same service.
type Domain struct {
	Users         *users.Store
	Settings      *settings.Store
	Leads         *leads.Store
	Campaigns     *campaigns.Store
	Feedback      *feedback.Store
	KPI           *kpi.Engine
	Digests       *digest.Service
	Notifications *notifications.Store
	Tokens        *tokens.Store
	Intake        *intake.Store
	// Mail is the email channel: its preferences back
	// /account/notifications and its signed links /mail/unsubscribe.
	Mail *mail.Channel
	// Jobs is River's table as /admin/jobs shows it.
	Jobs *jobs.Admin
	// Chat is the teams' chat channels (/admin/channels) and the "chat"
	// delivery channel.
	Chat *chatchannels.Store
	// Webhooks is the outbound webhook endpoints (/admin/webhooks) and the
	// "webhook" delivery channel.
	Webhooks *webhooks.Store
	// Calendar is the secret calendar feeds (/account, /calendar/…).
	Calendar *calendar.Store
	// SSO is the sign-in policy, group rules and identities; OIDC the
	// identity provider, nil when single sign-on is off. The program runs
	// OIDC.Discover in the background.
	SSO  *sso.Store
	OIDC *sso.Provider
	// SCIM is the provisioning clients' bearer tokens (/admin/sso); the
	// handler at /scim/v2 checks them.
	SCIM *scim.Tokens
	// Routing is the lead routing rules, rep capacities and out-of-office
	// dates (/leads/routing, /account).
	Routing *routing.Store
	// SLA is the business calendar and the escalation ladder
	// (/admin/business-hours).
	SLA *sla.Store
	// Cache carries the change notifications that keep this instance's
	// memory (sessions, header counts, settings, KPI snapshots) correct;
	// the program runs its Listen.
	Cache *cache.Bus
}

// Channels are the domain's delivery channels, for the job system to fan
// events out to.
func (d Domain) Channels() []events.Channel {
	var cs []events.Channel
	if d.Mail != nil {
		cs = append(cs, d.Mail)
	}
	if d.Chat != nil {
		cs = append(cs, d.Chat)
	}
	if d.Webhooks != nil {
		cs = append(cs, d.Webhooks)
	}
	return cs
}

// New builds the router over the given domain. The pool is only for the
// readiness probe.
func New(cfg config.Config, log *slog.Logger, pool *pgxpool.Pool, d Domain) *Server {
	s := &Server{
		cfg:      cfg,
		log:      log,
		pool:     pool,
		users:    d.Users,
		settings: d.Settings,
		leads:    d.Leads,
		campaign: d.Campaigns,
		feedback: d.Feedback,
		kpi:      d.KPI,
		digests:  d.Digests,
		notes:    d.Notifications,
		tokens:   d.Tokens,
		intake:   d.Intake,
		mail:     d.Mail,
		jobs:     d.Jobs,
		chat:     d.Chat,
		webhooks: d.Webhooks,
		calendar: d.Calendar,
		sso:      d.SSO,
		oidc:     d.OIDC,
		scim:     d.SCIM,
		routing:  d.Routing,
		sla:      d.SLA,
		session:  users.SessionPolicy{Idle: cfg.SessionIdle, Lifetime: cfg.SessionLifetime},
		cache:    d.Cache,
	}
	if s.cache == nil {
		s.cache = cache.NewBus() // never connected: nothing served from memory
	}
	s.headers = cache.NewMap[int64, headerData](s.cache, "header", cfg.CacheTTL, maxCachedHeaders,
		func(key string) (int64, bool) {
			id, err := strconv.ParseInt(key, 10, 64)
			return id, err == nil
		})
	s.metrics = s.newMetrics()
	s.router = s.routes()
	return s
}

func (s *Server) newMetrics() *metrics.Registry {
	m := metrics.New()
	if s.pool != nil {
		m.WatchPool(s.pool)
		m.WatchJobs(s.pool)
	}
	m.WatchCache("sessions", s.users.SessionCacheStats)
	m.WatchCache("headers", s.headers.Stats)
	m.WatchCache("kpi_snapshots", s.kpi.SnapshotCacheStats)
	m.WatchCache("overview_lists", s.kpi.OverviewCacheStats)
	m.WatchCache("lead_lists", s.leads.ListCacheStats)
	m.WatchCache("feedback_lists", s.feedback.ListCacheStats)
	kinds := make([]string, len(kpi.Kinds))
	for i, k := range kpi.Kinds {
		kinds[i] = string(k)
	}
	m.WatchSnapshots(kinds, snapshotStats{s.kpi})
	return m
}

// snapshotStats is the KPI engine as the metrics see it.
type snapshotStats struct{ e *kpi.Engine }

func (s snapshotStats) SnapshotAge(ctx context.Context, kind string) (time.Duration, bool, error) {
	return s.e.SnapshotAge(ctx, kpi.Kind(kind))
}

func (s snapshotStats) RefreshStats() (uint64, float64, time.Duration) { return s.e.RefreshStats() }

// MetricsHandler serves /metrics for Prometheus, on METRICS_ADDR only.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	return mux
}

// ServeHTTP makes the Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Router exposes the routes, so tests can walk every one of them.
func (s *Server) Router() chi.Routes { return s.router }

// HTTPServer returns an http.Server with Tandem's timeouts.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Serve serves on ln until ctx ends, then stops accepting connections and
// lets in-flight requests finish within the shutdown timeout.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, shutdownTimeout time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Maintain purges expired sessions, stale throttle and idempotency rows
// and the old part of the KPI change log. The job system runs it hourly;
// the deletes are idempotent.
func (s *Server) Maintain(ctx context.Context) error {
	if err := s.users.PurgeExpired(ctx, s.session); err != nil {
		return fmt.Errorf("purge expired sessions: %w", err)
	}
	if err := s.tokens.Purge(ctx); err != nil {
		return fmt.Errorf("purge idempotency keys and rate windows: %w", err)
	}
	if err := s.kpi.PruneChanges(ctx); err != nil {
		return fmt.Errorf("prune the kpi change log: %w", err)
	}
	return nil
}
