// Package metrics is what operators scrape: request counts and durations
// per route, the database pool, the in-process caches, the KPI snapshot
// and the job queue, in Prometheus' exposition format. It is served on a
// listener of its own (METRICS_ADDR), never beside the pages.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds Tandem's metrics.
type Registry struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New returns a registry with the request metrics and the Go runtime's.
func New() *Registry {
	r := &Registry{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tandem_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status class.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tandem_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern, method and status class.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
	}
	r.reg.MustRegister(r.requests, r.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Handler serves the exposition format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg, ErrorHandling: promhttp.ContinueOnError})
}

// ObserveRequest counts one answered request. route is the router's
// pattern ("/leads/{id}"), never the path: the label stays bounded.
func (r *Registry) ObserveRequest(route, method string, status int, took time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	class := strconv.Itoa(status/100) + "xx"
	r.requests.WithLabelValues(route, method, class).Inc()
	r.duration.WithLabelValues(route, method, class).Observe(took.Seconds())
}

// WatchPool exports the pgx pool's statistics.
func (r *Registry) WatchPool(pool *pgxpool.Pool) {
	r.reg.MustRegister(poolCollector{pool})
}

// WatchCache exports a cache's hits and misses; the hit ratio is
// hits ÷ (hits + misses) in the query.
func (r *Registry) WatchCache(name string, stats func() (hits, misses uint64)) {
	r.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "tandem_cache_hits_total", Help: "Reads answered from the in-process cache.",
			ConstLabels: prometheus.Labels{"cache": name},
		}, func() float64 { h, _ := stats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "tandem_cache_misses_total", Help: "Reads the in-process cache sent to the database.",
			ConstLabels: prometheus.Labels{"cache": name},
		}, func() float64 { _, m := stats(); return float64(m) }),
	)
}

// Snapshots is what the KPI engine tells about its snapshots.
type Snapshots interface {
	SnapshotAge(ctx context.Context, kind string) (time.Duration, bool, error)
	RefreshStats() (count uint64, seconds float64, last time.Duration)
}

// WatchSnapshots exports the age of each running period's KPI snapshot
// and this instance's refreshes.
func (r *Registry) WatchSnapshots(kinds []string, s Snapshots) {
	for _, kind := range kinds {
		r.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tandem_kpi_snapshot_age_seconds", Help: "Age of the running period's KPI snapshot (-1: none yet).",
			ConstLabels: prometheus.Labels{"period": kind},
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			age, ok, err := s.SnapshotAge(ctx, kind)
			if err != nil || !ok {
				return -1
			}
			return age.Seconds()
		}))
	}
	r.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "tandem_kpi_snapshot_refreshes_total", Help: "KPI snapshots this instance computed.",
		}, func() float64 { n, _, _ := s.RefreshStats(); return float64(n) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "tandem_kpi_snapshot_refresh_seconds_total", Help: "Time this instance spent computing KPI snapshots.",
		}, func() float64 { _, sec, _ := s.RefreshStats(); return sec }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tandem_kpi_snapshot_last_refresh_seconds", Help: "Duration of this instance's last KPI snapshot computation.",
		}, func() float64 { _, _, last := s.RefreshStats(); return last.Seconds() }),
	)
}

// WatchJobs exports the job queue's depth by state, read from River's
// table at each scrape.
func (r *Registry) WatchJobs(pool *pgxpool.Pool) {
	r.reg.MustRegister(jobsCollector{pool})
}

var (
	poolDescs = map[string]*prometheus.Desc{
		"acquired": prometheus.NewDesc("tandem_db_pool_acquired_connections", "Connections in use.", nil, nil),
		"idle":     prometheus.NewDesc("tandem_db_pool_idle_connections", "Connections idle in the pool.", nil, nil),
		"total":    prometheus.NewDesc("tandem_db_pool_connections", "Connections open.", nil, nil),
		"max":      prometheus.NewDesc("tandem_db_pool_max_connections", "The pool's size limit.", nil, nil),
		"acquires": prometheus.NewDesc("tandem_db_pool_acquires_total", "Connections handed out.", nil, nil),
		"empty":    prometheus.NewDesc("tandem_db_pool_empty_acquires_total", "Acquires that had to wait for a connection.", nil, nil),
		"wait":     prometheus.NewDesc("tandem_db_pool_acquire_wait_seconds_total", "Time spent waiting for a connection.", nil, nil),
	}
	jobsDesc = prometheus.NewDesc("tandem_jobs", "Jobs in River's queue, by state.", []string{"state"}, nil)
)

type poolCollector struct{ pool *pgxpool.Pool }

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range poolDescs {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(poolDescs["acquired"], prometheus.GaugeValue, float64(st.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(poolDescs["idle"], prometheus.GaugeValue, float64(st.IdleConns()))
	ch <- prometheus.MustNewConstMetric(poolDescs["total"], prometheus.GaugeValue, float64(st.TotalConns()))
	ch <- prometheus.MustNewConstMetric(poolDescs["max"], prometheus.GaugeValue, float64(st.MaxConns()))
	ch <- prometheus.MustNewConstMetric(poolDescs["acquires"], prometheus.CounterValue, float64(st.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolDescs["empty"], prometheus.CounterValue, float64(st.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolDescs["wait"], prometheus.CounterValue, st.AcquireDuration().Seconds())
}

type jobsCollector struct{ pool *pgxpool.Pool }

func (c jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

// jobStates are River's, each reported (0 when none) so a graph has no gaps.
var jobStates = []string{"available", "scheduled", "running", "retryable", "pending", "completed", "cancelled", "discarded"}

func (c jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts := map[string]float64{}
	rows, err := c.pool.Query(ctx, `SELECT state::text, count(*) FROM river_job GROUP BY state`)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
		return
	}
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			ch <- prometheus.NewInvalidMetric(jobsDesc, err)
			return
		}
		counts[state] = float64(n)
	}
	if err := rows.Err(); err != nil {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
		return
	}
	for _, s := range jobStates {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, counts[s], s)
	}
}
