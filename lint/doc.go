// Package lint finds the deprecated Clerk JWT-template integration and the
// other third-party-auth mistakes of a Supabase project in its source tree,
// for `rowgate lint` (people) and CI (JSON, SARIF 2.1.0).
//
// It reads JS/TS/JSX/TSX sources, the <script> blocks of Vue and Svelte
// components, package.json, supabase/config.toml (through package config,
// so validation messages are the Supabase CLI's), SQL files such as
// supabase/migrations/*.sql, and .env files. The rules ([Rules]) cover
// getToken({ template: 'supabase' }) in any quoting or through a variable,
// Authorization headers built from such a token, Clerk used but not trusted,
// createClient without the accessToken option in a Clerk project,
// auth.uid() where subjects are not UUIDs, the old requesting_user_id()
// helper, and committed secrets (JWT secret, sb_secret_ keys, service_role
// JWTs; values are masked in every output). The Supabase CLI's public local
// development values (its default JWT secret and secret key, and JWTs
// issued by "supabase-demo") are not reported.
//
// # Why a lexer and not a full parser
//
// Rules must not fire on comments, strings or JSX text, so JS/TS is read
// by a real lexer, not by regular expressions over the file. No importable
// Go parser handles TypeScript and JSX: esbuild's parser lives in internal
// packages (its public API only transforms code, which loses the original
// positions), goja's parser reads plain ECMAScript without types or JSX,
// and tree-sitter bindings need cgo, which rowgate's single static binary
// avoids. The lexer here understands everything that changes what counts
// as code — line and block comments, quoted strings, template literals with
// nested ${…} substitutions, regular-expression literals (told apart from
// division by the preceding token) and JSX elements, whose text children
// are skipped — and a small structural matcher works on the resulting
// tokens: balanced brackets, call arguments, object-literal members and
// const/let/var bindings. Type annotations need no special handling because
// the rules only look at calls, object literals and assignments. SQL is
// treated the same way: comments and quoted literals are blanked before
// matching, dollar-quoted function bodies are kept as code.
//
// # Fixing
//
// [FixClerk] edits supabase/config.toml as text to enable
// [auth.third_party.clerk] with a domain validated by the CLI's rule, so
// comments and layout survive; the edited file is parsed again before it is
// returned.
//
// Example:
//
//	rep, err := lint.Scan([]string{"."}, lint.Options{Getenv: os.LookupEnv})
//	if err != nil {
//		return err
//	}
//	_ = lint.WriteText(os.Stdout, rep)
package lint
