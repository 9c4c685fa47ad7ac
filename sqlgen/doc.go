// Package sqlgen turns a parsed Data API request ([pgrest.Request]) and the
// schema cache ([schema.Cache]) into the SQL text and bind arguments of
// PostgREST's read statement (GET and HEAD on tables, views and functions)
// and of function calls ([Call], POST /rpc/<function>).
//
// Function calls have the shape
//
//	WITH pgrst_source AS (SELECT pgrst_call.* FROM json_to_record($1::json) AS pgrst_body("a" integer),
//	                      LATERAL "s"."fn"("a" := pgrst_body."a") pgrst_call)
//	SELECT … FROM (SELECT … FROM pgrst_source AS "fn" …) _postgrest_t
//
// so PostgreSQL coerces the JSON arguments to the parameter types exactly
// as in PostgREST, and the function runs once whatever the count, filters
// and embeds. GET arguments are turned into the same JSON object.
//
// The generated statement has PostgREST 14's shape: a pgrst_source CTE with
// the selected rows, an optional pgrst_source_count CTE for Prefer:
// count=exact, and one result row with the columns
//
//	total_result_set  bigint  -- NULL unless an exact count was asked for
//	page_total        bigint  -- rows in this page
//	body              text    -- JSON (or CSV) built by PostgreSQL
//	response_headers  text    -- nullif(current_setting('response.headers', true), '')
//	response_status   text    -- nullif(current_setting('response.status', true), '')
//
// JSON is produced by PostgreSQL itself (json_agg, row_to_json), so values
// are formatted exactly as PostgREST formats them.
//
// # Safety
//
// Every value taken from the request is a bind parameter; every argument in
// [Query.Args] is a string, to be sent in text format so that PostgreSQL
// infers its type from the context (PostgREST sends untyped parameters the
// same way; pgx sends Go strings in text format). Every identifier is
// double-quoted with embedded quotes doubled. Cast type names are the only
// request text spliced unquoted; they are re-validated to letters, digits,
// '_', '$' and spaces. Relations are checked against the cache before any SQL
// is built (PGRST205, PGRST200, PGRST201, PGRST202, PGRST203); unknown columns
// are left for PostgreSQL to report as 42703, as PostgREST 14 does.
//
// # Limitations
//
// Prefer: count=planned and count=estimated are answered with an exact count
// ([Query.CountFallback] is set). Aggregates are refused with PGRST123 (as
// PostgREST does with db-aggregates-enabled off). Spreading a to-many
// relationship, computed relationships (set-returning functions taking a
// row) and embedding from RPC results of non-table type are not implemented.
package sqlgen
