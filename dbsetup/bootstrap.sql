-- rowgate baseline: the parts of a Supabase database that the Data API and
-- row-level-security policies rely on. Every statement is idempotent; the Go
-- side runs the whole file in one transaction.

-- Roles are cluster-wide, so two databases bootstrapped at once would race to
-- create them. pg_authid is a shared catalog, so a lock on it serialises
-- bootstraps across all databases of the cluster (and only them: logins read
-- the catalog under a weaker lock).
LOCK TABLE pg_catalog.pg_authid IN SHARE ROW EXCLUSIVE MODE;

-- API roles. PostgREST logs in as authenticator and switches to one of the
-- others per request (SET LOCAL ROLE), hence NOINHERIT everywhere: the
-- authenticator alone can do nothing.
DO $roles$
DECLARE
  want record;
BEGIN
  FOR want IN
    SELECT * FROM (VALUES
      ('anon',          'NOLOGIN NOINHERIT NOSUPERUSER'),
      ('authenticated', 'NOLOGIN NOINHERIT NOSUPERUSER'),
      ('service_role',  'NOLOGIN NOINHERIT NOSUPERUSER BYPASSRLS'),
      ('authenticator', 'LOGIN NOINHERIT NOSUPERUSER')
    ) AS r(rolname, attributes)
  LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = want.rolname) THEN
      EXECUTE format('CREATE ROLE %I %s', want.rolname, want.attributes);
    ELSE
      -- A role made by hand (say, without NOINHERIT) would widen what the
      -- API can do; bring it back to the baseline. No-op on Supabase.
      EXECUTE format('ALTER ROLE %I %s', want.rolname, want.attributes);
    END IF;
  END LOOP;
END
$roles$;

GRANT anon, authenticated, service_role TO authenticator;

CREATE SCHEMA IF NOT EXISTS auth;
CREATE SCHEMA IF NOT EXISTS extensions;

-- Claims of the current request, as set by the gateway with
-- set_config('request.jwt.claims', <json>, true). The singular
-- request.jwt.claim is PostgREST's pre-v9 name, kept for compatibility.
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE
AS $fn$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$fn$;

-- The sub claim as a uuid. The cast fails for providers whose subjects are
-- not UUIDs (Clerk's "user_…", Firebase, Auth0); use auth.jwt()->>'sub'.
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
  )::uuid
$fn$;

CREATE OR REPLACE FUNCTION auth.role() RETURNS text
LANGUAGE sql STABLE
AS $fn$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'
  )::text
$fn$;

COMMENT ON FUNCTION auth.uid() IS 'Deprecated. Use auth.jwt() -> ''sub'' instead.';
COMMENT ON FUNCTION auth.role() IS 'Deprecated. Use auth.jwt() -> ''role'' instead.';

GRANT USAGE ON SCHEMA public, auth, extensions TO anon, authenticated, service_role;

-- Supabase's default: the API roles get every privilege on objects in public,
-- and row-level security decides what they may actually see.
GRANT ALL ON ALL TABLES IN SCHEMA public TO anon, authenticated, service_role;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO anon, authenticated, service_role;
GRANT ALL ON ALL ROUTINES IN SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;

-- Migration history in the Supabase CLI's shape.
CREATE SCHEMA IF NOT EXISTS supabase_migrations;
CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (version text PRIMARY KEY);
ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS statements text[];
ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS name text;

-- Schema-cache reloads: after DDL that changes what the API exposes, tell
-- listeners on channel pgrst to reload (PostgREST's protocol; rowgate listens
-- too). Objects in pg_temp are private to a session and never matter.
CREATE OR REPLACE FUNCTION extensions.pgrst_ddl_watch() RETURNS event_trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
  IF EXISTS (
    SELECT FROM pg_catalog.pg_event_trigger_ddl_commands() AS c
    WHERE c.schema_name IS DISTINCT FROM 'pg_temp'
      AND c.command_tag IN (
        'CREATE SCHEMA', 'ALTER SCHEMA',
        'CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'ALTER TABLE',
        'CREATE FOREIGN TABLE', 'ALTER FOREIGN TABLE',
        'CREATE VIEW', 'ALTER VIEW',
        'CREATE MATERIALIZED VIEW', 'ALTER MATERIALIZED VIEW',
        'CREATE FUNCTION', 'ALTER FUNCTION', 'CREATE PROCEDURE', 'ALTER PROCEDURE',
        'CREATE TRIGGER', 'CREATE TYPE', 'ALTER TYPE', 'CREATE RULE', 'COMMENT')
  ) THEN
    NOTIFY pgrst, 'reload schema';
  END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION extensions.pgrst_drop_watch() RETURNS event_trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
  IF EXISTS (
    SELECT FROM pg_catalog.pg_event_trigger_dropped_objects() AS o
    WHERE NOT o.is_temporary
      AND o.object_type IN ('schema', 'table', 'foreign table', 'view', 'materialized view',
                            'function', 'procedure', 'trigger', 'type', 'rule')
  ) THEN
    NOTIFY pgrst, 'reload schema';
  END IF;
END
$fn$;

DO $triggers$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = 'pgrst_ddl_watch') THEN
    CREATE EVENT TRIGGER pgrst_ddl_watch ON ddl_command_end
      EXECUTE FUNCTION extensions.pgrst_ddl_watch();
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = 'pgrst_drop_watch') THEN
    CREATE EVENT TRIGGER pgrst_drop_watch ON sql_drop
      EXECUTE FUNCTION extensions.pgrst_drop_watch();
  END IF;
END
$triggers$;
