import type { Test } from 'tap'
import { Membership, TeamMembership } from '../../src/schemas/membership.js'
import { hasFields, isWebexError } from '../helpers/assertions.js'
import { nextLink } from '../helpers/service.js'
import type { MakeTarget } from './target.js'

const MEMBERSHIP_FIELDS = [
  'created',
  'id',
  'isModerator',
  'isMonitor',
  'personDisplayName',
  'personEmail',
  'personId',
  'personOrgId',
  'roomId',
]
const TEAM_MEMBERSHIP_FIELDS = [
  'created',
  'id',
  'isModerator',
  'personDisplayName',
  'personEmail',
  'personId',
  'personOrgId',
  'teamId',
]

export function membershipsContract (t: Test, make: MakeTarget): void {
  t.test('Add Member to Space: by email or id, with every documented field', async t => {
    const x = await make(t)
    const byEmail = await x.alice('POST', '/v1/memberships', {
      roomId: x.ids.apollo,
      personEmail: 'dave@example.com',
    })
    t.equal(byEmail.status, 200)
    hasFields(t, byEmail.body, MEMBERSHIP_FIELDS, Membership)
    t.same(
      [
        byEmail.body.roomId,
        byEmail.body.personId,
        byEmail.body.personEmail,
        byEmail.body.personDisplayName,
        byEmail.body.isModerator,
        byEmail.body.isMonitor,
      ],
      [x.ids.apollo, x.ids.dave, 'dave@example.com', 'Dave Lee', false, false]
    )
    const me = await x.alice('GET', '/v1/people/me')
    t.equal(byEmail.body.personOrgId, me.body.orgId, 'an internal member shares the org')
    const room = await x.alice('POST', '/v1/rooms', { title: 'Mods' })
    const byId = await x.alice('POST', '/v1/memberships', {
      roomId: room.body.id,
      personId: x.ids.bob,
      isModerator: true,
    })
    t.equal(byId.body.isModerator, true)
    t.equal((await x.dave('GET', `/v1/rooms/${x.ids.apollo}`)).status, 200, 'the new member reads the space')
  })

  t.test('Add Member to Space: the rules, each refusal changing nothing', async t => {
    const x = await make(t)
    const count = async () => (await x.alice('GET', `/v1/memberships?roomId=${x.ids.apollo}`)).body.items.length
    const start = await count()
    isWebexError(
      t,
      await x.alice('POST', '/v1/memberships', { roomId: x.ids.apollo, personEmail: 'bob@example.com' }),
      409
    )
    isWebexError(
      t,
      await x.alice('POST', '/v1/memberships', { roomId: x.ids.apollo, personEmail: 'nobody@example.com' }),
      404
    )
    isWebexError(t, await x.alice('POST', '/v1/memberships', { personEmail: 'dave@example.com' }), 400, /roomId/)
    isWebexError(t, await x.alice('POST', '/v1/memberships', { roomId: x.ids.apollo }), 400, /person/)
    isWebexError(
      t,
      await x.alice('POST', '/v1/memberships', { roomId: x.ids.apollo, personEmail: 'not an email' }),
      400,
      /personEmail/
    )
    isWebexError(
      t,
      await x.alice('POST', '/v1/memberships', { roomId: x.ids.apollo, personId: 'bogus' }),
      400,
      /personId/
    )
    isWebexError(
      t,
      await x.alice('POST', '/v1/memberships', {
        roomId: x.ids.apollo,
        personEmail: 'dave@example.com',
        isModerator: 'yes',
      }),
      400,
      /isModerator/
    )
    isWebexError(
      t,
      await x.dave('POST', '/v1/memberships', { roomId: x.ids.apollo, personEmail: 'dave@example.com' }),
      404,
      undefined
    )
    isWebexError(
      t,
      await x.alice('POST', '/v1/memberships', { roomId: x.ids.direct, personEmail: 'dave@example.com' }),
      403
    )
    t.equal(await count(), start, 'nothing changed')
    isWebexError(
      t,
      await x.dave('POST', '/v1/memberships', { roomId: x.ids.finance, personEmail: 'bob@example.com' }),
      403,
      /locked/
    )
    t.equal(
      (await x.alice('POST', '/v1/memberships', { roomId: x.ids.finance, personEmail: 'bob@example.com' })).status,
      200,
      'a moderator adds in a locked space'
    )
  })

  t.test('Add Member to Space: an external person is added and marked by a different org', async t => {
    const x = await make(t)
    const ext = await x.alice('POST', '/v1/memberships', { roomId: x.ids.apollo, personEmail: 'sam@outside.test' })
    t.equal(ext.status, 200)
    const me = await x.alice('GET', '/v1/people/me')
    t.not(ext.body.personOrgId, me.body.orgId)
    const partner = await x.alice('POST', '/v1/memberships', {
      roomId: x.ids.apollo,
      personEmail: 'pat@partner.test',
    })
    t.equal(partner.body.personId, x.ids.pat)
    isWebexError(
      t,
      await x.alice('POST', '/v1/memberships', { roomId: x.ids.apollo, personEmail: 'ghost@partner.test' }),
      404
    )
  })

  t.test('memberships: list, get, update, delete (and leave) with their rules', async t => {
    const x = await make(t)
    const list = await x.alice('GET', `/v1/memberships?roomId=${x.ids.apollo}`)
    t.equal(list.status, 200)
    t.equal(list.body.items.length, 2)
    for (const m of list.body.items) hasFields(t, m, MEMBERSHIP_FIELDS, Membership)
    const mine = await x.alice('GET', '/v1/memberships')
    t.equal(mine.body.items.length, 4, "without roomId: the caller's memberships")
    isWebexError(t, await x.alice('GET', `/v1/memberships?personId=${x.ids.bob}`), 400, /roomId/)
    t.equal(
      (await x.carol('GET', `/v1/memberships?personId=${x.ids.bob}`)).body.items.length,
      3,
      'a compliance officer lists by person'
    )
    const paged = await x.alice('GET', `/v1/memberships?roomId=${x.ids.apollo}&max=1`)
    t.equal(paged.body.items.length, 1)
    const second = await x.alice('GET', nextLink(paged.headers) as string)
    t.equal(second.body.items.length, 1)
    t.not(second.body.items[0].id, paged.body.items[0].id)
    t.equal(nextLink(second.headers), undefined)

    const bob = list.body.items.find((m: any) => m.personId === x.ids.bob)
    t.same((await x.alice('GET', `/v1/memberships/${bob.id}`)).body, bob)
    isWebexError(t, await x.dave('GET', `/v1/memberships/${bob.id}`), 404)
    isWebexError(t, await x.alice('GET', '/v1/memberships/xyz'), 400)
    const promoted = await x.alice('PUT', `/v1/memberships/${bob.id}`, { isModerator: true })
    t.equal(promoted.body.isModerator, true)
    isWebexError(t, await x.alice('PUT', `/v1/memberships/${bob.id}`, { isRoomHidden: true }), 403)
    isWebexError(t, await x.alice('PUT', `/v1/memberships/${bob.id}`, { isModerator: 'maybe' }), 400, /isModerator/)

    const fin = (await x.alice('GET', `/v1/memberships?roomId=${x.ids.finance}`)).body.items
    const aliceFin = fin.find((m: any) => m.personId === x.ids.alice)
    const daveFin = fin.find((m: any) => m.personId === x.ids.dave)
    isWebexError(t, await x.dave('DELETE', `/v1/memberships/${aliceFin.id}`), 403, /locked/)
    isWebexError(t, await x.dave('PUT', `/v1/memberships/${daveFin.id}`, { isModerator: true }), 403)
    t.equal((await x.dave('DELETE', `/v1/memberships/${daveFin.id}`)).status, 204, 'anyone may leave')
    isWebexError(t, await x.dave('GET', `/v1/rooms/${x.ids.finance}`), 404)
    const direct = (await x.alice('GET', `/v1/memberships?roomId=${x.ids.direct}`)).body.items[0]
    isWebexError(t, await x.alice('DELETE', `/v1/memberships/${direct.id}`), 403)
  })

  t.test('Add Member to Team and the team companions', async t => {
    const x = await make(t)
    const added = await x.alice('POST', '/v1/team/memberships', {
      teamId: x.ids.team,
      personEmail: 'dave@example.com',
    })
    t.equal(added.status, 200)
    hasFields(t, added.body, TEAM_MEMBERSHIP_FIELDS, TeamMembership)
    t.same([added.body.teamId, added.body.personId, added.body.isModerator], [x.ids.team, x.ids.dave, false])
    t.ok(
      (await x.dave('GET', `/v1/rooms?teamId=${x.ids.team}`)).body.items.some((r: any) => r.id === x.ids.general),
      'joined the general space'
    )
    isWebexError(t, await x.alice('POST', '/v1/team/memberships', { teamId: x.ids.team, personId: x.ids.dave }), 409)
    isWebexError(t, await x.alice('POST', '/v1/team/memberships', { personId: x.ids.dave }), 400, /teamId/)
    isWebexError(t, await x.carol('POST', '/v1/team/memberships', { teamId: x.ids.team, personId: x.ids.carol }), 404)
    isWebexError(
      t,
      await x.bob('POST', '/v1/team/memberships', { teamId: x.ids.team, personId: x.ids.carol, isModerator: true }),
      403
    )
    const list = await x.bob('GET', `/v1/team/memberships?teamId=${x.ids.team}`)
    t.same(
      list.body.items.map((m: any) => m.personEmail),
      ['alice@example.com', 'bob@example.com', 'dave@example.com']
    )
    isWebexError(t, await x.bob('GET', '/v1/team/memberships'), 400, /teamId/)
    isWebexError(t, await x.bob('PUT', `/v1/team/memberships/${added.body.id}`, { isModerator: true }), 403)
    t.equal(
      (await x.alice('PUT', `/v1/team/memberships/${added.body.id}`, { isModerator: true })).body.isModerator,
      true
    )
    t.same((await x.dave('GET', `/v1/team/memberships/${added.body.id}`)).body.isModerator, true)
    t.equal((await x.dave('DELETE', `/v1/team/memberships/${added.body.id}`)).status, 204)

    const team = await x.carol('POST', '/v1/teams', { name: 'Compliance', description: 'Reviews' })
    t.equal(team.status, 200)
    t.same([team.body.name, team.body.description, team.body.creatorId], ['Compliance', 'Reviews', x.ids.carol])
    t.same(
      (await x.carol('GET', '/v1/teams')).body.items.map((t: any) => t.name),
      ['Compliance']
    )
    t.equal((await x.carol('GET', `/v1/teams/${team.body.id}`)).body.id, team.body.id)
    isWebexError(t, await x.alice('GET', `/v1/teams/${team.body.id}`), 404)
    const general = await x.carol('GET', `/v1/rooms?teamId=${team.body.id}`)
    t.same(
      general.body.items.map((r: any) => r.title),
      ['Compliance'],
      'a team starts with its general space'
    )
    isWebexError(t, await x.carol('POST', '/v1/teams', {}), 400, /name/)
  })
}
