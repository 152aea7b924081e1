// Package config reads Tandem's settings from the environment once, at
// start-up, and refuses to start on a bad value.
package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting the process reads from its environment.
type Config struct {
	DatabaseURL string
	Addr        string
	BaseURL     *url.URL
	LogLevel    string
	// Location is the business timezone (TZ): weeks, months, quarters and
	// schedules are cut in it.
	Location        *time.Location
	DBMaxConns      int32
	ShutdownTimeout time.Duration
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	// APIRateLimit is how many API requests one token may make per minute
	// (API_RATE_LIMIT), counted across every instance.
	APIRateLimit int
	// OutboundAllowPrivate (OUTBOUND_ALLOW_PRIVATE=1) lets webhook and chat
	// deliveries reach loopback, private and link-local addresses: local
	// setups, tests, a chat server on the company network.
	OutboundAllowPrivate bool
	// SMTP is the mail server the weekly digest goes through; mail is off
	// when SMTP.Host is empty.
	SMTP SMTP
	// OIDC is the identity provider single sign-on goes through; off when
	// OIDC.Issuer is empty.
	OIDC OIDC
	// CacheTTL (CACHE_TTL, at most 5s) is how long an instance may serve a
	// session, the header's counts or the KPI snapshot from memory when
	// the change notification that should have dropped it never came.
	CacheTTL time.Duration
	// MetricsAddr (METRICS_ADDR) is where Prometheus scrapes /metrics, a
	// listener of its own so it is never public by accident; off when empty.
	MetricsAddr string
}

// MaxCacheTTL bounds CACHE_TTL: the longest a missed notification may
// leave a signed-out session or a read notification showing.
const MaxCacheTTL = 5 * time.Second

// OIDC settings (OIDC_*). The redirect URI the provider must allow is
// BASE_URL + /auth/oidc/callback.
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	Scopes       []string
	GroupsClaim  string
	ButtonLabel  string
}

// Enabled reports whether single sign-on is configured.
func (o OIDC) Enabled() bool { return o.Issuer != "" }

// SMTP settings (SMTP_*). TLS is "starttls" (STARTTLS required), "tls"
// (implicit TLS from the first byte) or "none" (plain, for a local mail
// catcher only).
type SMTP struct {
	Host     string
	Port     int
	User     string
	Password string
	From     string
	TLS      string
}

// Enabled reports whether mail can be sent.
func (s SMTP) Enabled() bool { return s.Host != "" }

// Error names the variable whose value was refused.
type Error struct {
	Var    string
	Reason string
}

func (e *Error) Error() string { return e.Var + ": " + e.Reason }

// Load reads the configuration through getenv (os.Getenv in production).
// needDatabase is false for commands that work without one.
func Load(getenv func(string) string, needDatabase bool) (Config, error) {
	c := Config{
		DatabaseURL: strings.TrimSpace(getenv("DATABASE_URL")),
		Addr:        orDefault(getenv("ADDR"), "127.0.0.1:8080"),
		LogLevel:    strings.ToLower(orDefault(getenv("LOG_LEVEL"), "info")),
	}
	if needDatabase && c.DatabaseURL == "" {
		return c, &Error{"DATABASE_URL", "is required (e.g. postgres://user:pass@localhost:5432/tandem)"}
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return c, &Error{"DATABASE_URL", "must be a postgres:// URL"}
		}
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || !validPort(port) {
		return c, &Error{"ADDR", fmt.Sprintf("%q is not host:port (e.g. 127.0.0.1:8080)", c.Addr)}
	}

	base := getenv("BASE_URL")
	if base == "" {
		base = "http://" + c.Addr
	}
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return c, &Error{"BASE_URL", fmt.Sprintf("%q is not an absolute http(s) URL", base)}
	}
	c.BaseURL = u

	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return c, &Error{"LOG_LEVEL", fmt.Sprintf("%q is not one of debug, info, warn, error", c.LogLevel)}
	}

	tz := orDefault(getenv("TZ"), "UTC")
	if c.Location, err = time.LoadLocation(strings.TrimPrefix(tz, ":")); err != nil {
		return c, &Error{"TZ", fmt.Sprintf("%q is not a known timezone (e.g. Europe/Berlin)", tz)}
	}

	conns, err := intSetting(getenv, "DB_MAX_CONNS", 10, 1, 1000)
	if err != nil {
		return c, err
	}
	c.DBMaxConns = int32(conns)
	if c.APIRateLimit, err = intSetting(getenv, "API_RATE_LIMIT", 600, 1, 1000000); err != nil {
		return c, err
	}
	if c.OutboundAllowPrivate, err = boolSetting(getenv, "OUTBOUND_ALLOW_PRIVATE"); err != nil {
		return c, err
	}

	durations := []struct {
		name string
		dst  *time.Duration
		def  time.Duration
	}{
		{"SHUTDOWN_TIMEOUT", &c.ShutdownTimeout, 20 * time.Second},
		{"SESSION_IDLE_TIMEOUT", &c.SessionIdle, 12 * time.Hour},
		{"SESSION_LIFETIME", &c.SessionLifetime, 7 * 24 * time.Hour},
		{"CACHE_TTL", &c.CacheTTL, MaxCacheTTL},
	}
	for _, d := range durations {
		if *d.dst, err = durationSetting(getenv, d.name, d.def); err != nil {
			return c, err
		}
	}
	if c.SessionIdle > c.SessionLifetime {
		return c, &Error{"SESSION_IDLE_TIMEOUT", "must not be longer than SESSION_LIFETIME"}
	}
	if c.CacheTTL > MaxCacheTTL {
		return c, &Error{"CACHE_TTL", fmt.Sprintf("must not be longer than %s", MaxCacheTTL)}
	}
	c.MetricsAddr = strings.TrimSpace(getenv("METRICS_ADDR"))
	if _, port, err := net.SplitHostPort(c.MetricsAddr); c.MetricsAddr != "" && (err != nil || !validPort(port)) {
		return c, &Error{"METRICS_ADDR", fmt.Sprintf("%q is not host:port (e.g. 127.0.0.1:9090)", c.MetricsAddr)}
	}
	if c.SMTP, err = loadSMTP(getenv); err != nil {
		return c, err
	}
	if c.OIDC, err = loadOIDC(getenv); err != nil {
		return c, err
	}
	return c, nil
}

// loadOIDC reads OIDC_*. Like SMTP, the other settings without an issuer
// are refused rather than ignored. The issuer must be https, except on a
// loopback host (a provider on the same machine, in development and tests).
func loadOIDC(getenv func(string) string) (OIDC, error) {
	o := OIDC{
		Issuer:       strings.TrimSpace(getenv("OIDC_ISSUER")),
		ClientID:     strings.TrimSpace(getenv("OIDC_CLIENT_ID")),
		ClientSecret: strings.TrimSpace(getenv("OIDC_CLIENT_SECRET")),
		Scopes:       strings.Fields(orDefault(getenv("OIDC_SCOPES"), "openid email profile")),
		GroupsClaim:  orDefault(getenv("OIDC_GROUPS_CLAIM"), "groups"),
		ButtonLabel:  orDefault(getenv("OIDC_BUTTON_LABEL"), "single sign-on"),
	}
	if o.Issuer == "" {
		for _, name := range []string{"OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_SCOPES", "OIDC_GROUPS_CLAIM", "OIDC_BUTTON_LABEL"} {
			if strings.TrimSpace(getenv(name)) != "" {
				return OIDC{}, &Error{"OIDC_ISSUER", "is required when " + name + " is set (leave all OIDC_* unset to turn single sign-on off)"}
			}
		}
		return o, nil
	}
	u, err := url.Parse(o.Issuer)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" ||
		(u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return o, &Error{"OIDC_ISSUER", fmt.Sprintf("%q is not an https URL (e.g. https://login.example.com/realms/acme)", o.Issuer)}
	}
	if o.ClientID == "" {
		return o, &Error{"OIDC_CLIENT_ID", "is required with OIDC_ISSUER (the client id the provider gave Tandem)"}
	}
	hasOpenID := false
	for _, s := range o.Scopes {
		hasOpenID = hasOpenID || s == "openid"
	}
	if !hasOpenID {
		return o, &Error{"OIDC_SCOPES", fmt.Sprintf("%q must include openid", strings.Join(o.Scopes, " "))}
	}
	if strings.ContainsAny(o.GroupsClaim, " \t") {
		return o, &Error{"OIDC_GROUPS_CLAIM", fmt.Sprintf("%q is not a claim name (e.g. groups)", o.GroupsClaim)}
	}
	if len(o.ButtonLabel) > 60 {
		return o, &Error{"OIDC_BUTTON_LABEL", "keep it under 60 characters (e.g. Okta)"}
	}
	return o, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loadSMTP reads SMTP_*. Without SMTP_HOST mail is off, and the other
// settings must be unset too, so a typo in the host's name does not
// silently turn mail off.
func loadSMTP(getenv func(string) string) (SMTP, error) {
	s := SMTP{
		Host:     strings.TrimSpace(getenv("SMTP_HOST")),
		User:     strings.TrimSpace(getenv("SMTP_USER")),
		Password: getenv("SMTP_PASSWORD"),
		From:     strings.TrimSpace(getenv("SMTP_FROM")),
		TLS:      strings.ToLower(orDefault(getenv("SMTP_TLS"), "starttls")),
	}
	if s.Host == "" {
		for _, name := range []string{"SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_FROM", "SMTP_TLS"} {
			if strings.TrimSpace(getenv(name)) != "" {
				return SMTP{}, &Error{"SMTP_HOST", "is required when " + name + " is set (leave all SMTP_* unset to turn mail off)"}
			}
		}
		return s, nil
	}
	if strings.ContainsAny(s.Host, " /:@") {
		return s, &Error{"SMTP_HOST", fmt.Sprintf("%q is not a host name (e.g. smtp.example.com; the port goes in SMTP_PORT)", s.Host)}
	}
	defPort := 587
	switch s.TLS {
	case "tls":
		defPort = 465
	case "starttls", "none":
	default:
		return s, &Error{"SMTP_TLS", fmt.Sprintf("%q is not one of starttls, tls, none", s.TLS)}
	}
	var err error
	if s.Port, err = intSetting(getenv, "SMTP_PORT", defPort, 1, 65535); err != nil {
		return s, err
	}
	if s.From == "" {
		return s, &Error{"SMTP_FROM", "is required with SMTP_HOST (e.g. Tandem <tandem@example.com>)"}
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		return s, &Error{"SMTP_FROM", fmt.Sprintf("%q is not an email address (e.g. Tandem <tandem@example.com>)", s.From)}
	}
	if s.Password != "" && s.User == "" {
		return s, &Error{"SMTP_PASSWORD", "is set without SMTP_USER"}
	}
	if s.User != "" && s.TLS == "none" {
		return s, &Error{"SMTP_USER", "credentials are only sent over an encrypted connection: set SMTP_TLS to starttls or tls"}
	}
	return s, nil
}

// SecureCookies reports whether the app is served over https, which turns on
// Secure cookies, the __Host- prefix and HSTS.
func (c Config) SecureCookies() bool { return c.BaseURL.Scheme == "https" }

func orDefault(v, def string) string {
	if v = strings.TrimSpace(v); v == "" {
		return def
	}
	return v
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535
}

func intSetting(getenv func(string) string, name string, def, min, max int) (int, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return 0, &Error{name, fmt.Sprintf("%q is not a whole number from %d to %d", v, min, max)}
	}
	return n, nil
}

// boolSetting reads an on/off switch: 1/true/yes/on or 0/false/no/off,
// off when unset.
func boolSetting(getenv func(string) string, name string) (bool, error) {
	switch v := strings.ToLower(strings.TrimSpace(getenv(name))); v {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	default:
		return false, &Error{name, fmt.Sprintf("%q is not 1 or 0 (on or off)", v)}
	}
}

func durationSetting(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, &Error{name, fmt.Sprintf("%q is not a positive duration (e.g. 30s, 12h)", v)}
	}
	return d, nil
}
