import Clerk from '@clerk/clerk-js'

const clerk = new Clerk(import.meta.env.VITE_CLERK_PUBLISHABLE_KEY)

async function getSupabaseToken() {
  return clerk.session?.getToken({ template: 'supabase' })
}

export async function fetchWithAuth(url, init = {}) {
  const headers = { ...init.headers, Authorization: `Bearer ${await getSupabaseToken()}` }
  return fetch(url, { ...init, headers })
}

export const rest = (path) => fetchWithAuth(`${import.meta.env.VITE_SUPABASE_URL}/rest/v1/${path}`)
