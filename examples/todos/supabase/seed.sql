insert into public.todos (user_id, title, done) values
  ('user_a', 'Buy milk', false),
  ('user_a', 'Write the report', true),
  ('user_b', 'Call the plumber', false);
