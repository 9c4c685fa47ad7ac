// Package devissuer is a Clerk-shaped token issuer for offline development.
//
// `rowgate dev` mounts its [Issuer.Handler] under a path prefix of the API
// (for example http://127.0.0.1:54321/dev-issuer) and trusts it like any
// other OIDC issuer; `rowgate token` mints tokens from it with [Issuer.Mint].
// The tokens have the shape of Clerk v2 session tokens (RS256, kid "ins_…",
// claims azp, exp, fva, iat, iss, jti, nbf, sid, sub, v, o, role), so
// application code and RLS policies written for Clerk work unchanged.
//
// The RSA private key is kept as a JWK in dir/dev-issuer.json with mode 0600,
// so tokens stay valid across restarts:
//
//	iss, err := devissuer.Open(".rowgate")
//	if err != nil {
//		return err
//	}
//	mux.Handle("/dev-issuer/", http.StripPrefix("/dev-issuer", iss.Handler(issuerURL)))
//	tok, err := iss.Mint(devissuer.TokenOptions{Issuer: issuerURL, Subject: "user_123"})
//
// The dev issuer exists for local development only: anyone who can read the
// key file can mint tokens it accepts.
package devissuer
