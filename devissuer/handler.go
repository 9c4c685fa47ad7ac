package devissuer

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Paths served by [Issuer.Handler], relative to the issuer URL.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/.well-known/jwks.json"
)

// cacheControl is sent with both documents; five minutes matches Clerk's own
// JWKS cache.
const cacheControl = "public, max-age=300"

// discovery is the subset of OpenID Provider Metadata the dev issuer
// publishes (OpenID Connect Discovery 1.0 §3).
type discovery struct {
	Issuer                           string   `json:"issuer"`
	JWKSURI                          string   `json:"jwks_uri"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
	ClaimsSupported                  []string `json:"claims_supported"`
}

// Handler serves the issuer's OIDC discovery document at
// /.well-known/openid-configuration and its public JWKS at
// /.well-known/jwks.json, for GET and HEAD. Paths are matched after any
// prefix has been stripped, so mount it with http.StripPrefix:
//
//	mux.Handle("/dev-issuer/", http.StripPrefix("/dev-issuer", iss.Handler("http://127.0.0.1:54321/dev-issuer")))
//
// issuerURL is the public URL of the mount point; a trailing slash is
// dropped. Other paths answer 404, other methods 405.
func (i *Issuer) Handler(issuerURL string) http.Handler {
	issuerURL = strings.TrimSuffix(issuerURL, "/")
	doc, err := json.Marshal(discovery{
		Issuer:                           issuerURL,
		JWKSURI:                          issuerURL + JWKSPath,
		ResponseTypesSupported:           []string{"id_token"},
		SubjectTypesSupported:            []string{"public"},
		IDTokenSigningAlgValuesSupported: []string{"RS256"},
		ClaimsSupported:                  []string{"azp", "exp", "fva", "iat", "iss", "jti", "nbf", "o", "role", "sid", "sub", "v"},
	})
	if err != nil {
		// A struct of strings always marshals; keep the handler total anyway.
		doc = []byte(`{}`)
	}
	jwks := i.PublicJWKS()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		switch r.URL.Path {
		case DiscoveryPath:
			body = doc
		case JWKSPath:
			body = jwks
		default:
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", cacheControl)
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusOK)
			return
		}
		_, _ = w.Write(body) // the client went away; nothing to do
	})
}
