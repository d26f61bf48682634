import type { Test } from 'tap'
import fc from 'fast-check'
import { isWebexError } from '../helpers/assertions.js'
import type { GovTarget, MakeGovTarget } from './target.js'

const DAY = 86_400_000

/** The Events API's record of what happened in a space (both backends answer it: here, or Webex's). */
export async function eventsOf (x: GovTarget, resource: string, type: string, roomId: string): Promise<any[]> {
  const items = (await x.carol('GET', `/v1/events?resource=${resource}&type=${type}&max=1000`)).body.items as any[]
  return items.filter(e => e.data.roomId === roomId).reverse()
}

export function spacesSuite (t: Test, make: MakeGovTarget): void {
  t.test('governance is for compliance officers: everyone else gets 403 and nothing changes', async t => {
    const x = await make(t)
    const { ids } = x
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
      ['GET', '/v1/governance/audit/verify'],
      ['POST', '/v1/governance/retention/policies', { name: 'p', action: 'deleteMessages', days: 1 }],
      ['POST', '/v1/governance/holds', { name: 'h', roomId: ids.apollo }],
      ['GET', '/v1/governance/export/spaces'],
      ['GET', '/v1/governance/dispositions'],
    ]
    for (const [method, path, body] of calls) {
      isWebexError(t, await x.alice(method, path, body), 403, /compliance officer/)
    }
    t.equal((await x.alice('GET', `/v1/rooms/${ids.apollo}`)).status, 200, 'Apollo is still there')
    t.same((await x.carol('GET', '/v1/governance/holds')).body.items, [], 'no hold was placed')
    t.equal(
      (await x.alice('GET', '/v1/classifications')).body.items.length,
      5,
      'classifications are readable by everyone'
    )
  })

  t.test('tags: unique per organisation ignoring case, validated, renamed, deleted; found by tag', async t => {
    const x = await make(t)
    const { ids } = x
    const finance = (await x.carol('POST', '/v1/governance/tags', { name: 'Finance' })).body
    t.equal(finance.name, 'Finance')
    isWebexError(t, await x.carol('POST', '/v1/governance/tags', { name: 'FINANCE' }), 409)
    isWebexError(t, await x.carol('POST', '/v1/governance/tags', { name: '' }), 400, /name/)
    isWebexError(t, await x.carol('POST', '/v1/governance/tags', { name: '<script>' }), 400, /name/)
    const pii = (await x.carol('POST', '/v1/governance/tags', { name: 'PII' })).body
    t.equal((await x.carol('PUT', `/v1/governance/spaces/${ids.apollo}/tags/${finance.id}`)).status, 204)
    t.equal((await x.carol('PUT', `/v1/governance/spaces/${ids.finance}/tags/${finance.id}`)).status, 204)
    t.equal((await x.carol('PUT', `/v1/governance/spaces/${ids.finance}/tags/${pii.id}`)).status, 204)
    const any = await x.carol('GET', '/v1/governance/spaces?tags=finance,pii')
    t.same(any.body.items.map((r: any) => r.title).sort(), ['Finance Q4', 'Project Apollo'])
    const all = await x.carol('GET', '/v1/governance/spaces?tags=Finance,PII&tagsMode=all')
    t.same(
      all.body.items.map((r: any) => r.title),
      ['Finance Q4']
    )
    t.same(all.body.items[0].tags, ['Finance', 'PII'])
    t.equal(
      (await x.carol('PUT', `/v1/governance/tags/${pii.id}`, { name: 'Personal Data' })).body.name,
      'Personal Data'
    )
    isWebexError(t, await x.carol('PUT', `/v1/governance/tags/${pii.id}`, { name: 'finance' }), 409)
    t.equal((await x.carol('DELETE', `/v1/governance/spaces/${ids.apollo}/tags/${finance.id}`)).status, 204)
    t.equal((await x.carol('DELETE', `/v1/governance/tags/${finance.id}`)).status, 204)
    t.same(
      (await x.carol('GET', '/v1/governance/spaces?tags=Finance')).body.items,
      [],
      'a deleted tag matches nothing'
    )
    isWebexError(t, await x.carol('PUT', `/v1/governance/spaces/${ids.apollo}/tags/${finance.id}`), 404)
    isWebexError(t, await x.carol('PUT', `/v1/governance/spaces/${ids.apollo}/tags/nope`), 400)
  })

  t.test(
    'every space with counts and domains; users added and removed without membership; classification',
    async t => {
      const x = await make(t)
      const { ids } = x
      const all = await x.carol('GET', '/v1/governance/spaces?max=100')
      t.equal(all.body.items.length, 4, 'every space of the organisation, though Carol is in none')
      const added = await x.carol('POST', `/v1/governance/spaces/${ids.apollo}/members`, {
        personEmail: 'pat@partner.test',
      })
      t.equal(added.status, 200)
      t.equal(added.body.personEmail, 'pat@partner.test')
      const apollo = (await x.carol('GET', '/v1/governance/spaces?title=apollo')).body.items[0]
      t.same([apollo.memberCount, apollo.externalMemberCount, apollo.externalDomains], [3, 1, ['partner.test']])
      t.same(
        (await x.carol('GET', '/v1/governance/spaces?scope=external')).body.items.map((r: any) => r.title),
        ['Project Apollo']
      )
      t.same(
        (await x.carol('GET', '/v1/governance/spaces?domains=PARTNER.test')).body.items.map((r: any) => r.title),
        ['Project Apollo']
      )
      t.same(
        (await x.alice('GET', `/v1/memberships?roomId=${ids.apollo}`)).body.items
          .map((m: any) => m.personEmail)
          .sort(),
        ['alice@example.com', 'bob@example.com', 'pat@partner.test'],
        'the members see Pat'
      )
      t.equal((await x.carol('DELETE', `/v1/governance/spaces/${ids.apollo}/members/${ids.pat}`)).status, 204)
      t.same((await x.carol('GET', '/v1/governance/spaces?scope=external')).body.items, [])
      isWebexError(t, await x.carol('DELETE', `/v1/governance/spaces/${ids.apollo}/members/${ids.pat}`), 404)
      t.same(
        (await eventsOf(x, 'memberships', 'created', ids.apollo)).map(e => e.data.personEmail),
        ['pat@partner.test'],
        'the Events API records the addition'
      )
      t.same(
        (await eventsOf(x, 'memberships', 'deleted', ids.apollo)).map(e => [e.data.personEmail, e.actorId]),
        [['pat@partner.test', ids.carol]],
        'and the removal, by the officer'
      )
      isWebexError(
        t,
        await x.carol('POST', `/v1/governance/spaces/${ids.direct}/members`, { personEmail: 'dave@example.com' }),
        400
      )
      const levels = (await x.carol('GET', '/v1/classifications')).body.items
      t.same(
        levels.map((c: any) => c.rank),
        [0, 1, 2, 3, 4]
      )
      const classified = await x.carol('PUT', `/v1/governance/spaces/${ids.finance}/classification`, {
        classificationId: levels[2].id,
      })
      t.equal(classified.body.classificationId, levels[2].id)
      t.equal(
        (await x.alice('GET', `/v1/rooms/${ids.finance}`)).body.classificationId,
        levels[2].id,
        'members see it'
      )
      t.same(
        (await x.carol('GET', `/v1/governance/spaces?classificationId=${levels[2].id}`)).body.items.map(
          (r: any) => r.title
        ),
        ['Finance Q4']
      )
      isWebexError(
        t,
        await x.carol('PUT', `/v1/governance/spaces/${ids.finance}/classification`, { classificationId: ids.apollo }),
        400
      )
    }
  )

  t.test('block: nothing new stays in the space, content stays readable; unblock restores it as it was', async t => {
    const x = await make(t)
    const { ids } = x
    const before = (await x.alice('GET', `/v1/messages?roomId=${ids.finance}`)).body.items.length
    const blocked = await x.carol('POST', `/v1/governance/spaces/${ids.finance}/block`)
    t.equal(blocked.body.isBlocked, true)
    t.equal(blocked.body.isLocked, true, 'the lock is untouched')
    x.clock.advance(1000)
    // The embedded organisation refuses; Webex takes what a moderator posts and the officer deletes it.
    const post = await x.alice('POST', '/v1/messages', { roomId: ids.finance, text: 'moderator too' })
    t.ok([200, 403].includes(post.status), `a moderator's post: ${post.status}`)
    const add = await x.alice('POST', '/v1/memberships', { roomId: ids.finance, personEmail: 'bob@example.com' })
    t.ok([200, 403].includes(add.status), `a new member: ${add.status}`)
    await x.settle()
    t.equal(
      (await x.dave('GET', `/v1/messages?roomId=${ids.finance}`)).body.items.length,
      before,
      'existing content stays readable, and nothing new stayed'
    )
    t.same(
      (await x.alice('GET', `/v1/memberships?roomId=${ids.finance}`)).body.items
        .map((m: any) => m.personEmail)
        .sort(),
      ['alice@example.com', 'dave@example.com'],
      'nobody new stayed'
    )
    isWebexError(t, await x.dave('POST', '/v1/messages', { roomId: ids.finance, text: 'x' }), 403)
    await x.carol('POST', `/v1/governance/spaces/${ids.direct}/block`)
    isWebexError(t, await x.alice('POST', '/v1/messages', { toPersonEmail: 'bob@example.com', text: 'x' }), 403)
    t.equal((await x.alice('GET', `/v1/rooms/${ids.direct}`)).body.isReadOnly, true, 'a 1:1 space is read-only')
    t.same(
      (await x.carol('GET', '/v1/governance/spaces?max=10')).body.items
        .filter((s: any) => s.isBlocked)
        .map((s: any) => s.title)
        .sort(),
      ['Alice Johnson & Bob Smith', 'Finance Q4'],
      'search shows what is blocked'
    )
    await x.carol('POST', `/v1/governance/spaces/${ids.finance}/unblock`)
    await x.carol('POST', `/v1/governance/spaces/${ids.direct}/unblock`)
    const back = await x.alice('POST', '/v1/messages', { roomId: ids.finance, text: 'back' })
    t.equal(back.status, 200)
    t.equal((await x.alice('POST', '/v1/messages', { toPersonEmail: 'bob@example.com', text: 'hi' })).status, 200)
    await x.settle()
    t.equal(
      (await x.alice('GET', `/v1/messages?roomId=${ids.finance}`)).body.items[0].text,
      'back',
      'after unblocking, posts stay'
    )
    const room = (await x.alice('GET', `/v1/rooms/${ids.finance}`)).body
    t.same(
      [room.isLocked, room.isAnnouncementOnly, room.isReadOnly],
      [true, true, false],
      'as it was before (Finance Q4 is announcement-only)'
    )
    isWebexError(
      t,
      await x.dave('POST', '/v1/messages', { roomId: ids.finance, text: 'still locked' }),
      403,
      /locked/
    )
    t.same(
      (await x.carol('GET', `/v1/governance/audit?roomId=${ids.finance}`)).body.items
        .map((a: any) => a.action)
        .filter((a: string) => a === 'space.blocked' || a === 'space.unblocked'),
      ['space.blocked', 'space.unblocked']
    )
  })

  t.test('delete a space with all its content: members removed, messages gone, audited', async t => {
    const x = await make(t)
    const { ids } = x
    t.equal((await x.carol('DELETE', `/v1/governance/spaces/${ids.apollo}`)).status, 204)
    isWebexError(t, await x.alice('GET', `/v1/rooms/${ids.apollo}`), 404)
    isWebexError(t, await x.alice('GET', `/v1/messages/${ids.welcome}`), 404)
    t.notOk(
      (await x.alice('GET', '/v1/rooms?max=100')).body.items.some((r: any) => r.id === ids.apollo),
      "gone from the members' lists"
    )
    t.same(
      (await eventsOf(x, 'memberships', 'deleted', ids.apollo)).map(e => e.data.personEmail).sort(),
      ['alice@example.com', 'bob@example.com'],
      'a membership deletion per member'
    )
    t.same((await x.carol('GET', '/v1/governance/spaces?title=apollo')).body.items, [], 'out of the inventory')
    const audit = (await x.carol('GET', `/v1/governance/audit?roomId=${ids.apollo}`)).body.items
    t.same(
      audit.filter((a: any) => a.action === 'space.deleted').map((a: any) => a.detail.messages),
      [2]
    )
    isWebexError(t, await x.carol('DELETE', `/v1/governance/spaces/${ids.apollo}`), 404)
  })

  t.test('directory groups feed search', async t => {
    const x = await make(t)
    const g = await x.carol('POST', '/v1/governance/groups', { name: 'Legal', memberEmails: ['dave@example.com'] })
    t.equal(g.status, 200)
    t.same(g.body.memberIds, [x.ids.dave])
    t.same(
      (await x.carol('GET', `/v1/governance/spaces?groups=${g.body.id}`)).body.items.map((r: any) => r.title),
      ['Finance Q4']
    )
    await x.carol('POST', `/v1/governance/groups/${g.body.id}/members`, { personEmail: 'bob@example.com' })
    t.equal((await x.carol('GET', `/v1/governance/spaces?groups=${g.body.id}`)).body.items.length, 4)
    isWebexError(t, await x.carol('POST', '/v1/governance/groups', { name: 'legal' }), 409)
  })

  t.test('advanced search is exact: random conditions against a brute-force filter of the same data', async t => {
    const x = await make(t)
    const tagNames = ['Finance', 'PII', 'HR']
    const tagIds: string[] = []
    for (const name of tagNames) tagIds.push((await x.carol('POST', '/v1/governance/tags', { name })).body.id)
    const levels = (await x.carol('GET', '/v1/classifications')).body.items.map((c: any) => c.id)
    const group = (await x.carol('POST', '/v1/governance/groups', { name: 'G', memberEmails: ['bob@example.com'] }))
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
    const made: Array<{ id: string; age: number }> = []
    for (const [i, r] of rnd.entries()) {
      const room = (await x.alice('POST', '/v1/rooms', { title: `Space ${i} ${['alpha', 'beta', 'gamma'][i % 3]}` }))
        .body
      if (r.external) {
        await x.alice('POST', '/v1/memberships', { roomId: room.id, personEmail: `x${i}@${r.external}` })
      }
      if (r.bob) await x.alice('POST', '/v1/memberships', { roomId: room.id, personEmail: 'bob@example.com' })
      made.push({ id: room.id, age: r.age })
    }
    // The new spaces reach the inventory (Webex backend) before the officer tags and classifies them.
    await x.settle()
    for (const [i, r] of rnd.entries()) {
      for (const ti of r.tags) await x.carol('PUT', `/v1/governance/spaces/${made[i].id}/tags/${tagIds[ti]}`)
      if (r.cls >= 0) {
        await x.carol('PUT', `/v1/governance/spaces/${made[i].id}/classification`, {
          classificationId: levels[r.cls],
        })
      }
    }
    for (const m of made) {
      await x.spaces.run(
        'UPDATE rooms SET last_activity = ? WHERE id = ?',
        new Date(x.clock.now() - m.age * DAY).toISOString(),
        Buffer.from(m.id, 'base64url').toString().split('/ROOM/')[1]
      )
    }
    x.spaces.invalidate() // the direct UPDATE above bypassed a transaction: make the read cache see it
    await x.resync()
    const everything = async () => {
      const out: any[] = []
      let url: string | undefined = '/v1/governance/spaces?max=1000'
      while (url) {
        const p: { body: any; headers: Headers } = await x.carol('GET', url)
        out.push(...p.body.items)
        url = /<([^>]+)>/.exec(p.headers.get('link') ?? '')?.[1]
      }
      return out
    }
    const universe = await everything()
    t.equal(universe.length, 44, 'the demo spaces and the 40 made')
    const groupMembers = new Set((await x.carol('GET', '/v1/governance/groups')).body.items[0].memberIds)
    const membersOf = new Map<string, string[]>()
    for (const r of universe) {
      membersOf.set(
        r.id,
        (await x.carol('GET', `/v1/memberships?roomId=${r.id}`)).body.items.map((m: any) => m.personId)
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
        const got = (await x.carol('GET', `/v1/governance/spaces?${q}`)).body.items.map((r: any) => r.id).sort()
        const cutoff = x.clock.now() - (c.inactiveDays ?? 0) * DAY
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
        const p: { body: any; headers: Headers } = await x.carol('GET', url)
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
}
