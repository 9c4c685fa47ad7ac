// Package authtest provides test helpers for code that verifies tokens with
// package auth: key generation (RSA, EC, Ed25519), JWKS documents, an
// httptest issuer serving OIDC discovery and a JWKS, a canary server that
// counts requests (to prove headers such as "jku" are never fetched), token
// signing for arbitrary — including malformed — headers, claims and
// signatures, an in-memory KeySource, and AttackCorpus, the hostile request
// table from reference/security.md §1 that both auth and the gateway run.
//
// It is imported only by tests.
package authtest
