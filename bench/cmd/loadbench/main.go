package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rowgate/rowgate/localdb"
)

// options are the command-line settings.
type options struct {
	duration   time.Duration
	warmup     time.Duration
	clients    []int
	scenarios  []string // empty = all
	floors     []string // scenarios that get the two floors
	smoke      bool
	pool       int
	data       dataset
	out        string // results root; a timestamped folder is made inside
	rowgateBin string // prebuilt binary; empty = build one
	maxUnique  int
	keep       bool
	log        io.Writer
}

func main() {
	var o options
	var clients, scen, floors, serveFloorSpec string
	flag.StringVar(&serveFloorSpec, "serve-floor", "", "internal: run as the HTTP floor process with this spec file")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per cell")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up time per cell (not measured)")
	flag.StringVar(&clients, "clients", "1,8,32", "comma-separated concurrencies")
	flag.StringVar(&scen, "scenarios", "", "comma-separated scenarios (default all: "+strings.Join(scenarioNames(), ",")+")")
	flag.StringVar(&floors, "floors", "GETSingle", "comma-separated GET scenarios measured against the HTTP and SQL floors")
	flag.BoolVar(&o.smoke, "smoke", false, "tiny data, 1 s cells, clients 1,4: checks that the benchmark runs")
	flag.IntVar(&o.pool, "pool", 10, "database pool size of rowgate and of both floors")
	flag.IntVar(&o.data.Rows, "rows", 100000, "rows in items")
	flag.IntVar(&o.data.Users, "users", 1000, "users owning the items")
	flag.StringVar(&o.out, "out", "", "results root (default <module>/bench/results)")
	flag.StringVar(&o.rowgateBin, "rowgate-bin", "", "use this rowgate binary instead of building one")
	flag.IntVar(&o.maxUnique, "max-unique-tokens", 150000, "cap on tokens pre-minted for one GETSingleUniqueJWT cell")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (cluster, logs) for inspection")
	flag.Parse()
	if serveFloorSpec != "" {
		if err := serveFloor(serveFloorSpec); err != nil {
			fmt.Fprintln(os.Stderr, "loadbench floor:", err)
			os.Exit(1)
		}
		return
	}
	var err error
	if o.clients, err = parseInts(clients); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench: -clients:", err)
		os.Exit(2)
	}
	o.scenarios, o.floors = splitList(scen), splitList(floors)
	if o.smoke {
		o.applySmoke(flagSet())
	}
	o.data.Catalog = 1000
	o.log = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
	md, err := os.ReadFile(filepath.Join(dir, "results.md"))
	if err == nil {
		fmt.Println(string(md))
	}
	fmt.Fprintln(os.Stderr, "results in", dir)
	if o.smoke {
		// CI runs the smoke mode: any failed request is a failure of the run.
		if bad := failedCells(dir); len(bad) > 0 {
			fmt.Fprintln(os.Stderr, "loadbench: failed requests in", strings.Join(bad, ", "))
			os.Exit(1)
		}
	}
}

// failedCells lists the cells of a finished run that had transport errors
// or non-2xx answers.
func failedCells(dir string) []string {
	raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		return []string{"results.json: " + err.Error()}
	}
	var rp struct {
		Cells []*cell `json:"cells"`
	}
	if err := json.Unmarshal(raw, &rp); err != nil {
		return []string{"results.json: " + err.Error()}
	}
	var bad []string
	for _, c := range rp.Cells {
		if c.Errors > 0 || c.Non2xx > 0 {
			bad = append(bad, fmt.Sprintf("%s/%s@%d", c.Scenario, c.Target, c.Clients))
		}
	}
	return bad
}

// flagSet returns the names of the flags given on the command line.
func flagSet() map[string]bool {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// applySmoke shrinks everything not set explicitly.
func (o *options) applySmoke(set map[string]bool) {
	if !set["duration"] {
		o.duration = time.Second
	}
	if !set["warmup"] {
		o.warmup = 300 * time.Millisecond
	}
	if !set["clients"] {
		o.clients = []int{1, 4}
	}
	if !set["rows"] {
		o.data.Rows = 2000
	}
	if !set["users"] {
		o.data.Users = 20
	}
}

func scenarioNames() []string {
	var names []string
	for _, s := range allScenarios() {
		names = append(names, s.name)
	}
	return names
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, p := range splitList(s) {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", p)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("no concurrency given")
	}
	return out, nil
}

// moduleRoot finds the directory of rowgate's go.mod from the working
// directory upwards.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(data), "module github.com/rowgate/rowgate\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find rowgate's go.mod above the working directory")
		}
		dir = parent
	}
}

// selectScenarios resolves -scenarios.
func (o *options) selectScenarios() ([]*scenario, error) {
	all := allScenarios()
	if len(o.scenarios) == 0 {
		return all, nil
	}
	var out []*scenario
	for _, s := range all {
		if slices.Contains(o.scenarios, s.name) {
			out = append(out, s)
		}
	}
	for _, n := range o.scenarios {
		if !slices.ContainsFunc(all, func(s *scenario) bool { return s.name == n }) {
			return nil, fmt.Errorf("unknown scenario %q (have %s)", n, strings.Join(scenarioNames(), ", "))
		}
	}
	return out, nil
}

func (o *options) logf(format string, args ...any) {
	fmt.Fprintf(o.log, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// run performs the whole benchmark and returns the results directory.
func run(ctx context.Context, o options) (string, error) {
	scens, err := o.selectScenarios()
	if err != nil {
		return "", err
	}
	maxClients := slices.Max(o.clients)
	if o.data.Users < maxClients {
		return "", fmt.Errorf("%d users cannot give %d clients a user each", o.data.Users, maxClients)
	}
	if o.data.Rows < o.data.Users || o.data.Catalog < 1 {
		return "", errors.New("need at least one item per user and one catalog row")
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	if o.out == "" {
		o.out = filepath.Join(root, "bench", "results")
	}
	rp := &report{
		Started: time.Now(),
		Host:    hostInfo{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, NumCPU: runtime.NumCPU(), GoVersion: runtime.Version(), Commit: gitCommit(root)},
		Settings: settings{Duration: o.duration.String(), Warmup: o.warmup.String(), Clients: o.clients,
			Pool: o.pool, Data: o.data, Smoke: o.smoke, Scenario: names(scens)},
	}

	tmp, err := os.MkdirTemp("", "rowgate-bench-")
	if err != nil {
		return "", fmt.Errorf("create temp dir: %w", err)
	}
	if o.keep {
		o.logf("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	// Build rowgate while PostgreSQL starts and the data loads.
	bin := o.rowgateBin
	buildErr := make(chan error, 1)
	if bin == "" {
		bin = filepath.Join(tmp, "rowgate")
		o.logf("building rowgate (release: -trimpath -ldflags='-s -w')")
		go func() { buildErr <- buildRowgate(ctx, root, bin) }()
	} else {
		buildErr <- nil
	}

	cluster, err := localdb.Open(localdb.Options{
		Dir:           filepath.Join(tmp, "db"),
		UnsafeNoFsync: true,
		Settings:      map[string]string{"shared_buffers": "128MB", "max_connections": "100"},
	})
	if err != nil {
		<-buildErr
		return "", err
	}
	startCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	err = cluster.Start(startCtx)
	cancel()
	if err != nil {
		<-buildErr
		return "", fmt.Errorf("start postgres: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := cluster.Stop(sctx); err != nil {
			o.logf("stop postgres: %v", err)
		}
	}()
	o.logf("postgres started on port %d; loading %d items for %d users", cluster.Port(), o.data.Rows, o.data.Users)
	superURL := cluster.URL("bench")
	if err := setupDatabase(ctx, cluster.URL("postgres"), superURL, "bench", o.data); err != nil {
		<-buildErr
		return "", err
	}
	rp.Postgres = serverVersion(ctx, superURL)
	authURL := asUser(superURL, "authenticator")

	iss, err := newIssuer()
	if err != nil {
		<-buildErr
		return "", err
	}
	defer iss.close()
	tokens, err := iss.mintMany(maxClients, userName)
	if err != nil {
		<-buildErr
		return "", err
	}
	ts := newTargetSet(o.data, tokens)

	workdir := filepath.Join(tmp, "work")
	if err := os.MkdirAll(filepath.Join(workdir, "supabase"), 0o755); err != nil {
		<-buildErr
		return "", fmt.Errorf("create workdir: %w", err)
	}
	if err := os.WriteFile(filepath.Join(workdir, "supabase", "config.toml"), []byte(configTOML(iss.url, o.pool)), 0o644); err != nil {
		<-buildErr
		return "", fmt.Errorf("write config.toml: %w", err)
	}
	if err := <-buildErr; err != nil {
		return "", err
	}

	rg, err := startRowgate(bin, workdir, authURL, o.pool, filepath.Join(tmp, "rowgate.log"))
	if err != nil {
		return "", err
	}
	defer rg.stop()
	base := "http://" + rg.addr
	if err := waitReady(ctx, rg, base, ts); err != nil {
		return "", err
	}
	o.logf("rowgate %s ready at %s (pid %d)", rp.Host.Commit, base, rg.pid())

	queries, err := buildFloorQueries(ctx, authURL, floorScenarios(scens, o.floors))
	if err != nil {
		return "", err
	}
	pcfg, err := pgxpool.ParseConfig(authURL)
	if err != nil {
		return "", fmt.Errorf("parse floor pool url: %w", err)
	}
	pcfg.MaxConns = int32(o.pool)
	pcfg.ConnConfig.RuntimeParams["application_name"] = "loadbench-floor"
	floorPool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return "", fmt.Errorf("open floor pool: %w", err)
	}
	defer floorPool.Close()
	anonFor := map[string]bool{}
	for _, sc := range scens {
		anonFor[sc.name] = sc.anon
	}
	// The HTTP floor runs in its own process, as rowgate does.
	fs, err := startFloorProcess(filepath.Join(tmp, "floor.json"), floorSpecFor(authURL, o.pool, queries, ts.ids, anonFor))
	if err != nil {
		return "", err
	}
	defer fs.close()
	anonID := &floorIdentity{role: "anon", claims: `{"role":"anon"}`}
	rp.FloorMatches = checkFloorBodies(ctx, base, fs.url, scens, queries, ts)

	for _, clients := range o.clients {
		for _, sc := range scens {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			if fq := queries[sc.name]; fq != nil {
				c := &cell{Scenario: sc.name, Target: targetSQLFloor, Clients: clients}
				runSQL(ctx, floorPool, fq, sc, ts, anonID, clients, o.warmup, o.duration).finish(c)
				o.logCell(c)
				rp.Cells = append(rp.Cells, c)
				c = &cell{Scenario: sc.name, Target: targetHTTPFloor, Clients: clients}
				runHTTP(ctx, ts.floorTargeter(fs.url, sc, clients), clients, o.warmup, o.duration).finish(c)
				o.logCell(c)
				rp.Cells = append(rp.Cells, c)
			}
			c, err := o.rowgateCell(ctx, rp, rg, base, sc, ts, iss, clients)
			if err != nil {
				return "", err
			}
			rp.Cells = append(rp.Cells, c)
		}
	}

	if st, err := readProcStats(rg.pid()); err == nil {
		rp.RowgateCPU = st.CPUSeconds
	}
	for _, c := range rp.Cells {
		rp.RowgatePeak = max(rp.RowgatePeak, c.PeakRSSBytes)
	}
	rp.Notes = append(rp.Notes,
		"GETSingleUniqueJWT tokens are minted before each cell (outside the timed loop) by the load generator, one per timed request; its warm-up reuses the per-client tokens.",
		"The HTTP floor runs in a process of its own (loadbench -serve-floor), as rowgate does, so both pay the same cross-process costs; the SQL floor runs in the load generator.",
		"Latency is measured by the load generator from just before the target is built to the last body byte.")
	rp.Finished = time.Now()
	rp.computeRatios()
	dir := filepath.Join(o.out, rp.Started.UTC().Format("20060102-150405"))
	if o.smoke {
		dir += "-smoke"
	}
	if err := rp.write(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// rowgateCell measures one scenario against rowgate, with its CPU time and
// peak RSS during the cell.
func (o *options) rowgateCell(ctx context.Context, rp *report, rg *rowgateProc, base string, sc *scenario, ts *targetSet, iss *issuer, clients int) (*cell, error) {
	c := &cell{Scenario: sc.name, Target: targetRowgate, Clients: clients}
	var up *uniquePool
	if sc.unique {
		rate := 3000.0
		if g := rp.find("GETSingle", targetRowgate, clients); g != nil && g.RPS > 0 {
			rate = g.RPS
		}
		n := min(o.maxUnique, int(rate*o.duration.Seconds()*0.9)+200)
		t0 := time.Now()
		toks, err := iss.mintMany(n, func(i int) string { return userName(i % clients) })
		if err != nil {
			return nil, err
		}
		c.Note = fmt.Sprintf("%d tokens pre-minted in %.1f s", n, time.Since(t0).Seconds())
		up = &uniquePool{tokens: toks}
	}
	if err := resetPeakRSS(rg.pid()); err != nil {
		c.Note = strings.TrimPrefix(c.Note+"; "+err.Error(), "; ")
	}
	if _, err := readProcStats(rg.pid()); err != nil {
		return nil, fmt.Errorf("rowgate stats: %w (log: %s)", err, rg.logTail(20))
	}
	tr := ts.rowgateTargeter(base, sc, clients, up)
	if up != nil {
		up.timedFrom = time.Now().Add(o.warmup)
	}
	// CPU time is sampled when the warm-up ends, so it covers the timed phase.
	beforeCh := make(chan procStats, 1)
	timer := time.AfterFunc(o.warmup, func() {
		st, _ := readProcStats(rg.pid())
		beforeCh <- st
	})
	rec := runHTTP(ctx, tr, clients, o.warmup, o.duration)
	rec.finish(c)
	if rg.exited() {
		return nil, fmt.Errorf("rowgate exited during %s@%d: %v\n%s", sc.name, clients, rg.waitErr, rg.logTail(30))
	}
	after, err := readProcStats(rg.pid())
	if err != nil {
		return nil, fmt.Errorf("rowgate stats: %w", err)
	}
	var before procStats
	if timer.Stop() {
		before.CPUSeconds = after.CPUSeconds // the cell ended before its warm-up did
	} else {
		before = <-beforeCh
	}
	c.CPUSeconds = after.CPUSeconds - before.CPUSeconds
	if c.Requests > 0 {
		c.CPUusPerReq = c.CPUSeconds / float64(c.Requests) * 1e6
	}
	c.PeakRSSBytes = after.HWMBytes
	if up != nil && up.exhausted.Load() {
		c.Note += fmt.Sprintf("; tokens ran out after %.1f s of the %s timed phase (req/s is over that time)", c.Seconds, o.duration)
	}
	o.logCell(c)
	return c, nil
}

func (o *options) logCell(c *cell) {
	o.logf("%-20s %-10s c=%-3d %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  err %d  non-2xx %d",
		c.Scenario, c.Target, c.Clients, c.RPS, c.P50ms, c.P99ms, c.Errors, c.Non2xx)
}

func names(scens []*scenario) []string {
	var out []string
	for _, s := range scens {
		out = append(out, s.name)
	}
	return out
}

// floorScenarios returns the selected GET scenarios named in floors.
func floorScenarios(scens []*scenario, floors []string) []*scenario {
	var out []*scenario
	for _, s := range scens {
		if s.floorable() && !s.unique && slices.Contains(floors, s.name) {
			out = append(out, s)
		}
	}
	return out
}

// asUser returns u with its user name replaced.
func asUser(u, user string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	parsed.User = url.User(user)
	return parsed.String()
}

func serverVersion(ctx context.Context, dbURL string) string {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "unknown"
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "show server_version").Scan(&v); err != nil {
		return "unknown"
	}
	return v
}

func gitCommit(root string) string {
	out, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// waitReady polls a GETSingle request until rowgate answers 200 (its schema
// cache and the issuer's keys are loaded), for at most 60 s.
func waitReady(ctx context.Context, rg *rowgateProc, base string, ts *targetSet) error {
	deadline := time.Now().Add(60 * time.Second)
	u := base + "/rest/v1/items?id=eq." + strconv.Itoa(ts.d.rowOf(0, 0)) + "&select=id"
	last := ""
	for {
		if rg.exited() {
			return fmt.Errorf("rowgate exited: %v\n%s", rg.waitErr, rg.logTail(30))
		}
		code, body, err := get(ctx, u, ts.headers[0])
		if err == nil && code == http.StatusOK {
			return nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("%d %s", code, body)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("rowgate not ready after 60 s: last answer %s\n%s", last, rg.logTail(30))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond): // polling an external process
		}
	}
}

func get(ctx context.Context, u string, h http.Header) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header = h.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b), err
}

// checkFloorBodies asks rowgate and the HTTP floor the same question for
// each floor scenario and reports whether the bodies are identical, which
// shows the floor replays the statement rowgate runs.
func checkFloorBodies(ctx context.Context, base, floorURL string, scens []*scenario, queries map[string]*floorQuery, ts *targetSet) []string {
	var out []string
	for _, sc := range scens {
		if queries[sc.name] == nil {
			continue
		}
		key := ""
		if sc.key != nil {
			key = sc.key(ts.d, 0)
		}
		h := ts.headers[0]
		if sc.anon {
			h = ts.anonHdr
		}
		rcode, rbody, rerr := get(ctx, base+"/rest/v1"+sc.path+"?"+strings.ReplaceAll(sc.query, "{key}", key), h)
		fcode, fbody, ferr := get(ctx, floorURL+"/floor/"+sc.name+"?u=0&k="+key, h)
		switch {
		case rerr != nil || ferr != nil:
			out = append(out, fmt.Sprintf("floor check %s: request failed (rowgate: %v, floor: %v)", sc.name, rerr, ferr))
		case rcode != http.StatusOK || fcode != http.StatusOK:
			out = append(out, fmt.Sprintf("floor check %s: status rowgate %d, floor %d (rowgate said %s)", sc.name, rcode, fcode, clip(rbody)))
		case rbody == fbody:
			out = append(out, fmt.Sprintf("floor check %s: the floor's body is byte-identical to rowgate's (%d bytes)", sc.name, len(rbody)))
		default:
			out = append(out, fmt.Sprintf("floor check %s: bodies DIFFER — rowgate %s / floor %s", sc.name, clip(rbody), clip(fbody)))
		}
	}
	return out
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
