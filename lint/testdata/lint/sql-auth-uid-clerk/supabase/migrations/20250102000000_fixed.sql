-- The fixed shape: text subjects from auth.jwt().
create table public.notes (
  id bigint generated always as identity primary key,
  user_id text not null default (auth.jwt()->>'sub')
);
alter table public.notes enable row level security;
create policy "owners" on public.notes using ((select auth.jwt()->>'sub') = user_id);
