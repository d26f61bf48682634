import t, { type Test } from 'tap'
import fc from 'fast-check'
import { isWebexError } from './helpers/assertions.js'
import { client, ManualClock, startService, type Running } from './helpers/service.js'
import { startReceiver } from './helpers/receiver.js'
import { DEMO, DEMO_IDS as ids } from '../src/backends/embedded/seed.js'
import type { EmbeddedBackend } from '../src/backends/embedded/index.js'

const DAY = 86_400_000

async function setup (t: Test) {
  const clock = new ManualClock()
  const svc = await startService(
    t,
    { throttle: { enabled: false }, delivery: { allowPrivateTargets: true } },
    { clock: clock.now, deliveryTimers: false, random: () => 1 }
  )
  return {
    svc,
    clock,
    alice: client(svc.url, DEMO.tokens.alice),
    bob: client(svc.url, DEMO.tokens.bob),
    carol: client(svc.url, DEMO.tokens.carol),
    dave: client(svc.url, DEMO.tokens.dave),
  }
}
const ctxOf = (svc: Running) => (svc.backend as EmbeddedBackend).ctx

t.test('governance is for compliance officers: everyone else gets 403 and nothing changes', async t => {
  const s = await setup(t)
  const calls: Array<[string, string, unknown?]> = [
    ['GET', '/v1/governance/spaces'],
    ['GET', '/v1/governance/tags'],
    ['POST', '/v1/governance/tags', { name: 'x' }],
    ['POST', `/v1/governance/spaces/${ids.apollo}/members`, { personEmail: 'dave@example.com' }],
    ['POST', `/v1/governance/spaces/${ids.apollo}/block`],
    ['DELETE', `/v1/governance/spaces/${ids.apollo}`],
    ['GET', '/v1/governance/groups'],
    ['POST', '/v1/governance/retention/plan', {}],
    ['POST', '/v1/governance/retention/execute', {}],
    ['GET', '/v1/governance/audit'],
    ['POST', '/v1/governance/retention/policies', { name: 'p', action: 'deleteMessages', days: 1 }],
  ]
  for (const [method, path, body] of calls) {
    isWebexError(t, await s.alice(method, path, body), 403, /compliance officer/)
  }
  t.equal((await s.alice('GET', `/v1/rooms/${ids.apollo}`)).status, 200, 'Apollo is still there')
  t.equal(
    (await s.alice('GET', '/v1/classifications')).body.items.length,
    5,
    'classifications are readable by everyone'
  )
})

t.test(
  'tags: unique per organisation ignoring case, validated, renamed, deleted; spaces tagged and found by tag',
  async t => {
    const s = await setup(t)
    const finance = (await s.carol('POST', '/v1/governance/tags', { name: 'Finance' })).body
    t.equal(finance.name, 'Finance')
    isWebexError(t, await s.carol('POST', '/v1/governance/tags', { name: 'FINANCE' }), 409)
    isWebexError(t, await s.carol('POST', '/v1/governance/tags', { name: '' }), 400, /name/)
    isWebexError(t, await s.carol('POST', '/v1/governance/tags', { name: '<script>' }), 400, /name/)
    const pii = (await s.carol('POST', '/v1/governance/tags', { name: 'PII' })).body
    t.equal((await s.carol('PUT', `/v1/governance/spaces/${ids.apollo}/tags/${finance.id}`)).status, 204)
    t.equal((await s.carol('PUT', `/v1/governance/spaces/${ids.finance}/tags/${finance.id}`)).status, 204)
    t.equal((await s.carol('PUT', `/v1/governance/spaces/${ids.finance}/tags/${pii.id}`)).status, 204)
    const any = await s.carol('GET', '/v1/governance/spaces?tags=finance,pii')
    t.same(any.body.items.map((r: any) => r.title).sort(), ['Finance Q4', 'Project Apollo'])
    const all = await s.carol('GET', '/v1/governance/spaces?tags=Finance,PII&tagsMode=all')
    t.same(
      all.body.items.map((r: any) => r.title),
      ['Finance Q4']
    )
    t.same(all.body.items[0].tags, ['Finance', 'PII'])
    const renamed = await s.carol('PUT', `/v1/governance/tags/${pii.id}`, { name: 'Personal Data' })
    t.equal(renamed.body.name, 'Personal Data')
    isWebexError(t, await s.carol('PUT', `/v1/governance/tags/${pii.id}`, { name: 'finance' }), 409)
    t.equal((await s.carol('DELETE', `/v1/governance/spaces/${ids.apollo}/tags/${finance.id}`)).status, 204)
    t.equal((await s.carol('DELETE', `/v1/governance/tags/${finance.id}`)).status, 204)
    t.same(
      (await s.carol('GET', '/v1/governance/spaces?tags=Finance')).body.items,
      [],
      'a deleted tag matches nothing'
    )
    isWebexError(t, await s.carol('PUT', `/v1/governance/spaces/${ids.apollo}/tags/${finance.id}`), 404)
    isWebexError(t, await s.carol('PUT', `/v1/governance/spaces/${ids.apollo}/tags/nope`), 400)
  }
)

t.test(
  'listing every space with counts, external domains, classification; add and remove users without membership',
  async t => {
    const s = await setup(t)
    const rx = await startReceiver(t)
    await s.bob('POST', '/v1/webhooks', { name: 'm', targetUrl: rx.url, resource: 'memberships', event: 'all' })
    const all = await s.carol('GET', '/v1/governance/spaces?max=100')
    t.equal(all.body.items.length, 4, 'every space of the organisation, though Carol is in none')
    const added = await s.carol('POST', `/v1/governance/spaces/${ids.apollo}/members`, {
      personEmail: 'pat@partner.test',
    })
    t.equal(added.status, 200)
    const apollo = (await s.carol('GET', '/v1/governance/spaces?title=apollo')).body.items[0]
    t.same([apollo.memberCount, apollo.externalMemberCount, apollo.externalDomains], [3, 1, ['partner.test']])
    t.same(
      (await s.carol('GET', '/v1/governance/spaces?scope=external')).body.items.map((r: any) => r.title),
      ['Project Apollo']
    )
    t.same(
      (await s.carol('GET', '/v1/governance/spaces?domains=PARTNER.test')).body.items.map((r: any) => r.title),
      ['Project Apollo']
    )
    t.equal((await s.carol('DELETE', `/v1/governance/spaces/${ids.apollo}/members/${ids.pat}`)).status, 204)
    t.same((await s.carol('GET', '/v1/governance/spaces?scope=external')).body.items, [])
    await s.svc.worker!.idle()
    t.same(
      rx.received.map(r => `${r.body.event}:${r.body.data.personEmail}`),
      ['created:pat@partner.test', 'deleted:pat@partner.test'],
      'members see the events'
    )
    isWebexError(
      t,
      await s.carol('POST', `/v1/governance/spaces/${ids.direct}/members`, { personEmail: 'dave@example.com' }),
      400
    )
    const levels = (await s.carol('GET', '/v1/classifications')).body.items
    t.same(
      levels.map((c: any) => c.rank),
      [0, 1, 2, 3, 4]
    )
    const classified = await s.carol('PUT', `/v1/governance/spaces/${ids.finance}/classification`, {
      classificationId: levels[2].id,
    })
    t.equal(classified.body.classificationId, levels[2].id)
    t.same(
      (await s.carol('GET', `/v1/governance/spaces?classificationId=${levels[2].id}`)).body.items.map(
        (r: any) => r.title
      ),
      ['Finance Q4']
    )
    isWebexError(
      t,
      await s.carol('PUT', `/v1/governance/spaces/${ids.finance}/classification`, { classificationId: ids.apollo }),
      400
    )
  }
)

t.test('block: no new messages or members, content stays readable; independent of the lock', async t => {
  const s = await setup(t)
  const blocked = await s.carol('POST', `/v1/governance/spaces/${ids.finance}/block`)
  t.equal(blocked.body.isBlocked, true)
  t.equal(blocked.body.isLocked, true, 'the lock is untouched')
  isWebexError(
    t,
    await s.alice('POST', '/v1/messages', { roomId: ids.finance, text: 'moderator too' }),
    403,
    /blocked/
  )
  isWebexError(
    t,
    await s.alice('POST', '/v1/memberships', { roomId: ids.finance, personEmail: 'bob@example.com' }),
    403,
    /blocked/
  )
  t.equal((await s.dave('GET', `/v1/messages?roomId=${ids.finance}`)).status, 200, 'existing content stays readable')
  await s.carol('POST', `/v1/governance/spaces/${ids.direct}/block`)
  isWebexError(
    t,
    await s.alice('POST', '/v1/messages', { toPersonEmail: 'bob@example.com', text: 'x' }),
    403,
    /blocked/
  )
  await s.carol('POST', `/v1/governance/spaces/${ids.finance}/unblock`)
  t.equal((await s.alice('POST', '/v1/messages', { roomId: ids.finance, text: 'back' })).status, 200)
  isWebexError(t, await s.dave('POST', '/v1/messages', { roomId: ids.finance, text: 'still locked' }), 403, /locked/)
})

t.test('delete a space with all its content, firing the membership events', async t => {
  const s = await setup(t)
  const rx = await startReceiver(t)
  await s.bob('POST', '/v1/triggers/memberships/deleted', { callbackUrl: rx.url })
  t.equal((await s.carol('DELETE', `/v1/governance/spaces/${ids.apollo}`)).status, 204)
  isWebexError(t, await s.alice('GET', `/v1/rooms/${ids.apollo}`), 404)
  isWebexError(t, await s.alice('GET', `/v1/messages/${ids.welcome}`), 404)
  await rx.count(2)
  t.same(
    rx.received.map(r => r.body.data.roomId),
    [ids.apollo, ids.apollo]
  )
  const audit = await s.carol('GET', `/v1/governance/audit?roomId=${ids.apollo}`)
  t.same(
    audit.body.items.map((a: any) => [a.action, a.detail.messages]),
    [['space.deleted', 2]]
  )
})

t.test('directory groups feed search', async t => {
  const s = await setup(t)
  const g = await s.carol('POST', '/v1/governance/groups', { name: 'Legal', memberEmails: ['dave@example.com'] })
  t.equal(g.status, 200)
  t.same(g.body.memberIds, [ids.dave])
  t.same(
    (await s.carol('GET', `/v1/governance/spaces?groups=${g.body.id}`)).body.items.map((r: any) => r.title),
    ['Finance Q4']
  )
  await s.carol('POST', `/v1/governance/groups/${g.body.id}/members`, { personEmail: 'bob@example.com' })
  t.equal((await s.carol('GET', `/v1/governance/spaces?groups=${g.body.id}`)).body.items.length, 4)
  isWebexError(t, await s.carol('POST', '/v1/governance/groups', { name: 'legal' }), 409)
})

t.test('advanced search is exact: random conditions against a brute-force filter of the same data', async t => {
  const s = await setup(t)
  const ctx = ctxOf(s.svc)
  const tagNames = ['Finance', 'PII', 'HR']
  const tagIds: string[] = []
  for (const name of tagNames) tagIds.push((await s.carol('POST', '/v1/governance/tags', { name })).body.id)
  const levels = (await s.carol('GET', '/v1/classifications')).body.items.map((c: any) => c.id)
  const group = (await s.carol('POST', '/v1/governance/groups', { name: 'G', memberEmails: ['bob@example.com'] }))
    .body.id
  const rnd = fc.sample(
    fc.record({
      tags: fc.subarray([0, 1, 2]),
      external: fc.constantFrom(null, 'a.test', 'b.test'),
      bob: fc.boolean(),
      cls: fc.integer({ min: -1, max: 4 }),
      age: fc.integer({ min: 0, max: 400 }),
    }),
    { numRuns: 40, seed: 7 }
  )
  for (const [i, r] of rnd.entries()) {
    const room = (await s.alice('POST', '/v1/rooms', { title: `Space ${i} ${['alpha', 'beta', 'gamma'][i % 3]}` }))
      .body
    for (const ti of r.tags) await s.carol('PUT', `/v1/governance/spaces/${room.id}/tags/${tagIds[ti]}`)
    if (r.external) await s.alice('POST', '/v1/memberships', { roomId: room.id, personEmail: `x${i}@${r.external}` })
    if (r.bob) await s.alice('POST', '/v1/memberships', { roomId: room.id, personEmail: 'bob@example.com' })
    if (r.cls >= 0) {
      await s.carol('PUT', `/v1/governance/spaces/${room.id}/classification`, { classificationId: levels[r.cls] })
    }
    ctx.run(
      'UPDATE rooms SET last_activity = ? WHERE id = ?',
      new Date(s.clock.now() - r.age * DAY).toISOString(),
      Buffer.from(room.id, 'base64url').toString().split('/ROOM/')[1]
    )
  }
  ctx.generation++ // the direct UPDATE above bypassed a transaction: make the read cache see it
  const everything = async () => {
    const out: any[] = []
    let url: string | undefined = '/v1/governance/spaces?max=1000'
    while (url) {
      const p: { body: any; headers: Headers } = await s.carol('GET', url)
      out.push(...p.body.items)
      url = /<([^>]+)>/.exec(p.headers.get('link') ?? '')?.[1]
    }
    return out
  }
  const universe = await everything()
  const groupMembers = new Set((await s.carol('GET', '/v1/governance/groups')).body.items[0].memberIds)
  const membersOf = new Map<string, string[]>()
  for (const r of universe) {
    membersOf.set(
      r.id,
      (await s.carol('GET', `/v1/memberships?roomId=${r.id}`)).body.items.map((m: any) => m.personId)
    )
  }
  const condition = fc.record({
    title: fc.option(fc.constantFrom('alpha', 'BETA', 'space 1', 'pac', 'x'), { nil: undefined }),
    tags: fc.option(fc.subarray(tagNames, { minLength: 1 }), { nil: undefined }),
    tagsMode: fc.option(fc.constantFrom('any', 'all'), { nil: undefined }),
    scope: fc.option(fc.constantFrom('internal', 'external'), { nil: undefined }),
    domains: fc.option(fc.subarray(['a.test', 'b.test'], { minLength: 1 }), { nil: undefined }),
    type: fc.option(fc.constantFrom('group', 'direct'), { nil: undefined }),
    inactiveDays: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
    classification: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    group: fc.option(fc.constant(true), { nil: undefined }),
  })
  await fc.assert(
    fc.asyncProperty(condition, async c => {
      const q = new URLSearchParams({ max: '1000' })
      if (c.title) q.set('title', c.title)
      if (c.tags) q.set('tags', c.tags.join(','))
      if (c.tagsMode) q.set('tagsMode', c.tagsMode)
      if (c.scope) q.set('scope', c.scope)
      if (c.domains) q.set('domains', c.domains.join(','))
      if (c.type) q.set('type', c.type)
      if (c.inactiveDays !== undefined) q.set('inactiveDays', String(c.inactiveDays))
      if (c.classification !== undefined) q.set('classificationId', levels[c.classification])
      if (c.group) q.set('groups', group)
      const got = (await s.carol('GET', `/v1/governance/spaces?${q}`)).body.items.map((r: any) => r.id).sort()
      const cutoff = s.clock.now() - (c.inactiveDays ?? 0) * DAY
      const want = universe
        .filter(
          r =>
            (!c.title || r.title.toLowerCase().includes(c.title.toLowerCase())) &&
            (!c.tags ||
              (c.tagsMode === 'all'
                ? c.tags.every(x => r.tags.includes(x))
                : c.tags.some(x => r.tags.includes(x)))) &&
            (!c.scope || (c.scope === 'external') === (r.externalMemberCount > 0)) &&
            (!c.domains || c.domains.some(d => r.externalDomains.includes(d))) &&
            (!c.type || r.type === c.type) &&
            (c.inactiveDays === undefined || Date.parse(r.lastActivity) <= cutoff) &&
            (c.classification === undefined || r.classificationId === levels[c.classification]) &&
            (!c.group || membersOf.get(r.id)!.some(p => groupMembers.has(p)))
        )
        .map(r => r.id)
        .sort()
      return JSON.stringify(got) === JSON.stringify(want)
    }),
    { numRuns: 200, seed: 42 }
  )
  t.pass('200 random searches equal the brute-force filter')

  // Paging in small pages walks the same order as sorting everything: (key desc, local id desc), no repeats.
  const local = (id: string): string => Buffer.from(id, 'base64url').toString().split('/ROOM/')[1]
  for (const [sortBy, field] of [
    ['created', 'created'],
    ['lastactivity', 'lastActivity'],
  ] as const) {
    const paged: string[] = []
    let url: string | undefined = `/v1/governance/spaces?max=3&sortBy=${sortBy}&type=group`
    while (url) {
      const p: { body: any; headers: Headers } = await s.carol('GET', url)
      paged.push(...p.body.items.map((r: any) => r.id))
      url = /<([^>]+)>/.exec(p.headers.get('link') ?? '')?.[1]
    }
    const want = universe
      .filter(r => r.type === 'group')
      .sort((a, b) => Date.parse(b[field]) - Date.parse(a[field]) || (local(b.id) > local(a.id) ? 1 : -1))
      .map(r => r.id)
    t.same(paged, want, `pages of 3 by ${sortBy} = the whole list sorted`)
  }
})
