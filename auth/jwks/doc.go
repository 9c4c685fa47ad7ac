// Package jwks fetches, filters and caches an issuer's JSON Web Key Set as
// a subsystem of its own (security.md §3).
//
// A [Set] holds one issuer's keys in an immutable snapshot behind an
// atomic pointer, so [Set.Lookup] is lock-free and never does I/O. [Set.Start]
// runs the initial fetch and a background refresh whose interval follows
// the response's Cache-Control max-age, clamped to [5 min, 1 h] (10 min by
// default) with ±10 % jitter; failures are retried with backoff while the
// last good keys stay in use, up to MaxStaleness (24 h), after which the set
// fails closed. [Set.Refresh] handles an unknown kid: one single-flight
// refetch per set, then a cooldown (30 s) during which further unknown kids
// fail at once with [ErrCooldown], so junk tokens cannot turn into a flood of
// requests to the issuer.
//
// Fetching is deliberately narrow: https only (http only for loopback
// hosts), redirects never followed, a 5 s total timeout, bodies capped at
// [MaxBodySize], and a dial-time guard on the resolved address (no
// link-local/metadata addresses; no private ones unless
// [Options].AllowPrivateNetworks; loopback only for loopback-configured
// issuers). [Parse] applies the key rules: at most [MaxKeys] keys, a
// kid on every key, no duplicate kids among the usable keys; symmetric,
// encryption, weak RSA (outside 2048–8192 bits or e ≠ 65537), off-curve or
// unknown-curve EC, non-Ed25519 OKP, private and key_ops-restricted keys
// are skipped. A document that leaves no usable key is an error, so an
// empty set is never swapped in.
//
// The package does not verify tokens; package auth does, looking keys up
// per issuer here and taking the algorithm from the key ([Key.Allows]).
// [NewStatic] wraps fixed keys (the project's own signing keys, tests).
//
// Not implemented: ETag/If-None-Match revalidation and the Expires header
// (only Cache-Control max-age, no-cache and no-store are read).
package jwks
