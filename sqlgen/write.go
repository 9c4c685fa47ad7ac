package sqlgen

import (
	"slices"
	"strings"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/pgrest"
	"github.com/rowgate/rowgate/schema"
)

// Mutation is a generated write statement (POST, PATCH, PUT, DELETE on a
// table or view). Its one result row has the read columns of [Query]
// followed by
//
//	response_inserted  int   -- rows inserted by an upsert (pgrst.inserted), NULL otherwise
//	response_location  text  -- JSON object of the primary key values (as text) of the
//	                            single inserted row for return=headers-only, NULL otherwise
//
// total_result_set is the affected row count when a count was asked for
// (PostgREST counts the mutated rows), NULL otherwise.
type Mutation struct {
	Query
	// Method is POST, PATCH, PUT or DELETE.
	Method string
	// Return is the effective return preference (minimal when absent).
	Return pgrest.ReturnPref
	// Resolution is the upsert resolution applied to a POST ("" for a
	// plain insert, also when the table has no primary key and no
	// on_conflict was given).
	Resolution pgrest.ResolutionPref
	// Missing is the applied missing= preference ("" when not sent or not
	// relevant to the method).
	Missing pgrest.MissingPref
	// PrimaryKey lists the table's primary key columns, in order.
	PrimaryKey []string
	// Table is the mutated relation.
	Table *schema.Table
}

// Representation reports whether the response carries the rows.
func (m *Mutation) Representation() bool { return m.Return == pgrest.ReturnRepresentation }

// Write builds the statement for a POST (insert or upsert), PATCH
// (update), PUT (single-row upsert) or DELETE request on a table or view.
// body is the decoded payload (nil for DELETE).
//
// Like PostgREST, the payload is decoded by PostgreSQL with
// json_to_record(set) into the columns' types, upserts count inserted rows
// through the pgrst.inserted setting, and the response rows (select= with
// embeds, order=) are built by the read planner over the RETURNING rows.
// limit/offset are not applied to PATCH and DELETE (PostgREST 14 removed
// limited updates and deletes).
func Write(req *pgrest.Request, body *pgrest.Payload, c *schema.Cache, opts Options) (*Mutation, error) {
	if req == nil || c == nil {
		return nil, rowgate.NewError(rowgate.CodeInternal, "missing request or schema cache")
	}
	if req.RPC {
		return nil, rowgate.NewError(rowgate.CodeInternal, "Write called for an RPC request")
	}
	b := newBuilder(c, opts)
	mlv, err := b.tableLevel(req.Resource)
	if err != nil {
		return nil, err
	}
	t := mlv.table
	m := &Mutation{Method: req.Method, Table: t, PrimaryKey: slices.Clone(t.PrimaryKey)}
	if err := m.setMedia(req.Accept); err != nil {
		return nil, err
	}
	// PostgREST counts the affected rows for count=exact and
	// count=estimated; count=planned gives no count for mutations.
	m.Count = req.Prefer.Count == pgrest.CountExact || req.Prefer.Count == pgrest.CountEstimated
	m.CountPref = req.Prefer.Count
	m.Return = req.Prefer.Return
	if m.Return == "" {
		m.Return = pgrest.ReturnMinimal
	}
	if req.Method != "DELETE" && req.Prefer.Missing != pgrest.MissingNone {
		m.Missing = req.Prefer.Missing
	}
	if req.Method != "DELETE" && body == nil {
		return nil, rowgate.NewError(rowgate.CodeBody, "Empty or invalid json")
	}
	if body != nil {
		for _, k := range body.Keys {
			if _, ok := t.Column(k); !ok {
				return nil, rowgate.NewError(rowgate.CodeNoColumn, "Could not find the '%s' column of '%s' in the schema cache", k, t.Name)
			}
		}
	}

	var mut string
	switch req.Method {
	case "POST":
		mut, err = b.insertSQL(req, m, body)
	case "PUT":
		mut, err = b.putSQL(req, m, body)
	case "PATCH":
		mut, err = b.updateSQL(req, m, mlv, body)
	case "DELETE":
		mut, err = b.deleteSQL(req, m, mlv)
	default:
		return nil, rowgate.NewError(rowgate.CodeMethod, "Unsupported HTTP method: %s", req.Method)
	}
	if err != nil {
		return nil, err
	}

	// The response rows: the read planner over the RETURNING rows.
	var source string
	if m.Return == pgrest.ReturnRepresentation {
		root := &level{table: t, alias: t.Name, from: "pgrst_mutation AS " + quoteIdent(t.Name)}
		used := make([]bool, len(req.Embedded))
		mods := &pgrest.Modifiers{Order: req.Order}
		if err := b.plan(root, req.Select, mods, nil, req.Embedded, used); err != nil {
			return nil, err
		}
		for i, em := range req.Embedded {
			if !used[i] {
				name := strings.Join(em.Path, ".")
				return nil, rowgate.NewError(rowgate.CodeNotEmbedded, "'%s' is not an embedded resource in this request", name).
					WithHint("Verify that '" + name + "' is included in the 'select' query parameter.")
			}
		}
		var sb strings.Builder
		b.writeLevelSelect(&sb, root, false)
		source = sb.String()
	} else {
		source = "SELECT * FROM pgrst_mutation"
	}

	var sb strings.Builder
	sb.WriteString("WITH pgrst_mutation AS (")
	sb.WriteString(mut)
	sb.WriteString("), pgrst_source AS (")
	sb.WriteString(source)
	sb.WriteString(") SELECT ")
	if m.Count {
		sb.WriteString("pg_catalog.count(_postgrest_t)")
	} else {
		sb.WriteString("null::bigint")
	}
	sb.WriteString(" AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, ")
	if m.Return == pgrest.ReturnRepresentation {
		sb.WriteString(b.bodyExpr(req, &m.Query))
	} else {
		sb.WriteString("''::text")
	}
	sb.WriteString(" AS body, nullif(current_setting('response.headers', true), '') AS response_headers, ")
	sb.WriteString("nullif(current_setting('response.status', true), '') AS response_status, ")
	if m.Resolution == pgrest.ResolutionMergeDuplicates || req.Method == "PUT" {
		sb.WriteString("nullif(current_setting('pgrst.inserted', true), '')::int")
	} else {
		sb.WriteString("null::int")
	}
	sb.WriteString(" AS response_inserted, ")
	sb.WriteString(locationExpr(req, m))
	sb.WriteString(" AS response_location FROM (SELECT * FROM pgrst_source) _postgrest_t")
	m.SQL = sb.String()
	m.Args = b.args
	if m.Args == nil {
		m.Args = []any{}
	}
	return m, nil
}

// locationExpr renders the primary key of the single inserted row as a
// JSON object of text values, for return=headers-only inserts.
func locationExpr(req *pgrest.Request, m *Mutation) string {
	if req.Method != "POST" || m.Return != pgrest.ReturnHeadersOnly || len(m.PrimaryKey) == 0 {
		return "null::text"
	}
	parts := make([]string, 0, 2*len(m.PrimaryKey))
	for _, k := range m.PrimaryKey {
		parts = append(parts, quoteLiteral(k), "_postgrest_t."+quoteIdent(k)+"::text")
	}
	return "CASE WHEN pg_catalog.count(_postgrest_t) = 1 THEN pg_catalog.min(json_build_object(" +
		strings.Join(parts, ", ") + ")::text) END"
}

// quoteLiteral single-quotes a string constant.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// returning is the RETURNING clause: the whole row when the response needs
// it, else RETURNING 1 (as PostgREST: the rows then need not pass SELECT
// policies).
func returning(m *Mutation) string {
	if m.Return == pgrest.ReturnRepresentation || (m.Method == "POST" && m.Return == pgrest.ReturnHeadersOnly && len(m.PrimaryKey) > 0) {
		return " RETURNING " + quoteIdent(m.Table.Name) + ".*"
	}
	return " RETURNING 1"
}

// bodySource renders the FROM items decoding the payload into typed
// columns: pgrst_payload (the JSON parameter) and pgrst_body (one row per
// object). cols are the columns read; defaults lists columns whose missing
// keys take the column default (Prefer: missing=default with objects of
// different keys).
func (b *builder) bodySource(t *schema.Table, body *pgrest.Payload, bodyParam string, cols []string, withDefaults bool) string {
	var sb strings.Builder
	typ := "json"
	if withDefaults {
		typ = "jsonb"
	}
	sb.WriteString("(SELECT " + bodyParam + "::" + typ + " AS json_data) pgrst_payload, ")
	src := "pgrst_payload.json_data"
	if withDefaults {
		var defs []string
		for _, c := range cols {
			col, _ := t.Column(c)
			if col != nil && col.Default != "" && !col.Generated {
				defs = append(defs, quoteLiteral(c)+", "+col.Default)
			}
		}
		obj := "jsonb_build_object(" + strings.Join(defs, ", ") + ")"
		if body.Object {
			sb.WriteString("LATERAL (SELECT " + obj + " || pgrst_payload.json_data AS val) pgrst_json_defs, ")
		} else {
			sb.WriteString("LATERAL (SELECT jsonb_agg(" + obj + " || elem) AS val FROM jsonb_array_elements(pgrst_payload.json_data) elem) pgrst_json_defs, ")
		}
		src = "pgrst_json_defs.val"
	}
	sb.WriteString("LATERAL (SELECT ")
	if len(cols) == 0 {
		sb.WriteString("1 AS pgrst_unused FROM ")
		switch {
		case body.Object:
			sb.WriteString("(VALUES (1)) _")
		default:
			sb.WriteString(typ + "_array_elements(" + src + ") _")
		}
		sb.WriteString(") pgrst_body")
		return sb.String()
	}
	quoted := make([]string, len(cols))
	typed := make([]string, len(cols))
	for i, c := range cols {
		col, _ := t.Column(c)
		quoted[i] = quoteIdent(c)
		typed[i] = quoteIdent(c) + " " + col.Type
	}
	sb.WriteString(strings.Join(quoted, ", "))
	fn := typ + "_to_recordset"
	if body.Object {
		fn = typ + "_to_record"
	}
	sb.WriteString(" FROM " + fn + "(" + src + ") AS _(" + strings.Join(typed, ", ") + ")) pgrst_body")
	return sb.String()
}

// payloadColumns decides which columns the statement writes and whether
// missing keys need the jsonb defaults expansion.
func payloadColumns(m *Mutation, body *pgrest.Payload) (cols []string, withDefaults bool) {
	if m.Missing != pgrest.MissingDefault {
		return body.Keys, false
	}
	if body.SameKeys {
		// Every object lacks the same columns: leave them out, so they
		// get their defaults (identity columns and triggers included).
		return body.Present, false
	}
	return body.Keys, true
}

// insertedCounter is PostgREST's trick to count inserted rows of an
// upsert: +1 per candidate row, -1 per conflicting row updated.
func insertedCounter(add bool) string {
	if add {
		return "set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true), '')::int, 0) + 1)::text, true) <> '0'"
	}
	return "set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true), '')::int, 0) - 1)::text, true) <> '-1'"
}

func (b *builder) insertSQL(req *pgrest.Request, m *Mutation, body *pgrest.Payload) (string, error) {
	t := m.Table
	bodyParam := b.param(string(body.JSON))
	cols, withDefaults := payloadColumns(m, body)
	var conflict []string
	if req.Prefer.Resolution != pgrest.ResolutionNone {
		conflict = req.OnConflict
		if conflict == nil {
			conflict = t.PrimaryKey
		}
		if len(conflict) > 0 {
			m.Resolution = req.Prefer.Resolution
		}
	}
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + quoteQualified(t.QualifiedName()) + " AS " + quoteIdent(t.Name))
	sb.WriteString(columnList(cols))
	sb.WriteString(" SELECT " + bodyColumns(cols) + " FROM ")
	sb.WriteString(b.bodySource(t, body, bodyParam, cols, withDefaults))
	if m.Resolution == pgrest.ResolutionMergeDuplicates {
		sb.WriteString(" WHERE " + insertedCounter(true))
	}
	if m.Resolution != pgrest.ResolutionNone {
		sb.WriteString(" ON CONFLICT(" + identList(conflict) + ") ")
		if m.Resolution == pgrest.ResolutionIgnoreDups || len(cols) == 0 {
			sb.WriteString("DO NOTHING")
		} else {
			sb.WriteString("DO UPDATE SET " + excludedSet(cols) + " WHERE " + insertedCounter(false))
		}
	}
	sb.WriteString(returning(m))
	return sb.String(), nil
}

// putSQL is the single-row upsert of PUT /t?pk=eq.v.
func (b *builder) putSQL(req *pgrest.Request, m *Mutation, body *pgrest.Payload) (string, error) {
	t := m.Table
	if req.Limit != nil || req.Offset != 0 {
		return "", rowgate.NewError(rowgate.CodePutLimit, "limit/offset querystring parameters are not allowed for PUT")
	}
	pkErr := rowgate.NewError(rowgate.CodePutPK, "Filters must include all and only primary key columns with 'eq' operators")
	if len(t.PrimaryKey) == 0 || len(req.Logic) > 0 || len(req.Filters) != len(t.PrimaryKey) {
		return "", pkErr
	}
	vals := map[string]string{}
	for _, f := range req.Filters {
		if f.Op != pgrest.OpEq || f.Negate || f.Quant != "" || len(f.Field.JSONPath) > 0 ||
			!slices.Contains(t.PrimaryKey, f.Field.Name) {
			return "", pkErr
		}
		if _, dup := vals[f.Field.Name]; dup {
			return "", pkErr
		}
		vals[f.Field.Name] = f.Value
	}
	cols, withDefaults := payloadColumns(m, body)
	for _, k := range t.PrimaryKey {
		if !slices.Contains(cols, k) {
			return "", putMismatch()
		}
	}
	bodyParam := b.param(string(body.JSON))
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + quoteQualified(t.QualifiedName()) + " AS " + quoteIdent(t.Name))
	sb.WriteString(columnList(cols))
	sb.WriteString(" SELECT " + bodyColumns(cols) + " FROM ")
	sb.WriteString(b.bodySource(t, body, bodyParam, cols, withDefaults))
	sb.WriteString(" WHERE " + insertedCounter(true))
	for _, k := range t.PrimaryKey {
		sb.WriteString(" AND pgrst_body." + quoteIdent(k) + " = " + b.param(vals[k]))
	}
	sb.WriteString(" ON CONFLICT(" + identList(t.PrimaryKey) + ") DO UPDATE SET " + excludedSet(cols) +
		" WHERE " + insertedCounter(false))
	sb.WriteString(returning(m))
	return sb.String(), nil
}

// putMismatch is PGRST115.
func putMismatch() error {
	return rowgate.NewError(rowgate.CodePutPayload, "Payload values do not match URL in primary key column(s)")
}

// PutMismatchError is the PGRST115 error the caller reports when a PUT
// wrote a number of rows other than one (the payload's key differs from
// the URL's).
func PutMismatchError() error { return putMismatch() }

func (b *builder) whereClause(req *pgrest.Request, mlv *level) (string, error) {
	var conds []string
	for i := range req.Filters {
		c, err := b.filterCond(mlv, &req.Filters[i], false)
		if err != nil {
			return "", err
		}
		conds = append(conds, c)
	}
	for i := range req.Logic {
		c, err := b.logicCond(mlv, &req.Logic[i])
		if err != nil {
			return "", err
		}
		conds = append(conds, c)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), nil
}

func (b *builder) updateSQL(req *pgrest.Request, m *Mutation, mlv *level, body *pgrest.Payload) (string, error) {
	t := m.Table
	cols, withDefaults := payloadColumns(m, body)
	target := quoteQualified(t.QualifiedName()) + " AS " + quoteIdent(t.Name)
	if len(cols) == 0 && !(m.Missing == pgrest.MissingDefault && len(body.Keys) > 0) {
		// Nothing to set: PostgREST answers with no rows and changes
		// nothing.
		sel := "NULL"
		if m.Return == pgrest.ReturnRepresentation {
			sel = quoteIdent(t.Name) + ".*"
		}
		return "SELECT " + sel + " FROM " + target + " WHERE false", nil
	}
	bodyParam := b.param(string(body.JSON))
	var sets []string
	for _, c := range cols {
		sets = append(sets, quoteIdent(c)+" = pgrst_body."+quoteIdent(c))
	}
	if m.Missing == pgrest.MissingDefault && !withDefaults {
		// Columns of columns= missing from the object take their default.
		for _, k := range body.Keys {
			if !slices.Contains(cols, k) {
				sets = append(sets, quoteIdent(k)+" = DEFAULT")
			}
		}
	}
	where, err := b.whereClause(req, mlv)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.WriteString("UPDATE " + target + " SET " + strings.Join(sets, ", ") + " FROM ")
	sb.WriteString(b.bodySource(t, body, bodyParam, cols, withDefaults))
	sb.WriteString(where)
	sb.WriteString(returning(m))
	return sb.String(), nil
}

func (b *builder) deleteSQL(req *pgrest.Request, m *Mutation, mlv *level) (string, error) {
	t := m.Table
	where, err := b.whereClause(req, mlv)
	if err != nil {
		return "", err
	}
	return "DELETE FROM " + quoteQualified(t.QualifiedName()) + " AS " + quoteIdent(t.Name) + where + returning(m), nil
}

func identList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = quoteIdent(c)
	}
	return strings.Join(q, ", ")
}

func columnList(cols []string) string {
	if len(cols) == 0 {
		return ""
	}
	return "(" + identList(cols) + ")"
}

func bodyColumns(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = "pgrst_body." + quoteIdent(c)
	}
	return strings.Join(q, ", ")
}

func excludedSet(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = quoteIdent(c) + " = EXCLUDED." + quoteIdent(c)
	}
	return strings.Join(q, ", ")
}
