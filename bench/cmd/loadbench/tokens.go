package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// issuer is a loopback stand-in for a Clerk instance: one RSA-2048 key, a
// JWKS document and an OIDC discovery document, served over plain HTTP.
type issuer struct {
	key *rsa.PrivateKey
	kid string
	url string // http://127.0.0.1:<port>, also the iss claim
	srv *http.Server
	// header is the base64url JOSE header, the same for every token.
	header string
	seq    atomic.Uint64
}

// newIssuer generates the key and starts serving /jwks.json and
// /.well-known/openid-configuration on a free loopback port.
func newIssuer() (*issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate rsa key: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for jwks: %w", err)
	}
	iss := &issuer{key: key, kid: "ins_bench_1", url: "http://" + ln.Addr().String()}
	hdr, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": iss.kid, "typ": "JWT"})
	iss.header = base64.RawURLEncoding.EncodeToString(hdr)

	jwks, err := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": iss.kid,
		"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}}})
	if err != nil {
		return nil, fmt.Errorf("encode jwks: %w", err)
	}
	disco, err := json.Marshal(map[string]any{
		"issuer": iss.url, "jwks_uri": iss.url + "/jwks.json",
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
	if err != nil {
		return nil, fmt.Errorf("encode discovery: %w", err)
	}
	mux := http.NewServeMux()
	serve := func(doc []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "public, max-age=3600")
			_, _ = w.Write(doc)
		}
	}
	mux.HandleFunc("GET /jwks.json", serve(jwks))
	mux.HandleFunc("GET /.well-known/openid-configuration", serve(disco))
	iss.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = iss.srv.Serve(ln) }()
	return iss, nil
}

// close stops the JWKS server.
func (iss *issuer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = iss.srv.Shutdown(ctx)
}

// claims returns a Clerk session token's claim set (v2 shape) for user sub,
// issued now and valid for an hour. Each call gets a distinct sid, so two
// tokens for the same user differ.
func (iss *issuer) claims(sub string, now time.Time) map[string]any {
	n := iss.seq.Add(1)
	return map[string]any{
		"azp":  "http://localhost:3000",
		"exp":  now.Add(time.Hour).Unix(),
		"fva":  []int{0, -1},
		"iat":  now.Unix(),
		"iss":  iss.url,
		"nbf":  now.Add(-5 * time.Second).Unix(),
		"role": "authenticated",
		"sid":  fmt.Sprintf("sess_bench%012d", n),
		"sub":  sub,
		"v":    2,
	}
}

// token is a minted JWT and the claims document rowgate derives from it.
type token struct {
	JWT    string
	Claims []byte // json.Marshal of the claim set (sorted keys)
}

// mint signs claims with RS256.
func (iss *issuer) mint(claims map[string]any) (token, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return token{}, fmt.Errorf("encode claims: %w", err)
	}
	signingInput := iss.header + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(nil, iss.key, crypto.SHA256, sum[:])
	if err != nil {
		return token{}, fmt.Errorf("sign token: %w", err)
	}
	return token{JWT: signingInput + "." + base64.RawURLEncoding.EncodeToString(sig), Claims: payload}, nil
}

// mintMany signs n fresh tokens, one per element, for the subjects chosen by
// sub(i), using every CPU. It runs before a timed phase, never inside it.
func (iss *issuer) mintMany(n int, sub func(i int) string) ([]token, error) {
	out := make([]token, n)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	var firstErr error
	var once sync.Once
	var next atomic.Int64
	now := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t, err := iss.mint(iss.claims(sub(i), now))
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				out[i] = t
			}
		}()
	}
	wg.Wait()
	return out, firstErr
}
