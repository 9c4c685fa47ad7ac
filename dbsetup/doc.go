// Package dbsetup prepares any PostgreSQL database for rowgate: the Supabase
// baseline ([Bootstrap]), the project's migrations ([Migrate]) and seed data
// ([Seed]). It backs `rowgate db bootstrap`, `rowgate db migrate`,
// `rowgate dev` and the test helpers.
//
// The baseline is what Supabase projects and their RLS policies assume:
//
//   - roles anon, authenticated (NOLOGIN NOINHERIT), service_role (also
//     BYPASSRLS) and authenticator (LOGIN NOINHERIT, member of the three);
//   - schemas auth and extensions, with auth.jwt(), auth.uid() and
//     auth.role() reading the request.jwt.claims setting;
//   - Supabase's grants on schema public, including default privileges for
//     objects created later;
//   - supabase_migrations.schema_migrations, the Supabase CLI's history table;
//   - event triggers pgrst_ddl_watch and pgrst_drop_watch that send
//     NOTIFY pgrst, 'reload schema' after DDL.
//
// Everything is idempotent, so Bootstrap may run on every start:
//
//	conn, err := pgx.Connect(ctx, url)
//	if err != nil { … }
//	if err := dbsetup.Bootstrap(ctx, conn); err != nil { … }
//	applied, err := dbsetup.Migrate(ctx, conn, "supabase/migrations")
package dbsetup
