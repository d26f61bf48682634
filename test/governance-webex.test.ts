import t from 'tap'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { DEMO, DEMO_IDS as ids } from '../src/backends/embedded/seed.js'
import { client, startService } from './helpers/service.js'

// Governance with the Webex backend: "Webex" is a second instance (embedded) on 127.0.0.1. The inventory is
// synced with Carol's (compliance officer) token; tags and policies are kept here.
t.test(
  "governance over a Webex inventory: search sees the organisation's spaces, tags stay local, syncs follow Webex",
  async t => {
    const upstream = await startService(t, { throttle: { enabled: false } })
    const svc = await startService(t, {
      backend: 'webex',
      webex: { baseUrl: upstream.url, rateLimit: 100_000 },
      throttle: { enabled: false },
      governance: { token: DEMO.tokens.carol },
    })
    const first = await svc.inventory!.sync()
    t.match(first, { people: 4, spaces: 4, skipped: 0 })
    const local = new Database(join(svc.dataDir, 'webex.db'), { readonly: true })
    t.same(
      local.prepare("SELECT first_name, last_name FROM people WHERE email = 'alice@example.com'").get(),
      { first_name: 'Alice', last_name: 'Johnson' },
      'names from the people list survive the memberships that mention the same person'
    )
    local.close()
    const carol = client(svc.url, DEMO.tokens.carol)
    t.equal(
      (await client(upstream.url, DEMO.tokens.alice)('GET', '/v1/people')).status,
      400,
      'only an officer may list people without a filter'
    )
    const upCarol = client(upstream.url, DEMO.tokens.carol)

    // The same search, here and at the embedded "Webex": same spaces, counts and domains.
    const here = (await carol('GET', '/v1/governance/spaces?max=100')).body.items
    const there = (await upCarol('GET', '/v1/governance/spaces?max=100')).body.items
    const view = (items: any[]) =>
      items.map(s => [s.id, s.title, s.type, s.memberCount, s.externalMemberCount, s.isLocked]).sort()
    t.same(view(here), view(there), 'the inventory matches what the backend holds')

    const tag = await carol('POST', '/v1/governance/tags', { name: 'Project' })
    t.equal(tag.status, 200)
    t.equal((await carol('PUT', `/v1/governance/spaces/${ids.apollo}/tags/${tag.body.id}`)).status, 204)
    t.same(
      (await carol('GET', '/v1/governance/spaces?tags=Project')).body.items.map((s: any) => s.id),
      [ids.apollo]
    )

    // Changes at Webex reach the inventory with the next sync: Pat (external) joins Apollo, a new space appears.
    const upAlice = client(upstream.url, DEMO.tokens.alice)
    await upAlice('POST', '/v1/memberships', { roomId: ids.apollo, personEmail: 'pat@partner.test' })
    const fresh = await upAlice('POST', '/v1/rooms', { title: 'Launch plan' })
    await upAlice('DELETE', `/v1/rooms/${ids.general}`)
    const second = await svc.inventory!.sync()
    t.match(second, { spaces: 4 })
    const external = (await carol('GET', '/v1/governance/spaces?scope=external')).body.items
    t.same(
      external.map((s: any) => [s.id, s.externalDomains, s.tags]),
      [[ids.apollo, ['partner.test'], ['Project']]],
      'the tag survived the refresh; the external member is seen'
    )
    t.ok(
      (await carol('GET', '/v1/governance/spaces?title=launch')).body.items.some((s: any) => s.id === fresh.body.id)
    )
    t.equal(
      (await carol('GET', '/v1/governance/spaces?max=100')).body.items.filter((s: any) => s.id === ids.general)
        .length,
      0,
      'a space deleted at Webex leaves the inventory'
    )

    // Not for everyone, and not what would need to act through Webex.
    const alice = client(svc.url, DEMO.tokens.alice)
    t.equal((await alice('GET', '/v1/governance/spaces')).status, 403)
    t.equal(
      (await carol('POST', `/v1/governance/spaces/${ids.apollo}/block`)).status,
      404,
      'block is not offered with the Webex backend'
    )
    t.equal(
      (await carol('POST', '/v1/governance/retention/plan', {})).status,
      404,
      'nor retention plan/execute (no messages in the inventory)'
    )
    t.equal(
      (
        await carol('POST', '/v1/governance/retention/policies', {
          name: 'Short',
          conditions: { tags: ['Project'] },
          action: 'deleteMessages',
          days: 30,
        })
      ).status,
      200,
      'policies are kept here'
    )
  }
)

t.test("the inventory needs a compliance officer's token", async t => {
  const upstream = await startService(t, { throttle: { enabled: false } })
  const svc = await startService(t, {
    backend: 'webex',
    webex: { baseUrl: upstream.url },
    throttle: { enabled: false },
    governance: { token: DEMO.tokens.alice },
  })
  await t.rejects(svc.inventory!.sync(), /not a compliance officer/)
})
