import t from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { DEMO, DEMO_IDS as ids } from '../src/demo.js'
import { WebexHttpBackend } from '../src/backends/webex/index.js'
import { client, ManualClock, startService, type Tap } from './helpers/service.js'

// Governance with the Webex backend, beyond the shared suite (test/governance.test.ts): how the inventory
// follows Webex, and that every governance call stays inside the officer token's rate budget. "Webex" is a
// second instance (embedded) on 127.0.0.1; the inventory is synced with Carol's (compliance officer) token.

async function pair (t: Tap, webex: Record<string, unknown> = {}) {
  const upstream = await startService(t, { throttle: { enabled: false } })
  const clock = new ManualClock(Date.now())
  const svc = await startService(
    t,
    {
      backend: 'webex',
      webex: { baseUrl: upstream.url, rateLimit: 100_000, ...webex },
      throttle: { enabled: false },
      governance: { token: DEMO.tokens.carol },
    },
    { clock: clock.now }
  )
  return {
    upstream,
    svc,
    clock,
    carol: client(svc.url, DEMO.tokens.carol),
    upAlice: client(upstream.url, DEMO.tokens.alice),
  }
}

t.test('a full refresh reads the organisation; the events follower keeps it current in between', async t => {
  const { upstream, svc, carol, upAlice } = await pair(t)
  const first = await svc.inventory!.sync()
  t.match(first, { people: 4, spaces: 4, skipped: 0 })
  const local = new Database(join(svc.dataDir, 'webex.db'), { readonly: true })
  t.same(
    local.prepare("SELECT first_name, last_name FROM people WHERE email = 'alice@example.com'").get(),
    { first_name: 'Alice', last_name: 'Johnson' },
    'names from the people list survive the memberships that mention the same person'
  )
  t.equal(
    (local.prepare('SELECT count(*) AS n FROM classifications').get() as { n: number }).n,
    5,
    "Webex's classification levels, by Webex's ids"
  )
  local.close()
  t.equal(
    (await client(upstream.url, DEMO.tokens.alice)('GET', '/v1/people')).status,
    400,
    'only an officer may list people without a filter'
  )
  const upCarol = client(upstream.url, DEMO.tokens.carol)
  const view = (items: any[]) =>
    items.map(s => [s.id, s.title, s.type, s.memberCount, s.externalMemberCount, s.isLocked]).sort()
  t.same(
    view((await carol('GET', '/v1/governance/spaces?max=100')).body.items),
    view((await upCarol('GET', '/v1/governance/spaces?max=100')).body.items),
    'the inventory matches what "Webex" holds'
  )
  const tag = await carol('POST', '/v1/governance/tags', { name: 'Project' })
  await carol('PUT', `/v1/governance/spaces/${ids.apollo}/tags/${tag.body.id}`)

  // Changes at Webex: an external member, a new space, a deleted space, a new title. No full refresh.
  await upAlice('POST', '/v1/memberships', { roomId: ids.apollo, personEmail: 'pat@partner.test' })
  const fresh = (await upAlice('POST', '/v1/rooms', { title: 'Launch plan' })).body
  await upAlice('DELETE', `/v1/rooms/${ids.general}`)
  await upAlice('PUT', `/v1/rooms/${ids.apollo}`, { title: 'Apollo 2' })
  const followed = await svc.inventory!.follow()
  t.match(followed, { spacesAdded: 1, spacesRemoved: 1 })
  t.ok(followed.calls <= 4, `a few calls: one events page, the new space and the deleted one (${followed.calls})`)
  t.same(
    (await carol('GET', '/v1/governance/spaces?scope=external')).body.items.map((s: any) => [
      s.id,
      s.title,
      s.externalDomains,
      s.tags,
    ]),
    [[ids.apollo, 'Apollo 2', ['partner.test'], ['Project']]],
    'the tag stays; the external member and the new title are seen'
  )
  t.ok((await carol('GET', '/v1/governance/spaces?title=launch')).body.items.some((s: any) => s.id === fresh.id))
  t.notOk(
    (await carol('GET', '/v1/governance/spaces?max=100')).body.items.some((s: any) => s.id === ids.general),
    'a space deleted at Webex leaves the inventory'
  )
  t.match(await svc.inventory!.follow(), { spacesAdded: 0, spacesRemoved: 0 }, 'replaying events changes nothing')
  const second = await svc.inventory!.sync()
  t.match(second, { spaces: 4 }, 'a full refresh agrees')
  t.equal((await client(svc.url, DEMO.tokens.alice)('GET', '/v1/governance/spaces')).status, 403)
})

t.test(
  'a block at Webex is enforced from the events: what is posted is deleted, who is added is removed',
  async t => {
    const { svc, carol, upAlice } = await pair(t)
    await svc.inventory!.sync()
    await carol('POST', `/v1/governance/spaces/${ids.apollo}/block`)
    // Apollo is not locked: Webex lets members post; the follower takes it away, with the officer's token.
    const post = await upAlice('POST', '/v1/messages', { roomId: ids.apollo, text: 'during the block' })
    t.equal(post.status, 200)
    await upAlice('POST', '/v1/memberships', { roomId: ids.apollo, personEmail: 'dave@example.com' })
    t.match(await svc.inventory!.follow(), { enforced: 2 })
    t.equal((await upAlice('GET', `/v1/messages/${post.body.id}`)).status, 404)
    t.notOk(
      (await upAlice('GET', `/v1/memberships?roomId=${ids.apollo}`)).body.items.some(
        (m: any) => m.personEmail === 'dave@example.com'
      )
    )
    const audit = (await carol('GET', `/v1/governance/audit?roomId=${ids.apollo}`)).body.items
    t.same(
      audit.filter((a: any) => a.action === 'space.blockEnforced').map((a: any) => Object.keys(a.detail)[0]),
      ['messageDeleted', 'memberRemoved']
    )
    t.match(await svc.inventory!.follow(), { enforced: 0 }, 'once')
  }
)

t.test('every governance call spends the officer token’s budget and waits out a 429', async t => {
  // A proxy in front of "Webex" records each call on the service's clock and answers one 429.
  const upstream = await startService(t, { throttle: { enabled: false } })
  const clock = new ManualClock(Date.now())
  const arrivals: number[] = []
  let refused = false
  const proxy = http.createServer((req, res) => {
    if (req.url !== '/v1/people/me') arrivals.push(clock.now())
    if (!refused && req.method === 'DELETE') {
      refused = true
      res.writeHead(429, { 'retry-after': '30', 'content-type': 'application/json' })
      res.end(JSON.stringify({ message: 'Too many requests', errors: [{ description: 'slow' }], trackingId: 'T429' }))
      return
    }
    const chunks: Buffer[] = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      const up = http.request(upstream.url + req.url, { method: req.method, headers: req.headers }, r => {
        res.writeHead(r.statusCode ?? 502, r.headers)
        r.pipe(res)
      })
      up.end(Buffer.concat(chunks))
    })
  })
  await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => proxy.close(() => resolve())))
  const slept: number[] = []
  const backend = new WebexHttpBackend({
    baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    rateLimit: 10,
    rateWindowMs: 10_000,
    concurrency: 4,
    timeoutMs: 5000,
    maxRetries: 3,
    baseDelayMs: 500,
    maxDelayMs: 8000,
    clock: clock.now,
    sleep: async ms => {
      slept.push(ms)
      clock.advance(ms)
    },
  })
  const svc = await startService(
    t,
    { backend: 'webex', throttle: { enabled: false }, governance: { token: DEMO.tokens.carol } },
    { backend: { kind: 'webex', backend }, clock: clock.now }
  )
  const upAlice = client(upstream.url, DEMO.tokens.alice)
  for (let i = 0; i < 25; i++) await upAlice('POST', '/v1/messages', { roomId: ids.apollo, text: `m${i}` })
  await svc.inventory!.sync()
  const carol = client(svc.url, DEMO.tokens.carol)
  t.equal((await carol('DELETE', `/v1/governance/spaces/${ids.apollo}`)).status, 204)
  t.equal((await upAlice('GET', `/v1/messages?roomId=${ids.apollo}`)).status, 404, 'Alice is no longer in it')
  t.ok(slept.includes(30_000), 'the 429 was waited out as its Retry-After said')
  arrivals.sort((a, b) => a - b)
  let worst = 0
  for (let i = 0, j = 0; i < arrivals.length; i++) {
    while (arrivals[i] - arrivals[j] >= 10_000) j++
    worst = Math.max(worst, i - j + 1)
  }
  t.ok(arrivals.length > 30, `${arrivals.length} calls for the refresh and the deletion`)
  t.ok(worst <= 10, `at most 10 calls in any 10 s window (${worst})`)
  const deleted = (await carol('GET', `/v1/governance/audit?roomId=${ids.apollo}`)).body.items.find(
    (a: any) => a.action === 'space.deleted'
  )
  t.equal(deleted.detail.messages, 27, 'the seeded two and the 25, each once')
})

t.test("the inventory needs a compliance officer's token", async t => {
  const upstream = await startService(t, { throttle: { enabled: false } })
  const svc = await startService(
    t,
    {
      backend: 'webex',
      webex: { baseUrl: upstream.url },
      throttle: { enabled: false },
      governance: { token: DEMO.tokens.alice },
    },
    { clock: () => Date.now() }
  )
  await t.rejects(svc.inventory!.sync(), /not a compliance officer/)
})
