package authtest

import (
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/auth/jwks"
)

// CLI defaults used by Env (the Supabase CLI's fixed local keys).
const (
	PublishableKey = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH"
	SecretKey      = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
	Auth0Audience  = "https://api.rowgate.test"
	// MaxLifetime is the lifetime cap Env configures.
	MaxLifetime = 24 * time.Hour
)

// Env is a complete test setup: two trusted issuers served over httptest
// ("clerk" with an RSA key, "auth0" with an EC P-256 and an Ed25519 key and
// an audience rule), the project secret and API keys, an attacker key and a
// canary server. Its key sources are StaticKeys so tests can count
// refreshes; the issuers also serve the same public keys for tests of
// remote key sets.
type Env struct {
	tb testing.TB

	Secret         []byte
	PublishableKey string
	SecretKey      string
	// AnonKey and ServiceKey are the legacy JWT API keys for Secret.
	AnonKey, ServiceKey string

	Clerk     *Issuer
	ClerkKey  *Key // RS256, kid "clerk-rsa"
	ClerkKeys *StaticKeys
	// ClerkKeys also holds deliberately unusable keys that a real key set
	// would have filtered: "clerk-weak" (RSA 1024), "clerk-e3" (e = 3),
	// "clerk-offcurve" (EC point off the curve), "clerk-short-ed"
	// (31-byte Ed25519). WeakKey signs for "clerk-weak".
	WeakKey *Key

	Auth0     *Issuer
	Auth0EC   *Key // ES256, kid "auth0-ec"
	Auth0Ed   *Key // EdDSA, kid "auth0-ed"
	Auth0Keys *StaticKeys

	// Attacker is an RSA key in no key set, kid "atk". AttackerEC is an EC
	// P-256 key in no key set.
	Attacker, AttackerEC *Key
	Canary               *Canary
}

type sharedKeys struct {
	clerk, weak, attacker *Key
	e3                    jwks.Key
	auth0EC, auth0Ed      *Key
	attackerEC            *Key
}

var (
	keysOnce sync.Once
	keys     sharedKeys
)

// loadKeys generates the keys once per test binary (RSA generation is slow
// under the race detector).
func loadKeys(tb testing.TB) sharedKeys {
	keysOnce.Do(func() {
		keys.clerk = NewRSAKey(tb, "clerk-rsa", 2048)
		keys.weak = NewRSAKey(tb, "clerk-weak", 1024)
		keys.attacker = NewRSAKey(tb, "atk", 2048)
		pub := keys.attacker.Public.(*rsa.PublicKey)
		keys.e3 = jwks.Key{KID: "clerk-e3", Kty: "RSA", Alg: "RS256", Public: &rsa.PublicKey{N: new(big.Int).Set(pub.N), E: 3}}
		keys.auth0EC = NewECKey(tb, "auth0-ec", elliptic.P256())
		keys.auth0Ed = NewEd25519Key(tb, "auth0-ed")
		keys.attackerEC = NewECKey(tb, "atk-ec", elliptic.P256())
	})
	if keys.clerk == nil {
		tb.Fatal("authtest: key generation failed earlier")
	}
	return keys
}

// NewEnv starts the issuers and canary; they stop when the test ends.
func NewEnv(tb testing.TB) *Env {
	tb.Helper()
	k := loadKeys(tb)
	e := &Env{
		tb:             tb,
		Secret:         []byte(auth.DefaultJWTSecret),
		PublishableKey: PublishableKey,
		SecretKey:      SecretKey,
		ClerkKey:       k.clerk,
		WeakKey:        k.weak,
		Auth0EC:        k.auth0EC,
		Auth0Ed:        k.auth0Ed,
		Attacker:       k.attacker,
		AttackerEC:     k.attackerEC,
		Canary:         NewCanary(tb),
	}
	e.AnonKey, e.ServiceKey = auth.LegacyKeys(e.Secret)
	e.Clerk = NewIssuer(tb, e.ClerkKey)
	e.Auth0 = NewIssuer(tb, e.Auth0EC, e.Auth0Ed)
	e.ClerkKeys = NewStaticKeys(e.ClerkKey.JWKSKey(), e.WeakKey.JWKSKey(), k.e3,
		OffCurveKey(tb, "clerk-offcurve"), shortEd25519("clerk-short-ed"))
	e.Auth0Keys = NewStaticKeys(e.Auth0EC.JWKSKey(), e.Auth0Ed.JWKSKey())
	return e
}

func shortEd25519(kid string) jwks.Key {
	return jwks.Key{KID: kid, Kty: "OKP", Curve: "Ed25519", Public: ed25519.PublicKey(make([]byte, 31))}
}

// Config returns the auth configuration matching the environment: issuers
// "clerk" and "auth0" (audience Auth0Audience), the project secret and API
// keys, 30 s skew and MaxLifetime.
func (e *Env) Config() auth.Config {
	return auth.Config{
		Issuers: []auth.IssuerConfig{
			{Name: "clerk", Provider: "clerk", Issuer: e.Clerk.URL, Keys: e.ClerkKeys},
			{Name: "auth0", Provider: "auth0", Issuer: e.Auth0.URL, Keys: e.Auth0Keys, Audience: Auth0Audience},
		},
		JWTSecret:      e.Secret,
		PublishableKey: e.PublishableKey,
		SecretKey:      e.SecretKey,
		Skew:           30 * time.Second,
		MaxLifetime:    MaxLifetime,
	}
}

// ClerkClaims returns valid claims of a Clerk session token (v2 shape with
// the Supabase integration's role), expiring in an hour.
func (e *Env) ClerkClaims() map[string]any {
	now := time.Now().Unix()
	return map[string]any{
		"iss": e.Clerk.URL, "sub": "user_2abc", "sid": "sess_1", "azp": "http://localhost:3000",
		"role": "authenticated", "iat": now - 5, "nbf": now - 10, "exp": now + 3600, "v": 2,
		"fva": []int{7, -1}, "o": map[string]any{"id": "org_1", "rol": "admin"},
	}
}

// Auth0Claims returns valid claims for the auth0 issuer, with its audience.
func (e *Env) Auth0Claims() map[string]any {
	now := time.Now().Unix()
	return map[string]any{
		"iss": e.Auth0.URL, "sub": "auth0|123", "aud": Auth0Audience,
		"role": "authenticated", "iat": now - 5, "exp": now + 3600,
	}
}

// ClerkToken signs ClerkClaims, changed by edit (may be nil), with ClerkKey.
func (e *Env) ClerkToken(edit func(map[string]any)) string {
	c := e.ClerkClaims()
	if edit != nil {
		edit(c)
	}
	return Sign(e.tb, e.ClerkKey, c)
}

// Auth0Token signs Auth0Claims, changed by edit (may be nil), with Auth0EC.
func (e *Env) Auth0Token(edit func(map[string]any)) string {
	c := e.Auth0Claims()
	if edit != nil {
		edit(c)
	}
	return Sign(e.tb, e.Auth0EC, c)
}
