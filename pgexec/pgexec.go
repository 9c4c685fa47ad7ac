package pgexec

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rowgate/rowgate"
)

// Options configures a Pool.
type Options struct {
	// MaxConns is the pool size (default 10, PostgREST's db-pool).
	MaxConns int32
	// AcquireTimeout bounds the wait for a pooled connection (default 10 s);
	// past it a request fails with 504 PGRST003.
	AcquireTimeout time.Duration
	// ApplicationName is reported to PostgreSQL (default "rowgate").
	ApplicationName string
	// MaxPrepared bounds the statements prepared per connection (default
	// DefaultMaxPrepared, at least 5: the statements of one request); the
	// least recently used are deallocated.
	MaxPrepared int
}

// Pool is a pool of connections logged in as the authenticator role.
type Pool struct {
	pool           *pgxpool.Pool
	acquireTimeout time.Duration
	roleSettings   atomic.Pointer[map[string][]Setting]
	stmts          caches
	maxPrepared    int
}

// Setting is one configuration parameter applied with set_config inside a
// request's transaction, such as a role's ALTER ROLE … SET statement_timeout.
type Setting struct{ Name, Value string }

// Open creates a pool for connString. It does not wait for the database to
// be reachable: the pool connects lazily and reconnects on its own.
func Open(ctx context.Context, connString string, opts Options) (*Pool, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	cfg.MaxConns = 10
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	cfg.MaxConnLifetime = 30 * time.Minute
	cfg.MaxConnIdleTime = 5 * time.Minute
	name := opts.ApplicationName
	if name == "" {
		name = "rowgate"
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = name
	// Requests prepare their statements themselves (see Run). Other uses of
	// the pool (schema introspection) must not leave pgx-prepared
	// statements behind either, as those would be described as the
	// authenticator role: they use the unnamed statement.
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	// Connection attempts must not hang a request for long.
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > 5*time.Second {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	p := &Pool{acquireTimeout: opts.AcquireTimeout, stmts: caches{m: map[*pgconn.PgConn]*stmtCache{}}}
	p.maxPrepared = opts.MaxPrepared
	switch {
	case p.maxPrepared <= 0:
		p.maxPrepared = DefaultMaxPrepared
	case p.maxPrepared < maxSteps:
		// Eviction must never drop a statement of the request being sent.
		p.maxPrepared = maxSteps
	}
	cfg.BeforeClose = func(c *pgx.Conn) { p.forget(c.PgConn()) }
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	p.pool = pool
	if p.acquireTimeout <= 0 {
		p.acquireTimeout = 10 * time.Second
	}
	empty := map[string][]Setting{}
	p.roleSettings.Store(&empty)
	return p, nil
}

// Close closes every connection.
func (p *Pool) Close() { p.pool.Close() }

// PGX returns the underlying pgx pool, for schema introspection and health
// checks.
func (p *Pool) PGX() *pgxpool.Pool { return p.pool }

// Stat reports pool statistics for metrics.
func (p *Pool) Stat() *pgxpool.Stat { return p.pool.Stat() }

// Ping checks that a connection can be acquired and used.
func (p *Pool) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return p.pool.Ping(ctx)
}

// LoadRoleSettings reads the per-role settings (ALTER ROLE … SET) that
// PostgREST applies when it impersonates a role, because SET ROLE alone does
// not apply them. It is called at start and on schema reloads.
func (p *Pool) LoadRoleSettings(ctx context.Context) error {
	rows, err := p.pool.Query(ctx, `
select r.rolname, split_part(c.cfg, '=', 1), substr(c.cfg, strpos(c.cfg, '=') + 1)
from pg_catalog.pg_db_role_setting s
join pg_catalog.pg_roles r on r.oid = s.setrole
cross join lateral unnest(s.setconfig) as c(cfg)
where s.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))
order by r.rolname, s.setdatabase`)
	if err != nil {
		return fmt.Errorf("load role settings: %w", err)
	}
	m := map[string][]Setting{}
	for rows.Next() {
		var role string
		var s Setting
		if err := rows.Scan(&role, &s.Name, &s.Value); err != nil {
			return fmt.Errorf("load role settings: %w", err)
		}
		// Only settings that are safe and meaningful per transaction.
		switch s.Name {
		case "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout",
			"default_transaction_isolation", "search_path", "work_mem", "plan_cache_mode":
			if s.Name == "search_path" {
				continue // the request chooses the search_path
			}
			m[role] = append(m[role], s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load role settings: %w", err)
	}
	p.roleSettings.Store(&m)
	return nil
}

// Request is what one Data API request runs.
type Request struct {
	// SearchPath is the chosen schema followed by the extra search path.
	SearchPath []string
	// Role is the PostgreSQL role to impersonate (SET LOCAL ROLE).
	Role string
	// Claims is the request.jwt.claims JSON document.
	Claims []byte
	// Subject is the claims' "sub" (also exposed as request.jwt.claim.sub for
	// older auth.uid() definitions); "" when absent.
	Subject string
	Method  string
	Path    string
	// Headers and Cookies are JSON objects (header names lower-cased,
	// Cookie excluded from Headers).
	Headers []byte
	Cookies []byte
	// Timezone is Prefer: timezone=…; "" for none.
	Timezone string
	// ReadOnly starts a READ ONLY transaction.
	ReadOnly bool
	// Main is the main statement.
	Main Statement
	// Extra is an optional statement run just before Main, in the same
	// transaction, pipeline and settings: the EXPLAIN of a count query for
	// Prefer: count=planned and count=estimated. Its rows go to ExtraScan,
	// which must be set with it; if ExtraScan fails, the transaction is
	// rolled back and Main's rows are not scanned.
	Extra *Statement
	// ExtraScan reads Extra's rows; it is called at most once per attempt.
	ExtraScan func(rows pgx.Rows) error
}

// Statement is SQL text with its bind parameters.
type Statement struct {
	SQL  string
	Args []any
}

// Result lets the caller read the main statement's rows and decide how the
// transaction ends.
type Result interface {
	// Scan reads the main statement's result; it is called exactly once.
	Scan(rows pgx.Rows) error
}

// ScanFunc adapts a function to Result.
type ScanFunc func(rows pgx.Rows) error

// Scan implements Result.
func (f ScanFunc) Scan(rows pgx.Rows) error { return f(rows) }

// ErrRollback may be returned by a Result's Scan to end the transaction with
// ROLLBACK while still reporting success to the caller (Prefer: tx=rollback).
var ErrRollback = errors.New("rollback requested")

// Run executes req in one transaction. scan reads the main statement's rows.
// If scan returns an error (other than ErrRollback), the transaction is
// rolled back and that error returned. Reads (req.ReadOnly) are sent in one
// pipelined round trip.
//
// A pooled connection whose server went away (a restart sends FATAL 57P01 to
// idle sessions, which is read only at their next use) fails at BEGIN,
// before anything ran; Run then retries once on a fresh connection, so the
// first request after a restart succeeds and one during an outage gets 503
// PGRST000 with Retry-After.
func (p *Pool) Run(ctx context.Context, req *Request, scan func(rows pgx.Rows) error) error {
	deadConn, err := p.runOnce(ctx, req, scan)
	if deadConn && ctx.Err() == nil {
		_, err = p.runOnce(ctx, req, scan)
	}
	return err
}

// runOnce is one attempt of Run. deadConn reports that BEGIN failed and the
// connection is closed: nothing ran and scan was not called.
func (p *Pool) runOnce(ctx context.Context, req *Request, scan func(rows pgx.Rows) error) (deadConn bool, err error) {
	conn, err := p.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Release()
	c := conn.Conn()
	pc := c.PgConn()

	settingsText, settingsVals := p.settings(req)
	mainVals, err := textParams(req.Main.Args)
	if err != nil {
		return false, err
	}
	if req.Extra != nil && req.ExtraScan == nil {
		return false, fmt.Errorf("pgexec: Extra statement without ExtraScan")
	}
	begin := "begin isolation level read committed read write"
	if req.ReadOnly {
		begin = "begin isolation level read committed read only"
	}
	steps := []step{{sql: begin}, {sql: settingsText, vals: settingsVals}}
	if req.Extra != nil {
		extraVals, err := textParams(req.Extra.Args)
		if err != nil {
			return false, err
		}
		steps = append(steps, step{sql: req.Extra.SQL, vals: extraVals, scan: req.ExtraScan})
	}
	steps = append(steps, step{sql: req.Main.SQL, vals: mainVals, scan: scan})
	if req.ReadOnly {
		// The result cannot change what a read-only transaction did, so
		// COMMIT goes in the same round trip.
		steps = append(steps, step{sql: "commit"})
	}
	stmts := p.statements(pc)
	var evict []string
	for i := range steps {
		var ev []string
		steps[i].name, steps[i].desc, ev = stmts.lookup(steps[i].sql)
		evict = append(evict, ev...)
	}

	// One pipeline, one round trip: BEGIN, the settings, the optional extra
	// statement, the main statement
	// (parsed after the role switch, so privileges are the impersonated
	// role's), and for reads COMMIT. Every statement is prepared once per
	// connection and then only bound and executed.
	pl := pc.StartPipeline(ctx)
	// Evicted statements go first: nothing before them can fail, so the
	// server really drops them.
	for _, old := range evict {
		pl.SendDeallocate(old)
	}
	for _, st := range steps {
		if st.desc != nil {
			// Known result shape: bind and execute, no Describe.
			pl.SendQueryStatement(st.desc, st.vals, nil, nil)
			continue
		}
		pl.SendPrepare(st.name, st.sql, nil)
		pl.SendQueryPrepared(st.name, st.vals, nil, nil)
	}
	pl.SendPipelineSync()

	beginFailed := false
	runErr := func() error {
		if err := pl.Flush(); err != nil {
			beginFailed = true
			return fmt.Errorf("send: %w", err)
		}
		for range evict {
			if _, err := pl.GetResults(); err != nil {
				beginFailed = true
				return fmt.Errorf("deallocate: %w", err)
			}
		}
		for i, st := range steps {
			if st.desc == nil {
				res, err := pl.GetResults()
				if err != nil {
					beginFailed = i == 0
					return err
				}
				sd, ok := res.(*pgconn.StatementDescription)
				if !ok {
					return fmt.Errorf("prepare: unexpected %T", res)
				}
				sd.Name, sd.SQL = st.name, st.sql
				stmts.add(sd)
			}
			res, err := pl.GetResults()
			if err != nil {
				beginFailed = i == 0
				return err
			}
			rr, ok := res.(*pgconn.ResultReader)
			if !ok {
				return fmt.Errorf("statement %d: unexpected %T", i+1, res)
			}
			if st.scan == nil {
				if _, err := rr.Close(); err != nil {
					beginFailed = i == 0
					return err
				}
				continue
			}
			rows := pgx.RowsFromResultReader(c.TypeMap(), rr)
			scanErr := st.scan(rows)
			rows.Close()
			if scanErr != nil {
				return scanErr
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	}()
	// Close drains what is left up to the sync point.
	if err := pl.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if req.ReadOnly && runErr == nil {
		return false, nil
	}
	if beginFailed && pc.IsClosed() {
		return true, classify(runErr)
	}
	end := "commit"
	if runErr != nil {
		end = "rollback"
	}
	// A requested rollback (Prefer: tx=rollback) still checks deferred
	// constraints first, as PostgREST does, so the client learns that the
	// request would have failed.
	if errors.Is(runErr, ErrRollback) && !pc.IsClosed() && pc.TxStatus() == 'T' {
		if _, err := c.Exec(context.WithoutCancel(ctx), "set constraints all immediate"); err != nil {
			runErr = err
		}
	}
	// After a failed pipeline the connection sits in an aborted transaction;
	// end it so the connection can go back to the pool.
	if !pc.IsClosed() && pc.TxStatus() != 'I' {
		if _, err := c.Exec(context.WithoutCancel(ctx), end); err != nil && runErr == nil {
			runErr = fmt.Errorf("%s: %w", end, err)
		}
	}
	if errors.Is(runErr, ErrRollback) {
		return false, nil
	}
	return false, classify(runErr)
}

// maxSteps is the most statements one request prepares: BEGIN, the
// settings, the extra statement, the main statement and COMMIT.
const maxSteps = 5

// step is one statement of a request's pipeline.
type step struct {
	sql  string
	vals [][]byte
	name string
	// desc is the prepared statement's description, nil when this request
	// prepares it.
	desc *pgconn.StatementDescription
	// scan reads the statement's rows (the main statement's and the
	// optional extra one's); nil discards them.
	scan func(rows pgx.Rows) error
}

// textParams encodes arguments in text format: PostgreSQL infers their
// types (unknown, OID 0) from the statement, as for PostgREST's literals.
func textParams(args []any) ([][]byte, error) {
	if len(args) == 0 {
		return nil, nil
	}
	vals := make([][]byte, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case nil:
		case string:
			vals[i] = []byte(v)
		case []byte:
			vals[i] = v
		default:
			return nil, fmt.Errorf("pgexec: argument %d has type %T; arguments must be strings", i+1, a)
		}
	}
	return vals, nil
}

func (p *Pool) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, p.acquireTimeout)
	defer cancel()
	conn, err := p.pool.Acquire(actx)
	if err == nil {
		return conn, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// Either the pool is exhausted or the server does not answer a
		// connection attempt in time.
		if p.pool.Stat().TotalConns() >= p.pool.Config().MaxConns {
			return nil, PoolTimeoutError()
		}
	}
	return nil, ConnectionError(err)
}

// settings builds the one set_config statement of §3.2 and its values.
func (p *Pool) settings(req *Request) (string, [][]byte) {
	role := (*p.roleSettings.Load())[req.Role]
	vals := make([][]byte, 0, 10+2*len(role))
	vals = append(vals, []byte(quoteSearchPath(req.SearchPath)))
	for _, s := range role {
		vals = append(vals, []byte(s.Name), []byte(s.Value))
	}
	vals = append(vals,
		[]byte(req.Role),
		req.Claims,
		[]byte(req.Subject),
		[]byte(req.Role),
		[]byte(req.Method),
		[]byte(req.Path),
		[]byte(orEmptyObject(req.Headers)),
		[]byte(orEmptyObject(req.Cookies)),
	)
	if req.Timezone != "" {
		vals = append(vals, []byte(req.Timezone))
	}
	return settingsSQL(len(role), req.Timezone != ""), vals
}

// settingsSQLs memoises settingsSQL: its text depends only on how many role
// settings there are and whether a timezone is set.
var settingsSQLs sync.Map // settingsKey → string

type settingsKey struct {
	roleSettings int
	timezone     bool
}

// settingsSQL is the set_config statement for a request with n role
// settings; the parameters follow the order of Pool.settings.
func settingsSQL(n int, timezone bool) string {
	key := settingsKey{n, timezone}
	if s, ok := settingsSQLs.Load(key); ok {
		return s.(string)
	}
	var sb strings.Builder
	i := 0
	param := func() string { i++; return "$" + strconv.Itoa(i) }
	sb.WriteString("select set_config('search_path', " + param() + ", true)")
	for range n {
		sb.WriteString(", set_config(" + param() + ", ")
		sb.WriteString(param() + ", true)")
	}
	for _, name := range []string{"role", "request.jwt.claims", "request.jwt.claim.sub", "request.jwt.claim.role",
		"request.method", "request.path", "request.headers", "request.cookies"} {
		sb.WriteString(", set_config('" + name + "', " + param() + ", true)")
	}
	if timezone {
		sb.WriteString(", set_config('timezone', " + param() + ", true)")
	}
	s := sb.String()
	settingsSQLs.Store(key, s)
	return s
}

func orEmptyObject(b []byte) string {
	if len(b) == 0 {
		return "{}"
	}
	return string(b)
}

// quoteSearchPath renders schemas as a search_path value: each name in
// double quotes with embedded quotes doubled.
func quoteSearchPath(schemas []string) string {
	var sb strings.Builder
	for i, s := range schemas {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('"')
		sb.WriteString(strings.ReplaceAll(s, `"`, `""`))
		sb.WriteByte('"')
	}
	return sb.String()
}

// classify turns connection-level failures into PostgREST's 503 errors and
// leaves PostgreSQL errors (*pgconn.PgError) for the caller to map.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return err
	}
	var rgErr *rowgate.Error
	if errors.As(err, &rgErr) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if pgconn.SafeToRetry(err) || isConnErr(err) {
		return ConnectionError(err)
	}
	return err
}

func isConnErr(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "conn closed") || strings.Contains(s, "connection reset") ||
		strings.Contains(s, "broken pipe") || strings.Contains(s, "unexpected EOF") ||
		strings.Contains(s, "failed to connect")
}

// ConnectionError is 503 PGRST000 with a Retry-After header; details carry
// the driver's message, as PostgREST's do.
func ConnectionError(cause error) *rowgate.Error {
	e := rowgate.Errorf(http.StatusServiceUnavailable, rowgate.CodeDBConnection, "Database connection error. Retrying the connection.")
	if cause != nil {
		e.Details = cause.Error()
	}
	e.Header = http.Header{"Retry-After": {"1"}}
	return e
}

// PoolTimeoutError is 504 PGRST003.
func PoolTimeoutError() *rowgate.Error {
	return rowgate.Errorf(http.StatusGatewayTimeout, rowgate.CodePoolTimeout, "Timed out acquiring connection from connection pool.")
}
