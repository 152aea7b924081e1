// Package config reads Tandem's settings from the environment once, at
// start-up, and refuses to start on a bad value.
package config

import (
	"fmt"
	"net"
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
}

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

	durations := []struct {
		name string
		dst  *time.Duration
		def  time.Duration
	}{
		{"SHUTDOWN_TIMEOUT", &c.ShutdownTimeout, 20 * time.Second},
		{"SESSION_IDLE_TIMEOUT", &c.SessionIdle, 12 * time.Hour},
		{"SESSION_LIFETIME", &c.SessionLifetime, 7 * 24 * time.Hour},
	}
	for _, d := range durations {
		if *d.dst, err = durationSetting(getenv, d.name, d.def); err != nil {
			return c, err
		}
	}
	if c.SessionIdle > c.SessionLifetime {
		return c, &Error{"SESSION_IDLE_TIMEOUT", "must not be longer than SESSION_LIFETIME"}
	}
	return c, nil
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
