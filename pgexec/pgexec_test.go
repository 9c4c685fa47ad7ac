package pgexec_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	neturl "net/url"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/internal/pgtest"
	"github.com/rowgate/rowgate/pgexec"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func setup(t *testing.T) (*pgexec.Pool, string) {
	t.Helper()
	url := pgtest.NewDB(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `
create table public.notes (id int primary key, owner text not null, body text);
alter table public.notes enable row level security;
create policy own on public.notes for all to authenticated
  using ((select auth.jwt()->>'sub') = owner) with check ((select auth.jwt()->>'sub') = owner);
grant all on public.notes to anon, authenticated;
insert into public.notes values (1, 'user_a', 'a1'), (2, 'user_b', 'b1');
alter role authenticated set statement_timeout = '1234ms';
create schema private_api;
revoke all on schema private_api from public;
grant usage on schema private_api to authenticated;
create table private_api.secrets (v text);
grant select on private_api.secrets to authenticated;
insert into private_api.secrets values ('only for authenticated');
`)
	if err != nil {
		t.Fatal(err)
	}
	// Log in as the authenticator role, as rowgate does in production, so
	// privilege checks are the impersonated role's, not a superuser's.
	p, err := pgexec.Open(ctx, asAuthenticator(t, url), pgexec.Options{MaxConns: 2, AcquireTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if err := p.LoadRoleSettings(ctx); err != nil {
		t.Fatal(err)
	}
	return p, url
}

func req(role, sub string, readOnly bool, sql string, args ...any) *pgexec.Request {
	claims, _ := json.Marshal(map[string]any{"role": role, "sub": sub})
	return &pgexec.Request{
		SearchPath: []string{"public", "extensions"},
		Role:       role,
		Claims:     claims,
		Subject:    sub,
		Method:     "GET",
		Path:       "/notes",
		Headers:    []byte(`{"x-test":"1"}`),
		ReadOnly:   readOnly,
		Main:       pgexec.Statement{SQL: sql, Args: args},
	}
}

func scanStrings(out *[]string) func(pgx.Rows) error {
	return func(rows pgx.Rows) error {
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return err
			}
			*out = append(*out, s)
		}
		return rows.Err()
	}
}

func TestRunSettingsReachSQL(t *testing.T) {
	p, _ := setup(t)
	var got []string
	err := p.Run(context.Background(), req("authenticated", "user_a", true, `
select concat_ws('|', current_user, current_setting('search_path'), auth.jwt()->>'sub',
  current_setting('request.jwt.claim.sub'), current_setting('request.method'), current_setting('request.path'),
  current_setting('request.headers')::json->>'x-test', current_setting('transaction_read_only'),
  current_setting('statement_timeout'))`), scanStrings(&got))
	if err != nil {
		t.Fatal(err)
	}
	want := `authenticated|"public", "extensions"|user_a|user_a|GET|/notes|1|on|1234ms`
	if len(got) != 1 || got[0] != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestRunRLS(t *testing.T) {
	p, _ := setup(t)
	for _, tc := range []struct {
		role, sub string
		want      []string
	}{
		{"authenticated", "user_a", []string{"a1"}},
		{"authenticated", "user_b", []string{"b1"}},
		{"anon", "", nil},
	} {
		var got []string
		if err := p.Run(context.Background(), req(tc.role, tc.sub, true, `select body from notes order by id`), scanStrings(&got)); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
			t.Errorf("%s %s: got %q, want %q", tc.role, tc.sub, got, tc.want)
		}
	}
}

func TestRunBindParametersAsText(t *testing.T) {
	p, _ := setup(t)
	var got []string
	// Strings are sent in text format, so PostgreSQL coerces them to the
	// parameter's inferred type (int here) as PostgREST's unknown literals.
	if err := p.Run(context.Background(), req("authenticated", "user_a", true, `select body from notes where id = $1`, "1"), scanStrings(&got)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "a1" {
		t.Fatalf("got %q", got)
	}
}

func TestRunFailedRequestChangesNothing(t *testing.T) {
	p, url := setup(t)
	ctx := context.Background()
	// The insert succeeds, then the scan function fails: everything rolls back.
	r := req("authenticated", "user_a", false, `insert into notes values (3, 'user_a', 'a2') returning body`)
	boom := errors.New("caller refused")
	err := p.Run(ctx, r, func(rows pgx.Rows) error { rows.Close(); return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	// RLS WITH CHECK failure: 42501 passes through, nothing is written.
	r = req("authenticated", "user_a", false, `insert into notes values (4, 'user_b', 'sneaky') returning body`)
	err = p.Run(ctx, r, func(rows pgx.Rows) error {
		for rows.Next() {
		}
		return rows.Err()
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Fatalf("err = %v, want 42501", err)
	}
	// Writes in a READ ONLY transaction fail with 25006.
	err = p.Run(ctx, req("authenticated", "user_a", true, `insert into notes values (5, 'user_a', 'x') returning body`), scanStrings(new([]string)))
	if !errors.As(err, &pgErr) || pgErr.Code != "25006" {
		t.Fatalf("err = %v, want 25006", err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `select count(*) from notes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("notes has %d rows, want 2 (failed requests must change nothing)", n)
	}
	// The pool still works after the failures (connections were cleaned).
	var got []string
	if err := p.Run(ctx, req("authenticated", "user_b", true, `select body from notes`), scanStrings(&got)); err != nil || len(got) != 1 {
		t.Fatalf("after failures: %q, %v", got, err)
	}
}

func TestRunCommitsWrites(t *testing.T) {
	p, _ := setup(t)
	ctx := context.Background()
	var got []string
	if err := p.Run(ctx, req("authenticated", "user_a", false, `insert into notes values (3, 'user_a', 'a2') returning body`), scanStrings(&got)); err != nil {
		t.Fatal(err)
	}
	got = nil
	if err := p.Run(ctx, req("authenticated", "user_a", true, `select body from notes order by id`), scanStrings(&got)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1] != "a2" {
		t.Fatalf("got %q", got)
	}
}

func TestRunRollbackRequested(t *testing.T) {
	p, _ := setup(t)
	ctx := context.Background()
	err := p.Run(ctx, req("authenticated", "user_a", false, `insert into notes values (3, 'user_a', 'a2') returning body`), func(rows pgx.Rows) error {
		for rows.Next() {
		}
		return pgexec.ErrRollback
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := p.Run(ctx, req("authenticated", "user_a", true, `select body from notes`), scanStrings(&got)); err != nil || len(got) != 1 {
		t.Fatalf("rollback not applied: %q %v", got, err)
	}
}

func TestRunUnknownRole(t *testing.T) {
	p, _ := setup(t)
	err := p.Run(context.Background(), req("no_such_role", "", true, `select 'x'`), scanStrings(new([]string)))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "22023" {
		t.Fatalf("err = %v, want 22023", err)
	}
}

func TestUnreachableDatabase(t *testing.T) {
	ctx := context.Background()
	p, err := pgexec.Open(ctx, "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", pgexec.Options{AcquireTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	err = p.Run(ctx, req("anon", "", true, `select 'x'`), scanStrings(new([]string)))
	var rg *rowgate.Error
	if !errors.As(err, &rg) || rg.Code != rowgate.CodeDBConnection || rg.Status != http.StatusServiceUnavailable || rg.Header.Get("Retry-After") == "" {
		t.Fatalf("err = %#v, want 503 PGRST000 with Retry-After", err)
	}
}

func TestPoolTimeout(t *testing.T) {
	url := pgtest.NewDB(t)
	ctx := context.Background()
	p, err := pgexec.Open(ctx, url, pgexec.Options{MaxConns: 1, AcquireTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	held, err := p.PGX().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	err = p.Run(ctx, req("anon", "", true, `select 'x'`), scanStrings(new([]string)))
	var rg *rowgate.Error
	if !errors.As(err, &rg) || rg.Code != rowgate.CodePoolTimeout || rg.Status != http.StatusGatewayTimeout {
		t.Fatalf("err = %v, want 504 PGRST003", err)
	}
}

// TestRunRoleAppliesBeforeParse guards against the main statement being
// parsed (or described) as the pool's login role: a schema only the
// impersonated role may use must work.
func TestRunRoleAppliesBeforeParse(t *testing.T) {
	p, _ := setup(t)
	ctx := context.Background()
	var got []string
	if err := p.Run(ctx, req("authenticated", "user_a", true, `select v from private_api.secrets`), scanStrings(&got)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "only for authenticated" {
		t.Fatalf("got %q", got)
	}
	err := p.Run(ctx, req("anon", "", true, `select v from private_api.secrets`), scanStrings(new([]string)))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Fatalf("anon: err = %v, want 42501", err)
	}
}

func asAuthenticator(t *testing.T, url string) string {
	t.Helper()
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	u.User = neturl.User("authenticator")
	return u.String()
}

// TestPreparedStatementsBounded: statements are prepared once per
// connection and the least recently used are deallocated on the server, so
// a connection never holds more than MaxPrepared of them.
func TestPreparedStatementsBounded(t *testing.T) {
	url := pgtest.NewDB(t)
	ctx := context.Background()
	p, err := pgexec.Open(ctx, asAuthenticator(t, url), pgexec.Options{MaxConns: 1, MaxPrepared: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	count := func() int {
		var got []string
		// The counting statement itself is prepared too; it is counted.
		if err := p.Run(ctx, req("anon", "", true, `select count(*)::text from pg_prepared_statements`), scanStrings(&got)); err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(got[0])
		return n
	}
	for i := range 20 {
		var got []string
		sql := "select $1::text || '" + strconv.Itoa(i) + "'"
		if err := p.Run(ctx, req("anon", "", true, sql, "v"), scanStrings(&got)); err != nil {
			t.Fatal(err)
		}
		if want := "v" + strconv.Itoa(i); len(got) != 1 || got[0] != want {
			t.Fatalf("got %q, want %q", got, want)
		}
		if n := count(); n > 5 {
			t.Fatalf("after %d statements the connection holds %d prepared statements, want at most 5", i+1, n)
		}
	}
	// A statement used again is served from the cache: the count of
	// prepared statements does not grow.
	before := count()
	for range 3 {
		if err := p.Run(ctx, req("anon", "", true, `select 'again'`), scanStrings(new([]string))); err != nil {
			t.Fatal(err)
		}
	}
	if after := count(); after > before+1 {
		t.Fatalf("re-running one statement prepared %d new statements", after-before)
	}
}

// scanPlanRows reads the top plan's row estimate from EXPLAIN (FORMAT JSON).
func scanPlanRows(out *float64) func(pgx.Rows) error {
	return func(rows pgx.Rows) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return errors.New("explain returned no row")
		}
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return err
		}
		var plan []struct {
			Plan struct {
				Rows float64 `json:"Plan Rows"`
			}
		}
		if err := json.Unmarshal(raw, &plan); err != nil || len(plan) != 1 {
			return errors.New("unexpected explain output: " + string(raw))
		}
		*out = plan[0].Plan.Rows
		return rows.Err()
	}
}

// TestRunExtraStatement runs a parameterised EXPLAIN before the main
// statement in the same pipeline: the unknown-typed parameter is inferred
// (int) and its value reaches the planner, the statement is prepared once
// and reused, and a failing ExtraScan aborts the request before the main
// rows are read.
func TestRunExtraStatement(t *testing.T) {
	p, url := setup(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `
create table public.big (id int primary key);
insert into public.big select generate_series(1, 1000);
analyze public.big;
grant select on public.big to authenticated;
revoke all on public.big from anon;`)
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	explain := &pgexec.Statement{SQL: `EXPLAIN (FORMAT JSON) SELECT 1 FROM public.big WHERE id <= $1`, Args: []any{"100"}}
	for _, tc := range []struct {
		name     string
		bound    string
		min, max float64
	}{
		{"first run prepares", "100", 50, 200},
		{"second run binds the new value", "900", 800, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			explain.Args = []any{tc.bound}
			r := req("authenticated", "user_a", true, `select count(*)::text from public.big where id <= $1`, tc.bound)
			var est float64
			r.Extra, r.ExtraScan = explain, scanPlanRows(&est)
			var got []string
			if err := p.Run(ctx, r, scanStrings(&got)); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0] != tc.bound {
				t.Fatalf("main rows = %q, want [%s]", got, tc.bound)
			}
			if est < tc.min || est > tc.max {
				t.Fatalf("plan rows = %v, want between %v and %v", est, tc.min, tc.max)
			}
		})
	}
	t.Run("extra runs as the impersonated role", func(t *testing.T) {
		r := req("anon", "", true, `select 'main'`)
		var est float64
		r.Extra, r.ExtraScan = &pgexec.Statement{SQL: `EXPLAIN (FORMAT JSON) SELECT 1 FROM public.big`}, scanPlanRows(&est)
		err := p.Run(ctx, r, scanStrings(new([]string)))
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Fatalf("err = %v, want 42501 for anon", err)
		}
	})
	t.Run("failing extra scan skips main", func(t *testing.T) {
		r := req("authenticated", "user_a", true, `select 'main'`)
		boom := errors.New("extra refused")
		r.Extra = explain
		r.ExtraScan = func(rows pgx.Rows) error { rows.Close(); return boom }
		mainScanned := false
		err := p.Run(ctx, r, func(rows pgx.Rows) error { mainScanned = true; rows.Close(); return nil })
		if !errors.Is(err, boom) || mainScanned {
			t.Fatalf("err = %v, main scanned = %v; want %v and no main scan", err, mainScanned, boom)
		}
	})
	t.Run("extra without scan is refused", func(t *testing.T) {
		r := req("authenticated", "user_a", true, `select 'main'`)
		r.Extra = explain
		if err := p.Run(ctx, r, scanStrings(new([]string))); err == nil {
			t.Fatal("Run accepted Extra without ExtraScan")
		}
	})
}

// TestExtraStatementWithSmallCache runs requests of five statements (BEGIN,
// settings, extra, main, COMMIT) through a connection whose statement cache
// is asked to be smaller than that: the bound is raised to five, so eviction
// never drops a statement of the request being sent.
func TestExtraStatementWithSmallCache(t *testing.T) {
	url := pgtest.NewDB(t)
	ctx := context.Background()
	p, err := pgexec.Open(ctx, asAuthenticator(t, url), pgexec.Options{MaxConns: 1, MaxPrepared: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := range 12 {
		// Alternate new and reused statements so that every step is
		// evicted and re-prepared at some point.
		extraSQL := "EXPLAIN (FORMAT JSON) SELECT " + strconv.Itoa(i%3) + " WHERE $1::int > 0"
		mainSQL := "select $1::text || '" + strconv.Itoa(i%4) + "'"
		r := req("anon", "", true, mainSQL, "v")
		var est float64
		r.Extra, r.ExtraScan = &pgexec.Statement{SQL: extraSQL, Args: []any{"1"}}, scanPlanRows(&est)
		var got []string
		if err := p.Run(ctx, r, scanStrings(&got)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if want := "v" + strconv.Itoa(i%4); len(got) != 1 || got[0] != want || est != 1 {
			t.Fatalf("request %d: got %q and %v plan rows, want %q and 1", i, got, est, want)
		}
	}
}

// TestRollbackChecksDeferredConstraints: Prefer: tx=rollback still reports a
// deferred constraint the request violates, as PostgREST does.
func TestRollbackChecksDeferredConstraints(t *testing.T) {
	p, url := setup(t)
	ctx := context.Background()
	conn := pgtest.Connect(t, url)
	if _, err := conn.Exec(ctx, `
create table public.parents (id int primary key);
create table public.children (id int primary key,
  parent_id int references public.parents(id) deferrable initially deferred);
grant all on public.parents, public.children to authenticated;`); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	drain := func(rows pgx.Rows) error {
		for rows.Next() {
		}
		return pgexec.ErrRollback
	}
	err := p.Run(ctx, req("authenticated", "user_a", false, `insert into children values (1, 42) returning 'x'`), drain)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23503" {
		t.Fatalf("err = %v, want the deferred 23503", err)
	}
	// A valid request under tx=rollback succeeds and leaves nothing behind.
	if err := p.Run(ctx, req("authenticated", "user_a", false, `insert into parents values (7) returning 'x'`), drain); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := p.Run(ctx, req("authenticated", "user_a", true, `select count(*)::text from parents`), scanStrings(&got)); err != nil || got[0] != "0" {
		t.Fatalf("parents after rollback: %q %v", got, err)
	}
}
