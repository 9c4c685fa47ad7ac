package gateway

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rowgate/rowgate/pgexec"
)

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry, db *pgexec.Pool) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rowgate_http_requests_total",
			Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rowgate_http_request_duration_seconds",
			Help:    "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.latency)
	if db != nil {
		gauge := func(name, help string, f func() float64) {
			reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
		}
		gauge("rowgate_db_pool_total_conns", "Connections in the pool.", func() float64 { return float64(db.Stat().TotalConns()) })
		gauge("rowgate_db_pool_acquired_conns", "Connections in use.", func() float64 { return float64(db.Stat().AcquiredConns()) })
		gauge("rowgate_db_pool_idle_conns", "Idle connections.", func() float64 { return float64(db.Stat().IdleConns()) })
		gauge("rowgate_db_pool_max_conns", "Pool size.", func() float64 { return float64(db.Stat().MaxConns()) })
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "rowgate_db_pool_acquire_total", Help: "Connection acquisitions.",
		}, func() float64 { return float64(db.Stat().AcquireCount()) }))
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "rowgate_db_pool_empty_acquire_total", Help: "Acquisitions that waited for a connection.",
		}, func() float64 { return float64(db.Stat().EmptyAcquireCount()) }))
	}
	return m
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	if status == 0 {
		status = 200
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}
