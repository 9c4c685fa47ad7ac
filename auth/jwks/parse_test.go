package jwks

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
)

// randomModulus returns an odd number of exactly bits bits, standing in for
// an RSA modulus of that size (the filter only looks at size and parity).
func randomModulus(t *testing.T, bits int) string {
	t.Helper()
	b := make([]byte, (bits+7)/8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	n := new(big.Int).SetBytes(b)
	n.SetBit(n, bits-1, 1)
	for i := bits; i < len(b)*8; i++ {
		n.SetBit(n, i, 0)
	}
	n.SetBit(n, 0, 1)
	return b64u(n.Bytes())
}

func TestParseFilter(t *testing.T) {
	rsaPub := &testRSA().PublicKey
	p256 := &testP256().PublicKey
	good := ecJWK("good", &testP384().PublicKey)

	offCurve := ecJWK("off", p256)
	raw, _ := p256.Bytes()
	y := new(big.Int).SetBytes(raw[33:])
	y.Add(y, big.NewInt(1))
	yb := make([]byte, 32)
	y.FillBytes(yb)
	offCurve["y"] = b64u(yb)

	longX := ecJWK("longx", p256).with("x", b64u(append([]byte{0}, raw[1:33]...)))

	tests := []struct {
		name    string
		key     jwk
		keep    bool
		wantMsg string // substring of the dropped reason
	}{
		{name: "RSA 2048 RS256", key: rsaJWK("rsa", rsaPub), keep: true},
		{name: "RSA without alg or use", key: rsaJWK("rsa", rsaPub).with("alg", nil, "use", nil), keep: true},
		{name: "RSA PS256", key: rsaJWK("rsa", rsaPub).with("alg", "PS256"), keep: true},
		{name: "EC P-256", key: ecJWK("p256", p256), keep: true},
		{name: "EC P-256 ES256", key: ecJWK("p256", p256).with("alg", "ES256"), keep: true},
		{name: "EC P-521", key: ecJWK("p521", &testP521().PublicKey), keep: true},
		{name: "Ed25519", key: edJWK("ed", testEd()), keep: true},
		{name: "Ed25519 EdDSA", key: edJWK("ed", testEd()).with("alg", "EdDSA"), keep: true},
		{name: "key_ops verify", key: edJWK("ed", testEd()).with("key_ops", []string{"verify"}), keep: true},
		{name: "kid of 256 bytes", key: edJWK(strings.Repeat("k", 256), testEd()), keep: true},

		{name: "oct", key: jwk{"kty": "oct", "kid": "hs", "k": b64u([]byte("secretsecretsecretsecret"))}, wantMsg: "oct"},
		{name: "use enc", key: rsaJWK("enc", rsaPub).with("use", "enc", "alg", "RSA-OAEP"), wantMsg: "enc"},
		{name: "unknown use", key: rsaJWK("u", rsaPub).with("use", "both"), wantMsg: "unsupported use"},
		{name: "RSA 1024", key: rsaJWK("weak", rsaPub).with("n", randomModulus(t, 1024)), wantMsg: "1024 bits"},
		{name: "RSA 8200", key: rsaJWK("big", rsaPub).with("n", randomModulus(t, 8200)), wantMsg: "8200 bits"},
		{name: "RSA 20000 bits", key: rsaJWK("huge", rsaPub).with("n", randomModulus(t, 20000)), wantMsg: "longer than"},
		{name: "RSA e=3", key: rsaJWK("e3", rsaPub).with("e", b64u([]byte{3})), wantMsg: "exponent is 3"},
		{name: "RSA e=1", key: rsaJWK("e1", rsaPub).with("e", b64u([]byte{1})), wantMsg: "exponent is 1"},
		{name: "RSA e=65536", key: rsaJWK("e", rsaPub).with("e", b64u([]byte{1, 0, 0})), wantMsg: "exponent is 65536"},
		{name: "RSA even modulus", key: rsaJWK("ev", rsaPub).with("n", b64u(new(big.Int).Lsh(big.NewInt(1), 2047).Bytes())), wantMsg: "even"},
		{name: "RSA padded base64", key: rsaJWK("pad", rsaPub).with("e", "AQAB=="), wantMsg: "base64url"},
		{name: "RSA missing n", key: rsaJWK("nn", rsaPub).with("n", nil), wantMsg: `missing member "n"`},
		{name: "RSA with HS256 alg", key: rsaJWK("hs", rsaPub).with("alg", "HS256"), wantMsg: "does not fit"},
		{name: "RSA private", key: rsaJWK("priv", rsaPub).with("d", b64u(testRSA().D.Bytes())), wantMsg: "private"},
		{name: "P-256 off curve", key: offCurve, wantMsg: "not on the curve"},
		{name: "P-256 33-byte x", key: longX, wantMsg: "must be 32 bytes"},
		{name: "unknown crv", key: ecJWK("c", p256).with("crv", "P-192"), wantMsg: "unsupported EC curve"},
		{name: "secp256k1", key: ecJWK("c", p256).with("crv", "secp256k1"), wantMsg: "unsupported EC curve"},
		{name: "P-384 key labelled ES256", key: ecJWK("c", &testP384().PublicKey).with("alg", "ES256"), wantMsg: "does not fit"},
		{name: "P-256 label on P-384 point", key: ecJWK("c", &testP384().PublicKey).with("crv", "P-256"), wantMsg: "must be 32 bytes"},
		{name: "Ed448", key: jwk{"kty": "OKP", "kid": "ed448", "crv": "Ed448", "x": b64u(make([]byte, 57))}, wantMsg: "only Ed25519"},
		{name: "X25519", key: edJWK("x", testEd()).with("crv", "X25519"), wantMsg: "only Ed25519"},
		{name: "Ed25519 31 bytes", key: edJWK("short", testEd()[:31]), wantMsg: "32 bytes"},
		{name: "unknown kty", key: jwk{"kty": "RSA-PSS", "kid": "x"}, wantMsg: "unsupported kty"},
		{name: "missing kty", key: jwk{"kid": "x"}, wantMsg: "missing kty"},
		{name: "upper-case member names", key: jwk{"KTY": "RSA", "KID": "x"}, wantMsg: "missing kty"},
		{name: "missing kid", key: edJWK("", testEd()).with("kid", nil), wantMsg: "missing kid"},
		{name: "empty kid", key: edJWK("", testEd()), wantMsg: "missing kid"},
		{name: "kid of 257 bytes", key: edJWK(strings.Repeat("k", 257), testEd()), wantMsg: "longer than 256"},
		{name: "numeric kid", key: edJWK("", testEd()).with("kid", 7), wantMsg: "malformed"},
		{name: "key_ops without verify", key: edJWK("ops", testEd()).with("key_ops", []string{"sign", "encrypt"}), wantMsg: "key_ops"},
		{name: "empty key_ops", key: edJWK("ops", testEd()).with("key_ops", []string{}), wantMsg: "key_ops"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys, dropped, err := Parse(jwksDoc(t, tc.key, good))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var kids []string
			for _, k := range keys {
				kids = append(kids, k.KID)
				if k.Public == nil {
					t.Errorf("key %q has no public key", k.KID)
				}
			}
			if !slices.Contains(kids, "good") {
				t.Errorf("good key lost; kept %q", kids)
			}
			if tc.keep {
				if len(keys) != 2 || len(dropped) != 0 {
					t.Fatalf("kept %q, dropped %q; want both kept", kids, dropped)
				}
				return
			}
			if len(keys) != 1 {
				t.Fatalf("kept %q; want only the good key", kids)
			}
			if len(dropped) != 1 || !strings.Contains(dropped[0], tc.wantMsg) {
				t.Fatalf("dropped = %q; want one reason containing %q", dropped, tc.wantMsg)
			}
		})
	}
}

func TestParseKeyTypes(t *testing.T) {
	keys, _, err := Parse(jwksDoc(t,
		rsaJWK("rsa", &testRSA().PublicKey),
		ecJWK("p256", &testP256().PublicKey),
		edJWK("ed", testEd()),
	))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 {
		t.Fatalf("got %d keys", len(keys))
	}
	if pub, ok := keys[0].Public.(*rsa.PublicKey); !ok || !pub.Equal(&testRSA().PublicKey) {
		t.Errorf("RSA key = %T, not the original", keys[0].Public)
	}
	if pub, ok := keys[1].Public.(*ecdsa.PublicKey); !ok || !pub.Equal(&testP256().PublicKey) || keys[1].Curve != "P-256" {
		t.Errorf("EC key = %T curve %q, not the original", keys[1].Public, keys[1].Curve)
	}
	if pub, ok := keys[2].Public.(ed25519.PublicKey); !ok || !pub.Equal(testEd()) || keys[2].Kty != "OKP" {
		t.Errorf("Ed25519 key = %T, not the original", keys[2].Public)
	}
	if keys[0].Alg != "RS256" || keys[1].Alg != "" {
		t.Errorf("algs = %q, %q", keys[0].Alg, keys[1].Alg)
	}
}

func TestParseDocument(t *testing.T) {
	ed := edJWK("a", testEd())
	many := func(n int) []byte {
		keys := make([]jwk, n)
		for i := range keys {
			keys[i] = edJWK(fmt.Sprintf("k%d", i), testEd())
		}
		return jwksDoc(t, keys...)
	}
	tests := []struct {
		name     string
		body     []byte
		wantKeys int
		wantErr  string
		noKeys   bool // error must wrap ErrNoKeys
	}{
		{name: "one key", body: jwksDoc(t, ed), wantKeys: 1},
		{name: "64 keys", body: many(64), wantKeys: 64},
		{name: "65 keys", body: many(65), wantErr: "65 keys"},
		{name: "duplicate kid", body: jwksDoc(t, ed, edJWK("b", testEd()), ed), wantErr: "duplicate kid"},
		{name: "duplicate kid across types", body: jwksDoc(t, ed, ecJWK("a", &testP256().PublicKey)), wantErr: "duplicate kid"},
		{name: "duplicate kid of a dropped key", body: jwksDoc(t, ed, jwk{"kty": "oct", "kid": "a", "k": "AAAA"}), wantKeys: 1},
		{name: "empty set", body: []byte(`{"keys":[]}`), noKeys: true, wantErr: "none of 0"},
		{name: "all dropped", body: jwksDoc(t, jwk{"kty": "oct", "kid": "a", "k": "AAAA"}, edJWK("", testEd())), noKeys: true, wantErr: "none of 2"},
		{name: "keys null", body: []byte(`{"keys":null}`), wantErr: `no "keys"`},
		{name: "no keys member", body: []byte(`{"issuer":"x"}`), wantErr: `no "keys"`},
		{name: "keys not array", body: []byte(`{"keys":{}}`), wantErr: "malformed"},
		{name: "html", body: []byte(`<html>oops</html>`), wantErr: "malformed"},
		{name: "empty body", body: nil, wantErr: "malformed"},
		{name: "array", body: []byte(`[]`), wantErr: "malformed"},
		{name: "duplicate keys member", body: []byte(`{"keys":[],"keys":[]}`), wantErr: "malformed"},
		{name: "trailing garbage", body: append(jwksDoc(t, ed), "x"...), wantErr: "malformed"},
		{name: "deep nesting", body: []byte(`{"keys":[` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `]}`), wantErr: "malformed"},
		{name: "bad key among good", body: []byte(`{"keys":[1,"x",null,` + string(mustJSON(t, ed)) + `]}`), wantKeys: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys, _, err := Parse(tc.body)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v; want %q", err, tc.wantErr)
				}
				if errors.Is(err, ErrNoKeys) != tc.noKeys {
					t.Fatalf("errors.Is(err, ErrNoKeys) = %v; want %v", !tc.noKeys, tc.noKeys)
				}
				if keys != nil {
					t.Fatalf("keys returned with error: %d", len(keys))
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(keys) != tc.wantKeys {
				t.Fatalf("got %d keys, want %d", len(keys), tc.wantKeys)
			}
		})
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKeyFromJWK(t *testing.T) {
	k, err := KeyFromJWK(mustJSON(t, edJWK("", testEd()).with("kid", nil)))
	if err != nil {
		t.Fatalf("a key without kid must parse on its own: %v", err)
	}
	if k.KID != "" || k.Curve != "Ed25519" {
		t.Fatalf("got %+v", k)
	}
	if _, err := KeyFromJWK(json.RawMessage(`{"kty":"oct","k":"AAAA"}`)); err == nil {
		t.Fatal("oct key accepted")
	}
	if _, err := KeyFromJWK(json.RawMessage(`not json`)); err == nil {
		t.Fatal("garbage accepted")
	}
}

func TestKeyAllows(t *testing.T) {
	tests := []struct {
		key   Key
		alg   string
		allow bool
	}{
		{Key{Kty: "RSA"}, "RS256", true},
		{Key{Kty: "RSA"}, "PS512", true},
		{Key{Kty: "RSA"}, "HS256", false},
		{Key{Kty: "RSA"}, "none", false},
		{Key{Kty: "RSA"}, "ES256", false},
		{Key{Kty: "RSA", Alg: "RS256"}, "PS256", false},
		{Key{Kty: "RSA", Alg: "RS256"}, "RS256", true},
		{Key{Kty: "EC", Curve: "P-256"}, "ES256", true},
		{Key{Kty: "EC", Curve: "P-256"}, "ES384", false},
		{Key{Kty: "EC", Curve: "P-521"}, "ES512", true},
		{Key{Kty: "OKP", Curve: "Ed25519"}, "EdDSA", true},
		{Key{Kty: "OKP", Curve: "Ed25519"}, "RS256", false},
		{Key{Kty: "OKP", Curve: "Ed25519"}, "", false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s_%s_%s_%s", tc.key.Kty, tc.key.Curve, tc.key.Alg, tc.alg), func(t *testing.T) {
			if got := tc.key.Allows(tc.alg); got != tc.allow {
				t.Fatalf("Allows(%q) = %v, want %v", tc.alg, got, tc.allow)
			}
		})
	}
}

// checkParsed asserts the invariants every accepted document must satisfy.
func checkParsed(t *testing.T, keys []Key, err error) {
	if err != nil {
		if keys != nil {
			t.Fatalf("keys returned with error %v", err)
		}
		return
	}
	if len(keys) == 0 || len(keys) > MaxKeys {
		t.Fatalf("accepted %d keys", len(keys))
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if k.KID == "" || len(k.KID) > MaxKIDLength || seen[k.KID] {
			t.Fatalf("bad or duplicate kid %q", k.KID)
		}
		seen[k.KID] = true
		if k.Public == nil || len(k.Algorithms()) == 0 {
			t.Fatalf("key %q unusable: %+v", k.KID, k)
		}
		switch pub := k.Public.(type) {
		case *rsa.PublicKey:
			if pub.E != 65537 || pub.N.BitLen() < MinRSABits || pub.N.BitLen() > MaxRSABits {
				t.Fatalf("weak RSA key accepted")
			}
		case *ecdsa.PublicKey, ed25519.PublicKey:
		default:
			t.Fatalf("unexpected key type %T", pub)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","kid":"e","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		keys, _, err := Parse(body)
		checkParsed(t, keys, err)
	})
}

func FuzzKeyFromJWK(f *testing.F) {
	f.Add([]byte(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`))
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`))
	f.Add([]byte(`{"kty":"oct","k":"AAAA"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := KeyFromJWK(data)
		if err != nil {
			return
		}
		if k.Public == nil || len(k.KID) > MaxKIDLength || len(k.Algorithms()) == 0 {
			t.Fatalf("unusable key accepted: %+v", k)
		}
	})
}
