package sqlgen

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/pgrest"
	"github.com/rowgate/rowgate/schema"
)

// BodyKind is the kind of a POST /rpc request body, after its Content-Type.
type BodyKind int

// Body kinds. PostgREST passes a JSON object's keys as named arguments; a
// form body is decoded like a query string; text, XML and binary bodies go
// to a function with a single unnamed text, xml or bytea parameter.
const (
	BodyJSON   BodyKind = iota // application/json (also no Content-Type)
	BodyForm                   // application/x-www-form-urlencoded
	BodyText                   // text/plain
	BodyXML                    // text/xml
	BodyBinary                 // application/octet-stream
)

// CallBody is the request body of POST /rpc/<function>.
type CallBody struct {
	Kind BodyKind
	// Raw is the body as sent. An empty JSON body means {}.
	Raw []byte
}

// Call builds the statement for POST /rpc/<function>: the function is
// chosen by the body's keys (or the columns parameter), the arguments are
// decoded from the JSON body by PostgreSQL (json_to_record), and the select,
// filters, order, range and embeds of req apply to the result as for reads.
//
// Errors are *rowgate.Error values: PGRST102 for a body that is not JSON,
// PGRST202 when no function matches, PGRST203 when several do, and the
// read-path errors.
func Call(req *pgrest.Request, body CallBody, c *schema.Cache, opts Options) (*Query, error) {
	if req == nil || !req.RPC {
		return nil, rowgate.NewError(rowgate.CodeInternal, "not a function call")
	}
	return build(req, c, opts, &body)
}

// rpcArgs are the arguments of one call: their names (sorted, as
// PostgREST reports them) and how they reach PostgreSQL.
type rpcArgs struct {
	keys []string
	// kind is the body kind of a POST; get is set for GET and HEAD.
	kind BodyKind
	get  bool
	// json is the JSON document json_to_record decodes (POST JSON body);
	// array is set when it is an array (its first element is used).
	json  []byte
	array bool
	// values holds GET and form arguments by name, in order; they are
	// turned into a JSON object once the function is known (a VARIADIC
	// argument takes all values as an array).
	values map[string][]string
	raw    []byte
}

// rpcLevel resolves the function of an RPC request, and returns the root
// level (selecting from the pgrst_source CTE) and the call itself, the
// body of that CTE. For GET and HEAD (body nil) it splits the query
// parameters into arguments and filters on req, which the caller has
// copied.
func (b *builder) rpcLevel(req *pgrest.Request, q *Query, body *CallBody) (*level, string, error) {
	funcs := b.c.Functions(b.schema, req.Resource)
	args, err := collectArgs(req, body, funcs)
	if err != nil {
		return nil, "", err
	}
	f, positional, err := b.resolve(req.Resource, funcs, args)
	if err != nil {
		return nil, "", err
	}
	q.Function = f
	call, err := b.callSQL(f, positional, args)
	if err != nil {
		return nil, "", err
	}

	lv := &level{}
	switch {
	case f.ReturnsTable != nil:
		t, ok := b.c.Table(f.ReturnsTable.Schema, f.ReturnsTable.Name)
		if !ok {
			return nil, "", rowgate.NewError(rowgate.CodeNoTable, "Could not find the table '%s' in the schema cache", f.ReturnsTable)
		}
		// As in PostgREST, the result is aliased as the table so that
		// embeds find their relationships.
		lv.table, lv.alias = t, t.Name
	case f.ReturnsComposite:
		lv.alias = f.Name
	default:
		lv.alias = f.Name
		lv.scalar = true
		q.Scalar = true
		q.Void = f.ReturnsVoid
	}
	lv.from = "pgrst_source AS " + quoteIdent(lv.alias)
	return lv, call, nil
}

// collectArgs gathers the argument names and values of a call.
func collectArgs(req *pgrest.Request, body *CallBody, funcs []*schema.Function) (*rpcArgs, error) {
	a := &rpcArgs{values: map[string][]string{}}
	addPairs := func(ps []pgrest.Param) {
		for _, p := range ps {
			if _, seen := a.values[p.Key]; !seen {
				a.keys = append(a.keys, p.Key)
			}
			a.values[p.Key] = append(a.values[p.Key], p.Value)
		}
	}
	switch {
	case body == nil:
		a.get = true
		isArg := func(name string) bool {
			for _, f := range funcs {
				for _, arg := range f.Args {
					if arg.Name == name {
						return true
					}
				}
			}
			return false
		}
		addPairs(req.SplitRPCParams(isArg))
	case body.Kind == BodyForm:
		a.kind = BodyForm
		var ps []pgrest.Param
		for _, qp := range pgrest.SplitQuery(string(body.Raw)) {
			ps = append(ps, pgrest.Param{Key: qp.Key, Value: qp.Value})
		}
		addPairs(ps)
	case body.Kind == BodyJSON:
		raw := bytes.TrimSpace(body.Raw)
		if len(raw) == 0 {
			raw = []byte("{}")
		}
		keys, array, err := jsonKeys(raw)
		if err != nil {
			return nil, err
		}
		a.json, a.array, a.keys = raw, array, keys
	default:
		a.kind, a.raw = body.Kind, body.Raw
	}
	if body != nil && len(req.Columns) > 0 && body.Kind <= BodyForm {
		// columns= names the arguments explicitly, as for inserts.
		a.keys = nil
		for _, c := range req.Columns {
			if !slices.Contains(a.keys, c) {
				a.keys = append(a.keys, c)
			}
		}
	}
	slices.Sort(a.keys)
	return a, nil
}

// jsonKeys returns the top-level keys of a JSON object, or the union of
// the keys of the objects in a JSON array. Other JSON values have no keys
// (they can only reach a single unnamed json/jsonb parameter).
func jsonKeys(raw []byte) ([]string, bool, error) {
	bad := func() error {
		return rowgate.NewError(rowgate.CodeBody, "Empty or invalid json")
	}
	switch raw[0] {
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, false, bad()
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		return keys, false, nil
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return nil, false, bad()
		}
		var keys []string
		seen := map[string]bool{}
		for _, e := range elems {
			var obj map[string]json.RawMessage
			if json.Unmarshal(e, &obj) != nil {
				continue
			}
			for k := range obj {
				if !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
			}
		}
		return keys, true, nil
	}
	if !json.Valid(raw) {
		return nil, false, bad()
	}
	return nil, false, nil
}

// resolve picks the overload PostgREST would: the functions whose
// parameters match the argument names, else (POST only) one with a single
// unnamed parameter taking the whole body. positional reports the latter.
func (b *builder) resolve(name string, funcs []*schema.Function, args *rpcArgs) (f *schema.Function, positional bool, err error) {
	var named, single []*schema.Function
	for _, f := range funcs {
		switch {
		case matchesArgs(f, args):
			named = append(named, f)
		case singleUnnamed(f, args):
			single = append(single, f)
		}
	}
	switch {
	case len(named) == 1:
		return named[0], false, nil
	case len(named) > 1:
		return nil, false, ambiguousFunctionError(named)
	case len(single) == 1:
		return single[0], true, nil
	case len(single) > 1:
		return nil, false, ambiguousFunctionError(single)
	}
	return nil, false, b.noFunctionError(name, funcs, args)
}

// matchesArgs reports whether f accepts exactly the argument names: each
// names a parameter and every parameter without a default is given.
func matchesArgs(f *schema.Function, args *rpcArgs) bool {
	if len(f.Args) == 0 && !args.get && args.kind > BodyForm {
		// Text, XML and binary bodies only go to a single unnamed parameter.
		return false
	}
	for _, k := range args.keys {
		if !slices.ContainsFunc(f.Args, func(a schema.Arg) bool { return a.Name == k }) {
			return false
		}
	}
	for _, a := range f.Args {
		if !a.HasDefault && !slices.Contains(args.keys, a.Name) {
			return false
		}
	}
	return true
}

// singleUnnamed reports whether f has a single unnamed parameter of the
// type the POST body's Content-Type goes to.
func singleUnnamed(f *schema.Function, args *rpcArgs) bool {
	if args.get || len(f.Args) != 1 || f.Args[0].Name != "" {
		return false
	}
	switch t := f.Args[0].Type; args.kind {
	case BodyJSON:
		return t == "json" || t == "jsonb"
	case BodyText:
		return t == "text"
	case BodyXML:
		return t == "xml"
	case BodyBinary:
		return t == "bytea"
	}
	return false
}

func ambiguousFunctionError(cands []*schema.Function) error {
	sigs := make([]string, 0, len(cands))
	for _, f := range cands {
		var args []string
		for _, a := range f.Args {
			args = append(args, a.Name+" => "+a.Type)
		}
		sigs = append(sigs, f.Schema+"."+f.Name+"("+strings.Join(args, ", ")+")")
	}
	return rowgate.NewError(rowgate.CodeAmbiguousFunction, "Could not choose the best candidate function between: %s", strings.Join(sigs, ", ")).
		WithHint("Try renaming the parameters or the function itself in the database so function overloading can be resolved")
}

// noFunctionError is PGRST202 with PostgREST 14's wording: the details
// mention the single unnamed json/jsonb fallback for JSON POSTs, and the
// hint suggests a similar function name or, when the function exists, the
// closest parameter list of its overloads.
func (b *builder) noFunctionError(name string, funcs []*schema.Function, args *rpcArgs) error {
	qn := b.schema + "." + name
	prms := strings.Join(args.keys, ", ")
	withPrms := " without parameters"
	if len(args.keys) > 0 {
		withPrms = "(" + prms + ")"
	}
	onlySingle := !args.get && args.kind > BodyForm
	e := rowgate.NewError(rowgate.CodeNoFunction, "Could not find the function %s in the schema cache", qn)
	if !onlySingle {
		e.Message = "Could not find the function " + qn + withPrms + " in the schema cache"
	}
	det := " without parameters"
	switch {
	case len(args.keys) == 1:
		det = " with parameter " + prms
	case len(args.keys) > 1:
		det = " with parameters " + prms
	}
	switch {
	case args.get || args.kind == BodyForm:
	case args.kind == BodyJSON:
		det += " or with a single unnamed json/jsonb parameter"
	case args.kind == BodyText:
		det = " with a single unnamed text parameter"
	case args.kind == BodyXML:
		det = " with a single unnamed xml parameter"
	case args.kind == BodyBinary:
		det = " with a single unnamed bytea parameter"
	}
	e.Details = "Searched for the function " + qn + det + ", but no matches were found in the schema cache."
	if onlySingle {
		return e
	}
	if len(funcs) == 0 {
		if s, ok := b.c.SuggestFunction(b.schema, name); ok {
			e.Hint = "Perhaps you meant to call the function " + b.schema + "." + s
		}
		return e
	}
	// The function exists: suggest the parameter list of the closest
	// overload, rendered "(a, b)" with sorted names.
	want := "(" + prms + ")"
	best, bestScore := "", 0.0
	for _, f := range funcs {
		names := make([]string, 0, len(f.Args))
		for _, a := range f.Args {
			names = append(names, a.Name)
		}
		slices.Sort(names)
		cand := "(" + strings.Join(names, ", ") + ")"
		if s := schema.Similarity(want, cand); best == "" || s > bestScore {
			best, bestScore = cand, s
		}
	}
	// Called without arguments, PostgREST always shows a parameter list.
	if best != "" && (bestScore >= minParamSimilarity || len(args.keys) == 0) {
		e.Hint = "Perhaps you meant to call the function " + qn + best
	}
	return e
}

// minParamSimilarity is the lowest similarity of a suggested parameter
// list: parameter lists are short strings with fixed punctuation, so the
// bar is lower than for names.
const minParamSimilarity = 0.3

// callSQL renders the body of the pgrst_source CTE: the function call,
// with the arguments decoded from one JSON bind parameter by
// json_to_record so that they coerce to the parameter types exactly as in
// PostgREST.
func (b *builder) callSQL(f *schema.Function, positional bool, args *rpcArgs) (string, error) {
	fn := quoteQualified(f.QualifiedName())
	var from, list string
	switch {
	case positional:
		switch args.kind {
		case BodyBinary:
			list = "decode(" + b.param(hex.EncodeToString(args.raw)) + ", 'hex')"
		case BodyJSON:
			list = b.param(string(args.json)) + "::" + f.Args[0].Type
		default:
			list = b.param(string(args.raw)) + "::" + f.Args[0].Type
		}
	case len(args.keys) > 0:
		doc, array := args.json, args.array
		if doc == nil {
			var err error
			if doc, err = argsDocument(f, args); err != nil {
				return "", err
			}
		}
		var cols, params []string
		for _, a := range f.Args {
			if a.Name == "" || !slices.Contains(args.keys, a.Name) {
				continue
			}
			id := quoteIdent(a.Name)
			cols = append(cols, id+" "+a.Type)
			p := id + " := pgrst_body." + id
			if a.Variadic {
				p = "VARIADIC " + p
			}
			params = append(params, p)
		}
		ph := b.param(string(doc))
		if array {
			from = "(SELECT * FROM json_to_recordset(" + ph + "::json) AS _(" + strings.Join(cols, ", ") + ") LIMIT 1) pgrst_body, LATERAL "
		} else {
			from = "json_to_record(" + ph + "::json) AS pgrst_body(" + strings.Join(cols, ", ") + "), LATERAL "
		}
		list = strings.Join(params, ", ")
	}
	if f.ReturnsComposite {
		return "SELECT pgrst_call.* FROM " + from + fn + "(" + list + ") pgrst_call", nil
	}
	return "SELECT pgrst_call.pgrst_scalar FROM " + from + "(SELECT " + fn + "(" + list + ") pgrst_scalar) pgrst_call", nil
}

// argsDocument turns GET or form arguments into the JSON object PostgREST
// builds from them: strings, the last value winning, except for a
// VARIADIC parameter, which takes every value as an array (a single value
// that is an array literal is taken as the whole array).
func argsDocument(f *schema.Function, args *rpcArgs) ([]byte, error) {
	obj := make(map[string]any, len(args.values))
	for k, vs := range args.values {
		if i := slices.IndexFunc(f.Args, func(a schema.Arg) bool { return a.Name == k }); i >= 0 && f.Args[i].Variadic {
			// One value written as an array literal ({1,2}, as supabase-js
			// sends arrays with get: true) is the whole array.
			if v := vs[0]; len(vs) == 1 && strings.HasPrefix(v, "{") && strings.HasSuffix(v, "}") {
				obj[k] = v
				continue
			}
			obj[k] = vs
			continue
		}
		obj[k] = vs[len(vs)-1]
	}
	doc, err := json.Marshal(obj)
	if err != nil {
		return nil, rowgate.NewError(rowgate.CodeBody, "Empty or invalid json")
	}
	return doc, nil
}

// finishCall assembles the RPC statement around the call:
//
//	WITH pgrst_source AS (<call>) [, pgrst_source_count AS (SELECT 1 FROM pgrst_source …)]
//	SELECT … FROM (SELECT … FROM pgrst_source AS "<alias>" …) _postgrest_t
//
// The function runs once, whatever the count and embeds.
func (b *builder) finishCall(req *pgrest.Request, q *Query, root *level, call string) *Query {
	var sb strings.Builder
	b.writeHead(&sb, q, root, func(sb *strings.Builder) { sb.WriteString(call) })
	if q.MediaType == pgrest.MediaCSV && req.Method != "HEAD" && !q.Void {
		// The header is the keys of the first row of the page.
		sb.WriteString("coalesce((SELECT string_agg(k, ',') FROM json_object_keys(json_agg(_postgrest_t)->0) AS k), '') || chr(10) || " +
			"coalesce(string_agg(substring(_postgrest_t::text, 2, length(_postgrest_t::text) - 2), chr(10)), '')")
	} else {
		sb.WriteString(b.bodyExpr(req, q))
	}
	sb.WriteString(" AS body, nullif(current_setting('response.headers', true), '') AS response_headers, ")
	sb.WriteString("nullif(current_setting('response.status', true), '') AS response_status ")
	sb.WriteString("FROM (")
	b.writeLevelSelect(&sb, root, false)
	sb.WriteString(") _postgrest_t")
	q.SQL = sb.String()
	q.Args = b.args
	if q.Args == nil {
		q.Args = []any{}
	}
	return q
}
