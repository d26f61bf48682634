import t from 'tap'
import pg from 'pg'
import { client, startService } from './helpers/service.js'
import { startReceiver } from './helpers/receiver.js'
import { freshDatabase, pgUnavailable } from './helpers/postgres.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'

// The outbox on PostgreSQL, where transactions run side by side (on SQLite one holds the connection at a time):
// each row carries its transaction's id and a lane reads in (tx, seq) order only below the oldest transaction
// still running, so a row whose transaction commits after a later one's is not passed by the watermark.

const unavailable = await pgUnavailable()
t.test('two watched writes at once: the older transaction commits last, and neither is skipped', async t => {
  if (unavailable) {
    t.pass(`the outbox on PostgreSQL ${unavailable}`)
    return
  }
  const url = await freshDatabase(t)
  const svc = await startService(t, {
    store: 'postgres',
    databaseUrl: url,
    throttle: { enabled: false },
    delivery: { allowPrivateTargets: true },
  })
  const rx = await startReceiver(t)
  const alice = client(svc.url, DEMO.tokens.alice)
  const hook = await alice('POST', '/v1/webhooks', {
    name: 'all messages',
    targetUrl: rx.url,
    resource: 'messages',
    event: 'created',
  })
  t.equal(hook.status, 200)
  // Two people in two spaces: writes by one person, or to one space, queue on its row anyway.
  const other = await alice('POST', '/v1/rooms', { title: 'Other' })
  t.equal(other.status, 200)
  const bob = client(svc.url, DEMO.tokens.bob)
  const joined = await alice('POST', '/v1/memberships', { roomId: other.body.id, personEmail: 'bob@example.com' })
  t.equal(joined.status, 200)

  // The first message's transaction is held open after its outbox row is written (this sink runs after the
  // fan-out's); the second, a transaction begun after it, commits meanwhile: the first must still be delivered.
  let release!: () => void
  const held = new Promise<void>(resolve => {
    release = resolve
  })
  let inFirst!: () => void
  const firstWritten = new Promise<void>(resolve => {
    inFirst = resolve
  })
  let holding = true
  svc.store.onEvent(async e => {
    if (!holding || e.resource !== 'messages') return
    holding = false
    inFirst()
    await held
  })
  const first = alice('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: 'first' })
  await firstWritten
  const b = await bob('POST', '/v1/messages', { roomId: other.body.id, text: 'second' })
  t.equal(b.status, 200, 'the second write commits while the first is open (nothing makes it wait)')
  release()
  const a = await first
  t.equal(a.status, 200)
  await rx.count(2)
  t.same(
    rx.received.map(r => r.body.data.id),
    [a.body.id, b.body.id],
    'both delivered, in the order of their transactions: the one committed late was not skipped'
  )
  const watcher = new pg.Client({ connectionString: url })
  await watcher.connect()
  t.teardown(() => watcher.end())
  // The lane's watermark passes both rows (delivered rows are purged later, in bulk).
  const behind = async (): Promise<number> =>
    Number(
      (
        await watcher.query(
          `SELECT count(*) AS n FROM outbox o JOIN subscriptions s ON o.targets LIKE '%,' || s.id || ',%'
          WHERE s.name = 'all messages'
            AND (o.tx > s.delivered_tx OR (o.tx = s.delivered_tx AND o.seq > s.delivered_through))`
        )
      ).rows[0].n
    )
  const until = Date.now() + 30_000
  while ((await behind()) > 0 && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 20))
  t.equal(await behind(), 0, 'and the watermark is past both')
})
