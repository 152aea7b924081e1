package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"tandem/internal/db"
	"tandem/internal/testdb"
)

// TestServeWarmsSnapshotsAndServesMetricsApart starts `tandem serve` as an
// operator would, with METRICS_ADDR set: the KPI snapshots exist before
// the first request, and /metrics is on its own listener only.
func TestServeWarmsSnapshotsAndServesMetricsApart(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	env := map[string]string{"DATABASE_URL": url, "ADDR": "127.0.0.1:0", "METRICS_ADDR": "127.0.0.1:0", "LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	if err := run(ctx, []string{"seed", "demo"}, getenv, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	serveCtx, stop := context.WithCancel(ctx)
	out, printed := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(serveCtx, []string{"serve"}, getenv, nil, printed, io.Discard)
		printed.Close()
	}()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	var appAddr, metricsURL string
	lines := bufio.NewScanner(out)
	for appAddr == "" && lines.Scan() {
		if m := regexp.MustCompile(`^Metrics for Prometheus at (\S+)$`).FindStringSubmatch(lines.Text()); m != nil {
			metricsURL = m[1]
		}
		if m := regexp.MustCompile(`listening on (\S+)\)`).FindStringSubmatch(lines.Text()); m != nil {
			appAddr = m[1]
		}
	}
	go io.Copy(io.Discard, out)
	if appAddr == "" || metricsURL == "" {
		t.Fatalf("serve printed no addresses (app %q, metrics %q)", appAddr, metricsURL)
	}

	// Before any request: every running period has its snapshot.
	pool, err := db.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var kinds int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT period_kind) FROM kpi_snapshots`).Scan(&kinds); err != nil || kinds != 3 {
		t.Errorf("snapshots of %d period kinds after start-up (err %v), want week, month and quarter", kinds, err)
	}

	client := &http.Client{Timeout: 10 * time.Second}
	for _, path := range []string{"/login", "/healthz", "/no-such-page"} {
		res, err := client.Get("http://" + appAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	if res, err := client.Get("http://" + appAddr + "/metrics"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the public listener: %v %v", res.StatusCode, err)
	}

	res, err := client.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("metrics: %d", res.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("the exposition format does not parse: %v", err)
	}
	labelled := func(name string, want map[string]string) float64 {
		t.Helper()
		f := families[name]
		if f == nil {
			t.Errorf("no %s", name)
			return -1
		}
	metrics:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if got[k] != v {
					continue metrics
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount())
			}
		}
		t.Errorf("no %s with %v", name, want)
		return -1
	}
	if n := labelled("tandem_http_requests_total", map[string]string{"route": "/login", "method": "GET", "status": "2xx"}); n != 1 {
		t.Errorf("GET /login counted %v times, want 1", n)
	}
	if n := labelled("tandem_http_request_duration_seconds", map[string]string{"route": "/healthz", "status": "2xx"}); n != 1 {
		t.Errorf("GET /healthz observed %v times, want 1", n)
	}
	if n := labelled("tandem_http_requests_total", map[string]string{"status": "4xx"}); n < 1 {
		t.Errorf("4xx answers counted %v", n)
	}
	if n := labelled("tandem_db_pool_max_connections", nil); n < 1 {
		t.Errorf("pool size %v", n)
	}
	for _, kind := range []string{"week", "month", "quarter"} {
		if age := labelled("tandem_kpi_snapshot_age_seconds", map[string]string{"period": kind}); age < 0 || age > 600 {
			t.Errorf("%s snapshot age %v", kind, age)
		}
	}
	if n := labelled("tandem_kpi_snapshot_refreshes_total", nil); n < 3 {
		t.Errorf("%v snapshot refreshes at start-up, want the 3 computed", n)
	}
	labelled("tandem_cache_hits_total", map[string]string{"cache": "sessions"})
	labelled("tandem_jobs", map[string]string{"state": "available"})
	if !strings.Contains(res.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("Content-Type %q", res.Header.Get("Content-Type"))
	}
}
