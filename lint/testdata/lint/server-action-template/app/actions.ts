'use server'

import { auth } from '@clerk/nextjs/server'
import { createClient } from '@supabase/supabase-js'

export async function addTask(name: string) {
  const token: string | null = await (await auth()).getToken({template:"supabase"})
  const client = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_KEY!, {
    global: { headers: { 'Authorization': 'Bearer ' + token } },
  })
  await client.from('tasks').insert({ name })
}
