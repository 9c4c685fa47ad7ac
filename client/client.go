package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Retry policy shared with postgrest-js (src/types/common/common.ts):
// idempotent requests are retried up to three times on a network error or
// a 503/520 answer, waiting 1 s, 2 s, 4 s … (at most 30 s) or what the
// server's Retry-After asks for (also at most 30 s).
const (
	maxRetries    = 3
	baseDelay     = time.Second
	maxRetryDelay = 30 * time.Second
)

// clientInfo is sent as X-Client-Info, like postgrest-js's
// "postgrest-js/<version>".
const clientInfo = "rowgate-go-client"

// Client talks to a Supabase-compatible Data API (rowgate or hosted
// Supabase) under <url>/rest/v1. A Client is safe for concurrent use; its
// methods return fresh builders.
type Client struct {
	rest        string // base URL including /rest/v1, without a trailing slash
	apiKey      string
	accessToken func(ctx context.Context) (string, error)
	hc          *http.Client
	schema      string
	headers     http.Header

	// wait sleeps for d or until ctx is done; tests replace it so that
	// backoff does not sleep for real.
	wait func(ctx context.Context, d time.Duration) error
	// now is the clock used to read HTTP-date Retry-After values.
	now func() time.Time
}

// Option configures a [Client].
type Option func(*Client)

// WithAccessToken sets the function that supplies the user's access token
// (e.g. a Clerk session token). It is called before every request, as
// supabase-js's accessToken option is; it may be called concurrently. An
// empty token means "signed out": the request then carries
// "Authorization: Bearer <apiKey>", as supabase-js sends. An error aborts
// the request.
//
// When the server answers 401 PGRST303 "JWT expired", the function is
// called once more and the request retried once.
func WithAccessToken(fn func(ctx context.Context) (string, error)) Option {
	return func(c *Client) { c.accessToken = fn }
}

// WithHTTPClient sets the HTTP client used for requests (default
// [http.DefaultClient]).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithSchema selects the database schema (default: the server's first
// exposed schema, normally "public"). See [Client.Schema].
func WithSchema(schema string) Option { return func(c *Client) { c.schema = schema } }

// WithHeaders adds headers to every request. As in supabase-js, an
// Authorization or apikey header given here takes precedence over the one
// the client would set.
func WithHeaders(h http.Header) Option {
	return func(c *Client) {
		for k, vs := range h {
			for _, v := range vs {
				c.headers.Add(k, v)
			}
		}
	}
}

// New returns a client for the project at baseURL (e.g.
// "https://xyz.supabase.co" or "http://127.0.0.1:54321"); requests go to
// baseURL + "/rest/v1/…". apiKey is the project's publishable (anon) or
// secret key and is sent as the apikey header on every request.
func New(baseURL, apiKey string, opts ...Option) *Client {
	c := &Client{
		rest:    strings.TrimRight(baseURL, "/") + "/rest/v1",
		apiKey:  apiKey,
		hc:      http.DefaultClient,
		headers: make(http.Header),
		wait:    sleepContext,
		now:     time.Now,
	}
	for _, opt := range opts {
		opt(c)
	}
	return c
}

// Schema returns a copy of c whose requests use the given schema: reads
// send "Accept-Profile: <schema>", writes "Content-Profile: <schema>".
func (c *Client) Schema(schema string) *Client {
	cp := *c
	cp.schema = schema
	return &cp
}

// From starts a query on the table or view named table.
func (c *Client) From(table string) *Query {
	return &Query{c: c, path: "/" + url.PathEscape(table), kind: kindRead, method: http.MethodGet}
}

// sleepContext waits for d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// request is one fully built Data API call.
type request struct {
	method string
	path   string // "/todos" or "/rpc/fn"
	query  string // encoded query string, without "?"
	header http.Header
	body   []byte // nil: no body
}

// result is the raw outcome of a call.
type result struct {
	status int
	header http.Header
	body   []byte
}

func retryable(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// backoff is the delay before retry number attempt (0-based).
func backoff(attempt int) time.Duration {
	d := baseDelay << attempt
	if d > maxRetryDelay || d <= 0 {
		return maxRetryDelay
	}
	return d
}

// retryAfter parses a Retry-After header (delay-seconds or HTTP-date).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > int64(maxRetryDelay/time.Second) {
			return maxRetryDelay, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	switch {
	case d < 0:
		return 0, true
	case d > maxRetryDelay:
		return maxRetryDelay, true
	}
	return d, true
}

// do sends r, applying authentication, the retry policy and the
// refresh-on-expiry rule. HTTP error statuses are returned as a result, not
// an error; errors are transport, token or context failures.
func (c *Client) do(ctx context.Context, r *request) (*result, error) {
	u := c.rest + r.path
	if r.query != "" {
		u += "?" + r.query
	}
	attempt := 0
	refreshed := false
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hreq, err := c.newHTTPRequest(ctx, r, u)
		if err != nil {
			return nil, err
		}
		if attempt > 0 {
			hreq.Header.Set("X-Retry-Count", strconv.Itoa(attempt))
		}
		res, err := c.roundTrip(hreq)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, fmt.Errorf("client: %s %s: %w", r.method, r.path, ctxErr)
			}
			if retryable(r.method) && attempt < maxRetries {
				if werr := c.wait(ctx, backoff(attempt)); werr != nil {
					return nil, fmt.Errorf("client: %s %s: %w", r.method, r.path, werr)
				}
				attempt++
				continue
			}
			return nil, fmt.Errorf("client: %s %s: %w", r.method, r.path, err)
		}
		if retryable(r.method) && attempt < maxRetries &&
			(res.status == http.StatusServiceUnavailable || res.status == 520) {
			d, ok := retryAfter(res.header.Get("Retry-After"), c.now())
			if !ok {
				d = backoff(attempt)
			}
			if werr := c.wait(ctx, d); werr != nil {
				return nil, fmt.Errorf("client: %s %s: %w", r.method, r.path, werr)
			}
			attempt++
			continue
		}
		if !refreshed && c.accessToken != nil && isJWTExpired(res.status, res.body) {
			// The token expired between the callback and the server's check
			// (or the callback returned a stale token): ask again, once.
			refreshed = true
			continue
		}
		return res, nil
	}
}

func (c *Client) newHTTPRequest(ctx context.Context, r *request, u string) (*http.Request, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	hreq, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("client: build request: %w", err)
	}
	for k, vs := range r.header {
		hreq.Header[k] = append([]string(nil), vs...)
	}
	hreq.Header.Set("X-Client-Info", clientInfo)
	for k, vs := range c.headers {
		hreq.Header[k] = append([]string(nil), vs...)
	}
	if hreq.Header.Get("apikey") == "" {
		hreq.Header.Set("apikey", c.apiKey)
	}
	if hreq.Header.Get("Authorization") == "" {
		token := ""
		if c.accessToken != nil {
			token, err = c.accessToken(ctx)
			if err != nil {
				return nil, fmt.Errorf("client: access token: %w", err)
			}
		}
		if token == "" {
			token = c.apiKey
		}
		hreq.Header.Set("Authorization", "Bearer "+token)
	}
	return hreq, nil
}

// roundTrip sends hreq and reads the whole response; a failure while
// reading the body counts as a network error.
func (c *Client) roundTrip(hreq *http.Request) (*result, error) {
	resp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	return &result{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// errNoClient is returned by Execute on a Query not made by a Client.
var errNoClient = errors.New("client: query was not created by a Client")
