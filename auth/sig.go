package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"math/big"

	"github.com/rowgate/rowgate/auth/jwks"
)

// algorithm describes one JWS "alg" rowgate accepts for asymmetric keys.
type algorithm struct {
	name  string
	kty   string // "RSA", "EC" or "OKP"
	curve string // for EC and OKP
	pss   bool
	hash  crypto.Hash
}

// asymmetric lists every algorithm accepted for third-party issuers and
// project signing keys (security.md §0 rule 1). HS* and "none" are absent on
// purpose.
var asymmetric = map[string]*algorithm{
	"RS256": {name: "RS256", kty: "RSA", hash: crypto.SHA256},
	"RS384": {name: "RS384", kty: "RSA", hash: crypto.SHA384},
	"RS512": {name: "RS512", kty: "RSA", hash: crypto.SHA512},
	"PS256": {name: "PS256", kty: "RSA", pss: true, hash: crypto.SHA256},
	"PS384": {name: "PS384", kty: "RSA", pss: true, hash: crypto.SHA384},
	"PS512": {name: "PS512", kty: "RSA", pss: true, hash: crypto.SHA512},
	"ES256": {name: "ES256", kty: "EC", curve: "P-256", hash: crypto.SHA256},
	"ES384": {name: "ES384", kty: "EC", curve: "P-384", hash: crypto.SHA384},
	"ES512": {name: "ES512", kty: "EC", curve: "P-521", hash: crypto.SHA512},
	"EdDSA": {name: "EdDSA", kty: "OKP", curve: "Ed25519"},
}

// RSA key policy (security.md §0 rule 8). jwks applies it when loading a
// set; the verifier applies it again so no key source can bypass it.
const (
	minRSABits  = 2048
	maxRSABits  = 8192
	rsaExponent = 65537
)

var errBadSignature = errors.New("signature does not verify")

// checkKey reports why key cannot verify tokens signed with alg, or nil when
// it can: the Go key type and curve must fit alg, the JWK's own "alg" (when
// it names one) must equal it, and RSA keys must meet the size and exponent
// policy.
func checkKey(alg *algorithm, key *jwks.Key) error {
	if key.Alg != "" && key.Alg != alg.name {
		return fmt.Errorf("key is published for %s, token uses %s", sanitize(key.Alg), alg.name)
	}
	switch pub := key.Public.(type) {
	case *rsa.PublicKey:
		if alg.kty != "RSA" {
			return fmt.Errorf("%s needs an %s key, the key is RSA", alg.name, alg.kty)
		}
		if pub.N == nil {
			return errors.New("RSA key has no modulus")
		}
		if bits := pub.N.BitLen(); bits < minRSABits || bits > maxRSABits {
			return fmt.Errorf("RSA key of %d bits is outside %d–%d", bits, minRSABits, maxRSABits)
		}
		if pub.E != rsaExponent {
			return fmt.Errorf("RSA key exponent %d is not %d", pub.E, rsaExponent)
		}
	case *ecdsa.PublicKey:
		if alg.kty != "EC" {
			return fmt.Errorf("%s needs an %s key, the key is EC", alg.name, alg.kty)
		}
		if pub.Curve == nil || pub.Curve.Params().Name != alg.curve {
			return fmt.Errorf("%s needs a %s key", alg.name, alg.curve)
		}
	case ed25519.PublicKey:
		if alg.kty != "OKP" {
			return fmt.Errorf("%s needs an %s key, the key is Ed25519", alg.name, alg.kty)
		}
		if len(pub) != ed25519.PublicKeySize {
			return fmt.Errorf("Ed25519 key of %d bytes", len(pub))
		}
	default:
		return fmt.Errorf("unsupported key type %T", key.Public)
	}
	return nil
}

// verifySignature checks sig over input with pub under alg. It is the only
// place asymmetric signatures are verified; the Wycheproof tests call it
// directly. It does not apply the key policy (see checkKey).
func verifySignature(alg *algorithm, pub crypto.PublicKey, input, sig []byte) error {
	switch alg.kty {
	case "RSA":
		k, ok := pub.(*rsa.PublicKey)
		if !ok || k.N == nil {
			return errors.New("not an RSA key")
		}
		digest := hashOf(alg.hash, input)
		var err error
		if alg.pss {
			// RFC 7518 §3.5: the salt is as long as the hash. An automatic
			// salt length would accept other lengths.
			err = rsa.VerifyPSS(k, alg.hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: alg.hash})
		} else {
			err = rsa.VerifyPKCS1v15(k, alg.hash, digest, sig)
		}
		if err != nil {
			return errBadSignature
		}
		return nil
	case "EC":
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || k.Curve == nil || k.Curve.Params().Name != alg.curve {
			return fmt.Errorf("not a %s key", alg.curve)
		}
		// RFC 7518 §3.4: exactly R‖S, each as long as the curve order.
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return fmt.Errorf("ECDSA signature of %d bytes, want %d", len(sig), 2*size)
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		if !ecdsaVerify(k, hashOf(alg.hash, input), r, s) {
			return errBadSignature
		}
		return nil
	case "OKP":
		k, ok := pub.(ed25519.PublicKey)
		if !ok || len(k) != ed25519.PublicKeySize {
			return errors.New("not an Ed25519 key")
		}
		if len(sig) != ed25519.SignatureSize || !ed25519.Verify(k, input, sig) {
			return errBadSignature
		}
		return nil
	}
	return fmt.Errorf("unsupported key type %q", alg.kty)
}

// ecdsaVerify wraps ecdsa.Verify, which rejects r or s outside [1, n-1]
// (the "psychic signature" class) and public keys that are not a valid
// point of their curve (it decodes them through crypto/internal/nistec).
// The recover guards against a panic on malformed key values.
func ecdsaVerify(k *ecdsa.PublicKey, digest []byte, r, s *big.Int) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	if k.X == nil || k.Y == nil {
		return false
	}
	return ecdsa.Verify(k, digest, r, s)
}

func hashOf(h crypto.Hash, input []byte) []byte {
	switch h {
	case crypto.SHA256:
		sum := sha256.Sum256(input)
		return sum[:]
	case crypto.SHA384:
		sum := sha512.Sum384(input)
		return sum[:]
	case crypto.SHA512:
		sum := sha512.Sum512(input)
		return sum[:]
	}
	hh := h.New()
	hh.Write(input)
	return hh.Sum(nil)
}

// verifyHS256 checks an HMAC-SHA256 tag with the project secret. An empty
// secret never verifies (CVE-2019-20933 class).
func verifyHS256(secret, input, sig []byte) bool {
	if len(secret) == 0 || len(sig) != sha256.Size {
		return false
	}
	m := hmac.New(sha256.New, secret)
	m.Write(input)
	return hmac.Equal(m.Sum(nil), sig)
}
