package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/auth/authtest"
)

// TestAttackCorpus runs every hostile request of authtest.AttackCorpus
// through Resolve, twice (the second pass goes through the verified-token
// cache), and checks that no key-carrying header was ever fetched.
func TestAttackCorpus(t *testing.T) {
	env := authtest.NewEnv(t)
	v, err := auth.New(env.Config())
	if err != nil {
		t.Fatal(err)
	}
	cases := authtest.AttackCorpus(env)
	if n := len(cases); n < 50 {
		t.Fatalf("corpus has %d cases, want at least 50", n)
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.Name] {
			t.Fatalf("duplicate case name %q", tc.Name)
		}
		seen[tc.Name] = true
	}
	for pass := range 2 {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("pass%d/%s", pass, tc.Name), func(t *testing.T) {
				id, err := v.Resolve(context.Background(), tc.Credentials())
				if tc.WantStatus == 200 {
					if err != nil {
						t.Fatalf("pass %d: want accepted, got %v", pass, err)
					}
					if id.Role != tc.WantRole {
						t.Fatalf("pass %d: role %q, want %q", pass, id.Role, tc.WantRole)
					}
					return
				}
				if err == nil {
					t.Fatalf("pass %d: accepted as role %q, want %d %s %q", pass, id.Role, tc.WantStatus, tc.WantCode, tc.WantMessage)
				}
				var re *rowgate.Error
				if !errors.As(err, &re) {
					t.Fatalf("error %T is not *rowgate.Error: %v", err, err)
				}
				if re.Status != tc.WantStatus || re.Code != tc.WantCode || !strings.Contains(re.Message, tc.WantMessage) {
					t.Fatalf("pass %d: got %d %s %q (details %q), want %d %s containing %q",
						pass, re.Status, re.Code, re.Message, re.Details, tc.WantStatus, tc.WantCode, tc.WantMessage)
				}
				if h := re.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, `Bearer error="invalid_token", error_description="`) {
					t.Fatalf("WWW-Authenticate = %q", h)
				}
				assertNoTokenEcho(t, re, tc.Credentials())
			})
		}
	}
	if hits := env.Canary.Hits(); hits != 0 {
		t.Fatalf("canary was fetched %d times; key-carrying headers must never be fetched", hits)
	}
	if f := env.Clerk.Fetches() + env.Auth0.Fetches() + env.Clerk.DiscoveryFetches(); f != 0 {
		t.Fatalf("issuer servers were fetched %d times with static key sources", f)
	}
}

// assertNoTokenEcho checks that no bearer token or API key appears in the
// error text.
func assertNoTokenEcho(t *testing.T, re *rowgate.Error, c auth.Credentials) {
	t.Helper()
	text := re.Message + re.Details + re.Hint + re.Header.Get("WWW-Authenticate")
	secrets := []string{c.APIKey}
	for _, a := range c.Authorization {
		if _, tok, ok := strings.Cut(a, " "); ok {
			secrets = append(secrets, tok)
		}
	}
	for _, s := range secrets {
		if len(s) >= 16 && strings.Contains(text, s) {
			t.Fatalf("error echoes a credential: %q", text)
		}
	}
	for _, part := range secrets {
		for _, seg := range strings.Split(part, ".") {
			if len(seg) >= 24 && strings.Contains(text, seg) {
				t.Fatalf("error echoes a token segment: %q", text)
			}
		}
	}
}
