import t, { type Test } from 'tap'
import { isWebexError } from './helpers/assertions.js'
import { client, nextLink, startService } from './helpers/service.js'
import { http11, rawRequest, type RawReply } from './helpers/raw-http.js'
import { flowFile, startFlows } from './flows/helpers.js'
import { DEMO, DEMO_IDS as ids } from '../src/demo.js'
import { JSON_MAX_DEPTH } from '../src/http/json-body.js'

const ALICE = `Authorization: Bearer ${DEMO.tokens.alice}`
const JSON_TYPE = 'Content-Type: application/json'

/** An answer read off the socket: the status, the Webex error body, and its trackingId in the header too. */
function isRawWebexError (t: Test, res: RawReply, status: number, mentions?: RegExp): void {
  t.equal(res.status, status, `status ${status}`)
  t.equal(typeof res.body?.message, 'string', 'message')
  t.equal(typeof res.body?.errors?.[0]?.description, 'string', 'errors[].description')
  t.match(res.headers.trackingid, /^ROUTER_[0-9a-f-]{36}$/, 'a trackingid header')
  t.equal(res.body?.trackingId, res.headers.trackingid, 'trackingId matches the trackingid header')
  if (mentions) t.match(res.body.message, mentions)
}

/** `depth` nested arrays around a value: `[[[1]]]` is depth 3. */
const nested = (depth: number): string => '['.repeat(depth) + '1' + ']'.repeat(depth)

t.test('a malformed Host is a 400 before anything runs; absolute URLs come from a validated base', async t => {
  const svc = await startService(t, { throttle: { enabled: false }, delivery: { allowPrivateTargets: true } })
  const alice = client(svc.url, DEMO.tokens.alice)
  for (const host of ['a b', 'a:99999999', 'a/b', 'user@a', '[::zz]', 'a:80:80']) {
    isRawWebexError(t, await rawRequest(svc.url, http11('GET', '/v1/rooms?max=1', [`Host: ${host}`, ALICE])), 400, /Host/)
  }
  const subscribe = JSON.stringify({ callbackUrl: 'http://127.0.0.1:9/hook' })
  for (const path of ['/v1/triggers/messages/created', '/v1/triggers/rooms/updated']) {
    isRawWebexError(t, await rawRequest(svc.url, http11('POST', path, ['Host: a b', ALICE, JSON_TYPE], subscribe)), 400)
  }
  const hook = JSON.stringify({ name: 'x', targetUrl: 'http://127.0.0.1:9/hook', resource: 'all', event: 'all' })
  const created = await rawRequest(svc.url, http11('POST', '/v1/webhooks', ['Host: a:999999', ALICE, JSON_TYPE], hook))
  isRawWebexError(t, created, 400)
  t.same((await alice('GET', '/v1/webhooks')).body.items, [], 'a refused subscribe stored nothing')
  isRawWebexError(t, await rawRequest(svc.url, http11('GET', '/v1/people/me', [ALICE])), 400, /Host header is missing/)
  const old = await rawRequest(svc.url, `GET /v1/rooms?max=1 HTTP/1.0\r\n${ALICE}\r\n\r\n`)
  t.equal(old.status, 200, 'HTTP/1.0 may omit Host')
  t.match(old.headers.link, /^<http:\/\/127\.0\.0\.1:\d+\/v1\/rooms\?max=1&cursor=/, 'its Link is on the address it reached')

  const good = await rawRequest(svc.url, http11('GET', '/v1/rooms?max=1', ['Host: Example.COM:8443', ALICE]))
  t.equal(good.status, 200)
  t.match(good.headers.link, /^<http:\/\/example\.com:8443\/v1\/rooms\?max=1&cursor=[^>]+>; rel="next"$/)
  const v6 = await rawRequest(
    svc.url,
    http11('POST', '/v1/triggers/messages/created', ['Host: [::1]:8112', ALICE, JSON_TYPE], subscribe)
  )
  t.equal(v6.status, 201)
  t.match(v6.headers.location, /^http:\/\/\[::1\]:8112\/v1\/webhooks\/\w+$/)
})

t.test('with PUBLIC_URL, Link and Location are built on it (and a malformed Host is still refused)', async t => {
  const svc = await startService(t, {
    throttle: { enabled: false },
    delivery: { allowPrivateTargets: true },
    webex: { publicUrl: 'https://webex.example.org/api/' },
  })
  const alice = client(svc.url, DEMO.tokens.alice)
  const link = nextLink((await alice('GET', '/v1/rooms?max=1')).headers)
  t.match(link, /^https:\/\/webex\.example\.org\/api\/v1\/rooms\?max=1&cursor=/)
  const sub = await alice('POST', '/v1/triggers/messages/created', { callbackUrl: 'http://127.0.0.1:9/hook' })
  t.equal(sub.headers.get('location'), `https://webex.example.org/api/v1/webhooks/${sub.body.id}`)
  isRawWebexError(t, await rawRequest(svc.url, http11('GET', '/v1/rooms', ['Host: a b', ALICE])), 400)
})

t.test('Run Flow with a malformed Host stores no run', async t => {
  const s = await startFlows(t, { noop: flowFile({ Done: { type: 'Compose', inputs: 'ok', runAfter: {} } }) })
  const body = JSON.stringify({ triggerBody: {} })
  const run = await rawRequest(s.url, http11('POST', '/v1/flows/noop/runs', ['Host: a b', ALICE, JSON_TYPE], body))
  isRawWebexError(t, run, 400)
  t.same((await s.alice('GET', '/v1/flows/noop/runs')).body.items, [], 'no run was queued')
})

t.test('a blocked team general space takes no member through the team, nor through an officer', async t => {
  const svc = await startService(t, { throttle: { enabled: false } })
  const alice = client(svc.url, DEMO.tokens.alice)
  const carol = client(svc.url, DEMO.tokens.carol)
  t.equal((await carol('POST', `/v1/governance/spaces/${ids.general}/block`)).status, 200)
  isWebexError(t, await alice('POST', '/v1/memberships', { roomId: ids.general, personId: ids.dave }), 403, /blocked/)
  isWebexError(t, await alice('POST', '/v1/team/memberships', { teamId: ids.team, personId: ids.dave }), 403, /blocked/)
  const teamMembers = (await alice('GET', `/v1/team/memberships?teamId=${ids.team}`)).body.items
  t.notOk(teamMembers.some((m: any) => m.personId === ids.dave), 'Dave did not join the team')
  const members = (await alice('GET', `/v1/memberships?roomId=${ids.general}`)).body.items
  t.notOk(members.some((m: any) => m.personId === ids.dave), 'nor its general space')
  isWebexError(
    t,
    await carol('POST', `/v1/governance/spaces/${ids.general}/members`, { personId: ids.dave }),
    403,
    /blocked/
  )
  t.equal((await carol('POST', `/v1/governance/spaces/${ids.general}/unblock`)).status, 200)
  t.equal((await alice('POST', '/v1/team/memberships', { teamId: ids.team, personId: ids.dave })).status, 200)
  const now = (await alice('GET', `/v1/memberships?roomId=${ids.general}`)).body.items
  t.ok(now.some((m: any) => m.personId === ids.dave), 'once unblocked, a team member joins the general space')
})

t.test("a stray % in a webhook filter or a trigger's roomId is a 400 naming the field; nothing is stored", async t => {
  const svc = await startService(t, { throttle: { enabled: false }, delivery: { allowPrivateTargets: true } })
  const alice = client(svc.url, DEMO.tokens.alice)
  const targetUrl = 'http://127.0.0.1:9/hook'
  for (const filter of ['roomId=%', 'roomId=%zz', `roomId=${ids.apollo}&personEmail=a%`]) {
    isWebexError(
      t,
      await alice('POST', '/v1/webhooks', { name: 'x', targetUrl, resource: 'messages', event: 'created', filter }),
      400,
      /filter/
    )
  }
  for (const roomId of ['%', '%41', 'abc&personId=x']) {
    isWebexError(t, await alice('POST', '/v1/triggers/messages/created', { callbackUrl: targetUrl, roomId }), 400, /roomId/)
  }
  t.same((await alice('GET', '/v1/webhooks')).body.items, [])
  const ok = await alice('POST', '/v1/webhooks', {
    name: 'x',
    targetUrl,
    resource: 'messages',
    event: 'created',
    filter: 'personEmail=alice%40example.com',
  })
  t.equal(ok.status, 200, 'a well-formed escape is still fine')
})

t.test(`JSON bodies nest at most ${JSON_MAX_DEPTH} levels; deeper is a 400 that changes nothing`, async t => {
  const s = await startFlows(t, { noop: flowFile({ Done: { type: 'Compose', inputs: 'ok', runAfter: {} } }) })
  const deep = `{"triggerBody":${nested(5000)}}`
  isWebexError(t, await s.alice('POST', '/v1/flows/noop/runs', deep), 400, /nested deeper than 64/)
  isWebexError(t, await s.alice('POST', '/v1/flows/noop/runs', `{"triggerBody":${nested(JSON_MAX_DEPTH)}}`), 400)
  t.same((await s.alice('GET', '/v1/flows/noop/runs')).body.items, [], 'no run was queued')
  const deepest = `{"triggerBody":${nested(JSON_MAX_DEPTH - 1)}}`
  t.equal((await s.alice('POST', '/v1/flows/noop/runs', deepest)).status, 201, `${JSON_MAX_DEPTH} levels are fine`)
  // Brackets inside strings are text, not nesting.
  const title = '['.repeat(200)
  t.equal((await s.alice('POST', '/v1/rooms', { title })).body.title, title)
  isWebexError(t, await s.alice('POST', '/v1/rooms', `{"title":"x","x":${nested(100_000)}}`), 400, /nested/)
  t.equal((await s.alice('GET', '/v1/rooms')).body.items.length, 5, 'only the room with the bracket title was made')
})

t.test('a body-less request that declares a Content-Type has no body, as at Webex', async t => {
  const svc = await startService(t, { throttle: { enabled: false }, delivery: { allowPrivateTargets: true } })
  const alice = client(svc.url, DEMO.tokens.alice)
  const carol = client(svc.url, DEMO.tokens.carol)
  const json = { 'content-type': 'application/json' }
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const room = (await alice('POST', '/v1/rooms', { title: 'to delete' })).body.id
  t.equal((await alice('DELETE', `/v1/rooms/${room}`, undefined, json)).status, 204, 'DELETE with application/json')
  const other = (await alice('POST', '/v1/rooms', { title: 'to delete too' })).body.id
  t.equal((await alice('DELETE', `/v1/rooms/${other}`, undefined, form)).status, 204, 'DELETE with a form type')
  t.equal((await carol('POST', `/v1/governance/spaces/${ids.apollo}/block`, undefined, json)).status, 200)
  t.equal((await carol('POST', `/v1/governance/spaces/${ids.apollo}/unblock`, undefined, form)).status, 200)
  const tag = (await carol('POST', '/v1/governance/tags', { name: 'Finance' })).body.id
  t.equal((await carol('PUT', `/v1/governance/spaces/${ids.apollo}/tags/${tag}`, undefined, json)).status, 204)
  const hook = await alice('POST', '/v1/webhooks', {
    name: 'x',
    targetUrl: 'http://127.0.0.1:9/hook',
    resource: 'all',
    event: 'all',
  })
  const redeliver = await alice('POST', `/v1/webhooks/${hook.body.id}/deadLetters/redeliver`, undefined, json)
  t.same([redeliver.status, redeliver.body], [200, { redelivered: 0 }])
  // A body that is there must still be JSON.
  isWebexError(t, await alice('POST', '/v1/rooms', 'title=x', form), 415, /application\/json/)
  isWebexError(t, await alice('POST', '/v1/rooms', undefined, json), 400, /body/)
  isWebexError(t, await alice('POST', '/v1/rooms', '   ', json), 400)
})

t.test('errors Fastify and Node write are in the Webex shape with a trackingid', async t => {
  const svc = await startService(t, { throttle: { enabled: false } })
  const get = (path: string, headers: string[] = [ALICE]) =>
    rawRequest(svc.url, http11('GET', path, ['Host: 127.0.0.1', ...headers]))
  isRawWebexError(t, await get('/v1/rooms/%zz'), 400, /percent-escape/)
  isRawWebexError(t, await get('/v1/memberships/abc%'), 400, /percent-escape/)
  isRawWebexError(t, await get(`/v1/rooms/${'a'.repeat(501)}`), 400, /longer than 500/)
  isRawWebexError(t, await get(`/v1/rooms/${'a'.repeat(300)}`), 400, /200 characters/)
  isRawWebexError(t, await get('/v1/rooms', [ALICE, `X-Big: ${'x'.repeat(17_000)}`]), 431, /16 KB/)
  isRawWebexError(t, await rawRequest(svc.url, 'GARBAGE\r\n\r\n'), 400, /HTTP/)
  isRawWebexError(t, await rawRequest(svc.url, 'GET /v1/rooms HTTP/1.1\r\nBad Header\r\n\r\n'), 400)
  isRawWebexError(t, await rawRequest(svc.url, 'GET /v1/rooms HTTP/9.9\r\nHost: x\r\n\r\n'), 400)
  t.equal((await client(svc.url, DEMO.tokens.alice)('GET', '/v1/people/me')).status, 200, 'and the service is fine')
})
