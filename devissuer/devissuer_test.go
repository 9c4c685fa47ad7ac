package devissuer

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// serve mounts the issuer under /dev-issuer on a real loopback server and
// returns the issuer URL.
func serve(t *testing.T, iss *Issuer) string {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	issuerURL := srv.URL + "/dev-issuer"
	mux.Handle("/dev-issuer/", http.StripPrefix("/dev-issuer", iss.Handler(issuerURL)))
	return issuerURL
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return resp, body
}

func open(t *testing.T) (*Issuer, string) {
	t.Helper()
	dir := t.TempDir()
	iss, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return iss, dir
}

// fetchKeys follows discovery to the JWKS, as a verifier would.
func fetchKeys(t *testing.T, issuerURL string) jose.JSONWebKeySet {
	t.Helper()
	resp, body := get(t, issuerURL+"/.well-known/openid-configuration")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery status %d: %s", resp.StatusCode, body)
	}
	var doc struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("discovery json: %v", err)
	}
	if doc.Issuer != issuerURL {
		t.Errorf("discovery issuer = %q, want %q", doc.Issuer, issuerURL)
	}
	if doc.JWKSURI != issuerURL+"/.well-known/jwks.json" {
		t.Errorf("jwks_uri = %q", doc.JWKSURI)
	}
	if !reflect.DeepEqual(doc.Algs, []string{"RS256"}) {
		t.Errorf("algs = %q", doc.Algs)
	}
	resp, body = get(t, doc.JWKSURI)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("jwks status %d", resp.StatusCode)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=300" {
		t.Errorf("jwks Cache-Control = %q", cc)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("jwks Content-Type = %q", ct)
	}
	var raw struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("jwks json: %v", err)
	}
	if len(raw.Keys) != 1 {
		t.Fatalf("jwks has %d keys", len(raw.Keys))
	}
	k := raw.Keys[0]
	for _, m := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if _, ok := k[m]; ok {
			t.Errorf("jwks leaks private member %q", m)
		}
	}
	for m, want := range map[string]any{"kty": "RSA", "use": "sig", "alg": "RS256"} {
		if k[m] != want {
			t.Errorf("jwk %s = %v, want %v", m, k[m], want)
		}
	}
	if e, _ := k["e"].(string); e != "AQAB" {
		t.Errorf("jwk e = %v", k["e"])
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("jwks: %v", err)
	}
	return set
}

// verify checks tok's signature against set and returns header and claims.
func verify(t *testing.T, tok string, set jose.JSONWebKeySet) (jose.Header, map[string]any) {
	t.Helper()
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("ParseSigned: %v", err)
	}
	h := parsed.Headers[0]
	keys := set.Key(h.KeyID)
	if len(keys) != 1 {
		t.Fatalf("no key %q in served JWKS", h.KeyID)
	}
	var claims map[string]any
	if err := parsed.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("signature check: %v", err)
	}
	return h, claims
}

func TestServeMintVerify(t *testing.T) {
	iss, _ := open(t)
	issuerURL := serve(t, iss)
	set := fetchKeys(t, issuerURL)

	now := time.Unix(1_800_000_000, 0)
	tok, err := iss.Mint(TokenOptions{Issuer: issuerURL, Subject: "user_2abc", Now: now})
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	h, claims := verify(t, tok, set)
	if h.Algorithm != "RS256" || h.KeyID != iss.KeyID() || h.ExtraHeaders["typ"] != "JWT" {
		t.Errorf("header = alg %q kid %q typ %v", h.Algorithm, h.KeyID, h.ExtraHeaders["typ"])
	}
	if !strings.HasPrefix(iss.KeyID(), "ins_") || len(iss.KeyID()) != 31 || !kidPattern.MatchString(iss.KeyID()) {
		t.Errorf("kid = %q", iss.KeyID())
	}
	want := map[string]any{
		"azp":  "http://localhost:3000",
		"exp":  float64(1_800_000_060),
		"fva":  []any{float64(0), float64(-1)},
		"iat":  float64(1_800_000_000),
		"iss":  issuerURL,
		"nbf":  float64(1_799_999_995),
		"sub":  "user_2abc",
		"v":    float64(2),
		"role": "authenticated",
	}
	for k, v := range want {
		if !reflect.DeepEqual(claims[k], v) {
			t.Errorf("claim %s = %#v, want %#v", k, claims[k], v)
		}
	}
	if sid, _ := claims["sid"].(string); !strings.HasPrefix(sid, "sess_") || len(sid) != 32 {
		t.Errorf("sid = %v", claims["sid"])
	}
	if jti, _ := claims["jti"].(string); len(jti) != 20 {
		t.Errorf("jti = %v", claims["jti"])
	}
	if _, ok := claims["o"]; ok {
		t.Error("o present without an organisation")
	}
	if _, ok := claims["aud"]; ok {
		t.Error("aud present; Clerk session tokens have none")
	}

	t.Run("another issuer's key does not verify", func(t *testing.T) {
		other, _ := open(t)
		var otherSet jose.JSONWebKeySet
		if err := json.Unmarshal(other.PublicJWKS(), &otherSet); err != nil {
			t.Fatal(err)
		}
		parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			t.Fatal(err)
		}
		var c map[string]any
		if err := parsed.Claims(otherSet.Keys[0].Key, &c); err == nil {
			t.Error("token verified with a different key")
		}
	})
	t.Run("unique ids per token", func(t *testing.T) {
		tok2, err := iss.Mint(TokenOptions{Issuer: issuerURL, Subject: "user_2abc", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		_, c2 := verify(t, tok2, set)
		if c2["jti"] == claims["jti"] || c2["sid"] == claims["sid"] {
			t.Errorf("jti/sid repeated: %v %v", c2["jti"], c2["sid"])
		}
	})
}

func TestMintClaims(t *testing.T) {
	iss, _ := open(t)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(iss.PublicJWKS(), &set); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name  string
		opts  TokenOptions
		check func(t *testing.T, c map[string]any)
	}{
		{"organisation", TokenOptions{OrgID: "org_123", OrgRole: "org:admin", OrgSlug: "acme", OrgPermissions: []string{"read", "manage"}},
			func(t *testing.T, c map[string]any) {
				want := map[string]any{"id": "org_123", "rol": "admin", "slg": "acme", "per": "read,manage"}
				if !reflect.DeepEqual(c["o"], want) {
					t.Errorf("o = %#v, want %#v", c["o"], want)
				}
			}},
		{"organisation id only", TokenOptions{OrgID: "org_9"},
			func(t *testing.T, c map[string]any) {
				if !reflect.DeepEqual(c["o"], map[string]any{"id": "org_9"}) {
					t.Errorf("o = %#v", c["o"])
				}
			}},
		{"omit role", TokenOptions{OmitRole: true, Role: "anon"},
			func(t *testing.T, c map[string]any) {
				if _, ok := c["role"]; ok {
					t.Errorf("role = %v, want absent", c["role"])
				}
			}},
		{"custom role", TokenOptions{Role: "anon"},
			func(t *testing.T, c map[string]any) {
				if c["role"] != "anon" {
					t.Errorf("role = %v", c["role"])
				}
			}},
		{"ttl", TokenOptions{TTL: time.Hour},
			func(t *testing.T, c map[string]any) {
				if c["exp"] != float64(1_700_003_600) {
					t.Errorf("exp = %v", c["exp"])
				}
			}},
		{"extra overrides", TokenOptions{Extra: map[string]any{"azp": "https://app.example", "email": "a@example.com"}},
			func(t *testing.T, c map[string]any) {
				if c["azp"] != "https://app.example" || c["email"] != "a@example.com" {
					t.Errorf("azp %v email %v", c["azp"], c["email"])
				}
			}},
		{"issuer trailing slash dropped", TokenOptions{Issuer: "http://127.0.0.1:1/dev-issuer/"},
			func(t *testing.T, c map[string]any) {
				if c["iss"] != "http://127.0.0.1:1/dev-issuer" {
					t.Errorf("iss = %v", c["iss"])
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			if o.Issuer == "" {
				o.Issuer = "http://127.0.0.1:1/dev-issuer"
			}
			o.Subject = "user_1"
			o.Now = now
			tok, err := iss.Mint(o)
			if err != nil {
				t.Fatalf("Mint: %v", err)
			}
			_, c := verify(t, tok, set)
			tc.check(t, c)
		})
	}
}

func TestMintErrors(t *testing.T) {
	iss, _ := open(t)
	tests := []struct {
		name string
		opts TokenOptions
		want string
	}{
		{"no issuer", TokenOptions{Subject: "u"}, "issuer is required"},
		{"no subject", TokenOptions{Issuer: "http://127.0.0.1"}, "subject is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := iss.Mint(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestMintDefaultNow(t *testing.T) {
	iss, _ := open(t)
	before := time.Now().Unix()
	tok, err := iss.Mint(TokenOptions{Issuer: "http://127.0.0.1", Subject: "u"})
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().Unix()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(iss.PublicJWKS(), &set); err != nil {
		t.Fatal(err)
	}
	_, c := verify(t, tok, set)
	iat, _ := c["iat"].(float64)
	if int64(iat) < before || int64(iat) > after || c["exp"] != iat+60 {
		t.Errorf("iat %v exp %v, want iat in [%d,%d] and exp = iat+60", c["iat"], c["exp"], before, after)
	}
}

func TestPersistence(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", ".rowgate")
	first, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	path := filepath.Join(dir, KeyFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", perm)
	}
	if di, err := os.Stat(dir); err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("directory mode = %v (%v), want 0700", di.Mode().Perm(), err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Errorf("directory holds %v (%v), want only %s", entries, err, KeyFile)
	}

	tok, err := first.Mint(TokenOptions{Issuer: "http://127.0.0.1/x", Subject: "user_1"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Open(dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if second.KeyID() != first.KeyID() {
		t.Errorf("kid changed across Open: %q → %q", first.KeyID(), second.KeyID())
	}
	if string(second.PublicJWKS()) != string(first.PublicJWKS()) {
		t.Error("public JWKS changed across Open")
	}
	// A token minted before the "restart" verifies against the JWKS served after it.
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(second.PublicJWKS(), &set); err != nil {
		t.Fatal(err)
	}
	verify(t, tok, set)

	t.Run("PublicJWKS returns a copy", func(t *testing.T) {
		b := second.PublicJWKS()
		b[0] = 'X'
		if second.PublicJWKS()[0] != '{' {
			t.Error("PublicJWKS shares its buffer")
		}
	})
}

func TestConcurrentOpen(t *testing.T) {
	dir := t.TempDir()
	const n = 4
	kids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for j := range n {
		wg.Go(func() {
			iss, err := Open(dir)
			errs[j] = err
			if err == nil {
				kids[j] = iss.KeyID()
			}
		})
	}
	wg.Wait()
	for j := range n {
		if errs[j] != nil {
			t.Fatalf("Open %d: %v", j, errs[j])
		}
		if kids[j] != kids[0] {
			t.Errorf("Open %d got kid %q, Open 0 got %q", j, kids[j], kids[0])
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Errorf("directory holds %d entries (%v), want 1", len(entries), err)
	}
}

func TestOpenRejectsBadKeyFiles(t *testing.T) {
	good, goodDir := open(t)
	goodData, err := os.ReadFile(filepath.Join(goodDir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(goodData, &m); err != nil {
		t.Fatal(err)
	}
	m["kid"] = "not-a-clerk-kid"
	badKid, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		mode os.FileMode
		want string
	}{
		{"world readable", goodData, 0o644, "has mode 0644"},
		{"group readable", goodData, 0o640, "has mode 0640"},
		{"not json", []byte("not json"), 0o600, "parse dev issuer key"},
		{"public key only", good.PublicJWKS()[len(`{"keys":[`) : len(good.PublicJWKS())-2], 0o600, "not an RSA private key"},
		{"bad kid", badKid, 0o600, `key id "not-a-clerk-kid"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, KeyFile)
			if err := os.WriteFile(path, tc.data, tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			_, err := Open(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
			// The bad file is left alone, never replaced.
			if data, err := os.ReadFile(path); err != nil || string(data) != string(tc.data) {
				t.Errorf("key file was modified (%v)", err)
			}
		})
	}
}

func TestHandlerRouting(t *testing.T) {
	iss, _ := open(t)
	issuerURL := serve(t, iss)
	tests := []struct {
		name, method, path string
		status             int
		body               bool
	}{
		{"discovery", http.MethodGet, "/.well-known/openid-configuration", http.StatusOK, true},
		{"jwks head", http.MethodHead, "/.well-known/jwks.json", http.StatusOK, false},
		{"post", http.MethodPost, "/.well-known/jwks.json", http.StatusMethodNotAllowed, true},
		{"unknown", http.MethodGet, "/.well-known/other", http.StatusNotFound, true},
		{"root", http.MethodGet, "/", http.StatusNotFound, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, issuerURL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.status)
			}
			if (len(body) > 0) != tc.body {
				t.Errorf("body length %d, want body=%v", len(body), tc.body)
			}
			if tc.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q", resp.Header.Get("Allow"))
			}
			if tc.status == http.StatusOK && resp.Header.Get("Cache-Control") != "public, max-age=300" {
				t.Errorf("Cache-Control = %q", resp.Header.Get("Cache-Control"))
			}
		})
	}
	t.Run("trailing slash on issuer URL", func(t *testing.T) {
		rec := httptest.NewRecorder()
		iss.Handler("http://127.0.0.1:5/dev-issuer/").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/openid-configuration", nil))
		var doc map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if doc["issuer"] != "http://127.0.0.1:5/dev-issuer" || doc["jwks_uri"] != "http://127.0.0.1:5/dev-issuer/.well-known/jwks.json" {
			t.Errorf("doc = %v", doc)
		}
	})
}

func BenchmarkMint(b *testing.B) {
	iss, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	o := TokenOptions{Issuer: "http://127.0.0.1:54321/dev-issuer", Subject: "user_1", OrgID: "org_1", OrgRole: "admin"}
	for b.Loop() {
		if _, err := iss.Mint(o); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMintNegativeTTLIsExpired(t *testing.T) {
	iss, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	tok, err := iss.Mint(TokenOptions{Issuer: "http://127.0.0.1", Subject: "u", TTL: -40 * time.Second, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct{ Exp, Iat int64 }
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	if c.Exp != now.Unix()-40 || c.Iat != c.Exp-60 {
		t.Fatalf("exp=%d iat=%d, want exp=%d iat=exp-60", c.Exp, c.Iat, now.Unix()-40)
	}
}
