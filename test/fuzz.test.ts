import t, { type Test } from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { startChild, type Child } from './helpers/child.js'
import { tempDir } from './helpers/service.js'
import { rawRequest, type RawReply } from './helpers/raw-http.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import { encodeId } from '../src/ids.js'

/**
 * Malformed requests against every operation of openapi/openapi.json, on `npm start` in a child process, over
 * raw sockets (so any byte can be sent): never a 5xx, every error in the Webex shape with its trackingid,
 * only statuses the README lists, the process alive and its memory bounded. Deterministic: a fixed seed and
 * a fixed number of runs.
 */
const SEED = 20261201
const RUNS = 2000
/** Resident memory the service may reach during the run (it starts near 150 MB). */
const RSS_LIMIT_MB = 450
const DOCUMENTED = new Set([200, 201, 202, 204, 400, 401, 403, 404, 408, 409, 413, 415, 429, 431])

interface Schema {
  type?: string
  enum?: unknown[]
  format?: string
  minimum?: number
  maximum?: number
  maxLength?: number
  items?: Schema
  properties?: Record<string, Schema>
  required?: string[]
  anyOf?: Schema[]
  oneOf?: Schema[]
}
interface Operation {
  method: string
  path: string
  params: Array<{ name: string; in: string; schema: Schema }>
  body?: Schema
}

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const definition = JSON.parse(readFileSync(`${ROOT}openapi/openapi.json`, 'utf8')) as {
  paths: Record<string, Record<string, { parameters?: Operation['params']; requestBody?: any }>>
}
const OPERATIONS: Operation[] = Object.entries(definition.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({
    method: method.toUpperCase(),
    path,
    params: op.parameters ?? [],
    body: op.requestBody?.content?.['application/json']?.schema,
  }))
)

const UUID = '6f1e0c2a-9b3d-4e5f-8a7b-1c2d3e4f5a6b'
const KINDS = ['ROOM', 'PEOPLE', 'MESSAGE', 'TEAM', 'MEMBERSHIP', 'WEBHOOK', 'CLASSIFICATION'] as const
const IDS = [
  ...Object.values(DEMO_IDS),
  ...KINDS.map(k => encodeId(k, UUID)),
  encodeId('MEMBERSHIP', `${DEMO.people.alice.id}:${DEMO.rooms.apollo}`),
  'welcome-new-member',
  'keyword-alert',
]
/** Strings that break parsers: escapes, separators, control and non-BMP characters, very long. */
const NASTY = [
  '',
  '%',
  '%zz',
  '%00',
  '%E0%A4%A',
  '..',
  '../../etc/passwd',
  'a b',
  'a&b=c',
  '\u0000',
  '\u202e\ud83d\ude00',
  '\ud800',
  '{"$ne":null}',
  '__proto__',
  'x'.repeat(300),
  'x'.repeat(5000),
  '-1',
  '1e400',
  'NaN',
  'true',
  'null',
]
// Loopback only: the service is told it may call loopback, so subscriptions are stored and their deliveries
// fail on a closed port; nothing leaves the machine.
const URLS = ['http://127.0.0.1:1/hook', 'http://[::1]:1/x', 'ftp://127.0.0.1/', 'http://user:pw@127.0.0.1:1/', 'x']
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '*/*',
  ';;;',
  'application/',
]

const nasty = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 })
)

/** A value the schema accepts, or nearly: right types and names, with field-aware pools for ids and URLs. */
function valueOf (schema: Schema | undefined, name = '', depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return fc.jsonValue({ maxDepth: 2 })
  if (/url$/i.test(name)) return fc.constantFrom(...URLS)
  if (/id$/i.test(name) || /ids$/i.test(name)) return fc.oneof(fc.constantFrom(...IDS), nasty)
  if (/email$/i.test(name)) return fc.oneof(fc.constantFrom('bob@example.com', 'pat@partner.test'), fc.emailAddress())
  if (schema.enum) return fc.constantFrom(...schema.enum)
  const choices = schema.anyOf ?? schema.oneOf
  if (choices) return fc.oneof(...choices.map(s => valueOf(s, name, depth)))
  switch (schema.type) {
    case 'string':
      return schema.format === 'date-time'
        ? fc.date({ noInvalidDate: true }).map(d => d.toISOString())
        : fc.string({ maxLength: Math.min(schema.maxLength ?? 40, 60) })
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -5, max: Math.min(schema.maximum ?? 2000, 2000) })
    case 'number':
      return fc.double({ noNaN: true })
    case 'boolean':
      return fc.boolean()
    case 'array':
      return fc.array(valueOf(schema.items, name, depth + 1), { maxLength: 4 })
    case 'object': {
      const props = schema.properties ?? {}
      return fc.record(
        Object.fromEntries(Object.entries(props).map(([k, s]) => [k, valueOf(s, k, depth + 1)])),
        { requiredKeys: (schema.required ?? []).filter(k => k in props) }
      )
    }
    default:
      return fc.jsonValue({ maxDepth: 3 })
  }
}

/** A body: valid-ish, valid-ish with one field of the wrong type, any JSON, text that is not JSON, deep. */
function bodyOf (schema: Schema | undefined): fc.Arbitrary<string | undefined> {
  const valid = valueOf(schema)
  return fc.oneof(
    { weight: 5, arbitrary: valid.map(v => JSON.stringify(v)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(valid, fc.constantFrom(...Object.keys(schema?.properties ?? { x: 0 })), fc.jsonValue({ maxDepth: 3 }))
        .map(([v, k, junk]) => JSON.stringify({ ...(v as object), [k]: junk })),
    },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(v => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constantFrom('{', '[1,', '{"a":1}}', 'nul', '"\\ud800"', '{"__proto__":{"x":1}}') },
    { weight: 1, arbitrary: fc.integer({ min: 60, max: 3000 }).map(d => '['.repeat(d) + ']'.repeat(d)) },
    { weight: 1, arbitrary: fc.constant(undefined) }
  )
}

interface FuzzRequest {
  method: string
  target: string
  headers: string[]
  body?: string
}

const UNRESERVED = /[A-Za-z0-9\-_.~]/
const percent = (b: number): string =>
  UNRESERVED.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`

/** Percent-encoded as UTF-8 (lone surrogates become U+FFFD, as a client library would send them), or raw. */
const encodeSometimes = (v: string, raw: boolean): string =>
  raw
    ? v.replace(/[\s\r\n]/g, '')
    : [...Buffer.from(v, 'utf8')].map(percent).join('')

function requestFor (op: Operation): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.params.filter(p => p.in === 'path')
  const queryParams = op.params.filter(p => p.in === 'query')
  return fc
    .record({
      path: fc.tuple(...pathParams.map(() => fc.tuple(fc.oneof(fc.constantFrom(...IDS), nasty), fc.boolean()))),
      query: fc.array(
        fc.tuple(
          fc.oneof(fc.constantFrom(...(queryParams.length ? queryParams.map(p => p.name) : ['max'])), nasty),
          fc.oneof(fc.constantFrom(...IDS, '1', '0', '-1', '1001', 'true', 'group', 'me'), nasty),
          fc.boolean()
        ),
        { maxLength: 4 }
      ),
      body: op.body || op.method === 'POST' ? bodyOf(op.body) : fc.constantFrom(undefined, '{}', '[]'),
      contentType: fc.oneof(
        { weight: 8, arbitrary: fc.constant('application/json') },
        { weight: 3, arbitrary: fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 3 }) }
      ),
      token: fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom(...Object.values(DEMO.tokens)) },
        { weight: 1, arbitrary: fc.constantFrom('junk', '') }
      ),
      host: fc.oneof({ weight: 9, arbitrary: fc.constant('127.0.0.1') }, fc.constantFrom('a b', 'a:99999999', 'x/y')),
      extra: fc.option(fc.tuple(fc.constantFrom('X-Fuzz', 'Accept', 'If-None-Match', 'Cookie'), nasty), { freq: 3 }),
    })
    .map(r => {
      let i = 0
      const path = op.path.replace(/\{[^}]+\}/g, () => {
        const [value, raw] = r.path[i++]
        return encodeSometimes(value, raw) || 'x'
      })
      const qs = r.query.map(([k, v, raw]) => `${encodeSometimes(k, raw)}=${encodeSometimes(v, raw)}`).join('&')
      const headers = [`Host: ${r.host}`]
      if (r.token) headers.push(`Authorization: Bearer ${r.token}`)
      if (r.contentType && r.body !== undefined) headers.push(`Content-Type: ${r.contentType}`)
      if (r.extra) headers.push(`${r.extra[0]}: ${r.extra[1].replace(/[\r\n]/g, '').replaceAll('\u0000', '')}`)
      return { method: op.method, target: qs ? `${path}?${qs}` : path, headers, ...(r.body ? { body: r.body } : {}) }
    })
}

function wire (r: FuzzRequest): Buffer {
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, 'utf8')
  const head = [`${r.method} ${r.target} HTTP/1.1`, ...r.headers, `Content-Length: ${body.length}`, 'Connection: close']
  return Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n', 'utf8'), body])
}

/** What must hold for every answer; returns the problem, or undefined. */
function problem (res: RawReply): string | undefined {
  if (res.status >= 500) return `a ${res.status}`
  if (!DOCUMENTED.has(res.status)) return `status ${res.status} is not one the README lists`
  if (!/^ROUTER_[0-9a-f-]{36}$/.test(res.headers.trackingid ?? '')) return 'no trackingid header'
  if (res.status < 400) return undefined
  const b = res.body
  if (typeof b?.message !== 'string') return 'no message'
  if (!Array.isArray(b.errors) || typeof b.errors[0]?.description !== 'string') return 'no errors[].description'
  if (b.trackingId !== res.headers.trackingid) return 'trackingId differs from the trackingid header'
  return undefined
}

function rssMb (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

async function service (t: Test): Promise<Child & { errors: string[] }> {
  const child = await startChild({
    DATA_DIR: tempDir(t, 'fuzz-'),
    THROTTLE_ENABLED: 'false',
    LOG_REQUESTS: 'false',
    DELIVERY_ALLOW_PRIVATE_TARGETS: 'true',
    FLOWS_DIR: `${ROOT}flows`,
  })
  t.teardown(async () => {
    child.proc.kill('SIGTERM')
    await child.exited
  })
  // Anything logged at error level (pino level 50+) is a failure the answers may not show.
  const errors: string[] = []
  child.proc.stdout!.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (/"level":(5\d|60)/.test(line)) errors.push(line.slice(0, 500))
    }
  })
  return { ...child, errors }
}

t.test(`${RUNS} random malformed requests over the ${OPERATIONS.length} operations`, async t => {
  t.ok(OPERATIONS.length >= 70, `${OPERATIONS.length} operations in openapi/openapi.json`)
  const svc = await service(t)
  let peak = rssMb(svc.proc.pid!)
  const statuses = new Map<number, number>()
  let sent = 0
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...OPERATIONS).chain(requestFor), async r => {
      const res = await rawRequest(svc.url, wire(r))
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      if (++sent % 100 === 0) peak = Math.max(peak, rssMb(svc.proc.pid!))
      const wrong = problem(res)
      if (wrong) throw new Error(`${wrong}: ${r.method} ${r.target.slice(0, 200)} -> ${res.text.slice(0, 300)}`)
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true }
  )
  peak = Math.max(peak, rssMb(svc.proc.pid!))
  t.comment(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`)
  t.comment(`peak RSS ${peak.toFixed(0)} MB`)
  t.ok(statuses.get(200)! > 0 && statuses.get(400)! > 0 && statuses.get(404)! > 0, 'successes and refusals both')
  t.ok(peak < RSS_LIMIT_MB, `peak RSS ${peak.toFixed(0)} MB < ${RSS_LIMIT_MB} MB`)
  t.equal(svc.proc.exitCode, null, 'the process is alive')
  t.equal((await rawRequest(svc.url, wire({ method: 'GET', target: '/health', headers: ['Host: x'] }))).status, 200)
  t.same(svc.errors, [], 'nothing was logged at error level')
})

t.test('every operation: deep, huge and broken bodies, broken paths, huge headers, broken request lines', async t => {
  const svc = await service(t)
  const check = async (label: string, bytes: Buffer | string) => {
    const res = await rawRequest(svc.url, bytes)
    const wrong = problem(res)
    t.notOk(wrong, `${label}: ${res.status}${wrong ? ` (${wrong}: ${res.text.slice(0, 200)})` : ''}`)
    return res
  }
  const auth = `Authorization: Bearer ${DEMO.tokens.carol}`
  const headers = ['Host: 127.0.0.1', auth, 'Content-Type: application/json']
  const huge = JSON.stringify({ text: 'x'.repeat(1_100_000) })
  for (const op of OPERATIONS) {
    const path = op.path.replace(/\{[^}]+\}/g, DEMO_IDS.apollo)
    const broken = op.path.includes('{') ? op.path.replace(/\{[^}]+\}/, '%E0%A4%A') : `${op.path}/%zz`
    const long = op.path.includes('{') ? op.path.replace(/\{[^}]+\}/, 'a'.repeat(600)) : op.path
    await check(`${op.method} ${broken}`, wire({ method: op.method, target: broken, headers }))
    await check(`${op.method} ${op.path} (600-character parameter)`, wire({ method: op.method, target: long, headers }))
    if (op.method === 'POST' || op.method === 'PUT') {
      const deep = '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}'
      const send = (body: string) => wire({ method: op.method, target: path, headers, body })
      t.equal((await check(`${op.method} ${op.path} 5,000 deep`, send(deep))).status, 400)
      t.equal((await check(`${op.method} ${op.path} 1.1 MB`, send(huge))).status, 413)
    }
  }
  const big = [auth, `X-Big: ${'b'.repeat(20_000)}`]
  await check('headers over 16 KB', wire({ method: 'GET', target: '/v1/rooms', headers: big }))
  await check('request line without a version', 'GET /v1/rooms\r\n\r\n')
  await check('a method Node does not know', 'BREW /v1/rooms HTTP/1.1\r\nHost: x\r\n\r\n')
  await check('a header without a colon', 'GET /v1/rooms HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n')
  await check('a bad chunked body', 'POST /v1/rooms HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')
  await check(
    'both Content-Length and chunked',
    'POST /v1/rooms HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
  )
  await check('binary', Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]))
  t.equal(svc.proc.exitCode, null, 'the process is alive')
  t.same(svc.errors, [], 'nothing was logged at error level')
})
