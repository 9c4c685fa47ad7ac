package devissuer

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"regexp"

	"github.com/go-jose/go-jose/v4"
)

// KeyFile is the name of the key file inside the directory given to Open.
const KeyFile = "dev-issuer.json"

// keyBits is the RSA modulus size of new keys; loaded keys must be at least
// this large.
const keyBits = 2048

// kidPattern is the shape of the key id: "ins_" and 27 base62 characters,
// like a Clerk instance id.
var kidPattern = regexp.MustCompile(`^ins_[0-9A-Za-z]{27}$`)

// Issuer signs development tokens with one persisted RSA key.
type Issuer struct {
	key  *rsa.PrivateKey
	kid  string
	jwks []byte // {"keys":[public JWK]}
}

// Open loads the issuer's key from dir/dev-issuer.json, or creates the
// directory (0700) and a new RSA-2048 key file (0600) when none exists. A key
// file readable by group or others is refused.
func Open(dir string) (*Issuer, error) {
	path := filepath.Join(dir, KeyFile)
	iss, err := load(path)
	if err == nil {
		return iss, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create dev issuer directory: %w", err)
	}
	created, err := create(path)
	if errors.Is(err, fs.ErrExist) {
		// Another process created the file first; use its key.
		return load(path)
	}
	return created, err
}

// load reads and checks an existing key file.
func load(path string) (*Issuer, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open dev issuer key: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("dev issuer key %s has mode %04o, want 0600 (readable by others): run chmod 600 %s", path, perm, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read dev issuer key: %w", err)
	}
	var jwk jose.JSONWebKey
	if err := json.Unmarshal(data, &jwk); err != nil {
		return nil, fmt.Errorf("parse dev issuer key %s: %w", path, err)
	}
	key, ok := jwk.Key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("dev issuer key %s: not an RSA private key", path)
	}
	if key.N.BitLen() < keyBits {
		return nil, fmt.Errorf("dev issuer key %s: RSA key has %d bits, want at least %d", path, key.N.BitLen(), keyBits)
	}
	if err := key.Validate(); err != nil {
		return nil, fmt.Errorf("dev issuer key %s: %w", path, err)
	}
	if !kidPattern.MatchString(jwk.KeyID) {
		return nil, fmt.Errorf("dev issuer key %s: key id %q is not ins_ followed by 27 letters or digits", path, jwk.KeyID)
	}
	return newIssuer(key, jwk.KeyID)
}

// create generates a key and writes it without ever replacing an existing
// file: it is written to a temporary file and hard-linked into place, which
// fails with fs.ErrExist if path already exists.
func create(path string) (*Issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("generate dev issuer key: %w", err)
	}
	kid, err := randomBase62(27)
	if err != nil {
		return nil, err
	}
	kid = "ins_" + kid
	data, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: string(jose.RS256), Use: "sig"})
	if err != nil {
		return nil, fmt.Errorf("encode dev issuer key: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dev-issuer-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("write dev issuer key: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the link, only the temporary name goes
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write dev issuer key: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write dev issuer key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write dev issuer key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("write dev issuer key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("install dev issuer key: %w", err)
	}
	return newIssuer(key, kid)
}

func newIssuer(key *rsa.PrivateKey, kid string) (*Issuer, error) {
	pub := jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: string(jose.RS256), Use: "sig"}
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}})
	if err != nil {
		return nil, fmt.Errorf("encode dev issuer jwks: %w", err)
	}
	return &Issuer{key: key, kid: kid, jwks: jwks}, nil
}

// KeyID returns the key id ("ins_…") put in every token's kid header.
func (i *Issuer) KeyID() string { return i.kid }

// PublicJWKS returns the JSON Web Key Set with the public key only:
// {"keys":[{"use":"sig","kty":"RSA","kid":…,"alg":"RS256","n":…,"e":…}]}.
// The caller may modify the returned slice.
func (i *Issuer) PublicJWKS() []byte {
	out := make([]byte, len(i.jwks))
	copy(out, i.jwks)
	return out
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomBase62 returns n uniformly random base62 characters.
func randomBase62(n int) (string, error) {
	b := make([]byte, n)
	limit := big.NewInt(int64(len(base62)))
	for j := range b {
		v, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return "", fmt.Errorf("random id: %w", err)
		}
		b[j] = base62[v.Int64()]
	}
	return string(b), nil
}
