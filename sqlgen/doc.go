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
// count=exact and count=estimated, and one result row with the columns
//
//	total_result_set  bigint  -- NULL unless a count was asked for (see below)
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
// # Counts
//
// Prefer: count= follows PostgREST 14. count=exact counts the rows of the
// count query (SELECT 1 with the filters and the !inner embeds, no order or
// range). On tables and views, count=planned has no count CTE; instead
// [Query.Explain] holds
//
//	EXPLAIN (FORMAT JSON) <count query>
//
// with its own, renumbered bind arguments, which the caller runs in the same
// transaction; [PlanRows] reads the top plan's "Plan Rows" and
// [Query.Total] turns it into the total. count=estimated counts at most
// max_rows+1 rows (LIMIT in the count CTE) and also carries the EXPLAIN:
// within max_rows the total is exact, past it the larger of the count and
// the estimate (without max_rows, always the larger of both). On functions,
// count=planned gives no count and count=estimated an exact one; on
// mutations, count=exact and count=estimated count the affected rows and
// count=planned gives none.
//
// # Limitations
//
// Aggregates are refused with PGRST123 (as
// PostgREST does with db-aggregates-enabled off). Spreading a to-many
// relationship, computed relationships (set-returning functions taking a
// row) and embedding from RPC results of non-table type are not implemented.
package sqlgen
