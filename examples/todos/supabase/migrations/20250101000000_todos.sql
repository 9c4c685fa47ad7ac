-- A todo list per Clerk user. Clerk user ids look like "user_2abc…", not
-- UUIDs, so the owner column is text and policies use auth.jwt()->>'sub'
-- (auth.uid() would fail to cast them).
create table public.todos (
  id bigint generated always as identity primary key,
  user_id text not null default (auth.jwt()->>'sub'),
  title text not null check (length(title) between 1 and 500),
  done boolean not null default false,
  created_at timestamptz not null default now()
);

alter table public.todos enable row level security;

create policy "users read their own todos" on public.todos
  for select to authenticated
  using ((select auth.jwt()->>'sub') = user_id);

create policy "users add their own todos" on public.todos
  for insert to authenticated
  with check ((select auth.jwt()->>'sub') = user_id);

create policy "users change their own todos" on public.todos
  for update to authenticated
  using ((select auth.jwt()->>'sub') = user_id)
  with check ((select auth.jwt()->>'sub') = user_id);

create policy "users delete their own todos" on public.todos
  for delete to authenticated
  using ((select auth.jwt()->>'sub') = user_id);
