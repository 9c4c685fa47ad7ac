package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

type kind int

const (
	kindRead kind = iota
	kindInsert
	kindUpsert
	kindUpdate
	kindDelete
	kindRPC
)

func (k kind) mutation() bool { return k >= kindInsert && k <= kindDelete }

// Media types postgrest-js asks for.
const (
	mediaJSON   = "application/json"
	mediaObject = "application/vnd.pgrst.object+json"
	mediaCSV    = "text/csv"
)

// Query builds one Data API request, mirroring postgrest-js's builders:
// start it with [Client.From] or [Client.RPC], chain filters and
// transforms, then call [Query.Execute]. Methods modify and return the same
// Query; a Query is not safe for concurrent use, but may be executed more
// than once. The first builder error (an invalid operator, an option that
// does not apply, a value that cannot be encoded) is kept and returned by
// Execute.
type Query struct {
	c           *Client
	kind        kind
	method      string
	path        string
	params      params
	prefer      []string
	count       CountMethod
	accept      string
	maybeSingle bool
	selected    bool
	returning   Return
	body        []byte
	err         error
}

// Response describes a successful call (and, alongside an *Error, a failed
// one).
type Response struct {
	// Status is the HTTP status, after postgrest-js's adjustments (see
	// [Query.Execute]).
	Status int
	// Count is the total from Content-Range ("0-9/42", "*/42") when
	// [Count] was requested and the server reported one; nil otherwise.
	Count *int64
	// Header holds the response headers.
	Header http.Header
}

func (q *Query) fail(err error) *Query {
	if q.err == nil {
		q.err = err
	}
	return q
}

func (q *Query) options(call string, allowed optBit, opts []QueryOption) (queryOptions, bool) {
	o, err := collect(call, allowed, opts)
	if err != nil {
		q.fail(err)
		return o, false
	}
	return o, true
}

// cleanSelect removes whitespace outside double quotes, as postgrest-js
// does; "" becomes "*".
func cleanSelect(columns string) string {
	if columns == "" {
		return "*"
	}
	var b strings.Builder
	quoted := false
	for _, r := range columns {
		if unicode.IsSpace(r) && !quoted {
			continue
		}
		if r == '"' {
			quoted = !quoted
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Select sets the columns to return, in PostgREST's select syntax
// ("id,title,owner:users(name)"; "" means "*"). On a read it accepts
// [Count] and [Head]. Called after Insert, Upsert, Update, Delete or on an
// RPC, it asks for the affected rows back ("Prefer: return=representation")
// and accepts no options.
func (q *Query) Select(columns string, opts ...QueryOption) *Query {
	allowed := optBit(0)
	if q.kind == kindRead {
		allowed = optCount | optHead
	}
	o, ok := q.options("Select", allowed, opts)
	if !ok {
		return q
	}
	q.params.set("select", cleanSelect(columns))
	q.selected = true
	if o.set&optCount != 0 {
		q.setCount(o.count)
	}
	if o.set&optHead != 0 {
		q.method = http.MethodHead
	}
	return q
}

func (q *Query) setCount(m CountMethod) {
	q.count = m
	q.prefer = append(q.prefer, "count="+string(m))
}

// setBody marshals v as the JSON request body.
func (q *Query) setBody(call string, v any) bool {
	b, err := json.Marshal(v)
	if err != nil {
		q.fail(fmt.Errorf("client: %s: encode body: %w", call, err))
		return false
	}
	q.body = b
	return true
}

// setColumns sends the union of the keys of an array body as the columns
// parameter ("columns="a","b""), as postgrest-js does, so that PostgREST
// accepts rows with different keys.
func (q *Query) setColumns(call string) {
	b := bytes.TrimSpace(q.body)
	if len(b) == 0 || b[0] != '[' {
		return
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(b, &rows); err != nil {
		q.fail(fmt.Errorf("client: %s: %w", call, err))
		return
	}
	seen := map[string]bool{}
	var cols []string
	for _, row := range rows {
		members, err := objectMembers(row)
		if err != nil {
			q.fail(fmt.Errorf("client: %s: rows must be JSON objects: %w", call, err))
			return
		}
		for _, m := range members {
			if !seen[m.key] {
				seen[m.key] = true
				cols = append(cols, quoteColumn(m.key))
			}
		}
	}
	if len(cols) > 0 {
		q.params.set("columns", strings.Join(cols, ","))
	}
}

// Insert inserts v — a struct, map, or slice of them, encoded with
// encoding/json — with POST. Options: [Count], [DefaultToNull]. Chain
// [Query.Select] to get the inserted rows back.
func (q *Query) Insert(v any, opts ...QueryOption) *Query {
	o, ok := q.options("Insert", optCount|optDefaultToNull, opts)
	if !ok {
		return q
	}
	q.kind, q.method = kindInsert, http.MethodPost
	if o.set&optCount != 0 {
		q.setCount(o.count)
	}
	if !o.defaultToNull {
		q.prefer = append(q.prefer, "missing=default")
	}
	if q.setBody("Insert", v) {
		q.setColumns("Insert")
	}
	return q
}

// Upsert inserts v, updating (or with [IgnoreDuplicates], skipping) rows
// that conflict on the primary key or the [OnConflict] columns. Options:
// [Count], [OnConflict], [IgnoreDuplicates], [DefaultToNull].
func (q *Query) Upsert(v any, opts ...QueryOption) *Query {
	o, ok := q.options("Upsert", optCount|optOnConflict|optIgnoreDuplicates|optDefaultToNull, opts)
	if !ok {
		return q
	}
	q.kind, q.method = kindUpsert, http.MethodPost
	if o.ignoreDuplicates {
		q.prefer = append(q.prefer, "resolution=ignore-duplicates")
	} else {
		q.prefer = append(q.prefer, "resolution=merge-duplicates")
	}
	if o.set&optOnConflict != 0 {
		q.params.set("on_conflict", o.onConflict)
	}
	if o.set&optCount != 0 {
		q.setCount(o.count)
	}
	if !o.defaultToNull {
		q.prefer = append(q.prefer, "missing=default")
	}
	if q.setBody("Upsert", v) {
		q.setColumns("Upsert")
	}
	return q
}

// Update sets the columns in v (a struct or map) on every row matching the
// filters, with PATCH. Options: [Count].
func (q *Query) Update(v any, opts ...QueryOption) *Query {
	o, ok := q.options("Update", optCount, opts)
	if !ok {
		return q
	}
	q.kind, q.method = kindUpdate, http.MethodPatch
	if o.set&optCount != 0 {
		q.setCount(o.count)
	}
	q.setBody("Update", v)
	return q
}

// Delete deletes every row matching the filters. Options: [Count].
func (q *Query) Delete(opts ...QueryOption) *Query {
	o, ok := q.options("Delete", optCount, opts)
	if !ok {
		return q
	}
	q.kind, q.method = kindDelete, http.MethodDelete
	q.body = nil
	if o.set&optCount != 0 {
		q.setCount(o.count)
	}
	return q
}

// Returning overrides the "Prefer: return=…" of a mutation or RPC. By
// default mutations send return=minimal, or return=representation after
// [Query.Select].
func (q *Query) Returning(r Return) *Query {
	q.returning = r
	return q
}

// RPC calls the database function fn with args (a struct or map encoded
// with encoding/json; nil means no arguments) by POST /rpc/fn. Options:
// [Count]; [Get] (GET with the arguments as query parameters, for
// read-only functions); [Head] (HEAD, likewise). Filters, Select, Order
// and Limit apply to functions returning a set, as in postgrest-js; call
// Execute to run it.
func (c *Client) RPC(fn string, args any, opts ...QueryOption) *Query {
	q := &Query{c: c, kind: kindRPC, method: http.MethodPost, path: "/rpc/" + url.PathEscape(fn)}
	o, ok := q.options("RPC", optCount|optHead|optGet, opts)
	if !ok {
		return q
	}
	if o.set&(optHead|optGet) != 0 {
		q.method = http.MethodGet
		if o.set&optHead != 0 {
			q.method = http.MethodHead
		}
		if err := q.argsToParams(args); err != nil {
			return q.fail(err)
		}
	} else {
		if args == nil {
			args = struct{}{}
		}
		q.setBody("RPC", args)
	}
	if o.set&optCount != 0 {
		q.setCount(o.count)
	}
	return q
}

// argsToParams sends function arguments as query parameters: arrays as
// PostgreSQL array literals, strings verbatim, other values as JSON text.
func (q *Query) argsToParams(args any) error {
	if args == nil {
		return nil
	}
	b, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("client: RPC: encode args: %w", err)
	}
	members, err := objectMembers(b)
	if err != nil {
		return fmt.Errorf("client: RPC: args must encode as a JSON object: %w", err)
	}
	for _, m := range members {
		q.params.add(m.key, jsonArgText(m.value))
	}
	return nil
}

func jsonArgText(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return ""
	}
	switch v[0] {
	case '"':
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	case '[':
		var elems []json.RawMessage
		if json.Unmarshal(v, &elems) == nil {
			items := make([]any, len(elems))
			for i, e := range elems {
				e = bytes.TrimSpace(e)
				if bytes.Equal(e, []byte("null")) {
					items[i] = nil
				} else {
					items[i] = jsonArgText(e)
				}
			}
			return pgArray(items)
		}
	}
	return string(v)
}

type member struct {
	key   string
	value json.RawMessage
}

// objectMembers returns the members of a JSON object in document order
// (encoding/json maps would lose it).
func objectMembers(b []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("unexpected token %v", tok)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, member{key, v})
	}
	return out, nil
}

// filter appends "column=op.value" with a top-level (unquoted) value.
func (q *Query) filter(column, op string, value any) *Query {
	v, err := opValue(op, value, false)
	if err != nil {
		return q.fail(err)
	}
	q.params.add(column, v)
	return q
}

// Eq matches rows where column equals value ("column=eq.value"). Use
// [Query.Is] for NULL.
func (q *Query) Eq(column string, value any) *Query { return q.filter(column, "eq", value) }

// Neq matches rows where column is not equal to value.
func (q *Query) Neq(column string, value any) *Query { return q.filter(column, "neq", value) }

// Gt matches rows where column is greater than value.
func (q *Query) Gt(column string, value any) *Query { return q.filter(column, "gt", value) }

// Gte matches rows where column is greater than or equal to value.
func (q *Query) Gte(column string, value any) *Query { return q.filter(column, "gte", value) }

// Lt matches rows where column is less than value.
func (q *Query) Lt(column string, value any) *Query { return q.filter(column, "lt", value) }

// Lte matches rows where column is less than or equal to value.
func (q *Query) Lte(column string, value any) *Query { return q.filter(column, "lte", value) }

// Like matches rows where column matches pattern case-sensitively (SQL
// LIKE; PostgREST also accepts "*" for "%").
func (q *Query) Like(column, pattern string) *Query { return q.filter(column, "like", pattern) }

// ILike matches rows where column matches pattern case-insensitively.
func (q *Query) ILike(column, pattern string) *Query { return q.filter(column, "ilike", pattern) }

// Is matches rows where column IS value: nil (NULL), true, false, or one of
// the strings "null", "not_null", "true", "false", "unknown".
func (q *Query) Is(column string, value any) *Query { return q.filter(column, "is", value) }

// In matches rows where column is one of values (a slice or array). Items
// containing PostgREST's reserved characters are double-quoted and escaped,
// so they cannot add items.
func (q *Query) In(column string, values any) *Query {
	if _, ok := listOf(values); !ok {
		return q.fail(fmt.Errorf("client: In(%q): values must be a slice or array, got %T", column, values))
	}
	return q.filter(column, "in", values)
}

// Contains matches rows where the jsonb, array or range column contains
// value: a string is sent verbatim (range literal such as "[1,5)"), a
// slice as an array literal, anything else as JSON.
func (q *Query) Contains(column string, value any) *Query { return q.filter(column, "cs", value) }

// ContainedBy matches rows where every element of column is contained in
// value (encoded as for [Query.Contains]).
func (q *Query) ContainedBy(column string, value any) *Query { return q.filter(column, "cd", value) }

// Overlaps matches rows where the array or range column and value have an
// element in common (encoded as for [Query.Contains]).
func (q *Query) Overlaps(column string, value any) *Query { return q.filter(column, "ov", value) }

// TextSearch matches rows where the tsvector (or text) column matches the
// full-text query. Options: [PlainSearch], [PhraseSearch], [WebSearch],
// [Config].
func (q *Query) TextSearch(column, query string, opts ...QueryOption) *Query {
	o, ok := q.options("TextSearch", optSearchType|optConfig, opts)
	if !ok {
		return q
	}
	op := string(o.searchType) + "fts"
	if o.set&optConfig != 0 {
		op += "(" + o.config + ")"
	}
	return q.filter(column, op, query)
}

// Match adds an Eq filter for every entry of m, in key order.
func (q *Query) Match(m map[string]any) *Query {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		q.Eq(k, m[k])
	}
	return q
}

// Not matches rows that do not satisfy "column op value", e.g.
// Not("status", "in", []string{"done", "archived"}).
func (q *Query) Not(column, op string, value any) *Query {
	if strings.HasPrefix(op, "not.") {
		return q.fail(fmt.Errorf("client: Not(%q): operator %q is already negated", column, op))
	}
	return q.filter(column, "not."+op, value)
}

// Filter adds "column=op.value" for any PostgREST operator, optionally
// negated or modified ("not.eq", "like(any)", "fts(english)"). value is
// encoded as by the matching method (lists for in, array literals for
// cs/cd/ov); with the (any) or (all) modifier a slice becomes an array
// literal, e.g. Filter("title", "like(any)", []string{"a*", "b*"}).
func (q *Query) Filter(column, op string, value any) *Query { return q.filter(column, op, value) }

// Or adds "or=(filters)": rows matching any of the comma-separated
// PostgREST filters, e.g. "id.eq.1,name.eq.Han". The string is sent as
// given, as postgrest-js does: values in it that contain ",()" must be
// quoted by the caller. Prefer [Query.Where] with [AnyOf], which quotes.
// Options: [ReferencedTable].
func (q *Query) Or(filters string, opts ...QueryOption) *Query {
	o, ok := q.options("Or", optTable, opts)
	if !ok {
		return q
	}
	q.params.add(tableKey(o.table, "or"), "("+filters+")")
	return q
}

// Where adds the condition c: a [Term] becomes a plain filter
// ("column=op.value"), [AnyOf] and [AllOf] groups become "or=(…)" and
// "and=(…)" (prefixed "not." when negated). Values are quoted so that they
// cannot change the condition's structure. Options: [ReferencedTable].
func (q *Query) Where(c Cond, opts ...QueryOption) *Query {
	o, ok := q.options("Where", optTable, opts)
	if !ok {
		return q
	}
	if c.logic == "" {
		if c.column == "" {
			return q.fail(fmt.Errorf("client: Where: condition without a column"))
		}
		op := c.op
		if c.not {
			if strings.HasPrefix(op, "not.") {
				op = op[len("not."):]
			} else {
				op = "not." + op
			}
		}
		v, err := opValue(op, c.value, false)
		if err != nil {
			return q.fail(err)
		}
		q.params.add(tableKey(o.table, c.column), v)
		return q
	}
	inner, err := renderList(c.children)
	if err != nil {
		return q.fail(err)
	}
	key := c.logic
	if c.not {
		key = "not." + key
	}
	q.params.add(tableKey(o.table, key), "("+inner+")")
	return q
}

func tableKey(table, key string) string {
	if table == "" {
		return key
	}
	return table + "." + key
}

// Order sorts by column, appending to earlier Order calls. Options: [Asc]
// (default) or [Desc], [NullsFirst] or [NullsLast], [ReferencedTable].
func (q *Query) Order(column string, opts ...QueryOption) *Query {
	o, ok := q.options("Order", optDirection|optNulls|optTable, opts)
	if !ok {
		return q
	}
	term := column + ".asc"
	if o.desc {
		term = column + ".desc"
	}
	if o.nulls != "" {
		term += "." + o.nulls
	}
	key := tableKey(o.table, "order")
	if prev, ok := q.params.get(key); ok && prev != "" {
		term = prev + "," + term
	}
	q.params.set(key, term)
	return q
}

// Limit returns at most n rows. Options: [ReferencedTable].
func (q *Query) Limit(n int, opts ...QueryOption) *Query {
	o, ok := q.options("Limit", optTable, opts)
	if !ok {
		return q
	}
	q.params.set(tableKey(o.table, "limit"), strconv.Itoa(n))
	return q
}

// Range returns rows from (0-based) to to, inclusive: "offset=from&
// limit=to-from+1", as postgrest-js sends. Options: [ReferencedTable].
func (q *Query) Range(from, to int, opts ...QueryOption) *Query {
	o, ok := q.options("Range", optTable, opts)
	if !ok {
		return q
	}
	if from < 0 || to < from-1 {
		return q.fail(fmt.Errorf("client: Range(%d, %d): invalid range", from, to))
	}
	q.params.set(tableKey(o.table, "offset"), strconv.Itoa(from))
	q.params.set(tableKey(o.table, "limit"), strconv.Itoa(to-from+1))
	return q
}

// Single asks for exactly one row as a JSON object ("Accept:
// application/vnd.pgrst.object+json"); the server answers 406 PGRST116
// for zero or several rows (see [IsNotFound]).
func (q *Query) Single() *Query {
	q.accept, q.maybeSingle = mediaObject, false
	return q
}

// MaybeSingle asks for zero or one row. For reads it fetches a JSON array
// and decodes its only element; zero rows decode JSON null into the
// destination with no error, several rows fail with a client-made 406
// PGRST116, as postgrest-js does. For writes it asks for an object and
// treats PGRST116 "0 rows" as success with null.
func (q *Query) MaybeSingle() *Query {
	q.accept, q.maybeSingle = "", true
	return q
}

// CSV asks for the result as CSV ("Accept: text/csv"); Execute then
// writes the body to a *string, *[]byte or io.Writer destination.
func (q *Query) CSV() *Query {
	q.accept, q.maybeSingle = mediaCSV, false
	return q
}

// build turns the Query into a request.
func (q *Query) build() (*request, error) {
	if q.err != nil {
		return nil, q.err
	}
	if q.c == nil {
		return nil, errNoClient
	}
	h := make(http.Header)
	read := q.method == http.MethodGet || q.method == http.MethodHead
	if q.c.schema != "" {
		if read {
			h.Set("Accept-Profile", q.c.schema)
		} else {
			h.Set("Content-Profile", q.c.schema)
		}
	}
	if !read {
		h.Set("Content-Type", mediaJSON)
	}
	switch {
	case q.maybeSingle && q.method == http.MethodGet:
		h.Set("Accept", mediaJSON)
	case q.maybeSingle:
		h.Set("Accept", mediaObject)
	case q.accept != "":
		h.Set("Accept", q.accept)
	}
	prefer := append([]string(nil), q.prefer...)
	switch {
	case q.returning != "":
		prefer = append(prefer, "return="+string(q.returning))
	case q.kind.mutation() && q.selected:
		prefer = append(prefer, "return="+string(ReturnRepresentation))
	case q.kind.mutation():
		prefer = append(prefer, "return="+string(ReturnMinimal))
	case q.kind == kindRPC && q.selected:
		prefer = append(prefer, "return="+string(ReturnRepresentation))
	}
	if len(prefer) > 0 {
		h.Set("Prefer", strings.Join(prefer, ", "))
	}
	r := &request{method: q.method, path: q.path, query: q.params.encode(), header: h}
	if q.method != http.MethodGet && q.method != http.MethodHead && q.body != nil {
		r.body = q.body
	}
	return r, nil
}

// URL returns the URL the query would be sent to (for logging and tests);
// it contains no credentials.
func (q *Query) URL() (string, error) {
	r, err := q.build()
	if err != nil {
		return "", err
	}
	u := q.c.rest + r.path
	if r.query != "" {
		u += "?" + r.query
	}
	return u, nil
}

// Execute sends the request and decodes the response body into dst, which
// may be nil (discard), a *json.RawMessage, or any pointer encoding/json
// can decode into; after [Query.CSV] it must be a *string, *[]byte or
// io.Writer. An empty body (return=minimal, HEAD, 204) leaves dst
// untouched.
//
// Errors: a non-2xx answer is returned as an *[Error] together with the
// Response; network, token and context failures are returned wrapped,
// with a nil Response. Like postgrest-js, a 404 whose body is a JSON array
// is treated as 200 with that array, and a 404 with an empty body as 204.
//
// GET and HEAD requests are retried up to 3 times on network errors and
// 503/520 answers (backoff 1 s, 2 s, 4 s, or the server's Retry-After, at
// most 30 s; the retried request carries X-Retry-Count). Any request that
// fails with 401 PGRST303 "JWT expired" is retried once with a token
// freshly obtained from the [WithAccessToken] function. Cancelling ctx
// stops waiting and sending at once.
func (q *Query) Execute(ctx context.Context, dst any) (*Response, error) {
	r, err := q.build()
	if err != nil {
		return nil, err
	}
	res, err := q.c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	resp := &Response{Status: res.status, Header: res.header}
	if res.status >= 200 && res.status < 300 {
		if q.count != "" {
			resp.Count = parseContentRange(res.header.Get("Content-Range"))
		}
		return resp, q.decode(res.body, r, resp, dst)
	}
	e := parseError(res.status, res.body)
	trimmed := bytes.TrimSpace(res.body)
	switch {
	case res.status == http.StatusNotFound && len(trimmed) > 0 && trimmed[0] == '[':
		resp.Status = http.StatusOK
		return resp, decodeJSON(trimmed, dst)
	case res.status == http.StatusNotFound && len(trimmed) == 0:
		resp.Status = http.StatusNoContent
		return resp, nil
	case q.maybeSingle && strings.Contains(e.Details, "0 rows"):
		resp.Status = http.StatusOK
		return resp, decodeJSON([]byte("null"), dst)
	}
	return resp, e
}

func (q *Query) decode(body []byte, r *request, resp *Response, dst any) error {
	if r.method == http.MethodHead || len(body) == 0 || dst == nil {
		return nil
	}
	if q.accept == mediaCSV {
		return decodeText(body, dst)
	}
	if q.maybeSingle && r.method == http.MethodGet {
		var rows []json.RawMessage
		if err := json.Unmarshal(body, &rows); err != nil {
			return fmt.Errorf("client: decode response: %w", err)
		}
		switch len(rows) {
		case 0:
			return decodeJSON([]byte("null"), dst)
		case 1:
			return decodeJSON(rows[0], dst)
		}
		resp.Status = http.StatusNotAcceptable
		resp.Count = nil
		return &Error{
			Status:     http.StatusNotAcceptable,
			Code:       "PGRST116",
			Message:    "Cannot coerce the result to a single JSON object",
			Details:    fmt.Sprintf("The result contains %d rows", len(rows)),
			RawDetails: json.RawMessage(strconv.Quote(fmt.Sprintf("The result contains %d rows", len(rows)))),
		}
	}
	return decodeJSON(body, dst)
}

func decodeJSON(body []byte, dst any) error {
	if dst == nil {
		return nil
	}
	if raw, ok := dst.(*json.RawMessage); ok {
		*raw = append((*raw)[:0], body...)
		return nil
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return fmt.Errorf("client: decode response: %w", err)
	}
	return nil
}

func decodeText(body []byte, dst any) error {
	switch d := dst.(type) {
	case *string:
		*d = string(body)
	case *[]byte:
		*d = append((*d)[:0], body...)
	case io.Writer:
		if _, err := d.Write(body); err != nil {
			return fmt.Errorf("client: write response: %w", err)
		}
	default:
		return fmt.Errorf("client: CSV destination must be *string, *[]byte or io.Writer, got %T", dst)
	}
	return nil
}

// parseContentRange returns the total of a Content-Range header
// ("0-9/42", "*/42"), or nil when it is absent or unknown ("0-9/*").
func parseContentRange(v string) *int64 {
	_, total, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(total), 10, 64)
	if err != nil || n < 0 {
		return nil
	}
	return &n
}
