import t from 'tap'
import { isWebexError } from './helpers/assertions.js'
import { client, startService } from './helpers/service.js'
import { DEMO } from '../src/demo.js'
import { configFromEnv, makeConfig } from '../src/config.js'

t.test('every response carries a trackingid; unknown routes and methods answer in the Webex shape', async t => {
  const svc = await startService(t)
  const alice = client(svc.url, DEMO.tokens.alice)
  const ok = await alice('GET', '/v1/people/me')
  t.match(ok.headers.get('trackingid'), /^ROUTER_[0-9a-f-]{36}$/)
  isWebexError(t, await alice('GET', '/v1/nothing-here'), 404)
  isWebexError(t, await alice('PATCH', '/v1/rooms'), 404)
  isWebexError(t, await alice('POST', '/v1/rooms', 'not json'), 400)
  isWebexError(
    t,
    await alice('POST', '/v1/rooms', 'title=x', { 'content-type': 'application/x-www-form-urlencoded' }),
    415
  )
  isWebexError(t, await client(svc.url)('GET', '/v1/rooms', undefined, { authorization: 'Basic abc' }), 401)
  t.equal((await client(svc.url)('GET', '/health')).status, 200, 'the health check needs no token')
})

t.test('a body over the limit is 413 and changes nothing', async t => {
  const svc = await startService(t, { bodyLimit: 2048 })
  const alice = client(svc.url, DEMO.tokens.alice)
  isWebexError(t, await alice('POST', '/v1/rooms', { title: 'x'.repeat(5000) }), 413)
  t.equal((await alice('GET', '/v1/rooms')).body.items.length, 4)
})

t.test('configuration: defaults, environment, and refusal of bad values', async t => {
  const c = makeConfig()
  t.same(
    [c.host, c.port, c.dataDir, c.throttle.limit, c.throttle.windowMs, c.seedDemo],
    ['127.0.0.1', 8080, './data', 100, 60_000, true]
  )
  const e = configFromEnv({
    PORT: '9000',
    THROTTLE_LIMIT: '5',
    THROTTLE_ENABLED: 'false',
    DATA_DIR: '/tmp/x',
    SEED_DEMO: 'false',
  })
  t.same([e.port, e.throttle.limit, e.throttle.enabled, e.dataDir, e.seedDemo], [9000, 5, false, '/tmp/x', false])
  t.throws(() => configFromEnv({ PORT: 'eighty' }), /port/)
  t.throws(() => configFromEnv({ THROTTLE_LIMIT: '0' }), /limit/)
})
