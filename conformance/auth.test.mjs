// Third-party auth as apps use it with Clerk:
//
//   createClient(url, publishableKey, {
//     async accessToken() { return session?.getToken() ?? null },
//   })
//
// The session token comes from rowgate's Clerk-shaped dev issuer; RLS reads
// it through auth.jwt().

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { createClient } from '@supabase/supabase-js'

import {
  PUBLISHABLE_KEY,
  SECRET_KEY,
  assertRes,
  decodeClaims,
  failed,
  ok,
  signProjectToken,
  startRowgate,
} from './harness.mjs'

let rg
// Shared sessions (like Clerk's, they cache the token until shortly before
// it expires).
let aliceAcme
let bobGlobex

before(async () => {
  rg = await startRowgate()
  aliceAcme = rg.session('user_alice', { org: 'org_acme', orgRole: 'admin', orgSlug: 'acme' })
  bobGlobex = rg.session('user_bob', { org: 'org_globex', orgRole: 'admin', orgSlug: 'globex' })
})

after(async () => {
  await rg?.stop()
})

const ids = (...xs) => xs.map((id) => ({ id }))

describe('session tokens from the Clerk-shaped issuer', () => {
  test('rowgate token mints a Clerk v2 session token', async () => {
    const tok = await rg.token('user_alice', { org: 'org_acme', orgRole: 'admin', orgSlug: 'acme' })
    const c = decodeClaims(tok)
    assert.equal(c.sub, 'user_alice')
    assert.equal(c.v, 2)
    assert.equal(c.role, 'authenticated')
    assert.equal(c.iss, `${rg.url}/dev-issuer`)
    assert.equal(typeof c.sid, 'string')
    assert.deepEqual({ id: c.o.id, rol: c.o.rol, slg: c.o.slg }, { id: 'org_acme', rol: 'admin', slg: 'acme' })
    assert.ok(c.exp > c.iat && c.nbf <= c.iat, 'exp > iat >= nbf')
    const header = JSON.parse(Buffer.from(tok.split('.')[0], 'base64url').toString())
    assert.equal(typeof header.kid, 'string', 'third-party tokens carry a kid')
  })

  test('each user only ever sees their own rows', async () => {
    const a = rg.session('user_alice')
    const b = rg.session('user_bob')
    const alice = rg.client(() => a)
    const bob = rg.client(() => b)
    assertRes(rg, await alice.supabase.from('tasks').select('id', { count: 'exact' }).order('id'), ok(ids(1, 2, 3, 4), { count: 4 }))
    assertRes(rg, await bob.supabase.from('tasks').select('id', { count: 'exact' }).order('id'), ok(ids(5, 6, 7), { count: 3 }))
    // Asking for someone else's row by id finds nothing.
    assertRes(rg, await alice.supabase.from('tasks').select('id').eq('id', 5), ok([]))
    assertRes(rg, await bob.supabase.from('tasks').select('id').in('id', [1, 2, 3, 4]), ok([]))
    // Partitioned table and view too.
    assertRes(rg, await bob.supabase.from('events').select('id'), ok(ids(4)))
    assertRes(rg, await bob.supabase.from('open_tasks').select('id').order('id'), ok(ids(5, 6)))
    // The token travelled as a bearer token next to the publishable key.
    const req = alice.wire.last().requestHeaders
    assert.equal(req.get('apikey'), PUBLISHABLE_KEY)
    assert.equal(req.get('authorization'), `Bearer ${await a.getToken()}`)
  })

  test('the claims reach PostgreSQL: role, sub and active organisation', async () => {
    const s = rg.session('user_alice', { org: 'org_acme', orgRole: 'admin' })
    const { supabase } = rg.client(() => s)
    assertRes(rg, await supabase.from('whoami').select('*'), ok([
      { db_role: 'authenticated', sub: 'user_alice', role_claim: 'authenticated', org_id: 'org_acme' },
    ]))
  })

  test('a token without a role claim runs as authenticated', async () => {
    const s = rg.session('user_bob', { noRole: true })
    const { supabase } = rg.client(() => s)
    assertRes(rg, await supabase.from('whoami').select('db_role,sub'), ok([{ db_role: 'authenticated', sub: 'user_bob' }]))
    assertRes(rg, await supabase.from('tasks').select('id').order('id'), ok(ids(5, 6, 7)))
  })

  test('accessToken() is called for every request', async () => {
    const s = rg.session('user_alice')
    let calls = 0
    const { supabase } = rg.client(() => {
      calls++
      return s
    })
    const atStart = calls // createClient calls it once, for Realtime
    await supabase.from('tags').select('id')
    await supabase.from('tags').select('id')
    await supabase.from('tags').select('id')
    assert.equal(calls - atStart, 3)
  })
})

describe('organisation-scoped policies', () => {
  test('Clerk v2 o.id selects the active organisation', async () => {
    const acme = rg.client(() => aliceAcme)
    const globex = rg.client(() => bobGlobex)
    assertRes(rg, await acme.supabase.from('projects').select('id,name').order('id'), ok([
      { id: 1, name: 'Website' },
      { id: 2, name: 'Mobile app' },
    ]))
    assertRes(rg, await globex.supabase.from('projects').select('id,name'), ok([{ id: 3, name: 'Data migration' }]))
    assertRes(rg, await acme.supabase.from('orgs').select('id,slug,name,plan'), ok([
      { id: 'org_acme', slug: 'acme', name: 'Acme Inc', plan: 'pro' },
    ]))
  })

  test('no active organisation: no organisation rows', async () => {
    const s = rg.session('user_alice')
    const { supabase } = rg.client(() => s)
    assertRes(rg, await supabase.from('projects').select('id'), ok([]))
    assertRes(rg, await supabase.from('orgs').select('id'), ok([]))
  })

  test('switching the active organisation changes what the same user sees', async () => {
    let current = rg.session('user_bob', { org: 'org_acme', orgRole: 'member' })
    const { supabase } = rg.client(() => current)
    assertRes(rg, await supabase.from('projects').select('id').order('id'), ok(ids(1, 2)))
    current = bobGlobex
    assertRes(rg, await supabase.from('projects').select('id').order('id'), ok(ids(3)))
  })

  test('o.rol gates admin-only rows', async () => {
    const admin = rg.client(() => aliceAcme)
    const bobAcme = rg.session('user_bob', { org: 'org_acme', orgRole: 'member' })
    const member = rg.client(() => bobAcme)
    assertRes(rg, await admin.supabase.from('org_settings').select('*'), ok([
      { org_id: 'org_acme', billing_email: 'billing@acme.test', seats: 25 },
    ]))
    assertRes(rg, await member.supabase.from('org_settings').select('*'), ok([]))
  })

  test('the older org_id / org_role claims (Clerk session token v1) are honoured', async () => {
    // Clerk v1 claims as the deprecated "supabase" JWT template produced
    // them, signed HS256 with the project's JWT secret.
    const now = Math.floor(Date.now() / 1000)
    const v1 = signProjectToken({
      sub: 'user_bob',
      role: 'authenticated',
      org_id: 'org_globex',
      org_slug: 'globex',
      org_role: 'org:admin',
      iat: now,
      nbf: now - 5,
      exp: now + 60,
    })
    const { supabase } = rg.client(() => ({ getToken: async () => v1 }))
    assertRes(rg, await supabase.from('projects').select('id,name'), ok([{ id: 3, name: 'Data migration' }]))
    assertRes(rg, await supabase.from('org_settings').select('org_id,seats'), ok([{ org_id: 'org_globex', seats: 10 }]))
    assertRes(rg, await supabase.from('whoami').select('sub,org_id'), ok([{ sub: 'user_bob', org_id: 'org_globex' }]))
  })
})

describe('signed out', () => {
  test('accessToken() returning null runs as anon', async () => {
    const { supabase, wire } = rg.client(() => null)
    assertRes(rg, await supabase.from('whoami').select('*'), ok([
      { db_role: 'anon', sub: null, role_claim: 'anon', org_id: null },
    ]))
    const req = wire.last().requestHeaders
    assert.equal(req.get('apikey'), PUBLISHABLE_KEY)
    assert.equal(req.get('authorization'), `Bearer ${PUBLISHABLE_KEY}`)
  })

  test('anon reads public tables and no private rows', async () => {
    const { supabase } = rg.client(() => null)
    assertRes(rg, await supabase.from('tags').select('id,name').order('id'), ok([
      { id: 1, name: 'urgent' },
      { id: 2, name: 'frontend' },
      { id: 3, name: 'backend' },
      { id: 4, name: 'someday' },
    ]))
    assertRes(rg, await supabase.from('tasks').select('id'), ok([]))
    assertRes(rg, await supabase.from('users').select('id'), ok([]))
    assertRes(rg, await supabase.from('tasks').select('id', { count: 'exact', head: true }), ok(null, { count: 0 }))
  })

  test('signing in and out with the same client', async () => {
    let session = null
    const { supabase } = rg.client(() => session)
    assertRes(rg, await supabase.from('tasks').select('id').order('id'), ok([]))
    session = rg.session('user_bob')
    assertRes(rg, await supabase.from('tasks').select('id').order('id'), ok(ids(5, 6, 7)))
    session = null
    assertRes(rg, await supabase.from('tasks').select('id').order('id'), ok([]))
  })
})

describe('tokens rowgate must refuse', () => {
  test('an expired token: 401 PGRST303 JWT expired', async () => {
    const expired = await rg.token('user_alice', { ttl: '-2m' })
    const { supabase } = rg.client(() => ({ getToken: async () => expired }))
    const res = await supabase.from('tasks').select('id')
    assertRes(rg, res, failed(401, 'Unauthorized', {
      code: 'PGRST303',
      details: null,
      hint: null,
      message: 'JWT expired',
    }))
  })

  test('an expired project (HS256) token: 401 PGRST303 with WWW-Authenticate', async () => {
    const now = Math.floor(Date.now() / 1000)
    const expired = signProjectToken({ sub: 'user_alice', role: 'authenticated', iat: now - 600, exp: now - 300 })
    const { supabase, wire } = rg.client(() => ({ getToken: async () => expired }))
    const res = await supabase.from('tasks').select('id')
    assertRes(rg, res, failed(401, 'Unauthorized', {
      code: 'PGRST303',
      details: null,
      hint: null,
      message: 'JWT expired',
    }))
    assert.equal(wire.last().headers.get('www-authenticate'), 'Bearer error="invalid_token", error_description="JWT expired"')
  })

  test('a token signed with the wrong key: 401 PGRST301', async () => {
    const forged = signProjectToken(
      { sub: 'user_alice', role: 'authenticated', exp: Math.floor(Date.now() / 1000) + 60 },
      'not-the-project-secret-but-long-enough-to-look-real',
    )
    const { supabase } = rg.client(() => ({ getToken: async () => forged }))
    const res = await supabase.from('tasks').select('id')
    assert.equal(res.status, 401, rg.logTail())
    assert.equal(res.statusText, 'Unauthorized')
    assert.equal(res.error?.code, 'PGRST301')
    assert.equal(res.data, null)
  })
})

describe('the secret key', () => {
  test('a server-side client with the secret key runs as service_role and bypasses RLS', async () => {
    const { supabase, wire } = rg.serviceClient()
    assertRes(rg, await supabase.from('tasks').select('id', { count: 'exact' }).order('id'), ok(ids(1, 2, 3, 4, 5, 6, 7), { count: 7 }))
    assertRes(rg, await supabase.from('whoami').select('db_role,role_claim'), ok([{ db_role: 'service_role', role_claim: 'service_role' }]))
    assert.equal(wire.last().requestHeaders.get('authorization'), `Bearer ${SECRET_KEY}`)
  })
})

describe('supabase.auth with accessToken', () => {
  test('supabase.auth.getUser() throws on the client', () => {
    const supabase = createClient(rg.url, PUBLISHABLE_KEY, {
      async accessToken() {
        return null
      },
    })
    assert.throws(() => supabase.auth.getUser(), {
      name: 'Error',
      message: '@supabase/supabase-js: Supabase Client is configured with the accessToken option, accessing supabase.auth.getUser is not possible',
    })
  })
})
