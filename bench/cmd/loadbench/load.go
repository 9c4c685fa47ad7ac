package main

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Targets measured in a cell.
const (
	targetRowgate   = "rowgate"
	targetHTTPFloor = "http-floor"
	targetSQLFloor  = "sql-floor"
)

// cell is the outcome of one scenario × target × concurrency.
type cell struct {
	Scenario   string         `json:"scenario"`
	Target     string         `json:"target"`
	Clients    int            `json:"clients"`
	Requests   int            `json:"requests"`
	Seconds    float64        `json:"seconds"`
	RPS        float64        `json:"rps"`
	P50ms      float64        `json:"p50_ms"`
	P90ms      float64        `json:"p90_ms"`
	P99ms      float64        `json:"p99_ms"`
	MaxMs      float64        `json:"max_ms"`
	Errors     int            `json:"errors"`  // transport errors (no HTTP status)
	Non2xx     int            `json:"non_2xx"` // HTTP status outside 200–299
	Statuses   map[string]int `json:"statuses,omitempty"`
	ErrSamples []string       `json:"error_samples,omitempty"`
	// Rowgate's resources during the cell (rowgate cells only).
	CPUSeconds   float64 `json:"rowgate_cpu_seconds,omitempty"`
	CPUusPerReq  float64 `json:"rowgate_cpu_us_per_request,omitempty"`
	PeakRSSBytes int64   `json:"rowgate_peak_rss_bytes,omitempty"`
	Note         string  `json:"note,omitempty"`
}

// recorder gathers the timed-phase outcomes of one cell.
type recorder struct {
	mu        sync.Mutex
	lat       []time.Duration
	statuses  map[string]int
	errs      int
	non2xx    int
	samples   []string
	firstAt   time.Time
	lastEnd   time.Time
	timedFrom time.Time
}

func newRecorder(timedFrom time.Time) *recorder {
	return &recorder{statuses: map[string]int{}, timedFrom: timedFrom, lat: make([]time.Duration, 0, 1<<16)}
}

// add records one outcome; start is when the request began. Outcomes that
// began during warm-up are dropped. code is 0 for transport errors.
func (r *recorder) add(start time.Time, lat time.Duration, code int, errText string, body []byte) {
	if start.Before(r.timedFrom) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lat = append(r.lat, lat)
	if end := start.Add(lat); end.After(r.lastEnd) {
		r.lastEnd = end
	}
	switch {
	case code == 0:
		r.errs++
		r.statuses["error"]++
		r.sample(errText)
	default:
		r.statuses[strconv.Itoa(code)]++
		if code < 200 || code > 299 {
			r.non2xx++
			msg := strconv.Itoa(code)
			if len(body) > 0 {
				b := body
				if len(b) > 300 {
					b = b[:300]
				}
				msg += " " + string(b)
			}
			r.sample(msg)
		}
	}
}

func (r *recorder) sample(msg string) {
	if len(r.samples) < 3 && !slices.Contains(r.samples, msg) {
		r.samples = append(r.samples, msg)
	}
}

// finish computes the cell's figures.
func (r *recorder) finish(c *cell) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.Requests = len(r.lat)
	c.Errors, c.Non2xx, c.Statuses, c.ErrSamples = r.errs, r.non2xx, r.statuses, r.samples
	if c.Requests == 0 {
		return
	}
	c.Seconds = r.lastEnd.Sub(r.timedFrom).Seconds()
	if c.Seconds > 0 {
		c.RPS = float64(c.Requests) / c.Seconds
	}
	slices.Sort(r.lat)
	q := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(r.lat)))) - 1
		i = max(0, min(i, len(r.lat)-1))
		return float64(r.lat[i]) / float64(time.Millisecond)
	}
	c.P50ms, c.P90ms, c.P99ms = q(0.50), q(0.90), q(0.99)
	c.MaxMs = float64(r.lat[len(r.lat)-1]) / float64(time.Millisecond)
}

// runHTTP drives tr with vegeta in max-rate mode: exactly clients workers,
// each sending its next request as soon as the previous one is answered,
// over keep-alive connections, for warmup+duration. Only requests begun
// after the warm-up count.
func runHTTP(ctx context.Context, tr vegeta.Targeter, clients int, warmup, duration time.Duration) *recorder {
	atk := vegeta.NewAttacker(
		vegeta.Workers(uint64(clients)),
		vegeta.MaxWorkers(uint64(clients)),
		vegeta.Connections(clients),
		vegeta.MaxConnections(clients),
		vegeta.KeepAlive(true),
		vegeta.Redirects(vegeta.NoFollow),
		vegeta.Timeout(30*time.Second),
	)
	start := time.Now()
	rec := newRecorder(start.Add(warmup))
	results := atk.Attack(tr, vegeta.Rate{Freq: 0}, warmup+duration, "")
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	for res := range results {
		if res.Error == errTokensExhausted.Error() {
			continue
		}
		code := int(res.Code)
		errText := ""
		if code == 0 {
			errText = res.Error
		}
		rec.add(res.Timestamp, res.Latency, code, errText, res.Body)
	}
	return rec
}

// runSQL is the SQL floor's load loop: clients goroutines, each running
// the floor transaction back to back over pool for warmup+duration. vegeta
// speaks only HTTP, hence the plain loop; it mirrors vegeta's max-rate mode.
func runSQL(ctx context.Context, pool *pgxpool.Pool, fq *floorQuery, sc *scenario, ts *targetSet, anon *floorIdentity, clients int, warmup, duration time.Duration) *recorder {
	start := time.Now()
	deadline := start.Add(warmup + duration)
	rec := newRecorder(start.Add(warmup))
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := c
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(deadline) {
					return
				}
				key := ""
				if sc.key != nil {
					key = sc.key(ts.d, u)
				}
				id := anon
				if !sc.anon {
					id = ts.ids[u]
				}
				_, err := runFloorTx(ctx, pool, fq, id, key)
				code, errText := http.StatusOK, ""
				if err != nil {
					code, errText = 0, err.Error()
				}
				rec.add(t0, time.Since(t0), code, errText, nil)
			}
		}()
	}
	wg.Wait()
	return rec
}
