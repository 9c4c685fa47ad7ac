// Harness for the supabase-js conformance suite.
//
// startRowgate() copies the fixture project into a fresh temporary
// directory, gives it free ports, runs `$ROWGATE_BIN dev --workdir <tmp>`
// and waits until the API answers /health. Tests then create supabase-js
// clients exactly as apps do and mint Clerk-shaped session tokens with
// `rowgate token`. Nothing here mocks rowgate or the network: every request
// goes over loopback HTTP to the real server and its real PostgreSQL.

import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { chmod, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { createClient } from '@supabase/supabase-js'

const execFileP = promisify(execFile)
const here = dirname(fileURLToPath(import.meta.url))

/** The Supabase CLI's default publishable key (anon). */
export const PUBLISHABLE_KEY = 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH'
/** The Supabase CLI's default secret key (service_role). */
export const SECRET_KEY = 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz'
/** The Supabase CLI's default project JWT secret (HS256). */
export const JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long'

const READY_DEADLINE_MS = 60_000
const STOP_DEADLINE_MS = 30_000

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** Sets `key = <value>` inside the [section] table of a TOML document. */
export function setTomlPort(text, section, port) {
  const lines = text.split('\n')
  let current = ''
  let done = false
  const out = lines.map((line) => {
    const header = line.match(/^\s*\[([^\]]+)\]\s*$/)
    if (header) current = header[1].trim()
    if (!done && current === section && /^\s*port\s*=/.test(line)) {
      done = true
      return `port = ${port}`
    }
    return line
  })
  if (!done) throw new Error(`config.toml has no port in [${section}]`)
  return out.join('\n')
}

/** Decodes a JWT's claims without verifying it (for expiry bookkeeping only). */
export function decodeClaims(jwt) {
  const part = jwt.split('.')[1]
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
}

/**
 * Signs claims with HS256 and the project JWT secret, the way the deprecated
 * Clerk "supabase" JWT template did (Clerk session token v1 claims such as
 * org_id and org_role).
 */
export function signProjectToken(claims, secret = JWT_SECRET) {
  const enc = (v) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const input = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}`
  const sig = createHmac('sha256', secret).update(input).digest('base64url')
  return `${input}.${sig}`
}

/**
 * Starts rowgate dev on a copy of the fixture project.
 *
 * @returns {Promise<Rowgate>}
 */
export async function startRowgate() {
  const bin = process.env.ROWGATE_BIN
  if (!bin) throw new Error('ROWGATE_BIN must name the rowgate binary (make conformance sets it)')
  const dir = await mkdtemp(join(tmpdir(), 'rowgate-conformance-'))
  // mkdtemp makes the folder 0700; as root, rowgate runs PostgreSQL as the
  // "postgres" user, which must be able to enter it to keep the cluster
  // inside the project (and so inside what stop() removes).
  await chmod(dir, 0o755)
  await cp(join(here, 'fixture'), dir, { recursive: true })
  const apiPort = await freePort()
  let dbPort = await freePort()
  while (dbPort === apiPort) dbPort = await freePort()
  const configPath = join(dir, 'supabase', 'config.toml')
  let config = await readFile(configPath, 'utf8')
  config = setTomlPort(config, 'api', apiPort)
  config = setTomlPort(config, 'db', dbPort)
  await writeFile(configPath, config)

  const rg = new Rowgate(bin, dir, apiPort)
  try {
    await rg.start()
  } catch (err) {
    await rg.stop()
    throw err
  }
  return rg
}

/** A running `rowgate dev` and helpers to talk to it. */
export class Rowgate {
  constructor(bin, dir, port) {
    this.bin = bin
    this.dir = dir
    this.port = port
    this.url = `http://127.0.0.1:${port}`
    this.log = ''
    this.child = null
    this.exited = null
  }

  async start() {
    const child = spawn(this.bin, ['dev', '--workdir', this.dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    })
    this.child = child
    const append = (chunk) => {
      this.log += chunk.toString()
    }
    child.stdout.on('data', append)
    child.stderr.on('data', append)
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }))
      child.on('error', (err) => {
        this.log += `\nspawn error: ${err.message}\n`
        resolve({ code: -1, signal: null })
      })
    })
    let exitedEarly = null
    this.exited.then((r) => {
      exitedEarly = r
    })

    // Waiting on an external process: poll /health until a deadline.
    const deadline = Date.now() + READY_DEADLINE_MS
    for (;;) {
      if (exitedEarly) {
        throw new Error(`rowgate dev exited before it was ready (${JSON.stringify(exitedEarly)})\n${this.log}`)
      }
      try {
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) })
        await res.arrayBuffer()
        if (res.status === 200) return
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new Error(`rowgate dev was not healthy within ${READY_DEADLINE_MS / 1000} s\n${this.log}`)
      }
      // Poll again shortly, or stop at once if rowgate exits meanwhile.
      await Promise.race([this.exited, waitTick(100)])
    }
  }

  /** Sends SIGINT and waits for rowgate (and its PostgreSQL) to exit. */
  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGINT')
      const timeout = waitTick(STOP_DEADLINE_MS).then(() => 'timeout')
      const r = await Promise.race([this.exited, timeout])
      if (r === 'timeout') {
        this.child.kill('SIGKILL')
        await this.exited
        this.log += '\nrowgate did not stop within 30 s of SIGINT; killed\n'
      }
    }
    const result = this.child ? await this.exited : null
    await this.stopOrphanedPostgres()
    await rm(this.dir, { recursive: true, force: true })
    return result
  }

  /**
   * rowgate stops its PostgreSQL on exit; if it was killed instead, the
   * cluster it started for this test would linger, so stop it by the pid in
   * its postmaster.pid.
   */
  async stopOrphanedPostgres() {
    for (const rel of ['db/pgdata/postmaster.pid', 'db/postmaster.pid']) {
      let pid
      try {
        pid = Number.parseInt((await readFile(join(this.dir, 'supabase', '.rowgate', rel), 'utf8')).split('\n')[0], 10)
      } catch {
        continue
      }
      if (!Number.isInteger(pid) || pid <= 1 || !alive(pid)) continue
      process.kill(pid, 'SIGQUIT')
      const deadline = Date.now() + 10_000
      while (alive(pid) && Date.now() < deadline) await waitTick(50)
      this.log += `\nstopped a PostgreSQL (pid ${pid}) that rowgate left running\n`
    }
  }

  /** The last lines of rowgate's output, for failure messages. */
  logTail(lines = 60) {
    return this.log.split('\n').slice(-lines).join('\n')
  }

  /**
   * Mints a Clerk-shaped session token with `rowgate token`.
   *
   * @param {string} sub Clerk user id
   * @param {{org?: string, orgRole?: string, orgSlug?: string, ttl?: string, noRole?: boolean, role?: string}} [opts]
   */
  async token(sub, opts = {}) {
    const args = ['token', '--workdir', this.dir, '--sub', sub]
    if (opts.org) args.push('--org', opts.org)
    if (opts.orgRole) args.push('--org-role', opts.orgRole)
    if (opts.orgSlug) args.push('--org-slug', opts.orgSlug)
    if (opts.ttl) args.push(`--ttl=${opts.ttl}`)
    if (opts.role) args.push('--role', opts.role)
    if (opts.noRole) args.push('--no-role')
    const { stdout } = await execFileP(this.bin, args, { timeout: 30_000 })
    const tok = stdout.trim()
    if (tok.split('.').length !== 3) throw new Error(`rowgate token printed no JWT: ${JSON.stringify(stdout)}`)
    return tok
  }

  /**
   * A stand-in for a Clerk session object: getToken() returns a cached
   * session token and mints a fresh one when fewer than 15 s are left, as
   * Clerk's SDK does.
   */
  session(sub, opts = {}) {
    let cached = null
    let exp = 0
    const rg = this
    return {
      sub,
      async getToken() {
        if (!cached || exp - Date.now() / 1000 < 15) {
          cached = await rg.token(sub, opts)
          exp = decodeClaims(cached).exp
        }
        return cached
      },
    }
  }

  /**
   * A supabase-js client created exactly as apps do with Clerk:
   * createClient(url, publishableKey, { async accessToken() { return session?.getToken() ?? null } }).
   * The returned object also records every request and response (headers
   * and status) that supabase-js exchanged, through global.fetch.
   *
   * @param {() => ({getToken(): Promise<string>} | null)} currentSession
   */
  client(currentSession, extra = {}) {
    const wire = recorder()
    const supabase = createClient(this.url, PUBLISHABLE_KEY, {
      ...extra,
      async accessToken() {
        const session = currentSession()
        return session?.getToken() ?? null
      },
      global: { fetch: wire.fetch },
    })
    return { supabase, wire }
  }

  /** A server-side client with the secret key (service_role), as backends create it. */
  serviceClient() {
    const wire = recorder()
    const supabase = createClient(this.url, SECRET_KEY, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      global: { fetch: wire.fetch },
    })
    return { supabase, wire }
  }
}

/** A fetch that records what went over the wire, then behaves like fetch. */
function recorder() {
  const exchanges = []
  return {
    exchanges,
    last() {
      return exchanges[exchanges.length - 1]
    },
    async fetch(input, init = {}) {
      const res = await fetch(input, init)
      const reqHeaders = new Headers(init.headers)
      exchanges.push({
        method: init.method ?? 'GET',
        url: new URL(input instanceof URL ? input.href : typeof input === 'string' ? input : input.url),
        requestHeaders: reqHeaders,
        status: res.status,
        headers: res.headers,
      })
      return res
    },
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function waitTick(ms) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    t.unref?.()
  })
}

/** The parts of a supabase-js response that the suite asserts on. */
export function shape(res) {
  const { data, error, count, status, statusText } = res
  return { data, error, count, status, statusText }
}

/**
 * Asserts a supabase-js response: {data, error, count, status, statusText}
 * must deep-equal want. On failure the message carries rowgate's log tail.
 */
export function assertRes(rg, res, want, message) {
  try {
    assert.deepStrictEqual(shape(res), want, message)
  } catch (err) {
    err.message += `\n--- rowgate log (tail) ---\n${rg.logTail()}`
    throw err
  }
}

/** A successful response as supabase-js reports it. */
export function ok(data, { count = null, status = 200, statusText = 'OK' } = {}) {
  return { data, error: null, count, status, statusText }
}

/** A PostgREST error response as supabase-js reports it. */
export function failed(status, statusText, error) {
  return { data: null, error, count: null, status, statusText }
}
