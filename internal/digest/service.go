package digest

import (
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/config"
	"tandem/internal/kpi"
)

// Service composes, archives and sends digests. Every app instance may
// run one: all coordination goes through PostgreSQL.
type Service struct {
	pool    *pgxpool.Pool
	kpi     *kpi.Engine
	loc     *time.Location
	baseURL string
	mailer  Mailer // nil: mail is off
	log     *slog.Logger
	now     func() time.Time

	// claimTimeout is how long a claimed send may stay unresolved before
	// another attempt takes it over (the claimer crashed). It must exceed
	// sendTimeout by a wide margin.
	claimTimeout time.Duration
	// sendTimeout bounds one message's SMTP conversation.
	sendTimeout time.Duration
	// maxAttempts is how often a send is tried before it is given up as
	// failed (an admin can queue it again).
	maxAttempts int
	// retryBase is the first retry's delay; each later one doubles, up to
	// retryMax.
	retryBase, retryMax time.Duration
}

// Options are what New needs besides the pool.
type Options struct {
	Location *time.Location // business timezone
	BaseURL  string         // absolute links in mail, e.g. https://tandem.example.com
	Mailer   Mailer         // nil: mail is off; digests are still composed and archived
	Log      *slog.Logger   // nil: discard
}

// New returns a Service.
func New(pool *pgxpool.Pool, o Options) *Service {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Service{
		pool:         pool,
		kpi:          kpi.NewEngine(pool, o.Location),
		loc:          o.Location,
		baseURL:      strings.TrimRight(o.BaseURL, "/"),
		mailer:       o.Mailer,
		log:          o.Log,
		now:          time.Now,
		claimTimeout: 10 * time.Minute,
		sendTimeout:  time.Minute,
		maxAttempts:  8,
		retryBase:    2 * time.Minute,
		retryMax:     2 * time.Hour,
	}
}

// FromConfig returns the Service `tandem serve` and the command line use:
// mail goes through cfg.SMTP when it is set.
func FromConfig(pool *pgxpool.Pool, cfg config.Config, log *slog.Logger) *Service {
	var m Mailer
	if cfg.SMTP.Enabled() {
		m = NewSMTPMailer(cfg.SMTP)
	}
	base := ""
	if cfg.BaseURL != nil {
		base = cfg.BaseURL.String()
	}
	return New(pool, Options{Location: cfg.Location, BaseURL: base, Mailer: m, Log: log})
}

// MailOn reports whether mail can be sent.
func (s *Service) MailOn() bool { return s.mailer != nil }
