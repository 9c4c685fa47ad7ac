package jwks

import (
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestAddrGuard(t *testing.T) {
	tests := []struct {
		addr     string
		strict   bool // allowed with loopback=false, private=false
		loopback bool // allowed with loopback=true
		private  bool // allowed with private=true
	}{
		{"93.184.215.14", true, true, true},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", true, true, true},
		{"127.0.0.1", false, true, false},
		{"127.8.9.10", false, true, false},
		{"::1", false, true, false},
		{"::ffff:127.0.0.1", false, true, false},
		{"10.0.0.1", false, false, true},
		{"172.16.5.4", false, false, true},
		{"192.168.1.1", false, false, true},
		{"100.64.0.1", false, false, true},
		{"fd00::1", false, false, true},
		{"::ffff:10.1.2.3", false, false, true},
		{"169.254.169.254", false, false, false},
		{"fe80::1", false, false, false},
		{"0.0.0.0", false, false, false},
		{"0.1.2.3", false, false, false},
		{"::", false, false, false},
		{"224.0.0.1", false, false, false},
		{"ff02::1", false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			ip := netip.MustParseAddr(tc.addr)
			for _, c := range []struct {
				g    addrGuard
				want bool
			}{
				{addrGuard{}, tc.strict},
				{addrGuard{loopback: true}, tc.loopback},
				{addrGuard{private: true}, tc.private},
			} {
				if got := c.g.check(ip) == nil; got != c.want {
					t.Errorf("guard %+v: allowed = %v, want %v", c.g, got, c.want)
				}
			}
		})
	}
	if err := (addrGuard{}).control("tcp", "not-an-address", nil); err == nil {
		t.Error("control accepted an unparsable address")
	}
	if err := (addrGuard{}).control("tcp6", "[::1]:443", nil); err == nil || !strings.Contains(err.Error(), "blocked") {
		t.Errorf("control([::1]:443) = %v", err)
	}
}

// TestFetchBlockedAddresses checks the guard at the real dialer: the
// connection is refused before any packet leaves, so no network is needed.
func TestFetchBlockedAddresses(t *testing.T) {
	t.Run("private JWKS URL", func(t *testing.T) {
		s := newTestSet(t, Options{JWKSURL: "https://10.0.0.1:9/jwks"}, newFakeClock())
		if err := s.FetchNow(t.Context()); err == nil || !strings.Contains(err.Error(), "blocked: private address") {
			t.Fatalf("FetchNow err = %v", err)
		}
	})
	t.Run("metadata via discovery", func(t *testing.T) {
		p := newIDP(t)
		p.discovery = func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"issuer":"`+p.srv.URL+`","jwks_uri":"https://169.254.169.254/latest/jwks"}`)
		}
		s := newTestSet(t, Options{Issuer: p.srv.URL, AllowPrivateNetworks: true}, newFakeClock())
		if err := s.FetchNow(t.Context()); err == nil || !strings.Contains(err.Error(), "blocked: link-local") {
			t.Fatalf("FetchNow err = %v", err)
		}
	})
	t.Run("loopback jwks_uri from a non-loopback issuer", func(t *testing.T) {
		p := newIDP(t)
		p.serveKeys(t, "", edJWK("k1", testEd()))
		// The issuer URL is not loopback, so loopback dialling stays
		// blocked even though the JWKS URL is the loopback test server.
		s, err := New(Options{Issuer: "https://issuer.example", Logger: quietLog})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.jwksURL = p.jwksURL()
		if err := s.FetchNow(t.Context()); err == nil || !strings.Contains(err.Error(), "blocked: loopback") {
			t.Fatalf("FetchNow err = %v", err)
		}
		if n := p.jwksHits.Load(); n != 0 {
			t.Fatalf("server hit %d times", n)
		}
	})
}

func TestNewClientCopiesAndHardens(t *testing.T) {
	rt := http.DefaultTransport
	follow := func(*http.Request, []*http.Request) error { return nil }
	in := &http.Client{CheckRedirect: follow, Transport: rt}
	out := newClient(in, addrGuard{})
	if in.Timeout != 0 || in.CheckRedirect == nil || in.CheckRedirect(nil, nil) != nil {
		t.Fatal("caller's client was modified")
	}
	if out.Timeout != DefaultTimeout || out.CheckRedirect(nil, nil) == nil || out.Transport != rt {
		t.Fatalf("hardened client = %+v", out)
	}
	short := newClient(&http.Client{Timeout: time.Second}, addrGuard{})
	if short.Timeout != time.Second {
		t.Fatalf("caller's timeout not kept: %v", short.Timeout)
	}
	if _, ok := short.Transport.(*http.Transport); !ok {
		t.Fatalf("guarded transport missing: %T", short.Transport)
	}
}
