package doctor

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/rowgate/rowgate/auth"
)

// Explainer is the part of *auth.Verifier that ExplainToken uses: the
// server's own verification, step by step.
type Explainer interface {
	Explain(ctx context.Context, token string) []auth.Step
}

// ExplainToken writes the token's decoded header and claims (never its
// signature) and then each verification step of v, and reports whether
// every step passed.
func ExplainToken(ctx context.Context, w io.Writer, v Explainer, token string) (bool, error) {
	token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(token), "Bearer "))
	var b strings.Builder
	parts := strings.Split(token, ".")
	var header map[string]any
	var claims map[string]any
	if len(parts) == 3 {
		header = decodeSegment(&b, "header", parts[0])
		claims = decodeSegment(&b, "claims", parts[1])
		fmt.Fprintf(&b, "signature: not shown (%d characters)\n", len(parts[2]))
	} else {
		fmt.Fprintf(&b, "token: not a compact JWS (%d dot-separated parts, want 3)\n", len(parts))
	}
	ok := true
	for _, s := range v.Explain(ctx, token) {
		verdict := Pass
		if !s.OK {
			verdict = Fail
			ok = false
		}
		fmt.Fprintf(&b, "[%s] %s: %s\n", verdict, s.Name, s.Detail)
	}
	if alg, _ := header["alg"].(string); strings.HasPrefix(alg, "HS") {
		if iss, _ := claims["iss"].(string); strings.Contains(iss, "://") {
			fmt.Fprintf(&b, "[warn] jwt template: %s token with third-party issuer %s looks like a deprecated JWT-template token (signed with the project's JWT secret); use the provider's session token instead (rowgate lint finds the getToken({ template }) call)\n", alg, iss)
		}
	}
	if claims != nil {
		if _, has := claims["role"]; !has {
			fmt.Fprintf(&b, "[warn] role claim: the token has no \"role\" claim, so the issuer's default_role applies (Supabase itself would run it as anon)\n")
		}
	}
	if ok {
		b.WriteString("token accepted\n")
	} else {
		b.WriteString("token refused\n")
	}
	_, err := io.WriteString(w, b.String())
	return ok, err
}

func decodeSegment(b *strings.Builder, name, seg string) map[string]any {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		fmt.Fprintf(b, "%s: not base64url: %v\n", name, err)
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		fmt.Fprintf(b, "%s: not a JSON object: %v\n", name, err)
		return nil
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		out.Reset()
		out.Write(raw)
	}
	fmt.Fprintf(b, "%s: %s\n", name, out.String())
	return m
}
