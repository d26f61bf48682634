import t from 'tap'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { setImmediate as turn } from 'node:timers/promises'
import { EmbeddedBackend } from '../src/backends/embedded/index.js'
import { DEMO } from '../src/demo.js'
import { newUuid, stableUuid } from '../src/ids.js'
import { startChild } from './helpers/child.js'
import { client, tempDir } from './helpers/service.js'
import type { SqliteStore } from '../src/store/sqlite-store.js'

// Retention execute killed with SIGKILL part-way through, then run again: finished chunks stay done, the rest
// is erased, nothing twice, and the audit adds up. The store is filled directly (60,000 old messages) so the
// run is long enough to be caught in the middle.
t.test('execute killed mid-run (kill -9), then re-run: finishes the job and erases nothing twice', async t => {
  const dataDir = tempDir(t)
  const TOTAL = 60_000
  const seeded = await EmbeddedBackend.open({ dataDir, seedDemo: true })
  const apollo = stableUuid('room:apollo')
  const file = (seeded.ctx.store as SqliteStore).db
  await seeded.ctx.tx(async () => {
    const ins = file.prepare(`INSERT INTO messages (id, room_id, person_id, text, files, mentioned_people,
      mentioned_groups, created)
      VALUES (?,?,?,?,'[]','[]','[]',?)`)
    for (let i = 0; i < TOTAL; i++) {
      ins.run(newUuid(), apollo, DEMO.people.alice.id, `old ${i}`, '2020-01-01T00:00:00.000Z')
    }
  })
  await seeded.close()

  const env = { DATA_DIR: dataDir, THROTTLE_ENABLED: 'false', FLOWS_ENABLED: 'false', LOG_LEVEL: 'info' }
  const first = await startChild(env)
  t.teardown(() => {
    first.proc.kill('SIGKILL')
  })
  const carol = client(first.url, DEMO.tokens.carol)
  t.equal(
    (
      await carol('POST', '/v1/governance/retention/policies', {
        name: 'Old messages',
        action: 'deleteMessages',
        days: 30,
      })
    ).status,
    200
  )
  t.equal((await carol('POST', '/v1/governance/retention/plan', {})).body.messages, TOTAL)

  // Watch the store from here; kill the service once the first chunks are committed.
  const db = new Database(join(dataDir, 'webex.db'), { readonly: true })
  const chunks = (): number =>
    (db.prepare("SELECT count(*) AS n FROM audit WHERE action = 'retention.messagesDeleted'").get() as { n: number })
      .n
  void carol('POST', '/v1/governance/retention/execute', {}).catch(() => {
    /* cut by the kill */
  })
  while (chunks() < 3) await turn()
  first.proc.kill('SIGKILL')
  await first.exited
  const done = chunks()
  const left = (db.prepare('SELECT count(*) AS n FROM messages WHERE created < ?').get('2021-01-01') as { n: number })
    .n
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'the store is intact')
  db.close()
  t.ok(done >= 3 && left > 0, `killed mid-run: ${done} chunks of 500 done, ${left} messages left`)
  t.equal(left, TOTAL - done * 500, 'each committed chunk is exactly its audit record: nothing half-done')

  const second = await startChild(env)
  t.teardown(() => {
    second.proc.kill('SIGKILL')
  })
  const again = client(second.url, DEMO.tokens.carol)
  const rest = (await again('POST', '/v1/governance/retention/execute', {})).body
  t.equal(rest.messages, left, 'the re-run erased exactly what was left')
  t.equal((await again('POST', '/v1/governance/retention/plan', {})).body.messages, 0, 'nothing is due any more')
  const audited = (await again('GET', '/v1/governance/audit?max=1000')).body.items
    .filter((a: any) => a.action === 'retention.messagesDeleted')
    .reduce((n: number, a: any) => n + a.detail.messages, 0)
  t.equal(audited, TOTAL, 'the audit adds up to every message, once')
})
