package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"

	"tandem/internal/config"
	"tandem/internal/db"
	"tandem/internal/seed"
	"tandem/internal/server"
	"tandem/internal/servertest"
	"tandem/internal/testdb/demo"
)

const (
	// testTimeout bounds one whole test: server, browser and every step.
	testTimeout = 60 * time.Second
	// stepTimeout bounds one browser step, so a missing element fails fast
	// with its selector instead of eating the whole test timeout.
	stepTimeout = 15 * time.Second
	// analysisTimeout bounds a step that inspects a whole page rather than
	// waiting for an element (axe-core on the long API reference takes
	// seconds on a busy 2-core machine).
	analysisTimeout = 60 * time.Second
	// maxBrowsers caps the Chromium processes that run at once; parallel
	// tests wait for a slot.
	maxBrowsers = 2
)

var browserSlots = make(chan struct{}, maxBrowsers)

// harness is one test's own server, database and browser tab.
type harness struct {
	t       *testing.T
	BaseURL string
	ctx     context.Context // the chromedp tab; ends at the test timeout
	// pool is on the server's database, for a journey that must move time
	// (backdate a handoff) or run a background job's code in step.
	pool *pgxpool.Pool

	consoleMu sync.Mutex
	console   []chromedp.ConsoleMessage
	// refused are the paths a test opened expecting a 4xx page; the
	// browser's "failed to load resource" line for them is not an error.
	refused map[string]bool
}

// start brings up the real server on a fresh seeded database and a headless
// Chromium, all torn down when the test ends.
func start(t *testing.T) *harness {
	t.Helper()
	return startWith(t, nil)
}

// startWith is start with extra server settings, such as the SMTP_* of a
// test's own mail server.
func startWith(t *testing.T, extraEnv map[string]string) *harness {
	t.Helper()
	return startFor(t, testTimeout, extraEnv)
}

// startFor is startWith with a longer bound for the whole test, for the
// crawls that open every page.
func startFor(t *testing.T, timeout time.Duration, extraEnv map[string]string) *harness {
	t.Helper()
	chromium := findChromium(t)

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)

	var browserLog syncBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("browser output:\n%s", browserLog.String())
		}
	})
	cfg, pool := startServer(t, ctx, extraEnv)

	// Browser: wait for a slot, then a headless Chromium with a throwaway
	// profile and TMPDIR (Chromium leaves folders behind there).
	select {
	case browserSlots <- struct{}{}:
	case <-ctx.Done():
		t.Fatal("timed out waiting for a free browser slot")
	}
	t.Cleanup(func() { <-browserSlots })
	scratch, err := os.MkdirTemp("", "tandem-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // runs after the browser has exited
		if err := removeAllRetry(scratch, 5*time.Second); err != nil {
			t.Logf("removing the browser scratch dir: %v", err)
		}
	})
	profile, tmp := filepath.Join(scratch, "profile"), filepath.Join(scratch, "tmp")
	for _, d := range []string{profile, tmp} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(profile),
		chromedp.Env("TMPDIR=" + tmp),
		chromedp.CombinedOutput(&browserLog),
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	logf := func(format string, args ...any) { fmt.Fprintf(&browserLog, "chromedp: "+format+"\n", args...) }
	tabCtx, cancelTab := chromedp.NewContext(allocCtx,
		chromedp.WithLogf(logf), chromedp.WithErrorf(logf))

	h := &harness{t: t, BaseURL: cfg.BaseURL.String(), ctx: tabCtx, pool: pool}
	t.Cleanup(func() {
		// Close the browser gracefully and wait until it has exited.
		if err := chromedp.Cancel(tabCtx); err != nil && !errors.Is(err, context.Canceled) &&
			!errors.Is(err, context.DeadlineExceeded) {
			t.Logf("closing the browser: %v", err)
		}
		cancelTab()
		cancelAlloc()
	})

	began := time.Now()
	if err := chromedp.Do(tabCtx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v\n%s", chromium, err, browserLog.String())
	}
	t.Logf("browser up in %v; server at %s", time.Since(began).Round(time.Millisecond), h.BaseURL)
	go h.collectConsole(chromedp.Console(tabCtx)) // subscribed before the first page
	t.Cleanup(h.checkConsole)
	return h
}

// startServer runs the real server (the same wiring as `tandem serve`) on
// a fresh demo database and a port of its own until the test ends. It
// returns its configuration and a pool on its database.
func startServer(t *testing.T, ctx context.Context, extraEnv map[string]string) (config.Config, *pgxpool.Pool) {
	t.Helper()
	var serverLog syncBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", serverLog.String())
		}
	})
	dbURL := demo.URL(t) // the demo company, TZ UTC
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	env := map[string]string{
		"DATABASE_URL":     dbURL,
		"ADDR":             addr,
		"BASE_URL":         "http://" + addr,
		"TZ":               "UTC",
		"SHUTDOWN_TIMEOUT": "5s",
	}
	maps.Copy(env, extraEnv)
	cfg, err := config.Load(func(k string) string { return env[k] }, true)
	if err != nil {
		ln.Close()
		t.Fatalf("config: %v", err)
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL, 4)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	// The guard fails the journey when the server answers 5xx or logs an
	// error, even where the page the browser ends on looks fine.
	guard := servertest.New(t)
	log := guard.Logger(&serverLog)
	domain, err := server.NewDomain(cfg, log, pool, &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if domain.OIDC != nil {
		domain.OIDC.Discover(ctx) // as `tandem serve` does, but before the first page
	}
	srv := server.New(cfg, log, pool, domain)
	hs := srv.HTTPServer()
	hs.Handler = guard.Handler(hs.Handler)
	serveCtx, stopServing := context.WithCancel(context.Background())
	go domain.Cache.Listen(serveCtx, pool, log)
	for deadline := time.Now().Add(10 * time.Second); !domain.Cache.Connected(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the cache listener did not connect")
		}
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(serveCtx, hs, ln, cfg.ShutdownTimeout) }()
	t.Cleanup(func() {
		stopServing()
		if err := <-served; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return cfg, pool
}

// findChromium returns the browser to drive. A missing browser fails the
// test: the journeys are part of `make test`, never silently skipped.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium not found (looked for /usr/bin/chromium, chromium and chromium-browser on PATH): " +
		"the browser tests need it. Install it with `apt-get install chromium` (`make test` does this when run as root).")
	return ""
}

// collectConsole records what the page writes to the console, so a test can
// fail on script errors, CSP violations and failed resource loads.
func (h *harness) collectConsole(messages iter.Seq2[chromedp.ConsoleMessage, error]) {
	for m, err := range messages {
		if err != nil {
			return
		}
		h.consoleMu.Lock()
		h.console = append(h.console, m)
		h.consoleMu.Unlock()
	}
}

// ExpectRefused marks a page the test opened knowing it answers 4xx (a
// role the page is not for), so the browser's note about the status is not
// taken for an error.
func (h *harness) ExpectRefused(path string) {
	h.consoleMu.Lock()
	defer h.consoleMu.Unlock()
	if h.refused == nil {
		h.refused = map[string]bool{}
	}
	// The console names the resource by its URL; compare paths only, so a
	// page opened with a query (/feedback/1/merge?into=2) matches too.
	if u, err := url.Parse(path); err == nil {
		path = u.Path
	}
	h.refused[path] = true
}

// checkConsole fails the test on console errors and uncaught exceptions.
func (h *harness) checkConsole() {
	h.consoleMu.Lock()
	defer h.consoleMu.Unlock()
	for _, m := range h.console {
		if u, err := url.Parse(m.URL); err == nil && h.refused[u.Path] &&
			strings.HasPrefix(m.Text, "Failed to load resource: the server responded with a status of 4") {
			continue
		}
		if m.Type == chromedp.ConsoleError || m.IsException() {
			h.t.Errorf("browser console %s at %s:%d: %s", m.Type, m.URL, m.Line+1, m.Text)
		}
	}
}

// step runs browser actions with a per-step timeout and fails the test
// with what was being done.
func (h *harness) step(what string, actions ...chromedp.Action[chromedp.Void]) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		h.t.Fatalf("%s: %v (page: %s)", what, err, h.locationOrErr())
	}
}

// get runs one browser action that returns a value, like step.
func get[T any](h *harness, what string, a chromedp.Action[T]) T {
	h.t.Helper()
	return getWithin(h, what, stepTimeout, a)
}

// getWithin is get with its own time limit.
func getWithin[T any](h *harness, what string, limit time.Duration, a chromedp.Action[T]) T {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.ctx, limit)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		h.t.Fatalf("%s: %v (page: %s)", what, err, h.locationOrErr())
	}
	return v
}

func (h *harness) locationOrErr() string {
	ctx, cancel := context.WithTimeout(h.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown: " + err.Error()
	}
	return loc
}

// Open navigates to path (relative to the server), follows redirects, waits
// for the load and returns the HTTP status of the final document.
func (h *harness) Open(path string) int {
	h.t.Helper()
	resp := get(h, "open "+path, chromedp.NavigateResponse(h.BaseURL+path))
	return status(resp)
}

// ClickAndWait clicks the element, waits for the page it leads to and
// returns that page's HTTP status.
func (h *harness) ClickAndWait(sel string) int {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		h.t.Fatalf("click %s: %v (page: %s)", sel, err, h.locationOrErr())
	}
	return status(resp)
}

func status(resp *network.Response) int {
	if resp == nil {
		return 0
	}
	return int(resp.Status)
}

// SubmitLogin fills the sign-in form on /login, submits it and returns the
// status of the page it lands on (401 for a refused password).
func (h *harness) SubmitLogin(email, password string) int {
	h.t.Helper()
	h.Open("/login")
	h.step("fill the sign-in form",
		chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
	)
	return h.ClickAndWait(`form[action="/login"] button[type="submit"]`)
}

// Login signs in as a demo user and fails the test unless it worked.
func (h *harness) Login(email string) {
	h.t.Helper()
	code := h.SubmitLogin(email, seed.DemoPassword)
	if p := h.Path(); code != 200 || p == "/login" {
		h.t.Fatalf("sign-in as %s: status %d on %s: %q", email, code, p, h.TextOr("main", ""))
	}
}

// Text returns the visible text (innerText) of the first element matching
// the CSS selector, waiting until it is visible.
func (h *harness) Text(sel string) string {
	h.t.Helper()
	h.step("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	return strings.TrimSpace(get(h, "read text of "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// TextOr is Text without failing: def when the element is not there now.
func (h *harness) TextOr(sel, def string) string {
	ctx, cancel := context.WithTimeout(h.ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		return def
	}
	return strings.TrimSpace(s)
}

// Exists reports whether an element matches the selector now, without
// waiting for one to appear.
func (h *harness) Exists(sel string) bool {
	h.t.Helper()
	quoted, _ := json.Marshal(sel)
	js := fmt.Sprintf("document.querySelector(%s) !== null", quoted)
	return get(h, "look for "+sel, chromedp.Evaluate[bool](js))
}

// Attr returns an attribute of the first element matching the selector and
// whether it is set.
func (h *harness) Attr(sel, name string) (string, bool) {
	h.t.Helper()
	r := get(h, "read "+name+" of "+sel, chromedp.AttributeValue(chromedp.CSS(sel), name))
	return r.Value, r.Exists
}

// Location is the full URL of the page.
func (h *harness) Location() *url.URL {
	h.t.Helper()
	loc := get(h, "read the location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		h.t.Fatalf("location %q: %v", loc, err)
	}
	return u
}

// Path is the path of the page's URL.
func (h *harness) Path() string {
	h.t.Helper()
	return h.Location().Path
}

// Screenshot saves a full-page PNG as test-output/screenshots/<name> at the
// repository root.
func (h *harness) Screenshot(name string) {
	h.t.Helper()
	if !strings.HasSuffix(name, ".png") {
		name += ".png"
	}
	png := get(h, "screenshot "+name, chromedp.FullScreenshot(100))
	dir := filepath.Join(repoRoot(h.t), "test-output", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		h.t.Fatal(err)
	}
	h.t.Logf("screenshot: %s", path)
}

// repoRoot walks up from the test's directory to the one with go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// removeAllRetry removes dir, retrying while Chromium's helper processes
// still write into it after the browser exited.
func removeAllRetry(dir string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := os.RemoveAll(dir)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's and the browser's
// goroutines to write to at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
