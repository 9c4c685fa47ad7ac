package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/config"
)

// TestSigningKeys: [auth] signing_keys_path holds private keys in the
// Supabase CLI's format (`supabase gen signing-key`); rowgate verifies
// project tokens signed with them and publishes only their public halves.
func TestSigningKeys(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: priv, KeyID: "project-key-1", Algorithm: "ES256", Use: "sig"}
	one, err := jwk.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	// The CLI writes key_ops and ext too.
	var m map[string]any
	if err := json.Unmarshal(one, &m); err != nil {
		t.Fatal(err)
	}
	m["key_ops"] = []string{"sign", "verify"}
	m["ext"] = true
	file, _ := json.Marshal([]any{m})

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "supabase"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "supabase", "signing_keys.json"), file, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "supabase", "config.toml"), []byte("[auth]\nsigning_keys_path = \"./signing_keys.json\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, doc, err := loadSigningKeys(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), `"d"`) || !strings.Contains(string(doc), `"kid":"project-key-1"`) {
		t.Fatalf("published JWKS = %s", doc)
	}

	v, _, err := buildVerifier(cfg, nil, slog.New(slog.DiscardHandler), -1)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jwk}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(map[string]any{
		"sub": "00000000-0000-0000-0000-000000000001", "role": "authenticated",
		"iss": "http://127.0.0.1:54321/auth/v1", "exp": time.Now().Add(time.Hour).Unix(),
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	id, err := v.Resolve(context.Background(), auth.Credentials{APIKey: cfg.Auth.PublishableKey, Authorization: []string{"Bearer " + tok}})
	if err != nil {
		t.Fatalf("project token signed with the signing key refused: %v", err)
	}
	if id.Role != "authenticated" || id.Subject != "00000000-0000-0000-0000-000000000001" {
		t.Fatalf("identity = %+v", id)
	}

	// A token signed with another key is refused.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer2, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: other, KeyID: "project-key-1"}}, nil)
	bad, _ := jwt.Signed(signer2).Claims(map[string]any{"role": "authenticated", "exp": time.Now().Add(time.Hour).Unix()}).Serialize()
	if _, err := v.Resolve(context.Background(), auth.Credentials{APIKey: cfg.Auth.PublishableKey, Authorization: []string{"Bearer " + bad}}); err == nil {
		t.Fatal("token signed with a foreign key accepted")
	}
}
