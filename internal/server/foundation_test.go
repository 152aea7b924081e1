package server

import (
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"tandem/internal/db"
	"tandem/internal/pgcluster"
	"tandem/internal/seed"
	"tandem/web/static"
)

func TestSecurityHeadersOnEveryKindOfResponse(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	anon := e.client()
	admin := e.client()
	admin.login("admin@example.com")

	cases := []struct {
		c    *client
		path string
		html bool
	}{
		{anon, "/login", true},
		{anon, "/", false}, // redirect to sign-in
		{admin, "/", true},
		{admin, "/admin/users", true},
		{admin, "/no-such-page", true},
		{anon, static.Path("app.css"), false},
		{anon, "/healthz", false},
	}
	for _, tc := range cases {
		res := tc.c.get(tc.path)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, directive := range []string{"default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, directive) {
				t.Errorf("%s: CSP %q lacks %q", tc.path, csp, directive)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %q", tc.path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: missing nosniff/referrer/frame headers: %v", tc.path, h)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain http", tc.path)
		}
		if tc.html && h.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("%s: content type %q", tc.path, h.Get("Content-Type"))
		}
		if tc.html && strings.Contains(res.Body, "<script>") {
			t.Errorf("%s: inline script in page", tc.path)
		}
	}
}

func TestHSTSAndHostCookiesOverHTTPS(t *testing.T) {
	t.Parallel()
	e := newTestEnvOn(t, nil, map[string]string{"BASE_URL": "https://tandem.example.com"})
	res := e.client().get("/login")
	if got := res.Header.Get("Strict-Transport-Security"); !strings.Contains(got, "max-age=") {
		t.Errorf("HSTS = %q", got)
	}
	cookie := res.Header.Get("Set-Cookie")
	if !strings.HasPrefix(cookie, "__Host-csrf=") || !strings.Contains(cookie, "Secure") || !strings.Contains(cookie, "HttpOnly") {
		t.Errorf("cookie over https = %q", cookie)
	}
}

func TestStaticAssetsAreHashedAndCached(t *testing.T) {
	t.Parallel()
	e := newTestEnvOn(t, nil, nil)
	c := e.client()
	res := c.get(static.Path("app.css"))
	wantStatus(t, res, http.StatusOK)
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("hashed asset Cache-Control = %q", cc)
	}
	if res.Header.Get("ETag") == "" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Errorf("headers = %v", res.Header)
	}
	if res := c.get("/static/app.css?v=stale"); res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("stale hash should revalidate, got %q", res.Header.Get("Cache-Control"))
	}
	wantStatus(t, c.get("/static/nope.js"), http.StatusNotFound)
}

// Pages are gzipped for clients that ask (and only for them), say so in
// Vary, and read back as the page.
func TestPagesAreGzippedForClientsThatAsk(t *testing.T) {
	t.Parallel()
	e := newTestEnvOn(t, nil, nil)
	for _, accept := range []string{"gzip", "gzip, deflate, br, zstd", ""} {
		req, err := http.NewRequest(http.MethodGet, e.http.URL+"/login", nil)
		if err != nil {
			t.Fatal(err)
		}
		// Set by hand, the header stops Go's client from decompressing.
		req.Header.Set("Accept-Encoding", accept)
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body := io.Reader(res.Body)
		if accept == "" {
			if enc := res.Header.Get("Content-Encoding"); enc != "" {
				t.Errorf("no encoding asked for, got %q", enc)
			}
		} else {
			if enc := res.Header.Get("Content-Encoding"); enc != "gzip" {
				t.Fatalf("Accept-Encoding %q: Content-Encoding %q, want gzip", accept, enc)
			}
			zr, err := gzip.NewReader(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			body = zr
			if vary := res.Header.Get("Vary"); !strings.Contains(vary, "Accept-Encoding") {
				t.Errorf("Accept-Encoding %q: Vary %q lacks Accept-Encoding", accept, vary)
			}
		}
		page, err := io.ReadAll(body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("Accept-Encoding %q: %v", accept, err)
		}
		if !strings.Contains(string(page), "</html>") || !strings.Contains(string(page), `name="password"`) {
			t.Errorf("Accept-Encoding %q: the sign-in page did not come back whole:\n%.300s", accept, page)
		}
	}
}

func TestErrorPagesRenderInTheLayout(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.client()
	c.login("rep@example.com")

	res := c.get("/no-such-page")
	wantStatus(t, res, http.StatusNotFound)
	if !strings.Contains(res.Body, "Page not found") || !strings.Contains(res.Body, `class="site-header"`) {
		t.Errorf("404 page:\n%s", res.Body)
	}
	res = c.get("/account/password") // exists for POST only
	wantStatus(t, res, http.StatusMethodNotAllowed)
	if !strings.Contains(res.Body, "Method not allowed") {
		t.Errorf("405 page:\n%s", res.Body)
	}
	res = c.get("/admin/users?team=pirates")
	wantStatus(t, res, http.StatusForbidden) // a member never reaches the filter
	admin := e.client()
	admin.login("admin@example.com")
	res = admin.get("/admin/users?team=pirates")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "Unknown filter value") {
		t.Errorf("422 page:\n%s", res.Body)
	}
}

func TestPanicYieldsThe500Page(t *testing.T) {
	t.Parallel()
	e := newTestEnvOn(t, nil, nil)
	e.expectServerErrors()
	h := e.srv.recoverPanic(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret internal detail")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/boom", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	if !strings.Contains(body, "Something went wrong") || !strings.Contains(body, "<html") {
		t.Errorf("500 page:\n%s", body)
	}
	if strings.Contains(body, "secret internal detail") {
		t.Error("panic value leaked to the user")
	}
}

// SIGTERM while a request is in flight: the request completes, then Serve
// returns.
func TestSIGTERMLetsASlowRequestFinish(t *testing.T) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	started := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(700 * time.Millisecond)
		_, _ = io.WriteString(w, "finished")
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, srv, ln, 10*time.Second) }()

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		got <- result{string(b), err}
	}()
	<-started
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request: %q, %v", r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
		t.Error("server still accepting after shutdown")
	}
}

// The database goes away and comes back under a running app: /readyz and
// pages say 503 meanwhile, and everything recovers without a restart.
func TestReadyzAndPagesFollowTheDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin, err := pgcluster.FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "tandem-readyz-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	port, err := pgcluster.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cluster := &pgcluster.Cluster{Dir: dir, Port: port, BinDir: bin, Throwaway: true}
	if err := cluster.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cluster.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.Stop(context.Background()) })

	url := cluster.URL("postgres")
	if err := db.MigrateUp(url); err != nil {
		t.Fatal(err)
	}
	pool, err := db.Open(ctx, url, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := seed.Demo(ctx, pool, time.UTC, io.Discard); err != nil {
		t.Fatal(err)
	}
	e := newTestEnvOn(t, pool, nil)
	e.expectServerErrors()
	c := e.client()
	c.login("rep@example.com")

	wantStatus(t, c.get("/readyz"), http.StatusOK)
	wantStatus(t, c.get("/"), http.StatusOK)

	if err := cluster.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c.get("/readyz"), http.StatusServiceUnavailable)
	wantStatus(t, c.get("/healthz"), http.StatusOK)
	res := c.get("/")
	wantStatus(t, res, http.StatusServiceUnavailable)
	if !strings.Contains(res.Body, "Temporarily unavailable") || strings.Contains(res.Body, "dial") {
		t.Errorf("503 page:\n%s", res.Body)
	}

	if err := cluster.Start(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for c.get("/readyz").StatusCode != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("/readyz did not recover after the database came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	wantStatus(t, c.get("/"), http.StatusOK) // the session survived in the database
}

func TestHealthzNeedsNoDatabase(t *testing.T) {
	t.Parallel()
	pool, err := db.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?sslmode=disable", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	srv := newServer(mustConfig(t, nil), slog.New(slog.NewTextHandler(io.Discard, nil)), pool)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 503} {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("%s = %d, want %d", path, rec.Code, want)
		}
	}
}
