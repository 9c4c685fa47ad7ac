package sqlgen

import (
	"slices"
	"strconv"
	"strings"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/pgrest"
	"github.com/rowgate/rowgate/schema"
)

// Options are the server settings the builder needs.
type Options struct {
	// Schema is the resolved schema of the request (Accept-Profile checked
	// against the exposed schemas by the caller). "" means the cache's first
	// schema.
	Schema string
	// MaxRows is [api].max_rows: the cap on the top-level limit; 0 = none.
	MaxRows int64
}

// Query is a generated statement. It returns exactly one row with the
// columns total_result_set, page_total, body, response_headers and
// response_status (see the package documentation).
type Query struct {
	SQL string
	// Args are the bind arguments, all strings; send them in text format.
	Args []any
	// MediaType is the media type of body: JSON, object JSON, or CSV.
	MediaType pgrest.MediaKind
	// Singular is set for application/vnd.pgrst.object+json: body holds
	// the first row (or "null"), and the caller must answer PGRST116 unless
	// page_total is 1.
	Singular bool
	// StripNulls is set when body had nulls stripped (nulls=stripped).
	StripNulls bool
	// Count reports that total_result_set holds a count of the rows (for
	// count=estimated on tables and views, one that stops at max_rows+1);
	// otherwise it is NULL.
	Count bool
	// CountPref is the request's Prefer: count=.
	CountPref pgrest.CountPref
	// Explain is EXPLAIN (FORMAT JSON) of the count query, set for
	// count=planned and count=estimated on tables and views: the caller
	// runs it in the request's transaction, reads the estimate with
	// [PlanRows] and passes it to [Query.Total]. nil otherwise.
	Explain *Statement
	// Offset is the offset of the first row of the page (for
	// Content-Range).
	Offset int64
	// Scalar reports an RPC whose result is a scalar (or SETOF scalar):
	// body is a bare JSON value (or an array of them).
	Scalar bool
	// Void reports an RPC returning void: the caller answers 204.
	Void bool
	// Function is the called function for RPC reads, nil otherwise.
	Function *schema.Function

	// planned reports that Explain is set; countLimit is max_rows for
	// count=estimated (0 = none).
	planned    bool
	countLimit int64
}

// Read builds the read statement for a GET or HEAD request.
func Read(req *pgrest.Request, c *schema.Cache, opts Options) (*Query, error) {
	return build(req, c, opts, nil)
}

// setMedia sets the body's media type from the negotiated Accept: JSON
// (optionally with nulls stripped), a single object, or CSV.
func (q *Query) setMedia(accept pgrest.MediaType) error {
	q.MediaType = pgrest.MediaJSON
	switch accept.Kind {
	case pgrest.MediaJSON, pgrest.MediaArray, "":
		q.StripNulls = accept.StripNulls
	case pgrest.MediaObject:
		q.Singular, q.MediaType, q.StripNulls = true, pgrest.MediaObject, accept.StripNulls
	case pgrest.MediaCSV:
		q.MediaType = pgrest.MediaCSV
	default:
		return rowgate.NewError(rowgate.CodeMediaType, "None of these media types are available: %s", accept.Kind)
	}
	return nil
}

// newBuilder starts a statement for the request's schema (the cache's first
// exposed schema when opts names none).
func newBuilder(c *schema.Cache, opts Options) *builder {
	sch := opts.Schema
	if sch == "" {
		if s := c.Schemas(); len(s) > 0 {
			sch = s[0]
		}
	}
	return &builder{c: c, schema: sch}
}

// writeHead writes the part every read and call statement shares:
// "WITH pgrst_source AS (<source>)", the count CTE when counting, and the
// total_result_set and page_total columns.
func (b *builder) writeHead(sb *strings.Builder, q *Query, root *level, source func(*strings.Builder)) {
	sb.WriteString("WITH pgrst_source AS (")
	source(sb)
	sb.WriteString(")")
	if count := b.countParts(q, root); count != "" {
		sb.WriteString(", pgrst_source_count AS (")
		sb.WriteString(count)
		sb.WriteString(")")
	}
	sb.WriteString(" SELECT ")
	if q.Count {
		sb.WriteString("(SELECT pg_catalog.count(*) FROM pgrst_source_count)")
	} else {
		sb.WriteString("null::bigint")
	}
	sb.WriteString(" AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, ")
}

// build builds a read or RPC statement; body is the POST body of an RPC
// call, nil for GET and HEAD.
func build(req *pgrest.Request, c *schema.Cache, opts Options, body *CallBody) (*Query, error) {
	if req == nil || c == nil {
		return nil, rowgate.NewError(rowgate.CodeInternal, "missing request or schema cache")
	}
	b := newBuilder(c, opts)
	q := &Query{}
	if err := q.setMedia(req.Accept); err != nil {
		return nil, err
	}
	setCount(q, req.Prefer.Count, req.RPC, opts.MaxRows)

	var (
		root *level
		call string
		err  error
	)
	if req.RPC {
		// SplitRPCParams edits the request's filters; work on a copy.
		rc := *req
		rc.Filters = slices.Clone(req.Filters)
		req = &rc
		root, call, err = b.rpcLevel(req, q, body)
	} else {
		root, err = b.tableLevel(req.Resource)
	}
	if err != nil {
		return nil, err
	}
	used := make([]bool, len(req.Embedded))
	if err := b.plan(root, req.Select, &req.Modifiers, nil, req.Embedded, used); err != nil {
		return nil, err
	}
	for i, em := range req.Embedded {
		if !used[i] {
			name := strings.Join(em.Path, ".")
			return nil, rowgate.NewError(rowgate.CodeNotEmbedded, "'%s' is not an embedded resource in this request", name).
				WithHint("Verify that '" + name + "' is included in the 'select' query parameter.")
		}
	}

	// Top-level range, capped by max_rows.
	offset, limit := req.EffectiveRange()
	if opts.MaxRows > 0 && (limit == nil || *limit > opts.MaxRows) {
		m := opts.MaxRows
		limit = &m
	}
	q.Offset = offset
	root.limit, root.offset = limit, offset
	if req.RPC {
		return b.finishCall(req, q, root, call), nil
	}

	var sb strings.Builder
	b.writeHead(&sb, q, root, func(sb *strings.Builder) { b.writeLevelSelect(sb, root, false) })
	sb.WriteString(b.bodyExpr(req, q))
	sb.WriteString(" AS body, nullif(current_setting('response.headers', true), '') AS response_headers, ")
	sb.WriteString("nullif(current_setting('response.status', true), '') AS response_status ")
	sb.WriteString("FROM (SELECT * FROM pgrst_source) _postgrest_t")
	q.SQL = sb.String()
	q.Args = b.args
	if q.Args == nil {
		q.Args = []any{}
	}
	return q, nil
}

// bodyExpr is the aggregate producing the response body.
func (b *builder) bodyExpr(req *pgrest.Request, q *Query) string {
	if req.Method == "HEAD" || q.Void {
		return "''::text"
	}
	row := "_postgrest_t"
	if q.Scalar {
		row = "_postgrest_t.pgrst_scalar"
	}
	agg := "json_agg(" + row + ")"
	switch {
	case q.MediaType == pgrest.MediaCSV:
		// Header: the keys of the first row; lines: the record text without
		// its parentheses (PostgREST's asCsvF).
		return "(SELECT coalesce(string_agg(a.k, ','), '') FROM (SELECT json_object_keys(r)::text AS k " +
			"FROM (SELECT row_to_json(hh) AS r FROM pgrst_source AS hh LIMIT 1) s) a) || chr(10) || " +
			"coalesce(string_agg(substring(_postgrest_t::text, 2, length(_postgrest_t::text) - 2), chr(10)), '')"
	case q.Singular || (q.Function != nil && !q.Function.ReturnsSet):
		one := agg + "->0"
		if q.StripNulls {
			one = "json_strip_nulls(" + one + ")"
		}
		return "coalesce((" + one + ")::text, 'null')"
	default:
		if q.StripNulls {
			agg = "json_strip_nulls(" + agg + ")"
		}
		return "coalesce(" + agg + ", '[]')::text"
	}
}

// builder accumulates bind arguments while the statement is planned.
type builder struct {
	c      *schema.Cache
	schema string
	args   []any
	nAlias int
}

// param adds a bind argument and returns its placeholder.
func (b *builder) param(v string) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// newAlias returns a fresh relation alias "<name>_<n>".
func (b *builder) newAlias(name string) string {
	b.nAlias++
	return name + "_" + strconv.Itoa(b.nAlias)
}

// quoteIdent double-quotes an identifier, doubling embedded quotes.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func quoteQualified(q schema.QualifiedName) string {
	return quoteIdent(q.Schema) + "." + quoteIdent(q.Name)
}

// validCast reports whether a cast type name is safe to splice: letters,
// digits, '_', spaces, and optional trailing [] pairs. '$' is refused
// although PostgreSQL allows it inside identifiers: after a space it opens
// a dollar-quoted string ($$ or $tag$) that would run on into the rest of
// the statement, and type names do not use it.
func validCast(s string) bool {
	s = strings.TrimSpace(s)
	for strings.HasSuffix(s, "[]") {
		s = strings.TrimSpace(strings.TrimSuffix(s, "[]"))
	}
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch == '_' || ch == ' ' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) {
			return false
		}
	}
	return !(s[0] >= '0' && s[0] <= '9')
}

func (b *builder) tableLevel(name string) (*level, error) {
	t, ok := b.c.Table(b.schema, name)
	if !ok {
		e := rowgate.NewError(rowgate.CodeNoTable, "Could not find the table '%s.%s' in the schema cache", b.schema, name)
		if s, ok := b.c.SuggestTable(b.schema, name); ok {
			e.Hint = "Perhaps you meant the table '" + b.schema + "." + s + "'"
		}
		return nil, e
	}
	return &level{table: t, from: quoteQualified(t.QualifiedName()) + " AS " + quoteIdent(t.Name), alias: t.Name}, nil
}
