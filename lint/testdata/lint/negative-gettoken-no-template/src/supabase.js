import { useAuth } from '@clerk/clerk-react'
import { createClient } from '@supabase/supabase-js'

export function useClient() {
  const { getToken } = useAuth()
  return createClient(import.meta.env.VITE_SUPABASE_URL, import.meta.env.VITE_SUPABASE_KEY, {
    accessToken: () => getToken(),
  })
}

export async function headersFor(getToken) {
  const token = await getToken({ skipCache: true })
  const ratio = token.length / 2 / 1 // division, not a regex
  return { Authorization: `Bearer ${token}`, 'X-Ratio': String(ratio) }
}
