// Function calls through supabase-js: supabase.rpc() as POST, GET and HEAD,
// every result shape, filters chained after rpc(), overloads, and errors
// raised from SQL, as PostgREST 14 answers them.
//
// Functions and the bookmarks table come from
// fixture/supabase/migrations/20250401000000_rpc.sql.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { assertRes, failed, ok, startRowgate } from './harness.mjs'

let rg
let alice // signed in, no active organisation
let aliceAcme // signed in, org_acme active
let bob
let anon // signed out

before(async () => {
  rg = await startRowgate()
  const a = rg.session('user_alice')
  const aa = rg.session('user_alice', { org: 'org_acme', orgRole: 'admin', orgSlug: 'acme' })
  const b = rg.session('user_bob')
  alice = rg.client(() => a)
  aliceAcme = rg.client(() => aa)
  bob = rg.client(() => b)
  anon = rg.client(() => null)
})

after(async () => {
  await rg?.stop()
})

describe('calling functions', () => {
  test('POST with named arguments returns a bare scalar', async () => {
    assertRes(rg, await alice.supabase.rpc('add_numbers', { a: 1, b: 2 }), ok(3))
    const ex = alice.wire.last()
    assert.equal(ex.method, 'POST')
    assert.equal(ex.url.pathname, '/rest/v1/rpc/add_numbers')
    assert.equal(ex.headers.get('content-range'), '0-0/*')
  })

  test('arguments with defaults may be omitted', async () => {
    assertRes(rg, await anon.supabase.rpc('add_numbers', { a: 40 }), ok(40))
  })

  test('{ get: true } sends the arguments as query parameters', async () => {
    assertRes(rg, await alice.supabase.rpc('add_numbers', { a: 2, b: 3 }, { get: true }), ok(5))
    const ex = alice.wire.last()
    assert.equal(ex.method, 'GET')
    assert.equal(ex.url.search, '?a=2&b=3')
  })

  test('{ head: true, count: "exact" } counts without a body', async () => {
    const res = await alice.supabase.rpc('tasks_in_project', { pid: 1 }, { head: true, count: 'exact' })
    assertRes(rg, res, ok(null, { count: 2 }))
    assert.equal(alice.wire.last().method, 'HEAD')
  })

  test('a single unnamed jsonb parameter receives the whole body', async () => {
    const payload = { items: [1, { nested: true }], note: null }
    assertRes(rg, await anon.supabase.rpc('echo_payload', payload), ok(payload))
  })

  test('VARIADIC takes an array, in the body or as a query parameter', async () => {
    assertRes(rg, await anon.supabase.rpc('sum_of', { nums: [1, 2, 3] }), ok(6))
    assertRes(rg, await anon.supabase.rpc('sum_of', { nums: [4, 5] }, { get: true }), ok(9))
  })

  test('overloads are chosen by argument names', async () => {
    assertRes(rg, await anon.supabase.rpc('describe', { id: 7 }), ok('id 7'))
    assertRes(rg, await anon.supabase.rpc('describe', { name: 'x' }), ok('name x'))
  })
})

describe('result shapes', () => {
  test('SETOF a table is an array, filtered by RLS inside the function', async () => {
    const res = await alice.supabase.rpc('tasks_in_project', { pid: 1 }).select('id').order('id')
    assertRes(rg, res, ok([{ id: 1 }, { id: 2 }]))
  })

  test('filters, order and limit chained after rpc() apply to the rows', async () => {
    const res = await alice.supabase
      .rpc('tasks_in_project', { pid: 1 })
      .select('id,title')
      .eq('done', false)
      .order('id', { ascending: false })
      .limit(5)
    assertRes(rg, res, ok([{ id: 1, title: 'Design landing page' }]))
  })

  test('embeds work on table-returning functions', async () => {
    const res = await aliceAcme.supabase.rpc('tasks_in_project', { pid: 1 }).select('id,projects(name)').order('id')
    assertRes(rg, res, ok([
      { id: 1, projects: { name: 'Website' } },
      { id: 2, projects: { name: 'Website' } },
    ]))
  })

  test('count and range on a set-returning function', async () => {
    const res = await anon.supabase.rpc('countdown', { n: 5 }, { count: 'exact' }).range(0, 1)
    assertRes(rg, res, ok([5, 4], { count: 5, status: 206, statusText: 'Partial Content' }))
    assert.equal(anon.wire.last().headers.get('content-range'), '0-1/5')
  })

  test('SETOF scalar is an array of values', async () => {
    assertRes(rg, await anon.supabase.rpc('countdown', { n: 3 }), ok([3, 2, 1]))
  })

  test('a single composite is an object', async () => {
    assertRes(rg, await alice.supabase.rpc('task_stats'), ok({ total: 4, done: 1 }))
  })

  test('.single() returns one object, or PGRST116', async () => {
    const one = await alice.supabase.rpc('tasks_in_project', { pid: 1 }).select('id').eq('id', 2).single()
    assertRes(rg, one, ok({ id: 2 }))
    const two = await alice.supabase.rpc('tasks_in_project', { pid: 1 }).select('id').single()
    assertRes(rg, two, failed(406, 'Not Acceptable', {
      code: 'PGRST116',
      details: 'The result contains 2 rows',
      hint: null,
      message: 'Cannot coerce the result to a single JSON object',
    }))
  })

  test('void is 204 No Content; a VOLATILE function writes under RLS', async () => {
    assertRes(rg, await alice.supabase.rpc('add_bookmark', { url: 'https://example.com/a' }),
      ok(null, { status: 204, statusText: 'No Content' }))
    assertRes(rg, await alice.supabase.rpc('my_bookmarks').select('user_id,url'),
      ok([{ user_id: 'user_alice', url: 'https://example.com/a' }]))
    assertRes(rg, await bob.supabase.rpc('my_bookmarks').select('url'), ok([]))
  })
})

describe('errors', () => {
  test('unknown arguments: PGRST202 with the parameter hint', async () => {
    const res = await anon.supabase.rpc('add_numbers', { x: 1 })
    assertRes(rg, res, failed(404, 'Not Found', {
      code: 'PGRST202',
      details: 'Searched for the function public.add_numbers with parameter x or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
      hint: 'Perhaps you meant to call the function public.add_numbers(a, b)',
      message: 'Could not find the function public.add_numbers(x) in the schema cache',
    }))
  })

  test('unknown function: PGRST202 with the name hint', async () => {
    const res = await anon.supabase.rpc('add_number', { a: 1 })
    assertRes(rg, res, failed(404, 'Not Found', {
      code: 'PGRST202',
      details: 'Searched for the function public.add_number with parameter a or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
      hint: 'Perhaps you meant to call the function public.add_numbers',
      message: 'Could not find the function public.add_number(a) in the schema cache',
    }))
  })

  test('ambiguous overloads: PGRST203', async () => {
    const res = await anon.supabase.rpc('pick', { v: 1 })
    assertRes(rg, res, failed(300, 'Multiple Choices', {
      code: 'PGRST203',
      details: null,
      hint: 'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
      message: 'Could not choose the best candidate function between: public.pick(v => integer), public.pick(v => text)',
    }))
  })

  test('RAISE EXCEPTION is 400 with message, detail and hint', async () => {
    assertRes(rg, await anon.supabase.rpc('fail_plain'), failed(400, 'Bad Request', {
      code: 'P0001', details: 'Only admins', hint: 'Ask an admin', message: 'Not allowed',
    }))
  })

  test("RAISE SQLSTATE 'PT402' is 402", async () => {
    assertRes(rg, await anon.supabase.rpc('fail_payment'), failed(402, 'Payment Required', {
      code: 'PT402', details: null, hint: null, message: 'Payment Required',
    }))
  })

  test("RAISE SQLSTATE 'PGRST' sets the status, body and headers", async () => {
    assertRes(rg, await anon.supabase.rpc('fail_custom'), failed(429, 'Too Many Requests', {
      code: 'QUOTA', details: '10 of 10 used', hint: 'Upgrade your plan', message: 'Quota exceeded',
    }))
    assert.equal(anon.wire.last().headers.get('retry-after'), '60')
  })

  test('a write inside a GET call is refused: 405 with 25006', async () => {
    assertRes(rg, await alice.supabase.rpc('touch', {}, { get: true }), failed(405, 'Method Not Allowed', {
      code: '25006', details: null, hint: null, message: 'cannot execute INSERT in a read-only transaction',
    }))
  })

  test('signed out, a write through a function is refused with 401', async () => {
    assertRes(rg, await anon.supabase.rpc('add_bookmark', { url: 'x' }), failed(401, 'Unauthorized', {
      code: '42501', details: null, hint: null, message: 'new row violates row-level security policy for table "bookmarks"',
    }))
  })
})
