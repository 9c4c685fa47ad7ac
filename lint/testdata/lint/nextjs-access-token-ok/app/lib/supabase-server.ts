import { auth } from '@clerk/nextjs/server'
import { createClient } from '@supabase/supabase-js'

const options = {
  accessToken: async () => (await auth()).getToken(),
}

export const supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_KEY!, options)
