-- Tasks owned by users. Note: auth.uid() does not work with Clerk ids.
create table public.tasks (
  id bigint generated always as identity primary key,
  name text not null,
  user_id uuid not null default auth.uid()
);
alter table public.tasks enable row level security;

create policy "owners read" on public.tasks
  for select to authenticated
  using ((select auth.uid()) = user_id);

create policy "owners write" on public.tasks
  for insert to authenticated
  with check ( auth . uid ( ) = user_id );

comment on table public.tasks is 'filtered by auth.uid()';
/* old: using (requesting_user_id() = user_id) /* nested */ still a comment */
