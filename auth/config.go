package auth

import (
	"context"
	"log/slog"
	"time"

	"github.com/rowgate/rowgate/auth/jwks"
)

// KeySource is where the verifier finds an issuer's public keys. *jwks.Set
// implements it.
type KeySource interface {
	// Lookup returns the key with this kid from the source's current keys,
	// without I/O.
	Lookup(kid string) (*jwks.Key, bool)
	// Refresh is called once when Lookup misses: it may refetch the key set
	// (single-flight and rate-limited by the source) and returns the key, or
	// an error wrapping jwks.ErrUnknownKID.
	Refresh(ctx context.Context, kid string) (*jwks.Key, error)
}

// IssuerConfig trusts one third-party issuer (Clerk, Auth0, Firebase, …).
type IssuerConfig struct {
	// Name identifies the issuer in messages and logs, e.g. "clerk".
	Name string
	// Provider is the provider kind ("clerk", "firebase", "auth0",
	// "aws_cognito", "workos", "oidc"); informational.
	Provider string
	// Issuer is the exact "iss" value the issuer's tokens carry. It is
	// compared byte for byte: no trailing-slash or case folding.
	Issuer string
	// Keys holds the issuer's public keys. Only this source is asked for
	// the kid of a token whose "iss" equals Issuer.
	Keys KeySource
	// AllowedRoles lists the roles a token of this issuer may select with
	// its "role" claim; default anon and authenticated. Privileged roles
	// (service_role, postgres, supabase_*, pg_*, authenticator) MUST NOT be
	// listed and New refuses them.
	AllowedRoles []string
	// DefaultRole is the role of a token without a "role" claim; default
	// authenticated. It must be one of AllowedRoles.
	DefaultRole string
	// Audience, when set, must equal the "aud" claim or be one of its
	// elements; a token without "aud" is then refused. Shared-key issuers
	// such as Firebase need it to bind tokens to one project.
	Audience string
}

// Config configures a Verifier.
type Config struct {
	// Issuers are the trusted third-party issuers.
	Issuers []IssuerConfig
	// JWTSecret is the project's JWT secret: it verifies HS256 project
	// tokens (the legacy anon and service_role keys, tokens minted by
	// Supabase Auth). Empty means no HS256 token is ever accepted.
	JWTSecret []byte
	// SigningKeys holds the project's asymmetric signing keys
	// ([auth] signing_keys_path); nil if none.
	SigningKeys KeySource
	// PublishableKey and SecretKey are the project's sb_publishable_… and
	// sb_secret_… API keys; empty disables that kind of key.
	PublishableKey, SecretKey string
	// AllowJWTTemplates accepts HS256 tokens signed with the project secret
	// whose "iss" is a trusted third-party issuer (the deprecated Clerk JWT
	// template pattern), logging a warning once per issuer.
	AllowJWTTemplates bool
	// Skew is the clock skew allowed on exp, nbf and iat; default 30 s.
	Skew time.Duration
	// MaxLifetime caps exp − iat of third-party tokens; 0 means unlimited.
	MaxLifetime time.Duration
	// CacheSize bounds the verified-token cache; default 1000 (PostgREST's default), negative
	// disables the cache.
	CacheSize int
	// Now returns the current time; default time.Now.
	Now func() time.Time
	// Logger receives warnings; default slog.Default(). Tokens, keys and
	// secrets are never logged.
	Logger *slog.Logger
}

// Defaults applied by New.
const (
	DefaultSkew      = 30 * time.Second
	DefaultCacheSize = 1000
	// MaxTokenSize is the longest token accepted, checked before parsing.
	MaxTokenSize = 8 << 10
	// MaxKIDLength is the longest "kid" header accepted, in bytes.
	MaxKIDLength = 256
)

// Well-known role names.
const (
	RoleAnon          = "anon"
	RoleAuthenticated = "authenticated"
	RoleService       = "service_role"
)
