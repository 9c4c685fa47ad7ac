package authtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// Issuer is an httptest server acting as an OIDC issuer: it serves
// /.well-known/openid-configuration and /.well-known/jwks.json. Its URL is
// the issuer string.
type Issuer struct {
	*httptest.Server
	mu        sync.Mutex
	jwks      []byte
	discovery atomic.Int64
	fetches   atomic.Int64
}

// NewIssuer starts an issuer serving the public keys; it is closed when the
// test ends.
func NewIssuer(tb testing.TB, keys ...*Key) *Issuer {
	tb.Helper()
	is := &Issuer{jwks: JWKS(keys...)}
	is.Server = httptest.NewServer(http.HandlerFunc(is.serve))
	tb.Cleanup(is.Close)
	return is
}

// JWKSURL is the key set URL.
func (is *Issuer) JWKSURL() string { return is.URL + "/.well-known/jwks.json" }

// SetKeys replaces the served key set.
func (is *Issuer) SetKeys(keys ...*Key) { is.SetJWKS(JWKS(keys...)) }

// SetJWKS replaces the served JWKS document with raw bytes.
func (is *Issuer) SetJWKS(doc []byte) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.jwks = doc
}

// Fetches reports how many times the JWKS was fetched.
func (is *Issuer) Fetches() int64 { return is.fetches.Load() }

// DiscoveryFetches reports how many times discovery was fetched.
func (is *Issuer) DiscoveryFetches() int64 { return is.discovery.Load() }

func (is *Issuer) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		is.discovery.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                is.URL,
			"jwks_uri":                              is.JWKSURL(),
			"id_token_signing_alg_values_supported": []string{"RS256", "ES256", "EdDSA"},
		})
	case "/.well-known/jwks.json":
		is.fetches.Add(1)
		is.mu.Lock()
		doc := is.jwks
		is.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	default:
		http.NotFound(w, r)
	}
}

// Canary is an httptest server that only counts requests. Point "jku",
// "x5u" and similar headers at it and assert Hits() == 0.
type Canary struct {
	*httptest.Server
	hits atomic.Int64
}

// NewCanary starts a canary; it is closed when the test ends.
func NewCanary(tb testing.TB) *Canary {
	tb.Helper()
	c := &Canary{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		c.hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	tb.Cleanup(c.Close)
	return c
}

// Hits reports how many requests reached the canary.
func (c *Canary) Hits() int64 { return c.hits.Load() }
