import { createClerkClient } from 'npm:@clerk/backend@1'
import { createClient } from 'https://esm.sh/@supabase/supabase-js@2.45.0'

const clerk = createClerkClient({ secretKey: Deno.env.get('CLERK_SECRET_KEY') })

Deno.serve(async (req) => {
  const supabase = createClient(Deno.env.get('SUPABASE_URL')!, Deno.env.get('SUPABASE_ANON_KEY')!)
  const user = await clerk.users.getUser(new URL(req.url).searchParams.get('id')!)
  await supabase.from('profiles').upsert({ id: user.id })
  return new Response('ok')
})
