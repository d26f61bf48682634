import type { Test } from 'tap'
import { Person } from '../../src/schemas/person.js'
import { hasFields, isWebexError } from '../helpers/assertions.js'
import type { MakeTarget } from './target.js'

const PERSON_FIELDS = [
  'avatar',
  'created',
  'displayName',
  'emails',
  'firstName',
  'id',
  'lastActivity',
  'lastName',
  'nickName',
  'orgId',
  'phoneNumbers',
  'status',
  'type',
]

export function peopleContract (t: Test, make: MakeTarget): void {
  t.test('Get My Own Details: every documented field, typed', async t => {
    const x = await make(t)
    const me = await x.alice('GET', '/v1/people/me')
    t.equal(me.status, 200)
    hasFields(t, me.body, PERSON_FIELDS, Person)
    t.same(
      [me.body.id, me.body.emails, me.body.displayName, me.body.type],
      [x.ids.alice, ['alice@example.com'], 'Alice Johnson', 'person']
    )
    t.ok(
      me.body.phoneNumbers.length > 0 &&
        typeof me.body.phoneNumbers[0].type === 'string' &&
        typeof me.body.phoneNumbers[0].value === 'string'
    )
    isWebexError(t, await x.anonymous('GET', '/v1/people/me'), 401)
  })

  t.test('Get People: by ids (with notFoundIds), by email, by name prefix; a filter is required', async t => {
    const x = await make(t)
    const missing = Buffer.from('ciscospark://us/PEOPLE/00000000-0000-4000-8000-000000000000').toString('base64url')
    const byIds = await x.alice('GET', `/v1/people?id=${x.ids.bob},${x.ids.dave},${missing},garbage`)
    t.equal(byIds.status, 200)
    t.same(
      byIds.body.items.map((p: any) => p.id),
      [x.ids.bob, x.ids.dave]
    )
    t.same(byIds.body.notFoundIds, [missing, 'garbage'])
    for (const p of byIds.body.items) hasFields(t, p, PERSON_FIELDS, Person)
    const byEmail = await x.alice('GET', '/v1/people?email=bob@example.com')
    t.same(
      byEmail.body.items.map((p: any) => p.displayName),
      ['Bob Smith']
    )
    t.equal(byEmail.body.notFoundIds, undefined)
    t.same((await x.alice('GET', '/v1/people?email=nobody@example.com')).body.items, [])
    t.same(
      (await x.alice('GET', '/v1/people?displayName=Ca')).body.items.map((p: any) => p.displayName),
      ['Carol Compliance']
    )
    isWebexError(t, await x.alice('GET', '/v1/people'), 400)
    const tooMany = Array.from({ length: 86 }, () => x.ids.bob).join(',')
    isWebexError(t, await x.alice('GET', `/v1/people?id=${tooMany}`), 400, /85/)
    t.equal((await x.alice('GET', `/v1/people/${x.ids.pat}`)).body.displayName, 'Pat Partner')
    isWebexError(t, await x.alice('GET', `/v1/people/${missing}`), 404)
  })
}
