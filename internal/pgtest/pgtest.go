package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rowgate/rowgate/dbsetup"
	"github.com/rowgate/rowgate/localdb"
)

// EnvURL names the environment variable holding a superuser URL of the
// PostgreSQL server to test against.
const EnvURL = "ROWGATE_TEST_DATABASE_URL"

// dbPrefix starts the name of every database NewDB creates.
const dbPrefix = "rowgate_test_"

var (
	mu       sync.Mutex
	adminURL string
)

// Main is for TestMain: it provides the server (see the package
// documentation), runs the tests, stops a private cluster again and exits
// with the tests' exit code.
func Main(m *testing.M) {
	os.Exit(run(m, os.Stderr, nil))
}

// MainWith is Main with a package-wide setup that runs once the server is
// available (for example a shared fixture database); its teardown runs
// after the tests.
func MainWith(m *testing.M, setup func(adminURL string) (teardown func(), err error)) {
	os.Exit(run(m, os.Stderr, setup))
}

func run(m *testing.M, stderr io.Writer, setup func(string) (func(), error)) int {
	runTests := func() int {
		if setup == nil {
			return m.Run()
		}
		teardown, err := setup(AdminURL())
		if err != nil {
			fmt.Fprintf(stderr, "pgtest: setup: %v\n", err)
			return 1
		}
		if teardown != nil {
			defer teardown()
		}
		return m.Run()
	}
	if u := os.Getenv(EnvURL); u != "" {
		setAdminURL(u)
		return runTests()
	}
	stop, u, err := startPrivate()
	if err != nil {
		fmt.Fprintf(stderr, "pgtest: %v\n", err)
		return 1
	}
	setAdminURL(u)
	code := runTests()
	if err := stop(); err != nil {
		fmt.Fprintf(stderr, "pgtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// startPrivate starts a throwaway cluster in a temporary folder and returns
// a function stopping and deleting it.
func startPrivate() (stop func() error, adminURL string, err error) {
	base, err := os.MkdirTemp("", "rowgate-pgtest-")
	if err != nil {
		return nil, "", fmt.Errorf("create temp dir: %w", err)
	}
	// When the tests run as root the server runs as another user, which
	// must be able to enter the folder.
	if err := os.Chmod(base, 0o755); err != nil {
		os.RemoveAll(base)
		return nil, "", fmt.Errorf("chmod temp dir: %w", err)
	}
	c, err := localdb.Open(localdb.Options{
		Dir:           filepath.Join(base, "db"),
		UnsafeNoFsync: true,
		Settings:      map[string]string{"max_connections": "200"},
	})
	if err != nil {
		os.RemoveAll(base)
		return nil, "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		os.RemoveAll(base)
		return nil, "", fmt.Errorf("start private cluster: %w", err)
	}
	stop = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err := c.Stop(ctx)
		if rerr := c.Reset(); rerr != nil && err == nil {
			err = rerr
		}
		if rerr := os.RemoveAll(base); rerr != nil && err == nil {
			err = rerr
		}
		return err
	}
	return stop, c.URL("postgres"), nil
}

func setAdminURL(u string) {
	mu.Lock()
	defer mu.Unlock()
	adminURL = u
}

// AdminURL returns the superuser URL of the test server. Outside a
// [Main]-run binary it falls back to ROWGATE_TEST_DATABASE_URL and returns
// "" if that is unset.
func AdminURL() string {
	mu.Lock()
	defer mu.Unlock()
	if adminURL == "" {
		return os.Getenv(EnvURL)
	}
	return adminURL
}

// NewDB creates a fresh database with the Supabase baseline
// (dbsetup.Bootstrap), drops it when the test ends, and returns its
// superuser URL.
func NewDB(t testing.TB) string {
	t.Helper()
	u := NewEmptyDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("pgtest: connect to new database: %v", err)
	}
	defer conn.Close(context.Background())
	if err := dbsetup.Bootstrap(ctx, conn); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// NewEmptyDB is [NewDB] without the baseline: a database straight from
// template0. Roles are cluster-wide, so ones created elsewhere still exist.
func NewEmptyDB(t testing.TB) string {
	t.Helper()
	admin := AdminURL()
	if admin == "" {
		t.Fatalf("pgtest: no test server; call pgtest.Main from TestMain or set %s", EnvURL)
	}
	name := dbPrefix + randomHex(t, 8)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: connect to test server: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// Connect opens a connection to url that is closed when the test ends.
func Connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// withDatabase returns admin with its database replaced by name. admin must
// be a URL (postgres://…), not a key=value connection string.
func withDatabase(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("test server address must be a postgres:// URL")
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("pgtest: random name: %v", err)
	}
	return hex.EncodeToString(b)
}
