import type { Test } from 'tap'
import { Message } from '../../src/schemas/message.js'
import { hasFields, isWebexError } from '../helpers/assertions.js'
import { nextLink } from '../helpers/service.js'
import type { MakeTarget } from './target.js'
import { fileServer } from './fidelity.js'

export function messagesContract (t: Test, make: MakeTarget): void {
  t.test('Send a Message to a space: text, markdown with mentions, a file', async t => {
    const x = await make(t)
    const plain = await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, text: 'Hello' })
    t.equal(plain.status, 200)
    hasFields(t, plain.body, ['created', 'id', 'personEmail', 'personId', 'roomId', 'roomType', 'text'], Message)
    t.same(
      [plain.body.text, plain.body.roomId, plain.body.roomType, plain.body.personId, plain.body.personEmail],
      ['Hello', x.ids.apollo, 'group', x.ids.alice, 'alice@example.com']
    )
    const md = await x.alice('POST', '/v1/messages', {
      roomId: x.ids.apollo,
      markdown: `Hi <@personEmail:bob@example.com|Bobby> and <@personId:${x.ids.dave}|Dave> <@all> **now**`,
      files: await fileServer(t, Buffer.from('%PDF-1.4')),
    })
    t.equal(md.status, 200)
    t.same(md.body.mentionedPeople, [x.ids.bob], 'members are mentioned; a non-member mention stays text')
    t.same(md.body.mentionedGroups, ['all'])
    t.match(md.body.files, [/\/v1\/contents\//], 'a single file URL string is accepted, and re-hosted')
    t.equal(md.body.text, 'Hi Bobby and Dave All now', 'text is the plain rendering of the markdown')
    const details = await x.bob('GET', `/v1/messages/${md.body.id}`)
    hasFields(
      t,
      details.body,
      [
        'created',
        'files',
        'id',
        'markdown',
        'mentionedGroups',
        'mentionedPeople',
        'personEmail',
        'personId',
        'roomId',
        'roomType',
        'text',
      ],
      Message
    )
    const room = await x.alice('GET', `/v1/rooms/${x.ids.apollo}`)
    t.equal(room.body.lastActivity, md.body.created, "posting moves the space's lastActivity")
  })

  t.test('Send a Message 1:1: the direct space is created on first use and reused', async t => {
    const x = await make(t)
    const first = await x.dave('POST', '/v1/messages', { toPersonEmail: 'bob@example.com', text: 'Hi Bob' })
    t.equal(first.status, 200)
    t.same([first.body.roomType, first.body.toPersonEmail], ['direct', 'bob@example.com'])
    const second = await x.dave('POST', '/v1/messages', { toPersonId: x.ids.bob, text: 'Again' })
    t.equal(second.body.roomId, first.body.roomId, 'the same 1:1 space')
    t.equal(second.body.toPersonId, x.ids.bob)
    const details = await x.bob('GET', `/v1/messages/${second.body.id}`)
    hasFields(t, details.body, ['toPersonId'], Message)
    t.equal((await x.dave('GET', `/v1/messages/${first.body.id}`)).body.toPersonEmail, 'bob@example.com')
    const room = await x.bob('GET', `/v1/rooms/${first.body.roomId}`)
    t.same([room.body.type, room.body.title], ['direct', 'Dave Lee'])
    const members = await x.bob('GET', `/v1/memberships?roomId=${first.body.roomId}`)
    t.equal(members.body.items.length, 2, 'a 1:1 space has exactly two members')
    const reply = await x.bob('POST', '/v1/messages', { roomId: first.body.roomId, text: 'Hi Dave' })
    t.equal(reply.status, 200)
    const ext = await x.alice('POST', '/v1/messages', { toPersonEmail: 'newcomer@elsewhere.test', text: 'Welcome' })
    t.equal(ext.status, 200, 'an external address gets a 1:1 space too')
    isWebexError(t, await x.alice('POST', '/v1/messages', { toPersonEmail: 'ghost@example.com', text: 'x' }), 404)
    isWebexError(t, await x.alice('POST', '/v1/messages', { toPersonId: x.ids.alice, text: 'me' }), 400)
  })

  t.test('Send a Message: the rules, each refusal changing nothing', async t => {
    const x = await make(t)
    const count = async () => (await x.alice('GET', `/v1/messages?roomId=${x.ids.apollo}`)).body.items.length
    const start = await count()
    isWebexError(t, await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo }), 400, /text|markdown|files/)
    isWebexError(t, await x.alice('POST', '/v1/messages', { text: 'nowhere' }), 400, /roomId/)
    isWebexError(
      t,
      await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, toPersonEmail: 'bob@example.com', text: 'x' }),
      400,
      /roomId/
    )
    isWebexError(t, await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, text: 5 }), 400, /text/)
    isWebexError(
      t,
      await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, text: 'x'.repeat(7440) }),
      400,
      /text/
    )
    isWebexError(
      t,
      await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, text: 'x', files: ['ftp://x/y'] }),
      400,
      /files/
    )
    isWebexError(
      t,
      await x.alice('POST', '/v1/messages', {
        roomId: x.ids.apollo,
        text: 'x',
        files: ['https://a/1', 'https://a/2'],
      }),
      400,
      /files/
    )
    isWebexError(t, await x.dave('POST', '/v1/messages', { roomId: x.ids.apollo, text: 'let me in' }), 404)
    isWebexError(t, await x.alice('POST', '/v1/messages', { roomId: 'Zm9v', text: 'x' }), 400, /roomId/)
    t.equal(await count(), start, 'nothing was posted')
    isWebexError(t, await x.dave('POST', '/v1/messages', { roomId: x.ids.finance, text: 'hi' }), 403, /locked/)
    t.equal(
      (await x.alice('POST', '/v1/messages', { roomId: x.ids.finance, text: 'hi' })).status,
      200,
      'a moderator posts in a locked space'
    )
    t.equal(
      (await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, text: 'x'.repeat(7439) })).status,
      200,
      'exactly the limit is fine'
    )
  })

  t.test('Get Messages: newest first, filters, pagination to the end', async t => {
    const x = await make(t)
    for (let i = 0; i < 7; i++) await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, text: `m${i}` })
    const all = await x.alice('GET', `/v1/messages?roomId=${x.ids.apollo}`)
    t.equal(all.status, 200)
    t.same(
      all.body.items.slice(0, 3).map((m: any) => m.text),
      ['m6', 'm5', 'm4'],
      'newest first'
    )
    t.equal(all.body.items.length, 9)
    for (const m of all.body.items) {
      hasFields(t, m, ['created', 'id', 'personEmail', 'personId', 'roomId', 'roomType', 'text'], Message)
    }
    const seen: string[] = []
    let url: string | undefined = `/v1/messages?roomId=${x.ids.apollo}&max=2`
    while (url) {
      const page = await x.alice('GET', url)
      seen.push(...page.body.items.map((m: any) => m.id))
      url = nextLink(page.headers)
      if (url) await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, text: 'during paging' })
    }
    t.same(
      seen,
      all.body.items.map((m: any) => m.id),
      'paging sees the same messages once each, new ones do not shift pages'
    )
    const before = await x.alice('GET', `/v1/messages?roomId=${x.ids.apollo}&beforeMessage=${all.body.items[2].id}`)
    t.same(
      before.body.items.map((m: any) => m.id),
      all.body.items.slice(3).map((m: any) => m.id)
    )
    const mentioned = await x.bob('GET', `/v1/messages?roomId=${x.ids.apollo}&mentionedPeople=me`)
    t.same(
      mentioned.body.items.map((m: any) => m.id),
      [x.ids.mention]
    )
    t.same(
      (await x.bob('GET', `/v1/messages?roomId=${x.ids.apollo}&mentionedPeople=${x.ids.bob}`)).body.items.length,
      1
    )
    isWebexError(
      t,
      await x.bob('GET', `/v1/messages?roomId=${x.ids.apollo}&mentionedPeople=${x.ids.alice}`),
      400,
      /mentionedPeople/
    )
    t.equal(
      (await x.alice('GET', `/v1/messages?roomId=${x.ids.apollo}&before=2000-01-01T00:00:00Z`)).body.items.length,
      0
    )
    const everything = (await x.alice('GET', `/v1/messages?roomId=${x.ids.apollo}&max=1000`)).body.items.length
    t.equal(
      (await x.alice('GET', `/v1/messages?roomId=${x.ids.apollo}&before=2999-01-01T00:00:00.000Z&max=1000`)).body
        .items.length,
      everything
    )
    isWebexError(t, await x.alice('GET', `/v1/messages?roomId=${x.ids.apollo}&before=yesterday`), 400, /before/)
    isWebexError(t, await x.alice('GET', '/v1/messages'), 400, /roomId/)
    isWebexError(t, await x.dave('GET', `/v1/messages?roomId=${x.ids.apollo}`), 404)
    isWebexError(
      t,
      await x.alice('GET', `/v1/messages?roomId=${x.ids.apollo}&beforeMessage=nope`),
      400,
      /beforeMessage/
    )
    t.equal((await x.carol('GET', `/v1/messages?roomId=${x.ids.apollo}`)).status, 200, 'a compliance officer reads')
  })

  t.test('Get Message Details and Delete a Message', async t => {
    const x = await make(t)
    const m = await x.alice('GET', `/v1/messages/${x.ids.welcome}`)
    t.equal(m.status, 200)
    t.same(
      [m.body.text, m.body.markdown, m.body.roomId],
      ['Welcome to Project Apollo!', 'Welcome to **Project Apollo**!', x.ids.apollo]
    )
    isWebexError(t, await x.dave('GET', `/v1/messages/${x.ids.welcome}`), 404)
    isWebexError(t, await x.alice('GET', `/v1/messages/${x.ids.apollo}`), 400, /messageId/)
    isWebexError(t, await x.bob('DELETE', `/v1/messages/${x.ids.welcome}`), 403)
    t.equal((await x.alice('DELETE', `/v1/messages/${x.ids.welcome}`)).status, 204)
    isWebexError(t, await x.alice('GET', `/v1/messages/${x.ids.welcome}`), 404)
    isWebexError(t, await x.alice('DELETE', `/v1/messages/${x.ids.welcome}`), 404)
    const daves = await x.dave('POST', '/v1/messages', { toPersonEmail: 'alice@example.com', text: 'x' })
    t.equal(daves.status, 200)
    const inFinance = await x.alice('POST', '/v1/messages', { roomId: x.ids.finance, text: 'mod' })
    const daveInFinance = await x.alice('GET', `/v1/memberships?roomId=${x.ids.finance}&personId=${x.ids.dave}`)
    await x.alice('PUT', `/v1/memberships/${daveInFinance.body.items[0].id}`, { isModerator: true })
    const davePost = await x.dave('POST', '/v1/messages', { roomId: x.ids.finance, text: 'now I can' })
    t.equal(davePost.status, 200)
    t.equal(
      (await x.alice('DELETE', `/v1/messages/${davePost.body.id}`)).status,
      204,
      "a moderator deletes anyone's message in a locked space"
    )
    t.equal((await x.alice('GET', `/v1/messages/${inFinance.body.id}`)).status, 200)
  })
}
