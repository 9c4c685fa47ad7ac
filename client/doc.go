// Package client is a Go client for Supabase-compatible Data APIs: rowgate
// and hosted Supabase (PostgREST under /rest/v1). It imports only the
// standard library.
//
// # Queries
//
// A [Client] builds requests the way postgrest-js does — the same query
// parameters, Prefer values and headers — so the server cannot tell them
// apart:
//
//	db := client.New("https://xyz.supabase.co", publishableKey)
//	var todos []Todo
//	resp, err := db.From("todos").
//		Select("id,title,owner:users(name)", client.Count(client.Exact)).
//		Eq("done", false).
//		Order("id", client.Desc).
//		Range(0, 9).
//		Execute(ctx, &todos)
//	// resp.Count holds the total from Content-Range.
//
// Mutations are [Query.Insert], [Query.Upsert], [Query.Update] and
// [Query.Delete]; they send "Prefer: return=minimal" unless followed by
// [Query.Select], which asks for the affected rows back. Functions are
// called with [Client.RPC].
//
// # Safe by construction
//
// Every parameter is URL-encoded. Values in lists (In, "in" terms) and in
// conditions built with [Term], [AnyOf] and [AllOf] and added with
// [Query.Where] are double-quoted
// and backslash-escaped whenever they contain a character PostgREST's
// grammar treats specially, so no value can add a list item, close a
// group or inject another filter. Array values for Contains, ContainedBy
// and Overlaps are quoted as PostgreSQL array literals. [Query.Or] takes a
// raw string, exactly as postgrest-js does, and is the one place where the
// caller is responsible for quoting.
//
// # Authentication
//
// Every request carries "apikey: <key>". With [WithAccessToken] the
// client calls the given function before each request — as supabase-js's
// accessToken option does — and sends its token as "Authorization:
// Bearer <token>"; with no function, or when it returns "", the request
// is sent as supabase-js sends a signed-out one, with the API key as the
// bearer. This is how third-party auth (Clerk, Auth0, Firebase, Cognito,
// WorkOS) is used: the function returns the provider's session token. If
// the server answers 401 PGRST303 "JWT expired", the function is asked
// again and the request retried once.
//
// # Errors and retries
//
// Server errors are returned as *[Error] (PostgREST's code, message,
// details, hint); [IsNotFound], [IsConflict] and [IsUnauthorized] classify
// them. GET and HEAD requests are retried on network errors and 503/520
// answers with postgrest-js's backoff (1 s, 2 s, 4 s, or Retry-After).
// Every wait stops when the context is cancelled.
package client
