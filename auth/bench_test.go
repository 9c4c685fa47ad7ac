package auth_test

import (
	"context"
	"testing"

	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/auth/authtest"
)

func BenchmarkVerify(b *testing.B) {
	env := authtest.NewEnv(b)
	ctx := context.Background()
	tokens := []struct {
		name, token string
	}{
		{"RS256", env.ClerkToken(nil)},
		{"ES256", env.Auth0Token(nil)},
		{"EdDSA", authtest.Sign(b, env.Auth0Ed, env.Auth0Claims())},
	}
	for _, tc := range tokens {
		b.Run("cold/"+tc.name, func(b *testing.B) {
			v := newVerifier(b, env, func(c *auth.Config) { c.CacheSize = -1 })
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, tc.token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("cached/RS256", func(b *testing.B) {
		v := newVerifier(b, env, nil)
		tok := tokens[0].token
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached-parallel/RS256", func(b *testing.B) {
		v := newVerifier(b, env, nil)
		tok := tokens[0].token
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := v.Verify(ctx, tok); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("resolve/publishable", func(b *testing.B) {
		v := newVerifier(b, env, nil)
		c := auth.Credentials{APIKey: env.PublishableKey, Authorization: []string{"Bearer " + env.PublishableKey}}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Resolve(ctx, c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
