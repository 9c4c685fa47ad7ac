import { auth } from '@clerk/nextjs/server'
import { createClient } from '@supabase/supabase-js'

// Before the migration we did:
//   const token = await getToken({ template: 'supabase' })
//   headers: { Authorization: `Bearer ${token}` }
/*
  global: {
    headers: { Authorization: `Bearer ${await getToken({ template: "supabase" })}` },
  },
*/
const note = 'getToken({ template: "supabase" }) is deprecated'
const doc = `Do not call getToken({ template: 'supabase' }) any more: ${note}`

export async function serverClient() {
  return createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_KEY!, {
    accessToken: async () => (await auth()).getToken(),
  })
}
export { doc }
