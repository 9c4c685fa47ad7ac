package jwks

import "crypto"

// Key is one usable public verification key from an issuer's JWKS, after the
// filtering rules (no oct, no use=enc, no weak or off-curve keys) were applied.
type Key struct {
	// KID is the key id; always non-empty for keys of a remote set.
	KID string
	// Alg is the JWK's "alg" member, or "" when the JWK did not name one.
	Alg string
	// Kty is "RSA", "EC" or "OKP".
	Kty string
	// Curve is "P-256", "P-384", "P-521" or "Ed25519" for EC/OKP keys.
	Curve string
	// Public is *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey.
	Public crypto.PublicKey
}
