-- From the 2024 Clerk + Supabase guide.
CREATE OR REPLACE FUNCTION requesting_user_id()
RETURNS TEXT AS $$
    SELECT NULLIF(
        current_setting('request.jwt.claims', true)::json->>'sub',
        ''
    )::text;
$$ LANGUAGE SQL STABLE;

CREATE TABLE tasks (
  id serial PRIMARY KEY,
  name text NOT NULL,
  user_id text NOT NULL DEFAULT requesting_user_id()
);
ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Select tasks policy" ON "public"."tasks" AS PERMISSIVE FOR SELECT TO authenticated
USING (requesting_user_id() = user_id);
