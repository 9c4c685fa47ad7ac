// Package doctor checks a rowgate deployment and explains token refusals,
// for `rowgate doctor` and `rowgate doctor token`.
//
// [Run] produces a checklist with a pass, warn or fail verdict per line:
// the configuration (with the Supabase CLI's messages), each trusted
// issuer's OIDC discovery document and key set (fetched with the same
// package, jwks, the server uses; key count, algorithms and kids, and the
// reasons keys were skipped), the clock difference to each issuer's Date
// header, and the database: reachable, the Supabase roles and auth.jwt()
// present, authenticator NOINHERIT and not a superuser, row level security
// enabled on every table anon or authenticated can use, and no policy
// calling auth.uid() while an issuer with non-UUID subjects (Clerk,
// Firebase, Auth0, WorkOS) is trusted. [Report.Failed] decides the exit
// code.
//
// [ExplainToken] decodes a token's header and claims (never printing the
// signature) and walks the server's own verification through
// (*auth.Verifier).Explain, so its verdicts cannot drift from what the
// server does.
package doctor
