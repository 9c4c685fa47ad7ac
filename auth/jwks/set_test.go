package jwks

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

var quietLog = slog.New(slog.DiscardHandler)

// newTestSet builds a remote set on the fake clock.
func newTestSet(t *testing.T, opts Options, clock *fakeClock) *Set {
	t.Helper()
	if clock != nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = quietLog
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestNewValidatesURLs(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		ok   bool
	}{
		{"https jwks", Options{JWKSURL: "https://example.com/.well-known/jwks.json"}, true},
		{"https issuer", Options{Issuer: "https://clerk.example.com"}, true},
		{"issuer with trailing slash", Options{Issuer: "https://tenant.auth0.com/"}, true},
		{"http loopback v4", Options{JWKSURL: "http://127.0.0.1:8080/jwks"}, true},
		{"http loopback 127/8", Options{JWKSURL: "http://127.4.5.6/jwks"}, true},
		{"http localhost", Options{JWKSURL: "http://localhost:9999/jwks"}, true},
		{"http LOCALHOST", Options{Issuer: "http://LOCALHOST:9999"}, true},
		{"http loopback v6", Options{JWKSURL: "http://[::1]:8080/jwks"}, true},
		{"http remote", Options{JWKSURL: "http://example.com/jwks"}, false},
		{"http remote issuer", Options{Issuer: "http://example.com"}, false},
		{"http private", Options{JWKSURL: "http://10.0.0.1/jwks"}, false},
		{"http localhost lookalike", Options{JWKSURL: "http://localhost.example.com/jwks"}, false},
		{"http loopback lookalike", Options{JWKSURL: "http://127.0.0.1.nip.io/jwks"}, false},
		{"ftp", Options{JWKSURL: "ftp://example.com/jwks"}, false},
		{"file", Options{JWKSURL: "file:///etc/passwd"}, false},
		{"no scheme", Options{JWKSURL: "example.com/jwks"}, false},
		{"credentials", Options{JWKSURL: "https://u:p@example.com/jwks"}, false},
		{"fragment", Options{JWKSURL: "https://example.com/jwks#x"}, false},
		{"no host", Options{JWKSURL: "https:///jwks"}, false},
		{"issuer with query", Options{Issuer: "https://example.com/?a=b"}, false},
		{"nothing", Options{}, false},
		{"negative cooldown", Options{JWKSURL: "https://example.com/j", Cooldown: -1}, false},
		{"negative staleness", Options{JWKSURL: "https://example.com/j", MaxStaleness: -time.Hour}, false},
		{"min above max", Options{JWKSURL: "https://example.com/j", MinRefresh: 2 * time.Hour}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.opts)
			if (err == nil) != tc.ok {
				t.Fatalf("New: err = %v, want ok=%v", err, tc.ok)
			}
			if s != nil {
				s.Close()
			}
		})
	}
}

func TestDiscoveryThenJWKS(t *testing.T) {
	p := newIDP(t)
	p.serveKeys(t, "", edJWK("k1", testEd()))
	s := newTestSet(t, Options{Issuer: p.srv.URL}, newFakeClock())
	if st := s.Status(); st.Source != p.srv.URL+"/.well-known/openid-configuration" || st.Ready {
		t.Fatalf("before fetch: %+v", st)
	}
	if err := s.FetchNow(t.Context()); err != nil {
		t.Fatalf("FetchNow: %v", err)
	}
	if k, ok := s.Lookup("k1"); !ok || k.Curve != "Ed25519" {
		t.Fatalf("Lookup(k1) = %v, %v", k, ok)
	}
	if err := s.FetchNow(t.Context()); err != nil {
		t.Fatalf("second FetchNow: %v", err)
	}
	if d, j := p.discHits.Load(), p.jwksHits.Load(); d != 1 || j != 2 {
		t.Fatalf("hits: discovery %d jwks %d; want 1 and 2 (discovery cached)", d, j)
	}
	st := s.Status()
	if st.Source != p.jwksURL() || !st.Ready || st.Issuer != p.srv.URL || st.Keys != 1 || st.KIDs[0] != "k1" {
		t.Fatalf("status = %+v", st)
	}

	// A failed JWKS fetch forgets the discovered URL, so the next attempt
	// discovers again.
	p.serve(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusNotFound) })
	if err := s.FetchNow(t.Context()); err == nil {
		t.Fatal("FetchNow with 404 succeeded")
	}
	p.serveKeys(t, "", edJWK("k1", testEd()))
	if err := s.FetchNow(t.Context()); err != nil {
		t.Fatalf("FetchNow after recovery: %v", err)
	}
	if d := p.discHits.Load(); d != 2 {
		t.Fatalf("discovery hits = %d, want 2", d)
	}
}

func TestDiscoveryFailures(t *testing.T) {
	tests := []struct {
		name    string
		doc     func(base string) string
		status  int
		wantErr string
	}{
		{"issuer mismatch", func(b string) string { return `{"issuer":"https://evil.example","jwks_uri":"` + b + `/jwks"}` }, 200, "names issuer"},
		{"issuer trailing slash differs", func(b string) string { return `{"issuer":"` + b + `/","jwks_uri":"` + b + `/jwks"}` }, 200, "names issuer"},
		{"no jwks_uri", func(b string) string { return `{"issuer":"` + b + `"}` }, 200, "no jwks_uri"},
		{"http jwks_uri", func(b string) string { return `{"issuer":"` + b + `","jwks_uri":"http://example.com/jwks"}` }, 200, "https"},
		{"not json", func(string) string { return `<html>` }, 200, "malformed"},
		{"duplicate member", func(b string) string {
			return `{"issuer":"` + b + `","jwks_uri":"` + b + `/jwks","jwks_uri":"https://evil.example/jwks"}`
		}, 200, "malformed"},
		{"500", func(string) string { return `{}` }, 500, "status 500"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newIDP(t)
			p.serveKeys(t, "", edJWK("k1", testEd()))
			p.discovery = func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.doc(p.srv.URL))
			}
			s := newTestSet(t, Options{Issuer: p.srv.URL}, newFakeClock())
			err := s.FetchNow(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("FetchNow err = %v; want %q", err, tc.wantErr)
			}
			if n := p.jwksHits.Load(); n != 0 {
				t.Fatalf("JWKS fetched %d times after failed discovery", n)
			}
			if st := s.Status(); st.Ready || !strings.Contains(st.LastError, tc.wantErr) {
				t.Fatalf("status = %+v", st)
			}
		})
	}
}

func TestExplicitJWKSURLSkipsDiscovery(t *testing.T) {
	p := newIDP(t)
	p.serveKeys(t, "", edJWK("k1", testEd()))
	s := newTestSet(t, Options{Issuer: "https://issuer.example", JWKSURL: p.jwksURL()}, newFakeClock())
	if err := s.FetchNow(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Lookup("k1"); !ok {
		t.Fatal("k1 missing")
	}
	if d, j := p.discHits.Load(), p.jwksHits.Load(); d != 0 || j != 1 {
		t.Fatalf("hits: discovery %d jwks %d; want 0 and 1", d, j)
	}
	if st := s.Status(); st.Source != p.jwksURL() || st.Issuer != "https://issuer.example" {
		t.Fatalf("status = %+v", st)
	}
}

func randomKID() string {
	return fmt.Sprintf("junk-%016x", rand.Uint64())
}

func TestUnknownKIDFlood(t *testing.T) {
	clock := newFakeClock()
	p := newIDP(t)
	p.serveKeys(t, "", edJWK("known", testEd()))
	s := newTestSet(t, Options{JWKSURL: p.jwksURL(), Cooldown: 30 * time.Second}, clock)
	if err := s.FetchNow(t.Context()); err != nil {
		t.Fatal(err)
	}

	const workers, total = 50, 10000
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range total / workers {
				if i%10 == 0 {
					// Known kids are unaffected, with or without I/O paths.
					if _, ok := s.Lookup("known"); !ok {
						errs <- errors.New("known kid lost")
						return
					}
					if _, err := s.Refresh(t.Context(), "known"); err != nil {
						errs <- fmt.Errorf("Refresh(known): %w", err)
						return
					}
				}
				_, err := s.Refresh(t.Context(), randomKID())
				if !errors.Is(err, ErrUnknownKID) {
					errs <- fmt.Errorf("worker %d: Refresh(random) err = %v", w, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := p.jwksHits.Load(); n != 2 {
		t.Fatalf("JWKS hits = %d; want 2 (initial + one unknown-kid refetch)", n)
	}
	if _, err := s.Refresh(t.Context(), randomKID()); !errors.Is(err, ErrCooldown) {
		t.Fatalf("during cooldown err = %v; want ErrCooldown", err)
	}

	clock.Advance(29 * time.Second)
	if _, err := s.Refresh(t.Context(), randomKID()); !errors.Is(err, ErrCooldown) {
		t.Fatalf("at 29 s err = %v; want ErrCooldown", err)
	}
	clock.Advance(2 * time.Second)
	if _, err := s.Refresh(t.Context(), randomKID()); !errors.Is(err, ErrUnknownKID) || errors.Is(err, ErrCooldown) {
		t.Fatalf("after cooldown err = %v; want plain ErrUnknownKID after a refetch", err)
	}
	if _, err := s.Refresh(t.Context(), randomKID()); !errors.Is(err, ErrCooldown) {
		t.Fatalf("second miss err = %v; want ErrCooldown", err)
	}
	if n := p.jwksHits.Load(); n != 3 {
		t.Fatalf("JWKS hits = %d; want 3", n)
	}
	// An oversized kid never triggers I/O, even outside the cooldown.
	clock.Advance(time.Minute)
	if _, err := s.Refresh(t.Context(), strings.Repeat("k", 300)); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("long kid err = %v", err)
	}
	if n := p.jwksHits.Load(); n != 3 {
		t.Fatalf("JWKS hits = %d after long kid; want 3", n)
	}
}

// TestRefreshSharesInflightFetch makes the JWKS fetch block until every
// caller has had the chance to pile up; all share one fetch.
func TestRefreshSharesInflightFetch(t *testing.T) {
	clock := newFakeClock()
	p := newIDP(t)
	p.serveKeys(t, "", edJWK("k1", testEd()))
	s := newTestSet(t, Options{JWKSURL: p.jwksURL()}, clock)
	if err := s.FetchNow(t.Context()); err != nil {
		t.Fatal(err)
	}

	entered := make(chan struct{})
	gate := make(chan struct{})
	body := jwksDoc(t, edJWK("k1", testEd()), ecJWK("k2", &testP256().PublicKey))
	p.serve(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-gate
		_, _ = w.Write(body)
	})

	const callers = 20
	results := make(chan error, callers)
	for range callers {
		go func() {
			k, err := s.Refresh(t.Context(), "k2")
			if err == nil && k.KID != "k2" {
				err = fmt.Errorf("got kid %q", k.KID)
			}
			results <- err
		}()
	}
	<-entered
	// A caller whose context ends stops waiting without cancelling the
	// shared fetch.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Refresh(ctx, "k2"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Refresh err = %v", err)
	}
	close(gate)
	for range callers {
		if err := <-results; err != nil {
			t.Fatalf("Refresh(k2): %v", err)
		}
	}
	if n := p.jwksHits.Load(); n != 2 {
		t.Fatalf("JWKS hits = %d; want 2", n)
	}
}

func TestFetchFailuresKeepLastGoodSet(t *testing.T) {
	good := edJWK("k1", testEd())
	other := newIDP(t)
	other.serveKeys(t, "", edJWK("evil", testEd()))
	huge := append([]byte(`{"keys":[`+string(mustJSON(t, edJWK("big", testEd())))+`]`), bytes.Repeat([]byte(" "), MaxBodySize)...)
	huge = append(huge, '}')

	tests := []struct {
		name    string
		client  *http.Client
		mode    func(p *idp)
		wantErr string
	}{
		{name: "connection refused", mode: func(p *idp) { p.srv.Close() }, wantErr: "connect"},
		{name: "slow", client: &http.Client{Timeout: time.Second}, mode: func(p *idp) {
			p.serve(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		}, wantErr: "Timeout"},
		{name: "500", mode: func(p *idp) {
			p.serve(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
		}, wantErr: "status 500"},
		{name: "503", mode: func(p *idp) {
			p.serve(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) })
		}, wantErr: "status 503"},
		{name: "garbage", mode: func(p *idp) {
			p.serve(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "<html>login</html>") })
		}, wantErr: "malformed"},
		{name: "huge", mode: func(p *idp) {
			p.serve(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(huge) })
		}, wantErr: "larger than"},
		{name: "redirect", mode: func(p *idp) {
			p.serve(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.jwksURL(), http.StatusFound)
			})
		}, wantErr: "redirect not followed"},
		{name: "redirect with permissive client", client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }},
			mode: func(p *idp) {
				p.serve(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, other.jwksURL(), http.StatusTemporaryRedirect)
				})
			}, wantErr: "redirect not followed"},
		{name: "empty set", mode: func(p *idp) {
			p.serve(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"keys":[]}`) })
		}, wantErr: "no usable keys"},
		{name: "duplicate kids", mode: func(p *idp) {
			p.serveKeys(t, "", edJWK("k2", testEd()), ecJWK("k2", &testP256().PublicKey))
		}, wantErr: "duplicate kid"},
		{name: "all weak keys", mode: func(p *idp) {
			p.serveKeys(t, "",
				rsaJWK("weak", &testRSA().PublicKey).with("n", randomModulus(t, 1024)),
				rsaJWK("e3", &testRSA().PublicKey).with("e", "Aw"),
				jwk{"kty": "oct", "kid": "hs", "k": "c2VjcmV0"})
		}, wantErr: "no usable keys"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			p := newIDP(t)
			p.serveKeys(t, "", good)
			var logs bytes.Buffer
			s := newTestSet(t, Options{
				JWKSURL: p.jwksURL(), HTTPClient: tc.client, MaxStaleness: 24 * time.Hour,
				Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			}, clock)
			if err := s.FetchNow(t.Context()); err != nil {
				t.Fatalf("first FetchNow: %v", err)
			}
			tc.mode(p)
			clock.Advance(time.Hour)
			err := s.FetchNow(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("FetchNow err = %v; want %q", err, tc.wantErr)
			}
			if _, ok := s.Lookup("k1"); !ok {
				t.Fatal("last good key lost after a failed fetch")
			}
			for _, kid := range []string{"k2", "big", "evil", "weak"} {
				if _, ok := s.Lookup(kid); ok {
					t.Fatalf("kid %q from the failed fetch was swapped in", kid)
				}
			}
			st := s.Status()
			if !st.Ready || !st.Stale || st.LastError == "" || st.Fetches != 2 || st.Keys != 1 {
				t.Fatalf("status after failure = %+v", st)
			}
			if !st.LastAttempt.After(st.LastFetch) {
				t.Fatalf("LastAttempt %v not after LastFetch %v", st.LastAttempt, st.LastFetch)
			}
			if n := other.jwksHits.Load(); n != 0 {
				t.Fatalf("redirect target hit %d times", n)
			}
			if !strings.Contains(logs.String(), "fetch failed") || !strings.Contains(logs.String(), p.jwksURL()) {
				t.Fatalf("failure not logged with url: %s", logs.String())
			}
			if strings.Contains(logs.String(), good["x"].(string)) {
				t.Fatal("key material logged")
			}

			// Staleness counts from the last successful fetch (1 h ago).
			clock.Advance(23*time.Hour - time.Second)
			if _, ok := s.Lookup("k1"); !ok {
				t.Fatal("key dropped before MaxStaleness")
			}
			clock.Advance(2 * time.Second)
			if _, ok := s.Lookup("k1"); ok {
				t.Fatal("Lookup succeeded after MaxStaleness; must fail closed")
			}
			if st := s.Status(); st.Ready || !st.Stale {
				t.Fatalf("status after MaxStaleness = %+v", st)
			}
			if s.Keys() != nil {
				t.Fatal("Keys() returned keys of a stale set")
			}
			if _, err := s.Refresh(t.Context(), "k1"); !errors.Is(err, ErrNoKeys) {
				t.Fatalf("Refresh on stale set err = %v; want ErrNoKeys", err)
			}
		})
	}
}

func TestBodyAtLimitAccepted(t *testing.T) {
	doc := jwksDoc(t, edJWK("k1", testEd()))
	body := append(doc[:len(doc)-1], bytes.Repeat([]byte(" "), MaxBodySize-len(doc))...)
	body = append(body, '}')
	if len(body) != MaxBodySize {
		t.Fatalf("test body is %d bytes", len(body))
	}
	p := newIDP(t)
	p.serve(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) })
	s := newTestSet(t, Options{JWKSURL: p.jwksURL()}, newFakeClock())
	if err := s.FetchNow(t.Context()); err != nil {
		t.Fatalf("body of exactly MaxBodySize rejected: %v", err)
	}
}

func TestRotationAndRevocation(t *testing.T) {
	clock := newFakeClock()
	p := newIDP(t)
	k1 := ecJWK("k1", &testP256().PublicKey)
	k2 := edJWK("k2", testEd())
	p.serveKeys(t, "", k1)
	s := newTestSet(t, Options{JWKSURL: p.jwksURL()}, clock)
	if err := s.FetchNow(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Lookup("k2"); ok {
		t.Fatal("k2 known before publication")
	}

	// Overlap: k2 published; a token with k2 arrives before the periodic
	// refresh and triggers the unknown-kid refetch.
	p.serveKeys(t, "", k1, k2)
	if k, err := s.Refresh(t.Context(), "k2"); err != nil || k.KID != "k2" {
		t.Fatalf("Refresh(k2) = %v, %v", k, err)
	}
	for _, kid := range []string{"k1", "k2"} {
		if _, ok := s.Lookup(kid); !ok {
			t.Fatalf("%s not valid during overlap", kid)
		}
	}

	// An unchanged key keeps its identity across refreshes (the verifier's
	// cache compares key pointers).
	before, _ := s.Lookup("k1")
	if err := s.FetchNow(t.Context()); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.Lookup("k1"); after != before {
		t.Fatal("unchanged k1 got a new identity on refresh")
	}

	// Revocation: k1 removed; gone after the next refresh.
	p.serveKeys(t, "", k2)
	if _, ok := s.Lookup("k1"); !ok {
		t.Fatal("k1 dropped before any refresh")
	}
	if err := s.FetchNow(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Lookup("k1"); ok {
		t.Fatal("revoked k1 still valid after refresh")
	}
	if _, ok := s.Lookup("k2"); !ok {
		t.Fatal("k2 lost")
	}
	if st := s.Status(); st.Keys != 1 || st.KIDs[0] != "k2" || strings.Join(st.Algs, ",") != "Ed25519,EdDSA" {
		t.Fatalf("status = %+v", st)
	}

	// Same kid, new material: resolved by the next fetch.
	fresh, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	old2, _ := s.Lookup("k2")
	p.serveKeys(t, "", edJWK("k2", fresh))
	if err := s.FetchNow(t.Context()); err != nil {
		t.Fatal(err)
	}
	if k, _ := s.Lookup("k2"); k == old2 {
		t.Fatal("replaced k2 kept the old identity")
	}
	if k, _ := s.Lookup("k2"); k == nil || !fresh.Equal(k.Public) {
		t.Fatal("k2 material not replaced")
	}
}

// loopHarness drives the refresh loop: each time the loop wants to wait it
// reports the delay on waits and blocks on the returned tick channel.
type loopHarness struct {
	waits chan time.Duration
	ticks chan time.Time
}

func newLoopHarness(s *Set) *loopHarness {
	h := &loopHarness{waits: make(chan time.Duration, 1), ticks: make(chan time.Time)}
	s.after = func(d time.Duration) (<-chan time.Time, func() bool) {
		h.waits <- d
		return h.ticks, func() bool { return true }
	}
	return h
}

func within(d, want time.Duration) bool {
	return d >= want*9/10 && d <= want*11/10
}

func TestColdStartAndRefreshLoop(t *testing.T) {
	clock := newFakeClock()
	p := newIDP(t)
	p.serve(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) })
	s := newTestSet(t, Options{JWKSURL: p.jwksURL()}, clock)
	h := newLoopHarness(s)

	s.Start(t.Context())
	s.Start(t.Context()) // idempotent
	if d := <-h.waits; !within(d, 5*time.Second) {
		t.Fatalf("first retry after %v; want ~5 s", d)
	}
	st := s.Status()
	if st.Ready || st.LastError == "" || st.Fetches != 1 || st.Keys != 0 {
		t.Fatalf("cold status = %+v", st)
	}
	if _, ok := s.Lookup("k1"); ok {
		t.Fatal("Lookup succeeded with no keys")
	}
	h.ticks <- clock.Now()
	if d := <-h.waits; !within(d, 10*time.Second) {
		t.Fatalf("second retry after %v; want ~10 s", d)
	}

	// Issuer comes up; the next tick fetches keys. The refresh interval
	// follows Cache-Control, clamped.
	steps := []struct {
		cacheControl string
		want         time.Duration
	}{
		{"", 10 * time.Minute},
		{"public, max-age=900", 15 * time.Minute},
		{"max-age=60", 5 * time.Minute},
		{"max-age=604800", time.Hour},
		{"no-cache", 5 * time.Minute},
	}
	for _, step := range steps {
		p.serveKeys(t, step.cacheControl, edJWK("k1", testEd()))
		h.ticks <- clock.Now()
		if d := <-h.waits; !within(d, step.want) {
			t.Fatalf("Cache-Control %q: next refresh after %v; want ~%v", step.cacheControl, d, step.want)
		}
	}
	if st := s.Status(); !st.Ready || st.Stale || st.LastError != "" || st.Fetches != int64(2+len(steps)) {
		t.Fatalf("status = %+v", st)
	}
	if _, ok := s.Lookup("k1"); !ok {
		t.Fatal("k1 missing after loop fetch")
	}

	// Revocation through the loop.
	p.serveKeys(t, "", edJWK("k9", testEd()))
	h.ticks <- clock.Now()
	<-h.waits
	if _, ok := s.Lookup("k1"); ok {
		t.Fatal("k1 still valid after background refresh")
	}

	s.Close()
	s.Close()
	if err := s.FetchNow(t.Context()); !errors.Is(err, errClosed) {
		t.Fatalf("FetchNow after Close = %v", err)
	}
	if _, ok := s.Lookup("k9"); !ok {
		t.Fatal("Lookup after Close lost keys")
	}
}

func TestStartStopsWithContext(t *testing.T) {
	p := newIDP(t)
	p.serveKeys(t, "", edJWK("k1", testEd()))
	s := newTestSet(t, Options{JWKSURL: p.jwksURL()}, newFakeClock())
	h := newLoopHarness(s)
	ctx, cancel := context.WithCancel(t.Context())
	s.Start(ctx)
	<-h.waits
	cancel()
	// Close waits for the loop; it returns only if the loop saw ctx end.
	s.Close()
	if _, ok := s.Lookup("k1"); !ok {
		t.Fatal("k1 missing")
	}
}

func TestColdStartRecoversViaRefresh(t *testing.T) {
	clock := newFakeClock()
	p := newIDP(t)
	p.serve(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 502) })
	s := newTestSet(t, Options{JWKSURL: p.jwksURL()}, clock)
	if err := s.FetchNow(t.Context()); err == nil {
		t.Fatal("FetchNow succeeded against a down issuer")
	}
	if st := s.Status(); st.Ready || !strings.Contains(st.LastError, "502") {
		t.Fatalf("status = %+v", st)
	}
	if _, err := s.Refresh(t.Context(), "k1"); !errors.Is(err, ErrNoKeys) {
		t.Fatalf("Refresh while down err = %v; want ErrNoKeys", err)
	}
	p.serveKeys(t, "", edJWK("k1", testEd()))
	if _, err := s.Refresh(t.Context(), "k1"); !errors.Is(err, ErrNoKeys) {
		t.Fatalf("Refresh during cooldown err = %v; want ErrNoKeys", err)
	}
	if n := p.jwksHits.Load(); n != 2 {
		t.Fatalf("JWKS hits = %d; want 2", n)
	}
	clock.Advance(31 * time.Second)
	if k, err := s.Refresh(t.Context(), "k1"); err != nil || k.KID != "k1" {
		t.Fatalf("Refresh after recovery = %v, %v", k, err)
	}
	if st := s.Status(); !st.Ready || st.LastError != "" {
		t.Fatalf("status = %+v", st)
	}
}

func TestStaticSet(t *testing.T) {
	a := Key{KID: "a", Kty: "OKP", Curve: "Ed25519", Public: testEd()}
	noKID := Key{Kty: "EC", Curve: "P-256", Public: &testP256().PublicKey}
	dup := Key{KID: "a", Kty: "RSA", Public: &testRSA().PublicKey}
	keys := []Key{a, noKID, dup}
	s := NewStatic(keys)
	keys[0].KID = "mutated"
	defer s.Close()
	s.Start(t.Context())

	if k, ok := s.Lookup("a"); !ok || k.Kty != "OKP" {
		t.Fatalf("Lookup(a) = %v, %v; want the first key with kid a", k, ok)
	}
	if k, ok := s.Lookup(""); !ok || k.Kty != "EC" {
		t.Fatalf("Lookup(\"\") = %v, %v", k, ok)
	}
	if _, err := s.Refresh(t.Context(), "zzz"); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("Refresh unknown = %v", err)
	}
	if _, err := s.Refresh(t.Context(), "a"); err != nil {
		t.Fatalf("Refresh(a) = %v", err)
	}
	if err := s.FetchNow(t.Context()); err != nil {
		t.Fatal(err)
	}
	st := s.Status()
	if !st.Ready || st.Stale || st.Source != "static" || st.Keys != 2 || len(s.Keys()) != 2 {
		t.Fatalf("status = %+v", st)
	}

	empty := NewStatic(nil)
	if st := empty.Status(); st.Ready {
		t.Fatal("empty static set ready")
	}
	if _, err := empty.Refresh(t.Context(), "a"); !errors.Is(err, ErrNoKeys) {
		t.Fatalf("empty Refresh err = %v", err)
	}
}

func TestMaxAge(t *testing.T) {
	tests := []struct {
		in   []string
		want time.Duration
	}{
		{nil, -1},
		{[]string{"public"}, -1},
		{[]string{"max-age=600"}, 10 * time.Minute},
		{[]string{"public, max-age=3600, must-revalidate"}, time.Hour},
		{[]string{"MAX-AGE=60"}, time.Minute},
		{[]string{`max-age="120"`}, 2 * time.Minute},
		{[]string{"max-age=abc"}, -1},
		{[]string{"max-age=-5"}, -1},
		{[]string{"max-age=99999999999999999999"}, -1},
		{[]string{"max-age=9999999999"}, 24 * time.Hour},
		{[]string{"max-age=600", "no-store"}, 0},
		{[]string{"no-cache"}, 0},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.in, "|"), func(t *testing.T) {
			if got := maxAge(tc.in); got != tc.want {
				t.Fatalf("maxAge(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 5 * time.Second, 2: 10 * time.Second, 4: 40 * time.Second, 7: 5 * time.Minute, 50: 5 * time.Minute} {
		if d := backoff(n); !within(d, want) {
			t.Errorf("backoff(%d) = %v, want ~%v", n, d, want)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	s := NewStatic([]Key{{KID: "ins_2abcDEF", Kty: "OKP", Curve: "Ed25519", Public: testEd()}})
	r, err := New(Options{JWKSURL: "https://example.com/jwks", Logger: quietLog})
	if err != nil {
		b.Fatal(err)
	}
	r.swap([]Key{{KID: "ins_2abcDEF", Kty: "OKP", Curve: "Ed25519", Public: testEd()}}, time.Now())
	b.Run("static", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := s.Lookup("ins_2abcDEF"); !ok {
				b.Fatal("miss")
			}
		}
	})
	b.Run("remote", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := r.Lookup("ins_2abcDEF"); !ok {
				b.Fatal("miss")
			}
		}
	})
	b.Run("remote-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, ok := r.Lookup("ins_2abcDEF"); !ok {
					b.Fatal("miss")
				}
			}
		})
	})
}

// TestExpiryTimerFailsClosed covers the real-clock path, where Lookup does
// not read the clock: the expiry timer scheduled at each swap marks the
// snapshot expired, and a newer swap cancels the older timer.
func TestExpiryTimerFailsClosed(t *testing.T) {
	p := newIDP(t)
	p.serveKeys(t, "", edJWK("k1", testEd()))
	s := newTestSet(t, Options{JWKSURL: p.jwksURL(), MaxStaleness: 3 * time.Hour}, nil)
	type timer struct {
		d       time.Duration
		fire    func()
		stopped bool
	}
	var mu sync.Mutex
	var timers []*timer
	s.afterFunc = func(d time.Duration, f func()) func() bool {
		mu.Lock()
		defer mu.Unlock()
		tm := &timer{d: d, fire: f}
		timers = append(timers, tm)
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			tm.stopped = true
			return true
		}
	}
	for range 2 {
		if err := s.FetchNow(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	if len(timers) != 2 || timers[0].d != 3*time.Hour || !timers[0].stopped || timers[1].stopped {
		t.Fatalf("timers = %+v; want two 3 h timers, the first stopped", timers)
	}
	mu.Unlock()
	if _, ok := s.Lookup("k1"); !ok {
		t.Fatal("k1 missing")
	}
	timers[1].fire()
	if _, ok := s.Lookup("k1"); ok {
		t.Fatal("Lookup succeeded on an expired snapshot")
	}
	if st := s.Status(); st.Ready {
		t.Fatal("expired set reported ready")
	}
	if err := s.FetchNow(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Lookup("k1"); !ok {
		t.Fatal("fresh fetch did not revive the set")
	}
}

func TestLookupLargeSet(t *testing.T) {
	keys := make([]jwk, 20)
	for i := range keys {
		keys[i] = edJWK(fmt.Sprintf("k%02d", i), testEd())
	}
	p := newIDP(t)
	p.serveKeys(t, "", keys...)
	s := newTestSet(t, Options{JWKSURL: p.jwksURL()}, newFakeClock())
	if err := s.FetchNow(t.Context()); err != nil {
		t.Fatal(err)
	}
	for i := range keys {
		kid := fmt.Sprintf("k%02d", i)
		if k, ok := s.Lookup(kid); !ok || k.KID != kid {
			t.Fatalf("Lookup(%s) = %v, %v", kid, k, ok)
		}
	}
	if _, ok := s.Lookup("k20"); ok {
		t.Fatal("unknown kid found")
	}
}
