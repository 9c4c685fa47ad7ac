package dbsetup_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rowgate/rowgate/dbsetup"
	"github.com/rowgate/rowgate/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// bootstrapped returns a connection to a fresh database on which Bootstrap
// has run twice.
func bootstrapped(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx := testCtx(t)
	conn := pgtest.Connect(t, pgtest.NewEmptyDB(t))
	for i := range 2 {
		if err := dbsetup.Bootstrap(ctx, conn); err != nil {
			t.Fatalf("bootstrap #%d: %v", i+1, err)
		}
	}
	return conn
}

func TestBootstrapRoles(t *testing.T) {
	ctx := testCtx(t)
	conn := bootstrapped(t)
	tests := []struct {
		role                                string
		login, inherit, bypassRLS, super    bool
		memberOfAnon, memberOfAuthenticated bool
	}{
		{role: "anon"},
		{role: "authenticated"},
		{role: "service_role", bypassRLS: true},
		{role: "authenticator", login: true, memberOfAnon: true, memberOfAuthenticated: true},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			var login, inherit, bypass, super, mAnon, mAuth bool
			err := conn.QueryRow(ctx, `
SELECT rolcanlogin, rolinherit, rolbypassrls, rolsuper,
       pg_has_role(rolname, 'anon', 'MEMBER'), pg_has_role(rolname, 'authenticated', 'MEMBER')
FROM pg_roles WHERE rolname = $1`, tt.role).Scan(&login, &inherit, &bypass, &super, &mAnon, &mAuth)
			if err != nil {
				t.Fatal(err)
			}
			if login != tt.login || inherit != tt.inherit || bypass != tt.bypassRLS || super != tt.super {
				t.Errorf("login=%v inherit=%v bypassrls=%v super=%v, want %v %v %v %v",
					login, inherit, bypass, super, tt.login, tt.inherit, tt.bypassRLS, tt.super)
			}
			if tt.role != "anon" && mAnon != tt.memberOfAnon {
				t.Errorf("member of anon = %v, want %v", mAnon, tt.memberOfAnon)
			}
			if tt.role != "authenticated" && mAuth != tt.memberOfAuthenticated {
				t.Errorf("member of authenticated = %v, want %v", mAuth, tt.memberOfAuthenticated)
			}
		})
	}
}

func TestBootstrapConcurrentDatabases(t *testing.T) {
	ctx := testCtx(t)
	urls := []string{pgtest.NewEmptyDB(t), pgtest.NewEmptyDB(t), pgtest.NewEmptyDB(t)}
	errs := make([]error, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Go(func() {
			conn, err := pgx.Connect(ctx, u)
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Close(context.Background())
			errs[i] = dbsetup.Bootstrap(ctx, conn)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("bootstrap of database %d: %v", i, err)
		}
	}
}

func TestBootstrapNeedsSuperuser(t *testing.T) {
	ctx := testCtx(t)
	admin := pgtest.Connect(t, pgtest.NewDB(t))
	// A throwaway login role without superuser; trust auth lets it in.
	role := pgx.Identifier{fmt.Sprintf("rowgate_test_nosuper_%d", os.Getpid())}.Sanitize()
	if _, err := admin.Exec(ctx, "DROP ROLE IF EXISTS "+role+"; CREATE ROLE "+role+" LOGIN"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+role) })
	cfg, err := pgx.ParseConfig(admin.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.User = strings.Trim(role, `"`)
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	err = dbsetup.Bootstrap(ctx, conn)
	if !errors.Is(err, dbsetup.ErrNotSuperuser) {
		t.Fatalf("err = %v, want ErrNotSuperuser", err)
	}
	if !strings.Contains(err.Error(), "superuser") {
		t.Errorf("error %q does not explain the superuser requirement", err)
	}
}

func TestAuthFunctions(t *testing.T) {
	ctx := testCtx(t)
	conn := bootstrapped(t)
	tests := []struct {
		name     string
		claims   string
		query    string
		want     string
		wantCode string // SQLSTATE of the expected error
	}{
		{"jwt sub", `{"sub":"user_123","role":"authenticated"}`, `SELECT auth.jwt()->>'sub'`, "user_123", ""},
		{"jwt nested", `{"o":{"id":"org_1"}}`, `SELECT auth.jwt()->'o'->>'id'`, "org_1", ""},
		{"jwt unset", ``, `SELECT coalesce(auth.jwt()::text, 'null')`, "null", ""},
		{"uid uuid", `{"sub":"7c9e6679-7425-40de-944b-e07fc1f90ae7"}`, `SELECT auth.uid()::text`, "7c9e6679-7425-40de-944b-e07fc1f90ae7", ""},
		{"uid non-uuid sub", `{"sub":"user_123"}`, `SELECT auth.uid()::text`, "", "22P02"},
		{"role", `{"role":"authenticated"}`, `SELECT auth.role()`, "authenticated", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SELECT set_config('request.jwt.claims', $1, true)", tt.claims); err != nil {
					return err
				}
				return tx.QueryRow(ctx, tt.query).Scan(&got)
			})
			if tt.wantCode != "" {
				var pgErr *pgconn.PgError
				if !errors.As(err, &pgErr) || pgErr.Code != tt.wantCode {
					t.Fatalf("err = %v, want SQLSTATE %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDefaultPrivileges(t *testing.T) {
	ctx := testCtx(t)
	conn := bootstrapped(t)
	if _, err := conn.Exec(ctx, "CREATE TABLE public.todos (id serial primary key, title text)"); err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"anon", "authenticated", "service_role"} {
		t.Run(role, func(t *testing.T) {
			var table, seq, schemaAuth bool
			err := conn.QueryRow(ctx, `SELECT
  has_table_privilege($1, 'public.todos', 'SELECT,INSERT,UPDATE,DELETE'),
  has_sequence_privilege($1, 'public.todos_id_seq', 'USAGE'),
  has_schema_privilege($1, 'auth', 'USAGE')`, role).Scan(&table, &seq, &schemaAuth)
			if err != nil {
				t.Fatal(err)
			}
			if !table || !seq || !schemaAuth {
				t.Errorf("table=%v sequence=%v auth schema=%v, want all true", table, seq, schemaAuth)
			}
		})
	}
}

func TestSchemaReloadNotify(t *testing.T) {
	ctx := testCtx(t)
	url := pgtest.NewDB(t)
	listener := pgtest.Connect(t, url)
	ddl := pgtest.Connect(t, url)
	if _, err := listener.Exec(ctx, "LISTEN pgrst"); err != nil {
		t.Fatal(err)
	}
	next := func(t *testing.T) string {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		n, err := listener.WaitForNotification(wctx)
		if err != nil {
			t.Fatalf("wait for notification: %v", err)
		}
		return n.Payload
	}
	steps := []struct {
		name string
		sql  string
		want string
	}{
		{"create table", "CREATE TABLE public.notes (id int)", "reload schema"},
		{"drop table", "DROP TABLE public.notes", "reload schema"},
		{"create function", "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "reload schema"},
		// A temporary table is private to its session: no reload, so the
		// next notification is the marker sent right after it.
		{"temp table ignored", "CREATE TEMP TABLE scratch (id int); NOTIFY pgrst, 'marker'", "marker"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if _, err := ddl.Exec(ctx, st.sql); err != nil {
				t.Fatal(err)
			}
			if got := next(t); got != st.want {
				t.Errorf("payload = %q, want %q", got, st.want)
			}
		})
	}
}

func writeMigrations(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestMigrate(t *testing.T) {
	ctx := testCtx(t)
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	dir := writeMigrations(t, map[string]string{
		"20240102000000_add_done.sql":     "ALTER TABLE todos ADD COLUMN done boolean NOT NULL DEFAULT false;\nINSERT INTO log VALUES ('second');",
		"20240101000000_create_todos.sql": "CREATE TABLE todos (id int primary key, title text);\nCREATE TABLE log (step text);\nINSERT INTO log VALUES ('first');",
		"README.md":                       "not a migration",
		"notes.sql":                       "SELECT 1/0; -- not named <version>_<name>.sql, ignored",
		"20240103000000_empty.sql":        "-- nothing yet\n",
	})
	applied, err := dbsetup.Migrate(ctx, conn, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"20240101000000_create_todos.sql", "20240102000000_add_done.sql", "20240103000000_empty.sql"}
	if !slices.Equal(applied, want) {
		t.Errorf("applied = %v, want %v", applied, want)
	}
	rows, _ := conn.Query(ctx, "SELECT step FROM log")
	steps, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(steps, []string{"first", "second"}) {
		t.Errorf("migrations ran in order %v", steps)
	}

	type rec struct {
		Version    string
		Name       string
		Statements []string
	}
	rows, _ = conn.Query(ctx, "SELECT version, name, statements FROM supabase_migrations.schema_migrations ORDER BY version")
	recs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[rec])
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0].Version != "20240101000000" || recs[0].Name != "create_todos" || len(recs[0].Statements) != 3 {
		t.Errorf("history = %+v", recs)
	}

	again, err := dbsetup.Migrate(ctx, conn, dir)
	if err != nil || len(again) != 0 {
		t.Errorf("second Migrate applied %v, err %v; want nothing", again, err)
	}
}

func TestMigrateFailureRollsBack(t *testing.T) {
	ctx := testCtx(t)
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	dir := writeMigrations(t, map[string]string{
		"1_ok.sql":     "CREATE TABLE a (id int);",
		"2_broken.sql": "CREATE TABLE b (id int);\nSELECT * FROM no_such_table;",
		"3_later.sql":  "CREATE TABLE c (id int);",
	})
	applied, err := dbsetup.Migrate(ctx, conn, dir)
	if err == nil {
		t.Fatal("Migrate succeeded over a broken migration")
	}
	if !strings.Contains(err.Error(), "2_broken.sql") {
		t.Errorf("error %q does not name the file", err)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42P01" {
		t.Errorf("error %v does not wrap the PostgreSQL error", err)
	}
	if !slices.Equal(applied, []string{"1_ok.sql"}) {
		t.Errorf("applied = %v, want [1_ok.sql]", applied)
	}
	for _, tc := range []struct {
		table string
		want  bool
	}{{"a", true}, {"b", false}, {"c", false}} {
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", "public."+tc.table).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if exists != tc.want {
			t.Errorf("table %s exists = %v, want %v", tc.table, exists, tc.want)
		}
	}
	var versions []string
	rows, _ := conn.Query(ctx, "SELECT version FROM supabase_migrations.schema_migrations ORDER BY version")
	if versions, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(versions, []string{"1"}) {
		t.Errorf("recorded versions = %v, want [1]", versions)
	}

	// Fixing the file lets the remaining migrations through.
	if err := os.WriteFile(filepath.Join(dir, "2_broken.sql"), []byte("CREATE TABLE b (id int);"), 0o644); err != nil {
		t.Fatal(err)
	}
	applied, err = dbsetup.Migrate(ctx, conn, dir)
	if err != nil || !slices.Equal(applied, []string{"2_broken.sql", "3_later.sql"}) {
		t.Errorf("after fix: applied %v, err %v", applied, err)
	}
}

func TestMigrateWithoutBootstrap(t *testing.T) {
	ctx := testCtx(t)
	conn := pgtest.Connect(t, pgtest.NewEmptyDB(t))
	dir := writeMigrations(t, map[string]string{"1_init.sql": "CREATE TABLE x (id int);"})
	applied, err := dbsetup.Migrate(ctx, conn, dir)
	if err != nil || len(applied) != 1 {
		t.Fatalf("applied %v, err %v", applied, err)
	}
	missing, err := dbsetup.Migrate(ctx, conn, filepath.Join(dir, "does-not-exist"))
	if err != nil || len(missing) != 0 {
		t.Errorf("missing dir: applied %v, err %v", missing, err)
	}
}

func TestListMigrationsDuplicateVersion(t *testing.T) {
	dir := writeMigrations(t, map[string]string{"1_a.sql": "", "1_b.sql": ""})
	if _, err := dbsetup.ListMigrations(dir); err == nil || !strings.Contains(err.Error(), "share version 1") {
		t.Errorf("err = %v, want duplicate-version error", err)
	}
}

func TestSeed(t *testing.T) {
	ctx := testCtx(t)
	conn := pgtest.Connect(t, pgtest.NewDB(t))
	if _, err := conn.Exec(ctx, "CREATE TABLE t (v int)"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tests := []struct {
		name    string
		body    *string // nil: no file
		wantErr string
		wantSum int
	}{
		{name: "missing file", wantSum: 0},
		{name: "inserts", body: ptr("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);"), wantSum: 3},
		{name: "failure rolls back", body: ptr("INSERT INTO t VALUES (100); INSERT INTO nope VALUES (1);"), wantErr: "seed.sql", wantSum: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "seed.sql")
			_ = os.Remove(path)
			if tt.body != nil {
				if err := os.WriteFile(path, []byte(*tt.body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := dbsetup.Seed(ctx, conn, path)
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want mention of %q", err, tt.wantErr)
			}
			var sum int
			if err := conn.QueryRow(ctx, "SELECT coalesce(sum(v), 0) FROM t").Scan(&sum); err != nil {
				t.Fatal(err)
			}
			if sum != tt.wantSum {
				t.Errorf("sum = %d, want %d", sum, tt.wantSum)
			}
		})
	}
}

func ptr(s string) *string { return &s }
