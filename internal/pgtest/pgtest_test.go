package pgtest_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rowgate/rowgate/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestNewDBHasBaseline(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDB(t)
	if !strings.Contains(url, "/rowgate_test_") {
		t.Errorf("URL %s does not name a test database", url)
	}
	conn := pgtest.Connect(t, url)
	var db string
	var super bool
	if err := conn.QueryRow(ctx, "SELECT current_database(), rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&db, &super); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(db, "rowgate_test_") || !super {
		t.Errorf("connected to %q as superuser=%v", db, super)
	}
	var sub string
	if err := conn.QueryRow(ctx, `SELECT set_config('request.jwt.claims', '{"sub":"user_1"}', false), auth.jwt()->>'sub'`).Scan(nil, &sub); err != nil {
		t.Fatal(err)
	}
	if sub != "user_1" {
		t.Errorf("auth.jwt()->>'sub' = %q", sub)
	}
}

func TestDatabasesAreIsolated(t *testing.T) {
	ctx := context.Background()
	a := pgtest.Connect(t, pgtest.NewDB(t))
	b := pgtest.Connect(t, pgtest.NewDB(t))
	if _, err := a.Exec(ctx, "CREATE TABLE only_in_a (id int)"); err != nil {
		t.Fatal(err)
	}
	_, err := b.Exec(ctx, "SELECT * FROM only_in_a")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42P01" {
		t.Fatalf("query in other database: err = %v, want undefined_table (42P01)", err)
	}
}

func TestDatabaseDroppedAfterTest(t *testing.T) {
	ctx := context.Background()
	var name string
	var open *pgx.Conn
	t.Run("inner", func(t *testing.T) {
		conn, err := pgx.Connect(ctx, pgtest.NewEmptyDB(t))
		if err != nil {
			t.Fatal(err)
		}
		// Still open when the database is dropped: WITH (FORCE) must cope.
		open = conn
		if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
	})
	if open != nil {
		defer open.Close(ctx)
	}
	admin := pgtest.Connect(t, pgtest.AdminURL())
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if name == "" || exists {
		t.Errorf("database %q still exists after its test ended", name)
	}
}

func TestAdminURL(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.AdminURL())
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("SELECT 1 = %d, %v", n, err)
	}
	u, err := url.Parse(pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("pgtest-admin-host=%s\n", u.Host)
}

// TestPrivateCluster runs this test binary without ROWGATE_TEST_DATABASE_URL,
// so Main must start (and afterwards stop) a private cluster.
func TestPrivateCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^(TestAdminURL|TestNewDBHasBaseline)$", "-test.v")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, pgtest.EnvURL+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("private-cluster run failed: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`pgtest-admin-host=(\S+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("child did not report its server:\n%s", out)
	}
	host := string(m[1])
	ours, err := url.Parse(pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	if host == ours.Host {
		t.Fatalf("child used this process's server %s instead of a private one", host)
	}
	// The private server must be gone once the child has exited.
	if conn, err := pgx.Connect(ctx, "postgres://postgres@"+host+"/postgres?sslmode=disable&connect_timeout=5"); err == nil {
		conn.Close(ctx)
		t.Fatalf("private server %s still accepts connections after the run", host)
	}
}
