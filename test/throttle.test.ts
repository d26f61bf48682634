import t from 'tap'
import { SlidingWindowLimiter } from '../src/throttle/sliding-window.js'
import { isWebexError } from './helpers/assertions.js'
import { client, ManualClock, startService } from './helpers/service.js'
import { DEMO } from '../src/demo.js'

t.test('the 101st call in 60 s gets 429 with Retry-After; the window slides exactly', async t => {
  const clock = new ManualClock()
  const svc = await startService(t, {}, { clock: clock.now })
  const alice = client(svc.url, DEMO.tokens.alice)
  for (let i = 0; i < 100; i++) {
    const r = await alice('GET', '/v1/people/me')
    if (r.status !== 200) t.fail(`call ${i + 1} got ${r.status}`)
    clock.advance(100) // 100 calls spread over 10 s
  }
  const over = await alice('GET', '/v1/people/me')
  isWebexError(t, over, 429, /100 calls per 60 seconds/)
  // The first call was at 0 s; it leaves the window at 60 s, 10 s from now.
  t.equal(over.headers.get('retry-after'), '50')
  clock.advance(50_000 - 1)
  t.equal((await alice('GET', '/v1/people/me')).status, 429, 'one millisecond early is still refused')
  clock.advance(1)
  t.equal((await alice('GET', '/v1/people/me')).status, 200, 'exactly when the oldest call leaves the window')
  t.equal((await alice('GET', '/v1/people/me')).status, 429, 'and only one slot opened')
  t.equal(
    (await client(svc.url, DEMO.tokens.bob)('GET', '/v1/people/me')).status,
    200,
    'another connection has its own budget'
  )
})

t.test('a concurrent burst cannot overshoot the limit', async t => {
  const clock = new ManualClock()
  const svc = await startService(t, { throttle: { limit: 100, windowMs: 60_000 } }, { clock: clock.now })
  const bob = client(svc.url, DEMO.tokens.bob)
  const replies = await Promise.all(Array.from({ length: 250 }, () => bob('GET', '/v1/rooms')))
  t.equal(replies.filter(r => r.status === 200).length, 100)
  t.equal(replies.filter(r => r.status === 429).length, 150)
})

t.test('refused and unauthenticated calls do not spend the budget; limit and window are configurable', async t => {
  const clock = new ManualClock()
  const svc = await startService(t, { throttle: { limit: 3, windowMs: 1000 } }, { clock: clock.now })
  const anon = client(svc.url)
  for (let i = 0; i < 5; i++) t.equal((await anon('GET', '/v1/rooms')).status, 401)
  const dave = client(svc.url, DEMO.tokens.dave)
  for (let i = 0; i < 3; i++) t.equal((await dave('GET', '/v1/rooms')).status, 200)
  const r = await dave('GET', '/v1/rooms')
  t.equal(r.status, 429)
  t.equal(r.headers.get('retry-after'), '1', 'Retry-After is whole seconds, rounded up')
  clock.advance(1000)
  t.equal((await dave('GET', '/v1/rooms')).status, 200)
})

t.test('the limiter forgets idle connections', async t => {
  let now = 0
  const limiter = new SlidingWindowLimiter(2, 10, () => now)
  t.same(limiter.take('a'), { allowed: true, remaining: 1 })
  t.same(limiter.take('a'), { allowed: true, remaining: 0 })
  t.same(limiter.take('a'), { allowed: false, retryAfterMs: 10 })
  now = 10
  t.same(limiter.take('a'), { allowed: true, remaining: 1 })
})
