package server

import (
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/cache"
	"tandem/internal/calendar"
	"tandem/internal/campaigns"
	"tandem/internal/chatchannels"
	"tandem/internal/config"
	"tandem/internal/digest"
	"tandem/internal/feedback"
	"tandem/internal/intake"
	"tandem/internal/jobs"
	"tandem/internal/kpi"
	"tandem/internal/leads"
	"tandem/internal/mail"
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

// NewDomain builds every store once, and the one digest service the pages
// and the scheduler share. outbound is the client deliveries to other
// systems (chat, webhooks) go through. The program and the tests wire the
// server with it, so neither can forget a store.
func NewDomain(cfg config.Config, log *slog.Logger, pool *pgxpool.Pool, outbound *http.Client) (Domain, error) {
	jobsAdmin, err := jobs.NewAdmin(pool)
	if err != nil {
		return Domain{}, err
	}
	bus := cache.NewBus()
	userStore := users.NewStore(pool)
	userStore.CacheSessions(bus, cfg.CacheTTL)
	settingStore := settings.NewStore(pool)
	settingStore.CacheCurrency(bus, cfg.CacheTTL)
	leadStore := leads.NewStore(pool)
	leadStore.Cache(bus, cfg.CacheTTL)
	feedbackStore := feedback.NewStore(pool, cfg.Location)
	feedbackStore.Cache(bus, cfg.CacheTTL)
	engine := kpi.NewEngine(pool, cfg.Location)
	engine.CacheSnapshots(bus, cfg.CacheTTL)
	engine.CacheOverview(bus, cfg.CacheTTL)
	engine.KeepSettledPeriods()
	routingStore := routing.NewStore(pool)
	routingStore.Cache(bus, cfg.CacheTTL)
	return Domain{
		Cache:         bus,
		Users:         userStore,
		Settings:      settingStore,
		Leads:         leadStore,
		Campaigns:     campaigns.NewStore(pool, cfg.Location),
		Feedback:      feedbackStore,
		KPI:           engine,
		Digests:       digest.FromConfig(pool, cfg, log),
		Notifications: notifications.NewStore(pool),
		Tokens:        tokens.NewStore(pool),
		Intake:        intake.NewStore(pool),
		Mail:          mail.FromConfig(pool, cfg, log),
		Chat: chatchannels.NewStore(pool, chatchannels.Options{
			Client: outbound, BaseURL: cfg.BaseURL.String(), Enqueuer: jobs.Enqueuer{}}),
		Webhooks: webhooks.NewStore(pool, webhooks.Options{
			Client: outbound, BaseURL: cfg.BaseURL.String(), Enqueuer: jobs.Enqueuer{}}),
		Jobs:     jobsAdmin,
		Calendar: calendar.NewStore(pool, cfg.BaseURL.String(), cfg.Location),
		SSO:      sso.NewStore(pool),
		OIDC:     sso.NewProvider(cfg.OIDC, cfg.BaseURL, log),
		SCIM:     scim.NewTokens(pool),
		Routing:  routingStore,
		SLA:      sla.NewStore(pool),
	}, nil
}
