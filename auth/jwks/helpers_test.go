package jwks

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Test keys are generated once per test binary: RSA generation is slow
// under -race on a shared machine.
var (
	testRSA = sync.OnceValue(func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	})
	testP256 = sync.OnceValue(func() *ecdsa.PrivateKey { return genEC(elliptic.P256()) })
	testP384 = sync.OnceValue(func() *ecdsa.PrivateKey { return genEC(elliptic.P384()) })
	testP521 = sync.OnceValue(func() *ecdsa.PrivateKey { return genEC(elliptic.P521()) })
	testEd   = sync.OnceValue(func() ed25519.PublicKey {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		return pub
	})
)

func genEC(c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwk is a JWK as a JSON object, easy to tamper with in tests.
type jwk map[string]any

func (j jwk) with(kv ...any) jwk {
	out := jwk{}
	for k, v := range j {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func rsaJWK(kid string, pub *rsa.PublicKey) jwk {
	return jwk{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": b64u(pub.N.Bytes()), "e": b64u(big.NewInt(int64(pub.E)).Bytes())}
}

func ecJWK(kid string, pub *ecdsa.PublicKey) jwk {
	raw, err := pub.Bytes()
	if err != nil {
		panic(err)
	}
	size := (len(raw) - 1) / 2
	return jwk{"kty": "EC", "kid": kid, "crv": pub.Curve.Params().Name,
		"x": b64u(raw[1 : 1+size]), "y": b64u(raw[1+size:])}
}

func edJWK(kid string, pub ed25519.PublicKey) jwk {
	return jwk{"kty": "OKP", "kid": kid, "crv": "Ed25519", "x": b64u(pub)}
}

// jwksDoc renders a JWKS document.
func jwksDoc(t testing.TB, keys ...jwk) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeClock is an injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// idp is a fake issuer on a loopback httptest server: it serves discovery
// and a JWKS whose response the test can change, and counts hits.
type idp struct {
	srv       *httptest.Server
	jwksHits  atomic.Int64
	discHits  atomic.Int64
	mu        sync.Mutex
	handler   http.HandlerFunc
	discovery func(w http.ResponseWriter, r *http.Request)
}

func newIDP(t *testing.T) *idp {
	t.Helper()
	p := &idp{}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		p.discHits.Add(1)
		p.mu.Lock()
		d := p.discovery
		p.mu.Unlock()
		if d != nil {
			d(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": p.srv.URL, "jwks_uri": p.srv.URL + "/jwks"})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		p.jwksHits.Add(1)
		p.mu.Lock()
		h := p.handler
		p.mu.Unlock()
		if h == nil {
			http.Error(w, "no keys configured", http.StatusNotFound)
			return
		}
		h(w, r)
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// serve makes /jwks answer with handler h.
func (p *idp) serve(h http.HandlerFunc) {
	p.mu.Lock()
	p.handler = h
	p.mu.Unlock()
}

// serveKeys makes /jwks answer 200 with a document of keys.
func (p *idp) serveKeys(t testing.TB, cacheControl string, keys ...jwk) {
	body := jwksDoc(t, keys...)
	p.serve(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if cacheControl != "" {
			w.Header().Set("Cache-Control", cacheControl)
		}
		_, _ = w.Write(body)
	})
}

func (p *idp) jwksURL() string { return p.srv.URL + "/jwks" }
