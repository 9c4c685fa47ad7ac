// Package testenv starts a complete rowgate stack for tests, in process: a
// fresh PostgreSQL database with the Supabase baseline (internal/pgtest), the
// schema cache, the connection pool logged in as authenticator, a verifier
// trusting loopback issuers that serve real keys (auth/authtest), and the
// gateway on a loopback HTTP server.
//
// Test binaries using it must call pgtest.Main (or MainWith) from TestMain.
package testenv

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/auth/authtest"
	"github.com/rowgate/rowgate/gateway"
	"github.com/rowgate/rowgate/internal/pgtest"
	"github.com/rowgate/rowgate/pgexec"
	"github.com/rowgate/rowgate/schema"
)

// Options configures Start.
type Options struct {
	// SQL runs as the superuser after the baseline, before the schema cache
	// is loaded: the test's tables, policies and data.
	SQL string
	// Schemas are the exposed schemas; default ["public"].
	Schemas []string
	// ExtraSearchPath defaults to ["public", "extensions"].
	ExtraSearchPath []string
	// MaxRows is [api] max_rows.
	MaxRows int64
	// TxEnd is [rowgate] tx_end.
	TxEnd string
	// AuthConfig edits the verifier's configuration (from authtest.Env).
	AuthConfig func(*auth.Config)
	// PoolSize is the connection pool size (default 4).
	PoolSize int32
	// Logger receives the server's logs (default: discarded).
	Logger *slog.Logger
}

// Env is a running stack.
type Env struct {
	// URL is the server's base URL (no trailing slash); the Data API is at
	// URL + "/rest/v1".
	URL string
	// DBURL is the superuser URL of the test database.
	DBURL string
	// Auth holds the issuers, keys and token helpers.
	Auth           *authtest.Env
	PublishableKey string
	SecretKey      string
	Pool           *pgexec.Pool
	Schema         *schema.Holder
	Server         *gateway.Server
	Verifier       *auth.Verifier

	schemas []string
}

// Start brings the stack up; everything stops when the test ends.
func Start(t testing.TB, o Options) *Env {
	t.Helper()
	ctx := context.Background()
	if len(o.Schemas) == 0 {
		o.Schemas = []string{"public"}
	}
	if o.ExtraSearchPath == nil {
		o.ExtraSearchPath = []string{"public", "extensions"}
	}
	if o.PoolSize == 0 {
		o.PoolSize = 4
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	dbURL := pgtest.NewDB(t)
	if o.SQL != "" {
		conn := pgtest.Connect(t, dbURL)
		if _, err := conn.Exec(ctx, o.SQL); err != nil {
			t.Fatalf("testenv: fixture SQL: %v", err)
		}
		conn.Close(ctx)
	}
	ae := authtest.NewEnv(t)
	acfg := ae.Config()
	acfg.Logger = o.Logger
	if o.AuthConfig != nil {
		o.AuthConfig(&acfg)
	}
	v, err := auth.New(acfg)
	if err != nil {
		t.Fatalf("testenv: auth: %v", err)
	}
	pool, err := pgexec.Open(ctx, AsRole(t, dbURL, "authenticator"), pgexec.Options{MaxConns: o.PoolSize, AcquireTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("testenv: pool: %v", err)
	}
	t.Cleanup(pool.Close)
	if err := pool.LoadRoleSettings(ctx); err != nil {
		t.Fatalf("testenv: role settings: %v", err)
	}
	holder := &schema.Holder{}
	e := &Env{
		DBURL:          dbURL,
		Auth:           ae,
		PublishableKey: ae.PublishableKey,
		SecretKey:      ae.SecretKey,
		Pool:           pool,
		Schema:         holder,
		Verifier:       v,
		schemas:        o.Schemas,
	}
	e.ReloadSchema(t)
	e.Server = gateway.New(gateway.Options{
		Verifier:        v,
		DB:              pool,
		Schema:          holder,
		Schemas:         o.Schemas,
		ExtraSearchPath: o.ExtraSearchPath,
		MaxRows:         o.MaxRows,
		TxEnd:           o.TxEnd,
		Logger:          o.Logger,
	})
	srv := httptest.NewUnstartedServer(e.Server)
	srv.Config.MaxHeaderBytes = gateway.MaxHeaderBytes
	srv.Start()
	t.Cleanup(srv.Close)
	e.URL = srv.URL
	return e
}

// ReloadSchema reloads the schema cache (after DDL in a test).
func (e *Env) ReloadSchema(t testing.TB) {
	t.Helper()
	c, err := schema.Load(context.Background(), e.Pool.PGX(), e.schemas)
	if err != nil {
		t.Fatalf("testenv: schema: %v", err)
	}
	e.Schema.Store(c)
}

// Exec runs SQL as the superuser.
func (e *Env) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	conn := pgtest.Connect(t, e.DBURL)
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("testenv: exec: %v", err)
	}
}

// Token returns a valid Clerk-shaped RS256 session token for sub, signed by
// the trusted "clerk" issuer; edit may change the claims.
func (e *Env) Token(sub string, edit func(map[string]any)) string {
	return e.Auth.ClerkToken(func(c map[string]any) {
		c["sub"] = sub
		if edit != nil {
			edit(c)
		}
	})
}

// Request is one HTTP request to the stack.
type Request struct {
	Method string
	// Path is relative to URL, e.g. "/rest/v1/todos?select=id".
	Path   string
	Header http.Header
	Body   string
}

// Do sends r and returns the response with its body read.
func (e *Env) Do(t testing.TB, r Request) (*http.Response, string) {
	t.Helper()
	if r.Method == "" {
		r.Method = http.MethodGet
	}
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req, err := http.NewRequest(r.Method, e.URL+r.Path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// UserHeader is the header supabase-js sends for a signed-in user.
func (e *Env) UserHeader(token string) http.Header {
	return http.Header{"Apikey": {e.PublishableKey}, "Authorization": {"Bearer " + token}}
}

// AnonHeader is the header supabase-js sends when signed out.
func (e *Env) AnonHeader() http.Header {
	return http.Header{"Apikey": {e.PublishableKey}, "Authorization": {"Bearer " + e.PublishableKey}}
}

// AsRole returns dbURL with its user replaced by role (the test cluster
// trusts loopback connections).
func AsRole(t testing.TB, dbURL, role string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	return u.String()
}
