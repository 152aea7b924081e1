// Command bench measures Tandem under load the way `make bench` runs it:
// for each data size it seeds a database once (and reuses it), starts the
// real server binary, signs in, and drives each route with vegeta on
// loopback — latency percentiles at a fixed rate, then the maximum
// throughput of 8 concurrent clients — always next to a baseline measured
// in the same run. It writes a Markdown report.
//
//	bench -sizes 10k,100k,1m -out docs/benchmarks.md
//
// DATABASE_URL names the maintenance database of the cluster (devdb sets
// it); each size gets its own database next to it. BENCH_DATABASE_URL
// runs one size against that database instead.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"tandem/internal/format"
)

// browserEncodings is what Chromium sends. Asked for explicitly, the Go
// client leaves the bodies compressed: the client, on the same cores,
// does not spend the server's measurement decompressing.
const browserEncodings = "gzip, deflate, br, zstd"

type size struct {
	label string
	leads int
}

var sizes = map[string]size{
	"tiny": {"tiny", 2_000},
	"10k":  {"10k", 10_000},
	"100k": {"100k", 100_000},
	"1m":   {"1m", 1_000_000},
}

type config struct {
	tandem   string
	out      string
	rate     int
	duration time.Duration
	workers  uint64
	// routes, when set, picks the routes to measure (the baselines always
	// run) and skips the rest of the run and the report: a quick check of
	// one change.
	routes *regexp.Regexp
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	sizeList := flag.String("sizes", "10k", "comma-separated data sizes: tiny, 10k, 100k, 1m")
	cfg := config{}
	flag.StringVar(&cfg.tandem, "tandem", "bin/tandem", "the tandem binary")
	flag.StringVar(&cfg.out, "out", "docs/benchmarks.md", "Markdown report to write")
	flag.IntVar(&cfg.rate, "rate", 20, "fixed request rate (per second) for the latency runs")
	flag.DurationVar(&cfg.duration, "duration", 5*time.Second, "length of each attack")
	flag.Uint64Var(&cfg.workers, "clients", 8, "concurrent clients for the throughput runs")
	routes := flag.String("routes", "", "measure only the routes whose names match this regular expression, and write no report")
	flag.Parse()
	if *routes != "" {
		re, err := regexp.Compile(*routes)
		if err != nil {
			return fmt.Errorf("-routes: %w", err)
		}
		cfg.routes = re
	}

	var results []sizeResult
	for _, name := range strings.Split(*sizeList, ",") {
		sz, ok := sizes[strings.TrimSpace(name)]
		if !ok {
			return fmt.Errorf("unknown size %q", name)
		}
		dbURL, err := database(sz)
		if err != nil {
			return err
		}
		res, err := benchSize(cfg, sz, dbURL)
		if err != nil {
			return fmt.Errorf("%s: %w", sz.label, err)
		}
		results = append(results, res)
	}
	if cfg.routes != nil {
		return nil
	}
	report := render(cfg, results)
	if err := os.WriteFile(cfg.out, []byte(report), 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s\n", cfg.out)
	return nil
}

// database returns the URL of the size's database, creating it if needed.
func database(sz size) (string, error) {
	if u := os.Getenv("BENCH_DATABASE_URL"); u != "" {
		return u, nil
	}
	base := os.Getenv("DATABASE_URL")
	if base == "" {
		return "", errors.New("set DATABASE_URL (make bench does) or BENCH_DATABASE_URL")
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	name := "tandem_bench_" + sz.label
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
			return "", err
		}
	}
	u.Path = "/" + name
	return u.String(), nil
}

// tandem runs a tandem subcommand against the database.
func tandem(cfg config, dbURL string, stdout io.Writer, args ...string) error {
	cmd := exec.Command(cfg.tandem, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = stdout, os.Stderr
	return cmd.Run()
}

type routeResult struct {
	name       string
	path       string
	baseline   bool
	rate       float64 // achieved at the fixed rate
	p50, p95   time.Duration
	p99        time.Duration
	first      time.Duration // the warm-up request: for most pages, a miss of the caches
	errors     uint64
	requests   uint64
	throughput float64 // max, 8 clients
}

type sizeResult struct {
	size       size
	leads      int
	seedOutput string
	routes     []routeResult
	peakRSSMB  float64
	export     time.Duration
	exportRows int
	importApp  time.Duration
	importPsql time.Duration
	importRows int
	perf       perfResult
}

func benchSize(cfg config, sz size, dbURL string) (sizeResult, error) {
	res := sizeResult{size: sz}
	fmt.Printf("== %s leads (%s)\n", sz.label, dbURL)
	if err := tandem(cfg, dbURL, io.Discard, "migrate", "up"); err != nil {
		return res, err
	}
	var seedOut bytes.Buffer
	err := tandem(cfg, dbURL, io.MultiWriter(os.Stdout, &seedOut), "seed", "scale",
		"-leads", strconv.Itoa(sz.leads), "-campaigns", strconv.Itoa(max(20, sz.leads/200)),
		"-feedback", strconv.Itoa(sz.leads/5), "-users", "300")
	if err != nil {
		return res, err
	}
	res.seedOutput = seedOut.String()
	// The seeded size stays what it says, run after run.
	if err := removeImported(dbURL); err != nil {
		return res, err
	}

	srv, err := startServer(cfg, dbURL)
	if err != nil {
		return res, err
	}
	defer func() { srv.stop() }()
	base := "http://" + srv.addr
	if err := waitForStartJobs(dbURL, time.Now()); err != nil {
		return res, err
	}

	rep, err := signIn(base, "rep@example.com")
	if err != nil {
		return res, err
	}
	manager, err := signIn(base, "sales.manager@example.com")
	if err != nil {
		return res, err
	}
	ids, err := sampleIDs(dbURL)
	if err != nil {
		return res, err
	}
	res.leads = ids.leads
	deep, err := deepPage(manager, base, 20)
	if err != nil {
		return res, err
	}
	css, err := assetPath(newClient(), base)
	if err != nil {
		return res, err
	}

	apiToken, err := benchToken(cfg, dbURL)
	if err != nil {
		return res, err
	}
	bearer := http.Header{"Authorization": {"Bearer " + apiToken}}
	targets := []struct {
		name     string
		path     string
		client   *http.Client
		baseline bool
		header   http.Header
		targeter func(url string, hdr http.Header) vegeta.Targeter // nil: GET path
	}{
		{"static asset (baseline)", css, nil, true, nil, nil},
		{"sign-in page (baseline)", "/login", nil, true, nil, nil},
		{"overview, all teams", "/", manager, false, nil, nil},
		{"overview, sales lens", "/?lens=sales", manager, false, nil, nil},
		{"overview, marketing lens", "/?lens=marketing", manager, false, nil, nil},
		{"overview, service lens", "/?lens=service", manager, false, nil, nil},
		{"KPI detail (conversion)", "/kpis/conversion", manager, false, nil, nil},
		{"lead list", "/leads", manager, false, nil, nil},
		{"lead list, filtered", "/leads?stage=accepted&sla=met", manager, false, nil, nil},
		{"lead list, text search", "/leads?q=harbor", manager, false, nil, nil},
		{"lead list, page 21", deep, manager, false, nil, nil},
		{"lead detail", fmt.Sprintf("/leads/%d", ids.lead), manager, false, nil, nil},
		{"my queue", "/leads/queue", rep, false, nil, nil},
		{"campaign with closed-loop results", fmt.Sprintf("/campaigns/%d", ids.campaign), manager, false, nil, nil},
		{"feedback search", "/feedback?q=onboarding", manager, false, nil, nil},
		{"theme trends", "/feedback/themes", manager, false, nil, nil},
		{"two-sided SLA, month", "/sla", manager, false, nil, nil},
		{"two-sided SLA, quarter", "/sla?kind=quarter", manager, false, nil, nil},
		{"two-sided SLA, quarter, breaches listed", "/sla?kind=quarter&show=breached", manager, false, nil, nil},
		{"API lead list", "/api/v1/leads?limit=50", nil, false, bearer, nil},
		// Last: the leads it creates are removed before anything else is measured.
		{"API lead create", "/api/v1/leads", nil, false, bearer, createTargeter},
	}
	var signIn float64
	for _, t := range targets {
		if cfg.routes != nil && !t.baseline && !cfg.routes.MatchString(t.name) {
			continue
		}
		fmt.Printf("   %-36s", t.name)
		hdr := http.Header{"Accept-Encoding": {browserEncodings}}
		if t.client != nil {
			hdr.Set("Cookie", cookieHeader(t.client, base))
		}
		for k, v := range t.header {
			hdr[k] = v
		}
		targeter := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: base + t.path, Header: hdr})
		if t.targeter != nil {
			targeter = t.targeter(base+t.path, hdr)
		}
		r, err := attack(cfg, targeter)
		if err != nil {
			return res, fmt.Errorf("%s: %w", t.name, err)
		}
		r.name, r.path, r.baseline = t.name, t.path, t.baseline
		if t.path == "/login" {
			signIn = r.throughput
		}
		ratio := ""
		if signIn > 0 {
			ratio = fmt.Sprintf(" (%.2f of sign-in)", r.throughput/signIn)
		}
		fmt.Printf(" first %6.1f ms  p95 %6.1f ms  p99 %6.1f ms  %6.0f req/s max%s  %d errors\n", ms(r.first), ms(r.p95), ms(r.p99), r.throughput, ratio, r.errors)
		res.routes = append(res.routes, r)
	}
	// The sign-in page again after the pages: a minute's jobs (digest,
	// escalations, a snapshot refresh) can share the machine with either
	// run, so the baseline is the better of the two, which only ever
	// lowers the ratios.
	again, err := attack(cfg, vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: base + "/login",
		Header: http.Header{"Accept-Encoding": {browserEncodings}}}))
	if err != nil {
		return res, fmt.Errorf("sign-in page, again: %w", err)
	}
	for i := range res.routes {
		if res.routes[i].path == "/login" {
			fmt.Printf("   %-36s %6.0f req/s max, %6.0f before; the better is the baseline\n", "sign-in page, again", again.throughput, res.routes[i].throughput)
			res.routes[i].throughput = max(res.routes[i].throughput, again.throughput)
		}
	}
	if err := removeAPICreated(dbURL); err != nil {
		return res, err
	}
	if cfg.routes != nil {
		return res, nil
	}
	if res.export, res.exportRows, err = export(manager, base); err != nil {
		return res, err
	}
	if res.importApp, res.importPsql, res.importRows, err = importRace(cfg, manager, base, dbURL); err != nil {
		return res, err
	}
	res.peakRSSMB = srv.peakRSSMB()
	if res.perf, err = measurePerf(cfg, dbURL, &srv, manager); err != nil {
		return res, err
	}
	return res, nil
}

type server struct {
	cmd  *exec.Cmd
	addr string
}

func startServer(cfg config, dbURL string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(cfg.tandem, "serve", "-migrate=false")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "ADDR="+addr, "BASE_URL=http://"+addr, "LOG_LEVEL=error",
		"API_RATE_LIMIT=1000000") // measured, not limited: the per-token count still runs on every request
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, addr: addr}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.stop()
	return nil, errors.New("server did not become ready")
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
	}
}

// peakRSSMB reads the server's high-water resident set size.
func (s *server) peakRSSMB() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	kb, _ := strconv.Atoi(string(m[1]))
	return float64(kb) / 1024
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 5 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func signIn(base, email string) (*http.Client, error) {
	c := newClient()
	res, err := c.Get(base + "/login")
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		return nil, errors.New("no CSRF token on /login")
	}
	form := url.Values{"email": {email}, "password": {"correct-horse-tandem"}, "csrf_token": {string(m[1])}}
	req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	res, err = c.Do(req)
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in as %s: status %d", email, res.StatusCode)
	}
	return c, nil
}

func cookieHeader(c *http.Client, base string) string {
	u, _ := url.Parse(base)
	var parts []string
	for _, ck := range c.Jar.Cookies(u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; ")
}

// postAndFollow sends a form the way a browser does: the app answers a
// successful POST with 303 See Other, and the page to read is the one it
// points to.
func postAndFollow(c *http.Client, base string, req *http.Request) (string, error) {
	req.Header.Set("Origin", base)
	res, err := c.Do(req)
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("POST %s: status %d, want 303: %.300s", req.URL.Path, res.StatusCode, body)
	}
	return get(c, base+res.Header.Get("Location"))
}

func get(c *http.Client, u string) (string, error) {
	res, err := c.Get(u)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %d", u, res.StatusCode)
	}
	return string(b), err
}

// deepPage follows the lead list's next links n times.
func deepPage(c *http.Client, base string, n int) (string, error) {
	path := "/leads"
	next := regexp.MustCompile(`href="(/leads\?after=[^"]+)" rel="next"`)
	for i := 0; i < n; i++ {
		body, err := get(c, base+path)
		if err != nil {
			return "", err
		}
		m := next.FindStringSubmatch(body)
		if m == nil {
			return path, nil
		}
		path = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	return path, nil
}

func assetPath(c *http.Client, base string) (string, error) {
	body, err := get(c, base+"/login")
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`href="(/static/app\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(body)
	if m == nil {
		return "", errors.New("no stylesheet link on /login")
	}
	return m[1], nil
}

type samples struct {
	leads    int
	lead     int64
	campaign int64
}

func sampleIDs(dbURL string) (samples, error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return samples{}, err
	}
	defer conn.Close(ctx)
	var s samples
	err = conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM leads),
		(SELECT id FROM leads WHERE stage = 'won' ORDER BY id DESC LIMIT 1),
		(SELECT source_campaign_id FROM leads WHERE source_campaign_id IS NOT NULL ORDER BY id DESC LIMIT 1)`).
		Scan(&s.leads, &s.lead, &s.campaign)
	return s, err
}

// attack measures one URL: latency at a fixed rate, then the maximum
// throughput of a fixed number of concurrent clients.
func attack(cfg config, target vegeta.Targeter) (routeResult, error) {
	var r routeResult
	// An attacker stops for good after one attack: a fresh one each time.
	attacker := func() *vegeta.Attacker {
		return vegeta.NewAttacker(vegeta.Timeout(10*time.Second), vegeta.Workers(cfg.workers), vegeta.MaxWorkers(cfg.workers),
			vegeta.KeepAlive(true), vegeta.Redirects(vegeta.NoFollow))
	}
	// One request first, so the runs measure the steady state (the page's
	// caches are filled); its own latency, a cold page's, is reported
	// beside them. (By hand: an attack shorter than its first pace sends
	// nothing.)
	first, err := warmUp(target)
	if err != nil {
		return r, err
	}
	r.first = first
	var m vegeta.Metrics
	for res := range attacker().Attack(target, vegeta.Rate{Freq: cfg.rate, Per: time.Second}, cfg.duration, "latency") {
		m.Add(res)
	}
	m.Close()
	r.p50, r.p95, r.p99 = m.Latencies.P50, m.Latencies.P95, m.Latencies.P99
	r.rate, r.requests = m.Rate, m.Requests
	r.errors = uint64(len(m.Errors)) + m.Requests - uint64(float64(m.Requests)*m.Success)

	var mt vegeta.Metrics
	for res := range attacker().Attack(target, vegeta.Rate{Freq: 0}, cfg.duration, "throughput") {
		mt.Add(res)
	}
	mt.Close()
	r.throughput = mt.Throughput
	r.errors += mt.Requests - uint64(float64(mt.Requests)*mt.Success)
	return r, nil
}

// warmUp sends target's request once and times it.
func warmUp(target vegeta.Targeter) (time.Duration, error) {
	var t vegeta.Target
	if err := target(&t); err != nil {
		return 0, err
	}
	req, err := t.Request()
	if err != nil {
		return 0, err
	}
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return 0, err
	}
	if res.StatusCode >= 500 {
		return 0, fmt.Errorf("warm-up: status %d", res.StatusCode)
	}
	return time.Since(start), nil
}

// export downloads the CSV of up to 100 000 leads (the newest) and counts
// its rows.
func export(c *http.Client, base string) (time.Duration, int, error) {
	start := time.Now()
	res, err := c.Get(base + "/leads/export.csv?stage=new")
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, 0, err
	}
	return time.Since(start), bytes.Count(b, []byte("\n")) - 1, nil
}

// importRace imports 100 000 generated rows through the app (upload, map,
// import) and then the same rows with fresh emails through psql \copy into
// the same table, timing both.
func importRace(cfg config, c *http.Client, base, dbURL string) (time.Duration, time.Duration, int, error) {
	const rows = 100_000
	defer removeImported(dbURL)
	stamp := time.Now().UnixNano()
	file := func(prefix string) []byte {
		var b bytes.Buffer
		b.WriteString("company,contact,email,phone,title,country,score\n")
		for i := 0; i < rows; i++ {
			fmt.Fprintf(&b, "Import Co %d,Contact %d,%s%d.%d@import.example,+49 30 %07d,Buyer,DE,%d\n", i, i, prefix, stamp, i, i, i%101)
		}
		return b.Bytes()
	}
	body, err := get(c, base+"/leads/import")
	if err != nil {
		// Sales managers cannot import; sign in as marketing.
		if c, err = signIn(base, "marketer@example.com"); err != nil {
			return 0, 0, 0, err
		}
		if body, err = get(c, base+"/leads/import"); err != nil {
			return 0, 0, 0, err
		}
	}
	token := csrfField.FindStringSubmatch(body)
	if token == nil {
		return 0, 0, 0, errors.New("no CSRF token on the import page")
	}
	start := time.Now()
	var mp bytes.Buffer
	boundary := "tandembenchboundary"
	fmt.Fprintf(&mp, "--%s\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n%s\r\n", boundary, token[1])
	fmt.Fprintf(&mp, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.csv\"\r\nContent-Type: text/csv\r\n\r\n", boundary)
	mp.Write(file("app"))
	fmt.Fprintf(&mp, "\r\n--%s--\r\n", boundary)
	req, _ := http.NewRequest(http.MethodPost, base+"/leads/import", &mp)
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	req.Header.Set("Origin", base)
	preview, err := postAndFollow(c, base, req)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("import upload: %w", err)
	}
	action := regexp.MustCompile(`action="(/leads/import/\d+)"`).FindStringSubmatch(preview)
	if action == nil {
		return 0, 0, 0, errors.New("import upload: no mapping form on the page it redirected to")
	}
	form := url.Values{"csrf_token": {token[1]}, "map_company": {"0"}, "map_contact_name": {"1"}, "map_email": {"2"},
		"map_phone": {"3"}, "map_title": {"4"}, "map_country": {"5"}, "map_fit": {"-1"}, "map_score": {"6"}}
	req, _ = http.NewRequest(http.MethodPost, base+action[1], strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	result, err := postAndFollow(c, base, req)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("import commit: %w", err)
	}
	appTime := time.Since(start)
	if want := format.Count(rows, "lead") + " imported"; !strings.Contains(result, want) {
		return 0, 0, 0, fmt.Errorf("import result: the page does not say %q", want)
	}

	csv := file("psql")
	psql := exec.Command("psql", dbURL, "-v", "ON_ERROR_STOP=1", "-c",
		`\copy leads (company, contact_name, email, phone, title, country, score) FROM STDIN WITH (FORMAT csv, HEADER true)`)
	psql.Stdin = bytes.NewReader(csv)
	psql.Stderr = os.Stderr
	start = time.Now()
	if err := psql.Run(); err != nil {
		return 0, 0, 0, fmt.Errorf("psql \\copy: %w", err)
	}
	return appTime, time.Since(start), rows, nil
}

// apiBenchDomain marks the leads "API lead create" makes.
const apiBenchDomain = "@api-bench.example"

// benchToken creates the bench's API token (read and write, as the
// marketer, who may create leads) with the CLI, as a user would. The
// previous runs' tokens go first, with their idempotency keys.
func benchToken(cfg config, dbURL string) (string, error) {
	if err := exec1(dbURL, `DELETE FROM api_tokens WHERE name = 'make bench'`); err != nil {
		return "", err
	}
	var out bytes.Buffer
	if err := tandem(cfg, dbURL, &out, "token", "create", "--email", "marketer@example.com",
		"--scopes", "read,write", "--name", "make bench", "--expires", "1d"); err != nil {
		return "", fmt.Errorf("tandem token create: %w", err)
	}
	token := strings.TrimSpace(out.String())
	if !strings.HasPrefix(token, "tdm_") {
		return "", fmt.Errorf("tandem token create printed %q", token)
	}
	return token, nil
}

// createTargeter posts a new lead per request: a unique email and
// Idempotency-Key each time, so every request creates (none is a replay).
func createTargeter(u string, hdr http.Header) vegeta.Targeter {
	var n atomic.Int64
	stamp := time.Now().UnixNano()
	return func(t *vegeta.Target) error {
		i := n.Add(1)
		h := hdr.Clone()
		h.Set("Content-Type", "application/json")
		h.Set("Idempotency-Key", fmt.Sprintf("bench-%d-%d", stamp, i))
		*t = vegeta.Target{Method: http.MethodPost, URL: u, Header: h, Body: fmt.Appendf(nil,
			`{"company": "Bench API %d", "contact_name": "Bench Contact %d", "email": "b%d.%d%s", "fit": "medium", "score": %d}`,
			i, i, stamp, i, apiBenchDomain, i%101)}
		return nil
	}
}

// removeAPICreated deletes what "API lead create" made, so the size stays
// what it says for the export and import and for the next run.
func removeAPICreated(dbURL string) error {
	return exec1(dbURL, `DELETE FROM leads WHERE email LIKE '%`+apiBenchDomain+`'`,
		`DELETE FROM api_idempotency WHERE token_id IN (SELECT id FROM api_tokens WHERE name = 'make bench')`,
		`VACUUM ANALYZE leads`)
}

// exec1 runs statements on one connection.
func exec1(dbURL string, stmts ...string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, q := range stmts {
		if _, err := conn.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func removeImported(dbURL string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, q := range []string{`DELETE FROM leads WHERE email LIKE '%@import.example'`, `DELETE FROM lead_imports`, `VACUUM ANALYZE leads`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// waitForStartJobs returns once the jobs a start-up runs (the scheduled
// ones that run on start: digest, escalation catch-up, housekeeping, the
// snapshot refreshes) are done and none has been waiting or running for a
// second, so the first routes measured do not share the machine with
// them: the sign-in page, the baseline of every ratio, is measured first.
func waitForStartJobs(dbURL string, since time.Time) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	quietSince := time.Time{}
	for {
		var busy, done int
		err := conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state IN ('available', 'running')),
				count(*) FILTER (WHERE state = 'completed' AND finalized_at >= $1)
			FROM river_job`, since).Scan(&busy, &done)
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("wait for the start-up jobs: %w", err)
		}
		switch {
		case busy > 0 || done == 0:
			quietSince = time.Time{}
		case quietSince.IsZero():
			quietSince = time.Now()
		case time.Since(quietSince) >= time.Second:
			return nil
		}
		select {
		case <-ctx.Done():
			fmt.Println("   (the start-up jobs still ran after two minutes; measuring anyway)")
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func render(cfg config, results []sizeResult) string {
	var b strings.Builder
	cpu := "unknown CPU"
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.+)`).FindSubmatch(info); m != nil {
			cpu = string(m[1])
		}
	}
	mem := ""
	if info, err := os.ReadFile("/proc/meminfo"); err == nil {
		if m := regexp.MustCompile(`MemTotal:\s+(\d+) kB`).FindSubmatch(info); m != nil {
			kb, _ := strconv.Atoi(string(m[1]))
			mem = fmt.Sprintf(", %.0f GiB", float64(kb)/1024/1024)
		}
	}
	fmt.Fprintf(&b, "# Benchmarks\n\nWritten by `make bench` on %s: %d cores (%s%s), Go %s, PostgreSQL on the same machine over loopback.\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), cpu, mem, runtime.Version())
	fmt.Fprintf(&b, "Latency: vegeta at a constant %d requests/s for %s (no coordinated omission). Throughput: %d concurrent clients as fast as they can for %s. The ratio is throughput ÷ the sign-in page's, measured in the same run before and after the pages (the better of the two). Each route's first request fills its caches and is timed on its own (\"first request\"). Requests carry a browser's Accept-Encoding and the client does not decompress.\n\n",
		cfg.rate, cfg.duration, cfg.workers, cfg.duration)
	for _, r := range results {
		var baseline float64
		for _, rt := range r.routes {
			if rt.name == "sign-in page (baseline)" {
				baseline = rt.throughput
			}
		}
		fmt.Fprintf(&b, "## %s leads (%d in the table)\n\n", r.size.label, r.leads)
		b.WriteString("| route | first request ms | p50 ms | p95 ms | p99 ms | errors | max req/s | ratio to sign-in page |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, rt := range r.routes {
			ratio := "—"
			if baseline > 0 {
				ratio = fmt.Sprintf("%.2f", rt.throughput/baseline)
			}
			fmt.Fprintf(&b, "| %s | %.1f | %.1f | %.1f | %.1f | %d | %.0f | %s |\n", rt.name, ms(rt.first), ms(rt.p50), ms(rt.p95), ms(rt.p99), rt.errors, rt.throughput, ratio)
		}
		fmt.Fprintf(&b, "\nCSV export of %d leads: %.2f s. Import of %d rows through the app (upload, validate, COPY): %.2f s (%.0f rows/s); `psql \\copy` of the same rows into the same table: %.2f s; app ÷ psql speed: %.2f. Server peak RSS during the run: %.0f MB.\n\n",
			r.exportRows, r.export.Seconds(), r.importRows, r.importApp.Seconds(), float64(r.importRows)/r.importApp.Seconds(),
			r.importPsql.Seconds(), r.importPsql.Seconds()/r.importApp.Seconds(), r.peakRSSMB)
		renderPerf(&b, r, baseline, cfg.rate)
		fmt.Fprintf(&b, "Seeding (`tandem seed scale`):\n\n```\n%s```\n\n", r.seedOutput)
	}
	if len(results) > 1 {
		b.WriteString("## Growth\n\n| route | " + strings.Join(labels(results), " p95 ms | ") + " p95 ms |\n|---|" + strings.Repeat("---:|", len(results)) + "\n")
		for _, name := range []string{"overview, all teams", "lead list", "lead list, page 21", "my queue"} {
			fmt.Fprintf(&b, "| %s |", name)
			for _, r := range results {
				for _, rt := range r.routes {
					if rt.name == name {
						fmt.Fprintf(&b, " %.1f |", ms(rt.p95))
					}
				}
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
		small, large := p95Of(results[0], "overview, all teams"), p95Of(results[len(results)-1], "overview, all teams")
		if small > 0 {
			fmt.Fprintf(&b, "Overview p95 at %s ÷ at %s: **%.2f** (first milestone ≤ 1.5, goal ≤ 1.2).\n\n",
				results[len(results)-1].size.label, results[0].size.label, float64(large)/float64(small))
		}
	}
	return b.String()
}

func p95Of(r sizeResult, name string) time.Duration {
	for _, rt := range r.routes {
		if rt.name == name {
			return rt.p95
		}
	}
	return 0
}

func labels(rs []sizeResult) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.size.label
	}
	return out
}
