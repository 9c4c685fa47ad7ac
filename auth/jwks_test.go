package auth_test

import (
	"context"
	"crypto/elliptic"
	"strings"
	"testing"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/auth/authtest"
	"github.com/rowgate/rowgate/auth/jwks"
)

// TestRemoteKeySet verifies tokens against a *jwks.Set that discovers and
// fetches the issuer's JWKS from a loopback httptest server.
func TestRemoteKeySet(t *testing.T) {
	env := authtest.NewEnv(t)
	ctx := context.Background()
	set, err := jwks.New(jwks.Options{Issuer: env.Clerk.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(set.Close)
	if err := set.FetchNow(ctx); err != nil {
		t.Fatal(err)
	}
	var _ auth.KeySource = set
	v := newVerifier(t, env, func(c *auth.Config) { c.Issuers[0].Keys = set })

	t.Run("valid token", func(t *testing.T) {
		id, err := v.Verify(ctx, env.ClerkToken(nil))
		if err != nil {
			t.Fatal(err)
		}
		if id.Role != "authenticated" || id.Subject != "user_2abc" {
			t.Fatalf("identity %+v", id)
		}
	})
	fetches := env.Clerk.Fetches()
	t.Run("bad signature with a known kid does not fetch", func(t *testing.T) {
		forged := authtest.SignRaw(t, env.Attacker, "RS256", `{"alg":"RS256","kid":"clerk-rsa"}`, `{"iss":"`+env.Clerk.URL+`","exp":9999999999}`)
		_, err := v.Verify(ctx, forged)
		wantError(t, err, rowgate.CodeJWTDecode, "JWT cryptographic operation failed")
		if got := env.Clerk.Fetches(); got != fetches {
			t.Fatalf("JWKS fetched %d times, want %d", got, fetches)
		}
	})
	t.Run("rotated key is found by one refetch", func(t *testing.T) {
		rotated := authtest.NewECKey(t, "clerk-ec-2", elliptic.P256())
		env.Clerk.SetKeys(env.ClerkKey, rotated)
		tok := authtest.Sign(t, rotated, env.ClerkClaims())
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if got := env.Clerk.Fetches(); got != fetches+1 {
			t.Fatalf("JWKS fetched %d times, want %d", got, fetches+1)
		}
	})
	t.Run("unknown kid during the cooldown fails without a fetch", func(t *testing.T) {
		before := env.Clerk.Fetches()
		tok := authtest.SignRaw(t, env.Attacker, "RS256", `{"alg":"RS256","kid":"nope"}`, `{"iss":"`+env.Clerk.URL+`","exp":9999999999}`)
		_, err := v.Verify(ctx, tok)
		wantError(t, err, rowgate.CodeJWTDecode, `JWT key id "nope" is unknown to issuer "clerk"`)
		if got := env.Clerk.Fetches(); got != before {
			t.Fatalf("JWKS fetched %d times during the cooldown", got-before)
		}
	})
}

// TestKeySetNotReady checks that an issuer whose key set was never fetched
// fails closed.
func TestKeySetNotReady(t *testing.T) {
	env := authtest.NewEnv(t)
	set, err := jwks.New(jwks.Options{Issuer: env.Clerk.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(set.Close)
	env.Clerk.Close() // nothing can be fetched
	v := newVerifier(t, env, func(c *auth.Config) { c.Issuers[0].Keys = set })
	_, err = v.Verify(context.Background(), env.ClerkToken(nil))
	if err == nil {
		t.Fatal("token accepted without a key set")
	}
	wantError(t, err, rowgate.CodeJWTDecode, "No suitable key or wrong key type")
	if !strings.Contains(err.Error(), `the keys of issuer "clerk" are not available`) {
		t.Fatalf("error %v does not say the keys are unavailable", err)
	}
}
