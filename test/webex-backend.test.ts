import t, { type Test } from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebexHttpBackend } from '../src/backends/webex/index.js'
import { isWebexError } from './helpers/assertions.js'
import { client, ManualClock, startService } from './helpers/service.js'

const ME = {
  id: Buffer.from('ciscospark://us/PEOPLE/11111111-1111-4111-8111-111111111111').toString('base64url'),
  orgId: Buffer.from('ciscospark://us/ORGANIZATION/22222222-2222-4222-8222-222222222222').toString('base64url'),
  emails: ['me@example.com'],
  phoneNumbers: [],
  displayName: 'Me',
  firstName: 'M',
  lastName: 'E',
  roles: [],
  created: '2026-01-01T00:00:00.000Z',
  status: 'active',
  type: 'person',
}
const ROOMS = {
  items: [
    {
      id: 'r1',
      title: 'One',
      type: 'group',
      isLocked: false,
      lastActivity: ME.created,
      creatorId: ME.id,
      created: ME.created,
      ownerId: ME.orgId,
    },
  ],
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void

/** A Webex stand-in on 127.0.0.1 whose answers each test scripts; it counts calls per path. */
async function upstream (
  t: Test,
  handler: Handler
): Promise<{ url: string; calls: string[]; close: () => Promise<void> }> {
  const calls: string[] = []
  const server = http.createServer((req, res) => {
    if (req.url === '/v1/people/me') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ME))
      return
    }
    calls.push(`${req.method} ${req.url}`)
    handler(req, res, calls.length)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const close = async (): Promise<void> => {
    server.closeAllConnections()
    await new Promise<void>(resolve => server.close(() => resolve()))
  }
  t.teardown(close)
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, close }
}

/** The service with the Webex backend pointed at `baseUrl`; waits move a manual clock and are recorded. */
async function service (t: Test, baseUrl: string, opts: Record<string, number> = {}, clock = new ManualClock()) {
  const slept: number[] = []
  const backend = new WebexHttpBackend({
    baseUrl,
    rateLimit: 1000,
    rateWindowMs: 60_000,
    concurrency: 4,
    timeoutMs: 2000,
    maxRetries: 3,
    baseDelayMs: 500,
    maxDelayMs: 8000,
    clock: clock.now,
    sleep: async ms => {
      slept.push(ms)
      clock.advance(ms)
    },
    ...opts,
  })
  const svc = await startService(
    t,
    { backend: 'webex', throttle: { enabled: false } },
    { backend: { kind: 'webex', backend }, clock: clock.now }
  )
  return { call: client(svc.url, 'a-webex-token'), slept, clock }
}

const json = (
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
}

t.test('429 with Retry-After: the call waits exactly the stated time, then succeeds', async t => {
  const up = await upstream(t, (_req, res, n) =>
    n === 1
      ? json(res, 429, { message: 'slow down', errors: [], trackingId: 'T429' }, { 'retry-after': '7' })
      : json(res, 200, ROOMS)
  )
  const s = await service(t, up.url)
  const r = await s.call('GET', '/v1/rooms')
  t.equal(r.status, 200)
  t.same(s.slept, [7000], 'waited 7 s as told')
  t.equal(up.calls.length, 2)
})

t.test('a burst of 300 calls never exceeds the configured rate upstream', async t => {
  const clock = new ManualClock()
  const arrivals: number[] = []
  const up = await upstream(t, (_req, res) => {
    arrivals.push(clock.now())
    json(res, 200, ROOMS)
  })
  const s = await service(t, up.url, { rateLimit: 20, rateWindowMs: 10_000, concurrency: 8 }, clock)
  const replies = await Promise.all(Array.from({ length: 300 }, () => s.call('GET', '/v1/rooms')))
  t.equal(replies.filter(r => r.status === 200).length, 300, 'every call succeeded')
  t.equal(arrivals.length, 300)
  // Upstream's view, on the service's clock: no 10 s window ever saw more than 20 calls.
  arrivals.sort((a, b) => a - b)
  let worst = 0
  for (let i = 0, j = 0; i < arrivals.length; i++) {
    while (arrivals[i] - arrivals[j] >= 10_000) j++
    worst = Math.max(worst, i - j + 1)
  }
  t.equal(worst, 20, 'at most 20 calls in any 10 s window, and the budget was used')
  t.ok(arrivals[299] - arrivals[0] >= 140_000, 'so 300 calls took at least 140 s of clock time')
})

t.test('503 then success: idempotent calls retry with backoff; a POST is not blindly retried', async t => {
  let n = 0
  const up = await upstream(t, (req, res) => {
    n++
    if (req.method === 'GET' && n === 1) {
      return json(res, 503, { message: 'busy', errors: [{ description: 'busy' }], trackingId: 'T503' })
    }
    if (req.method === 'POST') {
      return json(res, 503, { message: 'busy', errors: [{ description: 'busy' }], trackingId: 'T503POST' })
    }
    json(res, 200, ROOMS)
  })
  const s = await service(t, up.url)
  t.equal((await s.call('GET', '/v1/rooms')).status, 200)
  t.same(s.slept, [500], 'one backoff of the base delay')
  const post = await s.call('POST', '/v1/rooms', { title: 'x' })
  isWebexError(t, post, 503)
  t.equal(post.body.trackingId, 'T503POST', "upstream's trackingId is passed back")
  t.equal(up.calls.filter(c => c.startsWith('POST')).length, 1, 'the POST went upstream once')
})

t.test('connection refused: retried, then a clear 502', async t => {
  const up = await upstream(t, (_req, res) => json(res, 200, ROOMS))
  const s = await service(t, up.url)
  t.equal((await s.call('GET', '/v1/people/me')).status, 200, 'authenticated while upstream was up')
  await up.close()
  const r = await s.call('GET', '/v1/rooms')
  isWebexError(t, r, 502, /reached/)
  t.same(s.slept, [500, 1000, 2000], 'three capped exponential backoffs')
})

t.test('a slow upstream hits the timeout: 504, and the service keeps serving', async t => {
  const up = await upstream(t, (req, res) => {
    if (req.url?.startsWith('/v1/rooms')) return
    json(res, 200, ROOMS)
  })
  const s = await service(t, up.url, { timeoutMs: 150, maxRetries: 0 })
  isWebexError(t, await s.call('GET', '/v1/rooms'), 504, /in time/)
  t.equal((await s.call('GET', '/v1/people/me')).status, 200, 'still up')
})

t.test('malformed JSON from upstream: a clear 502', async t => {
  const up = await upstream(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"items": [')
  })
  const s = await service(t, up.url)
  isWebexError(t, await s.call('GET', '/v1/rooms'), 502, /not JSON/)
})

t.test('a cursor cannot send the service to another host', async t => {
  const up = await upstream(t, (_req, res) => json(res, 200, ROOMS))
  const s = await service(t, up.url)
  const evil = Buffer.from('http://169.254.169.254/latest/meta-data').toString('base64url')
  isWebexError(t, await s.call('GET', `/v1/rooms?cursor=${evil}`), 400, /cursor/)
  t.equal(up.calls.length, 0)
})
