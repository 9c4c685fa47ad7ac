package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// seen is what the test server received.
type seen struct {
	method string
	path   string
	query  [][2]string
	header http.Header
	body   string
}

// recorder is a loopback PostgREST stand-in: it records every request and
// answers with the next scripted reply (the last one repeats).
type recorder struct {
	mu      sync.Mutex
	t       *testing.T
	reqs    []seen
	replies []reply
}

type reply struct {
	status int
	header map[string]string
	body   string
	// hangup closes the connection without answering (a network error).
	hangup bool
	// check, if set, decides the reply from the request.
	check func(r *http.Request) reply
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		rec.t.Errorf("read body: %v", err)
	}
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, seen{
		method: r.Method, path: r.URL.Path, query: orderedQuery(rec.t, r.URL.RawQuery),
		header: r.Header.Clone(), body: string(b),
	})
	n := len(rec.reqs)
	rp := reply{status: http.StatusOK, body: "[]"}
	if len(rec.replies) > 0 {
		rp = rec.replies[min(n, len(rec.replies))-1]
	}
	rec.mu.Unlock()
	if rp.check != nil {
		rp = rp.check(r)
	}
	if rp.hangup {
		hj, ok := w.(http.Hijacker)
		if !ok {
			rec.t.Errorf("response writer cannot hijack")
			return
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			rec.t.Errorf("hijack: %v", err)
			return
		}
		conn.Close()
		return
	}
	for k, v := range rp.header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(rp.status)
	if r.Method != http.MethodHead {
		io.WriteString(w, rp.body)
	}
}

func (rec *recorder) requests() []seen {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seen(nil), rec.reqs...)
}

// waits records the backoff delays instead of sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) wait(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) got() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// newTestClient starts a recorder with the given replies and returns a
// client pointed at it whose backoff is recorded, not slept.
func newTestClient(t *testing.T, replies []reply, opts ...Option) (*Client, *recorder, *waits) {
	t.Helper()
	rec := &recorder{t: t, replies: replies}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	c := New(srv.URL+"/", "anon-key", opts...)
	w := &waits{}
	c.wait = w.wait
	return c, rec, w
}

func header(s seen, name string) string { return s.header.Get(name) }

func TestRequestShape(t *testing.T) {
	type want struct {
		method  string
		path    string
		query   [][2]string
		headers map[string]string // "" means must be absent
		body    string
	}
	tests := []struct {
		name  string
		build func(c *Client) *Query
		want  want
	}{
		{
			name: "select with count, filters, order and range",
			build: func(c *Client) *Query {
				return c.From("todos").Select("id, title, owner:users(name)", Count(Exact)).
					Eq("done", false).Or("id.eq.1,title.eq.x").Order("id", Desc).Range(0, 9)
			},
			want: want{
				method: "GET", path: "/rest/v1/todos",
				query: [][2]string{{"select", "id,title,owner:users(name)"}, {"done", "eq.false"},
					{"or", "(id.eq.1,title.eq.x)"}, {"order", "id.desc"}, {"offset", "0"}, {"limit", "10"}},
				headers: map[string]string{"Prefer": "count=exact", "Content-Type": "", "Accept": "",
					"apikey": "anon-key", "Authorization": "Bearer anon-key", "X-Client-Info": clientInfo},
			},
		},
		{
			name: "select keeps whitespace inside quotes",
			build: func(c *Client) *Query {
				return c.From("t").Select(` id ,  "a b" , x `)
			},
			want: want{method: "GET", path: "/rest/v1/t", query: [][2]string{{"select", `id,"a b",x`}}},
		},
		{
			name:  "empty select is star; head",
			build: func(c *Client) *Query { return c.From("t").Select("", Head(), Count(Planned)) },
			want: want{method: "HEAD", path: "/rest/v1/t", query: [][2]string{{"select", "*"}},
				headers: map[string]string{"Prefer": "count=planned"}},
		},
		{
			name: "every filter",
			build: func(c *Client) *Query {
				return c.From("t").Neq("a", 1).Gt("b", 2.5).Gte("c", "x").Lt("d", -1).Lte("e", int64(9)).
					Like("f", "*a%").ILike("g", "B*").Is("h", nil).Is("i", true).In("j", []string{"x", "y,z"}).
					Contains("k", []string{"a", "b"}).ContainedBy("l", map[string]int{"n": 1}).
					Overlaps("m", "[1,5)").TextSearch("n", "cat & dog").
					TextSearch("o", "fat rats", WebSearch, Config("english")).
					Match(map[string]any{"q": "2", "p": 1}).Not("r", "in", []int{1, 2}).
					Filter("s", "like(any)", "{a*,b*}").Filter("u", "not.is", nil)
			},
			want: want{method: "GET", path: "/rest/v1/t", query: [][2]string{
				{"a", "neq.1"}, {"b", "gt.2.5"}, {"c", "gte.x"}, {"d", "lt.-1"}, {"e", "lte.9"},
				{"f", "like.*a%"}, {"g", "ilike.B*"}, {"h", "is.null"}, {"i", "is.true"},
				{"j", `in.(x,"y,z")`}, {"k", "cs.{a,b}"}, {"l", `cd.{"n":1}`}, {"m", "ov.[1,5)"},
				{"n", "fts.cat & dog"}, {"o", "wfts(english).fat rats"}, {"p", "eq.1"}, {"q", "eq.2"},
				{"r", "not.in.(1,2)"}, {"s", "like(any).{a*,b*}"}, {"u", "not.is.null"},
			}},
		},
		{
			name: "where conditions",
			build: func(c *Client) *Query {
				return c.From("t").
					Where(Term("a", "eq", "x,y")).
					Where(Term("b", "eq", 1).Not()).
					Where(AnyOf(Term("c", "eq", "p)q"), Term("d", "is", nil))).
					Where(AllOf(Term("e", "gt", 1), Term("f", "lt", 2)).Not(), ReferencedTable("rel"))
			},
			want: want{method: "GET", path: "/rest/v1/t", query: [][2]string{
				{"a", "eq.x,y"}, {"b", "not.eq.1"}, {"or", `(c.eq."p)q",d.is.null)`},
				{"rel.not.and", "(e.gt.1,f.lt.2)"},
			}},
		},
		{
			name: "order, limit, range on referenced tables",
			build: func(c *Client) *Query {
				return c.From("t").Select("*,rel(*)").Order("a").Order("b", Desc, NullsFirst()).
					Order("c", ForeignTable("rel"), NullsLast()).Limit(5, ReferencedTable("rel")).
					Range(10, 19, ReferencedTable("other")).Or("x.eq.1", ReferencedTable("rel"))
			},
			want: want{method: "GET", path: "/rest/v1/t", query: [][2]string{
				{"select", "*,rel(*)"}, {"order", "a.asc,b.desc.nullsfirst"}, {"rel.order", "c.asc.nullslast"},
				{"rel.limit", "5"}, {"other.offset", "10"}, {"other.limit", "10"}, {"rel.or", "(x.eq.1)"},
			}},
		},
		{
			name:  "insert one row, minimal",
			build: func(c *Client) *Query { return c.From("todos").Insert(map[string]any{"title": "a"}) },
			want: want{method: "POST", path: "/rest/v1/todos", body: `{"title":"a"}`,
				headers: map[string]string{"Prefer": "return=minimal", "Content-Type": "application/json"}},
		},
		{
			name: "insert rows sends columns; select asks for representation",
			build: func(c *Client) *Query {
				type row struct {
					B string `json:"b"`
					A int    `json:"a,omitempty"`
				}
				return c.From("todos").Insert([]row{{B: "x"}, {B: "y", A: 2}}, Count(Exact), DefaultToNull(false)).
					Select("id")
			},
			want: want{method: "POST", path: "/rest/v1/todos",
				query: [][2]string{{"columns", `"b","a"`}, {"select", "id"}},
				body:  `[{"b":"x"},{"b":"y","a":2}]`,
				headers: map[string]string{
					"Prefer": "count=exact, missing=default, return=representation"}},
		},
		{
			name: "upsert",
			build: func(c *Client) *Query {
				return c.From("t").Upsert(map[string]any{"id": 1}, OnConflict("id", "org"), Count(Exact)).Select("")
			},
			want: want{method: "POST", path: "/rest/v1/t",
				query: [][2]string{{"on_conflict", "id,org"}, {"select", "*"}}, body: `{"id":1}`,
				headers: map[string]string{"Prefer": "resolution=merge-duplicates, count=exact, return=representation"}},
		},
		{
			name:  "upsert ignoring duplicates",
			build: func(c *Client) *Query { return c.From("t").Upsert([]map[string]int{{"id": 1}}, IgnoreDuplicates()) },
			want: want{method: "POST", path: "/rest/v1/t", query: [][2]string{{"columns", `"id"`}},
				body:    `[{"id":1}]`,
				headers: map[string]string{"Prefer": "resolution=ignore-duplicates, return=minimal"}},
		},
		{
			name:  "update",
			build: func(c *Client) *Query { return c.From("t").Update(map[string]bool{"done": true}).Eq("id", 3) },
			want: want{method: "PATCH", path: "/rest/v1/t", query: [][2]string{{"id", "eq.3"}},
				body: `{"done":true}`, headers: map[string]string{"Prefer": "return=minimal"}},
		},
		{
			name:  "delete returning",
			build: func(c *Client) *Query { return c.From("t").Delete(Count(Exact)).Eq("id", 3).Select("id") },
			want: want{method: "DELETE", path: "/rest/v1/t", query: [][2]string{{"id", "eq.3"}, {"select", "id"}},
				headers: map[string]string{"Prefer": "count=exact, return=representation", "Content-Type": "application/json"}},
		},
		{
			name:  "explicit returning",
			build: func(c *Client) *Query { return c.From("t").Insert(map[string]int{"a": 1}).Returning(ReturnHeadersOnly) },
			want: want{method: "POST", path: "/rest/v1/t", body: `{"a":1}`,
				headers: map[string]string{"Prefer": "return=headers-only"}},
		},
		{
			name:  "rpc post",
			build: func(c *Client) *Query { return c.RPC("add one", map[string]int{"n": 1}) },
			want: want{method: "POST", path: "/rest/v1/rpc/add one", body: `{"n":1}`,
				headers: map[string]string{"Prefer": "", "Content-Type": "application/json"}},
		},
		{
			name:  "rpc without args sends {}",
			build: func(c *Client) *Query { return c.RPC("now", nil).Select("a").Eq("a", 1) },
			want: want{method: "POST", path: "/rest/v1/rpc/now", body: `{}`,
				query:   [][2]string{{"select", "a"}, {"a", "eq.1"}},
				headers: map[string]string{"Prefer": "return=representation"}},
		},
		{
			name: "rpc get",
			build: func(c *Client) *Query {
				return c.RPC("search", struct {
					Q    string   `json:"q"`
					Tags []string `json:"tags"`
					N    int      `json:"n"`
					Nil  *int     `json:"nil"`
				}{Q: "a b", Tags: []string{"x", "y,z"}, N: 3}, Get())
			},
			want: want{method: "GET", path: "/rest/v1/rpc/search",
				query: [][2]string{{"q", "a b"}, {"tags", `{x,"y,z"}`}, {"n", "3"}, {"nil", "null"}},
				body:  ""},
		},
		{
			name:  "rpc head with count",
			build: func(c *Client) *Query { return c.RPC("f", map[string]int{"a": 1}, Head(), Count(Exact)) },
			want: want{method: "HEAD", path: "/rest/v1/rpc/f", query: [][2]string{{"a", "1"}},
				headers: map[string]string{"Prefer": "count=exact"}},
		},
		{
			name:  "schema on read",
			build: func(c *Client) *Query { return c.Schema("other").From("t").Select("*") },
			want: want{method: "GET", path: "/rest/v1/t", query: [][2]string{{"select", "*"}},
				headers: map[string]string{"Accept-Profile": "other", "Content-Profile": ""}},
		},
		{
			name:  "schema on write",
			build: func(c *Client) *Query { return c.Schema("other").From("t").Delete() },
			want: want{method: "DELETE", path: "/rest/v1/t",
				headers: map[string]string{"Content-Profile": "other", "Accept-Profile": ""}},
		},
		{
			name:  "single",
			build: func(c *Client) *Query { return c.From("t").Select("*").Single() },
			want: want{method: "GET", path: "/rest/v1/t", query: [][2]string{{"select", "*"}},
				headers: map[string]string{"Accept": "application/vnd.pgrst.object+json"}},
		},
		{
			name:  "maybe single read",
			build: func(c *Client) *Query { return c.From("t").Select("*").MaybeSingle() },
			want: want{method: "GET", path: "/rest/v1/t", query: [][2]string{{"select", "*"}},
				headers: map[string]string{"Accept": "application/json"}},
		},
		{
			name:  "maybe single write",
			build: func(c *Client) *Query { return c.From("t").Insert(map[string]int{}).Select("*").MaybeSingle() },
			want: want{method: "POST", path: "/rest/v1/t", query: [][2]string{{"select", "*"}}, body: "{}",
				headers: map[string]string{"Accept": "application/vnd.pgrst.object+json"}},
		},
		{
			name:  "table name is path-escaped",
			build: func(c *Client) *Query { return c.From("a/b?c") },
			want:  want{method: "GET", path: "/rest/v1/a/b?c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec, _ := newTestClient(t, []reply{{status: 200, body: "[]"}})
			if _, err := tt.build(c).Execute(context.Background(), nil); err != nil {
				t.Fatalf("Execute: %v", err)
			}
			reqs := rec.requests()
			if len(reqs) != 1 {
				t.Fatalf("server saw %d requests, want 1", len(reqs))
			}
			got := reqs[0]
			if got.method != tt.want.method || got.path != tt.want.path {
				t.Errorf("request = %s %s, want %s %s", got.method, got.path, tt.want.method, tt.want.path)
			}
			if !reflect.DeepEqual(got.query, tt.want.query) && (len(got.query) > 0 || len(tt.want.query) > 0) {
				t.Errorf("query =\n  %q\nwant\n  %q", got.query, tt.want.query)
			}
			if got.body != tt.want.body {
				t.Errorf("body = %q, want %q", got.body, tt.want.body)
			}
			for k, v := range tt.want.headers {
				if g := header(got, k); g != v {
					t.Errorf("header %s = %q, want %q", k, g, v)
				}
			}
		})
	}
}

func TestPathEscapedOnWire(t *testing.T) {
	c, rec, _ := newTestClient(t, nil)
	if _, err := c.From("a/b?c").Execute(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	// The server's decoded path contains the characters; the query string
	// must not have been split off.
	if got := rec.requests()[0]; got.path != "/rest/v1/a/b?c" || len(got.query) != 0 {
		t.Fatalf("path %q query %q", got.path, got.query)
	}
}

func TestBuilderErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(c *Client) *Query
		want  string
	}{
		{"option not for select", func(c *Client) *Query { return c.From("t").Select("*", OnConflict("id")) }, "OnConflict does not apply to Select"},
		{"count on returning select", func(c *Client) *Query { return c.From("t").Insert(1).Select("*", Count(Exact)) }, "Count does not apply to Select"},
		{"direction on limit", func(c *Client) *Query { return c.From("t").Limit(1, Desc) }, "Asc/Desc does not apply to Limit"},
		{"bad operator", func(c *Client) *Query { return c.From("t").Filter("a", "eq),x", 1) }, "invalid operator"},
		{"bad is", func(c *Client) *Query { return c.From("t").Is("a", "maybe") }, "invalid value"},
		{"in needs a slice", func(c *Client) *Query { return c.From("t").In("a", "x") }, "must be a slice"},
		{"double not", func(c *Client) *Query { return c.From("t").Not("a", "not.eq", 1) }, "already negated"},
		{"bad range", func(c *Client) *Query { return c.From("t").Range(5, 2) }, "invalid range"},
		{"unencodable body", func(c *Client) *Query { return c.From("t").Insert(make(chan int)) }, "encode body"},
		{"array of non-objects", func(c *Client) *Query { return c.From("t").Insert([]int{1}) }, "rows must be JSON objects"},
		{"rpc get args not an object", func(c *Client) *Query { return c.RPC("f", []int{1}, Get()) }, "JSON object"},
		{"empty group", func(c *Client) *Query { return c.From("t").Where(AnyOf()) }, "empty condition group"},
		{"zero cond", func(c *Client) *Query { return c.From("t").Where(Cond{}) }, "without a column"},
		{"bad text search config", func(c *Client) *Query { return c.From("t").TextSearch("a", "q", Config("x)")) }, "invalid operator"},
		{"first error wins", func(c *Client) *Query { return c.From("t").Is("a", "bad").Range(3, 1) }, "invalid value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec, _ := newTestClient(t, nil)
			_, err := tt.build(c).Execute(context.Background(), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Execute error = %v, want one containing %q", err, tt.want)
			}
			if n := len(rec.requests()); n != 0 {
				t.Fatalf("a request was sent (%d) despite the builder error", n)
			}
		})
	}
	if _, err := (&Query{}).Execute(context.Background(), nil); !errors.Is(err, errNoClient) {
		t.Fatalf("zero Query: err = %v", err)
	}
}

func TestResponses(t *testing.T) {
	type row struct {
		ID int `json:"id"`
	}
	tests := []struct {
		name       string
		reply      reply
		build      func(c *Client) *Query
		wantStatus int
		wantCount  *int64
		wantRows   any // decoded destination, compared with DeepEqual
		dst        func() any
		check      func(t *testing.T, err error)
	}{
		{
			name:  "rows and exact count",
			reply: reply{status: 206, body: `[{"id":1},{"id":2}]`, header: map[string]string{"Content-Range": "0-1/42"}},
			build: func(c *Client) *Query { return c.From("t").Select("id", Count(Exact)).Limit(2) },
			dst:   func() any { return &[]row{} }, wantRows: &[]row{{1}, {2}},
			wantStatus: 206, wantCount: ptr(42),
		},
		{
			name:  "count from empty range",
			reply: reply{status: 200, body: `[]`, header: map[string]string{"Content-Range": "*/0"}},
			build: func(c *Client) *Query { return c.From("t").Select("id", Count(Exact)) },
			dst:   func() any { return &[]row{} }, wantRows: &[]row{},
			wantStatus: 200, wantCount: ptr(0),
		},
		{
			name:  "unknown total",
			reply: reply{status: 200, body: `[]`, header: map[string]string{"Content-Range": "0-9/*"}},
			build: func(c *Client) *Query { return c.From("t").Select("id", Count(Estimated)) },
			dst:   func() any { return new(json.RawMessage) }, wantRows: ptrRaw(`[]`),
			wantStatus: 200,
		},
		{
			name:  "count ignored when not asked for",
			reply: reply{status: 200, body: `[]`, header: map[string]string{"Content-Range": "0-9/42"}},
			build: func(c *Client) *Query { return c.From("t").Select("id") },
			dst:   func() any { return new(json.RawMessage) }, wantRows: ptrRaw(`[]`),
			wantStatus: 200,
		},
		{
			name:  "head count",
			reply: reply{status: 200, header: map[string]string{"Content-Range": "*/7"}},
			build: func(c *Client) *Query { return c.From("t").Select("*", Head(), Count(Exact)) },
			dst:   func() any { return &[]row{{9}} }, wantRows: &[]row{{9}},
			wantStatus: 200, wantCount: ptr(7),
		},
		{
			name:  "minimal insert leaves destination alone",
			reply: reply{status: 201, body: ``, header: map[string]string{"Content-Range": "*/1"}},
			build: func(c *Client) *Query { return c.From("t").Insert(row{1}, Count(Exact)) },
			dst:   func() any { return &[]row{{5}} }, wantRows: &[]row{{5}},
			wantStatus: 201, wantCount: ptr(1),
		},
		{
			name:  "single object",
			reply: reply{status: 200, body: `{"id":3}`},
			build: func(c *Client) *Query { return c.From("t").Select("id").Single() },
			dst:   func() any { return &row{} }, wantRows: &row{3},
			wantStatus: 200,
		},
		{
			name: "single with no rows is not found",
			reply: reply{status: 406, body: `{"code":"PGRST116","details":"The result contains 0 rows","hint":null,` +
				`"message":"Cannot coerce the result to a single JSON object"}`},
			build: func(c *Client) *Query { return c.From("t").Select("id").Single() },
			dst:   func() any { return &row{} }, wantRows: &row{},
			wantStatus: 406,
			check: func(t *testing.T, err error) {
				var e *Error
				if !errors.As(err, &e) || e.Code != "PGRST116" || e.Status != 406 || e.Hint != "" {
					t.Fatalf("err = %#v", err)
				}
				if !IsNotFound(err) {
					t.Fatal("IsNotFound = false for PGRST116 with 0 rows")
				}
			},
		},
		{
			name:  "maybe single one row",
			reply: reply{status: 200, body: `[{"id":4}]`},
			build: func(c *Client) *Query { return c.From("t").Select("id").MaybeSingle() },
			dst:   func() any { return &row{} }, wantRows: &row{4},
			wantStatus: 200,
		},
		{
			name:  "maybe single no rows is null",
			reply: reply{status: 200, body: `[]`},
			build: func(c *Client) *Query { return c.From("t").Select("id").MaybeSingle() },
			dst:   func() any { r := &row{1}; return &r }, wantRows: func() any { var r *row; return &r }(),
			wantStatus: 200,
		},
		{
			name:  "maybe single two rows",
			reply: reply{status: 200, body: `[{"id":1},{"id":2}]`},
			build: func(c *Client) *Query { return c.From("t").Select("id").MaybeSingle() },
			dst:   func() any { return &row{} }, wantRows: &row{},
			wantStatus: 406,
			check: func(t *testing.T, err error) {
				var e *Error
				if !errors.As(err, &e) || e.Code != "PGRST116" || e.Details != "The result contains 2 rows" {
					t.Fatalf("err = %#v", err)
				}
				if IsNotFound(err) {
					t.Fatal("IsNotFound = true for 2 rows")
				}
			},
		},
		{
			name:  "maybe single write with 0 rows",
			reply: reply{status: 406, body: `{"code":"PGRST116","details":"The result contains 0 rows","hint":null,"message":"x"}`},
			build: func(c *Client) *Query { return c.From("t").Update(row{1}).Eq("id", 9).Select("*").MaybeSingle() },
			dst:   func() any { return new(json.RawMessage) }, wantRows: ptrRaw("null"),
			wantStatus: 200,
		},
		{
			name:  "csv",
			reply: reply{status: 200, body: "id\n1\n", header: map[string]string{"Content-Type": "text/csv"}},
			build: func(c *Client) *Query { return c.From("t").Select("id").CSV() },
			dst:   func() any { return new(string) }, wantRows: func() any { s := "id\n1\n"; return &s }(),
			wantStatus: 200,
		},
		{
			name:  "csv into a bad destination",
			reply: reply{status: 200, body: "id\n1\n"},
			build: func(c *Client) *Query { return c.From("t").Select("id").CSV() },
			dst:   func() any { return &row{} }, wantRows: &row{},
			wantStatus: 200,
			check: func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "CSV destination") {
					t.Fatalf("err = %v", err)
				}
			},
		},
		{
			name:  "404 with array body is 200",
			reply: reply{status: 404, body: `[{"id":1}]`},
			build: func(c *Client) *Query { return c.From("t") },
			dst:   func() any { return &[]row{} }, wantRows: &[]row{{1}},
			wantStatus: 200,
		},
		{
			name:  "404 with empty body is 204",
			reply: reply{status: 404, body: ``},
			build: func(c *Client) *Query { return c.From("t") },
			dst:   func() any { return &[]row{} }, wantRows: &[]row{},
			wantStatus: 204,
		},
		{
			name: "ambiguous embed keeps raw details",
			reply: reply{status: 300, body: `{"code":"PGRST201","details":[{"cardinality":"many-to-one","embedding":"a with b"}],` +
				`"hint":"Try changing 'b'","message":"Could not embed"}`},
			build: func(c *Client) *Query { return c.From("a").Select("*,b(*)") },
			dst:   func() any { return new(json.RawMessage) }, wantRows: new(json.RawMessage),
			wantStatus: 300,
			check: func(t *testing.T, err error) {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("err = %v", err)
				}
				var details []map[string]string
				if err := json.Unmarshal(e.RawDetails, &details); err != nil || details[0]["embedding"] != "a with b" {
					t.Fatalf("RawDetails = %s (%v)", e.RawDetails, err)
				}
				if e.Details != string(e.RawDetails) || e.Hint != "Try changing 'b'" {
					t.Fatalf("Details = %q, Hint = %q", e.Details, e.Hint)
				}
			},
		},
		{
			name:       "unique violation",
			reply:      reply{status: 409, body: `{"code":"23505","details":"Key (id)=(1) already exists.","hint":null,"message":"duplicate key value violates unique constraint \"t_pkey\""}`},
			build:      func(c *Client) *Query { return c.From("t").Insert(row{1}) },
			dst:        func() any { return nil },
			wantStatus: 409,
			check: func(t *testing.T, err error) {
				if !IsConflict(err) || IsNotFound(err) || IsUnauthorized(err) {
					t.Fatalf("classification of %v is wrong", err)
				}
			},
		},
		{
			name:       "proxy error page",
			reply:      reply{status: 502, body: "<html>bad gateway</html>", header: map[string]string{"Content-Type": "text/html"}},
			build:      func(c *Client) *Query { return c.From("t") },
			dst:        func() any { return nil },
			wantStatus: 502,
			check: func(t *testing.T, err error) {
				var e *Error
				if !errors.As(err, &e) || e.Code != "" || e.Message != "<html>bad gateway</html>" {
					t.Fatalf("err = %#v", err)
				}
			},
		},
		{
			name:  "undecodable success body",
			reply: reply{status: 200, body: `{"id":"x"}`},
			build: func(c *Client) *Query { return c.From("t").Single() },
			dst:   func() any { return &row{} }, wantRows: &row{},
			wantStatus: 200,
			check: func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "decode response") {
					t.Fatalf("err = %v", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := newTestClient(t, []reply{tt.reply})
			dst := tt.dst()
			resp, err := tt.build(c).Execute(context.Background(), dst)
			if tt.check != nil {
				tt.check(t, err)
			} else if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			if resp == nil {
				t.Fatal("nil Response")
			}
			if resp.Status != tt.wantStatus {
				t.Errorf("Status = %d, want %d", resp.Status, tt.wantStatus)
			}
			if !reflect.DeepEqual(resp.Count, tt.wantCount) {
				t.Errorf("Count = %v, want %v", deref(resp.Count), deref(tt.wantCount))
			}
			if tt.wantRows != nil && !reflect.DeepEqual(dst, tt.wantRows) {
				t.Errorf("decoded %#v, want %#v", dst, tt.wantRows)
			}
		})
	}
}

func ptr(n int64) *int64 { return &n }

func ptrRaw(s string) *json.RawMessage { r := json.RawMessage(s); return &r }

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestAuthHeaders(t *testing.T) {
	t.Run("signed out without callback", func(t *testing.T) {
		c, rec, _ := newTestClient(t, nil)
		if _, err := c.From("t").Execute(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		got := rec.requests()[0]
		if header(got, "apikey") != "anon-key" || header(got, "Authorization") != "Bearer anon-key" {
			t.Fatalf("headers %v", got.header)
		}
	})
	t.Run("callback returning empty is signed out", func(t *testing.T) {
		c, rec, _ := newTestClient(t, nil, WithAccessToken(func(context.Context) (string, error) { return "", nil }))
		if _, err := c.From("t").Execute(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if got := header(rec.requests()[0], "Authorization"); got != "Bearer anon-key" {
			t.Fatalf("Authorization = %q", got)
		}
	})
	t.Run("callback is called before every request", func(t *testing.T) {
		var mu sync.Mutex
		calls := 0
		c, rec, _ := newTestClient(t, nil, WithAccessToken(func(context.Context) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			return "user-token-" + itoa(calls), nil
		}))
		for range 3 {
			if _, err := c.From("t").Execute(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
		}
		reqs := rec.requests()
		for i, r := range reqs {
			if want := "Bearer user-token-" + itoa(i+1); header(r, "Authorization") != want {
				t.Fatalf("request %d Authorization = %q, want %q", i, header(r, "Authorization"), want)
			}
			if header(r, "apikey") != "anon-key" {
				t.Fatalf("request %d apikey = %q", i, header(r, "apikey"))
			}
		}
		if calls != 3 {
			t.Fatalf("callback called %d times, want 3", calls)
		}
	})
	t.Run("callback error aborts before sending", func(t *testing.T) {
		boom := errors.New("session gone")
		c, rec, _ := newTestClient(t, nil, WithAccessToken(func(context.Context) (string, error) { return "", boom }))
		_, err := c.From("t").Execute(context.Background(), nil)
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want wrapping %v", err, boom)
		}
		if n := len(rec.requests()); n != 0 {
			t.Fatalf("%d requests sent", n)
		}
	})
	t.Run("custom headers win", func(t *testing.T) {
		called := false
		h := http.Header{"Authorization": {"Bearer service"}, "X-Extra": {"1"}}
		c, rec, _ := newTestClient(t, nil, WithHeaders(h),
			WithAccessToken(func(context.Context) (string, error) { called = true; return "u", nil }))
		if _, err := c.From("t").Execute(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		got := rec.requests()[0]
		if header(got, "Authorization") != "Bearer service" || header(got, "X-Extra") != "1" || called {
			t.Fatalf("Authorization = %q, X-Extra = %q, callback called = %v",
				header(got, "Authorization"), header(got, "X-Extra"), called)
		}
	})
	t.Run("with schema option and http client", func(t *testing.T) {
		hc := &http.Client{Timeout: 10 * time.Second}
		c, rec, _ := newTestClient(t, nil, WithSchema("api"), WithHTTPClient(hc), WithHTTPClient(nil))
		if c.hc != hc {
			t.Fatal("WithHTTPClient not applied")
		}
		if _, err := c.From("t").Execute(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if got := header(rec.requests()[0], "Accept-Profile"); got != "api" {
			t.Fatalf("Accept-Profile = %q", got)
		}
	})
}

const expiredBody = `{"code":"PGRST303","details":null,"hint":null,"message":"JWT expired"}`

// tokenSeq returns a callback handing out the given tokens in order (the
// last repeats) and a function reporting how often it was called.
func tokenSeq(tokens ...string) (func(context.Context) (string, error), func() int) {
	var mu sync.Mutex
	n := 0
	return func(context.Context) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			n++
			return tokens[min(n, len(tokens))-1], nil
		}, func() int {
			mu.Lock()
			defer mu.Unlock()
			return n
		}
}

// expiringServer answers 401 PGRST303 "JWT expired" to the token "expired"
// and 200 to anything else.
func expiringServer(okBody string) reply {
	return reply{check: func(r *http.Request) reply {
		if r.Header.Get("Authorization") == "Bearer expired" {
			return reply{status: 401, body: expiredBody,
				header: map[string]string{"WWW-Authenticate": `Bearer error="invalid_token", error_description="JWT expired"`}}
		}
		return reply{status: 200, body: okBody}
	}}
}

func TestRefreshOnExpiry(t *testing.T) {
	t.Run("get", func(t *testing.T) {
		tok, calls := tokenSeq("expired", "fresh")
		c, rec, w := newTestClient(t, []reply{expiringServer(`[{"id":1}]`)}, WithAccessToken(tok))
		var rows []map[string]int
		resp, err := c.From("t").Select("id").Execute(context.Background(), &rows)
		if err != nil {
			t.Fatalf("Execute: %v", err)
		}
		reqs := rec.requests()
		if len(reqs) != 2 || calls() != 2 {
			t.Fatalf("requests = %d, callback calls = %d; want 2 and 2", len(reqs), calls())
		}
		if header(reqs[0], "Authorization") != "Bearer expired" || header(reqs[1], "Authorization") != "Bearer fresh" {
			t.Fatalf("tokens sent: %q, %q", header(reqs[0], "Authorization"), header(reqs[1], "Authorization"))
		}
		if resp.Status != 200 || len(rows) != 1 || rows[0]["id"] != 1 {
			t.Fatalf("status %d rows %v", resp.Status, rows)
		}
		if len(w.got()) != 0 {
			t.Fatalf("refresh waited %v; it should retry at once", w.got())
		}
	})
	t.Run("post body is sent again", func(t *testing.T) {
		tok, _ := tokenSeq("expired", "fresh")
		c, rec, _ := newTestClient(t, []reply{expiringServer(``)}, WithAccessToken(tok))
		if _, err := c.From("t").Insert(map[string]string{"a": "b"}).Execute(context.Background(), nil); err != nil {
			t.Fatalf("Execute: %v", err)
		}
		reqs := rec.requests()
		if len(reqs) != 2 || reqs[0].body != `{"a":"b"}` || reqs[1].body != `{"a":"b"}` {
			t.Fatalf("requests %+v", reqs)
		}
	})
	t.Run("only once", func(t *testing.T) {
		tok, calls := tokenSeq("expired")
		c, rec, _ := newTestClient(t, []reply{expiringServer(`[]`)}, WithAccessToken(tok))
		_, err := c.From("t").Execute(context.Background(), nil)
		if !IsUnauthorized(err) {
			t.Fatalf("err = %v, want 401", err)
		}
		if len(rec.requests()) != 2 || calls() != 2 {
			t.Fatalf("requests = %d, calls = %d; want 2 and 2", len(rec.requests()), calls())
		}
	})
	t.Run("other 401s are not retried", func(t *testing.T) {
		tok, calls := tokenSeq("bad")
		c, rec, _ := newTestClient(t, []reply{{status: 401,
			body: `{"code":"PGRST301","details":null,"hint":null,"message":"No suitable key or wrong key type"}`}},
			WithAccessToken(tok))
		_, err := c.From("t").Execute(context.Background(), nil)
		var e *Error
		if !errors.As(err, &e) || e.Code != "PGRST301" || !IsUnauthorized(err) {
			t.Fatalf("err = %v", err)
		}
		if len(rec.requests()) != 1 || calls() != 1 {
			t.Fatalf("requests = %d, calls = %d; want 1 and 1", len(rec.requests()), calls())
		}
	})
	t.Run("no callback, no retry", func(t *testing.T) {
		c, rec, _ := newTestClient(t, []reply{{status: 401, body: expiredBody}})
		if _, err := c.From("t").Execute(context.Background(), nil); !IsUnauthorized(err) {
			t.Fatalf("err = %v", err)
		}
		if len(rec.requests()) != 1 {
			t.Fatalf("requests = %d, want 1", len(rec.requests()))
		}
	})
}

func TestRetries(t *testing.T) {
	unavailable := reply{status: 503, body: `{"code":"PGRST002","details":null,"hint":null,"message":"Could not query the database for the schema cache. Retrying."}`}
	tests := []struct {
		name      string
		replies   []reply
		build     func(c *Client) *Query
		wantReqs  int
		wantWaits []time.Duration
		wantErr   int // expected *Error status, 0 for success, -1 for a transport error
	}{
		{
			name:     "503 then 200",
			replies:  []reply{unavailable, {status: 200, body: "[]"}},
			build:    func(c *Client) *Query { return c.From("t") },
			wantReqs: 2, wantWaits: []time.Duration{time.Second},
		},
		{
			name: "retry-after seconds",
			replies: []reply{{status: 503, body: "{}", header: map[string]string{"Retry-After": "7"}},
				{status: 200, body: "[]"}},
			build:    func(c *Client) *Query { return c.From("t") },
			wantReqs: 2, wantWaits: []time.Duration{7 * time.Second},
		},
		{
			name: "retry-after http date",
			replies: []reply{{status: 503, body: "{}", header: map[string]string{"Retry-After": "Mon, 02 Jan 2006 15:04:09 GMT"}},
				{status: 200, body: "[]"}},
			build:    func(c *Client) *Query { return c.From("t") },
			wantReqs: 2, wantWaits: []time.Duration{4 * time.Second},
		},
		{
			name: "retry-after capped",
			replies: []reply{{status: 520, body: "", header: map[string]string{"Retry-After": "86400"}},
				{status: 200, body: "[]"}},
			build:    func(c *Client) *Query { return c.From("t") },
			wantReqs: 2, wantWaits: []time.Duration{30 * time.Second},
		},
		{
			name: "malformed retry-after uses backoff",
			replies: []reply{{status: 503, body: "", header: map[string]string{"Retry-After": "soon"}},
				{status: 200, body: "[]"}},
			build:    func(c *Client) *Query { return c.From("t") },
			wantReqs: 2, wantWaits: []time.Duration{time.Second},
		},
		{
			name:      "gives up after three retries",
			replies:   []reply{{status: 520, body: ""}},
			build:     func(c *Client) *Query { return c.From("t").Select("*", Head()) },
			wantReqs:  4,
			wantWaits: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second},
			wantErr:   520,
		},
		{
			name:     "post is not retried",
			replies:  []reply{unavailable},
			build:    func(c *Client) *Query { return c.From("t").Insert(map[string]int{"a": 1}) },
			wantReqs: 1, wantErr: 503,
		},
		{
			name:     "rpc post is not retried",
			replies:  []reply{unavailable},
			build:    func(c *Client) *Query { return c.RPC("f", nil) },
			wantReqs: 1, wantErr: 503,
		},
		{
			name:     "rpc get is retried",
			replies:  []reply{unavailable, {status: 200, body: "1"}},
			build:    func(c *Client) *Query { return c.RPC("f", nil, Get()) },
			wantReqs: 2, wantWaits: []time.Duration{time.Second},
		},
		{
			name:     "500 is not retried",
			replies:  []reply{{status: 500, body: `{"code":"XX000","message":"boom"}`}},
			build:    func(c *Client) *Query { return c.From("t") },
			wantReqs: 1, wantErr: 500,
		},
		{
			name:     "network error then 200",
			replies:  []reply{{hangup: true}, {status: 200, body: "[]"}},
			build:    func(c *Client) *Query { return c.From("t") },
			wantReqs: 2, wantWaits: []time.Duration{time.Second},
		},
		{
			name:      "network errors exhaust retries",
			replies:   []reply{{hangup: true}},
			build:     func(c *Client) *Query { return c.From("t") },
			wantReqs:  4,
			wantWaits: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second},
			wantErr:   -1,
		},
		{
			name:     "network error on post is not retried",
			replies:  []reply{{hangup: true}},
			build:    func(c *Client) *Query { return c.From("t").Delete() },
			wantReqs: 1, wantErr: -1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec, w := newTestClient(t, tt.replies)
			c.now = func() time.Time { return time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC) }
			_, err := tt.build(c).Execute(context.Background(), nil)
			var e *Error
			switch {
			case tt.wantErr == 0 && err != nil:
				t.Fatalf("Execute: %v", err)
			case tt.wantErr > 0 && (!errors.As(err, &e) || e.Status != tt.wantErr):
				t.Fatalf("err = %v, want status %d", err, tt.wantErr)
			case tt.wantErr < 0 && (err == nil || errors.As(err, &e)):
				t.Fatalf("err = %v, want a transport error", err)
			}
			reqs := rec.requests()
			if len(reqs) != tt.wantReqs {
				t.Fatalf("server saw %d requests, want %d", len(reqs), tt.wantReqs)
			}
			for i, r := range reqs {
				want := ""
				if i > 0 {
					want = itoa(i)
				}
				if got := header(r, "X-Retry-Count"); got != want {
					t.Errorf("request %d X-Retry-Count = %q, want %q", i, got, want)
				}
			}
			if got := w.got(); !reflect.DeepEqual(got, tt.wantWaits) && (len(got) > 0 || len(tt.wantWaits) > 0) {
				t.Fatalf("waits = %v, want %v", got, tt.wantWaits)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, w := range want {
		if got := backoff(i); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i, got, w)
		}
	}
	if got := backoff(80); got != maxRetryDelay {
		t.Errorf("backoff(80) = %v (overflow)", got)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	c, rec, _ := newTestClient(t, []reply{{status: 503, body: "{}", header: map[string]string{"Retry-After": "30"}}})
	entered := make(chan time.Duration, 1)
	c.wait = func(ctx context.Context, d time.Duration) error {
		entered <- d
		return sleepContext(ctx, d) // the real wait
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := c.From("t").Execute(ctx, nil)
		done <- err
	}()
	if d := <-entered; d != 30*time.Second {
		t.Fatalf("backoff = %v, want 30s", d)
	}
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Fatalf("cancellation took %v; the wait did not stop", elapsed)
	}
	if n := len(rec.requests()); n != 1 {
		t.Fatalf("server saw %d requests after cancel, want 1", n)
	}
}

func TestCancelledContext(t *testing.T) {
	t.Run("before sending", func(t *testing.T) {
		c, rec, _ := newTestClient(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.From("t").Execute(ctx, nil)
		if !errors.Is(err, context.Canceled) || len(rec.requests()) != 0 {
			t.Fatalf("err = %v, requests = %d", err, len(rec.requests()))
		}
	})
	t.Run("reaches the token callback", func(t *testing.T) {
		c, _, _ := newTestClient(t, nil, WithAccessToken(func(ctx context.Context) (string, error) {
			return "", ctx.Err()
		}))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := c.From("t").Execute(ctx, nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("sleepContext", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		if err := sleepContext(ctx, time.Millisecond); err != nil {
			t.Fatalf("short sleep: %v", err)
		}
		cancel()
		if err := sleepContext(ctx, time.Hour); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled sleep: %v", err)
		}
		if err := sleepContext(ctx, 0); !errors.Is(err, context.Canceled) {
			t.Fatalf("zero sleep on cancelled ctx: %v", err)
		}
	})
}

func TestURL(t *testing.T) {
	c := New("https://xyz.supabase.co///", "k")
	u, err := c.From("todos").Select("id").Eq("a", "b c").URL()
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://xyz.supabase.co/rest/v1/todos?select=id&a=eq.b+c"; u != want {
		t.Fatalf("URL = %q, want %q", u, want)
	}
	if _, err := c.From("t").Is("a", 1).URL(); err == nil {
		t.Fatal("URL of a broken query returned no error")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
