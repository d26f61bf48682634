import t from 'tap'
import pg from 'pg'
import { client, startService } from './helpers/service.js'
import { startReceiver } from './helpers/receiver.js'
import { freshDatabase, pgUnavailable } from './helpers/postgres.js'
import { DEMO, DEMO_IDS } from '../src/backends/embedded/seed.js'

// The outbox on PostgreSQL, where transactions run side by side (on SQLite one holds the connection at a time):
// a lane delivers in seq order and skips what is below its watermark, so a row numbered first must not become
// visible after one numbered later.

const unavailable = await pgUnavailable()
t.test('two watched writes at once: the one numbered first commits first; both delivered', async t => {
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
  // registry's). The second one, numbered after it, must not commit before it: it waits for the first.
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
  const answered = { second: false }
  const second = bob('POST', '/v1/messages', { roomId: other.body.id, text: 'second' }).finally(() => {
    answered.second = true
  })
  // Until the second one waits on the first's lock (or, wrongly, is answered while the first is still open).
  const watcher = new pg.Client({ connectionString: url })
  await watcher.connect()
  t.teardown(() => watcher.end())
  const deadline = Date.now() + 30_000
  let waiting = false
  while (!waiting && !answered.second && Date.now() < deadline) {
    const { rows } = await watcher.query(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory'"
    )
    waiting = Number(rows[0].n) > 0
    if (!waiting) await new Promise(resolve => setTimeout(resolve, 20))
  }
  t.notOk(answered.second, 'the second write is not committed while the first, numbered before it, is open')
  t.ok(waiting, 'it waits for the first')
  release()
  const [a, b] = await Promise.all([first, second])
  t.equal(a.status, 200)
  t.equal(b.status, 200)
  await rx.count(2)
  t.same(
    rx.received.map(r => r.body.data.id),
    [a.body.id, b.body.id],
    'both delivered, in the order they were committed'
  )
  // Delivered rows are deleted when the watermark is written, a turn after the delivery.
  const left = async (): Promise<number> =>
    (await svc.store.get<{ n: number }>("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'"))!.n
  const until = Date.now() + 30_000
  while ((await left()) > 0 && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 20))
  t.equal(await left(), 0, 'and nothing is left behind in the outbox')
})
