package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// legacyExp is the expiry the Supabase CLI writes into its legacy API keys.
const legacyExp = 1983812996

// DefaultJWTSecret is the Supabase CLI's default local JWT secret.
const DefaultJWTSecret = "super-secret-jwt-token-with-at-least-32-characters-long"

// LegacyKeys returns the legacy anon and service_role API keys for secret,
// as the Supabase CLI generates them: HS256 JWTs with header
// {"alg":"HS256","typ":"JWT"} and claims
// {"iss":"supabase-demo","role":…,"exp":1983812996}. With DefaultJWTSecret
// they equal the CLI's well-known demo keys byte for byte.
func LegacyKeys(secret []byte) (anon, serviceRole string) {
	return legacyKey(secret, RoleAnon), legacyKey(secret, RoleService)
}

func legacyKey(secret []byte, role string) string {
	// Member order matters for byte equality, so the payload is written out.
	payload := fmt.Sprintf(`{"iss":"supabase-demo","role":%q,"exp":%d}`, role, legacyExp)
	return signHS256(secret, []byte(`{"alg":"HS256","typ":"JWT"}`), []byte(payload))
}

// MintProjectToken signs claims with the project secret (HS256), for tests
// and development. The header is {"alg":"HS256","typ":"JWT"}.
func MintProjectToken(secret []byte, claims map[string]any) (string, error) {
	if len(secret) == 0 {
		return "", errors.New("mint project token: empty secret")
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("mint project token: %w", err)
	}
	return signHS256(secret, []byte(`{"alg":"HS256","typ":"JWT"}`), payload), nil
}

func signHS256(secret, header, payload []byte) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + enc.EncodeToString(m.Sum(nil))
}
