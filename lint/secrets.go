package lint

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Public values that are not secrets: the Supabase CLI's fixed local
// development keys and JWT secret, which every local stack uses.
const (
	cliDefaultJWTSecret = "super-secret-jwt-token-with-at-least-32-characters-long"
	cliDefaultSecretKey = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
	cliDemoIssuer       = "supabase-demo"
)

var (
	secretKeyPattern = regexp.MustCompile(`sb_secret_[A-Za-z0-9_-]{10,}`)
	jwtPattern       = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`)
	tomlJWTSecret    = regexp.MustCompile(`(?m)^[ \t]*jwt_secret[ \t]*=[ \t]*(?:"([^"\n]*)"|'([^'\n]*)')`)
	envJWTSecret     = regexp.MustCompile(`(?m)^[ \t]*(?:export[ \t]+)?[A-Za-z0-9_]*JWT_SECRET[ \t]*=[ \t]*["']?([^"'\s#]+)`)
	codeJWTSecret    = regexp.MustCompile("(?i)[\"']?\\b[a-z0-9_]*jwt_?secret[\"']?[ \\t]*[:=][ \\t]*[\"'`]([^\"'`\\s]{16,})[\"'`]")
)

// fileKind says which secret patterns apply to a file.
type fileKind int

const (
	kindCode fileKind = iota // JS/TS/Vue/Svelte/JSON/YAML/SQL
	kindTOML
	kindEnv
)

// secretHit is one committed secret: where, which rule and a masked
// rendering of the value.
type secretHit struct {
	off    int
	rule   string
	masked string
}

// scanSecrets finds committed secrets in a file's text.
func scanSecrets(src string, kind fileKind) []secretHit {
	var hits []secretHit
	for _, m := range secretKeyPattern.FindAllStringIndex(src, -1) {
		v := src[m[0]:m[1]]
		if v == cliDefaultSecretKey || placeholder(v[len("sb_secret_"):]) {
			continue
		}
		hits = append(hits, secretHit{m[0], RuleSecretKey, mask(v, len("sb_secret_")+2)})
	}
	for _, m := range jwtPattern.FindAllStringIndex(src, -1) {
		v := src[m[0]:m[1]]
		if role, iss := jwtRole(v); role == "service_role" && iss != cliDemoIssuer {
			hits = append(hits, secretHit{m[0], RuleServiceRoleJWT, mask(v, 10)})
		}
	}
	var re *regexp.Regexp
	switch kind {
	case kindTOML:
		re = tomlJWTSecret
	case kindEnv:
		re = envJWTSecret
	default:
		re = codeJWTSecret
	}
	for _, m := range re.FindAllStringSubmatchIndex(src, -1) {
		start, end := m[2], m[3]
		if start < 0 && len(m) > 5 {
			start, end = m[4], m[5]
		}
		if start < 0 {
			continue
		}
		v := src[start:end]
		if v == "" || v == cliDefaultJWTSecret || strings.HasPrefix(v, "env(") || placeholder(v) ||
			strings.HasPrefix(v, "$") || strings.Contains(v, "process.env") {
			continue
		}
		hits = append(hits, secretHit{start, RuleJWTSecret, mask(v, 2)})
	}
	return hits
}

// placeholder reports values that are obviously examples, not secrets.
func placeholder(v string) bool {
	l := strings.ToLower(v)
	for _, w := range []string{"your", "example", "xxxx", "...", "…", "<", "changeme", "placeholder", "replace"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// jwtRole decodes the payload of a compact JWT (without verifying it) and
// returns its role and iss claims.
func jwtRole(tok string) (role, iss string) {
	parts := strings.Split(tok, ".")
	if len(parts) < 2 {
		return "", ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return "", ""
	}
	var c struct {
		Role any `json:"role"`
		Iss  any `json:"iss"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return "", ""
	}
	r, _ := c.Role.(string)
	i, _ := c.Iss.(string)
	return r, i
}

// mask keeps the first keep characters of a secret and replaces the rest
// with an ellipsis and the length, so output never reveals the value.
func mask(v string, keep int) string {
	n := utf8.RuneCountInString(v)
	if keep > n/3 {
		keep = n / 3
	}
	r := []rune(v)
	return fmt.Sprintf("%s… (%d characters)", string(r[:keep]), n)
}
