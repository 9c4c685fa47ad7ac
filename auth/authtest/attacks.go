package authtest

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"time"

	"github.com/rowgate/rowgate/auth"
)

// AttackCase is one hostile (or control) request. Header holds "apikey",
// "Authorization" (possibly several values) and sometimes "User-Agent".
// WantStatus is 401 for refusals and 200 for controls that must be
// accepted; WantCode is the PostgREST code of a refusal and WantMessage a
// substring of its message (both empty for controls). WantRole is the role
// an accepted request must run as.
type AttackCase struct {
	Name        string
	Header      map[string][]string
	WantStatus  int
	WantCode    string
	WantMessage string
	WantRole    string
}

// Credentials converts the case's headers for auth.Verifier.Resolve.
func (c AttackCase) Credentials() auth.Credentials {
	get := func(name string) []string {
		var vals []string
		for k, v := range c.Header {
			if strings.EqualFold(k, name) {
				vals = append(vals, v...)
			}
		}
		return vals
	}
	first := func(name string) string {
		if v := get(name); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	return auth.Credentials{APIKey: first("apikey"), Authorization: get("Authorization"), UserAgent: first("User-Agent")}
}

const (
	codeDecode = "PGRST301"
	codeClaims = "PGRST303"
)

// AttackCorpus returns the hostile request table of reference/security.md
// §1.1–1.3 (plus gateway and API-key rules) for env. Tokens are minted when
// it is called and stay valid for about an hour. After running it, the
// env's Canary must have zero hits.
func AttackCorpus(env *Env) []AttackCase {
	e, tb := env, env.tb
	tb.Helper()
	var out []AttackCase
	bearer := func(tok string) map[string][]string {
		return map[string][]string{"apikey": {e.PublishableKey}, "Authorization": {"Bearer " + tok}}
	}
	reject := func(name, tok, code, msg string) {
		out = append(out, AttackCase{Name: name, Header: bearer(tok), WantStatus: 401, WantCode: code, WantMessage: msg})
	}
	rejectH := func(name string, h map[string][]string, code, msg string) {
		out = append(out, AttackCase{Name: name, Header: h, WantStatus: 401, WantCode: code, WantMessage: msg})
	}
	accept := func(name string, h map[string][]string, role string) {
		out = append(out, AttackCase{Name: name, Header: h, WantStatus: 200, WantRole: role})
	}
	js := func(v any) string { return mustJSON(tb, v) }
	clerkClaims := js(e.ClerkClaims())
	clerkHdr := func(extra map[string]any) map[string]any {
		h := map[string]any{"alg": "RS256", "kid": e.ClerkKey.KID, "typ": "JWT"}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	withClerk := func(edit func(map[string]any)) map[string]any {
		c := e.ClerkClaims()
		edit(c)
		return c
	}
	signAtk := func(header map[string]any) string {
		return SignRaw(tb, e.Attacker, "RS256", js(header), clerkClaims)
	}
	now := time.Now().Unix()
	const (
		msgBadAlg  = "Wrong or unsupported encoding algorithm"
		msgCrypto  = "JWT cryptographic operation failed"
		msgNoKey   = "No suitable key or wrong key type"
		msgDecode  = "JWT couldn't be decoded"
		msgUnknown = "is unknown to issuer"
		msgIssuer  = "is not trusted"
	)

	// Controls: the corpus is only meaningful if good requests pass.
	accept("control: publishable key only", map[string][]string{"apikey": {e.PublishableKey}}, "anon")
	accept("control: secret key from a server", map[string][]string{"apikey": {e.SecretKey}, "User-Agent": {"supabase-py/2.0"}}, "service_role")
	accept("control: legacy service_role key", map[string][]string{"apikey": {e.ServiceKey}}, "service_role")
	accept("control: supabase-js anon (Bearer = apikey)", map[string][]string{"apikey": {e.PublishableKey}, "Authorization": {"Bearer " + e.PublishableKey}}, "anon")
	accept("control: valid Clerk RS256 token", bearer(e.ClerkToken(nil)), "authenticated")
	accept("control: lower-case bearer scheme", map[string][]string{"apikey": {e.PublishableKey}, "Authorization": {"bearer " + e.ClerkToken(nil)}}, "authenticated")
	accept("control: valid auth0 ES256 token", bearer(e.Auth0Token(nil)), "authenticated")
	accept("control: valid auth0 EdDSA token", bearer(Sign(tb, e.Auth0Ed, e.Auth0Claims())), "authenticated")
	proj, err := auth.MintProjectToken(e.Secret, map[string]any{"sub": "u1", "role": "authenticated", "exp": now + 600})
	if err != nil {
		tb.Fatalf("mint: %v", err)
	}
	accept("control: project HS256 token", bearer(proj), "authenticated")

	// A1: alg none in every spelling.
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		reject("A1 alg "+alg, Raw(js(map[string]any{"alg": alg, "kid": e.ClerkKey.KID}), clerkClaims, nil), codeDecode, msgBadAlg)
	}
	reject("A1 alg none with junk signature", Raw(`{"alg":"none","kid":"clerk-rsa"}`, clerkClaims, []byte("junk")), codeDecode, msgBadAlg)

	// A2: HS256 keyed with the RSA public key in several encodings.
	der, err := x509.MarshalPKIXPublicKey(e.ClerkKey.Public)
	if err != nil {
		tb.Fatalf("marshal spki: %v", err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	hsHdr := `{"alg":"HS256","kid":"clerk-rsa","typ":"JWT"}`
	for _, k := range []struct {
		name string
		key  []byte
	}{
		{"PEM", pemKey},
		{"PEM without newline", []byte(strings.TrimSuffix(string(pemKey), "\n"))},
		{"DER", der},
		{"modulus", e.ClerkKey.Public.(*rsa.PublicKey).N.Bytes()},
		{"JWK text", e.ClerkKey.PublicJWK()},
	} {
		reject("A2 HS256 keyed with the public key as "+k.name, HS256(hsHdr, clerkClaims, k.key), codeDecode, msgBadAlg)
	}
	reject("A2 HS256 keyed with the public PEM, no iss", HS256(hsHdr, js(map[string]any{"sub": "x", "role": "service_role"}), pemKey), codeDecode, msgCrypto)

	// A3: blank signatures and keys.
	validClerk := e.ClerkToken(nil)
	reject("A3 RS256 with empty signature", validClerk[:strings.LastIndexByte(validClerk, '.')+1], codeDecode, msgCrypto)
	reject("A3 HS256 with the empty key, iss clerk", HS256(hsHdr, clerkClaims, nil), codeDecode, msgBadAlg)
	reject("A3 HS256 with the empty key, no iss", HS256(`{"alg":"HS256"}`, `{"role":"service_role"}`, nil), codeDecode, msgCrypto)
	reject("A3 signature of one zero byte", Raw(js(clerkHdr(nil)), clerkClaims, []byte{0}), codeDecode, msgCrypto)

	// A4/A5: ECDSA edge signatures against auth0's P-256 key.
	a0Claims := js(e.Auth0Claims())
	esHdr := `{"alg":"ES256","kid":"auth0-ec","typ":"JWT"}`
	n := e.Auth0EC.Public.(*ecdsa.PublicKey).Curve.Params().N
	rs := func(r, s *big.Int, size int) []byte {
		b := make([]byte, 2*size)
		r.FillBytes(b[:size])
		s.FillBytes(b[size:])
		return b
	}
	reject("A4 ES256 r=s=0", Raw(esHdr, a0Claims, make([]byte, 64)), codeDecode, msgCrypto)
	reject("A4 ES256 r=s=n", Raw(esHdr, a0Claims, rs(n, n, 32)), codeDecode, msgCrypto)
	reject("A4 ES256 r=1 s=0", Raw(esHdr, a0Claims, rs(big.NewInt(1), big.NewInt(0), 32)), codeDecode, msgCrypto)
	reject("A4 ES384 96 zero bytes on a P-256 key", Raw(`{"alg":"ES384","kid":"auth0-ec"}`, a0Claims, make([]byte, 96)), codeDecode, msgNoKey)
	reject("A4 ES512 132 zero bytes on a P-256 key", Raw(`{"alg":"ES512","kid":"auth0-ec"}`, a0Claims, make([]byte, 132)), codeDecode, msgNoKey)
	goodES := SignRaw(tb, e.Auth0EC, "ES256", esHdr, a0Claims)
	esInput, esSig := splitSig(tb, goodES)
	derSig, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(esSig[:32]), new(big.Int).SetBytes(esSig[32:])})
	if err != nil {
		tb.Fatalf("asn1: %v", err)
	}
	reject("A5 ES256 signature DER-encoded", esInput+"."+Enc(derSig), codeDecode, msgCrypto)
	reject("A5 ES256 signature of 63 bytes", esInput+"."+Enc(esSig[1:]), codeDecode, msgCrypto)
	reject("A5 ES256 signature of 65 bytes", esInput+"."+Enc(append([]byte{0}, esSig...)), codeDecode, msgCrypto)

	// A6/A7: unusable keys that slipped into a key set.
	offHdr := `{"alg":"ES256","kid":"clerk-offcurve"}`
	reject("A6 key off the curve", SignRaw(tb, e.AttackerEC, "ES256", offHdr, clerkClaims), codeDecode, msgCrypto)
	reject("A6 Ed25519 key of 31 bytes", SignRaw(tb, e.Auth0Ed, "EdDSA", `{"alg":"EdDSA","kid":"clerk-short-ed"}`, clerkClaims), codeDecode, msgNoKey)
	reject("A7 RSA key of 1024 bits", SignRaw(tb, e.WeakKey, "RS256", `{"alg":"RS256","kid":"clerk-weak"}`, clerkClaims), codeDecode, msgNoKey)
	reject("A7 RSA key with e=3", SignRaw(tb, e.Attacker, "RS256", `{"alg":"RS256","kid":"clerk-e3"}`, clerkClaims), codeDecode, msgNoKey)

	// A8: kid injection.
	reject("A8 kid path traversal with HS256 empty key", HS256(`{"alg":"HS256","kid":"../../../../dev/null"}`, clerkClaims, nil), codeDecode, msgBadAlg)
	reject("A8 kid path traversal RS256", signAtk(map[string]any{"alg": "RS256", "kid": "../../../../dev/null"}), codeDecode, msgUnknown)
	reject("A8 kid SQL injection", signAtk(map[string]any{"alg": "RS256", "kid": "x' UNION SELECT 'k'--"}), codeDecode, msgUnknown)
	reject("A8 kid of 1 MiB", signAtk(map[string]any{"alg": "RS256", "kid": strings.Repeat("k", 1<<20)}), codeDecode, msgDecode)
	reject("A8 kid of 300 bytes", signAtk(map[string]any{"alg": "RS256", "kid": strings.Repeat("k", 300)}), codeDecode, "longer than 256 bytes")
	reject("A8 kid with NUL", signAtk(map[string]any{"alg": "RS256", "kid": "clerk-rsa\x00"}), codeDecode, msgUnknown)
	reject("A8 kid number", signAtk(map[string]any{"alg": "RS256", "kid": 1}), codeDecode, `"kid" must be a string`)
	reject("A8 kid object", signAtk(map[string]any{"alg": "RS256", "kid": map[string]any{"a": 1}}), codeDecode, `"kid" must be a string`)
	reject("A8 kid array", signAtk(map[string]any{"alg": "RS256", "kid": []string{"clerk-rsa"}}), codeDecode, `"kid" must be a string`)
	reject("A8 no kid", SignHeader(tb, e.ClerkKey, map[string]any{"alg": "RS256"}, e.ClerkClaims()), codeDecode, `has no "kid"`)
	reject("A8 unknown random kid", signAtk(map[string]any{"alg": "RS256", "kid": "ins_nonexistent"}), codeDecode, msgUnknown)

	// A9/A10: key-carrying headers are ignored and never fetched.
	canary := e.Canary.URL + "/jwks.json"
	atkJWK := json.RawMessage(e.Attacker.PublicJWK())
	reject("A9 jku to the canary", signAtk(map[string]any{"alg": "RS256", "kid": "atk", "jku": canary}), codeDecode, msgUnknown)
	reject("A9 x5u to the canary", signAtk(map[string]any{"alg": "RS256", "kid": "atk", "x5u": canary}), codeDecode, msgUnknown)
	reject("A9 jku to link-local metadata", signAtk(map[string]any{"alg": "RS256", "kid": "atk", "jku": "http://169.254.169.254/latest"}), codeDecode, msgUnknown)
	reject("A9 jku on the issuer host, real kid", signAtk(map[string]any{"alg": "RS256", "kid": "clerk-rsa", "jku": e.Clerk.URL + "/evil/jwks.json"}), codeDecode, msgCrypto)
	reject("A10 embedded jwk without kid", signAtk(map[string]any{"alg": "RS256", "jwk": atkJWK}), codeDecode, `has no "kid"`)
	reject("A10 embedded jwk with a real kid", signAtk(map[string]any{"alg": "RS256", "kid": "clerk-rsa", "jwk": atkJWK}), codeDecode, msgCrypto)
	reject("A10 self-signed x5c with a real kid", signAtk(map[string]any{"alg": "RS256", "kid": "clerk-rsa", "x5c": []string{Enc(der)}, "x5u": canary}), codeDecode, msgCrypto)

	// A11: crit and b64, validly signed.
	reject("A11 crit with unknown extension", SignHeader(tb, e.ClerkKey, clerkHdr(map[string]any{"crit": []string{"x-unknown"}, "x-unknown": 1}), e.ClerkClaims()), codeDecode, `"crit" is not supported`)
	reject("A11 empty crit", SignHeader(tb, e.ClerkKey, clerkHdr(map[string]any{"crit": []string{}}), e.ClerkClaims()), codeDecode, `"crit" is not supported`)
	reject("A11 b64 false with crit", SignHeader(tb, e.ClerkKey, clerkHdr(map[string]any{"b64": false, "crit": []string{"b64"}}), e.ClerkClaims()), codeDecode, "is not supported")
	reject("A11 b64 false", SignHeader(tb, e.ClerkKey, clerkHdr(map[string]any{"b64": false}), e.ClerkClaims()), codeDecode, `"b64" is not supported`)

	// A12: header alg not matching the key.
	reject("A12 RS256 header on an EC-signed token", SignRaw(tb, e.Auth0EC, "ES256", `{"alg":"RS256","kid":"auth0-ec"}`, a0Claims), codeDecode, msgNoKey)
	reject("A12 ES256 header with the RSA kid", SignRaw(tb, e.AttackerEC, "ES256", `{"alg":"ES256","kid":"clerk-rsa"}`, clerkClaims), codeDecode, msgNoKey)
	reject("A12 PS256 on a key published for RS256", SignRaw(tb, e.ClerkKey, "PS256", `{"alg":"PS256","kid":"clerk-rsa"}`, clerkClaims), codeDecode, msgNoKey)
	reject("A12 EdDSA header with the EC kid", SignRaw(tb, e.Auth0Ed, "EdDSA", `{"alg":"EdDSA","kid":"auth0-ec"}`, a0Claims), codeDecode, msgNoKey)
	reject("A12 HS512 for a third-party issuer", HS256(`{"alg":"HS512","kid":"clerk-rsa"}`, clerkClaims, e.Secret), codeDecode, msgBadAlg)
	reject("A12 unknown alg", Raw(`{"alg":"RS1","kid":"clerk-rsa"}`, clerkClaims, []byte{1}), codeDecode, msgBadAlg)

	// B1: size.
	reject("B1 token of 1 MiB", Raw(js(map[string]any{"alg": "RS256", "kid": "clerk-rsa", "x": strings.Repeat("a", 1<<20)}), clerkClaims, []byte{1}), codeDecode, msgDecode)
	reject("B1 1 MiB of dots", strings.Repeat(".", 1<<20), codeDecode, msgDecode)
	// B2: deep nesting within the size limit.
	deep := `{"iss":"` + e.Clerk.URL + `","deep":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}`
	reject("B2 claims nested 2000 deep", SignRaw(tb, e.ClerkKey, "RS256", js(clerkHdr(nil)), deep), codeDecode, "nested deeper")

	// B3: duplicate and case-variant members, validly signed.
	c := e.ClerkClaims()
	base := func(extra string) string {
		// clerkClaims without its closing brace, plus extra members.
		delete(c, "exp")
		delete(c, "iss")
		delete(c, "role")
		b := js(c)
		return b[:len(b)-1] + "," + extra + "}"
	}
	iss := js(e.Clerk.URL)
	past, future := js(now-3600), js(now+3600)
	signed := func(payload string) string { return SignRaw(tb, e.ClerkKey, "RS256", js(clerkHdr(nil)), payload) }
	reject("B3 duplicate exp past then future", signed(base(`"iss":`+iss+`,"exp":`+past+`,"exp":`+future)), codeDecode, "duplicate")
	reject("B3 exp past with EXP future", signed(base(`"iss":`+iss+`,"exp":`+past+`,"EXP":`+future)), codeClaims, "JWT expired")
	reject("B3 iss evil with ISS ours", signed(base(`"iss":"https://evil.example","ISS":`+iss+`,"exp":`+future)), codeClaims, msgIssuer)
	accept("B3 role with ROLE service_role reads role", bearer(signed(base(`"iss":`+iss+`,"exp":`+future+`,"role":"authenticated","ROLE":"service_role"`))), "authenticated")
	reject("B3 duplicate role", signed(base(`"iss":`+iss+`,"exp":`+future+`,"role":"authenticated","role":"service_role"`)), codeDecode, "duplicate")
	reject("B3 duplicate role via escape", signed(base(`"iss":`+iss+`,"exp":`+future+`,"role":"authenticated","\u0072ole":"service_role"`)), codeDecode, "duplicate")
	reject("B3 duplicate header alg", SignRaw(tb, e.ClerkKey, "RS256", `{"alg":"RS256","kid":"clerk-rsa","alg":"none"}`, clerkClaims), codeDecode, "duplicate")

	// B4: encoding malleability.
	tok := e.ClerkToken(nil)
	reject("B4 non-canonical last signature character", flipLastBit(tok), codeDecode, "not canonical")
	reject("B4 padded signature", tok+"==", codeDecode, msgDecode)
	reject("B4 trailing newline", tok+"\n", codeDecode, msgDecode)
	reject("B4 leading space", " "+tok, codeDecode, msgDecode)
	reject("B4 standard base64 alphabet", tok[:len(tok)-1]+"+", codeDecode, msgDecode)

	// B5: other serialisations and shapes.
	reject("B5 JWE with 5 parts", "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d", codeDecode, "Unsupported token type")
	reject("B5 4 parts", tok+".x", codeDecode, "Expected 3 parts in JWT; got 4")
	reject("B5 flattened JWS JSON", `{"payload":"e30","protected":"e30","signature":"AA"}`, codeDecode, "Expected 3 parts in JWT; got 1")
	reject("B5 nested JWT as payload", SignRaw(tb, e.ClerkKey, "RS256", `{"alg":"RS256","kid":"clerk-rsa","cty":"JWT"}`, tok), codeDecode, msgDecode)
	reject("B5 claims are an array", signed(`[`+clerkClaims+`]`), codeDecode, msgDecode)
	reject("B5 claims with invalid UTF-8", signed(base(`"iss":`+iss+`,"exp":`+future+`,"name":"`+"\xff"+`"`)), codeDecode, msgDecode)
	reject("B5 enc header on a 3-part token", SignHeader(tb, e.ClerkKey, clerkHdr(map[string]any{"enc": "A256GCM"}), e.ClerkClaims()), codeDecode, "Unsupported token type")

	// C1/C2: time claims (margins well outside the 30 s skew).
	reject("C1 expired", e.ClerkToken(func(c map[string]any) { c["exp"] = now - 120 }), codeClaims, "JWT expired")
	accept("C1 expired within the skew", bearer(e.ClerkToken(func(c map[string]any) { c["exp"] = now - 10 })), "authenticated")
	reject("C1 exp missing", e.ClerkToken(func(c map[string]any) { delete(c, "exp") }), codeClaims, `no "exp" claim`)
	reject("C1 exp as string", e.ClerkToken(func(c map[string]any) { c["exp"] = "9999999999" }), codeClaims, "'exp' claim must be a number")
	reject("C1 exp null", e.ClerkToken(func(c map[string]any) { c["exp"] = nil }), codeClaims, "'exp' claim must be a number")
	reject("C1 nbf in the future", e.ClerkToken(func(c map[string]any) { c["nbf"] = now + 120 }), codeClaims, "JWT not yet valid")
	reject("C1 iat in the future", e.ClerkToken(func(c map[string]any) { c["iat"] = now + 120 }), codeClaims, "JWT issued at future")
	reject("C1 iat as string", e.ClerkToken(func(c map[string]any) { c["iat"] = "now" }), codeClaims, "'iat' claim must be a number")
	reject("C2 lifetime over the cap", e.ClerkToken(func(c map[string]any) { c["iat"] = now; c["exp"] = now + int64(2*MaxLifetime/time.Second) }), codeClaims, "exceeds the maximum")

	// C3: issuer and audience.
	reject("C3 untrusted iss", e.ClerkToken(func(c map[string]any) { c["iss"] = "https://evil.example" }), codeClaims, msgIssuer)
	reject("C3 iss with trailing slash", e.ClerkToken(func(c map[string]any) { c["iss"] = e.Clerk.URL + "/" }), codeClaims, msgIssuer)
	reject("C3 iss with upper-case scheme", e.ClerkToken(func(c map[string]any) { c["iss"] = strings.Replace(e.Clerk.URL, "http", "HTTP", 1) }), codeClaims, msgIssuer)
	reject("C3 iss missing", e.ClerkToken(func(c map[string]any) { delete(c, "iss") }), codeDecode, msgNoKey)
	reject("C3 iss not a string", e.ClerkToken(func(c map[string]any) { c["iss"] = []string{e.Clerk.URL} }), codeClaims, "'iss' claim must be a string")
	reject("C3 wrong aud", e.Auth0Token(func(c map[string]any) { c["aud"] = "https://other.example" }), codeClaims, "JWT not in audience")
	reject("C3 aud missing", e.Auth0Token(func(c map[string]any) { delete(c, "aud") }), codeClaims, "JWT not in audience")
	reject("C3 aud array with a non-string", e.Auth0Token(func(c map[string]any) { c["aud"] = []any{Auth0Audience, 1} }), codeClaims, "must be a string or an array of strings")
	accept("C3 aud array containing ours", bearer(e.Auth0Token(func(c map[string]any) { c["aud"] = []string{"x", Auth0Audience} })), "authenticated")

	// C4: role escalation from a third-party issuer.
	for _, role := range []string{"service_role", "postgres", "authenticator", "pg_read_server_files", "supabase_admin", "authenticated; DROP TABLE x"} {
		reject("C4 role "+role, e.ClerkToken(func(c map[string]any) { c["role"] = role }), codeClaims, "is not allowed for issuer")
	}
	reject("C4 role as array", e.ClerkToken(func(c map[string]any) { c["role"] = []string{"authenticated"} }), codeClaims, "'role' claim must be a string")
	accept("C4 role missing defaults to authenticated", bearer(e.ClerkToken(func(c map[string]any) { delete(c, "role") })), "authenticated")

	// C5: key of issuer B with the iss of issuer A.
	reject("C5 auth0 key with clerk iss", Sign(tb, e.Auth0EC, withClerk(func(map[string]any) {})), codeDecode, msgUnknown)
	reject("C5 bad signature with a known kid", tamper(tok), codeDecode, msgCrypto)

	// C6 and gateway rules.
	rejectH("C6 two Authorization headers", map[string][]string{"apikey": {e.PublishableKey}, "Authorization": {"Bearer " + tok, "Bearer " + tok}}, codeDecode, "More than one Authorization")
	rejectH("C6 Basic scheme", map[string][]string{"apikey": {e.PublishableKey}, "Authorization": {"Basic dXNlcjpwYXNz"}}, codeDecode, "Bearer scheme")
	rejectH("C6 empty bearer", map[string][]string{"apikey": {e.PublishableKey}, "Authorization": {"Bearer "}}, codeDecode, "Empty JWT is sent in Authorization header")
	rejectH("C6 bearer without token", map[string][]string{"apikey": {e.PublishableKey}, "Authorization": {"Bearer"}}, codeDecode, "Empty JWT is sent in Authorization header")
	rejectH("C6 bearer with extra spaces", map[string][]string{"apikey": {e.PublishableKey}, "Authorization": {"Bearer  " + tok}}, codeDecode, msgDecode)
	template := HS256(`{"alg":"HS256","typ":"JWT"}`, clerkClaims, e.Secret)
	reject("template: HS256 with the project secret and clerk iss", template, codeDecode, "JWT templates signed with the project's JWT secret are deprecated")
	rejectH("apikey missing", map[string][]string{"Authorization": {"Bearer " + tok}}, codeDecode, "No API key found in request")
	rejectH("apikey unknown", map[string][]string{"apikey": {"sb_publishable_wrong"}}, codeDecode, "Invalid API key")
	rejectH("apikey is a third-party token", map[string][]string{"apikey": {tok}}, codeDecode, "Invalid API key")
	forged := HS256(`{"alg":"HS256","typ":"JWT"}`, `{"iss":"supabase-demo","role":"service_role","exp":1983812996}`, []byte("not-the-project-secret-at-least-32-chars"))
	rejectH("apikey legacy service_role forged", map[string][]string{"apikey": {forged}}, codeDecode, "Invalid API key")
	rejectH("secret key from a browser", map[string][]string{"apikey": {e.SecretKey}, "User-Agent": {"Mozilla/5.0 (X11; Linux x86_64)"}}, codeDecode, "Forbidden use of secret API key in browser")
	rejectH("Bearer sb_ key different from apikey", map[string][]string{"apikey": {e.PublishableKey}, "Authorization": {"Bearer " + e.SecretKey}}, codeDecode, "Invalid API key")
	return out
}

// splitSig returns the signing input and the decoded signature of tok.
func splitSig(tb interface{ Fatalf(string, ...any) }, tok string) (string, []byte) {
	i := strings.LastIndexByte(tok, '.')
	sig, err := b64Decode(tok[i+1:])
	if err != nil {
		tb.Fatalf("decode signature: %v", err)
	}
	return tok[:i], sig
}

// flipLastBit changes an unused low bit of the last signature character, so
// the bytes decode the same under a lenient decoder but not a strict one.
func flipLastBit(tok string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, tok[len(tok)-1])
	return tok[:len(tok)-1] + string(alphabet[last^1])
}

// tamper changes one signature character (not the last, whose low bits
// may be unused) so the signature no longer verifies.
func tamper(tok string) string {
	i := strings.LastIndexByte(tok, '.') + 10
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}
