import t from 'tap'
import { DEMO, DEMO_IDS } from '../../src/demo.js'
import type { ConnectorCall, OperationReply } from '../../src/flows/operations.js'
import { startFlows } from './helpers.js'

// A read a flow makes on every message (Get Message Details) goes to its route's handler without inject: the
// answer must be exactly the one inject gives, errors included, and the watcher of flow tests must see the call.
t.test('direct reads answer as the route does through inject', async t => {
  const s = await startFlows(t, {})
  const catalog = s.flows!.catalog
  const alice = (await s.backend.authenticate(DEMO.tokens.alice))!
  const token = catalog.tokenFor(alice)
  const sent = await s.alice('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: 'hello <b>there</b>' })
  t.equal(sent.status, 200)
  const other = await s.carol('POST', '/v1/rooms', { title: 'Carol only' })
  const hidden = await s.carol('POST', '/v1/messages', { roomId: other.body.id, text: 'secret' })

  const injected = async (url: string): Promise<OperationReply> => {
    const res = await s.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
    return { statusCode: res.statusCode, headers: res.headers as Record<string, string>, body: res.json() }
  }
  const inject = s.app.inject.bind(s.app)
  let injects = 0
  s.app.inject = ((...args: Parameters<typeof inject>) => {
    injects++
    return inject(...args)
  }) as typeof s.app.inject
  const urls = [
    `/v1/messages/${sent.body.id}`,
    `/v1/rooms/${DEMO_IDS.apollo}`,
    `/v1/people/${DEMO_IDS.bob}`,
    // Refused by the backend (not alice's space), invalid, unknown, a static route beside the parameter one.
    `/v1/messages/${hidden.body.id}`,
    `/v1/rooms/${encodeURIComponent('not an id')}`,
    `/v1/rooms/${DEMO_IDS.welcome}`,
    '/v1/people/me',
  ]
  // The first call of each route learns its validator and serializer (through inject).
  for (const url of urls.slice(0, 3)) await catalog.call(token, 'GET', url, {}, undefined)
  const statuses: number[] = []
  const calls: ConnectorCall[] = []
  const unwatch = catalog.watch(c => calls.push(c))
  for (const url of urls) {
    const before = injects
    const got = await catalog.call(token, 'GET', url, {}, undefined)
    const through = injects > before
    const want = await injected(url)
    statuses.push(want.statusCode)
    t.equal(got.statusCode, want.statusCode, url)
    t.same(Object.keys(got.headers), Object.keys(want.headers), `${url}: the same headers`)
    for (const h of ['content-type', 'content-length', 'connection']) t.equal(got.headers[h], want.headers[h], h)
    t.match(got.headers.trackingid, /^ROUTER_/)
    if (want.statusCode === 200) t.same(got.body, want.body, url)
    else t.match(got.body, { message: (want.body as { message: string }).message }, url)
    // Only a successful read of a direct route skips inject.
    t.equal(through, !(want.statusCode === 200 && urls.indexOf(url) < 3), `${url}: through inject or not`)
  }
  unwatch()
  t.same(calls.map(c => c.status), statuses)
  t.same(calls.slice(0, 3).map(c => c.operationId), ['GetMessageDetails', 'GetSpaceDetails', 'GetPersonDetails'])
  t.same(statuses.slice(3).filter(code => code === 200), [200], 'only /v1/people/me succeeds of the others')
})
