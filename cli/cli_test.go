package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rowgate/rowgate/config"
	"github.com/rowgate/rowgate/internal/pgtest"
	"github.com/rowgate/rowgate/internal/testenv"
)

func TestHelpListsEveryFlag(t *testing.T) {
	tests := []struct {
		args  []string
		flags []string
	}{
		{[]string{"--help"}, []string{"help"}},
		{[]string{"serve", "--help"}, []string{"workdir", "db-url", "listen", "pprof", "db-pool", "log-json"}},
		{[]string{"dev", "--help"}, []string{"workdir", "reset", "log-json"}},
		{[]string{"token", "--help"}, []string{"workdir", "sub", "org", "org-role", "org-slug", "ttl", "role", "no-role"}},
		{[]string{"config", "check", "--help"}, []string{"workdir"}},
		{[]string{"db", "bootstrap", "--help"}, []string{"db-url"}},
		{[]string{"db", "migrate", "--help"}, []string{"db-url", "workdir"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := run(t, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			for _, f := range tc.flags {
				if !strings.Contains(out, "--"+f) {
					t.Errorf("help does not mention --%s:\n%s", f, out)
				}
			}
		})
	}
}

// TestHelpCoversDefinedFlags walks the command tree, so a flag added later
// without help text or a new command without a help test still fails.
func TestHelpCoversDefinedFlags(t *testing.T) {
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		if c.Name() == "completion" || c.Name() == "help" {
			return
		}
		args := append(append([]string{}, path...), "--help")
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, _ := run(t, args...)
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
			c.LocalFlags().VisitAll(func(f *pflag.Flag) {
				if !strings.Contains(out, "--"+f.Name) {
					t.Errorf("help does not mention --%s", f.Name)
				}
				if f.Usage == "" {
					t.Errorf("--%s has no usage text", f.Name)
				}
			})
			for _, sub := range c.Commands() {
				if sub.IsAvailableCommand() && !strings.Contains(out, sub.Name()) {
					t.Errorf("help does not list subcommand %s", sub.Name())
				}
			}
		})
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
	}
	walk(newRoot(nil, nil), nil)
}

func TestUnknownCommandFails(t *testing.T) {
	for _, args := range [][]string{{"bogus"}, {"db", "bogus"}, {"serve", "--no-such-flag"}, {"token", "extra-arg"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, errOut := run(t, args...)
			if code == 0 {
				t.Fatalf("exit 0, want non-zero")
			}
			if !strings.Contains(errOut, "rowgate:") {
				t.Errorf("stderr %q does not explain the failure", errOut)
			}
		})
	}
}

func TestConfigCheckTemplate(t *testing.T) {
	dir := t.TempDir()
	tmpl, err := os.ReadFile("../testdata/supabase-cli-2.117.0-init-config.toml")
	if err != nil {
		t.Fatal(err)
	}
	writeConfig(t, dir, string(tmpl))
	code, out, errOut := run(t, "config", "check", "--workdir", dir)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"config: valid",
		"api: port 54321, schemas public, graphql_public",
		"db: port 54322",
		"trusted issuers: none",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Keys are masked, never printed whole.
	if strings.Contains(out, config.DefaultSecretKey) {
		t.Errorf("output contains the secret key:\n%s", out)
	}
}

func TestConfigCheckInvalid(t *testing.T) {
	tests := []struct {
		name   string
		config string
		env    map[string]string
		want   string
	}{
		{
			name:   "clerk domain regex",
			config: "[auth]\nenabled = true\n[auth.third_party.clerk]\nenabled = true\ndomain = \"https://example.clerk.accounts.dev\"\n",
			want:   "Invalid config: auth.third_party.clerk has invalid domain, it usually is like clerk.example.com or example.clerk.accounts.dev. Check https://clerk.com/setup/supabase on how to find the correct value.",
		},
		{
			name:   "clerk without domain",
			config: "[auth]\nenabled = true\n[auth.third_party.clerk]\nenabled = true\n",
			want:   "Invalid config: auth.third_party.clerk is enabled but without a domain.",
		},
		{
			name:   "clerk domain from unset env",
			config: "[auth]\nenabled = true\n[auth.third_party.clerk]\nenabled = true\ndomain = \"env(ROWGATE_TEST_UNSET_CLERK_DOMAIN)\"\n",
			want:   "WARN: environment variable is unset: ROWGATE_TEST_UNSET_CLERK_DOMAIN\nInvalid config: auth.third_party.clerk has invalid domain",
		},
		{
			name:   "two providers",
			config: "[auth]\nenabled = true\n[auth.third_party.clerk]\nenabled = true\ndomain = \"example.clerk.accounts.dev\"\n[auth.third_party.auth0]\nenabled = true\ntenant = \"acme\"\n",
			want:   "Invalid config: Only one third_party provider allowed to be enabled at a time.",
		},
		{
			name:   "firebase without project_id",
			config: "[auth]\nenabled = true\n[auth.third_party.firebase]\nenabled = true\n",
			want:   "Invalid config: auth.third_party.firebase is enabled but without a project_id.",
		},
		{
			name:   "auth0 without tenant",
			config: "[auth]\nenabled = true\n[auth.third_party.auth0]\nenabled = true\n",
			want:   "Invalid config: auth.third_party.auth0 is enabled but without a tenant.",
		},
		{
			name:   "cognito without user_pool_id",
			config: "[auth]\nenabled = true\n[auth.third_party.aws_cognito]\nenabled = true\n",
			want:   "Invalid config: auth.third_party.cognito is enabled but without a user_pool_id.",
		},
		{
			name:   "cognito without region",
			config: "[auth]\nenabled = true\n[auth.third_party.aws_cognito]\nenabled = true\nuser_pool_id = \"eu-west-1_abc\"\n",
			want:   "Invalid config: auth.third_party.cognito is enabled but without a user_pool_region.",
		},
		{
			name:   "workos without issuer_url",
			config: "[auth]\nenabled = true\n[auth.third_party.workos]\nenabled = true\n",
			want:   "Invalid config: auth.third_party.workos is enabled but without a issuer_url.",
		},
		{
			name:   "env override breaks clerk domain",
			config: "[auth]\nenabled = true\n[auth.third_party.clerk]\nenabled = true\ndomain = \"example.clerk.accounts.dev\"\n",
			env:    map[string]string{"SUPABASE_AUTH_THIRD_PARTY_CLERK_DOMAIN": "not-clerk.example.com"},
			want:   "Invalid config: auth.third_party.clerk has invalid domain",
		},
		{
			name:   "http issuer off loopback",
			config: "[rowgate.issuers.x]\nissuer = \"http://example.com\"\n",
			want:   `Invalid config: rowgate.issuers.x.issuer must be an https URL (http is allowed only for loopback hosts), got "http://example.com".`,
		},
		{
			name:   "issuer without issuer",
			config: "[rowgate.issuers.x]\njwks_url = \"https://example.com/jwks.json\"\n",
			want:   "Invalid config: rowgate.issuers.x is defined but without an issuer.",
		},
		{
			name:   "privileged role",
			config: "[rowgate.issuers.x]\nissuer = \"https://idp.example.com\"\nallowed_roles = [\"authenticated\", \"service_role\"]\n",
			want:   `Invalid config: rowgate.issuers.x.allowed_roles includes the privileged role "service_role"`,
		},
		{
			name:   "toml syntax",
			config: "[api\nport = 1\n",
			want:   "decode config",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			dir := t.TempDir()
			writeConfig(t, dir, tc.config)
			code, out, errOut := run(t, "config", "check", "--workdir", dir)
			if code != 1 {
				t.Fatalf("exit %d, want 1; stdout %q stderr %q", code, out, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr = %q, want it to contain %q", errOut, tc.want)
			}
			if strings.Contains(out, "config: valid") {
				t.Errorf("stdout claims the config is valid: %q", out)
			}
		})
	}
}

// TestConfigCheckExactMessages asserts the whole stderr line for the CLI's
// messages: byte-identical to the Supabase CLI, nothing added in front.
func TestConfigCheckExactMessages(t *testing.T) {
	tests := []struct{ name, config, want string }{
		{"clerk domain", "[auth]\nenabled = true\n[auth.third_party.clerk]\nenabled = true\ndomain = \"example.com\"\n",
			"Invalid config: auth.third_party.clerk has invalid domain, it usually is like clerk.example.com or example.clerk.accounts.dev. Check https://clerk.com/setup/supabase on how to find the correct value.\n"},
		{"clerk missing domain", "[auth]\nenabled = true\n[auth.third_party.clerk]\nenabled = true\n",
			"Invalid config: auth.third_party.clerk is enabled but without a domain.\n"},
		{"two providers", "[auth]\nenabled = true\n[auth.third_party.firebase]\nenabled = true\nproject_id = \"p\"\n[auth.third_party.workos]\nenabled = true\nissuer_url = \"https://api.workos.com\"\n",
			"Invalid config: Only one third_party provider allowed to be enabled at a time.\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeConfig(t, dir, tc.config)
			code, _, errOut := run(t, "config", "check", "--workdir", dir)
			if code != 1 || errOut != tc.want {
				t.Fatalf("exit %d, stderr %q; want exit 1, stderr %q", code, errOut, tc.want)
			}
		})
	}
}

func TestConfigCheckMissingFile(t *testing.T) {
	code, _, errOut := run(t, "config", "check", "--workdir", t.TempDir())
	if code != 1 || !strings.Contains(errOut, "config.toml") {
		t.Fatalf("exit %d, stderr %q; want 1 naming config.toml", code, errOut)
	}
}

func TestConfigCheckTrustedIssuers(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, `
[api]
port = 54321
[auth]
enabled = true
[auth.third_party.clerk]
enabled = true
domain = "example.clerk.accounts.dev"

[rowgate.third_party.clerk]
allowed_roles = ["anon", "authenticated", "editor"]
default_role = "editor"

[rowgate.issuers.corp]
issuer = "https://idp.corp.example"
jwks_url = "https://idp.corp.example/keys"
audience = "rowgate"

[rowgate.issuers.local]
issuer = "http://127.0.0.1:9999"
`)
	code, out, errOut := run(t, "config", "check", "--workdir", dir)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"issuer clerk (clerk): https://example.clerk.accounts.dev; keys from OIDC discovery https://example.clerk.accounts.dev/.well-known/openid-configuration; roles anon, authenticated, editor (default editor)",
		"issuer issuers.corp (oidc): https://idp.corp.example; keys from JWKS https://idp.corp.example/keys; roles anon, authenticated (default authenticated); audience rowgate",
		"issuer issuers.local (oidc): http://127.0.0.1:9999; keys from OIDC discovery http://127.0.0.1:9999/.well-known/openid-configuration",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestToken(t *testing.T) {
	dir := t.TempDir()
	apiPort := 54987
	writeConfig(t, dir, minimalConfig(apiPort, 54988))
	wantIss := fmt.Sprintf("http://127.0.0.1:%d/dev-issuer", apiPort)

	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, claims map[string]any)
	}{
		{"defaults", nil, func(t *testing.T, c map[string]any) {
			if c["sub"] != "user_123" || c["role"] != "authenticated" {
				t.Errorf("sub/role = %v/%v", c["sub"], c["role"])
			}
			if _, ok := c["o"]; ok {
				t.Errorf("o claim present without --org: %v", c["o"])
			}
			if d := numClaim(t, c, "exp") - numClaim(t, c, "iat"); d != 60 {
				t.Errorf("exp-iat = %d, want 60", d)
			}
		}},
		{"org and ttl", []string{"--sub", "user_a", "--org", "org_1", "--org-role", "admin", "--org-slug", "acme", "--ttl", "90s"}, func(t *testing.T, c map[string]any) {
			if c["sub"] != "user_a" {
				t.Errorf("sub = %v", c["sub"])
			}
			o, ok := c["o"].(map[string]any)
			if !ok || o["id"] != "org_1" || o["rol"] != "admin" || o["slg"] != "acme" {
				t.Errorf("o = %v, want id org_1, rol admin, slg acme", c["o"])
			}
			if d := numClaim(t, c, "exp") - numClaim(t, c, "iat"); d != 90 {
				t.Errorf("exp-iat = %d, want 90", d)
			}
		}},
		{"role", []string{"--role", "anon"}, func(t *testing.T, c map[string]any) {
			if c["role"] != "anon" {
				t.Errorf("role = %v, want anon", c["role"])
			}
		}},
		{"no role", []string{"--no-role"}, func(t *testing.T, c map[string]any) {
			if r, ok := c["role"]; ok {
				t.Errorf("role claim %v present with --no-role", r)
			}
		}},
		{"expired", []string{"--ttl", "-30s"}, func(t *testing.T, c map[string]any) {
			if exp := numClaim(t, c, "exp"); exp > time.Now().Unix()-25 {
				t.Errorf("exp %d is not about 30 s in the past (now %d)", exp, time.Now().Unix())
			}
			if numClaim(t, c, "iat") >= numClaim(t, c, "exp") {
				t.Errorf("iat is not before exp")
			}
		}},
	}
	var kids []string
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, append([]string{"token", "--workdir", dir}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if strings.Count(strings.TrimSpace(out), "\n") != 0 {
				t.Fatalf("stdout is not one token line: %q", out)
			}
			h, c := decodeJWT(t, out)
			if h["alg"] != "RS256" {
				t.Errorf("alg = %v", h["alg"])
			}
			kid, _ := h["kid"].(string)
			if !strings.HasPrefix(kid, "ins_") {
				t.Errorf("kid = %q, want ins_…", kid)
			}
			kids = append(kids, kid)
			if c["iss"] != wantIss {
				t.Errorf("iss = %v, want %s", c["iss"], wantIss)
			}
			if v, _ := c["v"].(json.Number); v.String() != "2" {
				t.Errorf("v = %v, want 2", c["v"])
			}
			for _, k := range []string{"azp", "sid", "nbf"} {
				if _, ok := c[k]; !ok {
					t.Errorf("claim %s missing", k)
				}
			}
			tc.check(t, c)
		})
	}
	if len(kids) != len(tests) {
		t.Fatalf("got %d tokens, want %d", len(kids), len(tests))
	}
	for _, k := range kids[1:] {
		if k != kids[0] {
			t.Fatalf("kids differ across invocations: %v; the key must persist", kids)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, "supabase", ".rowgate", "dev-issuer.json"))
	if err != nil {
		t.Fatalf("dev issuer key not persisted: %v", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("key file mode %v is readable by others", fi.Mode().Perm())
	}
}

func TestTokenErrors(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, minimalConfig(54321, 54322))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"empty sub", []string{"--sub", ""}, "subject is required"},
		{"bad ttl", []string{"--ttl", "soon"}, "invalid argument"},
		{"no config", []string{"--workdir", t.TempDir()}, "config.toml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, append([]string{"token", "--workdir", dir}, tc.args...)...)
			if code == 0 || out != "" {
				t.Fatalf("exit %d, stdout %q; want failure and no token", code, out)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q lacks %q", errOut, tc.want)
			}
		})
	}
}

func TestDBBootstrapAndMigrate(t *testing.T) {
	dbURL := pgtest.NewEmptyDB(t)
	dir := t.TempDir()
	mig := filepath.Join(dir, "supabase", "migrations")
	if err := os.MkdirAll(mig, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"20250101000000_notes.sql": "create table public.notes (id bigint primary key, body text);",
		"20250102000000_tags.sql":  "create table public.tags (id bigint primary key); alter table public.notes add column tag bigint references public.tags;",
		"README.md":                "not a migration",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(mig, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	steps := []struct {
		name    string
		args    []string
		wantOut []string
		notOut  []string
	}{
		{"bootstrap", []string{"db", "bootstrap", "--db-url", dbURL}, []string{"bootstrap: done"}, nil},
		{"bootstrap again", []string{"db", "bootstrap", "--db-url", dbURL}, []string{"bootstrap: done"}, nil},
		{"migrate", []string{"db", "migrate", "--db-url", dbURL, "--workdir", dir},
			[]string{"applied 20250101000000_notes.sql\napplied 20250102000000_tags.sql\n"}, []string{"up to date", "README"}},
		{"migrate again", []string{"db", "migrate", "--db-url", dbURL, "--workdir", dir},
			[]string{"migrate: database is up to date"}, []string{"applied"}},
	}
	for _, s := range steps {
		code, out, errOut := run(t, s.args...)
		if code != 0 {
			t.Fatalf("%s: exit %d, stderr %q", s.name, code, errOut)
		}
		for _, w := range s.wantOut {
			if !strings.Contains(out, w) {
				t.Errorf("%s: stdout %q lacks %q", s.name, out, w)
			}
		}
		for _, w := range s.notOut {
			if strings.Contains(out, w) {
				t.Errorf("%s: stdout %q contains %q", s.name, out, w)
			}
		}
	}

	conn := pgtest.Connect(t, dbURL)
	ctx := context.Background()
	var roles, history int
	if err := conn.QueryRow(ctx, `select count(*) from pg_roles where rolname in ('anon','authenticated','service_role','authenticator')`).Scan(&roles); err != nil {
		t.Fatal(err)
	}
	if roles != 4 {
		t.Errorf("baseline roles = %d, want 4", roles)
	}
	if err := conn.QueryRow(ctx, `select count(*) from supabase_migrations.schema_migrations`).Scan(&history); err != nil {
		t.Fatal(err)
	}
	if history != 2 {
		t.Errorf("migration history has %d rows, want 2", history)
	}

	// A broken migration: exit 1 naming the file; the earlier ones stay,
	// the broken one leaves no trace.
	if err := os.WriteFile(filepath.Join(mig, "20250103000000_broken.sql"), []byte("create table public.ok_part (id int);\nselect * from no_such_table;"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "db", "migrate", "--db-url", dbURL, "--workdir", dir)
	if code != 1 {
		t.Fatalf("broken migration: exit %d, want 1; stdout %q", code, out)
	}
	if !strings.Contains(errOut, "20250103000000_broken.sql") || !strings.Contains(errOut, "no_such_table") {
		t.Errorf("stderr %q does not name the file and the error", errOut)
	}
	var partial bool
	if err := conn.QueryRow(ctx, `select to_regclass('public.ok_part') is not null`).Scan(&partial); err != nil {
		t.Fatal(err)
	}
	if partial {
		t.Error("the failed migration's first statement was committed")
	}
}

func TestDBCommandsNeedURL(t *testing.T) {
	t.Setenv("ROWGATE_DB_URL", "")
	t.Setenv("DATABASE_URL", "")
	for _, args := range [][]string{{"db", "bootstrap"}, {"db", "migrate", "--workdir", t.TempDir()}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, errOut := run(t, args...)
			if code != 1 || !strings.Contains(errOut, "no database URL: pass --db-url or set ROWGATE_DB_URL or DATABASE_URL") {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
		})
	}
}

func TestDBBootstrapFromEnv(t *testing.T) {
	dbURL := pgtest.NewEmptyDB(t)
	t.Setenv("ROWGATE_DB_URL", "")
	t.Setenv("DATABASE_URL", dbURL)
	code, out, errOut := run(t, "db", "bootstrap")
	if code != 0 || !strings.Contains(out, "bootstrap: done") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestDBBootstrapNeedsSuperuser(t *testing.T) {
	dbURL := pgtest.NewDB(t)
	code, _, errOut := run(t, "db", "bootstrap", "--db-url", testenv.AsRole(t, dbURL, "authenticator"))
	if code != 1 || !strings.Contains(strings.ToLower(errOut), "superuser") {
		t.Fatalf("exit %d, stderr %q; want 1 explaining a superuser is needed", code, errOut)
	}
}

func TestServe(t *testing.T) {
	dbURL := pgtest.NewDB(t)
	conn := pgtest.Connect(t, dbURL)
	if _, err := conn.Exec(context.Background(), `
create table public.items (id int primary key, name text);
insert into public.items values (1, 'one'), (2, 'two');
grant select on public.items to anon;`); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ports := freePorts(t, 1)
	writeConfig(t, dir, minimalConfig(ports[0], 54322))
	base := fmt.Sprintf("http://127.0.0.1:%d", ports[0])

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan struct{})
	var code int
	go func() {
		defer close(done)
		code = Run(ctx, []string{"serve", "--workdir", dir, "--db-url", testenv.AsRole(t, dbURL, "authenticator"), "--db-pool", "3"}, &stdout, &stderr)
	}()
	waitHealthy(t, base, 20*time.Second, done, stderr.String)

	status, body := get(t, base+"/rest/v1/items?select=name&order=id", map[string]string{"apikey": config.DefaultPublishableKey})
	if status != 200 || compactJSON(t, body) != `[{"name":"one"},{"name":"two"}]` {
		t.Errorf("GET /rest/v1/items = %d %s", status, body)
	}
	status, body = get(t, base+"/metrics", nil)
	if status != 200 || !strings.Contains(body, "# TYPE") {
		t.Errorf("GET /metrics = %d, body does not look like Prometheus text", status)
	}

	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20 s of cancellation")
	}
	if code != 0 {
		t.Fatalf("serve exit %d, want 0 (graceful); stderr:\n%s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), config.DefaultSecretKey) {
		t.Error("logs contain the secret key")
	}
}

func TestServeErrors(t *testing.T) {
	t.Setenv("ROWGATE_DB_URL", "")
	t.Setenv("DATABASE_URL", "")
	dir := t.TempDir()
	writeConfig(t, dir, minimalConfig(freePorts(t, 1)[0], 54322))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no database url", []string{"serve", "--workdir", dir}, "no database URL: pass --db-url or set ROWGATE_DB_URL or DATABASE_URL"},
		{"bad database url", []string{"serve", "--workdir", dir, "--db-url", "postgres://%zz"}, "parse database url"},
		{"no config", []string{"serve", "--workdir", t.TempDir(), "--db-url", "postgres://127.0.0.1/x"}, "config.toml"},
		{"invalid config", []string{"serve", "--workdir", func() string {
			d := t.TempDir()
			writeConfig(t, d, "[auth]\nenabled = true\n[auth.third_party.clerk]\nenabled = true\n")
			return d
		}(), "--db-url", "postgres://127.0.0.1/x"}, "Invalid config: auth.third_party.clerk is enabled but without a domain."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, tc.args...)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q; want 1 and %q", code, errOut, tc.want)
			}
		})
	}
}
