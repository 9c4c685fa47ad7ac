// Package pgexec runs one Data API request as one PostgreSQL transaction, the
// way PostgREST does (https://docs.postgrest.org/en/v14/references/transactions.html):
//
//	BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY|READ WRITE;
//	SELECT set_config('search_path', …, true), set_config('role', …, true),
//	       set_config('request.jwt.claims', …, true), … ;
//	[<extra statement>;]   -- Request.Extra: EXPLAIN (FORMAT JSON) <count query> for Prefer: count=planned/estimated
//	<main statement>;
//	COMMIT | ROLLBACK;
//
// For reads the whole transaction is sent in one pipelined round trip;
// writes read the main statement's result before deciding between COMMIT and
// ROLLBACK. Every statement is prepared once per connection inside that
// pipeline — after the role switch, so the main statement is parsed with the
// impersonated role's privileges, as PostgREST's are — and later requests
// only bind and execute it. Parameters are sent as text with type "unknown",
// so PostgreSQL infers their types from context like PostgREST's literals. The package takes a role name and a claims document as
// plain values, so it knows nothing of token verification or HTTP.
//
// Errors from PostgreSQL are returned wrapped, so callers can reach the
// *pgconn.PgError with errors.As; failures to reach the database are
// reported as *rowgate.Error with PostgREST's PGRST000/PGRST003 codes.
package pgexec
