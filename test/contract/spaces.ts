import type { Test } from 'tap'
import { Room } from '../../src/schemas/room.js'
import { hasFields, isWebexError } from '../helpers/assertions.js'
import { nextLink } from '../helpers/service.js'
import type { MakeTarget } from './target.js'

const ROOM_FIELDS = ['created', 'creatorId', 'id', 'isLocked', 'lastActivity', 'title', 'type']

export function spacesContract (t: Test, make: MakeTarget): void {
  t.test("Get Spaces List: the caller's spaces, filtered by type, with every documented field", async t => {
    const x = await make(t)
    const all = await x.alice('GET', '/v1/rooms')
    t.equal(all.status, 200)
    t.equal(all.body.items.length, 4)
    for (const r of all.body.items) hasFields(t, r, ROOM_FIELDS, Room)
    const direct = await x.alice('GET', '/v1/rooms?type=direct')
    t.same(
      direct.body.items.map((r: any) => [r.type, r.title]),
      [['direct', 'Bob Smith']],
      'a 1:1 space is titled with the other person'
    )
    const bobsView = await x.bob('GET', '/v1/rooms?type=direct')
    t.equal(bobsView.body.items[0].title, 'Alice Johnson')
    const group = await x.alice('GET', '/v1/rooms?type=group')
    t.equal(group.body.items.length, 3)
    t.ok(group.body.items.every((r: any) => r.type === 'group'))
    const team = await x.alice('GET', `/v1/rooms?teamId=${x.ids.team}`)
    t.same(
      team.body.items.map((r: any) => r.title),
      ['Product']
    )
    const dave = await x.dave('GET', '/v1/rooms')
    t.same(
      dave.body.items.map((r: any) => r.title),
      ['Finance Q4'],
      'only spaces the caller is in'
    )
  })

  t.test(
    'Get Spaces List: sortBy orders, bad parameters are 400 naming the field, a large max is clamped',
    async t => {
      const x = await make(t)
      for (const title of ['B first', 'A second']) await x.alice('POST', '/v1/rooms', { title })
      const created = await x.alice('GET', '/v1/rooms?sortBy=created')
      const times = created.body.items.map((r: any) => r.created)
      t.same(times, [...times].sort().reverse(), 'created: newest first')
      const byId = await x.alice('GET', '/v1/rooms?sortBy=id')
      t.equal(byId.status, 200)
      const activity = await x.alice('GET', '/v1/rooms?sortBy=lastactivity')
      const acts = activity.body.items.map((r: any) => r.lastActivity)
      t.same(acts, [...acts].sort().reverse(), 'lastactivity: most recent first')
      isWebexError(t, await x.alice('GET', '/v1/rooms?sortBy=title'), 400, /sortBy/)
      isWebexError(t, await x.alice('GET', '/v1/rooms?type=channel'), 400, /type/)
      isWebexError(t, await x.alice('GET', '/v1/rooms?max=0'), 400, /max/)
      isWebexError(t, await x.alice('GET', '/v1/rooms?max=ten'), 400, /max/)
      isWebexError(t, await x.alice('GET', '/v1/rooms?max=1&max=2'), 400, /max/)
      t.equal(
        (await x.alice('GET', '/v1/rooms?max=100&max=100')).status,
        200,
        'an identical repeated parameter is tolerated'
      )
      const big = await x.alice('GET', '/v1/rooms?max=100000')
      t.equal(big.status, 200, 'max above the limit is clamped, not rejected')
      t.equal(big.body.items.length, 6)
      isWebexError(t, await x.alice('GET', '/v1/rooms?teamId=nope'), 400, /teamId/)
      isWebexError(t, await x.alice('GET', '/v1/rooms?cursor=garbage'), 400, /cursor/)
    }
  )

  t.test(
    'Get Spaces List: following Link to the end sees every space once, while spaces are added and removed',
    async t => {
      const x = await make(t)
      const made: string[] = []
      for (let i = 0; i < 12; i++) made.push((await x.alice('POST', '/v1/rooms', { title: `Room ${i}` })).body.id)
      for (const sortBy of ['id', 'created', 'lastactivity']) {
        const before = (await x.alice('GET', `/v1/rooms?max=1000&sortBy=${sortBy}`)).body.items.map((r: any) => r.id)
        const seen: string[] = []
        let url: string | undefined = `/v1/rooms?max=5&sortBy=${sortBy}&type=group`
        let pages = 0
        const extra: string[] = []
        while (url) {
          const page = await x.alice('GET', url)
          t.equal(page.status, 200)
          seen.push(...page.body.items.map((r: any) => r.id))
          const link = page.headers.get('link')
          url = nextLink(page.headers)
          if (url) {
            t.match(
              link,
              /^<http:\/\/127\.0\.0\.1:\d+\/v1\/rooms\?[^>]+>; rel="next"$/,
              'one absolute next link on the called host'
            )
            t.match(url, /max=5/)
            t.match(url, new RegExp(`sortBy=${sortBy}`))
            t.match(url, /type=group/)
            // Data changes between pages: a new space appears, nothing may be duplicated or skipped.
            extra.push((await x.alice('POST', '/v1/rooms', { title: `Added ${sortBy} ${pages}` })).body.id)
          }
          pages++
        }
        const groups = before.filter((id: string) => id !== x.ids.direct)
        t.equal(new Set(seen).size, seen.length, `${sortBy}: no duplicates`)
        t.same(
          groups.filter((id: string) => !seen.includes(id)),
          [],
          `${sortBy}: no gaps among spaces that existed at the start`
        )
        t.ok(pages >= 3, `${sortBy}: several pages (${pages})`)
        for (const id of extra) await x.alice('DELETE', `/v1/rooms/${id}`)
      }
    }
  )

  t.test('Get Space Details: members and compliance officers read; others get 404; bad ids never 500', async t => {
    const x = await make(t)
    const r = await x.alice('GET', `/v1/rooms/${x.ids.apollo}`)
    t.equal(r.status, 200)
    hasFields(t, r.body, ROOM_FIELDS, Room)
    t.equal(r.body.title, 'Project Apollo')
    t.equal(r.body.type, 'group')
    t.equal(r.body.isLocked, false)
    isWebexError(t, await x.dave('GET', `/v1/rooms/${x.ids.apollo}`), 404)
    t.equal(
      (await x.carol('GET', `/v1/rooms/${x.ids.apollo}`)).status,
      200,
      'a compliance officer reads any space of the org'
    )
    isWebexError(t, await x.alice('GET', '/v1/rooms/not-an-id'), 400, /roomId/)
    isWebexError(t, await x.alice('GET', `/v1/rooms/${x.ids.welcome}`), 400, /roomId/)
    const unknown = Buffer.from('ciscospark://us/ROOM/00000000-0000-4000-8000-000000000000').toString('base64')
    isWebexError(t, await x.alice('GET', `/v1/rooms/${unknown}`), 404)
    // The standard alphabet with padding names the same space as the canonical url-safe id.
    const padded = Buffer.from(Buffer.from(x.ids.apollo, 'base64url').toString()).toString('base64')
    t.equal((await x.alice('GET', `/v1/rooms/${encodeURIComponent(padded)}`)).body.id, x.ids.apollo)
    isWebexError(t, await x.anonymous('GET', `/v1/rooms/${x.ids.apollo}`), 401)
    isWebexError(t, await client401(x.url), 401)
  })

  t.test('Create Space: title required and typed; team spaces need team membership', async t => {
    const x = await make(t)
    const r = await x.alice('POST', '/v1/rooms', { title: 'Launch' })
    t.equal(r.status, 200)
    hasFields(t, r.body, ROOM_FIELDS, Room)
    t.same([r.body.title, r.body.type, r.body.isLocked, r.body.creatorId], ['Launch', 'group', false, x.ids.alice])
    t.equal(r.body.teamId, undefined)
    const members = await x.alice('GET', `/v1/memberships?roomId=${r.body.id}`)
    t.same(
      members.body.items.map((m: any) => m.personId),
      [x.ids.alice],
      'the creator is the first member'
    )
    isWebexError(t, await x.alice('POST', '/v1/rooms', {}), 400, /title/)
    isWebexError(t, await x.alice('POST', '/v1/rooms', { title: 42 }), 400, /title/)
    isWebexError(t, await x.alice('POST', '/v1/rooms', { title: '' }), 400, /title/)
    isWebexError(t, await x.alice('POST', '/v1/rooms', '{"title":'), 400)
    const inTeam = await x.bob('POST', '/v1/rooms', { title: 'Team room', teamId: x.ids.team })
    t.equal(inTeam.status, 200)
    t.equal(inTeam.body.teamId, x.ids.team)
    isWebexError(t, await x.dave('POST', '/v1/rooms', { title: 'Sneaky', teamId: x.ids.team }), 403)
    isWebexError(t, await x.alice('POST', '/v1/rooms', { title: 'T', teamId: 'junk' }), 400, /teamId/)
    const after = await x.dave('GET', '/v1/rooms')
    t.equal(after.body.items.length, 1, 'a refused create changed nothing')
  })

  t.test('Update and delete a space: locked spaces obey moderators, 1:1 titles are fixed', async t => {
    const x = await make(t)
    const renamed = await x.alice('PUT', `/v1/rooms/${x.ids.apollo}`, { title: 'Apollo 2' })
    t.equal(renamed.body.title, 'Apollo 2')
    isWebexError(t, await x.dave('PUT', `/v1/rooms/${x.ids.finance}`, { title: 'Mine now' }), 403)
    t.equal(
      (await x.alice('GET', `/v1/rooms/${x.ids.finance}`)).body.title,
      'Finance Q4',
      'refused update changed nothing'
    )
    isWebexError(t, await x.alice('PUT', `/v1/rooms/${x.ids.direct}`, { title: 'Renamed' }), 403)
    const locked = await x.bob('PUT', `/v1/rooms/${x.ids.apollo}`, { isLocked: true })
    t.equal(locked.body.isLocked, true)
    const bobMember = (await x.bob('GET', `/v1/memberships?roomId=${x.ids.apollo}&personId=${x.ids.bob}`)).body
      .items[0]
    t.equal(bobMember.isModerator, true, 'locking an unmoderated space made the caller its moderator')
    isWebexError(t, await x.alice('PUT', `/v1/rooms/${x.ids.apollo}`, { isLocked: false }), 403)
    isWebexError(t, await x.dave('PUT', `/v1/rooms/${x.ids.apollo}`, { title: 'x' }), 404)
    t.equal((await x.dave('DELETE', `/v1/rooms/${x.ids.finance}`)).status, 204, 'a non-moderator leaves instead')
    isWebexError(t, await x.dave('GET', `/v1/rooms/${x.ids.finance}`), 404)
    t.equal((await x.alice('GET', `/v1/rooms/${x.ids.finance}`)).status, 200, 'the space stays for the others')
    t.equal((await x.alice('DELETE', `/v1/rooms/${x.ids.finance}`)).status, 204)
    isWebexError(t, await x.alice('GET', `/v1/rooms/${x.ids.finance}`), 404)
    isWebexError(t, await x.dave('GET', `/v1/memberships?roomId=${x.ids.finance}`), 404)
  })
}

async function client401 (url: string) {
  const res = await fetch(`${url}/v1/rooms`, { headers: { authorization: 'Bearer not-a-token' } })
  return { status: res.status, headers: res.headers, body: (await res.json()) as any }
}
