import { useAuth } from '@clerk/nextjs'

const quotes = /['"`]/g // a regex full of quotes
const half = 10 / 2 / 1
const nested = `a ${`b ${'c'} ${"}"}`} d`
const generic = <T,>(x: T) => x
const re2 = half > 1 ? /\/template\// : /x/

export function Banner({ name }: { name: string }) {
  const { getToken } = useAuth()
  const onClick = async () => {
    const t = await getToken({ template: 'supabase' })
    return t
  }
  return (
    <>
      {/* getToken({ template: 'supabase' }) in a JSX comment */}
      <p title="it's a 'template'">Don't {name} use `template` — it's old</p>
      <button onClick={onClick}>Go</button>
      {quotes.test(name) && <span>{nested}{re2.source}{generic(half)}</span>}
    </>
  )
}

export const after = getToken2()
function getToken2() {
  return `${getToken3({ template: "supabase" })}`
}
declare function getToken3(o: { template: string }): string

// Still in sync after all of the above:
export const late = () => useAuth().getToken({ template: 'supabase' })
