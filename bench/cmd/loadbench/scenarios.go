package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// scenario is one kind of request the benchmark sends.
type scenario struct {
	name   string
	method string
	path   string // under /rest/v1
	// query is the query string; "{key}" is replaced by key's value.
	query string
	// key picks the per-request key (a row id) for user u; nil for none.
	key func(d dataset, u int) string
	// body is the JSON request body for user u and key; nil for none.
	body   func(d dataset, u int, key string) []byte
	prefer string
	// anon sends only the publishable key, no user token.
	anon bool
	// unique sends a token never seen before on every timed request.
	unique bool
	about  string
}

// floorable reports whether the floors can replay the scenario: reads only.
func (sc *scenario) floorable() bool { return sc.method == http.MethodGet }

func randomRow(d dataset, u int) string {
	return strconv.Itoa(d.rowOf(u, rand.IntN(d.rowsPerUser())))
}

// allScenarios lists the scenarios in the order they run.
func allScenarios() []*scenario {
	return []*scenario{
		{name: "GETSingle", method: http.MethodGet, path: "/items", query: "id=eq.{key}&select=*", key: randomRow,
			about: "one row by primary key with the owner's token (one token per client, reused)"},
		{name: "GETSingleUniqueJWT", method: http.MethodGet, path: "/items", query: "id=eq.{key}&select=*", key: randomRow, unique: true,
			about: "as GETSingle with a token never sent before on every timed request (cold RS256 verification)"},
		{name: "GETList25", method: http.MethodGet, path: "/items", query: "select=id,title,qty,done,created_at&order=created_at.desc&limit=25",
			about: "the client's 25 newest rows (RLS on owner_id, order + limit)"},
		{name: "GETSingleEmbed", method: http.MethodGet, path: "/items", query: "id=eq.{key}&select=id,title,owners(id,name),item_tags(tag)", key: randomRow,
			about: "one row with a to-one embed (owners) and a to-many embed (item_tags)"},
		{name: "POSTSingle", method: http.MethodPost, path: "/items", prefer: "return=minimal",
			body: func(_ dataset, u int, _ string) []byte {
				return fmt.Appendf(nil, `{"owner_id":%q,"title":"posted","body":"inserted by the load benchmark","qty":1}`, userName(u))
			},
			about: "insert one row owned by the client's user, Prefer: return=minimal"},
		{name: "PATCHSingle", method: http.MethodPatch, path: "/items", query: "id=eq.{key}", key: randomRow, prefer: "return=minimal",
			body: func(_ dataset, _ int, _ string) []byte {
				return fmt.Appendf(nil, `{"qty":%d}`, rand.IntN(100))
			},
			about: "update one of the client's rows by primary key, Prefer: return=minimal"},
		{name: "RPCSimple", method: http.MethodPost, path: "/rpc/add_them",
			body:  func(dataset, int, string) []byte { return []byte(`{"a":1,"b":2}`) },
			about: "POST /rpc/add_them {a,b}: an immutable SQL function (supabase-js .rpc())"},
		{name: "AnonGET", method: http.MethodGet, path: "/catalog", query: "id=eq.{key}&select=*", anon: true,
			key:   func(d dataset, _ int) string { return strconv.Itoa(1 + rand.IntN(d.Catalog)) },
			about: "one catalog row by primary key with the publishable key only (role anon)"},
	}
}

// errTokensExhausted ends a unique-token cell early when the pre-minted
// tokens run out; it is not counted as an error.
var errTokensExhausted = errors.New("pre-minted tokens exhausted")

// targetSet holds what the targeters of one run share.
type targetSet struct {
	d         dataset
	tokens    []token          // per-client tokens, index = user
	headers   []http.Header    // per-client headers (read-only, shared by targets)
	anonHdr   http.Header      // publishable key only
	floorHdrs []http.Header    // same as headers, for the HTTP floor
	ids       []*floorIdentity // per-client identities for the floors
}

func newTargetSet(d dataset, tokens []token) *targetSet {
	ts := &targetSet{d: d, tokens: tokens, anonHdr: http.Header{"Apikey": {publishableKey}}}
	for u, t := range tokens {
		h := http.Header{"Apikey": {publishableKey}, "Authorization": {"Bearer " + t.JWT}}
		ts.headers = append(ts.headers, h)
		ts.floorHdrs = append(ts.floorHdrs, h)
		ts.ids = append(ts.ids, &floorIdentity{role: "authenticated", sub: userName(u), claims: string(t.Claims)})
	}
	return ts
}

// uniquePool hands out pre-minted tokens once each, after timedFrom.
type uniquePool struct {
	tokens    []token
	next      atomic.Int64
	timedFrom time.Time
	exhausted atomic.Bool
}

// rowgateTargeter builds vegeta targets for sc against rowgate at base.
// Requests go round-robin over the clients' users, so each of the n
// clients' tokens is reused; a unique scenario takes a fresh token from up
// for every request of the timed phase (warm-up requests reuse tokens).
func (ts *targetSet) rowgateTargeter(base string, sc *scenario, n int, up *uniquePool) vegeta.Targeter {
	var seq atomic.Uint64
	prefix := base + "/rest/v1" + sc.path
	return func(t *vegeta.Target) error {
		u := int(seq.Add(1) % uint64(n))
		key := ""
		if sc.key != nil {
			key = sc.key(ts.d, u)
		}
		t.Method = sc.method
		t.URL = prefix
		if sc.query != "" {
			t.URL += "?" + strings.ReplaceAll(sc.query, "{key}", key)
		}
		t.Header = ts.headers[u]
		if sc.anon {
			t.Header = ts.anonHdr
		}
		if sc.unique && up != nil && !time.Now().Before(up.timedFrom) {
			i := int(up.next.Add(1) - 1)
			if i >= len(up.tokens) {
				up.exhausted.Store(true)
				return errTokensExhausted
			}
			tok := up.tokens[i]
			// Unique tokens belong to users round-robin too: token i is user i % n.
			u = i % n
			if sc.key != nil {
				key = sc.key(ts.d, u)
				t.URL = prefix + "?" + strings.ReplaceAll(sc.query, "{key}", key)
			}
			t.Header = http.Header{"Apikey": {publishableKey}, "Authorization": {"Bearer " + tok.JWT}}
		}
		if sc.body != nil {
			t.Body = sc.body(ts.d, u, key)
			h := t.Header.Clone()
			h.Set("Content-Type", "application/json")
			if sc.prefer != "" {
				h.Set("Prefer", sc.prefer)
			}
			t.Header = h
		} else if sc.prefer != "" {
			h := t.Header.Clone()
			h.Set("Prefer", sc.prefer)
			t.Header = h
		}
		return nil
	}
}

// floorTargeter builds vegeta targets for the HTTP floor replaying sc, with
// the same headers as the rowgate requests so the bytes on the wire match.
func (ts *targetSet) floorTargeter(base string, sc *scenario, n int) vegeta.Targeter {
	var seq atomic.Uint64
	prefix := base + "/floor/" + sc.name + "?u="
	return func(t *vegeta.Target) error {
		u := int(seq.Add(1) % uint64(n))
		key := ""
		if sc.key != nil {
			key = sc.key(ts.d, u)
		}
		t.Method = http.MethodGet
		t.URL = prefix + strconv.Itoa(u) + "&k=" + key
		t.Header = ts.floorHdrs[u]
		if sc.anon {
			t.Header = ts.anonHdr
		}
		return nil
	}
}
