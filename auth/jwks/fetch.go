package jwks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	josejson "github.com/go-jose/go-jose/v4/json"
)

// DefaultTimeout is the total time allowed for one HTTP request (discovery
// or JWKS) when Options.HTTPClient does not set its own.
const DefaultTimeout = 5 * time.Second

// errRedirect is returned by CheckRedirect so that a 3xx is never followed.
var errRedirect = errors.New("redirect not followed")

// checkURL accepts https URLs, and http URLs only for loopback hosts
// (127.0.0.0/8, ::1, localhost), which tests and local issuers use.
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid URL: %w", err)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("URL %q has no host", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("URL %q must not carry credentials", u.Redacted())
	}
	if u.Fragment != "" || u.RawFragment != "" {
		return nil, fmt.Errorf("URL %q must not have a fragment", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("URL %q: http is allowed only for loopback hosts, use https", raw)
		}
	default:
		return nil, fmt.Errorf("URL %q: scheme must be https", raw)
	}
	return u, nil
}

// isLoopbackHost reports whether host is "localhost" or a loopback IP.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// newClient returns the HTTP client used for fetching: the caller's client
// (copied, so the caller's value is not changed) or a fresh one, always
// refusing redirects and with a total timeout. When the client has no
// Transport of its own, the default one gets a dial-time address guard.
func newClient(c *http.Client, g addrGuard) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	}
	if out.Timeout <= 0 {
		out.Timeout = DefaultTimeout
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return errRedirect }
	if out.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		d := &net.Dialer{Timeout: DefaultTimeout, KeepAlive: 30 * time.Second, Control: g.control}
		t.DialContext = d.DialContext
		out.Transport = t
	}
	return &out
}

// addrGuard refuses, at dial time, connections to addresses an issuer's
// keys should never be served from, so that neither a discovered jwks_uri
// nor DNS (rebinding included) can point the fetcher at internal services.
// The check runs on the resolved IP of every connection.
type addrGuard struct {
	// loopback allows 127.0.0.0/8 and ::1; set when a configured URL is
	// itself on a loopback host (tests, local issuers).
	loopback bool
	// private allows RFC 1918, RFC 4193 and 100.64.0.0/10 addresses.
	private bool
}

// cgnat is the shared address space of RFC 6598.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// check reports why ip may not be dialled, or nil.
func (g addrGuard) check(ip netip.Addr) error {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback():
		if g.loopback {
			return nil
		}
		return errors.New("loopback address")
	case ip.IsUnspecified(), ip.IsMulticast(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(),
		ip.IsInterfaceLocalMulticast():
		// Link-local includes 169.254.169.254, the cloud metadata service.
		return errors.New("link-local, multicast or unspecified address")
	case ip.Is4() && ip.As4()[0] == 0:
		return errors.New("address in 0.0.0.0/8")
	case ip.IsPrivate(), cgnat.Contains(ip):
		if g.private {
			return nil
		}
		return errors.New("private address")
	}
	return nil
}

// control is a net.Dialer Control hook applying check.
func (g addrGuard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: unparsable address: %w", address, err)
	}
	if err := g.check(ap.Addr()); err != nil {
		return fmt.Errorf("dial %s blocked: %w", address, err)
	}
	return nil
}

// get fetches url and returns the body (at most MaxBodySize bytes) and the
// response's Cache-Control max-age (negative when absent or unusable, 0
// for no-cache/no-store).
func (s *Set) get(ctx context.Context, rawURL string) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, -1, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	req.Header.Set("User-Agent", "rowgate-jwks")
	resp, err := s.client.Do(req)
	if err != nil {
		// With CheckRedirect returning an error, Do returns the 3xx
		// response's error; the body is already closed.
		return nil, -1, fmt.Errorf("get %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// Drain a little so the connection can be reused, never the whole body.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, -1, fmt.Errorf("get %s: unexpected status %d", rawURL, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodySize+1))
	if err != nil {
		return nil, -1, fmt.Errorf("get %s: read body: %w", rawURL, err)
	}
	if len(body) > MaxBodySize {
		return nil, -1, fmt.Errorf("get %s: body larger than %d bytes", rawURL, MaxBodySize)
	}
	return body, maxAge(resp.Header.Values("Cache-Control")), nil
}

// maxAge extracts max-age from Cache-Control header values. It returns 0
// for no-cache or no-store (refresh as often as allowed) and -1 when no
// usable directive is present.
func maxAge(values []string) time.Duration {
	age := time.Duration(-1)
	for _, v := range values {
		for _, d := range strings.Split(v, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-cache", "no-store":
				return 0
			case "max-age":
				n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(val), `"`), 10, 64)
				if err != nil || n < 0 {
					continue
				}
				if n > int64(24*time.Hour/time.Second) {
					n = int64(24 * time.Hour / time.Second)
				}
				age = time.Duration(n) * time.Second
			}
		}
	}
	return age
}

// discover reads the issuer's OpenID configuration and returns its jwks_uri
// after checking that the document names the same issuer (OpenID Connect
// Discovery §4.3) and that the URI is acceptable.
func (s *Set) discover(ctx context.Context) (string, error) {
	docURL := strings.TrimSuffix(s.issuer, "/") + "/.well-known/openid-configuration"
	body, _, err := s.get(ctx, docURL)
	if err != nil {
		return "", fmt.Errorf("discovery: %w", err)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := josejson.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("discovery: malformed document at %s: %w", docURL, err)
	}
	if doc.Issuer != s.issuer {
		return "", fmt.Errorf("discovery: document at %s names issuer %s, want %q", docURL, quote(doc.Issuer), s.issuer)
	}
	if doc.JWKSURI == "" {
		return "", fmt.Errorf("discovery: document at %s has no jwks_uri", docURL)
	}
	if _, err := checkURL(doc.JWKSURI); err != nil {
		return "", fmt.Errorf("discovery: jwks_uri: %w", err)
	}
	return doc.JWKSURI, nil
}
