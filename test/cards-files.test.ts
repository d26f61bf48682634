import t, { type Test } from 'tap'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { client, ManualClock, startService } from './helpers/service.js'
import { startReceiver } from './helpers/receiver.js'
import { isWebexError } from './helpers/assertions.js'
import { DEMO, DEMO_IDS as ids } from '../src/demo.js'
import type { EmbeddedBackend } from '../src/backends/embedded/index.js'
import { card } from './contract/fidelity.js'

async function setup (t: Test, settings: Record<string, unknown> = {}) {
  const clock = new ManualClock()
  const svc = await startService(
    t,
    { throttle: { enabled: false }, delivery: { allowPrivateTargets: true }, ...settings },
    { clock: clock.now, random: () => 1, deliveryTimers: false }
  )
  return {
    svc,
    clock,
    alice: client(svc.url, DEMO.tokens.alice),
    bob: client(svc.url, DEMO.tokens.bob),
    carol: client(svc.url, DEMO.tokens.carol),
    contentsDir: join(svc.dataDir, 'contents'),
  }
}

async function uploadFile (url: string, token: string, roomId: string, bytes: Buffer) {
  const form = new FormData()
  form.set('roomId', roomId)
  form.set('files', new Blob([new Uint8Array(bytes)], { type: 'application/octet-stream' }), 'data.bin')
  const headers = { authorization: `Bearer ${token}` }
  const res = await fetch(`${url}/v1/messages`, { method: 'POST', headers, body: form })
  return { status: res.status, headers: res.headers, body: await res.json() }
}

const files = (dir: string): string[] => readdirSync(dir).filter(f => !f.startsWith('tmp-'))

t.test('a card submission reaches an attachmentActions webhook (filtered), not the firehose', async t => {
  const s = await setup(t)
  const cards = await startReceiver(t)
  const other = await startReceiver(t)
  const firehose = await startReceiver(t)
  const hook = (url: string, resource: string, event: string, filter?: string) =>
    s.alice('POST', '/v1/webhooks', { name: resource, targetUrl: url, resource, event, ...(filter ? { filter } : {}) })
  t.equal((await hook(cards.url, 'attachmentActions', 'created', `roomId=${ids.apollo}`)).status, 200)
  t.equal((await hook(other.url, 'attachmentActions', 'created', `roomId=${ids.finance}`)).status, 200)
  t.equal((await hook(firehose.url, 'all', 'all', `roomId=${ids.apollo}`)).status, 200)
  const msg = await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'vote', attachments: [card()] })
  const submit = { type: 'submit', messageId: msg.body.id, inputs: { a: 1 } }
  const action = await s.bob('POST', '/v1/attachment/actions', submit)
  await cards.count(1)
  await s.svc.worker!.idle()
  const got = cards.received[0].body
  t.same(
    [got.resource, got.event, got.data.id, got.data.messageId, got.data.personId, got.data.roomId, got.actorId],
    ['attachmentActions', 'created', action.body.id, msg.body.id, ids.bob, ids.apollo, ids.bob]
  )
  t.equal(got.data.inputs, undefined, 'data is slim: the inputs are fetched by id')
  t.equal(other.received.length, 0, 'the filter holds')
  t.same(
    firehose.received.map(r => r.body.resource),
    ['messages'],
    'resource all is every resource but attachmentActions, as at Webex'
  )
})

t.test('an edit sends messages updated; a first moderator sends rooms updated with isLocked', async t => {
  const s = await setup(t)
  const msgs = await startReceiver(t)
  const rooms = await startReceiver(t)
  await s.alice('POST', '/v1/webhooks', { name: 'm', targetUrl: msgs.url, resource: 'messages', event: 'updated' })
  await s.alice('POST', '/v1/webhooks', { name: 'r', targetUrl: rooms.url, resource: 'rooms', event: 'updated' })
  const sent = await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'draft' })
  await s.alice('PUT', `/v1/messages/${sent.body.id}`, { roomId: ids.apollo, text: 'final' })
  await msgs.count(1)
  t.same([msgs.received[0].body.event, msgs.received[0].body.data.id], ['updated', sent.body.id])
  t.ok(msgs.received[0].body.data.updated)
  const mine = (await s.alice('GET', `/v1/memberships?roomId=${ids.apollo}&personId=${ids.alice}`)).body.items[0]
  await s.alice('PUT', `/v1/memberships/${mine.id}`, { isModerator: true })
  await rooms.count(1)
  t.same([rooms.received[0].body.data.id, rooms.received[0].body.data.isLocked], [ids.apollo, true])
  await s.alice('PUT', `/v1/memberships/${mine.id}`, { isModerator: false })
  await rooms.count(2)
  t.equal(rooms.received[1].body.data.isLocked, false, 'the last moderator stepping down unlocks it')
})

t.test('files: the size limit (413, nothing kept), private file URLs refused by the webhook target policy', async t => {
  const s = await setup(t, { files: { maxBytes: 1024 }, delivery: { allowPrivateTargets: false } })
  const big = await uploadFile(s.svc.url, DEMO.tokens.alice, ids.apollo, Buffer.alloc(2048, 1))
  isWebexError(t, big, 413)
  t.same(readdirSync(s.contentsDir), [], 'nothing stored, not even a temporary file')
  const ok = await uploadFile(s.svc.url, DEMO.tokens.alice, ids.apollo, Buffer.alloc(1024, 1))
  t.equal(ok.status, 200, 'exactly the limit is fine')
  isWebexError(
    t,
    await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'x', files: ['http://127.0.0.1:1/secret'] }),
    400,
    /private/
  )
  isWebexError(
    t,
    await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'x', files: ['http://localhost:1/secret'] }),
    400,
    /private/
  )
})

t.test('file content is erased with its message: by its author, by retention, by delete-with-content', async t => {
  const s = await setup(t)
  const up = async (roomId: string) =>
    (await uploadFile(s.svc.url, DEMO.tokens.alice, roomId, Buffer.from('bytes'))).body
  const a = await up(ids.apollo)
  t.equal(files(s.contentsDir).length, 1)
  t.equal((await s.alice('DELETE', `/v1/messages/${a.id}`)).status, 204)
  t.same(files(s.contentsDir), [], 'deleting the message erased the file')
  isWebexError(t, await s.alice('GET', `/v1/contents/${a.files[0].split('/').pop()}`), 404)

  const b = await up(ids.apollo)
  await s.carol('PUT', `/v1/governance/spaces/${ids.apollo}/retention`, { mode: 'days', days: 1 })
  s.clock.advance(3 * 86_400_000)
  const done = await s.carol('POST', '/v1/governance/retention/execute', { roomId: ids.apollo })
  t.equal(done.status, 200)
  t.same(files(s.contentsDir), [], 'retention erased the file content')
  isWebexError(t, await s.alice('GET', `/v1/contents/${b.files[0].split('/').pop()}`), 404)

  const room = await s.alice('POST', '/v1/rooms', { title: 'To be deleted' })
  await up(room.body.id)
  t.equal(files(s.contentsDir).length, 1)
  t.equal((await s.carol('DELETE', `/v1/governance/spaces/${room.body.id}`)).status, 204)
  t.same(files(s.contentsDir), [], 'delete with content erased the file')
  const embedded = s.svc.backend as EmbeddedBackend
  t.equal(
    (await embedded.ctx.get<{ n: number }>('SELECT count(*) AS n FROM contents_trash'))?.n,
    0,
    'nothing left to sweep'
  )
  t.ok(existsSync(s.contentsDir))
})
