// Writes through supabase-js: insert, upsert, update and delete with
// .select(), .single() and counts, under RLS, as PostgREST 14 answers them.
//
// notes (migration 20250301000000_writes.sql): bob owns notes 1 (org_acme)
// and 2; users may insert only their own notes; an admin of org_acme may
// edit note 1; a service_role key bypasses RLS.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { assertRes, failed, ok, startRowgate } from './harness.mjs'

let rg
let alice // signed in, no active organisation
let aliceAdmin // org_acme active, admin
let aliceMember // org_acme active, member
let service // secret key: service_role

before(async () => {
  rg = await startRowgate()
  const a = rg.session('user_alice')
  const aa = rg.session('user_alice', { org: 'org_acme', orgRole: 'admin', orgSlug: 'acme' })
  const am = rg.session('user_alice', { org: 'org_acme', orgRole: 'member', orgSlug: 'acme' })
  alice = rg.client(() => a)
  aliceAdmin = rg.client(() => aa)
  aliceMember = rg.client(() => am)
  service = rg.serviceClient()
})

after(async () => {
  await rg?.stop()
})

const created = (data, opts = {}) => ok(data, { status: 201, statusText: 'Created', ...opts })

describe('insert', () => {
  test('user_id defaults to the token subject; .select().single()', async () => {
    const res = await alice.supabase.from('notes').insert({ body: 'hello' }).select('user_id,body').single()
    assertRes(rg, res, created({ user_id: 'user_alice', body: 'hello' }))
  })

  test('without .select() the body is empty', async () => {
    const res = await alice.supabase.from('notes').insert({ body: 'quiet' })
    assertRes(rg, res, created(null))
  })

  test('bulk insert with count', async () => {
    const res = await alice.supabase.from('notes').insert([{ body: 'a', pinned: false }, { body: 'b', pinned: true }], { count: 'exact' })
      .select('body,pinned')
    assertRes(rg, res, created([{ body: 'a', pinned: false }, { body: 'b', pinned: true }], { count: 2 }))
  })

  test('defaultToNull: false keeps column defaults for missing keys', async () => {
    const res = await alice.supabase.from('notes')
      .insert([{ body: 'x', pinned: true }, { body: 'y' }], { defaultToNull: false })
      .select('body,pinned')
    assertRes(rg, res, created([{ body: 'x', pinned: true }, { body: 'y', pinned: false }]))
  })

  test('inserting a note for someone else is refused by RLS', async () => {
    const res = await alice.supabase.from('notes').insert({ body: 'forged', user_id: 'user_bob' })
    assertRes(rg, res, failed(403, 'Forbidden', {
      code: '42501',
      message: 'new row violates row-level security policy for table "notes"',
      details: null,
      hint: null,
    }))
  })

  test('unknown column', async () => {
    const res = await alice.supabase.from('notes').insert({ body: 'x', nope: 1 })
    assertRes(rg, res, failed(400, 'Bad Request', {
      code: 'PGRST204',
      message: "Could not find the 'nope' column of 'notes' in the schema cache",
      details: null,
      hint: null,
    }))
  })
})

describe('upsert', () => {
  test('inserts (201), then merges (200)', async () => {
    let res = await alice.supabase.from('notes').upsert({ id: 500, body: 'v1' }).select('id,body')
    assertRes(rg, res, created([{ id: 500, body: 'v1' }]))
    res = await alice.supabase.from('notes').upsert({ id: 500, body: 'v2' }).select('id,body')
    assertRes(rg, res, ok([{ id: 500, body: 'v2' }]))
  })

  test('ignoreDuplicates skips existing rows', async () => {
    const res = await alice.supabase.from('notes').upsert({ id: 500, body: 'v3' }, { ignoreDuplicates: true }).select('id')
    assertRes(rg, res, created([]))
  })

  test("cannot take over someone else's row", async () => {
    const res = await alice.supabase.from('notes').upsert({ id: 2, body: 'mine now' })
    assert.equal(res.status, 403)
    assert.equal(res.error?.code, '42501')
  })
})

describe('update', () => {
  test("own note; someone else's note is invisible", async () => {
    const ins = await alice.supabase.from('notes').insert({ body: 'to edit' }).select('id').single()
    const id = ins.data.id
    let res = await alice.supabase.from('notes').update({ pinned: true }).eq('id', id).select('id,pinned')
    assertRes(rg, res, ok([{ id, pinned: true }]))
    res = await alice.supabase.from('notes').update({ body: 'hacked' }).eq('id', 2).select('id')
    assertRes(rg, res, ok([]))
  })

  test('an organisation admin can edit the organisation\'s notes, a member cannot', async () => {
    let res = await aliceMember.supabase.from('notes').update({ body: 'by member' }).eq('id', 1).select('body')
    assertRes(rg, res, ok([]))
    res = await aliceAdmin.supabase.from('notes').update({ body: 'by admin' }).eq('id', 1).select('body')
    assertRes(rg, res, ok([{ body: 'by admin' }]))
  })

  test('.single() with no matching row is PGRST116', async () => {
    const res = await alice.supabase.from('notes').update({ body: 'x' }).eq('id', 2).select().single()
    assertRes(rg, res, failed(406, 'Not Acceptable', {
      code: 'PGRST116',
      message: 'Cannot coerce the result to a single JSON object',
      details: 'The result contains 0 rows',
      hint: null,
    }))
  })

  test('count without .select()', async () => {
    const res = await alice.supabase.from('notes').update({ pinned: false }, { count: 'exact' }).eq('user_id', 'user_alice')
    assert.equal(res.status, 204)
    assert.equal(res.error, null)
    assert.ok(res.count >= 5, `count = ${res.count}`)
  })

  test('service_role bypasses RLS', async () => {
    const res = await service.supabase.from('notes').update({ body: 'by service' }).eq('id', 2).select('id,body')
    assertRes(rg, res, ok([{ id: 2, body: 'by service' }]))
  })
})

describe('delete', () => {
  test('own notes with count; others untouched', async () => {
    await alice.supabase.from('notes').insert([{ body: 'd1' }, { body: 'd2' }])
    let res = await alice.supabase.from('notes').delete({ count: 'exact' }).in('body', ['d1', 'd2'])
    assertRes(rg, res, ok(null, { count: 2, status: 204, statusText: 'No Content' }))
    res = await alice.supabase.from('notes').delete().eq('id', 2).select('id')
    assertRes(rg, res, ok([]))
    res = await service.supabase.from('notes').select('id').eq('id', 2)
    assertRes(rg, res, ok([{ id: 2 }]))
  })

  test('.select() returns the deleted rows', async () => {
    const ins = await alice.supabase.from('notes').insert({ body: 'gone' }).select('id').single()
    const res = await alice.supabase.from('notes').delete().eq('id', ins.data.id).select('body')
    assertRes(rg, res, ok([{ body: 'gone' }]))
  })
})
