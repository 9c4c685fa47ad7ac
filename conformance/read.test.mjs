// Reads through supabase-js: select shapes, embeds, filters, ordering and
// views/partitions/computed fields, as PostgREST 14 answers them.
//
// alice (org_acme admin) owns tasks 1-4, bob owns 5-7; RLS limits every
// user to their own tasks and to the projects of their active organisation.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { assertRes, ok, startRowgate } from './harness.mjs'

let rg
let alice // signed in, no active organisation
let aliceAcme // signed in, org_acme active (admin)
let service // secret key: service_role, bypasses RLS

before(async () => {
  rg = await startRowgate()
  const a = rg.session('user_alice')
  const aa = rg.session('user_alice', { org: 'org_acme', orgRole: 'admin', orgSlug: 'acme' })
  alice = rg.client(() => a)
  aliceAcme = rg.client(() => aa)
  service = rg.serviceClient()
})

after(async () => {
  await rg?.stop()
})

const ids = (...xs) => xs.map((id) => ({ id }))

describe('select', () => {
  test('columns of every common type, rendered by PostgreSQL', async () => {
    const res = await alice.supabase
      .from('tasks')
      .select('id,title,done,priority,estimate,labels,details,due_at,public_id,view_count')
      .order('id')
    assertRes(rg, res, ok([
      {
        id: 1, title: 'Design landing page', done: false, priority: 1, estimate: 3.5,
        labels: ['design', 'web'], details: { size: 'm', checklist: ['wireframe', 'review'] },
        due_at: '2025-03-01T09:00:00+00:00', public_id: '6f1c2a5e-0b7d-4c1e-9a51-000000000001', view_count: 3000000000,
      },
      {
        id: 2, title: 'Write landing page copy', done: true, priority: null, estimate: 1.25,
        labels: ['web'], details: { size: 's' }, due_at: null,
        public_id: '6f1c2a5e-0b7d-4c1e-9a51-000000000002', view_count: 12,
      },
      {
        id: 3, title: 'Fix login crash on Android', done: false, priority: 2, estimate: 8,
        labels: ['mobile', 'bug'], details: { size: 'l', platform: 'android' },
        due_at: '2025-06-15T17:30:00+00:00', public_id: '6f1c2a5e-0b7d-4c1e-9a51-000000000003', view_count: 150,
      },
      {
        id: 4, title: 'Renew passport', done: false, priority: 3, estimate: null,
        labels: [], details: null, due_at: null,
        public_id: '6f1c2a5e-0b7d-4c1e-9a51-000000000004', view_count: 0,
      },
    ]))
    const ex = alice.wire.last()
    assert.equal(ex.headers.get('content-type'), 'application/json; charset=utf-8')
    assert.equal(ex.headers.get('content-range'), '0-3/*')
  })

  test('jsonb, numeric and range columns', async () => {
    const res = await aliceAcme.supabase.from('projects').select('id,budget,metadata,period').order('id')
    assertRes(rg, res, ok([
      {
        id: 1, budget: 12000.5, period: '[2025-01-01,2025-07-01)',
        metadata: { color: 'blue', stack: { frontend: 'react' }, owners: ['user_alice'] },
      },
      {
        id: 2, budget: 30000, period: '[2025-06-01,2026-01-01)',
        metadata: { color: 'green', stack: { frontend: 'swift' }, owners: ['user_alice', 'user_bob'] },
      },
    ]))
  })

  test('select * returns every column', async () => {
    const res = await alice.supabase.from('users').select('*').eq('id', 'user_alice')
    assertRes(rg, res, ok([
      { id: 'user_alice', display_name: 'Alice Liddell', email: 'alice@example.com', created_at: '2025-01-02T10:00:00+00:00' },
    ]))
  })

  test('aliases and casts', async () => {
    const res = await alice.supabase
      .from('tasks')
      .select('task_id:id, name:title, estimate::text, views:view_count::text')
      .order('id')
      .limit(2)
    assertRes(rg, res, ok([
      { task_id: 1, name: 'Design landing page', estimate: '3.50', views: '3000000000' },
      { task_id: 2, name: 'Write landing page copy', estimate: '1.25', views: '12' },
    ]))
  })

  test('json paths with -> and ->>, array index, default key and alias', async () => {
    const res = await alice.supabase
      .from('tasks')
      .select('id, details->>size, first_step:details->checklist->0, platform:details->>platform')
      .order('id')
    assertRes(rg, res, ok([
      { id: 1, size: 'm', first_step: 'wireframe', platform: null },
      { id: 2, size: 's', first_step: null, platform: null },
      { id: 3, size: 'l', first_step: null, platform: 'android' },
      { id: 4, size: null, first_step: null, platform: null },
    ]))
  })

  test('jsonb paths and a numeric cast', async () => {
    const res = await aliceAcme.supabase
      .from('projects')
      .select('id, metadata->stack->>frontend, first_owner:metadata->owners->>0, budget::int')
      .order('id')
    assertRes(rg, res, ok([
      { id: 1, frontend: 'react', first_owner: 'user_alice', budget: 12001 },
      { id: 2, frontend: 'swift', first_owner: 'user_alice', budget: 30000 },
    ]))
  })

  test('computed field selected, filtered and ordered like a column', async () => {
    const res = await alice.supabase
      .from('tasks')
      .select('id, label_count')
      .gte('label_count', 1)
      .order('label_count', { ascending: false })
      .order('id')
    assertRes(rg, res, ok([
      { id: 1, label_count: 2 },
      { id: 3, label_count: 2 },
      { id: 2, label_count: 1 },
    ]))
  })

  test('a security_invoker view applies the caller\'s RLS', async () => {
    const res = await alice.supabase.from('open_tasks').select('id,title,priority').order('id')
    assertRes(rg, res, ok([
      { id: 1, title: 'Design landing page', priority: 1 },
      { id: 3, title: 'Fix login crash on Android', priority: 2 },
      { id: 4, title: 'Renew passport', priority: 3 },
    ]))
  })

  test('a partitioned table reads across partitions', async () => {
    const res = await alice.supabase
      .from('events')
      .select('id,kind,occurred_at,payload')
      .order('occurred_at', { ascending: false })
    assertRes(rg, res, ok([
      { id: 3, kind: 'login', occurred_at: '2026-01-02T08:00:00+00:00', payload: { ip: '127.0.0.1' } },
      { id: 2, kind: 'export', occurred_at: '2025-11-20T15:45:00+00:00', payload: { rows: 120 } },
      { id: 1, kind: 'login', occurred_at: '2025-05-01T10:00:00+00:00', payload: { ip: '127.0.0.1' } },
    ]))
  })

  test('timestamptz filter on a partitioned table', async () => {
    const res = await alice.supabase.from('events').select('id').gte('occurred_at', '2025-06-01T00:00:00Z').order('id')
    assertRes(rg, res, ok(ids(2, 3)))
  })

  test('another exposed schema through schema()', async () => {
    const res = await service.supabase.schema('reporting').from('org_stats').select('org_id,month,tasks_done').order('org_id')
    assertRes(rg, res, ok([
      { org_id: 'org_acme', month: '2025-06-01', tasks_done: 4 },
      { org_id: 'org_globex', month: '2025-06-01', tasks_done: 1 },
    ]))
    assert.equal(service.wire.last().requestHeaders.get('accept-profile'), 'reporting')
  })

  test('stripNulls() drops null members', async () => {
    const res = await alice.supabase.from('tasks').select('id,priority,due_at').in('id', [2, 4]).order('id').stripNulls()
    assertRes(rg, res, ok([{ id: 2 }, { id: 4, priority: 3 }]))
  })
})

describe('embeds', () => {
  test('to-one embed is an object, or null when there is no row', async () => {
    const res = await aliceAcme.supabase.from('tasks').select('id, project:projects(name)').order('id')
    assertRes(rg, res, ok([
      { id: 1, project: { name: 'Website' } },
      { id: 2, project: { name: 'Website' } },
      { id: 3, project: { name: 'Mobile app' } },
      { id: 4, project: null },
    ]))
  })

  test('RLS applies inside embeds: projects of another organisation are null', async () => {
    const res = await alice.supabase.from('tasks').select('id, projects(name)').order('id').limit(2)
    assertRes(rg, res, ok([
      { id: 1, projects: null },
      { id: 2, projects: null },
    ]))
  })

  test('to-many embed is an array, [] when empty, ordered and limited', async () => {
    const res = await aliceAcme.supabase
      .from('projects')
      .select('name, tasks(id,title)')
      .order('id')
      .order('id', { referencedTable: 'tasks', ascending: false })
    assertRes(rg, res, ok([
      { name: 'Website', tasks: [{ id: 2, title: 'Write landing page copy' }, { id: 1, title: 'Design landing page' }] },
      { name: 'Mobile app', tasks: [{ id: 3, title: 'Fix login crash on Android' }] },
    ]))
  })

  test('limit and offset on an embed', async () => {
    const res = await aliceAcme.supabase
      .from('projects')
      .select('name, tasks(id)')
      .order('id')
      .order('id', { referencedTable: 'tasks' })
      .range(1, 1, { referencedTable: 'tasks' })
    assertRes(rg, res, ok([
      { name: 'Website', tasks: [{ id: 2 }] },
      { name: 'Mobile app', tasks: [] },
    ]))
  })

  test('many-to-many through a junction table', async () => {
    const res = await alice.supabase
      .from('tasks')
      .select('id, tags(name)')
      .order('id')
      .order('name', { referencedTable: 'tags' })
    assertRes(rg, res, ok([
      { id: 1, tags: [{ name: 'frontend' }, { name: 'urgent' }] },
      { id: 2, tags: [] },
      { id: 3, tags: [{ name: 'urgent' }] },
      { id: 4, tags: [{ name: 'someday' }] },
    ]))
  })

  test('hints pick one of two foreign keys to the same table', async () => {
    const res = await alice.supabase
      .from('tasks')
      .select('id, owner:users!user_id(display_name), assignee:users!tasks_assignee_id_fkey(display_name)')
      .order('id')
    assertRes(rg, res, ok([
      { id: 1, owner: { display_name: 'Alice Liddell' }, assignee: { display_name: 'Alice Liddell' } },
      { id: 2, owner: { display_name: 'Alice Liddell' }, assignee: null },
      { id: 3, owner: { display_name: 'Alice Liddell' }, assignee: { display_name: 'Bob Builder' } },
      { id: 4, owner: { display_name: 'Alice Liddell' }, assignee: null },
    ]))
  })

  test('!inner drops parents without matching children', async () => {
    const res = await aliceAcme.supabase
      .from('projects')
      .select('name, tasks!inner(title)')
      .eq('tasks.done', true)
      .order('id')
    assertRes(rg, res, ok([{ name: 'Website', tasks: [{ title: 'Write landing page copy' }] }]))
  })

  test('filters on an embedded path keep the parents', async () => {
    const res = await aliceAcme.supabase
      .from('projects')
      .select('name, tasks(title)')
      .eq('tasks.done', false)
      .order('id')
      .order('id', { referencedTable: 'tasks' })
    assertRes(rg, res, ok([
      { name: 'Website', tasks: [{ title: 'Design landing page' }] },
      { name: 'Mobile app', tasks: [{ title: 'Fix login crash on Android' }] },
    ]))
  })

  test('or() on an embedded resource', async () => {
    const res = await aliceAcme.supabase
      .from('projects')
      .select('name, tasks(id)')
      .or('priority.eq.2,done.eq.true', { referencedTable: 'tasks' })
      .order('id')
      .order('id', { referencedTable: 'tasks' })
    assertRes(rg, res, ok([
      { name: 'Website', tasks: [{ id: 2 }] },
      { name: 'Mobile app', tasks: [{ id: 3 }] },
    ]))
  })

  test('nested embeds three levels deep', async () => {
    const res = await aliceAcme.supabase
      .from('orgs')
      .select('slug, projects(name, tasks(id, tags(name)))')
      .order('id', { referencedTable: 'projects' })
      .order('id', { referencedTable: 'projects.tasks' })
      .order('name', { referencedTable: 'projects.tasks.tags' })
    assertRes(rg, res, ok([
      {
        slug: 'acme',
        projects: [
          {
            name: 'Website',
            tasks: [
              { id: 1, tags: [{ name: 'frontend' }, { name: 'urgent' }] },
              { id: 2, tags: [] },
            ],
          },
          { name: 'Mobile app', tasks: [{ id: 3, tags: [{ name: 'urgent' }] }] },
        ],
      },
    ]))
  })

  test('spread of a to-one embed hoists its columns', async () => {
    const res = await aliceAcme.supabase
      .from('tasks')
      .select('id, ...projects(project:name, budget)')
      .order('id')
    assertRes(rg, res, ok([
      { id: 1, project: 'Website', budget: 12000.5 },
      { id: 2, project: 'Website', budget: 12000.5 },
      { id: 3, project: 'Mobile app', budget: 30000 },
      { id: 4, project: null, budget: null },
    ]))
  })

  test('embedding through a view and from a partitioned table', async () => {
    const viaView = await aliceAcme.supabase.from('open_tasks').select('id, projects(name)').order('id')
    assertRes(rg, viaView, ok([
      { id: 1, projects: { name: 'Website' } },
      { id: 3, projects: { name: 'Mobile app' } },
      { id: 4, projects: null },
    ]))
    const fromPartitioned = await alice.supabase.from('events').select('id, users(display_name)').order('id').limit(1)
    assertRes(rg, fromPartitioned, ok([{ id: 1, users: { display_name: 'Alice Liddell' } }]))
  })

  test('top-level order by a to-one embed', async () => {
    const res = await aliceAcme.supabase
      .from('tasks')
      .select('id, projects(name)')
      .not('project_id', 'is', null)
      .order('projects(name)')
      .order('id', { ascending: false })
    assertRes(rg, res, ok([
      { id: 3, projects: { name: 'Mobile app' } },
      { id: 2, projects: { name: 'Website' } },
      { id: 1, projects: { name: 'Website' } },
    ]))
  })
})

describe('filters', () => {
  // Each case runs as alice (tasks 1-4) and selects ids in id order.
  const cases = [
    ['eq', (q) => q.eq('done', false), [1, 3, 4]],
    ['neq (nulls excluded)', (q) => q.neq('priority', 1), [3, 4]],
    ['gt on numeric', (q) => q.gt('estimate', 2), [1, 3]],
    ['gte', (q) => q.gte('estimate', 3.5), [1, 3]],
    ['lt', (q) => q.lt('priority', 2), [1]],
    ['lte', (q) => q.lte('priority', 2), [1, 3]],
    ['like with *', (q) => q.like('title', '*landing*'), [1, 2]],
    ['like with %', (q) => q.like('title', '%passport'), [4]],
    ['ilike', (q) => q.ilike('title', '*LANDING*'), [1, 2]],
    ['is null', (q) => q.is('priority', null), [2]],
    ['is false', (q) => q.is('done', false), [1, 3, 4]],
    ['in numbers', (q) => q.in('id', [1, 3, 99]), [1, 3]],
    ['in strings with spaces and commas', (q) => q.in('title', ['Renew passport', 'Fix login crash on Android', 'a,b']), [3, 4]],
    ['notIn', (q) => q.notIn('id', [1, 2]), [3, 4]],
    ['contains (array)', (q) => q.contains('labels', ['web']), [1, 2]],
    ['containedBy (array)', (q) => q.containedBy('labels', ['design', 'web', 'mobile']), [1, 2, 4]],
    ['overlaps (array)', (q) => q.overlaps('labels', ['bug', 'design']), [1, 3]],
    ['fts with config', (q) => q.textSearch('search', "'landing' & 'page'", { config: 'english' }), [1, 2]],
    ['plfts', (q) => q.textSearch('search', 'landing pages', { type: 'plain', config: 'english' }), [1, 2]],
    ['phfts', (q) => q.textSearch('search', 'landing page copy', { type: 'phrase', config: 'english' }), [2]],
    ['wfts', (q) => q.textSearch('search', 'landing -copy', { type: 'websearch', config: 'english' }), [1]],
    ['like(any)', (q) => q.likeAnyOf('title', ['*passport*', '*crash*']), [3, 4]],
    ['like(all)', (q) => q.likeAllOf('title', ['*landing*', '*page*']), [1, 2]],
    ['ilike(any)', (q) => q.ilikeAnyOf('title', ['design*', 'RENEW*']), [1, 4]],
    ['eq(any)', (q) => q.filter('id', 'eq(any)', '{1,4}'), [1, 4]],
    ['gt(all)', (q) => q.filter('priority', 'gt(all)', '{0,1}'), [3, 4]],
    ['isdistinct', (q) => q.isDistinct('priority', 1), [2, 3, 4]],
    ['match (regex)', (q) => q.regexMatch('title', '^(Design|Renew)'), [1, 4]],
    ['imatch (regex)', (q) => q.regexIMatch('title', '^design'), [1]],
    ['not is null', (q) => q.not('priority', 'is', null), [1, 3, 4]],
    ['not in', (q) => q.not('id', 'in', '(1,2)'), [3, 4]],
    ['not eq', (q) => q.not('done', 'eq', true), [1, 3, 4]],
    ['or', (q) => q.or('priority.eq.1,estimate.gt.5'), [1, 3]],
    ['or with nested and', (q) => q.or('done.eq.true,and(priority.gte.2,estimate.gt.5)'), [2, 3]],
    ['or with quoted value and nested and', (q) => q.or('title.eq."Renew passport",and(priority.is.null,done.is.true)'), [2, 4]],
    ['match()', (q) => q.match({ done: false, priority: 1 }), [1]],
    ['several filters are and-ed', (q) => q.gte('priority', 1).lte('priority', 2).eq('done', false), [1, 3]],
    ['filter on a computed field', (q) => q.gte('label_count', 2), [1, 3]],
  ]

  for (const [name, apply, want] of cases) {
    test(name, async () => {
      const res = await apply(alice.supabase.from('tasks').select('id')).order('id')
      assertRes(rg, res, ok(ids(...want)))
    })
  }

  const rangeCases = [
    ['contains (jsonb)', (q) => q.contains('metadata', { stack: { frontend: 'react' } }), [1]],
    ['contains (range)', (q) => q.contains('period', '[2025-04-01,2025-04-10]'), [1, 3]],
    ['overlaps (range)', (q) => q.overlaps('period', '[2025-06-15,2025-06-20]'), [1, 2]],
    ['rangeLt (sl)', (q) => q.rangeLt('period', '[2025-08-01,2025-09-01)'), [1, 3]],
    ['rangeGt (sr)', (q) => q.rangeGt('period', '[2025-01-01,2025-02-01)'), [2, 3]],
    ['rangeGte (nxl)', (q) => q.rangeGte('period', '[2025-03-01,2025-04-01)'), [2, 3]],
    ['rangeLte (nxr)', (q) => q.rangeLte('period', '[2025-01-01,2025-07-01)'), [1, 3]],
    ['rangeAdjacent (adj)', (q) => q.rangeAdjacent('period', '[2025-07-01,2025-08-01)'), [1]],
  ]
  for (const [name, apply, want] of rangeCases) {
    test(`${name} on projects (service role)`, async () => {
      const res = await apply(service.supabase.from('projects').select('id')).order('id')
      assertRes(rg, res, ok(ids(...want)))
    })
  }
})

describe('order', () => {
  const cases = [
    ['asc puts nulls last', (q) => q.order('priority'), [1, 3, 4, 2]],
    ['asc nullsfirst', (q) => q.order('priority', { nullsFirst: true }), [2, 1, 3, 4]],
    ['desc puts nulls first', (q) => q.order('priority', { ascending: false }), [2, 4, 3, 1]],
    ['desc nullslast', (q) => q.order('priority', { ascending: false, nullsFirst: false }), [4, 3, 1, 2]],
    ['several columns', (q) => q.order('done').order('estimate', { ascending: false, nullsFirst: false }), [3, 1, 4, 2]],
    ['json path', (q) => q.order('details->>size', { nullsFirst: true }).order('id'), [4, 3, 1, 2]],
  ]
  for (const [name, apply, want] of cases) {
    test(name, async () => {
      const res = await apply(alice.supabase.from('tasks').select('id'))
      assertRes(rg, res, ok(ids(...want)))
    })
  }
})
