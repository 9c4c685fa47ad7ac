package auth

import (
	"net/http"
	"strings"

	"github.com/rowgate/rowgate"
)

// PostgREST 14 messages reused verbatim.
const (
	msgEmptyJWT      = "Empty JWT is sent in Authorization header"
	msgNoKey         = "No suitable key or wrong key type"
	msgBadAlg        = "Wrong or unsupported encoding algorithm"
	msgCrypto        = "JWT cryptographic operation failed"
	msgDecode        = "JWT couldn't be decoded"
	msgExpired       = "JWT expired"
	msgNotYetValid   = "JWT not yet valid"
	msgIssuedFuture  = "JWT issued at future"
	msgNotInAudience = "JWT not in audience"
	msgAudType       = "The JWT 'aud' claim must be a string or an array of strings"
)

// Messages of the Supabase API gateway.
const (
	msgNoAPIKey      = "No API key found in request"
	hintNoAPIKey     = "No `apikey` request header or url param was found."
	msgInvalidAPIKey = "Invalid API key"
	hintInvalidKey   = "Double check your Supabase `anon` or `service_role` API key."
	msgSecretBrowser = "Forbidden use of secret API key in browser"
	hintSecretBrowsr = "Secret API keys can only be used in a protected environment and should never be used in a browser. Use a publishable key instead."
)

// newError builds the 401 error every refusal uses. details, when non-empty,
// carries the specific reason behind a fixed PostgREST message.
func newError(code, msg, details string) *rowgate.Error {
	h := make(http.Header, 1)
	h.Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+quoteHeader(msg)+`"`)
	return &rowgate.Error{Status: http.StatusUnauthorized, Code: code, Message: msg, Details: details, Header: h}
}

// decodeError is a PGRST301: the token could not be decoded, no key fits,
// the algorithm is refused or the signature is wrong.
func decodeError(msg, details string) *rowgate.Error {
	if msg == msgDecode && details != "" {
		// PostgREST's message alone says nothing useful; name the cause.
		msg, details = msgDecode+": "+details, ""
	}
	return newError(rowgate.CodeJWTDecode, msg, details)
}

// claimsError is a PGRST303: the token is authentic but its claims are not
// acceptable.
func claimsError(msg, details string) *rowgate.Error {
	return newError(rowgate.CodeJWTClaims, msg, details)
}

// quoteHeader escapes a message for use inside an RFC 7230 quoted-string.
func quoteHeader(s string) string {
	if !strings.ContainsAny(s, "\"\\\r\n") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r', '\n':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// maxEcho is the longest header or claim value quoted back in a message.
const maxEcho = 64

// sanitize makes an attacker-controlled value safe to echo: printable ASCII
// only (quotes and backslashes replaced too), at most maxEcho bytes.
func sanitize(s string) string {
	truncated := false
	if len(s) > maxEcho {
		s, truncated = s[:maxEcho], true
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			b[i] = '?'
		}
	}
	if truncated {
		return string(b) + "..."
	}
	return string(b)
}
