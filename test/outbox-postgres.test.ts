import t from 'tap'
import pg from 'pg'
import { client, startService } from './helpers/service.js'
import { startReceiver } from './helpers/receiver.js'
import { freshDatabase, pgUnavailable } from './helpers/postgres.js'
import { migratePostgres, PG_MIGRATIONS } from '../src/store/pg-migrations.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import {
  CARRIED_DEAD,
  CARRIED_SUBSCRIPTIONS,
  carriedSubscriptionsSql,
  OLD_DELIVERIES,
  OLD_DELIVERY_COLUMNS,
  OLD_OUTBOX_SEED,
} from './helpers/old-outbox.js'

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

t.test('the outbox of one row per event takes over what was queued, retried and dead, seqs going on', async t => {
  if (unavailable) {
    t.pass(`the outbox's migration on PostgreSQL ${unavailable}`)
    return
  }
  // As SQLite's carry-over (test/outbox-store.test.ts): the schema just before the one-row outbox, with the
  // per-target outbox (`deliveries`) holding a delivered row not purged yet, a dead one, a retried one and one
  // with its own view of the data; then the remaining migrations, as a new release starting on it would run them.
  const at = PG_MIGRATIONS.findIndex(m => m.includes('CREATE TABLE outbox ('))
  t.ok(at > 0, 'the one-row outbox is a migration of its own')
  const pool = new pg.Pool({ connectionString: await freshDatabase(t), max: 2 })
  // An idle client the server ends (the database dropped WITH (FORCE) at teardown) is an 'error' of the pool:
  // one while the test runs fails it below, one after it is only the teardown's.
  const lost: Error[] = []
  let ended = false
  pool.on('error', err => {
    if (!ended) lost.push(err)
  })
  t.teardown(async () => {
    ended = true
    await pool.end()
  })
  await pool.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied text NOT NULL)')
  for (const [v, m] of PG_MIGRATIONS.slice(0, at).entries()) {
    await pool.query(m)
    await pool.query('INSERT INTO schema_migrations (version, applied) VALUES ($1, $2)', [v + 1, 'before'])
  }
  await pool.query(OLD_OUTBOX_SEED)
  const placeholders = OLD_DELIVERY_COLUMNS.split(',').map((_, i) => `$${i + 1}`)
  for (const row of OLD_DELIVERIES) {
    await pool.query(`INSERT INTO deliveries (${OLD_DELIVERY_COLUMNS}) VALUES (${placeholders})`, row)
  }

  await migratePostgres(pool)
  const rows = async (sql: string): Promise<unknown[]> => (await pool.query(sql)).rows
  const outbox = (await pool.query<{ seq: number; tx: string; event_seq: number; targets: string; views: string }>(
    'SELECT seq::int, tx::text, event_seq::int, targets, views FROM outbox ORDER BY seq'
  )).rows
  t.same(outbox.map(({ tx: _tx, ...r }) => r), [
    { seq: 3, event_seq: 2, targets: ',s1,', views: null },
    { seq: 4, event_seq: 2, targets: ',s2,', views: '{"s2" : {"n":"mine"}}' },
  ], 'what was still to be delivered, each for its subscription, the view kept')
  t.equal(new Set(outbox.map(r => r.tx)).size, 1, 'both carried over in one transaction, the migration, in seq order')
  t.same(
    await rows(carriedSubscriptionsSql(c => `${c}::int AS ${c}`)),
    CARRIED_SUBSCRIPTIONS,
    "the head's retry state is on its subscription"
  )
  t.same(
    await rows(
      'SELECT seq::int, subscription_id, attempts::int, last_status::int, last_error, finished FROM dead_letters'
    ),
    CARRIED_DEAD
  )
  t.same(await rows("SELECT 1 FROM pg_tables WHERE tablename = 'deliveries'"), [], 'the old outbox is gone')
  const next = await pool.query<{ seq: number; later: boolean }>(
    `INSERT INTO outbox (event_seq, targets) VALUES (1, ',s1,')
      RETURNING seq::int, tx > ${outbox[0].tx} AS later`
  )
  t.same(next.rows[0], { seq: 5, later: true }, "outbox seqs go on from the old outbox's, after the carried rows")
  const dead = await pool.query<{ seq: number }>(
    `INSERT INTO dead_letters (subscription_id, event_seq, created, finished)
    VALUES ('s1', 1, 'c', 'f') RETURNING seq::int`
  )
  t.equal(dead.rows[0].seq, 5, 'dead letter ids (from their seq) never repeat one shown before')
  t.same(lost.map(e => e.message), [], 'no connection of the test was lost while it ran')
})
