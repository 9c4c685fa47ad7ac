package auth_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/auth/authtest"
)

// FuzzVerify feeds arbitrary tokens to Verify, Explain and Resolve: they
// must never panic, and every refusal must be a 401 *rowgate.Error.
// The committed corpus is in testdata/fuzz/FuzzVerify.
func FuzzVerify(f *testing.F) {
	env := authtest.NewEnv(f)
	cfg := env.Config()
	cfg.JWTSecret = []byte(auth.DefaultJWTSecret)
	v, err := auth.New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	anon, service := auth.LegacyKeys(cfg.JWTSecret)
	f.Add(anon)
	f.Add(service)
	f.Add(env.ClerkToken(nil))
	f.Add(env.Auth0Token(nil))
	f.Add("a.b.c")
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, token string) {
		check := func(id *auth.Identity, err error) {
			if err == nil {
				if id == nil || id.Role == "" || len(id.ClaimsJSON) == 0 {
					t.Fatalf("accepted with an empty identity: %+v", id)
				}
				return
			}
			var re *rowgate.Error
			if !errors.As(err, &re) || re.Status != 401 || (re.Code != rowgate.CodeJWTDecode && re.Code != rowgate.CodeJWTClaims) {
				t.Fatalf("error %v (%T) is not a 401 PGRST301/303", err, err)
			}
			if len(token) >= 24 && strings.Contains(re.Message+re.Details, token) {
				t.Fatal("error echoes the token")
			}
		}
		check(v.Verify(ctx, token))
		steps := v.Explain(ctx, token)
		if len(steps) == 0 {
			t.Fatal("Explain returned no steps")
		}
		check(v.Resolve(ctx, auth.Credentials{APIKey: env.PublishableKey, Authorization: []string{"Bearer " + token}}))
	})
}

// TestOversizedTokenIsCheap checks that a 1 MiB token is refused without
// allocating in proportion to its size (security.md B1).
func TestOversizedTokenIsCheap(t *testing.T) {
	env := authtest.NewEnv(t)
	v, err := auth.New(env.Config())
	if err != nil {
		t.Fatal(err)
	}
	tokens := []string{strings.Repeat(".", 1<<20), strings.Repeat("A", 1<<20), "eyJ" + strings.Repeat("a.", 1<<19)}
	ctx := context.Background()
	for _, tok := range tokens {
		if _, err := v.Verify(ctx, tok); err == nil {
			t.Fatal("oversized token accepted")
		}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const runs = 100
	for range runs {
		for _, tok := range tokens {
			_, _ = v.Verify(ctx, tok)
		}
	}
	runtime.ReadMemStats(&after)
	perCall := (after.TotalAlloc - before.TotalAlloc) / (runs * uint64(len(tokens)))
	if perCall > 4<<10 {
		t.Fatalf("refusing a 1 MiB token allocated %d bytes per call", perCall)
	}
}
