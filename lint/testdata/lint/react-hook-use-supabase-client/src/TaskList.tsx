import { useEffect, useState } from 'react'
import { useSupabaseClient } from './hooks/useSupabaseClient'

// Old: const token = await getToken({ template: 'supabase' })
export function TaskList() {
  const client = useSupabaseClient()
  const [tasks, setTasks] = useState<{ id: number; name: string }[]>([])
  useEffect(() => {
    client.from('tasks').select().then(({ data }) => setTasks(data ?? []))
  }, [client])
  return <ul>{tasks.map((t) => <li key={t.id}>{t.name} isn't a "template"</li>)}</ul>
}
