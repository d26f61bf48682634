import t, { type Test } from 'tap'
import { createHmac } from 'node:crypto'
import { isWebexError } from './helpers/assertions.js'
import { client, ManualClock, startService, type Running } from './helpers/service.js'
import { startReceiver, type Receiver } from './helpers/receiver.js'
import { DEMO, DEMO_IDS as ids } from '../src/demo.js'
import { verify } from '../src/triggers/signature.js'
import { freshDatabase } from './helpers/postgres.js'

/** The store setup() runs on: SQLite, or PostgreSQL when test/triggers-postgres.test.ts runs this suite. */
const ON_POSTGRES = process.env.TRIGGER_SUITE_STORE === 'postgres'

const ENVELOPE = [
  'id',
  'name',
  'targetUrl',
  'resource',
  'event',
  'orgId',
  'createdBy',
  'appId',
  'ownerId',
  'status',
  'actorId',
  'created',
  'data',
]
const MEMBERSHIP_DATA = [
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
const MESSAGE_DATA = ['created', 'id', 'personEmail', 'personId', 'roomId']
const ROOM_DATA = ['created', 'creatorId', 'id', 'isLocked', 'lastActivity', 'title', 'type']

interface Setup {
  svc: Running
  clock: ManualClock
  alice: ReturnType<typeof client>
  bob: ReturnType<typeof client>
  dave: ReturnType<typeof client>
}

async function setup (t: Test, delivery: Record<string, unknown> = {}): Promise<Setup> {
  const clock = new ManualClock()
  const svc = await startService(
    t,
    {
      ...(ON_POSTGRES ? { store: 'postgres', databaseUrl: await freshDatabase(t) } : {}),
      throttle: { enabled: false },
      delivery: { allowPrivateTargets: true, ...delivery },
    },
    { clock: clock.now, random: () => 1, deliveryTimers: false }
  )
  return {
    svc,
    clock,
    alice: client(svc.url, DEMO.tokens.alice),
    bob: client(svc.url, DEMO.tokens.bob),
    dave: client(svc.url, DEMO.tokens.dave),
  }
}

function fields (t: Test, obj: Record<string, unknown>, names: string[], label: string): void {
  t.same(
    names.filter(n => obj[n] === undefined),
    [],
    `${label}: every documented field present`
  )
}

/** Outbox rows some subscription still has to deliver: a purge leaves exactly those. */
async function pending (s: Setup): Promise<number> {
  await s.svc.store.tx(() => s.svc.registry.outbox.purge(undefined))
  return (await s.svc.store.get<{ n: number }>('SELECT count(*) AS n FROM outbox'))!.n
}

t.test("the seven triggers: subscribe (201 + Location), receive the seed's fields, unsubscribe", async t => {
  const s = await setup(t)
  const rx: Record<string, Receiver> = {}
  const locations: Record<string, string> = {}
  for (const path of [
    'memberships/created',
    'memberships/deleted',
    'memberships/updated',
    'messages/created',
    'messages/deleted',
    'rooms/created',
    'rooms/updated',
  ]) {
    rx[path] = await startReceiver(t)
    const sub = await s.alice('POST', `/v1/triggers/${path}`, { callbackUrl: rx[path].url })
    t.equal(sub.status, 201, `${path}: 201`)
    t.match(
      sub.headers.get('location'),
      new RegExp(`^${s.svc.url}/v1/webhooks/${sub.body.id}$`),
      `${path}: absolute Location`
    )
    t.equal(sub.body.status, 'active')
    locations[path] = sub.headers.get('location') as string
  }
  const room = await s.alice('POST', '/v1/rooms', { title: 'Triggers' })
  await rx['rooms/created'].count(1)
  const created = rx['rooms/created'].received[0].body
  fields(t, created, ENVELOPE, 'envelope')
  fields(t, created.data, ROOM_DATA, 'space created')
  t.same(
    [created.resource, created.event, created.data.id, created.data.title, created.actorId, created.name],
    ['rooms', 'created', room.body.id, 'Triggers', ids.alice, 'When a space is created']
  )

  const added = await s.alice('POST', '/v1/memberships', { roomId: room.body.id, personEmail: 'bob@example.com' })
  await rx['memberships/created'].count(2) // the creator's own membership, then Bob's
  const joined = rx['memberships/created'].received[1].body
  fields(t, joined.data, MEMBERSHIP_DATA, 'membership created')
  t.same(
    [joined.data.id, joined.data.roomId, joined.data.personEmail, joined.data.isModerator],
    [added.body.id, room.body.id, 'bob@example.com', false]
  )

  await s.alice('PUT', `/v1/memberships/${added.body.id}`, { isModerator: true })
  await rx['memberships/updated'].count(1)
  fields(t, rx['memberships/updated'].received[0].body.data, MEMBERSHIP_DATA, 'membership updated')
  t.equal(rx['memberships/updated'].received[0].body.data.isModerator, true)

  const msg = await s.bob('POST', '/v1/messages', { roomId: room.body.id, text: 'secret plans' })
  await rx['messages/created'].count(1)
  const posted = rx['messages/created'].received[0].body
  fields(t, posted.data, MESSAGE_DATA, 'message created')
  t.same([posted.data.id, posted.data.personId, posted.actorId], [msg.body.id, ids.bob, ids.bob])
  t.equal(posted.data.text, undefined, 'data is slim: no message text')

  await s.bob('DELETE', `/v1/messages/${msg.body.id}`)
  await rx['messages/deleted'].count(1)
  fields(t, rx['messages/deleted'].received[0].body.data, MESSAGE_DATA, 'message deleted')

  t.equal(
    (await s.bob('PUT', `/v1/rooms/${room.body.id}`, { isLocked: true })).status,
    200,
    'Bob, now a moderator, locks it'
  )
  await rx['rooms/updated'].count(1)
  const locked = rx['rooms/updated'].received[0].body.data
  fields(t, locked, ROOM_DATA, 'space updated')
  t.equal(locked.isLocked, true)

  t.equal((await s.bob('DELETE', `/v1/memberships/${added.body.id}`)).status, 204, 'Bob leaves')
  await rx['memberships/deleted'].count(1)
  fields(t, rx['memberships/deleted'].received[0].body.data, MEMBERSHIP_DATA, 'membership deleted')

  // Deleting a 1:1 space removes its memberships without membership-deleted triggers (seed rule).
  await s.alice('DELETE', `/v1/rooms/${ids.direct}`)
  await s.svc.worker!.idle()
  t.equal(rx['memberships/deleted'].received.length, 1, 'no trigger for 1:1 membership deletions')

  // Unsubscribe: DELETE on the Location; later events are not delivered.
  const del = await client(s.svc.url, DEMO.tokens.alice)('DELETE', locations['messages/created'])
  t.equal(del.status, 204)
  await s.alice('POST', '/v1/messages', { roomId: room.body.id, text: 'after unsubscribing' })
  await s.svc.worker!.idle()
  t.equal(rx['messages/created'].received.length, 1, 'nothing after unsubscribe')
  t.equal(await pending(s), 0, 'and nothing queued')
})

t.test('/v1/webhooks: create, list, get, update, delete, with validation', async t => {
  const s = await setup(t)
  const rx = await startReceiver(t)
  const wh = await s.alice('POST', '/v1/webhooks', {
    name: 'All messages',
    targetUrl: rx.url,
    resource: 'messages',
    event: 'created',
    secret: 's3cr3t',
  })
  t.equal(wh.status, 200)
  t.same(
    [wh.body.name, wh.body.resource, wh.body.event, wh.body.status, wh.body.createdBy, wh.body.ownedBy],
    ['All messages', 'messages', 'created', 'active', ids.alice, 'creator']
  )
  t.same(
    (await s.alice('GET', '/v1/webhooks')).body.items.map((w: any) => w.id),
    [wh.body.id]
  )
  t.same((await s.bob('GET', '/v1/webhooks')).body.items, [], 'each person sees their own webhooks')
  isWebexError(t, await s.bob('GET', `/v1/webhooks/${wh.body.id}`), 404)
  const renamed = await s.alice('PUT', `/v1/webhooks/${wh.body.id}`, { name: 'Renamed', targetUrl: rx.url })
  t.equal(renamed.body.name, 'Renamed')
  t.equal(renamed.body.secret, 's3cr3t', 'an update without secret keeps it')
  isWebexError(
    t,
    await s.alice('PUT', `/v1/webhooks/${wh.body.id}`, { name: 'x', targetUrl: rx.url, status: 'inactive' }),
    400,
    /status/
  )
  isWebexError(
    t,
    await s.alice('POST', '/v1/webhooks', { name: 'x', targetUrl: rx.url, resource: 'teams', event: 'created' }),
    400,
    /resource/
  )
  isWebexError(
    t,
    await s.alice('POST', '/v1/webhooks', {
      name: 'x',
      targetUrl: rx.url,
      resource: 'messages',
      event: 'created',
      filter: 'title=x',
    }),
    400,
    /filter/
  )
  isWebexError(
    t,
    await s.alice('POST', '/v1/webhooks', {
      name: 'x',
      targetUrl: 'ftp://example.com/x',
      resource: 'messages',
      event: 'created',
    }),
    400,
    /http/
  )
  isWebexError(
    t,
    await s.alice('POST', '/v1/webhooks', {
      name: 'x',
      targetUrl: 'https://u:p@example.com/x',
      resource: 'messages',
      event: 'created',
    }),
    400,
    /credentials/
  )
  isWebexError(
    t,
    await s.alice('POST', '/v1/webhooks', { targetUrl: rx.url, resource: 'messages', event: 'created' }),
    400,
    /name/
  )
  isWebexError(t, await s.alice('POST', '/v1/triggers/messages/created', {}), 400, /callbackUrl/)
  t.equal((await s.alice('DELETE', `/v1/webhooks/${wh.body.id}`)).status, 204)
  isWebexError(t, await s.alice('GET', `/v1/webhooks/${wh.body.id}`), 404)
})

t.test('loopback and private targets are refused unless configured', async t => {
  const svc = await startService(t, { throttle: { enabled: false } })
  const alice = client(svc.url, DEMO.tokens.alice)
  for (const url of [
    'http://127.0.0.1:9/x',
    'http://localhost/x',
    'http://10.1.2.3/x',
    'http://192.168.0.1/x',
    'http://[::1]/x',
    'http://169.254.169.254/latest',
  ]) {
    isWebexError(
      t,
      await alice('POST', '/v1/webhooks', { name: 'x', targetUrl: url, resource: 'messages', event: 'created' }),
      400,
      /private/
    )
  }
  t.equal(
    (
      await alice('POST', '/v1/webhooks', {
        name: 'x',
        targetUrl: 'https://hooks.example.com/x',
        resource: 'messages',
        event: 'created',
      })
    ).status,
    200
  )
})

t.test('filters, and subscribers only hear about spaces their owner can see', async t => {
  const s = await setup(t)
  const apolloOnly = await startReceiver(t)
  const mentionsMe = await startReceiver(t)
  const groupOnly = await startReceiver(t)
  const daves = await startReceiver(t)
  const byEmail = await startReceiver(t)
  await s.bob('POST', '/v1/webhooks', {
    name: 'a',
    targetUrl: apolloOnly.url,
    resource: 'messages',
    event: 'created',
    filter: `roomId=${ids.apollo}`,
  })
  await s.bob('POST', '/v1/webhooks', {
    name: 'm',
    targetUrl: mentionsMe.url,
    resource: 'messages',
    event: 'created',
    filter: 'mentionedPeople=me',
  })
  await s.bob('POST', '/v1/webhooks', {
    name: 'g',
    targetUrl: groupOnly.url,
    resource: 'messages',
    event: 'all',
    filter: 'roomType=group',
  })
  await s.dave('POST', '/v1/webhooks', { name: 'd', targetUrl: daves.url, resource: 'all', event: 'all' })
  await s.alice('POST', '/v1/webhooks', {
    name: 'e',
    targetUrl: byEmail.url,
    resource: 'memberships',
    event: 'created',
    filter: 'personEmail=dave@example.com',
  })

  await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'one' })
  await s.alice('POST', '/v1/messages', { roomId: ids.direct, text: 'two' })
  await s.alice('POST', '/v1/messages', { roomId: ids.apollo, markdown: 'three <@personEmail:bob@example.com>' })
  await s.alice('POST', '/v1/memberships', { roomId: ids.general, personEmail: 'pat@partner.test' })
  await s.alice('POST', '/v1/memberships', { roomId: ids.apollo, personEmail: 'dave@example.com' })
  await s.svc.worker!.idle()
  t.same(
    apolloOnly.received.map(r => r.body.data.roomId),
    [ids.apollo, ids.apollo],
    'roomId filter'
  )
  t.same(mentionsMe.received.length, 1, 'mentionedPeople=me')
  t.same(
    groupOnly.received.map(r => r.body.data.roomType),
    ['group', 'group'],
    'roomType=group'
  )
  t.same(
    byEmail.received.map(r => r.body.data.personEmail),
    ['dave@example.com'],
    'personEmail filter'
  )
  t.same(
    daves.received.map(r => `${r.body.resource}/${r.body.event}`),
    ['memberships/created'],
    'Dave heard nothing from Apollo until he was added, then his own joining'
  )
})

t.test('who hears follows memberships written earlier in the same transaction, and never one rolled back', async t => {
  const s = await setup(t)
  const bobs = await startReceiver(t)
  const daves = await startReceiver(t)
  await s.bob('POST', '/v1/webhooks', { name: 'b', targetUrl: bobs.url, resource: 'messages', event: 'created' })
  await s.dave('POST', '/v1/webhooks', { name: 'd', targetUrl: daves.url, resource: 'messages', event: 'created' })
  const apollo = DEMO.rooms.apollo
  const message = (text: string) => ({
    resource: 'messages' as const,
    event: 'created' as const,
    actorId: DEMO.people.alice.id,
    roomId: apollo,
    orgId: DEMO.orgId,
    data: { id: text, roomId: ids.apollo, roomType: 'group', personId: ids.alice, text },
  })
  const heard = async (): Promise<[string[], string[]]> => {
    await s.svc.worker!.idle()
    return [bobs.received.map(r => r.body.data.id), daves.received.map(r => r.body.data.id)]
  }
  const post = async (text: string) => {
    const r = await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text })
    t.equal(r.status, 200)
    return r.body.id as string
  }
  const first = await post('Bob is a member')
  t.same(await heard(), [[first], []], 'Bob (a member) hears, Dave (not one) does not')
  for (const how of ['tx', 'txGrouped'] as const) {
    const store = s.svc.store
    // Removed, then an event, in one transaction: Bob does not hear it; Dave, added, does. Then all is undone.
    await t.rejects(store[how](async () => {
      await store.run('DELETE FROM memberships WHERE room_id = ? AND person_id = ?', apollo, DEMO.people.bob.id)
      await store.run(
        'INSERT INTO memberships (room_id, person_id, created) VALUES (?,?,?)',
        apollo,
        DEMO.people.dave.id,
        store.now()
      )
      await store.emit(message(`${how}: in the transaction`))
      const targets = (await store.all<{ targets: string }>('SELECT targets FROM outbox ORDER BY seq DESC LIMIT 1'))
      const subs = await s.svc.registry.subscriptions.matchers()
      const owners = subs.filter(m => targets[0].targets.includes(`,${m.row.id},`)).map(m => m.owner.personId)
      t.same(owners, [DEMO.people.dave.id], `${how}: only Dave, added in the transaction, is a target`)
      throw new Error('rolled back')
    }), /rolled back/)
    const after = await post(`${how}: after the rollback`)
    const [b, d] = await heard()
    t.equal(b.at(-1), after, `${how}: Bob's removal was rolled back: he hears again`)
    t.same(d, [], `${how}: Dave's joining was rolled back: he hears nothing`)
  }
  const bobsMembership = (await s.alice('GET', `/v1/memberships?roomId=${ids.apollo}&personId=${ids.bob}`)).body
  t.equal((await s.alice('DELETE', `/v1/memberships/${bobsMembership.items[0].id}`)).status, 204)
  await post('Bob was removed')
  const [b] = await heard()
  t.equal(b.length, 3, 'Bob, removed, hears no more')
})

t.test('X-Spark-Signature is the HMAC-SHA1 of the raw body', async t => {
  const s = await setup(t)
  const rx = await startReceiver(t)
  await s.alice('POST', '/v1/triggers/messages/created', { callbackUrl: rx.url, secret: 'hush', roomId: ids.apollo })
  await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'signed' })
  await rx.count(1)
  const got = rx.received[0]
  t.equal(got.headers['x-spark-signature'], createHmac('sha1', 'hush').update(got.raw).digest('hex'))
  t.ok(verify(got.raw, 'hush', got.headers['x-spark-signature'] as string))
  t.notOk(verify(got.raw, 'wrong', got.headers['x-spark-signature'] as string))
  t.notOk(
    verify(got.raw + ' ', 'hush', got.headers['x-spark-signature'] as string),
    'any change to the bytes breaks it'
  )
})

t.test('retry with backoff after 5xx, then success', async t => {
  const s = await setup(t, { baseDelayMs: 1000 })
  const rx = await startReceiver(t)
  let fail = 2
  rx.respond = () => (fail-- > 0 ? { status: 503 } : { status: 200 })
  await s.alice('POST', '/v1/triggers/messages/created', { callbackUrl: rx.url })
  await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'retry me' })
  await s.svc.worker!.idle()
  t.equal(rx.attempts.length, 1)
  t.equal(rx.received.length, 0)
  // random() = 1, so the delay is the full ceiling: 1 s after the first failure, 2 s after the second.
  s.clock.advance(999)
  await s.svc.worker!.kick()
  await s.svc.worker!.idle()
  t.equal(rx.attempts.length, 1, 'not before the backoff')
  s.clock.advance(1)
  await s.svc.worker!.kick()
  await s.svc.worker!.idle()
  t.equal(rx.attempts.length, 2)
  s.clock.advance(1999)
  await s.svc.worker!.kick()
  await s.svc.worker!.idle()
  t.equal(rx.attempts.length, 2, 'the backoff doubled')
  s.clock.advance(1)
  await s.svc.worker!.kick()
  await rx.count(1)
  await s.svc.worker!.idle()
  t.equal(rx.received[0].body.data.roomId, ids.apollo)
  t.equal(await pending(s), 0)
})

t.test('a commit while a lane looks at its retried head starts no second run of it: nothing is sent twice', async t => {
  const s = await setup(t, { baseDelayMs: 1000 })
  const rx = await startReceiver(t)
  // The first attempt fails; every later one is held at the receiver until `letThrough`, so no run of the lane gets
  // past the first message before each run there is has read its batch.
  let letThrough!: () => void
  const through = new Promise<void>(resolve => {
    letThrough = resolve
  })
  let retried!: () => void
  const retryArrived = new Promise<void>(resolve => {
    retried = resolve
  })
  rx.respond = async () => {
    if (rx.attempts.length === 1) return { status: 503 }
    retried()
    await through
    return { status: 200 }
  }
  // The lane, after the failure, looks at its head (is the retry due?): held there while the next commit wakes it.
  const outbox = s.svc.registry.outbox
  const head = outbox.head.bind(outbox)
  let reachedHead!: () => void
  const atHead = new Promise<void>(resolve => {
    reachedHead = resolve
  })
  let openHead!: () => void
  const headOpen = new Promise<void>(resolve => {
    openHead = resolve
  })
  let held = false
  outbox.head = async (id, after) => {
    if (!held) {
      held = true
      reachedHead()
      await headOpen
    }
    return await head(id, after)
  }
  await s.alice('POST', '/v1/triggers/messages/created', { callbackUrl: rx.url })
  const m1 = await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'first' })
  await atHead
  t.equal(rx.attempts.length, 1, 'the first attempt failed')
  // The retry is due, and a new message commits while the lane is still looking at its head.
  s.clock.advance(1000)
  const m2 = await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'second' })
  openHead()
  await retryArrived
  letThrough()
  await rx.count(2)
  await s.svc.worker!.idle()
  // Anything a second run sent behind them has arrived by the time a third message has.
  const m3 = await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'third' })
  await s.svc.worker!.idle()
  await rx.count(3)
  await s.svc.worker!.idle()
  t.same(
    rx.received.map(r => r.body.data.id),
    [m1.body.id, m2.body.id, m3.body.id],
    'each message delivered once, in order'
  )
  t.equal(rx.attempts.length, 4, 'one failed attempt, then one delivery each')
  t.equal(await pending(s), 0)
})

t.test('receiver down, then up: the delivery waits and arrives', async t => {
  const s = await setup(t)
  const rx = await startReceiver(t)
  const port = rx.port
  await rx.stop()
  await s.alice('POST', '/v1/triggers/messages/created', { callbackUrl: `http://127.0.0.1:${port}/hook` })
  await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'anyone there?' })
  await s.svc.worker!.idle()
  t.equal(await pending(s), 1, 'connection refused: still pending')
  await rx.start(port)
  s.clock.advance(60_000)
  await s.svc.worker!.kick()
  await rx.count(1)
  t.equal(rx.received[0].body.data.personId, ids.alice)
})

t.test('429 from the receiver: Retry-After is honoured exactly', async t => {
  const s = await setup(t, { inactiveAfterFailures: 2 })
  const rx = await startReceiver(t)
  let throttled = 3
  rx.respond = () => (throttled-- > 0 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 })
  await s.alice('POST', '/v1/triggers/messages/created', { callbackUrl: rx.url })
  await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'slow down' })
  await s.svc.worker!.idle()
  for (let i = 0; i < 3; i++) {
    s.clock.advance(119_999)
    await s.svc.worker!.kick()
    await s.svc.worker!.idle()
    t.equal(rx.attempts.length, i + 1, 'not before Retry-After')
    s.clock.advance(1)
    await s.svc.worker!.kick()
    await s.svc.worker!.idle()
  }
  await rx.count(1)
  const hook = (await s.alice('GET', '/v1/webhooks')).body.items[0]
  t.equal(hook.status, 'active', 'being throttled is not failing: the webhook stays active')
})

t.test(
  'a webhook that keeps failing turns inactive; dead letters are listable; reactivate and redeliver',
  async t => {
    const s = await setup(t, { inactiveAfterFailures: 3, maxAttempts: 2, baseDelayMs: 10 })
    const rx = await startReceiver(t)
    rx.respond = () => ({ status: 500 })
    const hook = (
      await s.alice('POST', '/v1/webhooks', {
        name: 'flaky',
        targetUrl: rx.url,
        resource: 'messages',
        event: 'created',
      })
    ).body
    for (const text of ['a', 'b']) await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text })
    await s.svc.worker!.idle()
    s.clock.advance(10)
    await s.svc.worker!.kick()
    await s.svc.worker!.idle() // 'a' dead after 2 attempts; 'b' first attempt
    t.equal(rx.attempts.length, 3)
    const after = (await s.alice('GET', `/v1/webhooks/${hook.id}`)).body
    t.equal(after.status, 'inactive', 'inactive after 3 consecutive failures')
    await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'c' })
    await s.svc.worker!.idle()
    t.equal(rx.attempts.length, 3, 'an inactive webhook is not called')
    const dead = await s.alice('GET', `/v1/webhooks/${hook.id}/deadLetters`)
    t.equal(dead.status, 200)
    t.equal(dead.body.items.length, 3, 'a, b and c are visible as undelivered')
    t.same(dead.body.items.map((d: any) => d.payload.data.id).length, 3)
    t.equal(dead.body.items[0].lastStatus, 500)
    t.match(dead.body.items[2].lastError, /inactive/)
    isWebexError(t, await s.alice('POST', `/v1/webhooks/${hook.id}/deadLetters/redeliver`), 403)

    rx.respond = () => ({ status: 200 })
    t.equal(
      (await s.alice('PUT', `/v1/webhooks/${hook.id}`, { name: 'flaky', targetUrl: rx.url, status: 'active' })).body
        .status,
      'active'
    )
    const redo = await s.alice('POST', `/v1/webhooks/${hook.id}/deadLetters/redeliver`)
    t.equal(redo.body.redelivered, 3)
    await rx.count(3)
    const ids_ = dead.body.items.map((d: any) => d.payload.data.id)
    t.same(
      rx.received.map(r => r.body.data.id),
      ids_,
      'redelivered in the original order'
    )
    t.same((await s.alice('GET', `/v1/webhooks/${hook.id}/deadLetters`)).body.items, [])
  }
)

t.test('order per subscription is kept, and a slow receiver does not hold up another', async t => {
  const s = await setup(t)
  const slow = await startReceiver(t)
  const fast = await startReceiver(t)
  let release!: () => void
  const gate = new Promise<void>(resolve => {
    release = resolve
  })
  slow.respond = async () => {
    await gate
    return { status: 200 }
  }
  await s.alice('POST', '/v1/webhooks', { name: 'slow', targetUrl: slow.url, resource: 'messages', event: 'created' })
  await s.alice('POST', '/v1/webhooks', { name: 'fast', targetUrl: fast.url, resource: 'messages', event: 'created' })
  const sent: string[] = []
  for (let i = 0; i < 5; i++) {
    sent.push((await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: `n${i}` })).body.id)
  }
  await fast.count(5)
  t.equal(slow.received.length, 0, 'the slow receiver is still on its first delivery')
  release()
  await slow.count(5)
  t.same(
    slow.received.map(r => r.body.data.id),
    sent,
    'in order'
  )
  t.same(
    fast.received.map(r => r.body.data.id),
    sent,
    'in order'
  )
})

t.test('a receiver that rejects (4xx) dead-letters at once without holding up the rest', async t => {
  const s = await setup(t)
  const rx = await startReceiver(t)
  let first = true
  rx.respond = () => {
    if (first) {
      first = false
      return { status: 400 }
    }
    return { status: 200 }
  }
  const hook = (
    await s.alice('POST', '/v1/webhooks', {
      name: 'picky',
      targetUrl: rx.url,
      resource: 'messages',
      event: 'created',
    })
  ).body
  await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'rejected' })
  await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'accepted' })
  await rx.count(1)
  const dead = (await s.alice('GET', `/v1/webhooks/${hook.id}/deadLetters`)).body.items
  t.equal(dead.length, 1)
  t.equal(dead[0].lastStatus, 400)
})
