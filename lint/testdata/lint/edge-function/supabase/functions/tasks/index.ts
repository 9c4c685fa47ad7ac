import { createClient } from 'npm:@supabase/supabase-js@2'

Deno.serve(async (req: Request) => {
  // Forward the caller's Clerk session token; no template involved.
  const authHeader = req.headers.get('Authorization')!
  const supabase = createClient(Deno.env.get('SUPABASE_URL')!, Deno.env.get('SUPABASE_ANON_KEY')!, {
    global: { headers: { Authorization: authHeader } },
  })
  const admin = createClient(Deno.env.get('SUPABASE_URL')!, Deno.env.get('SUPABASE_SERVICE_ROLE_KEY')!)
  const { data } = await supabase.from('tasks').select()
  await admin.from('audit').insert({ n: data?.length ?? 0 })
  return new Response(JSON.stringify(data), { headers: { 'Content-Type': 'application/json' } })
})
