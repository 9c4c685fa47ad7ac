create table public.todos (id serial primary key, owner text);
alter table public.todos enable row level security;
create policy "own" on public.todos for all using (owner = auth.uid()::text);
