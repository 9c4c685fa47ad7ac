create table public.posts (id serial primary key, author text default auth.uid()::text);
