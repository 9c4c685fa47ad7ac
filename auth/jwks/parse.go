package jwks

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"

	josejson "github.com/go-jose/go-jose/v4/json"
)

// Limits applied to every key set (security.md §0 rule 8).
const (
	// MaxKeys is the largest number of keys a JWKS document may hold; a
	// bigger document is rejected as a whole.
	MaxKeys = 64
	// MaxKIDLength is the longest accepted "kid", in bytes.
	MaxKIDLength = 256
	// MaxBodySize is the largest JWKS or discovery document fetched, in bytes.
	MaxBodySize = 256 << 10
	// MinRSABits and MaxRSABits bound the RSA modulus size.
	MinRSABits = 2048
	MaxRSABits = 8192
)

// rawJWK holds the JWK members the filter looks at. It is decoded with
// go-jose's JSON fork, which matches member names case-sensitively and
// rejects duplicate members, so "KTY" or a second "kty" cannot smuggle in a
// different reading of the key.
type rawJWK struct {
	Kty    string    `json:"kty"`
	KID    string    `json:"kid"`
	Use    string    `json:"use"`
	Alg    string    `json:"alg"`
	KeyOps *[]string `json:"key_ops"`
	Crv    string    `json:"crv"`
	N      string    `json:"n"`
	E      string    `json:"e"`
	X      string    `json:"x"`
	Y      string    `json:"y"`
	// D is present only in private keys (RSA, EC, OKP); K only in oct keys.
	D *string `json:"d"`
}

// KeyFromJWK parses one JSON Web Key and applies the per-key rules: only
// RSA (2048–8192 bits, e = 65537), EC on P-256/P-384/P-521 (point checked
// on the curve) and OKP Ed25519 public keys meant for signature verification
// are accepted. Symmetric ("oct") keys, "use":"enc" keys, keys whose
// "key_ops" lacks "verify", keys carrying private members, keys with an
// "alg" that does not fit their type, and kids longer than MaxKIDLength are
// refused with an error explaining why. A missing "kid" is allowed here;
// Parse requires one for remote sets.
func KeyFromJWK(jwk stdjson.RawMessage) (Key, error) {
	var r rawJWK
	if err := josejson.Unmarshal(jwk, &r); err != nil {
		return Key{}, fmt.Errorf("malformed JWK: %w", err)
	}
	return keyFromRaw(&r)
}

// keyFromRaw applies the per-key rules to a decoded JWK.
func keyFromRaw(r *rawJWK) (Key, error) {
	if len(r.KID) > MaxKIDLength {
		return Key{}, fmt.Errorf("kid is %d bytes, longer than %d", len(r.KID), MaxKIDLength)
	}
	switch r.Kty {
	case "RSA", "EC", "OKP":
	case "oct":
		return Key{}, errors.New("symmetric key (kty \"oct\") not allowed")
	case "":
		return Key{}, errors.New("missing kty")
	default:
		return Key{}, fmt.Errorf("unsupported kty %s", quote(r.Kty))
	}
	switch r.Use {
	case "", "sig":
	case "enc":
		return Key{}, errors.New("encryption key (use \"enc\") not allowed")
	default:
		return Key{}, fmt.Errorf("unsupported use %s", quote(r.Use))
	}
	if r.KeyOps != nil && !slices.Contains(*r.KeyOps, "verify") {
		return Key{}, errors.New("key_ops does not include \"verify\"")
	}
	if r.D != nil {
		return Key{}, errors.New("private key material published (member \"d\")")
	}
	k := Key{KID: r.KID, Alg: r.Alg, Kty: r.Kty}
	var err error
	switch r.Kty {
	case "RSA":
		k.Public, err = rsaKey(r.N, r.E)
	case "EC":
		k.Curve = r.Crv
		k.Public, err = ecKey(r.Crv, r.X, r.Y)
	case "OKP":
		k.Curve = r.Crv
		k.Public, err = okpKey(r.Crv, r.X)
	}
	if err != nil {
		return Key{}, err
	}
	if r.Alg != "" && !slices.Contains(familyAlgs(k.Kty, k.Curve), r.Alg) {
		return Key{}, fmt.Errorf("alg %s does not fit a %s key", quote(r.Alg), keyFamily(k.Kty, k.Curve))
	}
	return k, nil
}

// rsaKey decodes and checks an RSA public key.
func rsaKey(n64, e64 string) (*rsa.PublicKey, error) {
	// 8192 bits is 1024 bytes, i.e. 1366 base64url characters; allow a
	// leading zero octet and refuse anything longer before decoding.
	if len(n64) > 1368 {
		return nil, fmt.Errorf("RSA modulus longer than %d bits", MaxRSABits)
	}
	nb, err := b64(n64, "n")
	if err != nil {
		return nil, err
	}
	eb, err := b64(e64, "e")
	if err != nil {
		return nil, err
	}
	n := new(big.Int).SetBytes(nb)
	bits := n.BitLen()
	if bits < MinRSABits || bits > MaxRSABits {
		return nil, fmt.Errorf("RSA modulus is %d bits, need %d–%d", bits, MinRSABits, MaxRSABits)
	}
	if n.Bit(0) == 0 {
		return nil, errors.New("RSA modulus is even")
	}
	if len(eb) > 8 {
		return nil, errors.New("RSA exponent too large, need 65537")
	}
	var e uint64
	for _, b := range eb {
		e = e<<8 | uint64(b)
	}
	if e != 65537 {
		return nil, fmt.Errorf("RSA exponent is %d, need 65537", e)
	}
	return &rsa.PublicKey{N: n, E: int(e)}, nil
}

// ecKey decodes an EC public key and checks that the point is on its curve.
func ecKey(crv, x64, y64 string) (*ecdsa.PublicKey, error) {
	var curve elliptic.Curve
	var size int
	switch crv {
	case "P-256":
		curve, size = elliptic.P256(), 32
	case "P-384":
		curve, size = elliptic.P384(), 48
	case "P-521":
		curve, size = elliptic.P521(), 66
	case "":
		return nil, errors.New("EC key without crv")
	default:
		return nil, fmt.Errorf("unsupported EC curve %s", quote(crv))
	}
	x, err := b64(x64, "x")
	if err != nil {
		return nil, err
	}
	y, err := b64(y64, "y")
	if err != nil {
		return nil, err
	}
	// RFC 7518 §6.2.1.2: coordinates are exactly the curve's field size.
	if len(x) != size || len(y) != size {
		return nil, fmt.Errorf("EC %s coordinates must be %d bytes, got x=%d y=%d", crv, size, len(x), len(y))
	}
	point := make([]byte, 0, 1+2*size)
	point = append(point, 4)
	point = append(point, x...)
	point = append(point, y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
	if err != nil {
		return nil, fmt.Errorf("EC %s point is not on the curve: %w", crv, err)
	}
	return pub, nil
}

// okpKey decodes an OKP key; only Ed25519 signs.
func okpKey(crv, x64 string) (ed25519.PublicKey, error) {
	if crv != "Ed25519" {
		if crv == "" {
			return nil, errors.New("OKP key without crv")
		}
		return nil, fmt.Errorf("unsupported OKP curve %s, only Ed25519", quote(crv))
	}
	x, err := b64(x64, "x")
	if err != nil {
		return nil, err
	}
	if len(x) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("Ed25519 key must be %d bytes, got %d", ed25519.PublicKeySize, len(x))
	}
	return ed25519.PublicKey(x), nil
}

// b64 decodes an unpadded base64url member; empty members are errors.
func b64(s, member string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("missing member %q", member)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("member %q is not base64url: %w", member, err)
	}
	return b, nil
}

func keyFamily(kty, crv string) string {
	if crv != "" {
		return kty + " " + crv
	}
	return kty
}

// quote renders an attacker-supplied string for an error message, cut short
// so a hostile document cannot make log lines arbitrarily long.
func quote(s string) string {
	const max = 32
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}

// Parse reads a JWKS document ({"keys":[…]}) and applies the set rules on
// top of KeyFromJWK's per-key rules: every key must have a "kid"; unusable
// keys are skipped and explained in dropped (for `rowgate doctor`); the
// document is rejected as a whole when it is not a JSON object with a
// "keys" array, holds more than MaxKeys keys, or two kept keys share a kid.
// A document that leaves no usable key returns an error wrapping ErrNoKeys,
// so an empty set is never swapped in.
func Parse(body []byte) (keys []Key, dropped []string, err error) {
	var doc struct {
		Keys *[]josejson.RawMessage `json:"keys"`
	}
	if err := josejson.Unmarshal(body, &doc); err != nil {
		return nil, nil, fmt.Errorf("jwks: malformed JWKS document: %w", err)
	}
	if doc.Keys == nil {
		return nil, nil, errors.New(`jwks: malformed JWKS document: no "keys" array`)
	}
	raw := *doc.Keys
	if len(raw) > MaxKeys {
		return nil, nil, fmt.Errorf("jwks: JWKS document has %d keys, more than %d", len(raw), MaxKeys)
	}
	seen := make(map[string]int, len(raw))
	for i, data := range raw {
		var r rawJWK
		var k Key
		err := josejson.Unmarshal(data, &r)
		if err != nil {
			err = fmt.Errorf("malformed JWK: %w", err)
		} else if k, err = keyFromRaw(&r); err == nil && k.KID == "" {
			err = errors.New("missing kid")
		}
		if err != nil {
			if r.KID != "" {
				dropped = append(dropped, fmt.Sprintf("key %d (kid %s): %v", i, quote(r.KID), err))
			} else {
				dropped = append(dropped, fmt.Sprintf("key %d: %v", i, err))
			}
			continue
		}
		if j, dup := seen[k.KID]; dup {
			return nil, dropped, fmt.Errorf("jwks: duplicate kid %s (keys %d and %d)", quote(k.KID), j, i)
		}
		seen[k.KID] = i
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, dropped, fmt.Errorf("%w: none of %d keys is usable", ErrNoKeys, len(raw))
	}
	return keys, dropped, nil
}
