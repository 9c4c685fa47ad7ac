package auth

import (
	"context"
	"crypto/subtle"
	"strings"

	"github.com/rowgate/rowgate"
)

// Credentials are the parts of a request that decide its identity.
type Credentials struct {
	// APIKey is the apikey header (or query parameter) value.
	APIKey string
	// Authorization holds every value of the Authorization header.
	Authorization []string
	// UserAgent is the User-Agent header value.
	UserAgent string
}

// Resolve applies the Supabase gateway rules (third-party-auth.md §6.1):
//
//   - an apikey is required: the publishable key or a legacy anon JWT gives
//     anon, the secret key or a legacy service_role JWT gives service_role
//     (the secret key is refused from a browser User-Agent); anything else
//     is "Invalid API key";
//   - at most one Authorization value, with the Bearer scheme
//     (case-insensitive); none leaves the apikey's identity;
//   - "Bearer sb_…" must equal the apikey and then adds no user; a bearer
//     token equal to a legacy JWT apikey adds no user either;
//   - any other bearer token is verified with Verify and becomes the
//     identity.
//
// Missing and invalid API keys keep Supabase's gateway messages and hints
// and use code PGRST301, since rowgate.Error always carries a code.
func (v *Verifier) Resolve(ctx context.Context, c Credentials) (*Identity, error) {
	base, err := v.apiKeyIdentity(ctx, c)
	if err != nil {
		return nil, err
	}
	switch len(c.Authorization) {
	case 0:
		return base, nil
	case 1:
	default:
		return nil, decodeError("More than one Authorization header is not allowed", "send exactly one Authorization: Bearer value")
	}
	scheme, token, _ := strings.Cut(c.Authorization[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		if strings.TrimSpace(c.Authorization[0]) == "" || strings.EqualFold(strings.TrimSpace(c.Authorization[0]), "Bearer") {
			return nil, decodeError(msgEmptyJWT, "")
		}
		return nil, decodeError("Authorization header must use the Bearer scheme", "")
	}
	if strings.TrimSpace(token) == "" {
		return nil, decodeError(msgEmptyJWT, "")
	}
	if strings.HasPrefix(token, "sb_") {
		if subtle.ConstantTimeCompare([]byte(token), []byte(c.APIKey)) == 1 {
			return base, nil
		}
		return nil, decodeError(msgInvalidAPIKey, "an sb_ key in the Authorization header must equal the apikey header").WithHint(hintInvalidKey)
	}
	if token == c.APIKey {
		return base, nil
	}
	return v.Verify(ctx, token)
}

func (v *Verifier) apiKeyIdentity(ctx context.Context, c Credentials) (*Identity, error) {
	key := c.APIKey
	switch {
	case key == "":
		return nil, decodeError(msgNoAPIKey, "").WithHint(hintNoAPIKey)
	case v.publishable != "" && subtle.ConstantTimeCompare([]byte(key), []byte(v.publishable)) == 1:
		return v.anonID, nil
	case v.secretKey != "" && subtle.ConstantTimeCompare([]byte(key), []byte(v.secretKey)) == 1:
		if strings.HasPrefix(c.UserAgent, "Mozilla/") {
			return nil, decodeError(msgSecretBrowser, "").WithHint(hintSecretBrowsr)
		}
		return v.serviceID, nil
	case strings.HasPrefix(key, "sb_"):
		return nil, invalidAPIKey()
	}
	// A legacy API key is a project JWT whose role is anon or service_role.
	id, err := v.Verify(ctx, key)
	if err != nil || id.Kind == KindUser {
		return nil, invalidAPIKey()
	}
	return id, nil
}

func invalidAPIKey() *rowgate.Error {
	return decodeError(msgInvalidAPIKey, "").WithHint(hintInvalidKey)
}
