// Package pgrest parses PostgREST (v14) Data API requests into a typed
// request tree, without touching SQL, the database or net/http types.
//
// [ParseRequest] takes the method, the path below /rest/v1, the raw query
// string and a few header values, and returns a [Request]: the select tree
// (columns, aliases, casts, JSON paths, aggregates, embedded resources with
// hints, join types and spreads), filters and and/or logic trees for the
// root and for embedded resources, order, limit/offset, the Range header,
// Prefer preferences, the negotiated Accept media type, columns= and
// on_conflict=.
//
//	req, err := pgrest.ParseRequest("GET", "/todos",
//		"select=id,title,owner:users(name)&done=eq.false&order=id.desc&limit=10",
//		pgrest.Headers{})
//
// Errors are *rowgate.Error values in PostgREST's shape (PGRST100 for query
// grammar errors with PostgREST's "failed to parse … (line 1, column N)"
// message, PGRST103, PGRST107, PGRST122, PGRST125, PGRST101, PGRST117).
// Schema-dependent checks (unknown columns, relationships, RPC argument
// matching, aggregate permission) belong to the SQL builder and executor.
//
// Every identifier in the tree is an unquoted, non-empty, NUL-free UTF-8
// string; consumers must quote it as an SQL identifier. Values are raw text
// to be sent as bind parameters.
package pgrest
