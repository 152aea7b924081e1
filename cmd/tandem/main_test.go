package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"tandem/internal/testdb"
)

func TestBadConfigStopsWithOneLineNamingTheVariable(t *testing.T) {
	t.Parallel()
	cases := map[string]map[string]string{
		"DATABASE_URL": {},
		"ADDR":         {"DATABASE_URL": "postgres://x/y", "ADDR": "nonsense"},
		"TZ":           {"DATABASE_URL": "postgres://x/y", "TZ": "Nowhere/Special"},
		"LOG_LEVEL":    {"DATABASE_URL": "postgres://x/y", "LOG_LEVEL": "chatty"},
	}
	for name, env := range cases {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, nil, &out, &errOut)
		if err == nil || !strings.HasPrefix(err.Error(), name+":") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

func TestMigrateAndSeedCommands(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": testdb.URL(t)}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	ctx := context.Background()
	if err := run(ctx, []string{"migrate", "version"}, getenv, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"seed", "demo"}, getenv, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"seed", "demo"}, getenv, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "Demo data loaded.") || !strings.Contains(s, "already present") ||
		!strings.Contains(s, "rep@example.com") || !strings.Contains(s, "correct-horse-tandem") {
		t.Errorf("output:\n%s", s)
	}

	out.Reset()
	stdin := strings.NewReader("violet tractor harbour\n")
	err := run(ctx, []string{"user", "create", "--email", "First.Admin@example.com", "--team", "marketing", "--role", "admin"},
		getenv, stdin, &out, &out)
	if err != nil || !strings.Contains(out.String(), "first.admin@example.com (marketing admin)") {
		t.Fatalf("user create: %v\n%s", err, out.String())
	}
	err = run(ctx, []string{"user", "create", "--email", "weak@example.com", "--team", "sales"},
		getenv, strings.NewReader("password1234\n"), &out, &out)
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Errorf("weak password accepted: %v", err)
	}
	out.Reset()
	err = run(ctx, []string{"token", "create", "--email", "first.admin@example.com", "--scopes", "read,write", "--expires", "never"},
		getenv, nil, &out, &out)
	if err != nil || !regexp.MustCompile(`^tdm_[A-Za-z0-9_-]{43}\n$`).MatchString(out.String()) {
		t.Errorf("token create: %v %q", err, out.String())
	}
	if err := run(ctx, []string{"token", "create", "--email", "nobody@example.com"}, getenv, nil, &out, &out); err == nil {
		t.Error("token for an unknown user")
	}
	if err := run(ctx, []string{"migrate", "down", "x"}, getenv, nil, &out, &out); err == nil {
		t.Error("migrate down x accepted")
	}
}
