package authtest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/rowgate/rowgate/auth/jwks"
)

// Key is a test key pair with its JWS algorithm.
type Key struct {
	KID string
	// Alg is the algorithm Sign uses: RS256, ES256, ES384, ES512 or EdDSA.
	Alg string
	// Signer is the private key.
	Signer crypto.Signer
	// Public is the public key.
	Public crypto.PublicKey
	// JWKAlg is the "alg" published with the key ("" to omit).
	JWKAlg string
}

// NewRSAKey generates an RSA key of bits bits for RS256.
func NewRSAKey(tb testing.TB, kid string, bits int) *Key {
	tb.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		tb.Fatalf("generate RSA key: %v", err)
	}
	return &Key{KID: kid, Alg: "RS256", JWKAlg: "RS256", Signer: priv, Public: &priv.PublicKey}
}

// NewECKey generates an ECDSA key on curve (P-256, P-384 or P-521) for the
// matching ES algorithm.
func NewECKey(tb testing.TB, kid string, curve elliptic.Curve) *Key {
	tb.Helper()
	priv, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		tb.Fatalf("generate EC key: %v", err)
	}
	alg := map[string]string{"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}[curve.Params().Name]
	return &Key{KID: kid, Alg: alg, JWKAlg: alg, Signer: priv, Public: &priv.PublicKey}
}

// NewEd25519Key generates an Ed25519 key for EdDSA.
func NewEd25519Key(tb testing.TB, kid string) *Key {
	tb.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatalf("generate Ed25519 key: %v", err)
	}
	return &Key{KID: kid, Alg: "EdDSA", JWKAlg: "EdDSA", Signer: priv, Public: pub}
}

// JWKSKey returns the key as the jwks package represents it.
func (k *Key) JWKSKey() jwks.Key {
	out := jwks.Key{KID: k.KID, Alg: k.JWKAlg, Public: k.Public}
	switch p := k.Public.(type) {
	case *rsa.PublicKey:
		out.Kty = "RSA"
	case *ecdsa.PublicKey:
		out.Kty, out.Curve = "EC", p.Curve.Params().Name
	case ed25519.PublicKey:
		out.Kty, out.Curve = "OKP", "Ed25519"
	}
	return out
}

// PublicJWK returns the public JWK JSON (written by go-jose), with "use":"sig".
func (k *Key) PublicJWK() json.RawMessage {
	b, err := jose.JSONWebKey{Key: k.Public, KeyID: k.KID, Algorithm: k.JWKAlg, Use: "sig"}.MarshalJSON()
	if err != nil {
		panic(fmt.Sprintf("authtest: marshal JWK: %v", err)) // only for keys this package made
	}
	return b
}

// JWKS returns a JWKS document {"keys":[…]} holding the public keys.
func JWKS(keys ...*Key) []byte {
	doc := struct {
		Keys []json.RawMessage `json:"keys"`
	}{Keys: []json.RawMessage{}}
	for _, k := range keys {
		doc.Keys = append(doc.Keys, k.PublicJWK())
	}
	b, _ := json.Marshal(doc)
	return b
}

// StaticKeys is an in-memory auth.KeySource that counts Refresh calls.
// Keys added with AddOnRefresh become visible only after the next Refresh,
// as a rotated key appears after a refetch.
type StaticKeys struct {
	mu        sync.Mutex
	keys      map[string]*jwks.Key
	pending   map[string]*jwks.Key
	refreshes atomic.Int64
}

// NewStaticKeys returns a source holding keys.
func NewStaticKeys(keys ...jwks.Key) *StaticKeys {
	s := &StaticKeys{keys: map[string]*jwks.Key{}, pending: map[string]*jwks.Key{}}
	for _, k := range keys {
		s.Add(k)
	}
	return s
}

// Add makes k visible at once.
func (s *StaticKeys) Add(k jwks.Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[k.KID] = &k
}

// AddOnRefresh makes k visible after the next Refresh.
func (s *StaticKeys) AddOnRefresh(k jwks.Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending[k.KID] = &k
}

// Remove drops the key with kid.
func (s *StaticKeys) Remove(kid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, kid)
}

// Lookup implements auth.KeySource.
func (s *StaticKeys) Lookup(kid string) (*jwks.Key, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[kid]
	return k, ok
}

// Refresh implements auth.KeySource: it publishes pending keys and counts
// the call.
func (s *StaticKeys) Refresh(_ context.Context, kid string) (*jwks.Key, error) {
	s.refreshes.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, k := range s.pending {
		s.keys[id] = k
	}
	clear(s.pending)
	if k, ok := s.keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("static keys: %w", jwks.ErrUnknownKID)
}

// Refreshes reports how often Refresh was called.
func (s *StaticKeys) Refreshes() int64 { return s.refreshes.Load() }

// OffCurveKey returns an EC P-256 key whose point is not on the curve (y+1).
func OffCurveKey(tb testing.TB, kid string) jwks.Key {
	tb.Helper()
	k := NewECKey(tb, kid, elliptic.P256())
	p := k.Public.(*ecdsa.PublicKey)
	bad := &ecdsa.PublicKey{Curve: p.Curve, X: p.X, Y: new(big.Int).Add(p.Y, big.NewInt(1))}
	return jwks.Key{KID: kid, Kty: "EC", Curve: "P-256", Public: bad}
}
