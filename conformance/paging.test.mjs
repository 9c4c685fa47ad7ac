// Pagination, counts, HEAD, single()/maybeSingle() and csv() through
// supabase-js, with the Content-Range header PostgREST 14 sends.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { assertRes, failed, ok, startRowgate } from './harness.mjs'

let rg
let alice
let anon

before(async () => {
  rg = await startRowgate()
  const a = rg.session('user_alice')
  alice = rg.client(() => a)
  anon = rg.client(() => null)
})

after(async () => {
  await rg?.stop()
})

const contentRange = (c) => c.wire.last().headers.get('content-range')

describe('limit, range and Content-Range', () => {
  test('limit(n)', async () => {
    const res = await anon.supabase.from('tags').select('id,name').order('id').limit(2)
    assertRes(rg, res, ok([{ id: 1, name: 'urgent' }, { id: 2, name: 'frontend' }]))
    assert.equal(contentRange(anon), '0-1/*')
    assert.equal(anon.wire.last().url.searchParams.get('limit'), '2')
  })

  test('range(from, to) is offset and limit', async () => {
    const res = await anon.supabase.from('tags').select('id').order('id').range(1, 2)
    assertRes(rg, res, ok([{ id: 2 }, { id: 3 }]))
    assert.equal(contentRange(anon), '1-2/*')
  })

  test('a range past the end is empty', async () => {
    const res = await anon.supabase.from('tags').select('id').order('id').range(10, 19)
    assertRes(rg, res, ok([]))
    assert.equal(contentRange(anon), '*/*')
  })

  test('limit(0)', async () => {
    const res = await anon.supabase.from('tags').select('id').limit(0)
    assertRes(rg, res, ok([]))
  })
})

describe('count', () => {
  test('exact count of a full page: 200', async () => {
    const res = await anon.supabase.from('tags').select('id', { count: 'exact' }).order('id')
    assertRes(rg, res, ok([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }], { count: 4 }))
    assert.equal(contentRange(anon), '0-3/4')
  })

  test('exact count of a partial page: 206 Partial Content', async () => {
    const res = await anon.supabase.from('tags').select('id', { count: 'exact' }).order('id').range(0, 1)
    assertRes(rg, res, ok([{ id: 1 }, { id: 2 }], { count: 4, status: 206, statusText: 'Partial Content' }))
    assert.equal(contentRange(anon), '0-1/4')
  })

  test('exact count honours filters and RLS', async () => {
    const res = await alice.supabase.from('tasks').select('id', { count: 'exact' }).eq('done', false).order('id').limit(1)
    assertRes(rg, res, ok([{ id: 1 }], { count: 3, status: 206, statusText: 'Partial Content' }))
    assert.equal(contentRange(alice), '0-0/3')
  })

  test('exact count of nothing', async () => {
    const res = await alice.supabase.from('tasks').select('id', { count: 'exact' }).eq('id', 999)
    assertRes(rg, res, ok([], { count: 0 }))
    assert.equal(contentRange(alice), '*/0')
  })

  test('count with an !inner embed counts only matching parents', async () => {
    const res = await alice.supabase
      .from('tasks')
      .select('id, tags!inner(name)', { count: 'exact' })
      .eq('tags.name', 'urgent')
      .order('id')
    assertRes(rg, res, ok([
      { id: 1, tags: [{ name: 'urgent' }] },
      { id: 3, tags: [{ name: 'urgent' }] },
    ], { count: 2 }))
  })

  test('planned count comes from the planner (statistics are fresh)', async () => {
    const res = await anon.supabase.from('tags').select('id', { count: 'planned' }).order('id').limit(2)
    assertRes(rg, res, ok([{ id: 1 }, { id: 2 }], { count: 4, status: 206, statusText: 'Partial Content' }))
    assert.equal(contentRange(anon), '0-1/4')
  })

  test('estimated count below max_rows is exact', async () => {
    const res = await alice.supabase.from('tasks').select('id', { count: 'estimated' }).order('id').range(2, 3)
    assertRes(rg, res, ok([{ id: 3 }, { id: 4 }], { count: 4, status: 206, statusText: 'Partial Content' }))
    assert.equal(contentRange(alice), '2-3/4')
  })

  test('HEAD with count: no body, just the count', async () => {
    const res = await alice.supabase.from('tasks').select('*', { count: 'exact', head: true })
    assertRes(rg, res, ok(null, { count: 4 }))
    const ex = alice.wire.last()
    assert.equal(ex.method, 'HEAD')
    assert.equal(ex.headers.get('content-range'), '0-3/4')
  })

  test('HEAD with count as anon sees no private rows', async () => {
    const res = await anon.supabase.from('tasks').select('*', { count: 'exact', head: true })
    assertRes(rg, res, ok(null, { count: 0 }))
  })

  test('no count unless asked', async () => {
    const res = await anon.supabase.from('tags').select('id').order('id').range(0, 0)
    assertRes(rg, res, ok([{ id: 1 }]))
  })
})

describe('single() and maybeSingle()', () => {
  test('single() returns the object', async () => {
    const res = await alice.supabase.from('tasks').select('id,title').eq('id', 1).single()
    assertRes(rg, res, ok({ id: 1, title: 'Design landing page' }))
    assert.equal(alice.wire.last().headers.get('content-type'), 'application/vnd.pgrst.object+json; charset=utf-8')
  })

  test('single() with no row: 406 PGRST116', async () => {
    const res = await alice.supabase.from('tasks').select('id').eq('id', 5).single()
    assertRes(rg, res, failed(406, 'Not Acceptable', {
      code: 'PGRST116',
      details: 'The result contains 0 rows',
      hint: null,
      message: 'Cannot coerce the result to a single JSON object',
    }))
  })

  test('single() with several rows: 406 PGRST116', async () => {
    const res = await alice.supabase.from('tasks').select('id').single()
    assertRes(rg, res, failed(406, 'Not Acceptable', {
      code: 'PGRST116',
      details: 'The result contains 4 rows',
      hint: null,
      message: 'Cannot coerce the result to a single JSON object',
    }))
  })

  test('maybeSingle() with one row', async () => {
    const res = await alice.supabase.from('tasks').select('id').eq('id', 2).maybeSingle()
    assertRes(rg, res, ok({ id: 2 }))
  })

  test('maybeSingle() with no row is data: null', async () => {
    const res = await alice.supabase.from('tasks').select('id').eq('id', 6).maybeSingle()
    assertRes(rg, res, ok(null))
  })

  test('maybeSingle() with several rows: the client reports PGRST116', async () => {
    const res = await alice.supabase.from('tasks').select('id').lte('id', 2).maybeSingle()
    // supabase-js 2.119 fabricates this error itself from the JSON array.
    assertRes(rg, res, failed(406, 'Not Acceptable', {
      code: 'PGRST116',
      details: 'Results contain 2 rows, application/vnd.pgrst.object+json requires 1 row',
      hint: null,
      message: 'JSON object requested, multiple (or no) rows returned',
    }))
  })
})

describe('csv()', () => {
  test('csv() returns PostgreSQL record text under a header line', async () => {
    const res = await alice.supabase.from('tasks').select('id,title,done,estimate').order('id').csv()
    assertRes(rg, res, ok(
      'id,title,done,estimate\n' +
        '1,"Design landing page",f,3.50\n' +
        '2,"Write landing page copy",t,1.25\n' +
        '3,"Fix login crash on Android",f,8.00\n' +
        '4,"Renew passport",f,',
    ))
    assert.equal(alice.wire.last().headers.get('content-type'), 'text/csv; charset=utf-8')
  })

  test('csv() of a single-word column', async () => {
    const res = await anon.supabase.from('tags').select('name').order('id').csv()
    assertRes(rg, res, ok('name\nurgent\nfrontend\nbackend\nsomeday'))
  })
})
