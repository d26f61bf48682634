import type { Test } from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Message } from '../../src/schemas/message.js'
import { AttachmentAction } from '../../src/schemas/attachment-action.js'
import { DEMO } from '../../src/demo.js'
import { hasFields, isWebexError } from '../helpers/assertions.js'
import { client } from '../helpers/service.js'
import type { MakeTarget, Target } from './target.js'

/**
 * Issue 13: what Webex clients send, exactly as they send it (the JS SDK, node-sparky, the bot framework, a
 * receiver written from Webex's docs). Each of these failed before the change that made it pass.
 */
export const card = (text = 'Approve the plan?') => ({
  contentType: 'application/vnd.microsoft.card.adaptive',
  content: {
    type: 'AdaptiveCard',
    version: '1.2',
    body: [
      { type: 'TextBlock', text },
      { type: 'Input.Text', id: 'comment' },
    ],
    actions: [{ type: 'Action.Submit', title: 'Approve', data: { decision: 'approve' } }],
  },
})

/** A multipart/form-data Send a Message with one local file, as curl -F and the SDKs send it. */
async function upload (x: Target, token: string, fields: Record<string, string>, file: Buffer, name = 'notes.txt') {
  const form = new FormData()
  for (const [k, v] of Object.entries(fields)) form.set(k, v)
  form.set('files', new Blob([new Uint8Array(file)], { type: 'text/plain' }), name)
  const res = await fetch(`${x.url}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
}

const contentPath = (url: string): string => `/v1/contents/${url.split('/').pop()}`

/** A file server on 127.0.0.1 for re-hosting tests: serves `body` with a name. */
export async function fileServer (t: Test, body: Buffer): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/pdf', 'content-disposition': 'attachment; filename="plan.pdf"' })
    res.end(body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/plan.pdf`
}

export function fidelityContract (t: Test, make: MakeTarget): void {
  t.test('people: the JS SDK asks GET /people/?id=…&showAllTypes=false for every people.get', async t => {
    const x = await make(t)
    const one = await x.alice('GET', `/v1/people/?id=${x.ids.bob}&showAllTypes=false`)
    t.equal(one.status, 200)
    t.same(
      one.body.items.map((p: any) => p.displayName),
      ['Bob Smith']
    )
    const batch = await x.alice('GET', `/v1/people/?id=${x.ids.bob},${x.ids.dave}&showAllTypes=false`)
    t.equal(batch.body.items.length, 2, "the SDK's batcher")
    t.equal((await x.alice('GET', '/v1/people/me/')).body.emails[0], 'alice@example.com')
    t.equal((await x.alice('GET', '/v1/rooms/')).status, 200, 'a trailing slash means no slash on every route')
  })

  t.test('demo tokens are Webex-shaped (<token>_<cluster>_<orgId>); the old ones stay accepted', async t => {
    const x = await make(t)
    const parts = DEMO.tokens.alice.split('_')
    t.equal(parts.length, 3, 'three sections, as the SDK splits them')
    t.equal(parts[2], DEMO.orgId, "the third is the organisation's id")
    t.equal((await client(x.url, DEMO.aliases.alice)('GET', '/v1/people/me')).body.emails[0], 'alice@example.com')
  })

  t.test('webhooks: attachmentActions created is accepted; resources we cannot produce are named', async t => {
    const x = await make(t)
    const hook = await x.alice('POST', '/v1/webhooks', {
      name: 'cards',
      targetUrl: 'https://bots.example.com/cards',
      resource: 'attachmentActions',
      event: 'created',
      filter: `roomId=${x.ids.apollo}`,
    })
    t.equal(hook.status, 200)
    t.equal(hook.body.resource, 'attachmentActions')
    const refused = await x.alice('POST', '/v1/webhooks', {
      name: 'm',
      targetUrl: 'https://bots.example.com/m',
      resource: 'meetings',
      event: 'started',
    })
    isWebexError(t, refused, 400, /attachmentActions/)
    isWebexError(
      t,
      await x.alice('POST', '/v1/webhooks', {
        name: 'c',
        targetUrl: 'https://bots.example.com/c',
        resource: 'attachmentActions',
        event: 'created',
        filter: 'hasFiles=true',
      }),
      400,
      /messageId/
    )
  })

  t.test('unknown fields: a 400 naming the field, nothing stored', async t => {
    const x = await make(t)
    const count = async () => (await x.alice('GET', `/v1/messages?roomId=${x.ids.apollo}`)).body.items.length
    const start = await count()
    isWebexError(t, await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, text: 'x', colour: 'red' }), 400, /colour/)
    isWebexError(t, await x.alice('POST', '/v1/rooms', { title: 'x', isPublic: true }), 400, /isPublic/)
    isWebexError(t, await x.alice('POST', '/v1/teams', { name: 'x', colour: 'red' }), 400, /colour/)
    t.equal(await count(), start)
  })

  t.test('cards: kept, validated and limited; a member submits; the submission is read by id', async t => {
    const x = await make(t)
    const sent = await x.alice('POST', '/v1/messages', {
      roomId: x.ids.apollo,
      markdown: 'Please approve',
      attachments: [card()],
    })
    t.equal(sent.status, 200)
    hasFields(t, sent.body, ['attachments', 'markdown'], Message)
    t.same(sent.body.attachments, [card()], 'returned as sent')
    t.same((await x.bob('GET', `/v1/messages/${sent.body.id}`)).body.attachments, [card()], 'Get Message Details')
    const listed = (await x.bob('GET', `/v1/messages?roomId=${x.ids.apollo}&max=1`)).body.items[0]
    t.same(listed.attachments, [card()], 'Get Messages')
    const only = await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, attachments: [card()] })
    t.equal(only.status, 200, 'a card alone is a message')

    const count = async () => (await x.alice('GET', `/v1/messages?roomId=${x.ids.apollo}&max=100`)).body.items.length
    const start = await count()
    const bad = (attachments: unknown) =>
      x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, text: 'x', attachments })
    isWebexError(t, await bad([{ ...card(), contentType: 'application/json' }]), 400, /contentType/)
    isWebexError(t, await bad([{ contentType: card().contentType, content: { type: 'Hero' } }]), 400, /content/)
    isWebexError(t, await bad([card(), card()]), 400, /attachments/)
    isWebexError(t, await bad([card('x'.repeat(40_000))]), 400, /larger than/)
    t.equal(await count(), start, 'no refused card was posted')

    const submitted = await x.bob('POST', '/v1/attachment/actions', {
      type: 'submit',
      messageId: sent.body.id,
      inputs: { comment: 'Looks good', decision: 'approve' },
    })
    t.equal(submitted.status, 200)
    const fields = ['id', 'type', 'messageId', 'inputs', 'personId', 'roomId', 'created']
    hasFields(t, submitted.body, fields, AttachmentAction)
    t.same(
      [submitted.body.messageId, submitted.body.personId, submitted.body.roomId, submitted.body.inputs.comment],
      [sent.body.id, x.ids.bob, x.ids.apollo, 'Looks good']
    )
    const read = await x.alice('GET', `/v1/attachment/actions/${submitted.body.id}`)
    t.same(read.body, submitted.body, 'a member of the space reads it')
    isWebexError(t, await x.dave('GET', `/v1/attachment/actions/${submitted.body.id}`), 404)
    isWebexError(
      t,
      await x.dave('POST', '/v1/attachment/actions', { type: 'submit', messageId: sent.body.id, inputs: {} }),
      404,
      undefined
    )
    isWebexError(
      t,
      await x.bob('POST', '/v1/attachment/actions', { type: 'submit', messageId: x.ids.welcome, inputs: {} }),
      400,
      /no card/
    )
    isWebexError(
      t,
      await x.bob('POST', '/v1/attachment/actions', { type: 'click', messageId: sent.body.id, inputs: {} }),
      400,
      /type/
    )
  })

  t.test('threads: Get Messages with parentId lists the replies only', async t => {
    const x = await make(t)
    const root = await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, text: 'Thread start' })
    const r1 = await x.bob('POST', '/v1/messages', { roomId: x.ids.apollo, parentId: root.body.id, text: 'one' })
    await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, text: 'not in the thread' })
    const r2 = await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, parentId: root.body.id, text: 'two' })
    const thread = await x.alice('GET', `/v1/messages?roomId=${x.ids.apollo}&parentId=${root.body.id}`)
    t.same(
      thread.body.items.map((m: any) => m.id),
      [r2.body.id, r1.body.id],
      'newest first'
    )
    isWebexError(t, await x.alice('GET', `/v1/messages?roomId=${x.ids.apollo}&parentId=nope`), 400, /parentId/)
  })

  t.test('Edit a Message: GET, change the text, PUT the object back (Webex documented pattern)', async t => {
    const x = await make(t)
    const sent = await x.bob('POST', '/v1/messages', { roomId: x.ids.apollo, text: 'Draft' })
    const got = (await x.bob('GET', `/v1/messages/${sent.body.id}`)).body
    const edited = await x.bob('PUT', `/v1/messages/${sent.body.id}`, { ...got, text: 'Final' })
    t.equal(edited.status, 200)
    t.same([edited.body.text, edited.body.id, edited.body.created], ['Final', sent.body.id, sent.body.created])
    t.ok(edited.body.updated, 'updated is set')
    t.equal((await x.alice('GET', `/v1/messages/${sent.body.id}`)).body.text, 'Final')
    const md = await x.bob('PUT', `/v1/messages/${sent.body.id}`, {
      roomId: x.ids.apollo,
      markdown: 'Ping <@personEmail:alice@example.com|Alice>',
    })
    t.same([md.body.text, md.body.mentionedPeople], ['Ping Alice', [x.ids.alice]])
    isWebexError(t, await x.alice('PUT', `/v1/messages/${sent.body.id}`, { roomId: x.ids.apollo, text: 'mine' }), 403)
    isWebexError(t, await x.bob('PUT', `/v1/messages/${sent.body.id}`, { roomId: x.ids.apollo }), 400, /text/)
    isWebexError(
      t,
      await x.bob('PUT', `/v1/messages/${sent.body.id}`, { roomId: x.ids.apollo, text: 'x', html: '<b>x</b>' }),
      400,
      /html/
    )
    isWebexError(t, await x.bob('PUT', `/v1/messages/${sent.body.id}`, { roomId: x.ids.finance, text: 'x' }), 400, /roomId/)
    for (let i = 2; i < 10; i++) {
      t.equal((await x.bob('PUT', `/v1/messages/${sent.body.id}`, { roomId: x.ids.apollo, text: `v${i}` })).status, 200)
    }
    isWebexError(t, await x.bob('PUT', `/v1/messages/${sent.body.id}`, { roomId: x.ids.apollo, text: 'v11' }), 400, /limit/)
    const withCard = await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, text: 'c', attachments: [card()] })
    isWebexError(
      t,
      await x.alice('PUT', `/v1/messages/${withCard.body.id}`, { roomId: x.ids.apollo, text: 'c2' }),
      400,
      /card/
    )
  })

  t.test('memberships.update(membership): the whole object, an unchanged isRoomHidden is no change', async t => {
    const x = await make(t)
    const room = await x.alice('POST', '/v1/rooms', { title: 'Whole object' })
    const renamed = await x.alice('PUT', `/v1/rooms/${room.body.id}`, { ...room.body, title: 'Renamed' })
    t.equal(renamed.body.title, 'Renamed', 'rooms.update(room) with the whole object')
    const bob = await x.alice('POST', '/v1/memberships', { roomId: room.body.id, personEmail: 'bob@example.com' })
    const updated = await x.alice('PUT', `/v1/memberships/${bob.body.id}`, { ...bob.body, isModerator: true })
    t.equal(updated.status, 200)
    t.equal(updated.body.isModerator, true)
    isWebexError(
      t,
      await x.alice('PUT', `/v1/memberships/${bob.body.id}`, { ...updated.body, isRoomHidden: true }),
      403,
      /hide/
    )
    isWebexError(t, await x.alice('PUT', `/v1/memberships/${bob.body.id}`, { ...updated.body, colour: 'red' }), 400, /colour/)
  })

  t.test('moderation: the first moderator locks the space, the last one unlocks it', async t => {
    const x = await make(t)
    const room = await x.alice('POST', '/v1/rooms', { title: 'Moderated' })
    const bob = await x.alice('POST', '/v1/memberships', { roomId: room.body.id, personEmail: 'bob@example.com' })
    const dave = await x.alice('POST', '/v1/memberships', { roomId: room.body.id, personEmail: 'dave@example.com' })
    t.equal((await x.alice('GET', `/v1/rooms/${room.body.id}`)).body.isLocked, false)
    await x.bob('PUT', `/v1/memberships/${bob.body.id}`, { isModerator: true })
    t.equal((await x.alice('GET', `/v1/rooms/${room.body.id}`)).body.isLocked, true, 'a first moderator locks it')
    isWebexError(t, await x.dave('PUT', `/v1/memberships/${dave.body.id}`, { isModerator: true }), 403, /locked/)
    t.equal(
      (await x.dave('POST', '/v1/messages', { roomId: room.body.id, text: 'a lock does not stop posting' })).status,
      200,
      'every member posts in a locked space, as at Webex'
    )
    const announce = await x.bob('PUT', `/v1/rooms/${room.body.id}`, { isAnnouncementOnly: true })
    t.equal(announce.body.isAnnouncementOnly, true, 'announcement mode (a moderator, in a locked space)')
    isWebexError(t, await x.dave('POST', '/v1/messages', { roomId: room.body.id, text: 'x' }), 403, /announcement/)
    t.equal((await x.bob('POST', '/v1/messages', { roomId: room.body.id, text: 'news' })).status, 200)
    isWebexError(t, await x.alice('POST', '/v1/rooms', { title: 'x', isAnnouncementOnly: true }), 400, /locked/)
    isWebexError(t, await x.alice('PUT', `/v1/rooms/${room.body.id}`, { title: 'x' }), 403, /locked/)
    await x.bob('PUT', `/v1/memberships/${bob.body.id}`, { isModerator: false })
    const after = (await x.alice('GET', `/v1/rooms/${room.body.id}`)).body
    t.equal(after.isLocked, false, 'the last one unlocks it')
    t.equal(after.isAnnouncementOnly, false, 'and announcement mode goes with the lock')
    const mods = await x.alice('POST', '/v1/memberships', {
      roomId: (await x.alice('POST', '/v1/rooms', { title: 'Born moderated' })).body.id,
      personEmail: 'dave@example.com',
      isModerator: true,
    })
    t.equal((await x.alice('GET', `/v1/rooms/${mods.body.roomId}`)).body.isLocked, true, 'also when added as moderator')
    const unlocked = await x.dave('PUT', `/v1/rooms/${mods.body.roomId}`, { isLocked: false })
    t.equal(unlocked.body.isLocked, false)
    t.same(
      (await x.alice('GET', `/v1/memberships?roomId=${mods.body.roomId}`)).body.items.map((m: any) => m.isModerator),
      [false, false],
      'unlocking leaves no moderators'
    )
  })

  t.test('teams: PUT /v1/teams/{id} (teams.update(team)) and DELETE /v1/teams/{id}', async t => {
    const x = await make(t)
    const team = await x.alice('POST', '/v1/teams', { name: 'Launch', description: 'v1' })
    const space = await x.alice('POST', '/v1/rooms', { title: 'Launch plan', teamId: team.body.id })
    const renamed = await x.alice('PUT', `/v1/teams/${team.body.id}`, { ...team.body, name: 'Launch 2' })
    t.same([renamed.status, renamed.body.name, renamed.body.description], [200, 'Launch 2', 'v1'])
    await x.alice('POST', '/v1/team/memberships', { teamId: team.body.id, personEmail: 'bob@example.com' })
    isWebexError(t, await x.bob('PUT', `/v1/teams/${team.body.id}`, { name: 'mine' }), 403)
    isWebexError(t, await x.bob('DELETE', `/v1/teams/${team.body.id}`), 403)
    isWebexError(t, await x.alice('PUT', `/v1/teams/${team.body.id}`, { description: 'no name' }), 400, /name/)
    t.equal((await x.alice('DELETE', `/v1/teams/${team.body.id}`)).status, 204)
    isWebexError(t, await x.alice('GET', `/v1/teams/${team.body.id}`), 404)
    const kept = await x.alice('GET', `/v1/rooms/${space.body.id}`)
    t.same([kept.status, kept.body.teamId], [200, undefined], "the team's other spaces stay, outside any team")
  })

  t.test('files: one local file per message (multipart), served at /v1/contents/{id} to members only', async t => {
    const x = await make(t)
    const bytes = Buffer.from('Quarterly notes\n'.repeat(100))
    const sent = await upload(x, DEMO.tokens.alice, { roomId: x.ids.apollo, text: 'The notes' }, bytes, 'notes.txt')
    t.equal(sent.status, 200)
    t.equal(sent.body.text, 'The notes')
    t.match(sent.body.files[0], /^http:\/\/127\.0\.0\.1:\d+\/v1\/contents\/[A-Za-z0-9_-]+$/)
    const path = contentPath(sent.body.files[0])
    const got = await fetch(x.url + path, { headers: { authorization: `Bearer ${DEMO.tokens.bob}` } })
    t.equal(got.status, 200)
    t.same(Buffer.from(await got.arrayBuffer()), bytes, 'the same bytes')
    t.equal(got.headers.get('content-type'), 'text/plain')
    t.equal(got.headers.get('content-length'), String(bytes.length))
    t.match(got.headers.get('content-disposition'), /attachment; filename="notes.txt"/)
    const head = await fetch(x.url + path, { method: 'HEAD', headers: { authorization: `Bearer ${DEMO.tokens.bob}` } })
    t.same([head.status, head.headers.get('content-length')], [200, String(bytes.length)], 'HEAD: the headers')
    isWebexError(t, await x.dave('GET', path), 404)
    isWebexError(t, await x.anonymous('GET', path), 401)
    const two = new FormData()
    two.set('roomId', x.ids.apollo)
    two.append('files', new Blob(['a']), 'a.txt')
    two.append('files', new Blob(['b']), 'b.txt')
    const refused = await fetch(`${x.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO.tokens.alice}` },
      body: two,
    })
    t.equal(refused.status >= 400 && refused.status < 500, true, 'two files: refused')
    const stranger = await upload(x, DEMO.tokens.dave, { roomId: x.ids.apollo, text: 'let me in' }, bytes)
    t.equal(stranger.status, 404, 'a non-member uploads nothing')
  })

  t.test('files: a file URL is fetched and re-hosted under /v1/contents', async t => {
    const x = await make(t)
    const pdf = Buffer.from('%PDF-1.4 plan')
    const url = await fileServer(t, pdf)
    const sent = await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, text: 'The plan', files: url })
    t.equal(sent.status, 200)
    t.match(sent.body.files[0], /\/v1\/contents\//)
    const got = await fetch(x.url + contentPath(sent.body.files[0]), {
      headers: { authorization: `Bearer ${DEMO.tokens.bob}` },
    })
    t.same(Buffer.from(await got.arrayBuffer()), pdf)
    t.match(got.headers.get('content-disposition'), /plan\.pdf/)
    isWebexError(
      t,
      await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, text: 'x', files: ['http://127.0.0.1:9/none.pdf'] }),
      400,
      /files/
    )
  })
}
