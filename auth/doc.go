// Package auth verifies the tokens a rowgate request carries and resolves the
// request's identity: the Postgres role to switch to and the claims to expose
// through request.jwt.claims.
//
// A [Verifier] is built once from a [Config] and is safe for concurrent use.
// [Verifier.Verify] checks one user token (a JWT from a third-party issuer
// such as Clerk, or a project token signed with the project's JWT secret or
// signing keys); [Verifier.Resolve] applies the Supabase gateway rules to a
// request's apikey and Authorization values; [Verifier.Explain] runs the same
// checks step by step for diagnostics (rowgate doctor token). Nothing here
// depends on net/http, so Realtime can reuse it for socket and channel tokens.
//
// The verification rules follow reference/security.md: tokens are bounded to
// 8 KiB and must be three strict base64url segments before anything is
// parsed; the header is decoded strictly (duplicate members rejected, "crit"
// and "b64" refused, key-carrying headers such as "jku" ignored and never
// fetched); the unverified "iss" selects exactly one issuer, whose key source
// alone is asked for the "kid"; the algorithm must be asymmetric for
// third-party issuers and must fit the key; claims are decoded once, strictly,
// checked, and re-serialised with "role" set to the effective role.
//
// Signatures are checked with the standard library primitives (crypto/rsa,
// crypto/ecdsa, crypto/ed25519) in one function, verifySignature, which the
// Wycheproof tests exercise directly. go-jose's verifier only accepts whole
// JWS objects (so raw Wycheproof vectors cannot be run through it) and
// verifies PS* signatures with an automatic salt length, which accepts two
// Wycheproof vectors marked invalid; rowgate requires the salt length to equal
// the hash size, as RFC 7518 §3.5 specifies.
//
// Every error returned to callers is a *rowgate.Error with status 401, a
// PostgREST code (PGRST301 for decoding, key and algorithm problems, PGRST303
// for claim problems) and a WWW-Authenticate header. Messages never echo the
// token; echoed header values such as "kid" are sanitised and truncated.
//
// Example:
//
//	v, err := auth.New(auth.Config{
//		Issuers: []auth.IssuerConfig{{
//			Name: "clerk", Provider: "clerk",
//			Issuer: "https://example.clerk.accounts.dev",
//			Keys: keySet, // a *jwks.Set
//		}},
//		JWTSecret:      secret,
//		PublishableKey: "sb_publishable_…",
//		SecretKey:      "sb_secret_…",
//	})
//	if err != nil { … }
//	id, err := v.Resolve(ctx, auth.Credentials{
//		APIKey:        r.Header.Get("apikey"),
//		Authorization: r.Header.Values("Authorization"),
//		UserAgent:     r.UserAgent(),
//	})
package auth
