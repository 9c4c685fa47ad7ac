package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/rowgate/rowgate/auth/jwks"
)

// wycheproofFile is the part of a Wycheproof vector file the tests use.
type wycheproofFile struct {
	Algorithm  string `json:"algorithm"`
	TestGroups []struct {
		PublicKey struct {
			Modulus        string `json:"modulus"`
			PublicExponent string `json:"publicExponent"`
			Curve          string `json:"curve"`
			WX             string `json:"wx"`
			WY             string `json:"wy"`
			PK             string `json:"pk"`
		} `json:"publicKey"`
		Tests []struct {
			TcID    int      `json:"tcId"`
			Comment string   `json:"comment"`
			Msg     string   `json:"msg"`
			Sig     string   `json:"sig"`
			Result  string   `json:"result"`
			Flags   []string `json:"flags"`
		} `json:"tests"`
	} `json:"testGroups"`
}

// TestWycheproof runs the vectors through verifySignature, the function the
// verifier uses for every asymmetric token. Every "valid" vector must
// verify and every "invalid" one must be refused. "acceptable" vectors (two
// RSA PKCS#1 signatures whose DigestInfo lacks the NULL parameter) are
// refused too: rowgate accepts only the canonical encoding. Groups whose key
// fails rowgate's key policy (RSA e = 3) are also checked to be refused by
// checkKey, so they could never be used.
func TestWycheproof(t *testing.T) {
	files := []struct {
		file, alg string
	}{
		{"rsa_signature_2048_sha256_test.json", "RS256"},
		{"rsa_signature_3072_sha384_test.json", "RS384"},
		{"rsa_signature_4096_sha512_test.json", "RS512"},
		{"rsa_pss_2048_sha256_mgf1_32_test.json", "PS256"},
		{"ecdsa_secp256r1_sha256_p1363_test.json", "ES256"},
		{"ecdsa_secp384r1_sha384_p1363_test.json", "ES384"},
		{"ecdsa_secp521r1_sha512_p1363_test.json", "ES512"},
		{"ed25519_test.json", "EdDSA"},
	}
	for _, f := range files {
		t.Run(f.alg, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "wycheproof", f.file))
			if err != nil {
				t.Fatal(err)
			}
			var doc wycheproofFile
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			alg := asymmetric[f.alg]
			var valid, invalid, policy int
			for _, g := range doc.TestGroups {
				pub := wycheproofKey(t, f.alg, g.PublicKey.Modulus, g.PublicKey.PublicExponent, g.PublicKey.WX, g.PublicKey.WY, g.PublicKey.PK)
				key := &jwks.Key{KID: "w", Public: pub}
				policyErr := checkKey(alg, key)
				if rk, ok := pub.(*rsa.PublicKey); ok && rk.E == rsaExponent && policyErr != nil {
					t.Fatalf("policy refused a conforming key: %v", policyErr)
				}
				for _, tc := range g.Tests {
					msg, err1 := hex.DecodeString(tc.Msg)
					sig, err2 := hex.DecodeString(tc.Sig)
					if err1 != nil || err2 != nil {
						t.Fatalf("tc %d: bad hex", tc.TcID)
					}
					err := verifySignature(alg, pub, msg, sig)
					switch tc.Result {
					case "valid":
						if policyErr != nil {
							policy++
							continue
						}
						valid++
						if err != nil {
							t.Errorf("tc %d (%s): valid vector refused: %v", tc.TcID, tc.Comment, err)
						}
					default: // invalid and acceptable
						invalid++
						if err == nil {
							t.Errorf("tc %d (%s, %s, %v): %s vector accepted", tc.TcID, tc.Comment, tc.Result, tc.Flags, tc.Result)
						}
					}
				}
			}
			if valid == 0 || invalid == 0 {
				t.Fatalf("ran %d valid and %d invalid vectors", valid, invalid)
			}
			t.Logf("%d valid verified, %d invalid/acceptable refused, %d valid refused by key policy", valid, invalid, policy)
		})
	}
}

func wycheproofKey(t *testing.T, alg, n, e, wx, wy, pk string) any {
	t.Helper()
	num := func(h string) *big.Int {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatalf("bad hex key: %v", err)
		}
		return new(big.Int).SetBytes(b)
	}
	switch alg[:2] {
	case "RS", "PS":
		return &rsa.PublicKey{N: num(n), E: int(num(e).Int64())}
	case "ES":
		curve := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}[alg]
		return &ecdsa.PublicKey{Curve: curve, X: num(wx), Y: num(wy)}
	}
	b, err := hex.DecodeString(pk)
	if err != nil {
		t.Fatal(err)
	}
	return ed25519.PublicKey(b)
}
