package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/BurntSushi/toml"
)

// Default values, as the Supabase CLI 2.117.0 sets them.
const (
	DefaultAPIPort        = 54321
	DefaultMaxRows        = 1000
	DefaultDBPort         = 54322
	DefaultDBMajorVersion = 17
	DefaultJWTSecret      = "super-secret-jwt-token-with-at-least-32-characters-long"
	DefaultJWTExpiry      = 3600
	DefaultPublishableKey = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH"
	DefaultSecretKey      = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
)

// Default values of rowgate's own [rowgate] table.
const (
	DefaultTxEnd            = "commit"
	DefaultClockSkew        = 30 * time.Second
	DefaultMaxStaleness     = 24 * time.Hour
	DefaultMaxTokenLifetime = 24 * time.Hour
	DefaultJWTCacheSize     = 1000
	DefaultDBPool           = 10
	DefaultRole             = "authenticated"
)

// DefaultAllowedRoles returns the roles a third-party issuer may select when
// its configuration names none: anon and authenticated.
func DefaultAllowedRoles() []string { return []string{"anon", "authenticated"} }

// Config is supabase/config.toml as rowgate understands it.
type Config struct {
	// ProjectID is the top-level project_id.
	ProjectID string `toml:"project_id"`
	// API is the [api] table (the Data API).
	API API `toml:"api"`
	// DB is the [db] table.
	DB DB `toml:"db"`
	// Auth is the [auth] table.
	Auth Auth `toml:"auth"`
	// Rowgate is rowgate's own [rowgate] table; the Supabase CLI ignores it.
	Rowgate Rowgate `toml:"rowgate"`

	// Dir is the supabase directory the file was read from; relative paths in
	// the file (auth.signing_keys_path) are relative to it. Empty after Parse.
	Dir string `toml:"-"`
	// Warnings holds the non-fatal warnings validation produced, such as
	// "WARN: environment variable is unset: CLERK_DOMAIN", without newlines.
	Warnings []string `toml:"-"`
}

// API is the [api] table.
type API struct {
	Enabled         bool     `toml:"enabled"`
	Port            int      `toml:"port"`
	Schemas         []string `toml:"schemas"`
	ExtraSearchPath []string `toml:"extra_search_path"`
	MaxRows         int      `toml:"max_rows"`
}

// DB is the [db] table.
type DB struct {
	Port         int `toml:"port"`
	MajorVersion int `toml:"major_version"`
}

// Auth is the [auth] table.
type Auth struct {
	Enabled bool `toml:"enabled"`
	// JWTSecret signs the legacy HS256 tokens (anon, service_role).
	JWTSecret string `toml:"jwt_secret"`
	// JWTExpiry is the lifetime of Supabase Auth access tokens, in seconds.
	JWTExpiry int `toml:"jwt_expiry"`
	// SigningKeysPath names a JSON file of the project's own signing keys,
	// relative to the supabase directory; see [Config.ResolvePath].
	SigningKeysPath string `toml:"signing_keys_path"`
	PublishableKey  string `toml:"publishable_key"`
	SecretKey       string `toml:"secret_key"`
	// ThirdParty is [auth.third_party.*].
	ThirdParty ThirdParty `toml:"third_party"`
}

// ThirdParty is [auth.third_party], with exactly the CLI's providers.
type ThirdParty struct {
	Firebase Firebase `toml:"firebase"`
	Auth0    Auth0    `toml:"auth0"`
	Cognito  Cognito  `toml:"aws_cognito"`
	Clerk    Clerk    `toml:"clerk"`
	WorkOS   WorkOS   `toml:"workos"`
}

// Firebase is [auth.third_party.firebase].
type Firebase struct {
	Enabled   bool   `toml:"enabled"`
	ProjectID string `toml:"project_id"`
}

// Auth0 is [auth.third_party.auth0].
type Auth0 struct {
	Enabled      bool   `toml:"enabled"`
	Tenant       string `toml:"tenant"`
	TenantRegion string `toml:"tenant_region"`
}

// Cognito is [auth.third_party.aws_cognito].
type Cognito struct {
	Enabled        bool   `toml:"enabled"`
	UserPoolID     string `toml:"user_pool_id"`
	UserPoolRegion string `toml:"user_pool_region"`
}

// Clerk is [auth.third_party.clerk].
type Clerk struct {
	Enabled bool `toml:"enabled"`
	// Domain is the Clerk Frontend API host, without scheme, e.g.
	// "clerk.example.com" or "example.clerk.accounts.dev".
	Domain string `toml:"domain"`
}

// WorkOS is [auth.third_party.workos].
type WorkOS struct {
	Enabled   bool   `toml:"enabled"`
	IssuerURL string `toml:"issuer_url"`
}

// Rowgate is the [rowgate] table.
type Rowgate struct {
	// AllowJWTTemplates admits tokens from Clerk's deprecated JWT templates.
	AllowJWTTemplates bool `toml:"allow_jwt_templates"`
	// TxEnd is PostgREST's db-tx-end: commit, commit-allow-override,
	// rollback or rollback-allow-override.
	TxEnd string `toml:"tx_end"`
	// ClockSkew is the leeway allowed on exp, nbf and iat.
	ClockSkew time.Duration `toml:"clock_skew"`
	// MaxStaleness is how long a cached JWKS may still be used while the
	// issuer cannot be reached.
	MaxStaleness time.Duration `toml:"max_staleness"`
	// MaxTokenLifetime caps exp-iat of accepted tokens; 0 means unlimited.
	MaxTokenLifetime time.Duration `toml:"max_token_lifetime"`
	// JWTCacheSize is the number of verified tokens kept; 0 disables the cache.
	JWTCacheSize int `toml:"jwt_cache_size"`
	// DBPool is the size of the connection pool (PostgREST's db-pool).
	DBPool int `toml:"db_pool"`
	// ThirdParty tunes the enabled [auth.third_party.*] provider.
	ThirdParty RowgateThirdParty `toml:"third_party"`
	// Issuers are additional trusted OIDC issuers, keyed by name.
	Issuers map[string]Issuer `toml:"issuers"`
}

// RowgateThirdParty is [rowgate.third_party.*]: one table per Supabase
// provider, read only for the provider that is enabled.
type RowgateThirdParty struct {
	Firebase IssuerOptions `toml:"firebase"`
	Auth0    IssuerOptions `toml:"auth0"`
	Cognito  IssuerOptions `toml:"aws_cognito"`
	Clerk    IssuerOptions `toml:"clerk"`
	WorkOS   IssuerOptions `toml:"workos"`
}

// IssuerOptions tunes how tokens of one issuer are admitted.
type IssuerOptions struct {
	// JWKSURL, when set, is used instead of OIDC discovery.
	JWKSURL string `toml:"jwks_url"`
	// AllowedRoles are the Postgres roles a token's role claim may select.
	AllowedRoles []string `toml:"allowed_roles"`
	// DefaultRole is used when a token has no role claim.
	DefaultRole string `toml:"default_role"`
	// Audience, when set, must appear in the token's aud claim.
	Audience string `toml:"audience"`
}

// Issuer is one [rowgate.issuers.<name>] table: any OIDC issuer.
type Issuer struct {
	// Issuer is the expected iss claim and the base of OIDC discovery.
	Issuer       string   `toml:"issuer"`
	JWKSURL      string   `toml:"jwks_url"`
	AllowedRoles []string `toml:"allowed_roles"`
	DefaultRole  string   `toml:"default_role"`
	Audience     string   `toml:"audience"`
}

// Options control how a configuration is parsed.
type Options struct {
	// Getenv looks up environment variables; nil means none are set.
	Getenv func(string) (string, bool)
	// Warnings receives the CLI's warnings, one per line; nil discards them.
	// They are also kept in Config.Warnings.
	Warnings io.Writer
}

// Default returns the configuration the CLI uses when config.toml sets
// nothing, plus rowgate's defaults.
func Default() *Config {
	return &Config{
		API: API{
			Enabled:         true,
			Port:            DefaultAPIPort,
			Schemas:         []string{"public", "graphql_public"},
			ExtraSearchPath: []string{"public", "extensions"},
			MaxRows:         DefaultMaxRows,
		},
		DB: DB{Port: DefaultDBPort, MajorVersion: DefaultDBMajorVersion},
		Auth: Auth{
			Enabled:        true,
			JWTSecret:      DefaultJWTSecret,
			JWTExpiry:      DefaultJWTExpiry,
			PublishableKey: DefaultPublishableKey,
			SecretKey:      DefaultSecretKey,
		},
		Rowgate: Rowgate{
			TxEnd:            DefaultTxEnd,
			ClockSkew:        DefaultClockSkew,
			MaxStaleness:     DefaultMaxStaleness,
			MaxTokenLifetime: DefaultMaxTokenLifetime,
			JWTCacheSize:     DefaultJWTCacheSize,
			DBPool:           DefaultDBPool,
			ThirdParty: RowgateThirdParty{
				Firebase: defaultOptions(),
				Auth0:    defaultOptions(),
				Cognito:  defaultOptions(),
				Clerk:    defaultOptions(),
				WorkOS:   defaultOptions(),
			},
		},
	}
}

func defaultOptions() IssuerOptions {
	return IssuerOptions{AllowedRoles: DefaultAllowedRoles(), DefaultRole: DefaultRole}
}

// Path returns the location of config.toml under workdir.
func Path(workdir string) string {
	return filepath.Join(workdir, "supabase", "config.toml")
}

// Load reads <workdir>/supabase/config.toml using the process environment and
// prints warnings to standard error.
func Load(workdir string) (*Config, error) {
	return LoadOptions(workdir, Options{Getenv: os.LookupEnv, Warnings: os.Stderr})
}

// LoadOptions is [Load] with explicit options.
func LoadOptions(workdir string, o Options) (*Config, error) {
	path := Path(workdir)
	data, err := os.ReadFile(path)
	if err != nil {
		// The *PathError from ReadFile names the path.
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := ParseOptions(data, o)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			// Keep the CLI's exact text.
			return nil, err
		}
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	c.Dir = filepath.Dir(path)
	return c, nil
}

// Parse decodes config.toml content, applies the environment looked up with
// getenv (nil: an empty environment) and validates the result. Warnings are
// kept in Config.Warnings only.
func Parse(data []byte, getenv func(string) (string, bool)) (*Config, error) {
	return ParseOptions(data, Options{Getenv: getenv})
}

// ParseOptions is [Parse] with explicit options.
func ParseOptions(data []byte, o Options) (*Config, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) (string, bool) { return "", false }
	}
	c := Default()
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(c)
	if err != nil {
		return nil, fmt.Errorf("decode config: %w", err)
	}
	if err := checkDurationTypes(md, c); err != nil {
		return nil, err
	}
	if err := applyOverrides(c, getenv); err != nil {
		return nil, err
	}
	applyEnvHook(c, getenv)
	c.fillDefaults()
	// As in the CLI, warnings are printed as they arise, so also when a later
	// check fails.
	verr := c.validate()
	if o.Warnings != nil {
		for _, w := range c.Warnings {
			if _, err := fmt.Fprintln(o.Warnings, w); err != nil {
				return nil, fmt.Errorf("write warning: %w", err)
			}
		}
	}
	if verr != nil {
		return nil, verr
	}
	return c, nil
}

// checkDurationTypes refuses TOML integers for durations other than 0: the
// decoder would read clock_skew = 30 as 30 nanoseconds.
func checkDurationTypes(md toml.MetaData, c *Config) error {
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"clock_skew", c.Rowgate.ClockSkew},
		{"max_staleness", c.Rowgate.MaxStaleness},
		{"max_token_lifetime", c.Rowgate.MaxTokenLifetime},
	} {
		if md.Type("rowgate", d.key) == "Integer" && d.v != 0 {
			return invalid("rowgate."+d.key, "Invalid config: rowgate.%s must be a duration string such as \"30s\", got the integer %s.", d.key, strconv.FormatInt(int64(d.v), 10))
		}
	}
	return nil
}

// fillDefaults sets the per-issuer defaults that depend on whether a key was
// given at all.
func (c *Config) fillDefaults() {
	for _, o := range c.Rowgate.ThirdParty.all() {
		if o.opts.AllowedRoles == nil {
			o.opts.AllowedRoles = DefaultAllowedRoles()
		}
		if o.opts.DefaultRole == "" {
			o.opts.DefaultRole = DefaultRole
		}
	}
	for name, iss := range c.Rowgate.Issuers {
		if iss.AllowedRoles == nil {
			iss.AllowedRoles = DefaultAllowedRoles()
		}
		if iss.DefaultRole == "" {
			iss.DefaultRole = DefaultRole
		}
		c.Rowgate.Issuers[name] = iss
	}
}

// APIURL is the local base URL of the API gateway: http://127.0.0.1:<api.port>.
func (c *Config) APIURL() string {
	return "http://127.0.0.1:" + strconv.Itoa(c.API.Port)
}

// ResolvePath resolves a path from the file (such as auth.signing_keys_path)
// against the supabase directory, as the CLI does. Absolute paths, empty
// paths and configurations without a Dir are returned unchanged.
func (c *Config) ResolvePath(p string) string {
	if p == "" || filepath.IsAbs(p) || c.Dir == "" {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// ValidationError is a configuration error. Error returns Message unchanged,
// so messages that mirror the Supabase CLI compare equal to its text.
type ValidationError struct {
	// Key is the dotted config key at fault, e.g. "auth.third_party.clerk".
	Key string
	// Message is the complete, user-facing message.
	Message string
}

// Error implements the error interface.
func (e *ValidationError) Error() string { return e.Message }

func invalid(key, format string, args ...any) *ValidationError {
	return &ValidationError{Key: key, Message: fmt.Sprintf(format, args...)}
}
