// `rowgate lint --format sarif` must produce SARIF 2.1.0 that validates
// against the OASIS JSON schema, so GitHub code scanning accepts it. The
// schema comes from Microsoft's @microsoft/jest-sarif package (installed
// from the lock file, not vendored) and is checked with the ajv it uses.

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const Ajv = require('ajv')
const draft4 = require('ajv/lib/refs/json-schema-draft-04.json')
const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json')

const here = dirname(fileURLToPath(import.meta.url))
const corpus = join(here, '..', 'lint', 'testdata', 'lint')
const bin = process.env.ROWGATE_BIN

function lint(dir) {
  return new Promise((resolve) => {
    execFile(bin, ['lint', '--format', 'sarif', dir], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr })
    })
  })
}

test('lint SARIF output validates against the SARIF 2.1.0 schema', async () => {
  assert.ok(bin, 'ROWGATE_BIN must point at the rowgate binary')
  const ajv = new Ajv({ schemaId: 'id', meta: false, allErrors: true, validateSchema: false })
  ajv.addMetaSchema(draft4)
  const validate = ajv.compile(schema)

  const projects = (await readdir(corpus, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name)
  assert.ok(projects.length >= 20, `corpus has ${projects.length} projects`)
  let withFindings = 0
  for (const p of projects) {
    const res = await lint(join(corpus, p))
    assert.ok(res.code === 0 || res.code === 1, `${p}: exit ${res.code}: ${res.stderr}`)
    const log = JSON.parse(res.stdout)
    const ok = validate(log)
    assert.ok(ok, `${p}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`)
    assert.equal(log.version, '2.1.0')
    const results = log.runs[0].results
    assert.equal(res.code === 1, results.length > 0, `${p}: exit code ${res.code} vs ${results.length} results`)
    if (results.length > 0) withFindings++
  }
  assert.ok(withFindings >= 10, `only ${withFindings} projects had findings`)
})

test('the schema check rejects a broken SARIF log', () => {
  const ajv = new Ajv({ schemaId: 'id', meta: false, allErrors: true, validateSchema: false })
  ajv.addMetaSchema(draft4)
  const validate = ajv.compile(schema)
  assert.equal(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] }), false)
  assert.equal(validate({ version: '9.9', runs: [] }), false)
})
