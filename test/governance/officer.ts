import type { Test } from 'tap'
import { isWebexError, hasFields } from '../helpers/assertions.js'
import { nextLink } from '../helpers/service.js'
import { Event } from '../../src/schemas/event.js'
import type { MakeGovTarget } from './target.js'

const DAY = 86_400_000

/**
 * What a compliance officer may and may not do at Webex (developer.webex.com, Compliance guide and the API
 * reference), through the Webex API itself: the embedded backend plays it, and the Webex backend passes it
 * through. Carol is an officer and a member of no demo space.
 */
export function officerSuite (t: Test, make: MakeGovTarget): void {
  t.test(
    'the Events API: the organisation’s events for officers, filtered and paged; 403 for anyone else',
    async t => {
      const x = await make(t)
      const { ids } = x
      const sent = (await x.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'hello events' })).body
      await x.alice('POST', '/v1/memberships', { roomId: ids.apollo, personEmail: 'dave@example.com' })
      isWebexError(t, await x.alice('GET', '/v1/events'), 403, /compliance officer/)
      const all = await x.carol('GET', '/v1/events')
      t.equal(all.status, 200)
      for (const e of all.body.items) {
        hasFields(t, e, ['id', 'resource', 'type', 'actorId', 'orgId', 'created', 'data'], Event)
      }
      const created = (await x.carol('GET', '/v1/events?resource=messages&type=created')).body.items
      t.same(
        created.map((e: any) => [e.data.id, e.data.text, e.actorId]),
        [[sent.id, 'hello events', ids.alice]],
        'a message event carries the text, as an officer may read it'
      )
      t.same(
        (await x.carol('GET', `/v1/events?resource=memberships&actorId=${ids.alice}`)).body.items.map(
          (e: any) => e.data.personEmail
        ),
        ['dave@example.com']
      )
      const one = await x.carol('GET', `/v1/events/${created[0].id}`)
      t.same(one.body, created[0])
      isWebexError(t, await x.carol('GET', `/v1/events/${ids.apollo}`), 400)
      const page = await x.carol('GET', '/v1/events?max=1')
      t.equal(page.body.items.length, 1)
      const next = nextLink(page.headers)
      t.ok(next, 'paged with a Link header')
      t.notSame((await x.carol('GET', next!)).body.items[0].id, page.body.items[0].id)
      const future = new Date(x.clock.now() + DAY).toISOString()
      isWebexError(t, await x.carol('GET', `/v1/events?to=${future}`), 400, /future/)
      const past = new Date(x.clock.now() - DAY).toISOString()
      t.same((await x.carol('GET', `/v1/events?to=${past}`)).body.items, [], 'nothing before yesterday')
      t.same((await x.carol('GET', `/v1/events?from=${new Date(x.clock.now()).toISOString()}`)).body.items, [])
      x.clock.advance(91 * DAY)
      t.same((await x.carol('GET', '/v1/events')).body.items, [], 'events are kept 90 days')
    }
  )

  t.test(
    'an officer deletes any message of the organisation (again: 410), but not a space they are not in',
    async t => {
      const x = await make(t)
      const { ids } = x
      isWebexError(t, await x.bob('DELETE', `/v1/messages/${ids.welcome}`), 403, /author/)
      t.equal((await x.carol('DELETE', `/v1/messages/${ids.welcome}`)).status, 204)
      isWebexError(t, await x.alice('GET', `/v1/messages/${ids.welcome}`), 404)
      isWebexError(t, await x.carol('DELETE', `/v1/messages/${ids.welcome}`), 410)
      isWebexError(t, await x.carol('DELETE', `/v1/rooms/${ids.apollo}`), 404)
      t.equal((await x.alice('GET', `/v1/rooms/${ids.apollo}`)).status, 200, 'the space stays')
    }
  )

  t.test(
    'an officer adds, changes and removes memberships of spaces they are not in; never in 1:1 spaces',
    async t => {
      const x = await make(t)
      const { ids } = x
      const added = await x.carol('POST', '/v1/memberships', { roomId: ids.apollo, personEmail: 'dave@example.com' })
      t.equal(added.status, 200)
      t.equal(added.body.personEmail, 'dave@example.com')
      isWebexError(
        t,
        await x.carol('POST', '/v1/memberships', { roomId: ids.apollo, personEmail: 'dave@example.com' }),
        409
      )
      const made = await x.carol('PUT', `/v1/memberships/${added.body.id}`, { isModerator: true })
      t.equal(made.body.isModerator, true)
      isWebexError(t, await x.carol('PUT', `/v1/memberships/${added.body.id}`, { isRoomHidden: true }), 403)
      t.equal((await x.carol('DELETE', `/v1/memberships/${added.body.id}`)).status, 204)
      isWebexError(
        t,
        await x.carol('POST', '/v1/memberships', { roomId: ids.direct, personEmail: 'dave@example.com' }),
        403
      )
      const bobInDirect = (await x.alice('GET', `/v1/memberships?roomId=${ids.direct}`)).body.items.find(
        (m: any) => m.personEmail === 'bob@example.com'
      )
      isWebexError(t, await x.carol('DELETE', `/v1/memberships/${bobInDirect.id}`), 403)
      t.same(
        (await x.alice('GET', `/v1/memberships?roomId=${ids.apollo}`)).body.items
          .map((m: any) => m.personEmail)
          .sort(),
        ['alice@example.com', 'bob@example.com']
      )
    }
  )

  t.test(
    'an officer changes a space’s classification, announcement mode and (1:1) read-only, nothing else',
    async t => {
      const x = await make(t)
      const { ids } = x
      const levels = (await x.carol('GET', '/v1/classifications')).body.items
      isWebexError(t, await x.carol('PUT', `/v1/rooms/${ids.apollo}`, { title: 'Mine now' }), 403, /only/)
      isWebexError(t, await x.carol('PUT', `/v1/rooms/${ids.apollo}`, { isLocked: true }), 403, /only/)
      const classified = await x.carol('PUT', `/v1/rooms/${ids.apollo}`, { classificationId: levels[3].id })
      t.equal(classified.body.classificationId, levels[3].id)
      isWebexError(t, await x.carol('PUT', `/v1/rooms/${ids.apollo}`, { classificationId: 'nope' }), 400)
      isWebexError(t, await x.carol('PUT', `/v1/rooms/${ids.apollo}`, { isAnnouncementOnly: true }), 400, /locked/)
      isWebexError(t, await x.carol('PUT', `/v1/rooms/${ids.apollo}`, { isReadOnly: true }), 400, /1:1/)
      t.equal(
        (await x.carol('PUT', `/v1/rooms/${ids.finance}`, { isAnnouncementOnly: true })).body.isAnnouncementOnly,
        true
      )
      const ro = await x.carol('PUT', `/v1/rooms/${ids.direct}`, { isReadOnly: true })
      t.equal(ro.body.isReadOnly, true)
      isWebexError(t, await x.alice('POST', '/v1/messages', { roomId: ids.direct, text: 'x' }), 403)
      t.equal((await x.alice('GET', `/v1/messages?roomId=${ids.direct}`)).status, 200, 'history stays readable')
      isWebexError(
        t,
        await x.alice('PUT', `/v1/rooms/${ids.direct}`, { isReadOnly: false }),
        403,
        /compliance officer/
      )
      t.equal((await x.carol('PUT', `/v1/rooms/${ids.direct}`, { isReadOnly: false })).body.isReadOnly, false)
      t.equal((await x.alice('POST', '/v1/messages', { roomId: ids.direct, text: 'back' })).status, 200)
      const updates = (await x.carol('GET', '/v1/events?resource=rooms&type=updated')).body.items
      t.ok(
        updates.some((e: any) => e.data.id === ids.apollo && e.data.classificationId === levels[3].id),
        'a classification change is a rooms updated event'
      )
      t.equal(
        (await x.alice('PUT', `/v1/rooms/${ids.finance}`, { classificationId: levels[1].id })).status,
        200,
        'a moderator classifies'
      )
    }
  )
}
