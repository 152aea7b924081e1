package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/cache"
	"tandem/internal/config"
	"tandem/internal/mailtest"
	"tandem/internal/seed"
	"tandem/internal/servertest"
	"tandem/internal/testdb/demo"
)

// testEnv is a real server on a fresh database with the demo company.
type testEnv struct {
	t    testing.TB
	srv  *Server
	pool *pgxpool.Pool
	http *httptest.Server
	// guard fails the test when the server answers 5xx or logs an error
	// that the test did not ask for (see ExpectServerErrors).
	guard *servertest.Guard
	mail  *mailtest.Server // the in-process SMTP server, when the test has one
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	return newTestEnvOn(t, demo.New(t), nil)
}

func newTestEnvOn(t testing.TB, pool *pgxpool.Pool, env map[string]string) *testEnv {
	t.Helper()
	cfg := mustConfig(t, env)
	guard := servertest.New(t)
	log := guard.Logger(io.Discard)
	srv := newServer(cfg, log, pool)
	if pool != nil {
		listening, stop := context.WithCancel(context.Background())
		t.Cleanup(stop)
		go srv.cache.Listen(listening, pool, log)
		waitForListener(t, srv.cache)
	}
	hs := httptest.NewServer(guard.Handler(srv))
	t.Cleanup(hs.Close)
	return &testEnv{t: t, srv: srv, pool: pool, http: hs, guard: guard}
}

// settle returns once the server has heard of every change committed so
// far, for tests that write straight to the database as another program
// would and then look at a page.
func (e *testEnv) settle() {
	e.t.Helper()
	if err := e.srv.cache.Sync(context.Background(), e.pool); err != nil {
		e.t.Fatal(err)
	}
}

// waitForListener returns once the cache hears PostgreSQL's change
// notifications, so every test runs with the caches on, as in production.
func waitForListener(t testing.TB, bus *cache.Bus) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !bus.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("the cache listener did not connect")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newServer wires the server as cmd/tandem does, with an outbound client
// that reaches the test's own receivers.
func newServer(cfg config.Config, log *slog.Logger, pool *pgxpool.Pool) *Server {
	d, err := NewDomain(cfg, log, pool, &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		panic(err)
	}
	return New(cfg, log, pool, d)
}

// expectServerErrors is for the tests that provoke 5xx answers or error
// logs on purpose (panics, a stopped database).
func (e *testEnv) expectServerErrors() { e.guard.ExpectServerErrors() }

func mustConfig(t testing.TB, env map[string]string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] }, false)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// client is a browser: a cookie jar, no automatic redirects, and the last
// CSRF token it saw in a page.
type client struct {
	env  *testEnv
	c    *http.Client
	csrf string
}

func (e *testEnv) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{env: e, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is a finished request with its body read.
type response struct {
	*http.Response
	Body string
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (c *client) do(req *http.Request) response {
	c.env.t.Helper()
	res, err := c.c.Do(req)
	if err != nil {
		c.env.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := csrfInput.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return response{res, string(b)}
}

func (c *client) get(path string) response {
	c.env.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.env.http.URL+path, nil)
	return c.do(req)
}

// post sends a same-origin form with the client's CSRF token.
func (c *client) post(path string, form url.Values) response {
	c.env.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf_token") == "" {
		form.Set("csrf_token", c.csrf)
	}
	return c.postRaw(path, form, map[string]string{"Origin": c.env.http.URL})
}

func (c *client) postRaw(path string, form url.Values, headers map[string]string) response {
	c.env.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.env.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return c.do(req)
}

// login signs in with the demo password and fails the test otherwise.
func (c *client) login(email string) {
	c.env.t.Helper()
	c.get("/login")
	res := c.post("/login", url.Values{"email": {email}, "password": {seed.DemoPassword}})
	if res.StatusCode != http.StatusSeeOther {
		c.env.t.Fatalf("login %s: status %d\n%s", email, res.StatusCode, res.Body)
	}
	c.get("/account") // pick up the session's CSRF token
}

func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.env.http.URL)
	for _, ck := range c.c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func (e *testEnv) userID(email string) int64 {
	e.t.Helper()
	var id int64
	if err := e.pool.QueryRow(context.Background(), `SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *testEnv) count(sql string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func wantStatus(t *testing.T, res response, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", res.Request.Method, res.Request.URL.Path, res.StatusCode, want, res.Body)
	}
}

func wantRedirect(t *testing.T, res response, to string) {
	t.Helper()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != to {
		t.Fatalf("%s %s: status %d location %q, want 303 to %q", res.Request.Method, res.Request.URL.Path,
			res.StatusCode, res.Header.Get("Location"), to)
	}
}
