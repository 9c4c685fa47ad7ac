package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/auth/jwks"
)

// verified is the outcome of a successful run, kept in the cache.
type verified struct {
	id    *Identity
	times timeClaims
	// src and key bind the result to the key that verified it: the cache
	// entry is dropped when src no longer returns key for kid. src is nil
	// for HS256 tokens (the project secret never rotates under a Verifier).
	src KeySource
	kid string
	key *jwks.Key
}

// current reports whether the verifying key is still the one its source
// serves for kid.
func (r *verified) current() bool {
	if r.src == nil {
		return true
	}
	k, ok := r.src.Lookup(r.kid)
	return ok && k == r.key
}

// tokenKind says which rules a token is checked under.
type tokenKind int

const (
	thirdParty tokenKind = iota // iss names a configured issuer
	template                    // HS256 with the project secret but iss of an issuer
	project                     // the project's own token
)

var b64 = base64.RawURLEncoding.Strict()

// run is the single implementation behind Verify and Explain.
func (v *Verifier) run(ctx context.Context, token string, t *trace) (*verified, error) {
	// Shape, before any decoding (security.md B1, B5).
	if strings.TrimSpace(token) == "" {
		return nil, t.fail("format", decodeError(msgEmptyJWT, ""))
	}
	if len(token) > MaxTokenSize {
		return nil, t.fail("format", decodeError(msgDecode, fmt.Sprintf("token of %d bytes exceeds the limit of %d bytes", len(token), MaxTokenSize)))
	}
	if n := strings.Count(token, ".") + 1; n != 3 {
		if n == 5 {
			return nil, t.fail("format", decodeError("Unsupported token type",
				"the token has 5 parts: an encrypted JWT (JWE) is not accepted; expected 3 parts in JWT; got 5"))
		}
		return nil, t.fail("format", decodeError(fmt.Sprintf("Expected 3 parts in JWT; got %d", n), ""))
	}
	i := strings.IndexByte(token, '.')
	j := i + 1 + strings.IndexByte(token[i+1:], '.')
	hSeg, pSeg, sSeg := token[:i], token[i+1:j], token[j+1:]
	if hSeg == "" || pSeg == "" {
		return nil, t.fail("format", decodeError(msgDecode, "empty header or payload segment"))
	}
	for _, seg := range [...]string{hSeg, pSeg, sSeg} {
		if c, bad := badBase64URL(seg); bad {
			return nil, t.fail("format", decodeError(msgDecode, fmt.Sprintf("invalid base64url character %q", c)))
		}
	}
	hb, err := b64.DecodeString(hSeg)
	if err != nil {
		return nil, t.fail("format", decodeError(msgDecode, "header is not canonical base64url"))
	}
	pb, err := b64.DecodeString(pSeg)
	if err != nil {
		return nil, t.fail("format", decodeError(msgDecode, "payload is not canonical base64url"))
	}
	sig, err := b64.DecodeString(sSeg)
	if err != nil {
		return nil, t.fail("format", decodeError(msgDecode, "signature is not canonical base64url"))
	}
	t.ok("format", "3 base64url segments, %d bytes", len(token))

	// Header (security.md A1, A8–A11, B3).
	hdr, err := decodeObject(hb)
	if err != nil {
		return nil, t.fail("header", decodeError(msgDecode, "header: "+err.Error()))
	}
	for _, name := range [...]string{"crit", "b64"} {
		if _, ok := hdr[name]; ok {
			return nil, t.fail("header", decodeError(fmt.Sprintf("JWT header parameter %q is not supported", name), ""))
		}
	}
	for _, name := range [...]string{"enc", "zip"} {
		if _, ok := hdr[name]; ok {
			return nil, t.fail("header", decodeError("Unsupported token type", fmt.Sprintf("header parameter %q belongs to encrypted JWTs (JWE)", name)))
		}
	}
	alg, ok := hdr["alg"].(string)
	if !ok {
		return nil, t.fail("header", decodeError(msgBadAlg, `the header has no string "alg"`))
	}
	if strings.EqualFold(alg, "none") {
		return nil, t.fail("header", decodeError(msgBadAlg, `alg "none" is never accepted`))
	}
	kid := ""
	if raw, present := hdr["kid"]; present {
		s, isStr := raw.(string)
		if !isStr {
			return nil, t.fail("header", decodeError(`JWT header "kid" must be a string`, ""))
		}
		if len(s) > MaxKIDLength {
			return nil, t.fail("header", decodeError(fmt.Sprintf(`JWT header "kid" is longer than %d bytes`, MaxKIDLength), ""))
		}
		kid = s
	}
	t.ok("header", "alg %s, kid %q", sanitize(alg), sanitize(kid))

	// Claims, decoded once and strictly; nothing is trusted before the
	// signature is checked, but the same object is what gets checked.
	claims, err := decodeObject(pb)
	if err != nil {
		return nil, t.fail("claims", decodeError(msgDecode, "claims: "+err.Error()))
	}
	issRaw, hasIss := claims["iss"]
	iss, issIsString := issRaw.(string)
	if hasIss && !issIsString {
		return nil, t.fail("claims", claimsError("The JWT 'iss' claim must be a string", ""))
	}
	t.ok("claims", "%d claims", len(claims))

	input := []byte(token[:j])
	var (
		is   = v.issuers[iss]
		kind tokenKind
		src  KeySource
		key  *jwks.Key
	)
	if issIsString && is != nil {
		kind = thirdParty
		t.ok("issuer", "iss matches issuer %q", is.Name)
		if alg == "HS256" {
			// Never verify HS* against an issuer's keys; the only HMAC key
			// is the project secret, and a third-party iss with it is the
			// deprecated JWT-template pattern.
			if !verifyHS256(v.secret, input, sig) {
				return nil, t.fail("algorithm", decodeError(msgBadAlg, fmt.Sprintf("HS256 is not accepted for issuer %q", is.Name)))
			}
			if !v.allowTemplates {
				return nil, t.fail("algorithm", decodeError(templateMessage(is.Name), ""))
			}
			is.warnOnce.Do(func() {
				v.log.Warn("accepting a deprecated JWT-template token signed with the project JWT secret; enable third-party auth instead",
					"issuer", is.Name)
			})
			kind = template
			t.ok("signature", "HS256 with the project JWT secret (deprecated JWT template, allowed by configuration)")
		} else {
			a := asymmetric[alg]
			if a == nil {
				return nil, t.fail("algorithm", decodeError(msgBadAlg, fmt.Sprintf("alg %q is not accepted for issuer %q", sanitize(alg), is.Name)))
			}
			if kid == "" {
				return nil, t.fail("key", decodeError(fmt.Sprintf(`JWT has no "kid" header; issuer %q requires one`, is.Name), ""))
			}
			src = is.Keys
			key, err = v.lookup(ctx, src, kid)
			if errors.Is(err, jwks.ErrNoKeys) {
				// Fail closed: the issuer's key set is not (or no longer) usable.
				return nil, t.fail("key", decodeError(msgNoKey, fmt.Sprintf("the keys of issuer %q are not available", is.Name)))
			}
			if err != nil {
				return nil, t.fail("key", decodeError(fmt.Sprintf("JWT key id %q is unknown to issuer %q", sanitize(kid), is.Name), ""))
			}
			t.ok("key", "kid %q found in the keys of issuer %q (%s)", sanitize(kid), is.Name, key.Kty)
			if err := v.checkSig(a, key, input, sig, t); err != nil {
				return nil, err
			}
		}
	} else {
		kind = project
		switch a := asymmetric[alg]; {
		case alg == "HS256":
			if len(v.secret) == 0 {
				return nil, t.fail("key", decodeError(msgNoKey, "no project JWT secret is configured"))
			}
			if !verifyHS256(v.secret, input, sig) {
				return nil, t.fail("signature", decodeError(msgCrypto, ""))
			}
			t.ok("signature", "HS256 with the project JWT secret")
		case a != nil:
			untrusted := func(detail string) error {
				if hasIss {
					return t.fail("issuer", claimsError(fmt.Sprintf("JWT issuer %q is not trusted", sanitize(iss)), detail))
				}
				return t.fail("issuer", decodeError(msgNoKey, `the token has no "iss" claim and `+detail))
			}
			if v.signing == nil {
				return nil, untrusted("no project signing keys are configured")
			}
			if kid == "" {
				return nil, untrusted(`it has no "kid" header to find a project signing key`)
			}
			src = v.signing
			key, err = v.lookup(ctx, src, kid)
			if err != nil {
				return nil, untrusted(fmt.Sprintf("key id %q is not a project signing key", sanitize(kid)))
			}
			t.ok("key", "kid %q is a project signing key (%s)", sanitize(kid), key.Kty)
			if err := v.checkSig(a, key, input, sig, t); err != nil {
				return nil, err
			}
		default:
			return nil, t.fail("algorithm", decodeError(msgBadAlg, fmt.Sprintf("alg %q is not accepted", sanitize(alg))))
		}
	}

	// Claims (security.md §0 rules 5–7, C1–C4).
	var tc timeClaims
	for _, c := range [...]struct {
		name string
		val  *float64
		has  *bool
	}{{"exp", &tc.exp, &tc.hasExp}, {"nbf", &tc.nbf, &tc.hasNbf}, {"iat", &tc.iat, &tc.hasIat}} {
		raw, present := claims[c.name]
		if !present {
			continue
		}
		f, ok := number(raw)
		if !ok {
			return nil, t.fail(c.name, claimsError(fmt.Sprintf("The JWT '%s' claim must be a number", c.name), ""))
		}
		*c.val, *c.has = f, true
	}
	if kind != project && !tc.hasExp {
		return nil, t.fail("exp", claimsError(fmt.Sprintf(`JWT has no "exp" claim; tokens of issuer %q must expire`, is.Name), ""))
	}
	if err := v.checkTimes(tc, t); err != nil {
		return nil, err
	}
	if kind != project {
		if is.Audience != "" {
			if err := checkAudience(claims, is.Audience); err != nil {
				return nil, t.fail("aud", err)
			}
			t.ok("aud", "audience %q present", sanitize(is.Audience))
		}
		if v.maxLifetime > 0 {
			start := float64(v.now().UnixNano()) / 1e9
			switch {
			case tc.hasIat:
				start = tc.iat
			case tc.hasNbf:
				start = tc.nbf
			}
			if life := tc.exp - start; life > v.maxLifetime {
				return nil, t.fail("lifetime", claimsError(fmt.Sprintf("JWT lifetime of %.0fs exceeds the maximum of %.0fs", life, v.maxLifetime), ""))
			}
			t.ok("lifetime", "within %.0fs", v.maxLifetime)
		}
		// Re-check iss on the verified object, exactly.
		if got, _ := claims["iss"].(string); got != is.Issuer {
			return nil, t.fail("iss", claimsError(fmt.Sprintf("JWT issuer %q is not trusted", sanitize(got)), ""))
		}
		t.ok("iss", "%q", sanitize(is.Issuer))
	}

	role := RoleAnon
	if kind != project {
		role = is.DefaultRole
	}
	if raw, present := claims["role"]; present {
		s, ok := raw.(string)
		if !ok {
			return nil, t.fail("role", claimsError("The JWT 'role' claim must be a string", ""))
		}
		if s == "" {
			return nil, t.fail("role", claimsError("The JWT 'role' claim must not be empty", ""))
		}
		role = s
	}
	if kind != project && !is.allowed[role] {
		return nil, t.fail("role", claimsError(fmt.Sprintf("JWT role %q is not allowed for issuer %q", sanitize(role), is.Name), ""))
	}
	t.ok("role", "%q", sanitize(role))

	claims["role"] = role
	cj, err := marshalClaims(claims)
	if err != nil {
		return nil, t.fail("claims", claimsError("Parsing claims failed", ""))
	}
	id := &Identity{Kind: KindUser, Role: role, Issuer: iss, Claims: claims, ClaimsJSON: cj}
	if kind == project {
		switch role {
		case RoleAnon:
			id.Kind = KindAnon
		case RoleService:
			id.Kind = KindService
		}
	}
	id.Subject, _ = claims["sub"].(string)
	if tc.hasExp {
		id.ExpiresAt = unixTime(tc.exp)
	}
	return &verified{id: id, times: tc, src: src, kid: kid, key: key}, nil
}

// lookup finds kid in src, refreshing once on a miss.
func (v *Verifier) lookup(ctx context.Context, src KeySource, kid string) (*jwks.Key, error) {
	if k, ok := src.Lookup(kid); ok && k != nil {
		return k, nil
	}
	k, err := src.Refresh(ctx, kid)
	if err != nil {
		return nil, fmt.Errorf("refresh key %q: %w", sanitize(kid), err)
	}
	if k == nil {
		return nil, fmt.Errorf("refresh key %q: %w", sanitize(kid), jwks.ErrUnknownKID)
	}
	return k, nil
}

// checkSig checks that the key fits the algorithm and verifies the
// signature. A failure with a known key never triggers a refresh.
func (v *Verifier) checkSig(a *algorithm, key *jwks.Key, input, sig []byte, t *trace) error {
	if err := checkKey(a, key); err != nil {
		return t.fail("algorithm", decodeError(msgNoKey, err.Error()))
	}
	t.ok("algorithm", "%s fits the %s key", a.name, key.Kty)
	if err := verifySignature(a, key.Public, input, sig); err != nil {
		return t.fail("signature", decodeError(msgCrypto, ""))
	}
	t.ok("signature", "%s signature verified", a.name)
	return nil
}

func templateMessage(issuerName string) string {
	return fmt.Sprintf("JWT templates signed with the project's JWT secret are deprecated (HS256 token with the iss of issuer %q): "+
		"enable third-party auth ([auth.third_party.clerk] in supabase/config.toml and Clerk's Supabase integration) "+
		"and pass the session token with supabase-js `accessToken` instead of getToken({ template: 'supabase' })", issuerName)
}

// checkAudience applies the issuer's audience rule to "aud".
func checkAudience(claims map[string]any, want string) *rowgate.Error {
	switch aud := claims["aud"].(type) {
	case nil:
		return claimsError(msgNotInAudience, `the token has no "aud" claim`)
	case string:
		if aud == want {
			return nil
		}
	case []any:
		found := false
		for _, e := range aud {
			s, ok := e.(string)
			if !ok {
				return claimsError(msgAudType, "")
			}
			found = found || s == want
		}
		if found {
			return nil
		}
	default:
		return claimsError(msgAudType, "")
	}
	return claimsError(msgNotInAudience, "")
}

// number converts a JSON number claim to float64.
func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

func unixTime(sec float64) time.Time {
	const limit = 1 << 40 // far beyond any real date; keeps int64 conversions sane
	if sec > limit {
		sec = limit
	} else if sec < -limit {
		sec = -limit
	}
	whole := math.Floor(sec)
	return time.Unix(int64(whole), int64((sec-whole)*1e9))
}

// badBase64URL reports the first byte outside the base64url alphabet.
func badBase64URL(s string) (byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return c, true
		}
	}
	return 0, false
}
