import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import pg from 'pg'
import { tempDir } from './helpers/service.js'
import { freshDatabase, pgUnavailable } from './helpers/postgres.js'
import { dbFile } from '../src/store/sqlite.js'
import { openSqliteStore } from '../src/store/sqlite-store.js'
import { openPostgresStore } from '../src/store/postgres.js'
import { MIGRATIONS } from '../src/store/migrations.js'
import { PG_MIGRATIONS } from '../src/store/pg-migrations.js'
import type { AsyncStore } from '../src/store/db.js'
import { RunHistory } from '../src/flows/history.js'

// A run's trigger body has a table of its own (written once with the queued run; the run's row is rewritten as it
// is claimed and ends). A store from before keeps every run's body through the upgrade, on both stores.

const envelope = { id: 'hook', resource: 'messages', event: 'created', data: { id: 'm1', text: 'before' } }

/** The run written before the upgrade, as that schema had it: its body in the run's row. */
const OLD_RUN = `INSERT INTO flow_runs (id, flow_id, status, source, trigger_name, trigger_body, trigger_outputs,
  created, created_ms, finished, finished_ms) VALUES ('old-run', 'f', 'Succeeded', 'event', 'When_a_message_is_created',
  '${JSON.stringify(envelope)}', '{"headers":{"content-type":"application/json"}}', '2026-01-01T00:00:00.000Z',
  1767225600000, '2026-01-01T00:00:01.000Z', 1767225601000)`

async function afterUpgrade (t: Test, store: AsyncStore): Promise<void> {
  const history = new RunHistory(store)
  const old = await history.get('f', 'old-run')
  t.same(old?.triggerBody, envelope, "the old run's body, read from its new place")
  t.equal(old?.status, 'Succeeded')
  t.same((await history.list('f', { max: 10 })).items.map(r => r.triggerBody), [envelope], 'listed with it')
  const seq = await store.tx(() => history.enqueue('f', 'manual', 'manual', '{"n":1}'))
  t.same((await history.bySeq(seq))?.triggerBody, { n: 1 }, 'a new run written and read')
  const claimed = await history.start(seq)
  t.ok(claimed && claimed !== 'waiting' && claimed.trigger_body === '{"n":1}', 'a claimed run comes with its body')
  await history.finish(seq, { status: 'Succeeded' })
  t.same((await history.bySeq(seq))?.triggerBody, { n: 1 }, 'kept when the run ends')
  t.same(
    (await history.select('f', { status: 'Succeeded', max: 10 })).map(r => JSON.parse(r.trigger_body) as unknown),
    [envelope, { n: 1 }],
    'a bulk resubmit reads both bodies'
  )
}

const previous = MIGRATIONS.findIndex(m => m.includes('CREATE TABLE flow_run_triggers'))
const pgPrevious = PG_MIGRATIONS.findIndex(m => m.includes('CREATE TABLE flow_run_triggers'))

t.test("an older SQLite store's runs keep their trigger bodies when it is upgraded", async t => {
  t.ok(previous > 0)
  const dataDir = tempDir(t, 'webex-trigger-bodies-')
  const old = new Database(dbFile(dataDir))
  for (const m of MIGRATIONS.slice(0, previous)) old.exec(m)
  old.pragma(`user_version = ${previous}`)
  old.exec(OLD_RUN)
  old.close()
  const store = openSqliteStore({ dataDir })
  t.teardown(() => store.close())
  t.notOk(
    (await store.all<{ name: string }>('SELECT name FROM pragma_table_info(?)', 'flow_runs'))
      .some(c => c.name === 'trigger_body'),
    'the run rows have no copy of it'
  )
  await afterUpgrade(t, store)
})

const skip = await pgUnavailable()
t.test("an older PostgreSQL store's runs keep their trigger bodies when it is upgraded", { skip }, async t => {
  t.ok(pgPrevious > 0)
  const url = await freshDatabase(t)
  const db = new pg.Client({ connectionString: url })
  await db.connect()
  await db.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied text NOT NULL)')
  for (const [v, m] of PG_MIGRATIONS.slice(0, pgPrevious).entries()) {
    await db.query(m)
    await db.query('INSERT INTO schema_migrations (version, applied) VALUES ($1, $2)', [v + 1, 'before'])
  }
  await db.query(OLD_RUN)
  await db.end()
  const store = await openPostgresStore({ url, poolMax: 2 })
  t.teardown(() => store.close())
  t.notOk(
    (await store.all<{ name: string }>(
      "SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'flow_runs'"
    )).some(c => c.name === 'trigger_body'),
    'the run rows have no copy of it'
  )
  await afterUpgrade(t, store)
})
