package doctor

import (
	"bytes"
	"context"
	"crypto/elliptic"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/auth/authtest"
	"github.com/rowgate/rowgate/config"
	"github.com/rowgate/rowgate/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func issuerConfig(t *testing.T, issuer string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(fmt.Sprintf("[auth]\nenabled = true\n[rowgate.issuers.test]\nissuer = %q\n", issuer)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func lines(r *Report) string {
	var b bytes.Buffer
	_ = r.WriteText(&b)
	return b.String()
}

func TestRunAgainstRealStack(t *testing.T) {
	ctx := context.Background()
	key := authtest.NewRSAKey(t, "k1", 2048)
	iss := authtest.NewIssuer(t, key)
	dbURL := pgtest.NewDB(t)
	conn := pgtest.Connect(t, dbURL)
	for _, q := range []string{
		"CREATE TABLE public.open_notes (id int)",
		"GRANT SELECT ON public.open_notes TO anon",
		"CREATE TABLE public.tasks (id int, user_id uuid)",
		"ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY",
		"GRANT SELECT ON public.tasks TO authenticated",
		"CREATE POLICY own ON public.tasks USING (auth.uid() = user_id)",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	rep := Run(ctx, Options{Config: issuerConfig(t, iss.URL), DBURL: dbURL})
	out := lines(rep)
	for _, want := range []string{
		"[pass] config: supabase/config.toml is valid",
		"[pass] issuer issuers.test: discovery: " + iss.URL + "/.well-known/openid-configuration reachable",
		"[pass] issuer issuers.test: clock: within 5s",
		"[pass] issuer issuers.test: JWKS: " + iss.JWKSURL() + ": 1 keys, algorithms",
		"kids k1",
		"[pass] database: reachable (PostgreSQL",
		"[pass] database roles: anon, authenticated, service_role and authenticator exist",
		"[pass] auth.jwt(): present",
		"[pass] authenticator: NOINHERIT and not a superuser",
		"[fail] rls public.open_notes: row level security is disabled but anon",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "rls public.tasks") {
		t.Errorf("tasks has RLS but was flagged:\n%s", out)
	}
	if !rep.Failed() {
		t.Error("report with a failing line did not fail")
	}

	// Fix the table: every line passes.
	if _, err := conn.Exec(ctx, "ALTER TABLE public.open_notes ENABLE ROW LEVEL SECURITY"); err != nil {
		t.Fatal(err)
	}
	rep = Run(ctx, Options{Config: issuerConfig(t, iss.URL), DBURL: dbURL})
	if rep.Failed() || !strings.Contains(lines(rep), "[pass] rls: all 2 tables") {
		t.Errorf("want all pass:\n%s", lines(rep))
	}

	// Policies with auth.uid() fail once a non-UUID issuer is trusted.
	clerk := config.Default()
	clerk.Auth.ThirdParty.Clerk = config.Clerk{Enabled: true, Domain: "clerk.example.com"}
	r := &Report{}
	checkPolicies(ctx, r, pgtest.Connect(t, dbURL), Options{Config: clerk})
	if out := lines(r); !strings.Contains(out, `[fail] policy public.tasks "own": calls auth.uid(), but clerk subjects are not UUIDs: use (auth.jwt()->>'sub')`) {
		t.Errorf("policy not flagged:\n%s", out)
	}
}

func TestRunFailures(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		opts func(t *testing.T) Options
		want []string
	}{
		{"invalid config", func(t *testing.T) Options {
			_, err := config.Parse([]byte("[auth.third_party.clerk]\nenabled = true\n"), nil)
			return Options{ConfigErr: err}
		}, []string{"[fail] config: Invalid config: auth.third_party.clerk is enabled but without a domain.",
			"[warn] database: no database URL"}},
		{"issuer down", func(t *testing.T) Options {
			srv := httptest.NewServer(http.NotFoundHandler())
			srv.Close()
			return Options{Config: issuerConfig(t, srv.URL)}
		}, []string{"[fail] issuer issuers.test: discovery:", "[fail] issuer issuers.test: JWKS:"}},
		{"clock skew", func(t *testing.T) Options {
			key := authtest.NewECKey(t, "e1", elliptic.P256())
			iss := authtest.NewIssuer(t, key)
			return Options{Config: issuerConfig(t, iss.URL), Now: func() time.Time { return time.Now().Add(2 * time.Minute) }}
		}, []string{"[fail] issuer issuers.test: clock: local clock differs from the issuer's by 2m"}},
		{"skipped key", func(t *testing.T) Options {
			key := authtest.NewRSAKey(t, "good", 2048)
			iss := authtest.NewIssuer(t, key)
			doc := string(authtest.JWKS(key))
			iss.SetJWKS([]byte(strings.Replace(doc, `"keys":[`, `"keys":[{"kty":"oct","kid":"sym","k":"c2VjcmV0"},`, 1)))
			return Options{Config: issuerConfig(t, iss.URL)}
		}, []string{"[pass] issuer issuers.test: JWKS:", "[warn] issuer issuers.test: JWKS: key skipped:"}},
		{"database down", func(t *testing.T) Options {
			return Options{Config: config.Default(), DBURL: "postgres://nobody@127.0.0.1:1/x?connect_timeout=2"}
		}, []string{"[fail] database: not reachable"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := lines(Run(ctx, tc.opts(t)))
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in\n%s", w, out)
				}
			}
		})
	}
}

func TestRoleChecks(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewEmptyDB(t)
	r := Run(ctx, Options{Config: config.Default(), DBURL: dbURL})
	out := lines(r)
	if !strings.Contains(out, "[fail] auth.jwt(): missing") {
		t.Errorf("empty database should lack auth.jwt():\n%s", out)
	}
}

func TestExplainToken(t *testing.T) {
	ctx := context.Background()
	env := authtest.NewEnv(t)
	v, err := auth.New(env.Config())
	if err != nil {
		t.Fatal(err)
	}
	good := env.ClerkToken(nil)
	noRole := env.ClerkToken(func(c map[string]any) { delete(c, "role") })
	expired := env.ClerkToken(func(c map[string]any) {
		c["exp"] = time.Now().Add(-time.Hour).Unix()
		c["iat"] = time.Now().Add(-2 * time.Hour).Unix()
		c["nbf"] = c["iat"]
	})
	template := authtest.HS256(`{"alg":"HS256","typ":"JWT"}`, fmt.Sprintf(`{"iss":%q,"sub":"user_1","role":"authenticated","exp":%d}`, env.Clerk.URL, time.Now().Add(time.Hour).Unix()), env.Secret)
	unknownKID := authtest.Sign(t, env.Attacker, env.ClerkClaims())
	tests := []struct {
		name   string
		token  string
		wantOK bool
		want   []string
	}{
		{"valid", good, true, []string{"header: {", `"kid": "clerk-rsa"`, "claims: {", "[pass]", "token accepted"}},
		{"no role", noRole, true, []string{`[warn] role claim: the token has no "role" claim`}},
		{"expired", expired, false, []string{"[fail]", "token refused"}},
		{"template", template, false, []string{"[warn] jwt template: HS256 token with third-party issuer"}},
		{"unknown kid", unknownKID, false, []string{"[fail]", "token refused"}},
		{"garbage", "not-a-token", false, []string{"token: not a compact JWS", "token refused"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			ok, err := ExplainToken(ctx, &b, v, tc.token)
			if err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if ok != tc.wantOK {
				t.Errorf("ok = %v, want %v\n%s", ok, tc.wantOK, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in\n%s", w, out)
				}
			}
			if parts := strings.Split(tc.token, "."); len(parts) == 3 && strings.Contains(out, parts[2]) {
				t.Error("signature printed")
			}
		})
	}
}
