package authtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
)

// Enc is unpadded base64url.
func Enc(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Raw assembles a compact token from raw header and payload JSON text and a
// signature, without checking anything. Use it for duplicate members and
// other malformed input.
func Raw(headerJSON, payloadJSON string, sig []byte) string {
	return Enc([]byte(headerJSON)) + "." + Enc([]byte(payloadJSON)) + "." + Enc(sig)
}

// Sign returns a token signed by k with header {"alg":k.Alg,"kid":k.KID,"typ":"JWT"}.
func Sign(tb testing.TB, k *Key, claims map[string]any) string {
	tb.Helper()
	return SignHeader(tb, k, map[string]any{"alg": k.Alg, "kid": k.KID, "typ": "JWT"}, claims)
}

// SignHeader returns a token with the given header and claims, signed by k
// under k.Alg regardless of what the header says.
func SignHeader(tb testing.TB, k *Key, header, claims map[string]any) string {
	tb.Helper()
	return SignRaw(tb, k, k.Alg, mustJSON(tb, header), mustJSON(tb, claims))
}

// SignRaw signs raw header and payload JSON text with k under alg.
func SignRaw(tb testing.TB, k *Key, alg, headerJSON, payloadJSON string) string {
	tb.Helper()
	input := Enc([]byte(headerJSON)) + "." + Enc([]byte(payloadJSON))
	sig, err := Signature(k, alg, []byte(input))
	if err != nil {
		tb.Fatalf("sign: %v", err)
	}
	return input + "." + Enc(sig)
}

// HS256 returns a token whose signature is HMAC-SHA256 of the signing input
// keyed with secret (which may be empty or anything an attacker might try).
func HS256(headerJSON, payloadJSON string, secret []byte) string {
	input := Enc([]byte(headerJSON)) + "." + Enc([]byte(payloadJSON))
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + Enc(m.Sum(nil))
}

// Signature computes the JWS signature of input with k under alg: RS*,
// PS* (salt = hash length), ES* (fixed-length R‖S) or EdDSA.
func Signature(k *Key, alg string, input []byte) ([]byte, error) {
	hashes := map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}
	if alg == "EdDSA" {
		priv, ok := k.Signer.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("EdDSA needs an Ed25519 key")
		}
		return ed25519.Sign(priv, input), nil
	}
	if len(alg) != 5 {
		return nil, fmt.Errorf("unsupported alg %q", alg)
	}
	h, ok := hashes[alg[2:]]
	if !ok {
		return nil, fmt.Errorf("unsupported alg %q", alg)
	}
	digest := digestOf(h, input)
	switch alg[:2] {
	case "RS":
		priv, ok := k.Signer.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%s needs an RSA key", alg)
		}
		return rsa.SignPKCS1v15(rand.Reader, priv, h, digest)
	case "PS":
		priv, ok := k.Signer.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%s needs an RSA key", alg)
		}
		return rsa.SignPSS(rand.Reader, priv, h, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ES":
		priv, ok := k.Signer.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%s needs an EC key", alg)
		}
		r, s, err := ecdsa.Sign(rand.Reader, priv, digest)
		if err != nil {
			return nil, fmt.Errorf("ecdsa sign: %w", err)
		}
		size := (priv.Curve.Params().BitSize + 7) / 8
		out := make([]byte, 2*size)
		r.FillBytes(out[:size])
		s.FillBytes(out[size:])
		return out, nil
	}
	return nil, fmt.Errorf("unsupported alg %q", alg)
}

func digestOf(h crypto.Hash, input []byte) []byte {
	switch h {
	case crypto.SHA384:
		s := sha512.Sum384(input)
		return s[:]
	case crypto.SHA512:
		s := sha512.Sum512(input)
		return s[:]
	}
	s := sha256.Sum256(input)
	return s[:]
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("marshal: %v", err)
	}
	return string(b)
}

func b64Decode(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
