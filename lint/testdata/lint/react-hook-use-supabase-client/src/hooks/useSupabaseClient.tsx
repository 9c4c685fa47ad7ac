import { useMemo } from 'react'
import { useAuth } from '@clerk/clerk-react'
import { createClient, type SupabaseClient } from '@supabase/supabase-js'

const SUPABASE_TEMPLATE = 'supabase'

export function useSupabaseClient(): SupabaseClient {
  const { getToken } = useAuth()
  return useMemo(
    () =>
      createClient(import.meta.env.VITE_SUPABASE_URL, import.meta.env.VITE_SUPABASE_ANON_KEY, {
        global: {
          fetch: async (url, options = {}) => {
            const clerkToken = await getToken({ template: SUPABASE_TEMPLATE })
            const headers = new Headers(options?.headers)
            headers.set('Authorization', `Bearer ${clerkToken}`)
            return fetch(url, { ...options, headers })
          },
        },
      }),
    [getToken],
  )
}
