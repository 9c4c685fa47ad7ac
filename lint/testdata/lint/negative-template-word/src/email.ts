import Handlebars from 'handlebars'
import { createClient } from '@supabase/supabase-js'

const supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_KEY!)

type Template = { template: string; subject: string }

export function render(t: Template, data: Record<string, unknown>) {
  const template = Handlebars.compile(t.template)
  return template(data)
}

export const welcome: Template = { template: 'supabase', subject: 'Welcome' }

export async function getToken(opts: { template: string }) {
  return supabase.from('templates').select().eq('name', opts.template)
}
