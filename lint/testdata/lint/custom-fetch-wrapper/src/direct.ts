import Clerk from '@clerk/clerk-js'

declare const clerk: Clerk

export async function load(path: string) {
  const res = await fetch(path, {
    headers: {
      authorization: `Bearer ${await clerk.session!.getToken({
        template: 'supabase',
      })}`,
    },
  })
  const h = new Headers()
  const tok = await clerk.session?.getToken({ template: 'supabase' })
  h.append("Authorization", "Bearer " + tok)
  const extra: Record<string, string> = {}
  extra['Authorization'] = `Bearer ${tok}`
  return [res, h, extra]
}
