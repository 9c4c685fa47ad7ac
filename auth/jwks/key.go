package jwks

import (
	"crypto"
	"slices"
)

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

// Algorithm lists per key family. They are the only JWS algorithms a key of
// this package can ever verify; HS* and "none" are never among them.
var (
	rsaAlgs     = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	p256Algs    = []string{"ES256"}
	p384Algs    = []string{"ES384"}
	p521Algs    = []string{"ES512"}
	ed25519Algs = []string{"EdDSA", "Ed25519"}
)

// familyAlgs returns the JWS algorithms that fit a key type and curve, or nil.
func familyAlgs(kty, crv string) []string {
	switch kty {
	case "RSA":
		return rsaAlgs
	case "EC":
		switch crv {
		case "P-256":
			return p256Algs
		case "P-384":
			return p384Algs
		case "P-521":
			return p521Algs
		}
	case "OKP":
		if crv == "Ed25519" {
			return ed25519Algs
		}
	}
	return nil
}

// Algorithms returns the JWS "alg" values this key may verify: its own Alg
// when the JWK named one, otherwise every algorithm that fits its type and
// curve (RS*/PS* for RSA, ES256/ES384/ES512 for P-256/P-384/P-521, EdDSA and
// Ed25519 for Ed25519). The returned slice must not be modified.
func (k *Key) Algorithms() []string {
	if k.Alg != "" {
		return []string{k.Alg}
	}
	return familyAlgs(k.Kty, k.Curve)
}

// Allows reports whether a token whose header names alg may be verified with
// this key. The algorithm is taken from the key: a header alg that does not
// fit the key's type and curve, or differs from the JWK's own "alg", is
// refused.
func (k *Key) Allows(alg string) bool {
	if alg == "" {
		return false
	}
	if k.Alg != "" {
		return alg == k.Alg
	}
	return slices.Contains(familyAlgs(k.Kty, k.Curve), alg)
}
