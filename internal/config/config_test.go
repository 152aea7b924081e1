package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://localhost/tandem"}), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.BaseURL.String() != "http://127.0.0.1:8080" || c.LogLevel != "info" {
		t.Errorf("defaults: %+v", c)
	}
	if c.Location != time.UTC || c.DBMaxConns != 10 || c.SecureCookies() || c.OutboundAllowPrivate {
		t.Errorf("defaults: %+v", c)
	}
	c, err = Load(env(map[string]string{"DATABASE_URL": "postgres://localhost/tandem", "OUTBOUND_ALLOW_PRIVATE": "1"}), true)
	if err != nil || !c.OutboundAllowPrivate {
		t.Errorf("OUTBOUND_ALLOW_PRIVATE=1: %v, %v", c.OutboundAllowPrivate, err)
	}
}

func TestLoadHTTPSBaseURLIsSecure(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{"BASE_URL": "https://tandem.example.com/", "TZ": "Europe/Berlin"}), false)
	if err != nil {
		t.Fatal(err)
	}
	if !c.SecureCookies() || c.BaseURL.String() != "https://tandem.example.com" || c.Location.String() != "Europe/Berlin" {
		t.Errorf("got %+v", c)
	}
}

func TestLoadRejectsBadValuesNamingTheVariable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env     map[string]string
		needDB  bool
		wantVar string
	}{
		{map[string]string{}, true, "DATABASE_URL"},
		{map[string]string{"DATABASE_URL": "mysql://x"}, true, "DATABASE_URL"},
		{map[string]string{"ADDR": "8080"}, false, "ADDR"},
		{map[string]string{"ADDR": "localhost:99999"}, false, "ADDR"},
		{map[string]string{"BASE_URL": "tandem.example.com"}, false, "BASE_URL"},
		{map[string]string{"BASE_URL": "ftp://x"}, false, "BASE_URL"},
		{map[string]string{"LOG_LEVEL": "loud"}, false, "LOG_LEVEL"},
		{map[string]string{"TZ": "Mars/Olympus"}, false, "TZ"},
		{map[string]string{"DB_MAX_CONNS": "0"}, false, "DB_MAX_CONNS"},
		{map[string]string{"OUTBOUND_ALLOW_PRIVATE": "maybe"}, false, "OUTBOUND_ALLOW_PRIVATE"},
		{map[string]string{"DB_MAX_CONNS": "many"}, false, "DB_MAX_CONNS"},
		{map[string]string{"SHUTDOWN_TIMEOUT": "soon"}, false, "SHUTDOWN_TIMEOUT"},
		{map[string]string{"SESSION_LIFETIME": "-1h"}, false, "SESSION_LIFETIME"},
		{map[string]string{"SESSION_IDLE_TIMEOUT": "48h", "SESSION_LIFETIME": "24h"}, false, "SESSION_IDLE_TIMEOUT"},
		{map[string]string{"SMTP_FROM": "tandem@example.com"}, false, "SMTP_HOST"},
		{map[string]string{"SMTP_HOST": "smtp.example.com:587", "SMTP_FROM": "t@example.com"}, false, "SMTP_HOST"},
		{map[string]string{"SMTP_HOST": "smtp.example.com"}, false, "SMTP_FROM"},
		{map[string]string{"SMTP_HOST": "smtp.example.com", "SMTP_FROM": "not an address"}, false, "SMTP_FROM"},
		{map[string]string{"SMTP_HOST": "smtp.example.com", "SMTP_FROM": "t@example.com", "SMTP_PORT": "0"}, false, "SMTP_PORT"},
		{map[string]string{"SMTP_HOST": "smtp.example.com", "SMTP_FROM": "t@example.com", "SMTP_PORT": "smtp"}, false, "SMTP_PORT"},
		{map[string]string{"SMTP_HOST": "smtp.example.com", "SMTP_FROM": "t@example.com", "SMTP_TLS": "ssl"}, false, "SMTP_TLS"},
		{map[string]string{"SMTP_HOST": "smtp.example.com", "SMTP_FROM": "t@example.com", "SMTP_PASSWORD": "x"}, false, "SMTP_PASSWORD"},
		{map[string]string{"SMTP_HOST": "mail", "SMTP_FROM": "t@example.com", "SMTP_USER": "u", "SMTP_TLS": "none"}, false, "SMTP_USER"},
		{map[string]string{"OIDC_CLIENT_ID": "tandem"}, false, "OIDC_ISSUER"},
		{map[string]string{"OIDC_ISSUER": "http://login.example.com/realms/acme", "OIDC_CLIENT_ID": "tandem"}, false, "OIDC_ISSUER"},
		{map[string]string{"OIDC_ISSUER": "login.example.com", "OIDC_CLIENT_ID": "tandem"}, false, "OIDC_ISSUER"},
		{map[string]string{"OIDC_ISSUER": "https://login.example.com/?tenant=1", "OIDC_CLIENT_ID": "tandem"}, false, "OIDC_ISSUER"},
		{map[string]string{"OIDC_ISSUER": "https://login.example.com"}, false, "OIDC_CLIENT_ID"},
		{map[string]string{"OIDC_ISSUER": "https://login.example.com", "OIDC_CLIENT_ID": "t", "OIDC_SCOPES": "email profile"}, false, "OIDC_SCOPES"},
		{map[string]string{"OIDC_ISSUER": "https://login.example.com", "OIDC_CLIENT_ID": "t", "OIDC_GROUPS_CLAIM": "my groups"}, false, "OIDC_GROUPS_CLAIM"},
		{map[string]string{"OIDC_ISSUER": "https://login.example.com", "OIDC_CLIENT_ID": "t", "OIDC_BUTTON_LABEL": strings.Repeat("x", 61)}, false, "OIDC_BUTTON_LABEL"},
	}
	for _, tc := range cases {
		_, err := Load(env(tc.env), tc.needDB)
		var ce *Error
		if !errors.As(err, &ce) || ce.Var != tc.wantVar {
			t.Errorf("env %v: got error %v, want one naming %s", tc.env, err, tc.wantVar)
		}
	}
}

func TestLoadSMTP(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env  map[string]string
		want SMTP
	}{
		{map[string]string{}, SMTP{TLS: "starttls"}},
		{map[string]string{"SMTP_HOST": "smtp.example.com", "SMTP_FROM": "Tandem <tandem@example.com>", "SMTP_USER": "u", "SMTP_PASSWORD": "p"},
			SMTP{Host: "smtp.example.com", Port: 587, User: "u", Password: "p", From: "Tandem <tandem@example.com>", TLS: "starttls"}},
		{map[string]string{"SMTP_HOST": "smtp.example.com", "SMTP_FROM": "t@example.com", "SMTP_TLS": "TLS"},
			SMTP{Host: "smtp.example.com", Port: 465, From: "t@example.com", TLS: "tls"}},
		{map[string]string{"SMTP_HOST": "mailpit", "SMTP_PORT": "1025", "SMTP_FROM": "t@example.com", "SMTP_TLS": "none"},
			SMTP{Host: "mailpit", Port: 1025, From: "t@example.com", TLS: "none"}},
	}
	for _, tc := range cases {
		c, err := Load(env(tc.env), false)
		if err != nil {
			t.Errorf("env %v: %v", tc.env, err)
			continue
		}
		if c.SMTP != tc.want || c.SMTP.Enabled() != (tc.want.Host != "") {
			t.Errorf("env %v: got %+v, want %+v", tc.env, c.SMTP, tc.want)
		}
	}
}

func TestLoadOIDC(t *testing.T) {
	t.Parallel()
	cfg, err := Load(env(map[string]string{"OIDC_ISSUER": "https://login.example.com/realms/acme", "OIDC_CLIENT_ID": "tandem",
		"OIDC_CLIENT_SECRET": "s3cret"}), false)
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.OIDC
	if !o.Enabled() || o.ClientSecret != "s3cret" || strings.Join(o.Scopes, " ") != "openid email profile" ||
		o.GroupsClaim != "groups" || o.ButtonLabel != "single sign-on" {
		t.Errorf("defaults: %+v", o)
	}
	// A provider on the same machine may speak plain HTTP.
	if _, err := Load(env(map[string]string{"OIDC_ISSUER": "http://127.0.0.1:5556/dex", "OIDC_CLIENT_ID": "tandem"}), false); err != nil {
		t.Errorf("loopback issuer refused: %v", err)
	}
	off, err := Load(env(nil), false)
	if err != nil || off.OIDC.Enabled() {
		t.Errorf("without OIDC_ISSUER single sign-on is on (%v)", err)
	}
}
