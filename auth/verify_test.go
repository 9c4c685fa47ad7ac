package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/auth/authtest"
)

// clock is an injectable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newVerifier(t testing.TB, env *authtest.Env, edit func(*auth.Config)) *auth.Verifier {
	t.Helper()
	cfg := env.Config()
	if edit != nil {
		edit(&cfg)
	}
	v, err := auth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func wantError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var re *rowgate.Error
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T), want *rowgate.Error %s %q", err, err, code, msg)
	}
	if re.Status != 401 || re.Code != code || !strings.Contains(re.Message, msg) {
		t.Fatalf("got %d %s %q (%q), want 401 %s containing %q", re.Status, re.Code, re.Message, re.Details, code, msg)
	}
}

func TestTimeClaimEdges(t *testing.T) {
	env := authtest.NewEnv(t)
	base := time.Unix(1_900_000_000, 0)
	tests := []struct {
		name    string
		claims  map[string]any
		skew    time.Duration
		wantErr string // "" = accepted
	}{
		{"exp exactly at now+skew is expired", map[string]any{"exp": base.Unix() - 30}, 0, "JWT expired"},
		{"exp one second inside skew", map[string]any{"exp": base.Unix() - 29}, 0, ""},
		{"exp fractional inside skew", map[string]any{"exp": float64(base.Unix()) - 29.5}, 0, ""},
		{"zero skew, exp == now is expired", map[string]any{"exp": base.Unix()}, time.Nanosecond, "JWT expired"},
		{"nbf at now+skew accepted", map[string]any{"exp": base.Unix() + 60, "nbf": base.Unix() + 30}, 0, ""},
		{"nbf beyond skew", map[string]any{"exp": base.Unix() + 60, "nbf": base.Unix() + 31}, 0, "JWT not yet valid"},
		{"iat at now+skew accepted", map[string]any{"exp": base.Unix() + 60, "iat": base.Unix() + 30}, 0, ""},
		{"iat beyond skew", map[string]any{"exp": base.Unix() + 60, "iat": base.Unix() + 31}, 0, "JWT issued at future"},
		{"nbf as string", map[string]any{"exp": base.Unix() + 60, "nbf": "1"}, 0, "'nbf' claim must be a number"},
		{"exp huge", map[string]any{"exp": 1e300, "iat": base.Unix()}, 0, "exceeds the maximum"},
		{"exp overflowing float", map[string]any{"exp": json.Number("1e400")}, 0, "'exp' claim must be a number"},
		{"lifetime exactly the cap", map[string]any{"iat": base.Unix(), "exp": base.Unix() + int64(authtest.MaxLifetime/time.Second)}, 0, ""},
		{"lifetime one second over", map[string]any{"iat": base.Unix(), "exp": base.Unix() + int64(authtest.MaxLifetime/time.Second) + 1}, 0, "exceeds the maximum"},
		{"lifetime from nbf without iat", map[string]any{"nbf": base.Unix() - 10, "exp": base.Unix() + int64(authtest.MaxLifetime/time.Second)}, 0, "exceeds the maximum"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{t: base}
			v := newVerifier(t, env, func(c *auth.Config) {
				c.Now = clk.Now
				if tc.skew != 0 {
					c.Skew = tc.skew
				}
			})
			claims := map[string]any{"iss": env.Clerk.URL, "sub": "user_1"}
			for k, val := range tc.claims {
				claims[k] = val
			}
			_, err := v.Verify(context.Background(), authtest.Sign(t, env.ClerkKey, claims))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("want accepted, got %v", err)
				}
				return
			}
			wantError(t, err, rowgate.CodeJWTClaims, tc.wantErr)
		})
	}
}

func TestIdentity(t *testing.T) {
	env := authtest.NewEnv(t)
	v := newVerifier(t, env, nil)
	ctx := context.Background()
	exp := time.Now().Add(time.Hour).Unix()

	t.Run("third-party", func(t *testing.T) {
		tok := authtest.Sign(t, env.ClerkKey, map[string]any{"iss": env.Clerk.URL, "sub": "user_9", "exp": exp, "big": json.Number("12345678901234567890"), "o": map[string]any{"rol": "admin"}})
		id, err := v.Verify(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if id.Kind != auth.KindUser || id.Role != "authenticated" || id.Subject != "user_9" || id.Issuer != env.Clerk.URL || id.ExpiresAt.Unix() != exp {
			t.Fatalf("identity %+v", id)
		}
		var got map[string]any
		dec := json.NewDecoder(strings.NewReader(string(id.ClaimsJSON)))
		dec.UseNumber()
		if err := dec.Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got["role"] != "authenticated" || got["sub"] != "user_9" || got["big"] != json.Number("12345678901234567890") {
			t.Fatalf("claims JSON %s", id.ClaimsJSON)
		}
	})
	t.Run("project anon role default", func(t *testing.T) {
		tok, err := auth.MintProjectToken(env.Secret, map[string]any{"sub": "x"})
		if err != nil {
			t.Fatal(err)
		}
		id, err := v.Verify(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if id.Kind != auth.KindAnon || id.Role != "anon" || !id.ExpiresAt.IsZero() || string(id.ClaimsJSON) != `{"role":"anon","sub":"x"}` {
			t.Fatalf("identity %+v %s", id, id.ClaimsJSON)
		}
	})
	t.Run("project token may use any role", func(t *testing.T) {
		tok, _ := auth.MintProjectToken(env.Secret, map[string]any{"role": "service_role", "exp": exp})
		id, err := v.Verify(ctx, tok)
		if err != nil || id.Kind != auth.KindService || id.Role != "service_role" {
			t.Fatalf("identity %+v, err %v", id, err)
		}
	})
	t.Run("project token expired", func(t *testing.T) {
		tok, _ := auth.MintProjectToken(env.Secret, map[string]any{"role": "authenticated", "exp": time.Now().Add(-time.Hour).Unix()})
		_, err := v.Verify(ctx, tok)
		wantError(t, err, rowgate.CodeJWTClaims, "JWT expired")
	})
	t.Run("no secret configured", func(t *testing.T) {
		v := newVerifier(t, env, func(c *auth.Config) { c.JWTSecret = nil })
		tok, _ := auth.MintProjectToken(env.Secret, map[string]any{"role": "anon"})
		_, err := v.Verify(ctx, tok)
		wantError(t, err, rowgate.CodeJWTDecode, "No suitable key")
	})
	t.Run("empty token", func(t *testing.T) {
		_, err := v.Verify(ctx, "")
		wantError(t, err, rowgate.CodeJWTDecode, "Empty JWT is sent in Authorization header")
	})
}

func TestResolveIdentities(t *testing.T) {
	env := authtest.NewEnv(t)
	v := newVerifier(t, env, nil)
	ctx := context.Background()
	tests := []struct {
		name      string
		c         auth.Credentials
		kind      auth.Kind
		role      string
		claimsSub string // substring of ClaimsJSON
	}{
		{"publishable", auth.Credentials{APIKey: env.PublishableKey}, auth.KindAnon, "anon", `{"role":"anon"}`},
		{"secret", auth.Credentials{APIKey: env.SecretKey, UserAgent: "curl/8"}, auth.KindService, "service_role", `{"role":"service_role"}`},
		{"legacy anon", auth.Credentials{APIKey: env.AnonKey}, auth.KindAnon, "anon", `"iss":"supabase-demo"`},
		{"legacy service", auth.Credentials{APIKey: env.ServiceKey}, auth.KindService, "service_role", `"exp":1983812996`},
		{"legacy anon as bearer too", auth.Credentials{APIKey: env.AnonKey, Authorization: []string{"Bearer " + env.AnonKey}}, auth.KindAnon, "anon", `"role":"anon"`},
		{"secret key bearer equal", auth.Credentials{APIKey: env.SecretKey, Authorization: []string{"BEARER " + env.SecretKey}}, auth.KindService, "service_role", `{"role":"service_role"}`},
		{"user over service key", auth.Credentials{APIKey: env.SecretKey, Authorization: []string{"Bearer " + env.ClerkToken(nil)}}, auth.KindUser, "authenticated", `"sub":"user_2abc"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := v.Resolve(ctx, tc.c)
			if err != nil {
				t.Fatal(err)
			}
			if id.Kind != tc.kind || id.Role != tc.role || !strings.Contains(string(id.ClaimsJSON), tc.claimsSub) {
				t.Fatalf("got kind %v role %q claims %s", id.Kind, id.Role, id.ClaimsJSON)
			}
		})
	}
}

func TestLegacyKeysMatchSupabaseCLI(t *testing.T) {
	// The Supabase CLI's well-known local demo keys.
	const (
		anon    = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0"
		service = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU"
	)
	a, s := auth.LegacyKeys([]byte(auth.DefaultJWTSecret))
	if a != anon || s != service {
		t.Fatalf("LegacyKeys = %s, %s", a, s)
	}
	a2, _ := auth.LegacyKeys([]byte("another-secret-of-at-least-32-characters"))
	if a2 == anon {
		t.Fatal("legacy key does not depend on the secret")
	}
	if _, err := auth.MintProjectToken(nil, map[string]any{}); err == nil {
		t.Fatal("MintProjectToken accepted an empty secret")
	}
}

func TestRefreshBehaviour(t *testing.T) {
	env := authtest.NewEnv(t)
	ctx := context.Background()

	t.Run("unknown kid refreshes once and finds a rotated key", func(t *testing.T) {
		keys := authtest.NewStaticKeys()
		keys.AddOnRefresh(env.ClerkKey.JWKSKey())
		v := newVerifier(t, env, func(c *auth.Config) { c.Issuers[0].Keys = keys })
		if _, err := v.Verify(ctx, env.ClerkToken(nil)); err != nil {
			t.Fatal(err)
		}
		if n := keys.Refreshes(); n != 1 {
			t.Fatalf("refreshes = %d, want 1", n)
		}
	})
	t.Run("known kid with a bad signature never refreshes", func(t *testing.T) {
		keys := authtest.NewStaticKeys(env.ClerkKey.JWKSKey())
		v := newVerifier(t, env, func(c *auth.Config) { c.Issuers[0].Keys = keys })
		forged := authtest.SignRaw(t, env.Attacker, "RS256", `{"alg":"RS256","kid":"clerk-rsa"}`, `{"iss":"`+env.Clerk.URL+`","exp":9999999999}`)
		_, err := v.Verify(ctx, forged)
		wantError(t, err, rowgate.CodeJWTDecode, "JWT cryptographic operation failed")
		if n := keys.Refreshes(); n != 0 {
			t.Fatalf("refreshes = %d, want 0", n)
		}
	})
	t.Run("kid is only looked up in the token issuer's source", func(t *testing.T) {
		// auth0's key verifies the signature but the token claims clerk.
		tok := authtest.Sign(t, env.Auth0EC, env.ClerkClaims())
		_, err := newVerifier(t, env, nil).Verify(ctx, tok)
		wantError(t, err, rowgate.CodeJWTDecode, `JWT key id "auth0-ec" is unknown to issuer "clerk"`)
	})
}

func TestCacheInvalidation(t *testing.T) {
	env := authtest.NewEnv(t)
	ctx := context.Background()
	clk := &clock{t: time.Now()}
	keys := authtest.NewStaticKeys(env.ClerkKey.JWKSKey())
	v := newVerifier(t, env, func(c *auth.Config) { c.Now = clk.Now; c.Issuers[0].Keys = keys })
	tok := env.ClerkToken(func(c map[string]any) { c["exp"] = clk.Now().Unix() + 120 })

	first, err := v.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	second, err := v.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Fatal("second Verify did not come from the cache")
	}
	// Time claims are re-checked on a hit.
	clk.Add(200 * time.Second)
	_, err = v.Verify(ctx, tok)
	wantError(t, err, rowgate.CodeJWTClaims, "JWT expired")
	clk.Add(-200 * time.Second)

	// A rotated key (same kid, new *jwks.Key) invalidates the entry.
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	keys.Remove("clerk-rsa")
	_, err = v.Verify(ctx, tok)
	wantError(t, err, rowgate.CodeJWTDecode, "is unknown to issuer")
	keys.Add(env.ClerkKey.JWKSKey())
	third, err := v.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if third == first {
		t.Fatal("entry survived a key change")
	}
}

func TestExplain(t *testing.T) {
	env := authtest.NewEnv(t)
	v := newVerifier(t, env, nil)
	ctx := context.Background()

	steps := v.Explain(ctx, env.ClerkToken(nil))
	names := []string{}
	for _, s := range steps {
		if !s.OK {
			t.Fatalf("step %s failed: %s", s.Name, s.Detail)
		}
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "format,header,claims,issuer,key,algorithm,signature,exp,nbf,iat,lifetime,iss,role" {
		t.Fatalf("steps %s", got)
	}

	steps = v.Explain(ctx, env.ClerkToken(func(c map[string]any) { c["role"] = "service_role" }))
	last := steps[len(steps)-1]
	if last.OK || last.Name != "role" || !strings.Contains(last.Detail, `JWT role "service_role" is not allowed for issuer "clerk"`) {
		t.Fatalf("last step %+v", last)
	}
	for _, s := range steps[:len(steps)-1] {
		if !s.OK {
			t.Fatalf("step %+v failed before the last", s)
		}
	}
	steps = v.Explain(ctx, "a.b")
	if len(steps) != 1 || steps[0].OK || steps[0].Detail != "Expected 3 parts in JWT; got 2" {
		t.Fatalf("steps %+v", steps)
	}
}

func TestNewValidation(t *testing.T) {
	env := authtest.NewEnv(t)
	tests := []struct {
		name string
		edit func(*auth.Config)
		want string
	}{
		{"privileged role", func(c *auth.Config) { c.Issuers[0].AllowedRoles = []string{"authenticated", "service_role"} }, "cannot be allowed"},
		{"pg_ role", func(c *auth.Config) { c.Issuers[0].AllowedRoles = []string{"pg_read_server_files"} }, "cannot be allowed"},
		{"default not allowed", func(c *auth.Config) {
			c.Issuers[0].DefaultRole = "anon"
			c.Issuers[0].AllowedRoles = []string{"authenticated"}
		}, "default role"},
		{"duplicate iss", func(c *auth.Config) { c.Issuers[1].Issuer = c.Issuers[0].Issuer }, "configured twice"},
		{"duplicate name", func(c *auth.Config) { c.Issuers[1].Name = "clerk" }, "duplicate issuer name"},
		{"no keys", func(c *auth.Config) { c.Issuers[0].Keys = nil }, "no key source"},
		{"negative skew", func(c *auth.Config) { c.Skew = -time.Second }, "negative skew"},
		{"equal api keys", func(c *auth.Config) { c.SecretKey = c.PublishableKey }, "are equal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := env.Config()
			tc.edit(&cfg)
			_, err := auth.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestJWTTemplates(t *testing.T) {
	env := authtest.NewEnv(t)
	ctx := context.Background()
	claims := env.ClerkClaims()
	tok, err := auth.MintProjectToken(env.Secret, claims)
	if err != nil {
		t.Fatal(err)
	}
	_, err = newVerifier(t, env, nil).Verify(ctx, tok)
	wantError(t, err, rowgate.CodeJWTDecode, "accessToken")

	var logs strings.Builder
	v := newVerifier(t, env, func(c *auth.Config) {
		c.AllowJWTTemplates = true
		c.Logger = slogTo(&logs)
	})
	for range 3 {
		if steps := v.Explain(ctx, tok); !steps[len(steps)-1].OK {
			t.Fatalf("explain: %+v", steps)
		}
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(logs.String(), "deprecated JWT-template"); n != 1 {
		t.Fatalf("warning logged %d times, want once: %s", n, logs.String())
	}
	if strings.Contains(logs.String(), tok[:20]) {
		t.Fatal("log contains the token")
	}
	bad, _ := auth.MintProjectToken(env.Secret, map[string]any{"iss": env.Clerk.URL, "exp": time.Now().Unix() + 60, "role": "service_role"})
	_, err = v.Verify(ctx, bad)
	wantError(t, err, rowgate.CodeJWTClaims, "is not allowed for issuer")
	noExp, _ := auth.MintProjectToken(env.Secret, map[string]any{"iss": env.Clerk.URL})
	_, err = v.Verify(ctx, noExp)
	wantError(t, err, rowgate.CodeJWTClaims, `no "exp" claim`)
}
