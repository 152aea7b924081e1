package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/term"

	"tandem/internal/config"
	"tandem/internal/db"
	"tandem/internal/jobs"
	"tandem/internal/leads"
	"tandem/internal/outbound"
	"tandem/internal/seed"
	"tandem/internal/server"
	"tandem/internal/tokens"
	"tandem/internal/users"
)

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	migrateFirst := fs.Bool("migrate", true, "apply pending migrations before serving")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv, true)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if *migrateFirst {
		if err := db.MigrateUp(cfg.DatabaseURL); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return err
	}
	defer pool.Close()

	domain, err := server.NewDomain(cfg, log, pool, outbound.NewClient(cfg.OutboundAllowPrivate, 10*time.Second))
	if err != nil {
		return err
	}
	srv := server.New(cfg, log, pool, domain)
	background, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBackground()
	go domain.Cache.Listen(background, pool, log)
	// The dashboards exist before the first request: no request waits
	// for one after a start-up.
	if err := domain.KPI.Warm(ctx, log); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Warn("kpi snapshots not computed at start-up; the first overview computes them", "err", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("ADDR: %w", err)
	}
	// The job system runs under its own context, stopped after the last
	// request, so a job in flight finishes (or is handed back to the
	// queue) before the pool closes.
	work, err := jobs.New(pool, jobs.Options{
		Log: log, BaseURL: cfg.BaseURL.String(), Channels: domain.Channels(), KPI: domain.KPI, Ladder: leads.NewLadder(pool, log),
		Schedule: schedule(cfg, log, pool, domain, srv),
	})
	if err != nil {
		return err
	}
	if err := work.Start(background); err != nil {
		return fmt.Errorf("start the job system: %w", err)
	}
	if domain.OIDC != nil {
		// A provider that is down delays single sign-on, never start-up.
		go domain.OIDC.Discover(background)
	}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("METRICS_ADDR: %w", err)
		}
		ms := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 5 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go func() {
			if err := server.Serve(background, ms, mln, cfg.ShutdownTimeout); err != nil {
				log.Error("metrics listener", "err", err)
			}
		}()
		fmt.Fprintf(stdout, "Metrics for Prometheus at http://%s/metrics\n", mln.Addr())
	}
	fmt.Fprintf(stdout, "Tandem is running at %s (listening on %s). Press Ctrl-C to stop.\n", cfg.BaseURL, ln.Addr())
	log.Info("serving", "addr", ln.Addr().String(), "base_url", cfg.BaseURL.String())
	err = server.Serve(ctx, srv.HTTPServer(), ln, cfg.ShutdownTimeout)
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if serr := work.Stop(stopCtx); serr != nil {
		log.Warn("stop the job system", "err", serr)
	}
	log.Info("stopped")
	return err
}

// schedule is the work the job system runs on a timer, on one instance.
func schedule(cfg config.Config, log *slog.Logger, pool *pgxpool.Pool, d server.Domain, srv *server.Server) []jobs.Scheduled {
	ladder := leads.NewLadder(pool, log)
	summaryAt := 7 * time.Hour
	return []jobs.Scheduled{
		{Name: "digest", Every: time.Minute, RunOnStart: true,
			Run: func(ctx context.Context, _ time.Time) error { return d.Digests.Tick(ctx) }},
		// Steps fire from their own jobs; this catches the ones no job
		// covers (a step added after the handoff, a bulk-loaded handoff).
		{Name: "escalation_catch_up", Every: time.Minute, RunOnStart: true,
			Run: func(ctx context.Context, now time.Time) error {
				n, err := ladder.CatchUp(ctx, now)
				if n > 0 {
					log.Info("escalation steps caught up", "steps", n)
				}
				return err
			}},
		{Name: "launching_tomorrow", Every: time.Hour, RunOnStart: true,
			Run: func(ctx context.Context, now time.Time) error {
				n, err := d.Campaigns.RecordLaunchingTomorrow(ctx, now)
				if n > 0 {
					log.Info("campaigns launching tomorrow told", "campaigns", n)
				}
				return err
			}},
		{Name: "daily_mail_summary", Daily: &summaryAt, Location: cfg.Location,
			Run: func(ctx context.Context, now time.Time) error {
				_, err := d.Mail.SendDailySummaries(ctx, now)
				return err
			}},
		{Name: "housekeeping", Every: time.Hour, RunOnStart: true,
			Run: func(ctx context.Context, _ time.Time) error { return srv.Maintain(ctx) }},
	}
}

func cmdMigrate(args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(getenv, true)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return errors.New("usage: tandem migrate up|down N|version|force V")
	}
	number := func() (int, error) {
		if len(args) != 2 {
			return 0, fmt.Errorf("usage: tandem migrate %s N", args[0])
		}
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 0 {
			return 0, fmt.Errorf("migrate %s: %q is not a non-negative number", args[0], args[1])
		}
		return n, nil
	}
	switch args[0] {
	case "up":
		if err := db.MigrateUp(cfg.DatabaseURL); err != nil {
			return err
		}
	case "down":
		n, err := number()
		if err != nil {
			return err
		}
		if err := db.MigrateDown(cfg.DatabaseURL, n); err != nil {
			return err
		}
	case "force":
		n, err := number()
		if err != nil {
			return err
		}
		if err := db.MigrateForce(cfg.DatabaseURL, n); err != nil {
			return err
		}
	case "version":
	default:
		return fmt.Errorf("unknown migrate command %q", args[0])
	}
	v, dirty, err := db.SchemaVersion(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	state := "clean"
	if dirty {
		state = "dirty: fix the schema by hand, then `tandem migrate force V`"
	}
	fmt.Fprintf(stdout, "schema version %d (%s); this binary expects %d\n", v, state, db.LatestVersion)
	return nil
}

func cmdSeed(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "demo" && args[0] != "scale" {
		return errors.New("usage: tandem seed demo | tandem seed scale [-leads N -campaigns N -feedback N -users N -years N]")
	}
	o := seed.DefaultScale
	if args[0] == "scale" {
		fs := flag.NewFlagSet("seed scale", flag.ContinueOnError)
		fs.SetOutput(stdout)
		fs.IntVar(&o.Leads, "leads", o.Leads, "leads over the years")
		fs.IntVar(&o.Campaigns, "campaigns", o.Campaigns, "campaigns")
		fs.IntVar(&o.Feedback, "feedback", o.Feedback, "feedback items")
		fs.IntVar(&o.Users, "users", o.Users, "users (at least the demo logins)")
		fs.IntVar(&o.Years, "years", o.Years, "years of history")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if o.Leads < 1 || o.Campaigns < 1 || o.Feedback < 0 || o.Users < len(seed.Logins)+10 || o.Years < 1 {
			return fmt.Errorf("seed scale: sizes must be positive, with at least %d users", len(seed.Logins)+10)
		}
	} else if len(args) != 1 {
		return errors.New("usage: tandem seed demo")
	}
	cfg, err := config.Load(getenv, true)
	if err != nil {
		return err
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return err
	}
	defer pool.Close()
	if args[0] == "scale" {
		return seed.Scale(ctx, pool, cfg.Location, o, stdout)
	}
	return seed.Demo(ctx, pool, cfg.Location, stdout)
}

func cmdUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: tandem user create --email E --name N --team T --role R")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := users.NewUser{}
	fs.StringVar(&in.Email, "email", "", "email address (required)")
	fs.StringVar(&in.Name, "name", "", "display name (defaults to the part of the email before @)")
	team := fs.String("team", "", "sales, marketing or service (required)")
	role := fs.String("role", "member", "member, manager or admin")
	fs.StringVar(&in.Timezone, "timezone", "", "display timezone (defaults to TZ)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	in.Team, in.Role = users.Team(*team), users.Role(*role)
	if in.Name == "" {
		in.Name, _, _ = strings.Cut(in.Email, "@")
	}
	cfg, err := config.Load(getenv, true)
	if err != nil {
		return err
	}
	if in.Timezone == "" {
		in.Timezone = cfg.Location.String()
	}
	in.Normalize()
	if errs := in.Validate(); errs != nil {
		return errs
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	if msg := users.CheckNewPassword(password, in.Email); msg != "" {
		return errors.New("password: " + msg)
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer pool.Close()
	u, err := users.NewStore(pool).Create(ctx, users.Actor{IP: "command line"}, in, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created user %d: %s (%s %s)\n", u.ID, u.Email, u.Team, u.Role)
	return nil
}

// readPassword prompts without echo on a terminal, and otherwise reads the
// first line of stdin.
func readPassword(stdin io.Reader, prompt io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "Password (at least 12 characters): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		fmt.Fprint(prompt, "Repeat the password: ")
		again, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		if string(b) != string(again) {
			return "", errors.New("the two passwords differ")
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// cmdToken creates a personal API token for automation and prints it once.
func cmdToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const usage = "usage: tandem token create --email E --scopes read,write [--name N] [--expires 90d|never]"
	if len(args) == 0 || args[0] != "create" {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the user the token acts as (required)")
	scopes := fs.String("scopes", "read", "read, write or read,write")
	name := fs.String("name", "command line", "what the token is for")
	expires := fs.String("expires", "90d", "lifetime in days (e.g. 30d) or never")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	in := tokens.New{Name: *name}
	for _, sc := range strings.Split(*scopes, ",") {
		in.Scopes = append(in.Scopes, tokens.Scope(strings.TrimSpace(sc)))
	}
	d, ok := tokens.ParseExpiry(*expires)
	if !ok {
		return errors.New("--expires: a number of days such as 90d, or never")
	}
	in.Expires = d
	cfg, err := config.Load(getenv, true)
	if err != nil {
		return err
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer pool.Close()
	u, err := users.NewStore(pool).ByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("no active user with the email %q", *email)
	}
	_, secret, err := tokens.NewStore(pool).CreatePersonal(ctx, users.Actor{IP: "command line"}, u.ID, in)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}
