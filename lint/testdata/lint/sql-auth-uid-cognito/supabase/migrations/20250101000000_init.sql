-- Cognito subjects are UUIDs, so auth.uid() is fine here.
create table public.items (id serial primary key, owner uuid default auth.uid());
alter table public.items enable row level security;
create policy "own" on public.items using (auth.uid() = owner);
