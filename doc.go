// Package rowgate holds the small, dependency-free vocabulary that the rest of
// rowgate shares: the PostgREST-shaped [Error] and its codes.
//
// rowgate is one binary that serves a Supabase-compatible Data API (PostgREST
// semantics under /rest/v1) in front of PostgreSQL, and admits users of
// third-party auth providers (Clerk, Firebase Auth, Auth0, AWS Cognito, WorkOS,
// any OIDC issuer) by verifying their tokens with the provider's public keys.
// The project's JWT secret never leaves the server.
//
// Packages and the direction of their imports:
//
//	cmd/rowgate → cli → config, auth, gateway, localdb, …
//	gateway     → auth, pgrest, sqlgen, schema, pgexec, rowgate
//	sqlgen      → pgrest, schema
//	auth        → auth/jwks, rowgate
//	client      → standard library only
//
// The parser (pgrest) and the SQL builder (sqlgen) know nothing of HTTP or of
// the database connection; only cli reads configuration.
package rowgate
