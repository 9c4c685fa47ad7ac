package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/auth/authtest"
	"github.com/rowgate/rowgate/dbsetup"
	"github.com/rowgate/rowgate/gateway"
	"github.com/rowgate/rowgate/internal/testenv"
	"github.com/rowgate/rowgate/localdb"
	"github.com/rowgate/rowgate/pgexec"
	"github.com/rowgate/rowgate/schema"
)

// faultsSQL is the fixture of the fault tests: todos under RLS and a view
// that takes five seconds to read.
const faultsSQL = `
create table public.todos (
  id bigint generated always as identity primary key,
  user_id text not null default (auth.jwt()->>'sub'),
  title text not null
);
alter table public.todos enable row level security;
create policy own on public.todos for select to authenticated using ((select auth.jwt()->>'sub') = user_id);
insert into public.todos (user_id, title) values ('user_a', 'a1'), ('user_a', 'a2'), ('user_b', 'b1');
create view public.slow as select pg_sleep(5)::text as slept;
grant select on public.slow to anon, authenticated;
`

// faultStack is a rowgate server in front of a private cluster that the
// test may stop and start.
type faultStack struct {
	url      string
	superURL string
	auth     *authtest.Env
	pool     *pgexec.Pool
	holder   *schema.Holder
}

// newFaultStack wires the server as rowgate serve does (pool logged in as
// authenticator, schema cache, verifier) on a loopback HTTP server.
func newFaultStack(t *testing.T, superURL string, poolSize int32, acquire time.Duration) *faultStack {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	ae := authtest.NewEnv(t)
	acfg := ae.Config()
	acfg.Logger = log
	v, err := auth.New(acfg)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgexec.Open(ctx, testenv.AsRole(t, superURL, "authenticator"), pgexec.Options{MaxConns: poolSize, AcquireTimeout: acquire})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := pool.LoadRoleSettings(ctx); err != nil {
		t.Fatal(err)
	}
	holder := &schema.Holder{}
	c, err := schema.Load(ctx, pool.PGX(), []string{"public"})
	if err != nil {
		t.Fatal(err)
	}
	holder.Store(c)
	srv := httptest.NewServer(gateway.New(gateway.Options{
		Verifier:        v,
		DB:              pool,
		Schema:          holder,
		Schemas:         []string{"public"},
		ExtraSearchPath: []string{"public", "extensions"},
		Logger:          log,
	}))
	t.Cleanup(srv.Close)
	return &faultStack{url: srv.URL, superURL: superURL, auth: ae, pool: pool, holder: holder}
}

// answer is one HTTP exchange with its duration.
type answer struct {
	status  int
	header  http.Header
	body    string
	code    string // the error object's code, if any
	elapsed time.Duration
}

// get requests path as user sub ("" for anon). The client gives up after
// 20 s, so a hanging request fails the test instead of blocking it.
func (s *faultStack) get(t *testing.T, path, sub string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("apikey", s.auth.PublishableKey)
	if sub != "" {
		tok := s.auth.ClerkToken(func(c map[string]any) { c["sub"] = sub })
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	client := &http.Client{Timeout: 20 * time.Second}
	began := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v (after %s)", path, err, time.Since(began))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(b), elapsed: time.Since(began)}
	if resp.StatusCode >= 400 {
		var e struct {
			Code string `json:"code"`
		}
		if err := json.Unmarshal(b, &e); err == nil {
			a.code = e.Code
		}
	}
	return a
}

// startFaultCluster starts a private PostgreSQL cluster on a fixed free
// port (so it comes back on the same address after a restart) with the
// Supabase baseline and faultsSQL.
func startFaultCluster(t *testing.T) *localdb.Cluster {
	t.Helper()
	dir := t.TempDir()
	// As root the server runs as another user, which must reach the folder.
	for _, p := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	c, err := localdb.Open(localdb.Options{Dir: filepath.Join(dir, "db"), Port: port, UnsafeNoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("stop cluster: %v", err)
		}
	})
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := dbsetup.Bootstrap(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, faultsSQL); err != nil {
		t.Fatal(err)
	}
	return c
}

func superExec(t *testing.T, url, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

// TestDatabaseFaults covers issue 4's database faults on one private
// cluster: restart, pool exhaustion, per-role statement timeout, and schema
// reloads on NOTIFY. The subtests run in order and share the cluster.
func TestDatabaseFaults(t *testing.T) {
	cluster := startFaultCluster(t)
	superURL := cluster.URL("postgres")

	t.Run("restart", func(t *testing.T) {
		s := newFaultStack(t, superURL, 4, 5*time.Second)
		if a := s.get(t, "/rest/v1/todos?select=title", "user_a"); a.status != 200 || compact(t, a.body) != `[{"title":"a1"},{"title":"a2"}]` {
			t.Fatalf("before the outage: %d %s", a.status, a.body)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := cluster.Stop(ctx); err != nil {
			t.Fatal(err)
		}

		// Database down: fast 503 PGRST000 with Retry-After, never a hang.
		for i := range 3 {
			a := s.get(t, "/rest/v1/todos?select=title", "user_a")
			if a.status != http.StatusServiceUnavailable || a.code != "PGRST000" {
				t.Errorf("request %d while down: %d %s, want 503 PGRST000", i, a.status, a.body)
			}
			if a.header.Get("Retry-After") == "" {
				t.Errorf("request %d while down: no Retry-After header", i)
			}
			if a.elapsed > 6*time.Second {
				t.Errorf("request %d while down took %s", i, a.elapsed)
			}
		}
		if a := s.get(t, "/health", ""); a.status != http.StatusServiceUnavailable || !containsAll(a.body, "database: unreachable") {
			t.Errorf("/health while down: %d %s", a.status, a.body)
		}

		// Back up on the same address: rowgate reconnects by itself.
		if err := cluster.Start(ctx); err != nil {
			t.Fatal(err)
		}
		a := s.get(t, "/rest/v1/todos?select=title", "user_a")
		if a.status != 200 || compact(t, a.body) != `[{"title":"a1"},{"title":"a2"}]` {
			t.Errorf("first request after the restart: %d %s, want the rows", a.status, a.body)
		}
		for i := range 5 {
			if a := s.get(t, "/rest/v1/todos?select=title", "user_b"); a.status != 200 || compact(t, a.body) != `[{"title":"b1"}]` {
				t.Errorf("request %d after the restart: %d %s", i, a.status, a.body)
			}
		}
		if a := s.get(t, "/health", ""); a.status != 200 {
			t.Errorf("/health after the restart: %d %s", a.status, a.body)
		}

		// A restart between two requests: the pooled connections were
		// terminated (FATAL 57P01 waits unread on each), yet the next
		// request succeeds on a fresh connection.
		if err := cluster.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if err := cluster.Start(ctx); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if a := s.get(t, "/rest/v1/todos?select=title", "user_a"); a.status != 200 || compact(t, a.body) != `[{"title":"a1"},{"title":"a2"}]` {
				t.Errorf("request %d after a quick restart: %d %s", i, a.status, a.body)
			}
		}
	})

	t.Run("pool exhaustion", func(t *testing.T) {
		const acquire = 300 * time.Millisecond
		s := newFaultStack(t, superURL, 1, acquire)
		if a := s.get(t, "/rest/v1/todos?select=title", "user_a"); a.status != 200 {
			t.Fatalf("warm-up: %d %s", a.status, a.body)
		}
		// Hold the only connection, as a long request would.
		held, err := s.pool.PGX().Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		a := s.get(t, "/rest/v1/todos?select=title", "user_a")
		held.Release()
		if a.status != http.StatusGatewayTimeout || a.code != "PGRST003" || !containsAll(a.body, "Timed out acquiring connection from connection pool.") {
			t.Errorf("exhausted pool: %d %s, want 504 PGRST003", a.status, a.body)
		}
		if a.elapsed < acquire-50*time.Millisecond || a.elapsed > acquire+2*time.Second {
			t.Errorf("exhausted pool answered after %s, want about the acquire timeout %s", a.elapsed, acquire)
		}
		if a := s.get(t, "/rest/v1/todos?select=title", "user_a"); a.status != 200 {
			t.Errorf("after release: %d %s", a.status, a.body)
		}
	})

	t.Run("statement timeout per role", func(t *testing.T) {
		superExec(t, superURL, `alter role authenticated set statement_timeout = '100ms'`)
		t.Cleanup(func() { superExec(t, superURL, `alter role authenticated reset statement_timeout`) })
		// One connection, so the request after the timeout reuses it.
		s := newFaultStack(t, superURL, 1, 5*time.Second)
		a := s.get(t, "/rest/v1/slow", "user_a")
		if a.status != http.StatusInternalServerError || a.code != "57014" || !containsAll(a.body, "canceling statement due to statement timeout") {
			t.Errorf("slow view as authenticated: %d %s, want 500 57014", a.status, a.body)
		}
		if a.elapsed > 2*time.Second {
			t.Errorf("slow view as authenticated took %s; the role's 100ms statement_timeout did not apply", a.elapsed)
		}
		if a := s.get(t, "/rest/v1/todos?select=title", "user_a"); a.status != 200 || compact(t, a.body) != `[{"title":"a1"},{"title":"a2"}]` {
			t.Errorf("request after the timeout on the same connection: %d %s", a.status, a.body)
		}
		// The setting is per role: the authenticator's own session is not
		// limited (a 300 ms statement outside any request succeeds).
		var slept string
		if err := s.pool.PGX().QueryRow(context.Background(), `select pg_sleep(0.3)::text`).Scan(&slept); err != nil {
			t.Errorf("authenticator session limited too: %v", err)
		}
	})

	t.Run("reload on notify", func(t *testing.T) {
		s := newFaultStack(t, superURL, 2, 5*time.Second)
		ctx, cancel := context.WithCancel(context.Background())
		reloads := make(chan *schema.Cache, 16)
		listenDone := make(chan error, 1)
		go func() {
			listenDone <- schema.ListenAndReload(ctx, testenv.AsRole(t, superURL, "authenticator"), []string{"public"}, func(c *schema.Cache, err error) {
				if err != nil {
					return
				}
				s.holder.Store(c)
				reloads <- c
			})
		}()
		t.Cleanup(func() {
			cancel()
			<-listenDone
		})
		waitReload := func(what string, ok func(*schema.Cache) bool) {
			t.Helper()
			deadline := time.After(15 * time.Second)
			for {
				select {
				case c := <-reloads:
					if ok(c) {
						return
					}
				case <-deadline:
					t.Fatalf("no schema reload with %s within 15 s", what)
				}
			}
		}
		hasTable := func(name string) func(*schema.Cache) bool {
			return func(c *schema.Cache) bool { _, ok := c.Table("public", name); return ok }
		}
		waitReload("the initial load", func(*schema.Cache) bool { return true })

		// DDL with event triggers off (replica mode): nothing announces it,
		// so the table is unknown until NOTIFY pgrst.
		superExec(t, superURL, `
set session_replication_role = replica;
create table public.late (id int primary key);
insert into public.late values (7);
grant select on public.late to anon, authenticated;`)
		if a := s.get(t, "/rest/v1/late", ""); a.status != http.StatusNotFound || a.code != "PGRST205" {
			t.Fatalf("new table before the reload: %d %s, want 404 PGRST205", a.status, a.body)
		}
		superExec(t, superURL, `notify pgrst, 'reload schema'`)
		waitReload("public.late", hasTable("late"))
		if a := s.get(t, "/rest/v1/late", ""); a.status != 200 || compact(t, a.body) != `[{"id":7}]` {
			t.Errorf("new table after NOTIFY: %d %s", a.status, a.body)
		}

		// Plain DDL: the bootstrap's event trigger sends the NOTIFY itself.
		superExec(t, superURL, `
create table public.later (id int primary key);
grant select on public.later to anon, authenticated;`)
		waitReload("public.later", hasTable("later"))
		if a := s.get(t, "/rest/v1/later", ""); a.status != 200 || a.body != "[]" {
			t.Errorf("table created by plain DDL: %d %s", a.status, a.body)
		}
	})
}

func compact(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not JSON: %q", s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
