package devissuer

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// DefaultTTL is the lifetime of minted tokens when TokenOptions.TTL is zero;
// Clerk session tokens live 60 s.
const DefaultTTL = 60 * time.Second

// DefaultAZP is the azp claim of minted tokens: the origin a Clerk frontend
// would run on in development.
const DefaultAZP = "http://localhost:3000"

// nbfSkew is how far nbf lies before iat, as Clerk sets it.
const nbfSkew = 5 * time.Second

// TokenOptions describe a token to mint.
type TokenOptions struct {
	// Issuer is the iss claim, the URL the handler is served at. Required.
	Issuer string
	// Subject is the sub claim, e.g. "user_2abc". Required.
	Subject string
	// OrgID, when set, adds the active organisation claim o with id OrgID,
	// rol OrgRole (without "org:"), slg OrgSlug and per OrgPermissions
	// joined by commas; empty members are left out.
	OrgID          string
	OrgRole        string
	OrgSlug        string
	OrgPermissions []string
	// TTL is exp-iat; zero means DefaultTTL. A negative TTL mints a token
	// that expired that long ago (issued DefaultTTL before its expiry), for
	// testing how clients handle expiry.
	TTL time.Duration
	// Role is the role claim; "" means "authenticated".
	Role string
	// OmitRole leaves the role claim out, for testing tokens without one.
	OmitRole bool
	// Now is the issue time; zero means the current time.
	Now time.Time
	// Extra claims are added last and replace claims of the same name.
	Extra map[string]any
}

// Mint returns a signed Clerk v2 session token: header {alg RS256, typ JWT,
// kid}, claims azp, exp, fva, iat, iss, jti, nbf (iat-5s), sid, sub, v 2,
// role, and o when an organisation is set.
func (i *Issuer) Mint(o TokenOptions) (string, error) {
	if o.Issuer == "" {
		return "", errors.New("mint dev token: issuer is required")
	}
	if o.Subject == "" {
		return "", errors.New("mint dev token: subject is required")
	}
	ttl := o.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if ttl < 0 {
		now = now.Add(ttl - DefaultTTL)
		ttl = DefaultTTL
	}
	sid, err := randomBase62(27)
	if err != nil {
		return "", fmt.Errorf("mint dev token: %w", err)
	}
	jti := make([]byte, 10)
	if _, err := rand.Read(jti); err != nil {
		return "", fmt.Errorf("mint dev token: random jti: %w", err)
	}
	iat := now.Unix()
	claims := map[string]any{
		"azp": DefaultAZP,
		"exp": now.Add(ttl).Unix(),
		"fva": []int{0, -1},
		"iat": iat,
		"iss": strings.TrimSuffix(o.Issuer, "/"),
		"jti": hex.EncodeToString(jti),
		"nbf": now.Add(-nbfSkew).Unix(),
		"sid": "sess_" + sid,
		"sub": o.Subject,
		"v":   2,
	}
	if !o.OmitRole {
		role := o.Role
		if role == "" {
			role = "authenticated"
		}
		claims["role"] = role
	}
	if o.OrgID != "" {
		org := map[string]any{"id": o.OrgID}
		if o.OrgRole != "" {
			org["rol"] = strings.TrimPrefix(o.OrgRole, "org:")
		}
		if o.OrgSlug != "" {
			org["slg"] = o.OrgSlug
		}
		if len(o.OrgPermissions) > 0 {
			org["per"] = strings.Join(o.OrgPermissions, ",")
		}
		claims["o"] = org
	}
	for k, v := range o.Extra {
		claims[k] = v
	}

	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: i.key, KeyID: i.kid, Algorithm: string(jose.RS256)}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return "", fmt.Errorf("mint dev token: %w", err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("mint dev token: %w", err)
	}
	return tok, nil
}
