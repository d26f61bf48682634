import t from 'tap'
import { isWebexError } from './helpers/assertions.js'
import { client, startService } from './helpers/service.js'
import { DEMO } from '../src/demo.js'
import { configFromEnv, makeConfig } from '../src/config.js'
import { nextPageUrl } from '../src/http/pagination.js'

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

t.test('the next page URL is the one URL.searchParams.set writes, spliced or parsed', async t => {
  const viaUrl = (base: string, url: string, cursor: string): string => {
    const u = new URL(base + url)
    u.searchParams.set('cursor', cursor)
    return u.toString()
  }
  const urls = [
    '/v1/rooms', '/v1/rooms/', '/v1/rooms?max=10', '/v1/messages?roomId=Y2lzY29zcGFyazovL3VzL1JPT00vYQ&max=10',
    '/v1/rooms?cursor=abc&max=2&cursor=def', '/v1/rooms?max=2&cursor=', '/v1/rooms?a=&b=1', '/v1/rooms?',
    '/v1/rooms?a', '/v1/rooms?a=1&&b=2', '/v1/rooms?a=b%20c', '/v1/rooms?a=b+c', '/v1/rooms?x=~', '/v1/./rooms?a=1',
    '/v1//rooms?a=1', '/v1/rooms?a=1=2', '/v1/rooms?teamId=a_-.*', '/v1/r%41oms?a=1', '/v1/rooms?cursor=x',
  ]
  for (const base of ['http://127.0.0.1:3000', 'https://x.example/api', 'http://[::1]:8080']) {
    for (const url of urls) {
      for (const cursor of ['eyJrIjoxfQ', 'a-b_c', 'a b', '']) {
        t.equal(nextPageUrl(base, url, cursor), viaUrl(base, url, cursor), `${base}${url} + ${cursor}`)
      }
    }
  }
})
