import { createServerSupabaseClient } from './lib/supabase'

export default async function Page() {
  const supabase = await createServerSupabaseClient()
  const { data: tasks } = await supabase.from('tasks').select()
  return (
    <main>
      <h1>Tasks</h1>
      <p>Rendered with the template's data, don't worry.</p>
      {tasks?.map((t) => <div key={t.id}>{t.name}</div>)}
    </main>
  )
}
