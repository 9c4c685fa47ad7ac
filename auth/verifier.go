package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/rowgate/rowgate"
)

// Kind classifies an Identity.
type Kind int

// Identity kinds.
const (
	// KindAnon is a request with only a publishable (or legacy anon) key,
	// or a project token whose role is anon.
	KindAnon Kind = iota
	// KindService is a request with the secret (or legacy service_role)
	// key, or a project token whose role is service_role.
	KindService
	// KindUser is a request carrying a verified user token.
	KindUser
)

// String returns "anon", "service" or "user".
func (k Kind) String() string {
	switch k {
	case KindAnon:
		return "anon"
	case KindService:
		return "service"
	case KindUser:
		return "user"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Identity is who a request runs as. Identities returned by a Verifier may
// be shared between requests (the verified-token cache hands out the same
// value) and MUST NOT be modified.
type Identity struct {
	Kind Kind
	// Role is the Postgres role to switch to.
	Role string
	// Subject and Issuer are the "sub" and "iss" claims when they are
	// strings, else empty.
	Subject, Issuer string
	// ExpiresAt is the "exp" claim, or the zero time when absent.
	ExpiresAt time.Time
	// Claims is the verified claims object with "role" set to Role.
	// Numbers are json.Number.
	Claims map[string]any
	// ClaimsJSON is Claims re-serialised: the value for request.jwt.claims.
	ClaimsJSON []byte
}

// Step is one check of a token's verification, as reported by Explain.
type Step struct {
	Name   string
	OK     bool
	Detail string
}

// Verifier verifies tokens and resolves identities. It is safe for
// concurrent use.
type Verifier struct {
	issuers        map[string]*issuer
	secret         []byte
	signing        KeySource
	publishable    string
	secretKey      string
	allowTemplates bool
	skew           float64 // seconds
	maxLifetime    float64 // seconds, 0 = unlimited
	now            func() time.Time
	log            *slog.Logger
	cache          *cache

	anonID, serviceID *Identity
}

type issuer struct {
	IssuerConfig
	allowed  map[string]bool
	warnOnce sync.Once
}

// privileged reports roles no third-party issuer may map to.
func privileged(role string) bool {
	switch role {
	case RoleService, "postgres", "authenticator", "supabase_admin", "supabase_auth_admin",
		"supabase_storage_admin", "supabase_realtime_admin", "pgbouncer":
		return true
	}
	return strings.HasPrefix(role, "pg_") || strings.HasPrefix(role, "supabase_")
}

// New validates cfg and builds a Verifier.
func New(cfg Config) (*Verifier, error) {
	v := &Verifier{
		issuers:        make(map[string]*issuer, len(cfg.Issuers)),
		secret:         slices.Clone(cfg.JWTSecret),
		signing:        cfg.SigningKeys,
		publishable:    cfg.PublishableKey,
		secretKey:      cfg.SecretKey,
		allowTemplates: cfg.AllowJWTTemplates,
		now:            cfg.Now,
		log:            cfg.Logger,
	}
	if cfg.Skew < 0 {
		return nil, fmt.Errorf("auth: negative skew %v", cfg.Skew)
	}
	if cfg.MaxLifetime < 0 {
		return nil, fmt.Errorf("auth: negative max lifetime %v", cfg.MaxLifetime)
	}
	skew := cfg.Skew
	if skew == 0 {
		skew = DefaultSkew
	}
	v.skew = skew.Seconds()
	v.maxLifetime = cfg.MaxLifetime.Seconds()
	if v.now == nil {
		v.now = time.Now
	}
	if v.log == nil {
		v.log = slog.Default()
	}
	if cfg.PublishableKey != "" && cfg.PublishableKey == cfg.SecretKey {
		return nil, errors.New("auth: publishable and secret key are equal")
	}
	names := make(map[string]bool)
	for i, ic := range cfg.Issuers {
		if ic.Name == "" {
			return nil, fmt.Errorf("auth: issuer %d has no name", i)
		}
		if names[ic.Name] {
			return nil, fmt.Errorf("auth: duplicate issuer name %q", ic.Name)
		}
		names[ic.Name] = true
		if ic.Issuer == "" {
			return nil, fmt.Errorf("auth: issuer %q has no iss value", ic.Name)
		}
		if _, dup := v.issuers[ic.Issuer]; dup {
			return nil, fmt.Errorf("auth: issuer %q: iss %q is configured twice", ic.Name, ic.Issuer)
		}
		if ic.Keys == nil {
			return nil, fmt.Errorf("auth: issuer %q has no key source", ic.Name)
		}
		if len(ic.AllowedRoles) == 0 {
			ic.AllowedRoles = []string{RoleAnon, RoleAuthenticated}
		}
		if ic.DefaultRole == "" {
			ic.DefaultRole = RoleAuthenticated
		}
		is := &issuer{IssuerConfig: ic, allowed: make(map[string]bool)}
		is.AllowedRoles = slices.Clone(ic.AllowedRoles)
		for _, r := range ic.AllowedRoles {
			if r == "" || privileged(r) {
				return nil, fmt.Errorf("auth: issuer %q: role %q cannot be allowed for a third-party issuer", ic.Name, r)
			}
			is.allowed[r] = true
		}
		if !is.allowed[ic.DefaultRole] {
			return nil, fmt.Errorf("auth: issuer %q: default role %q is not among the allowed roles", ic.Name, ic.DefaultRole)
		}
		v.issuers[ic.Issuer] = is
	}
	size := cfg.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	if size > 0 {
		v.cache = newCache(size)
	}
	v.anonID = fixedIdentity(KindAnon, RoleAnon)
	v.serviceID = fixedIdentity(KindService, RoleService)
	return v, nil
}

func fixedIdentity(k Kind, role string) *Identity {
	return &Identity{Kind: k, Role: role, Claims: map[string]any{"role": role}, ClaimsJSON: []byte(`{"role":"` + role + `"}`)}
}

// Verify verifies a user token and returns its identity. Successful
// verifications are cached; time claims are re-checked on every hit.
func (v *Verifier) Verify(ctx context.Context, token string) (*Identity, error) {
	var key [32]byte
	if v.cache != nil && token != "" && len(token) <= MaxTokenSize {
		// Hash the string's bytes in place: the conversion would copy the
		// token on every request, and Sum256 does not retain its input.
		key = sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token)))
		if e, ok := v.cache.get(key); ok {
			if e.current() {
				if err := v.checkTimes(e.times, nil); err != nil {
					v.cache.remove(key)
					return nil, err
				}
				return e.id, nil
			}
			v.cache.remove(key)
		}
	}
	res, err := v.run(ctx, token, nil)
	if err != nil {
		return nil, err
	}
	if v.cache != nil {
		v.cache.put(key, res)
	}
	return res.id, nil
}

// Explain runs the checks of Verify on token, bypassing the cache, and
// reports each step. The last step is the one that failed, if any.
func (v *Verifier) Explain(ctx context.Context, token string) []Step {
	t := &trace{}
	_, _ = v.run(ctx, token, t)
	return t.steps
}

// trace records steps for Explain; a nil *trace records nothing.
type trace struct{ steps []Step }

func (t *trace) ok(name, format string, args ...any) {
	if t != nil {
		t.steps = append(t.steps, Step{Name: name, OK: true, Detail: fmt.Sprintf(format, args...)})
	}
}

func (t *trace) fail(name string, err *rowgate.Error) error {
	if t != nil {
		d := err.Message
		if err.Details != "" {
			d += ": " + err.Details
		}
		t.steps = append(t.steps, Step{Name: name, Detail: d})
	}
	return err
}

// timeClaims are the numeric time claims, in Unix seconds.
type timeClaims struct {
	exp, nbf, iat          float64
	hasExp, hasNbf, hasIat bool
}

// checkTimes applies exp, nbf and iat with the configured skew.
func (v *Verifier) checkTimes(tc timeClaims, t *trace) error {
	now := float64(v.now().UnixNano()) / 1e9
	if tc.hasExp {
		if now >= tc.exp+v.skew {
			return t.fail("exp", claimsError(msgExpired, ""))
		}
		if t != nil { // boxing the arguments would allocate on every cache hit
			t.ok("exp", "expires in %.0fs", tc.exp-now)
		}
	}
	if tc.hasNbf {
		if now+v.skew < tc.nbf {
			return t.fail("nbf", claimsError(msgNotYetValid, ""))
		}
		if t != nil { // boxing the arguments would allocate on every cache hit
			t.ok("nbf", "valid since %.0fs ago", now-tc.nbf)
		}
	}
	if tc.hasIat {
		if tc.iat > now+v.skew {
			return t.fail("iat", claimsError(msgIssuedFuture, ""))
		}
		if t != nil { // boxing the arguments would allocate on every cache hit
			t.ok("iat", "issued %.0fs ago", now-tc.iat)
		}
	}
	return nil
}

func marshalClaims(claims map[string]any) ([]byte, error) {
	b, err := json.Marshal(claims)
	if err != nil {
		return nil, fmt.Errorf("marshal claims: %w", err)
	}
	return b, nil
}
