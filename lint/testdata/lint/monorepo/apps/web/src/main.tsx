import { createClient as createSupabaseClient } from '@supabase/supabase-js'
import { ClerkProvider } from '@clerk/clerk-react'

export const supabase = createSupabaseClient(import.meta.env.VITE_SUPABASE_URL, import.meta.env.VITE_SUPABASE_KEY)

export function Root() {
  return <ClerkProvider publishableKey={import.meta.env.VITE_CLERK_KEY}><div /></ClerkProvider>
}
