import t from 'tap'
import Database from 'better-sqlite3'
import { statSync } from 'node:fs'
import { setImmediate as turn } from 'node:timers/promises'
import { MIGRATIONS } from '../src/store/migrations.js'
import { dbFile, openDatabase } from '../src/store/sqlite.js'
import { startService, tempDir } from './helpers/service.js'
import { DEMO, DEMO_IDS } from '../src/backends/embedded/seed.js'
import type { SqliteStore } from '../src/store/sqlite-store.js'

// How the outbox sits in the store: the migration that dropped its uuid column, and WAL checkpoints taken by
// the checkpoint thread when deliveries run in their own thread.

t.test('migration 7 keeps every outbox row and the seq high-water mark (watermarks never go back)', async t => {
  const dir = tempDir(t)
  const old = new Database(dbFile(dir))
  const before = MIGRATIONS.indexOf(MIGRATIONS.find(m => m.includes('CREATE TABLE deliveries_new')) as string)
  t.equal(before, 6, 'the outbox rebuild is migration 7')
  for (const m of MIGRATIONS.slice(0, before)) old.exec(m)
  old.pragma(`user_version = ${before}`)
  old.exec(
    'INSERT INTO events (resource, event, actor_id, org_id, data, created) VALUES ' +
      "('messages','created','p','o','{}','2026-01-01T00:00:00.000Z')"
  )
  const insert =
    old.prepare(`INSERT INTO deliveries (id, subscription_id, event_seq, status, next_attempt_at, created, last_error)
    VALUES (?, 's1', 1, ?, 0, '2026-01-01T00:00:00.000Z', ?)`)
  for (let i = 1; i <= 5; i++) insert.run(`uuid-${i}`, i === 2 ? 'dead' : 'pending', i === 2 ? 'gave up' : null)
  old.exec('DELETE FROM deliveries WHERE seq IN (4, 5)')
  old.close()

  const db = openDatabase({ dataDir: dir })
  t.teardown(() => db.close())
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
  t.same(
    (
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries' ORDER BY name")
        .all() as Array<{ name: string }>
    ).map(r => r.name),
    ['deliveries_dead', 'deliveries_pending']
  )
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
