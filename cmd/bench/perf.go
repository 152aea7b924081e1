package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"tandem/internal/db"
	"tandem/internal/kpi"
)

// What the performance issue measures beyond the routes: the database
// time of a snapshot refresh, pages while refreshes run, the first page
// after a start-up, and two instances on one database.

type refreshTime struct {
	kind       kpi.Kind
	full, kept time.Duration
}

type perfResult struct {
	refresh       []refreshTime
	duringRefresh []routeResult // at the fixed rate while refreshes run back to back
	refreshesRun  int
	afterStart    routeResult // the overview, from the first request after a restart
	twoInstances  twoInstanceResult
}

type twoInstanceResult struct {
	writes, seen int     // notifications read on A; how many B's next page showed
	throughput   float64 // overview req/s, both instances loaded together
}

// refreshTimes computes each running period's dashboard and trouble signs
// as the refresh job does: once from scratch, then with the settled
// periods kept (the second run after a first that kept them).
func refreshTimes(ctx context.Context, dbURL string) ([]refreshTime, error) {
	pool, err := db.Open(ctx, dbURL, 4)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	full := kpi.NewEngine(pool, time.UTC)
	kept := kpi.NewEngine(pool, time.UTC)
	kept.KeepSettledPeriods()
	var out []refreshTime
	for _, kind := range kpi.Kinds {
		r := refreshTime{kind: kind}
		var err error
		if r.full, err = timeRefresh(ctx, full, kind); err != nil {
			return nil, err
		}
		if _, err := timeRefresh(ctx, kept, kind); err != nil { // keeps the settled periods
			return nil, err
		}
		if r.kept, err = timeRefresh(ctx, kept, kind); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func timeRefresh(ctx context.Context, e *kpi.Engine, kind kpi.Kind) (time.Duration, error) {
	start := time.Now()
	if _, err := e.Dashboard(ctx, kind, time.Now()); err != nil {
		return 0, err
	}
	if _, err := e.Trouble(ctx); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// whileRefreshing measures the routes at the fixed rate while a refresh
// of every period kind runs back to back on the same database, the worst
// a minute can bring. It returns the results and how many refreshes ran.
func whileRefreshing(cfg config, dbURL string, targets []vegeta.Targeter, names []string) ([]routeResult, int, error) {
	ctx, stop := context.WithCancel(context.Background())
	pool, err := db.Open(ctx, dbURL, 4)
	if err != nil {
		stop()
		return nil, 0, err
	}
	defer pool.Close()
	e := kpi.NewEngine(pool, time.UTC)
	e.KeepSettledPeriods()
	var wg sync.WaitGroup
	var runs int
	var refreshErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			for _, kind := range kpi.Kinds {
				if _, err := timeRefresh(ctx, e, kind); err != nil && ctx.Err() == nil {
					refreshErr = err
					return
				}
			}
			runs++
		}
	}()
	var out []routeResult
	for i, t := range targets {
		// Filled first, as in the main runs: the pages' caches expired
		// since those ran, and a cold miss is measured on its own there.
		first, err := warmUp(t)
		if err != nil {
			stop()
			wg.Wait()
			return nil, runs, err
		}
		r := latency(cfg, t)
		r.name, r.first = names[i], first
		out = append(out, r)
	}
	stop()
	wg.Wait()
	return out, runs, refreshErr
}

// latency is the fixed-rate half of attack, without a warm-up request.
func latency(cfg config, target vegeta.Targeter) routeResult {
	var m vegeta.Metrics
	a := vegeta.NewAttacker(vegeta.Timeout(10*time.Second), vegeta.Workers(cfg.workers), vegeta.MaxWorkers(cfg.workers),
		vegeta.KeepAlive(true), vegeta.Redirects(vegeta.NoFollow))
	for res := range a.Attack(target, vegeta.Rate{Freq: cfg.rate, Per: time.Second}, cfg.duration, "latency") {
		m.Add(res)
	}
	m.Close()
	return routeResult{p50: m.Latencies.P50, p95: m.Latencies.P95, p99: m.Latencies.P99, rate: m.Rate, requests: m.Requests,
		errors: uint64(len(m.Errors)) + m.Requests - uint64(float64(m.Requests)*m.Success)}
}

var unreadCount = regexp.MustCompile(`aria-label="(\d+) unread"`)

func unreadOn(c *http.Client, base string) (int, string, error) {
	body, err := get(c, base+"/notifications")
	if err != nil {
		return 0, "", err
	}
	m := unreadCount.FindStringSubmatch(body)
	n := 0
	if m != nil {
		n, _ = strconv.Atoi(m[1])
	}
	token := csrfField.FindStringSubmatch(body)
	if token == nil {
		return 0, "", errors.New("no CSRF token on /notifications")
	}
	return n, token[1], nil
}

// twoInstances starts a second server on the database and checks, write
// after write, that a notification read on A is gone from B's next page;
// then loads both instances' overviews together.
func twoInstances(cfg config, dbURL string, a *server) (twoInstanceResult, error) {
	var res twoInstanceResult
	b, err := startServer(cfg, dbURL)
	if err != nil {
		return res, err
	}
	defer b.stop()
	baseA, baseB := "http://"+a.addr, "http://"+b.addr
	const writes = 50
	if err := exec1(dbURL, fmt.Sprintf(`INSERT INTO notifications (user_id, kind, title, link)
		SELECT u.id, 'new_notice', 'Two-instance check ' || g, '/' FROM users u, generate_series(1, %d) g
		WHERE u.email = 'sales.manager@example.com'`, writes)); err != nil {
		return res, err
	}
	manager, err := signIn(baseA, "sales.manager@example.com")
	if err != nil {
		return res, err
	}
	onB := newClient()
	ua, _ := url.Parse(baseA)
	ub, _ := url.Parse(baseB)
	onB.Jar.SetCookies(ub, manager.Jar.Cookies(ua))
	ctx := context.Background()
	pool, err := db.Open(ctx, dbURL, 2)
	if err != nil {
		return res, err
	}
	defer pool.Close()
	for range writes {
		before, token, err := unreadOn(onB, baseB)
		if err != nil {
			return res, err
		}
		var id int64
		if err := pool.QueryRow(ctx, `SELECT min(n.id) FROM notifications n JOIN users u ON u.id = n.user_id
			WHERE u.email = 'sales.manager@example.com' AND n.read_at IS NULL`).Scan(&id); err != nil {
			return res, err
		}
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/notifications/%d/read", baseA, id),
			strings.NewReader(url.Values{"csrf_token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", baseA)
		r, err := manager.Do(req)
		if err != nil {
			return res, err
		}
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusSeeOther {
			return res, fmt.Errorf("read on A: %d", r.StatusCode)
		}
		res.writes++
		after, _, err := unreadOn(onB, baseB)
		if err != nil {
			return res, err
		}
		if after == before-1 {
			res.seen++
		}
	}
	// Both instances under load together: half the clients on each.
	hdr := func(c *http.Client, base string) http.Header {
		return http.Header{"Cookie": {cookieHeader(c, base)}, "Accept-Encoding": {browserEncodings}}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, side := range []struct {
		base string
		c    *http.Client
	}{{baseA, manager}, {baseB, onB}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			half := cfg
			half.workers = max(1, cfg.workers/2)
			var m vegeta.Metrics
			t := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: side.base + "/", Header: hdr(side.c, side.base)})
			at := vegeta.NewAttacker(vegeta.Timeout(10*time.Second), vegeta.Workers(half.workers), vegeta.MaxWorkers(half.workers), vegeta.KeepAlive(true))
			for r := range at.Attack(t, vegeta.Rate{Freq: 0}, cfg.duration, "two instances") {
				m.Add(r)
			}
			m.Close()
			mu.Lock()
			res.throughput += m.Throughput
			mu.Unlock()
		}()
	}
	wg.Wait()
	return res, nil
}

// measurePerf runs the measures above against the size's running server
// (restarted at the end, for the first page after a start-up).
func measurePerf(cfg config, dbURL string, srv **server, manager *http.Client) (perfResult, error) {
	var p perfResult
	var err error
	ctx := context.Background()
	if p.refresh, err = refreshTimes(ctx, dbURL); err != nil {
		return p, fmt.Errorf("refresh times: %w", err)
	}
	base := "http://" + (*srv).addr
	hdr := http.Header{"Cookie": {cookieHeader(manager, base)}, "Accept-Encoding": {browserEncodings}}
	names := []string{"overview, all teams", "overview, sales lens", "feedback search", "theme trends", "lead list"}
	paths := []string{"/", "/?lens=sales", "/feedback?q=onboarding", "/feedback/themes", "/leads"}
	var targets []vegeta.Targeter
	for _, path := range paths {
		targets = append(targets, vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: base + path, Header: hdr}))
	}
	if p.duringRefresh, p.refreshesRun, err = whileRefreshing(cfg, dbURL, targets, names); err != nil {
		return p, fmt.Errorf("pages during refreshes: %w", err)
	}
	if p.twoInstances, err = twoInstances(cfg, dbURL, *srv); err != nil {
		return p, fmt.Errorf("two instances: %w", err)
	}
	// The first requests after a start-up: the snapshots were computed
	// before the server listened, so nobody waits for one.
	(*srv).stop()
	if *srv, err = startServer(cfg, dbURL); err != nil {
		return p, err
	}
	base = "http://" + (*srv).addr
	p.afterStart = latency(cfg, vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: base + "/",
		Header: http.Header{"Cookie": {cookieHeader(manager, "http://"+(*srv).addr)}, "Accept-Encoding": {browserEncodings}}}))
	p.afterStart.name = "overview, all teams, from the first request after a start-up"
	return p, nil
}

// renderPerf writes the size's measures against the performance issue's
// targets, then the refresh, refresh-time and two-instance details.
func renderPerf(b *strings.Builder, r sizeResult, baseline float64, rate int) {
	ratio := func(names ...string) (float64, string) {
		low, which := 0.0, ""
		for _, rt := range r.routes {
			for _, n := range names {
				if (rt.name == n || strings.HasPrefix(rt.name, n+",")) && baseline > 0 && (which == "" || rt.throughput/baseline < low) {
					low, which = rt.throughput/baseline, rt.name
				}
			}
		}
		return low, which
	}
	mark := func(ok bool) string {
		if ok {
			return " ✓"
		}
		return " ✗"
	}
	p := r.perf
	worst, worstName := time.Duration(0), ""
	consider := func(rt routeResult) {
		if rt.p99 > worst {
			worst, worstName = rt.p99, rt.name
		}
	}
	for _, rt := range r.routes {
		if !rt.baseline && !strings.HasPrefix(rt.name, "API lead create") {
			consider(rt)
		}
	}
	consider(p.afterStart)
	for _, rt := range p.duringRefresh {
		rt.name += " (during refreshes)"
		consider(rt)
	}
	var kept, full time.Duration
	for _, t := range p.refresh {
		kept, full = max(kept, t.kept), max(full, t.full)
	}
	overview, ow := ratio("overview")
	lists, lw := ratio("lead list", "my queue", "lead detail")
	static, _ := ratio("static asset (baseline)")
	b.WriteString("### Against the performance targets (issue 20)\n\n| measure | measured | first milestone | goal |\n|---|---:|---|---|\n")
	fmt.Fprintf(b, "| overview throughput ÷ sign-in page, every lens (lowest: %s) | %.2f | ≥ 0.25%s | ≥ 0.5%s |\n", ow, overview, mark(overview >= 0.25), mark(overview >= 0.5))
	fmt.Fprintf(b, "| lead list, queue, lead detail throughput ÷ sign-in page (lowest: %s) | %.2f | ≥ 0.25%s | ≥ 0.5%s |\n", lw, lists, mark(lists >= 0.25), mark(lists >= 0.5))
	fmt.Fprintf(b, "| static asset throughput ÷ sign-in page | %.2f | ≥ 1.0%s | ≥ 1.5%s |\n", static, mark(static >= 1), mark(static >= 1.5))
	fmt.Fprintf(b, "| any page p99 at %d req/s, incl. the first after start-up and during refreshes (worst: %s) | %.1f ms | ≤ 100 ms%s | ≤ 50 ms%s |\n",
		rate, worstName, ms(worst), mark(worst <= 100*time.Millisecond), mark(worst <= 50*time.Millisecond))
	fmt.Fprintf(b, "| database time of one snapshot refresh (slowest period kind; from scratch: %.0f ms) | %.0f ms | ≤ 200 ms%s | ≤ 50 ms%s |\n",
		ms(full), ms(kept), mark(kept <= 200*time.Millisecond), mark(kept <= 50*time.Millisecond))
	fmt.Fprintf(b, "| server peak RSS | %.0f MB | ≤ 200 MB%s | ≤ 120 MB%s |\n\n", r.peakRSSMB, mark(r.peakRSSMB <= 200), mark(r.peakRSSMB <= 120))
	var cold routeResult
	for _, rt := range r.routes {
		if !rt.baseline && !strings.HasPrefix(rt.name, "API lead create") && rt.first > cold.first {
			cold = rt
		}
	}
	fmt.Fprintf(b, "A page's first request, before its caches hold it (the \"first request\" column; not one of the targets): at most %.1f ms (%s).\n\n", ms(cold.first), cold.name)

	b.WriteString("Snapshot refresh, the running period's dashboard and trouble signs as the refresh job computes them:\n\n| period | from scratch ms | settled periods kept ms |\n|---|---:|---:|\n")
	for _, t := range p.refresh {
		fmt.Fprintf(b, "| %s | %.0f | %.0f |\n", t.kind, ms(t.full), ms(t.kept))
	}
	fmt.Fprintf(b, "\nPages at %d req/s while snapshot refreshes of every period kind ran back to back (%d rounds), each after one request that fills its caches:\n\n| route | first request ms | p50 ms | p95 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|---:|\n", rate, p.refreshesRun)
	for _, rt := range append(p.duringRefresh, p.afterStart) {
		first := "—" // the run after a start-up is all first requests
		if rt.first > 0 {
			first = fmt.Sprintf("%.1f", ms(rt.first))
		}
		fmt.Fprintf(b, "| %s | %s | %.1f | %.1f | %.1f | %d |\n", rt.name, first, ms(rt.p50), ms(rt.p95), ms(rt.p99), rt.errors)
	}
	t := p.twoInstances
	fmt.Fprintf(b, "\nTwo `tandem serve` instances on this database: %d notifications read on instance A, %d of them gone from instance B's very next page; both instances' overviews under load together: %.0f req/s.\n\n",
		t.writes, t.seen, t.throughput)
}
