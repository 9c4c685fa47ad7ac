package jwks

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Errors returned by Set methods, matchable with errors.Is.
var (
	// ErrUnknownKID means the key id is not in the issuer's current set,
	// even after a refetch (or while a refetch is not allowed).
	ErrUnknownKID = errors.New("jwks: unknown kid")
	// ErrNoKeys means there is no usable key set: nothing was fetched yet,
	// the last good set is older than MaxStaleness, or a fetched document
	// held no usable key. Verification must fail closed.
	ErrNoKeys = errors.New("jwks: no usable keys")
	// ErrCooldown is returned by Refresh for an unknown kid while the
	// unknown-kid refetch is cooling down; it wraps ErrUnknownKID.
	ErrCooldown = fmt.Errorf("%w: refetch cooling down", ErrUnknownKID)

	errClosed = errors.New("jwks: key set closed")
)

// Defaults for Options fields left zero.
const (
	DefaultRefreshInterval = 10 * time.Minute
	DefaultMinRefresh      = 5 * time.Minute
	DefaultMaxRefresh      = time.Hour
	DefaultCooldown        = 30 * time.Second
	DefaultMaxStaleness    = 24 * time.Hour

	// Retry schedule after a failed background fetch: 5 s doubling to 5 min.
	minBackoff = 5 * time.Second
	maxBackoff = 5 * time.Minute
)

// Options configures a remote key set. Zero fields take the documented
// defaults; negative durations are errors.
type Options struct {
	// Issuer is the exact issuer string. Unless JWKSURL is set, the key set
	// URL is discovered at Issuer + "/.well-known/openid-configuration"
	// (jwks_uri), and the document must name this issuer exactly.
	Issuer string
	// JWKSURL, when set, is fetched directly and discovery is skipped.
	JWKSURL string
	// HTTPClient is used for all requests. It is copied; redirects are
	// always refused, and a zero Timeout becomes DefaultTimeout (5 s).
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	// DefaultRefresh is the refresh interval when the response has no
	// Cache-Control max-age (default 10 min). A max-age is clamped to
	// [MinRefresh, MaxRefresh]; every interval gets ±10 % jitter.
	DefaultRefresh time.Duration
	// MinRefresh is the shortest refresh interval (default 5 min).
	MinRefresh time.Duration
	// MaxRefresh is the longest refresh interval (default 1 h).
	MaxRefresh time.Duration
	// Cooldown is how long after an unknown-kid refetch further unknown
	// kids fail at once without I/O (default 30 s).
	Cooldown time.Duration
	// MaxStaleness is how long after the last successful fetch the last
	// good keys are still served while fetches fail; after it the set fails
	// closed (default 24 h).
	MaxStaleness time.Duration
	// Logger receives fetch failures and key set changes (never key
	// material). Default slog.Default().
	Logger *slog.Logger
	// AllowPrivateNetworks lets the fetcher connect to private addresses
	// (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), for issuers or
	// egress proxies inside a private network. Loopback is allowed only
	// when Issuer or JWKSURL is itself on a loopback host; link-local
	// (cloud metadata), multicast and unspecified addresses are always
	// refused. The guard applies only when HTTPClient is nil or has no
	// Transport.
	AllowPrivateNetworks bool
}

// smallSet is the size up to which a linear scan beats a map lookup.
const smallSet = 8

// snapshot is one immutable key set; it is replaced as a whole.
type snapshot struct {
	keys    []*Key          // unique kids, first occurrence kept
	byKID   map[string]*Key // only for sets larger than smallSet
	fetched time.Time
	// expired is set by a timer MaxStaleness after fetched, so that Lookup
	// can fail closed without reading the clock.
	expired atomic.Bool
}

// find returns the key with kid.
func (sn *snapshot) find(kid string) (*Key, bool) {
	if sn.byKID != nil {
		k, ok := sn.byKID[kid]
		return k, ok
	}
	for _, k := range sn.keys {
		if k.KID == kid {
			return k, true
		}
	}
	return nil, false
}

// call is one fetch, shared by everyone waiting on it.
type call struct {
	done chan struct{}
	err  error
	age  time.Duration // Cache-Control max-age of the response, -1 if none
}

// Set is one issuer's key set: a lock-free snapshot for lookups, a
// background refresher, and a single-flight, rate-limited refetch for
// unknown key ids. Create it with New or NewStatic; all methods are safe
// for concurrent use.
type Set struct {
	static   bool
	issuer   string
	jwksURL  string
	client   *http.Client
	now      func() time.Time
	log      *slog.Logger
	refresh  time.Duration
	minRef   time.Duration
	maxRef   time.Duration
	cooldown time.Duration
	maxStale time.Duration
	// clockHook is true when Options.Now was set: Lookup then reads the
	// clock for staleness instead of relying on the expiry timer.
	clockHook bool
	// after returns a channel that fires after d, and a stop function; a
	// test hook to drive the refresh loop without sleeping.
	after func(d time.Duration) (<-chan time.Time, func() bool)
	// afterFunc schedules the staleness expiry (time.AfterFunc).
	afterFunc func(d time.Duration, f func()) func() bool

	snap    atomic.Pointer[snapshot]
	fetches atomic.Int64

	mu          sync.Mutex
	inflight    *call
	coolUntil   time.Time
	discovered  string
	expiry      func() bool // stops the current snapshot's expiry timer
	lastAttempt time.Time
	lastErr     string
	closed      bool
	started     bool

	ctx    context.Context // cancelled by Close; fetches run under it
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a remote key set for opts. It does no I/O; call Start for
// background refreshing or FetchNow for a synchronous first fetch. URLs
// must be https, or http for loopback hosts only.
func New(opts Options) (*Set, error) {
	s := &Set{
		issuer:    opts.Issuer,
		jwksURL:   opts.JWKSURL,
		now:       opts.Now,
		log:       opts.Logger,
		refresh:   opts.DefaultRefresh,
		minRef:    opts.MinRefresh,
		maxRef:    opts.MaxRefresh,
		cooldown:  opts.Cooldown,
		maxStale:  opts.MaxStaleness,
		after:     timerAfter,
		afterFunc: timerAfterFunc,
		clockHook: opts.Now != nil,
	}
	if opts.JWKSURL != "" {
		if _, err := checkURL(opts.JWKSURL); err != nil {
			return nil, fmt.Errorf("jwks: JWKS URL: %w", err)
		}
	} else {
		if opts.Issuer == "" {
			return nil, errors.New("jwks: an issuer or a JWKS URL is required")
		}
		u, err := checkURL(opts.Issuer)
		if err != nil {
			return nil, fmt.Errorf("jwks: issuer: %w", err)
		}
		if u.RawQuery != "" || u.ForceQuery {
			return nil, fmt.Errorf("jwks: issuer %q must not have a query", opts.Issuer)
		}
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"DefaultRefresh", &s.refresh, DefaultRefreshInterval},
		{"MinRefresh", &s.minRef, DefaultMinRefresh},
		{"MaxRefresh", &s.maxRef, DefaultMaxRefresh},
		{"Cooldown", &s.cooldown, DefaultCooldown},
		{"MaxStaleness", &s.maxStale, DefaultMaxStaleness},
	} {
		if *d.v < 0 {
			return nil, fmt.Errorf("jwks: %s must not be negative", d.name)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if s.minRef > s.maxRef {
		return nil, fmt.Errorf("jwks: MinRefresh %v is above MaxRefresh %v", s.minRef, s.maxRef)
	}
	guard := addrGuard{private: opts.AllowPrivateNetworks}
	for _, raw := range []string{opts.Issuer, opts.JWKSURL} {
		if u, err := url.Parse(raw); err == nil && raw != "" && isLoopbackHost(u.Hostname()) {
			guard.loopback = true
		}
	}
	s.client = newClient(opts.HTTPClient, guard)
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// NewStatic returns a fixed key set, for the project's own signing keys and
// for tests. Its keys never go stale and it never does I/O: Lookup and
// Refresh answer from keys, FetchNow is a no-op. Keys are copied; when two
// keys share a KID the first wins. A key without KID is found by
// Lookup("").
func NewStatic(keys []Key) *Set {
	s := &Set{static: true, now: time.Now, log: slog.Default(), after: timerAfter, afterFunc: timerAfterFunc}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.swap(keys, time.Time{})
	return s
}

func timerAfter(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

func timerAfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// swap publishes a new snapshot built from keys; for a remote set it also
// schedules the snapshot's expiry MaxStaleness from now.
func (s *Set) swap(keys []Key, fetched time.Time) {
	sn := &snapshot{keys: make([]*Key, 0, len(keys)), fetched: fetched}
	old := s.snap.Load()
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if seen[k.KID] {
			continue
		}
		seen[k.KID] = true
		// An unchanged key keeps its identity across refreshes, so the
		// verifier's cache entries (which remember the key they were
		// verified with) stay valid; a changed or removed kid drops them.
		if old != nil {
			if prev, ok := old.find(k.KID); ok && sameKey(prev, &k) {
				sn.keys = append(sn.keys, prev)
				continue
			}
		}
		sn.keys = append(sn.keys, &k)
	}
	if len(sn.keys) > smallSet {
		sn.byKID = make(map[string]*Key, len(sn.keys))
		for _, k := range sn.keys {
			sn.byKID[k.KID] = k
		}
	}
	if !s.static {
		s.mu.Lock()
		if s.expiry != nil {
			s.expiry()
		}
		s.expiry = s.afterFunc(s.maxStale, func() { sn.expired.Store(true) })
		s.mu.Unlock()
	}
	s.snap.Store(sn)
}

// usable returns the current snapshot if it may be used, else nil.
func (s *Set) usable() *snapshot {
	sn := s.snap.Load()
	if sn == nil || len(sn.keys) == 0 || sn.expired.Load() {
		return nil
	}
	if !s.static && s.now().Sub(sn.fetched) > s.maxStale {
		return nil
	}
	return sn
}

// Lookup returns the key with this kid from the current snapshot. It never
// does I/O, takes no lock and does not allocate. It reports false when the
// kid is unknown, and also when the set was never fetched or its last
// successful fetch is older than MaxStaleness (fail closed; with the real
// clock a timer marks the snapshot expired, with an injected Options.Now
// the clock is read on every call). The returned Key must not be modified.
func (s *Set) Lookup(kid string) (*Key, bool) {
	sn := s.snap.Load()
	if sn == nil || sn.expired.Load() {
		return nil, false
	}
	if s.clockHook && s.now().Sub(sn.fetched) > s.maxStale {
		return nil, false
	}
	return sn.find(kid)
}

// Keys returns a copy of the usable keys, or nil when the set is not ready
// (for tokens without a kid verified against a static set, and for doctor).
func (s *Set) Keys() []Key {
	sn := s.usable()
	if sn == nil {
		return nil
	}
	out := make([]Key, len(sn.keys))
	for i, k := range sn.keys {
		out[i] = *k
	}
	return out
}

// Refresh returns the key for kid, refetching the set when kid is unknown.
// At most one such refetch runs at a time per set, and concurrent callers
// share it; after it starts, further unknown kids fail with ErrCooldown at
// once, without I/O, until Cooldown has passed. ctx bounds only the
// caller's wait: the shared fetch runs under the set's own lifetime and
// the HTTP timeout. A known kid returns at once without I/O; a bad
// signature with a known kid must not lead the caller here.
//
// Errors wrap ErrUnknownKID (ErrCooldown during the cooldown) when the set
// is usable but lacks kid, or ErrNoKeys when there is no usable set.
func (s *Set) Refresh(ctx context.Context, kid string) (*Key, error) {
	if k, ok := s.Lookup(kid); ok {
		return k, nil
	}
	if s.static || len(kid) > MaxKIDLength {
		return nil, s.missErr(nil)
	}
	s.mu.Lock()
	c := s.inflight
	if c == nil {
		now := s.now()
		if now.Before(s.coolUntil) {
			s.mu.Unlock()
			if s.usable() == nil {
				return nil, fmt.Errorf("%w (refetch cooling down)", ErrNoKeys)
			}
			return nil, ErrCooldown
		}
		s.coolUntil = now.Add(s.cooldown)
		c = s.startLocked()
	}
	s.mu.Unlock()
	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("jwks: waiting for key set refresh: %w", ctx.Err())
	}
	if k, ok := s.Lookup(kid); ok {
		return k, nil
	}
	return nil, s.missErr(c.err)
}

// missErr builds the error for a kid that is still not found.
func (s *Set) missErr(fetchErr error) error {
	base := ErrUnknownKID
	if s.usable() == nil {
		base = ErrNoKeys
	}
	if fetchErr != nil {
		return fmt.Errorf("%w: refetch failed: %w", base, fetchErr)
	}
	return base
}

// FetchNow fetches the key set synchronously and swaps it in on success.
// If a fetch is already running it waits for that one and then starts its
// own, so the result reflects the issuer's state after the call began. On
// error the last good set is kept. It is a no-op for a static set.
func (s *Set) FetchNow(ctx context.Context) error {
	if s.static {
		return nil
	}
	for {
		s.mu.Lock()
		c := s.inflight
		own := c == nil
		if own {
			c = s.startLocked()
		}
		s.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return fmt.Errorf("jwks: waiting for key set fetch: %w", ctx.Err())
		}
		if own {
			return c.err
		}
	}
}

// startLocked starts a fetch in the background and records it as the
// in-flight one. s.mu must be held.
func (s *Set) startLocked() *call {
	c := &call{done: make(chan struct{}), age: -1}
	if s.closed {
		c.err = errClosed
		close(c.done)
		return c
	}
	s.inflight = c
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		age, err := s.fetch(s.ctx)
		s.mu.Lock()
		s.inflight = nil
		s.mu.Unlock()
		c.age, c.err = age, err
		close(c.done)
	}()
	return c
}

// fetch performs one discovery (if needed) and JWKS fetch, and swaps the
// new keys in on success. It records the attempt for Status.
func (s *Set) fetch(ctx context.Context) (time.Duration, error) {
	s.fetches.Add(1)
	start := s.now()
	url, age, err := s.fetchKeys(ctx)
	s.mu.Lock()
	s.lastAttempt = start
	if err != nil {
		s.lastErr = err.Error()
	} else {
		s.lastErr = ""
	}
	s.mu.Unlock()
	if err != nil {
		s.log.Warn("jwks: fetch failed", "issuer", s.issuer, "url", url, "error", err)
		return -1, err
	}
	return age, nil
}

// fetchKeys does the I/O and parsing of fetch; it returns the URL used.
func (s *Set) fetchKeys(ctx context.Context) (string, time.Duration, error) {
	url := s.jwksURL
	discovered := false
	if url == "" {
		s.mu.Lock()
		url = s.discovered
		s.mu.Unlock()
		if url == "" {
			u, err := s.discover(ctx)
			if err != nil {
				return s.discoveryURL(), -1, fmt.Errorf("jwks: %w", err)
			}
			url = u
			s.mu.Lock()
			s.discovered = u
			s.mu.Unlock()
		}
		discovered = true
	}
	body, age, err := s.get(ctx, url)
	var keys []Key
	var dropped []string
	if err != nil {
		err = fmt.Errorf("jwks: %w", err)
	} else if keys, dropped, err = Parse(body); err != nil {
		err = fmt.Errorf("%w (from %s)", err, url)
	}
	if err != nil {
		if discovered {
			// Discover again next time: the issuer may have moved its keys.
			s.mu.Lock()
			s.discovered = ""
			s.mu.Unlock()
		}
		return url, -1, err
	}
	if len(dropped) > 0 {
		s.log.Info("jwks: skipped unusable keys", "issuer", s.issuer, "url", url, "skipped", dropped)
	}
	s.logChange(url, keys)
	s.swap(keys, s.now())
	return url, age, nil
}

// logChange logs added and removed kids (never key material).
func (s *Set) logChange(url string, keys []Key) {
	old := s.snap.Load()
	var added, removed []string
	now := make(map[string]bool, len(keys))
	for _, k := range keys {
		now[k.KID] = true
		if old == nil {
			added = append(added, k.KID)
		} else if _, known := old.find(k.KID); !known {
			added = append(added, k.KID)
		}
	}
	if old != nil {
		for _, k := range old.keys {
			if !now[k.KID] {
				removed = append(removed, k.KID)
			}
		}
	}
	if len(added)+len(removed) > 0 {
		s.log.Info("jwks: key set changed", "issuer", s.issuer, "url", url, "added", added, "removed", removed)
	}
}

func (s *Set) discoveryURL() string {
	return strings.TrimSuffix(s.issuer, "/") + "/.well-known/openid-configuration"
}

// Start begins the initial fetch in the background and a refresh loop that
// refetches on the Cache-Control schedule (clamped, jittered) and retries
// failures with backoff (5 s doubling to 5 min) while keeping the last good
// keys. It returns at once. The loop ends when ctx is done or Close is
// called. Calling Start more than once, on a static set or after Close,
// does nothing.
func (s *Set) Start(ctx context.Context) {
	if s.static {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return
	}
	s.started = true
	lctx, cancel := context.WithCancel(ctx)
	context.AfterFunc(s.ctx, cancel)
	s.wg.Add(1)
	go s.loop(lctx, cancel)
}

func (s *Set) loop(ctx context.Context, cancel context.CancelFunc) {
	defer s.wg.Done()
	defer cancel()
	failures := 0
	for {
		s.mu.Lock()
		c := s.inflight
		if c == nil {
			c = s.startLocked()
		}
		s.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return
		}
		var wait time.Duration
		if c.err != nil {
			failures++
			wait = backoff(failures)
		} else {
			failures = 0
			wait = s.interval(c.age)
		}
		tick, stop := s.after(wait)
		select {
		case <-tick:
		case <-ctx.Done():
			stop()
			return
		}
	}
}

// interval turns a Cache-Control max-age (negative: none) into the next
// refresh delay: clamped to [minRef, maxRef], default refresh when absent,
// with ±10 % jitter.
func (s *Set) interval(age time.Duration) time.Duration {
	d := s.refresh
	if age >= 0 {
		d = min(max(age, s.minRef), s.maxRef)
	}
	return jitter(d)
}

// backoff is the delay before retry number n (1-based) after failures.
func backoff(n int) time.Duration {
	d := minBackoff
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return jitter(min(d, maxBackoff))
}

// jitter spreads d by ±10 % so that many gateways do not refetch in step.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}

// Close stops the refresh loop and waits for running fetches to end. It is
// idempotent. Lookup keeps answering from the last snapshot.
func (s *Set) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// Status describes a key set for /health and `rowgate doctor`.
type Status struct {
	// Issuer is the configured issuer ("" for a static set).
	Issuer string
	// Source is the JWKS URL (configured or discovered), the discovery URL
	// before discovery succeeded, or "static".
	Source string
	// Ready reports that Lookup can succeed: keys are present and the last
	// successful fetch is within MaxStaleness.
	Ready bool
	// Keys is the number of keys in the current snapshot; KIDs are their
	// ids, sorted, and Algs the JWS algorithms they allow, sorted.
	Keys int
	KIDs []string
	Algs []string
	// LastFetch is the time of the last successful fetch; LastAttempt the
	// start of the last attempt; LastError its error, "" if it succeeded.
	LastFetch   time.Time
	LastAttempt time.Time
	LastError   string
	// Stale reports that the keys served are not from the latest attempt
	// (it failed) or are past MaxStaleness.
	Stale bool
	// Fetches counts fetch attempts.
	Fetches int64
}

// Status returns the set's current state.
func (s *Set) Status() Status {
	st := Status{Issuer: s.issuer, Fetches: s.fetches.Load()}
	s.mu.Lock()
	switch {
	case s.static:
		st.Source = "static"
	case s.jwksURL != "":
		st.Source = s.jwksURL
	case s.discovered != "":
		st.Source = s.discovered
	default:
		st.Source = s.discoveryURL()
	}
	st.LastAttempt, st.LastError = s.lastAttempt, s.lastErr
	s.mu.Unlock()
	sn := s.snap.Load()
	if sn == nil {
		return st
	}
	st.Keys = len(sn.keys)
	algs := map[string]bool{}
	for _, k := range sn.keys {
		st.KIDs = append(st.KIDs, k.KID)
		for _, a := range k.Algorithms() {
			algs[a] = true
		}
	}
	for a := range algs {
		st.Algs = append(st.Algs, a)
	}
	slices.Sort(st.KIDs)
	slices.Sort(st.Algs)
	st.LastFetch = sn.fetched
	st.Ready = s.usable() != nil
	st.Stale = !s.static && len(sn.keys) > 0 && (!st.Ready || st.LastError != "")
	return st
}

// sameKey reports whether two keys are interchangeable for verification.
func sameKey(a, b *Key) bool {
	if a.KID != b.KID || a.Alg != b.Alg || a.Kty != b.Kty || a.Curve != b.Curve {
		return false
	}
	eq, ok := a.Public.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b.Public)
}
