// Package gateway is rowgate's HTTP server: the Data API under /rest/v1,
// /health, /metrics and the project's public JWKS.
//
// Every handler has the form func(w, r) error; the one place that turns an
// error into a response is writeError, which renders PostgREST's
// {code, message, details, hint} body and maps PostgreSQL SQLSTATEs to HTTP
// statuses exactly as PostgREST 14 does. Requests are resolved to an identity
// by package auth before anything touches the database, and each request runs
// as one transaction through package pgexec.
package gateway
