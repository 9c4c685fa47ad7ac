// Error objects as supabase-js hands them to apps: PostgREST's own PGRSTnnn
// codes and PostgreSQL errors passed through with their SQLSTATE.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { assertRes, failed, shape, startRowgate } from './harness.mjs'

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

describe('schema cache errors', () => {
  test('unknown table: 404 PGRST205', async () => {
    const res = await alice.supabase.from('invoices').select('*')
    assertRes(rg, res, failed(404, 'Not Found', {
      code: 'PGRST205',
      details: null,
      hint: null,
      message: "Could not find the table 'public.invoices' in the schema cache",
    }))
  })

  test('misspelt table: PGRST205 suggests the closest one', async () => {
    const res = await alice.supabase.from('task').select('*')
    assertRes(rg, res, failed(404, 'Not Found', {
      code: 'PGRST205',
      details: null,
      hint: "Perhaps you meant the table 'public.tasks'",
      message: "Could not find the table 'public.task' in the schema cache",
    }))
  })

  test('schema() with a schema that is not exposed: 406 PGRST106', async () => {
    const res = await alice.supabase.schema('private').from('api_keys').select('*')
    assertRes(rg, res, failed(406, 'Not Acceptable', {
      code: 'PGRST106',
      details: null,
      hint: 'Only the following schemas are exposed: public, reporting',
      message: 'Invalid schema: private',
    }))
  })

  test('unknown relationship: 400 PGRST200', async () => {
    const res = await alice.supabase.from('tasks').select('id, invoices(*)')
    assertRes(rg, res, failed(400, 'Bad Request', {
      code: 'PGRST200',
      details: "Searched for a foreign key relationship between 'tasks' and 'invoices' in the schema 'public', but no matches were found.",
      hint: null,
      message: "Could not find a relationship between 'tasks' and 'invoices' in the schema cache",
    }))
  })

  test('ambiguous relationship: 300 PGRST201 lists the candidates', async () => {
    const res = await alice.supabase.from('tasks').select('id, users(display_name)')
    assertRes(rg, res, failed(300, 'Multiple Choices', {
      code: 'PGRST201',
      details: [
        {
          cardinality: 'many-to-one',
          embedding: 'tasks with users',
          relationship: 'tasks_assignee_id_fkey using tasks(assignee_id) and users(id)',
        },
        {
          cardinality: 'many-to-one',
          embedding: 'tasks with users',
          relationship: 'tasks_user_id_fkey using tasks(user_id) and users(id)',
        },
      ],
      hint: "Try changing 'users' to one of the following: 'users!tasks_assignee_id_fkey', 'users!tasks_user_id_fkey'. Find the desired relationship in the 'details' key.",
      message: "Could not embed because more than one relationship was found for 'tasks' and 'users'",
    }))
  })

  test('filter on an embed missing from select: 400 PGRST108', async () => {
    const res = await alice.supabase.from('projects').select('name').eq('tasks.done', true)
    assertRes(rg, res, failed(400, 'Bad Request', {
      code: 'PGRST108',
      details: null,
      hint: "Verify that 'tasks' is included in the 'select' query parameter.",
      message: "'tasks' is not an embedded resource in this request",
    }))
  })

  test('order by a to-many embed: 400 PGRST118', async () => {
    const res = await alice.supabase.from('tasks').select('id, tags(name)').order('tags(name)')
    assertRes(rg, res, failed(400, 'Bad Request', {
      code: 'PGRST118',
      details: "'tasks' and 'tags' do not form a many-to-one or one-to-one relationship",
      hint: null,
      message: "A related order on 'tags' is not possible",
    }))
  })
})

describe('PostgreSQL errors', () => {
  test('unknown column: 400 42703', async () => {
    const res = await alice.supabase.from('tasks').select('id, xyzzy_quux')
    assertRes(rg, res, failed(400, 'Bad Request', {
      code: '42703',
      details: null,
      hint: null,
      message: 'column tasks.xyzzy_quux does not exist',
    }))
  })

  test('value of the wrong type: 400 22P02', async () => {
    const res = await alice.supabase.from('tasks').select('id').eq('id', 'abc')
    assertRes(rg, res, failed(400, 'Bad Request', {
      code: '22P02',
      details: null,
      hint: null,
      message: 'invalid input syntax for type bigint: "abc"',
    }))
  })

  test('permission denied as anon: 401 42501', async () => {
    const res = await anon.supabase.from('memberships').select('*')
    assertRes(rg, res, failed(401, 'Unauthorized', {
      code: '42501',
      details: null,
      hint: null,
      message: 'permission denied for table memberships',
    }))
  })

  test('permission denied when signed in: 403 42501', async () => {
    const res = await alice.supabase.schema('reporting').from('revenue').select('*')
    assertRes(rg, res, failed(403, 'Forbidden', {
      code: '42501',
      details: null,
      hint: null,
      message: 'permission denied for table revenue',
    }))
  })
})

describe('request errors', () => {
  test('unknown operator: 400 PGRST100', async () => {
    const res = await alice.supabase.from('tasks').select('id').filter('id', 'noop', '1')
    const got = shape(res)
    // The message and details carry parser positions whose exact text is
    // PostgREST-internal (Parsec); the code, status and hint are the contract.
    assert.deepStrictEqual(
      { data: got.data, count: got.count, status: got.status, statusText: got.statusText, code: got.error?.code, hint: got.error?.hint },
      { data: null, count: null, status: 400, statusText: 'Bad Request', code: 'PGRST100', hint: null },
      rg.logTail(),
    )
    assert.equal(typeof got.error.message, 'string')
    assert.match(got.error.message, /noop/)
  })
})
