import { auth } from '@clerk/nextjs/server'
import { createClient } from '@supabase/supabase-js'

// Server-side client, following the pre-2025 Clerk guide.
export async function createServerSupabaseClient() {
  const { getToken } = await auth()
  const supabaseAccessToken = await getToken({ template: 'supabase' })

  return createClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!, {
    global: {
      headers: { Authorization: `Bearer ${supabaseAccessToken}` },
    },
  })
}
