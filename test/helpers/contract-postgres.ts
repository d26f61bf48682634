import t, { type Test } from 'tap'
import { startService } from './service.js'
import { freshDatabase, pgUnavailable } from './postgres.js'
import { targetAt, type MakeTarget } from '../contract/target.js'

// The action contract against the embedded backend on PostgreSQL (STORE=postgres), each test on a database of
// its own, over real HTTP: the suite actions.test.ts runs on SQLite. Split over two files, each within tap's
// per-file timeout.
const LOCAL = { throttle: { enabled: false }, delivery: { allowPrivateTargets: true } }
const onPostgres: MakeTarget = async t =>
  targetAt((await startService(t, { ...LOCAL, store: 'postgres', databaseUrl: await freshDatabase(t) })).url)

export async function contractOnPostgres (
  parts: Array<[string, (t: Test, make: MakeTarget) => void]>
): Promise<void> {
  const unavailable = await pgUnavailable()
  if (unavailable) {
    t.comment(`The action contract on PostgreSQL ${unavailable}`)
    t.pass(`the action contract on PostgreSQL ${unavailable}`)
    return
  }
  t.test('embedded backend on PostgreSQL', async t => {
    for (const [name, suite] of parts) t.test(name, async t => suite(t, onPostgres))
  })
}
