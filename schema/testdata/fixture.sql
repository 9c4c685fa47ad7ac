-- A small project-management app, used by the schema and sqlgen tests.
-- Expects an empty database; the API roles anon/authenticated are created
-- by the test helper when missing.

CREATE TYPE public.task_status AS ENUM ('todo', 'doing', 'done');
CREATE DOMAIN public.email AS text CHECK (VALUE LIKE '%@%');

CREATE TABLE public.orgs (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text NOT NULL UNIQUE,
  settings   jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.orgs IS 'Organisations';

CREATE TABLE public.users (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email      public.email NOT NULL UNIQUE,
  name       text NOT NULL,
  profile    json,
  nicknames  text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);

-- one-to-one with users (the FK columns are the primary key)
CREATE TABLE public.user_settings (
  user_id uuid PRIMARY KEY REFERENCES public.users (id) ON DELETE CASCADE,
  theme   text NOT NULL DEFAULT 'light'
);

-- junction: orgs <-> users
CREATE TABLE public.memberships (
  org_id  bigint NOT NULL REFERENCES public.orgs (id),
  user_id uuid NOT NULL REFERENCES public.users (id),
  role    text NOT NULL DEFAULT 'member',
  PRIMARY KEY (org_id, user_id)
);

CREATE TABLE public.projects (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id        bigint NOT NULL REFERENCES public.orgs (id),
  name          text NOT NULL,
  budget        numeric(12,2),
  active_period int4range,
  created_by    uuid REFERENCES public.users (id)
);

CREATE TABLE public.tasks (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id  bigint NOT NULL REFERENCES public.projects (id),
  title       text NOT NULL,
  status      public.task_status NOT NULL DEFAULT 'todo',
  assignee_id uuid CONSTRAINT tasks_assignee_fkey REFERENCES public.users (id),
  reviewer_id uuid CONSTRAINT tasks_reviewer_fkey REFERENCES public.users (id),
  points      bigint,
  labels      text[] NOT NULL DEFAULT '{}',
  meta        jsonb,
  due_at      timestamptz,
  search      tsvector GENERATED ALWAYS AS (to_tsvector('english', title)) STORED
);

CREATE TABLE public.tags (
  id   int PRIMARY KEY,
  name text NOT NULL UNIQUE
);

-- junction: tasks <-> tags
CREATE TABLE public.task_tags (
  task_id bigint NOT NULL REFERENCES public.tasks (id) ON DELETE CASCADE,
  tag_id  int NOT NULL REFERENCES public.tags (id),
  PRIMARY KEY (task_id, tag_id)
);

-- a view passing tasks' key and FK columns through (one renamed)
CREATE VIEW public.open_tasks AS
  SELECT t.id, t.project_id, t.title, t.status, t.assignee_id AS owner_id, t.due_at
  FROM public.tasks t
  WHERE t.status <> 'done';

-- a view over a view; title is an expression, so not passed through
CREATE VIEW public.urgent_tasks AS
  SELECT o.id, upper(o.title) AS title, o.project_id
  FROM public.open_tasks o
  WHERE o.due_at IS NOT NULL;

-- partitioned table with a FK; its partition must not show up
CREATE TABLE public.events (
  id          bigint GENERATED ALWAYS AS IDENTITY,
  occurred_at timestamptz NOT NULL,
  user_id     uuid REFERENCES public.users (id),
  payload     jsonb,
  PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);
CREATE TABLE public.events_2026 PARTITION OF public.events
  FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');

CREATE MATERIALIZED VIEW public.project_stats AS
  SELECT project_id, count(*) AS n FROM public.tasks GROUP BY project_id;

-- computed field on tasks
CREATE FUNCTION public.title_length(public.tasks) RETURNS int
  LANGUAGE sql IMMUTABLE AS $$ SELECT length($1.title) $$;

-- table-returning, scalar, TABLE(...), variadic and overloaded functions
CREATE FUNCTION public.search_tasks(q text) RETURNS SETOF public.tasks
  LANGUAGE sql STABLE AS $$ SELECT * FROM public.tasks WHERE search @@ plainto_tsquery('english', q) $$;
CREATE FUNCTION public.add_numbers(a int, b int DEFAULT 0) RETURNS int
  LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$;
CREATE FUNCTION public.status_counts() RETURNS TABLE (status public.task_status, n bigint)
  LANGUAGE sql STABLE AS $$ SELECT status, count(*) FROM public.tasks GROUP BY status $$;
CREATE FUNCTION public.sum_all(VARIADIC nums int[]) RETURNS int
  LANGUAGE sql IMMUTABLE AS $$ SELECT sum(x)::int FROM unnest(nums) x $$;
CREATE FUNCTION public.touch_project(project_id bigint) RETURNS void
  LANGUAGE sql VOLATILE AS $$ SELECT $$;

-- seed data
INSERT INTO public.orgs (name, settings) VALUES
  ('Acme', '{"plan": "pro", "seats": 10}'),
  ('Globex', '{"plan": "free"}'),
  ('Empty Org', '{}');

INSERT INTO public.users (id, email, name, profile, nicknames) VALUES
  ('00000000-0000-0000-0000-000000000001', 'ada@example.com', 'Ada', '{"city": "London", "langs": ["en", "fr"]}', '{ada,countess}'),
  ('00000000-0000-0000-0000-000000000002', 'bob@example.com', 'Bob', '{"city": "Paris"}', '{}'),
  ('00000000-0000-0000-0000-000000000003', 'cy@example.com', 'Cy', NULL, '{c}');

INSERT INTO public.user_settings (user_id, theme) VALUES
  ('00000000-0000-0000-0000-000000000001', 'dark');

INSERT INTO public.memberships (org_id, user_id, role) VALUES
  (1, '00000000-0000-0000-0000-000000000001', 'owner'),
  (1, '00000000-0000-0000-0000-000000000002', 'member'),
  (2, '00000000-0000-0000-0000-000000000002', 'owner');

INSERT INTO public.projects (org_id, name, budget, active_period, created_by) VALUES
  (1, 'Rocket', 1000.50, '[1,10)', '00000000-0000-0000-0000-000000000001'),
  (1, 'Anvil', NULL, '[20,30)', '00000000-0000-0000-0000-000000000002'),
  (2, 'Portal', 99.99, NULL, NULL);

INSERT INTO public.tasks (project_id, title, status, assignee_id, reviewer_id, points, labels, meta, due_at) VALUES
  (1, 'Design the rocket engine', 'doing', '00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002', 8, '{design,urgent}', '{"priority": 1, "tags": ["a"]}', '2026-12-01T10:00:00Z'),
  (1, 'Build the launch pad', 'todo', '00000000-0000-0000-0000-000000000002', NULL, 5, '{build}', '{"priority": 2}', NULL),
  (1, 'Test the rocket', 'done', NULL, NULL, NULL, '{}', NULL, NULL),
  (2, 'Forge the anvil', 'todo', '00000000-0000-0000-0000-000000000001', NULL, 3, '{build,urgent}', '{"priority": 1}', '2026-11-30T08:00:00Z'),
  (3, 'Open a portal', 'doing', '00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000001', 13, '{}', '{"priority": 3}', NULL);

INSERT INTO public.tags (id, name) VALUES (1, 'backend'), (2, 'frontend'), (3, 'infra');
INSERT INTO public.task_tags (task_id, tag_id) VALUES (1, 1), (1, 3), (2, 3), (4, 1);

INSERT INTO public.events (occurred_at, user_id, payload) VALUES
  ('2026-03-01T00:00:00Z', '00000000-0000-0000-0000-000000000001', '{"kind": "login"}');

REFRESH MATERIALIZED VIEW public.project_stats;

GRANT USAGE ON SCHEMA public TO anon, authenticated;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO anon, authenticated;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO anon, authenticated;
