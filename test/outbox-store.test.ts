import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { statSync } from 'node:fs'
import { setImmediate as turn } from 'node:timers/promises'
import { MIGRATIONS } from '../src/store/migrations.js'
import { dbFile, openDatabase } from '../src/store/sqlite.js'
import { startService, tempDir } from './helpers/service.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import {
  CARRIED_DEAD,
  CARRIED_SUBSCRIPTIONS,
  carriedSubscriptionsSql,
  OLD_DELIVERIES,
  OLD_DELIVERY_COLUMNS,
  OLD_OUTBOX_SEED,
} from './helpers/old-outbox.js'
import { SqliteStore } from '../src/store/sqlite-store.js'
import type { AsyncStore } from '../src/store/db.js'
import { Outbox } from '../src/triggers/outbox.js'

// How the outbox sits in the store: the migration that dropped its uuid column, the one that made it one row per
// event, how its statements find rows, and WAL checkpoints taken by the checkpoint thread when deliveries run in
// their own thread.

/** The index of the migration whose SQL includes `marker`, checked against where it must stay. */
function migrationIndex (t: Test, marker: string, expected: number, label: string): number {
  const i = MIGRATIONS.findIndex(m => m.includes(marker))
  t.equal(i, expected, label)
  return i
}

t.test('migration 7 keeps every outbox row and the seq high-water mark (watermarks never go back)', async t => {
  const dir = tempDir(t)
  const db = new Database(dbFile(dir))
  t.teardown(() => db.close())
  const before = migrationIndex(t, 'CREATE TABLE deliveries_new', 6, 'the outbox rebuild is migration 7')
  for (const m of MIGRATIONS.slice(0, before)) db.exec(m)
  db.exec(
    'INSERT INTO events (resource, event, actor_id, org_id, data, created) VALUES ' +
      "('messages','created','p','o','{}','2026-01-01T00:00:00.000Z')"
  )
  const insert =
    db.prepare(`INSERT INTO deliveries (id, subscription_id, event_seq, status, next_attempt_at, created, last_error)
    VALUES (?, 's1', 1, ?, 0, '2026-01-01T00:00:00.000Z', ?)`)
  for (let i = 1; i <= 5; i++) insert.run(`uuid-${i}`, i === 2 ? 'dead' : 'pending', i === 2 ? 'gave up' : null)
  db.exec('DELETE FROM deliveries WHERE seq IN (4, 5)')
  db.exec(MIGRATIONS[before])
  t.same(db.prepare('SELECT seq, status, last_error FROM deliveries ORDER BY seq').all(), [
    { seq: 1, status: 'pending', last_error: null },
    { seq: 2, status: 'dead', last_error: 'gave up' },
    { seq: 3, status: 'pending', last_error: null },
  ])
  t.notOk(
    (db.prepare('PRAGMA table_info(deliveries)').all() as Array<{ name: string }>).some(c => c.name === 'id'),
    'no uuid column'
  )
  const next = db
    .prepare(
      `INSERT INTO deliveries (subscription_id, event_seq, status, next_attempt_at, created)
    VALUES ('s1', 1, 'pending', 0, '2026-01-01T00:00:00.000Z')`
    )
    .run()
  t.equal(Number(next.lastInsertRowid), 6, 'the next seq follows the highest ever used (5), not the highest left (3)')
})

t.test('the outbox of one row per event takes over what was queued, retried and dead, seqs going on', async t => {
  const dir = tempDir(t)
  const old = new Database(dbFile(dir))
  const at = migrationIndex(t, 'CREATE TABLE outbox', 12, 'the one-row outbox is the 13th migration')
  for (const m of MIGRATIONS.slice(0, at)) old.exec(m)
  old.pragma(`user_version = ${at}`)
  old.exec(OLD_OUTBOX_SEED)
  const insert = old.prepare(
    `INSERT INTO deliveries (${OLD_DELIVERY_COLUMNS}) VALUES (${OLD_DELIVERY_COLUMNS.split(',').map(() => '?')})`
  )
  for (const row of OLD_DELIVERIES) insert.run(...row)
  old.close()

  const db = openDatabase({ dataDir: dir })
  t.teardown(() => db.close())
  t.same(db.prepare('SELECT seq, tx, event_seq, targets, views FROM outbox ORDER BY seq').all(), [
    { seq: 3, tx: 0, event_seq: 2, targets: ',s1,', views: null },
    { seq: 4, tx: 0, event_seq: 2, targets: ',s2,', views: '{"s2":{"n":"mine"}}' },
  ], 'what was still to be delivered, each for its subscription, the view kept')
  t.same(
    db.prepare(carriedSubscriptionsSql()).all(),
    CARRIED_SUBSCRIPTIONS,
    "the head's retry state is on its subscription"
  )
  t.same(
    db.prepare('SELECT seq, subscription_id, attempts, last_status, last_error, finished FROM dead_letters').all(),
    CARRIED_DEAD
  )
  t.notOk(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'deliveries'").get(), 'the old outbox is gone')
  const next = db.prepare("INSERT INTO outbox (event_seq, targets) VALUES (1, ',s1,')").run()
  t.equal(Number(next.lastInsertRowid), 5, "outbox seqs go on from the old outbox's: watermarks never go back")
  const dead = db.prepare(`INSERT INTO dead_letters (subscription_id, event_seq, created, finished)
    VALUES ('s1', 1, 'c', 'f')`).run()
  t.equal(Number(dead.lastInsertRowid), 5, 'dead letter ids (from their seq) never repeat one shown before')
})

t.test('on SQLite every outbox statement seeks the rowid, and no index but it is written per event', async t => {
  const store = new SqliteStore(openDatabase({ dataDir: ':memory:' }))
  t.teardown(() => store.close())
  t.same(
    store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'").all(),
    [],
    'the outbox has no index of its own (tx is always 0 on SQLite)'
  )
  // The statements as Outbox issues them, with the plan SQLite picks for each.
  const plans = new Map<string, string[]>()
  const plan = (sql: string, params: unknown[]): void => {
    if (!/\boutbox\b/.test(sql)) return
    const rows = store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>
    plans.set(sql.replace(/\s+/g, ' ').trim(), rows.map(r => r.detail))
  }
  const recording = new Proxy(store, {
    get (target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown
      if (typeof v !== 'function') return v
      return (...args: unknown[]) => {
        if (['get', 'all', 'values', 'run'].includes(String(key))) plan(args[0] as string, args.slice(1))
        return (v as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  }) as AsyncStore
  const outbox = new Outbox(recording, 10)
  await store.run(
    'INSERT INTO events (resource, event, actor_id, org_id, data, created) ' +
      "VALUES ('messages', 'created', 'p', 'o', '{}', 'c')"
  )
  await outbox.append(1, ['s1', 's2'], undefined)
  await outbox.append(1, ['s2'], { s2: { n: 1 } })
  t.equal((await outbox.window([0, 0], 1000)).length, 2)
  t.equal((await outbox.lane('s2', [0, 0], 100)).length, 2)
  t.same(await outbox.head('s1', [0, 1]), undefined)
  await outbox.purge(undefined)
  const reads = [...plans].filter(([sql]) => !sql.startsWith('INSERT'))
  t.equal(reads.length, 5, 'the window, a lane, its head, the purge and its delete')
  for (const [sql, steps] of reads) {
    t.match(steps[0], /^SEARCH (o|outbox) USING INTEGER PRIMARY KEY \(rowid>\?( AND rowid<\?)?\)$/, sql)
    t.notOk(steps.some(s => s.includes('TEMP B-TREE')), `${sql}: no sort`)
  }
})

t.test(
  'with deliveries in their thread, WAL checkpoints come from the checkpoint thread, not the API connection',
  async t => {
    const svc = await startService(t, { throttle: { enabled: false }, delivery: { thread: true } })
    const ctx = { db: (svc.store.store as SqliteStore).db }
    t.equal(ctx.db.pragma('wal_autocheckpoint', { simple: true }), 0, 'the API connection never checkpoints')
    // In WAL mode only a checkpoint writes the database file itself.
    const file = dbFile(svc.dataDir)
    const before = statSync(file).mtimeMs
    const post = (text: string) =>
      svc.app.inject({
        method: 'POST',
        url: '/v1/messages',
        headers: { authorization: `Bearer ${DEMO.tokens.alice}` },
        payload: { roomId: DEMO_IDS.apollo, text },
      })
    for (let i = 0; i < 20; i++) t.equal((await post(`c${i}`)).statusCode, 200)
    while (statSync(file).mtimeMs === before) await turn()
    t.pass('the database file was written by a checkpoint')
  }
)
