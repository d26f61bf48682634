import type { Test } from 'tap'
import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { dbFile } from '../../src/store/sqlite.js'
import { GENESIS, type AuditRow } from '../../src/governance/audit.js'
import type { GovTarget, MakeGovTarget } from './target.js'

/** A few audited actions: tags, a policy, a hold. */
async function someHistory (x: GovTarget): Promise<void> {
  const tag = (await x.carol('POST', '/v1/governance/tags', { name: 'Finance' })).body.id
  await x.carol('PUT', `/v1/governance/spaces/${x.ids.apollo}/tags/${tag}`)
  await x.carol('POST', '/v1/governance/retention/policies', { name: 'All 90', action: 'deleteMessages', days: 90 })
  await x.carol('POST', '/v1/governance/holds', { name: 'Matter', roomId: x.ids.finance })
  await x.carol('PUT', `/v1/governance/spaces/${x.ids.apollo}/retention`, { mode: 'keep' })
}

/** A record's hash by the rule the README publishes, computed here from the row alone. */
function publishedHash (row: AuditRow): string {
  return createHash('sha256')
    .update(String(row.prev_hash))
    .update(
      JSON.stringify([row.seq, row.org_id, row.at, row.actor_id, row.policy_id, row.room_id, row.action, row.detail])
    )
    .digest('hex')
}

/**
 * Writes to the service's store behind its back: on SQLite through a second connection to its file, as someone
 * with access to the disk would; on PostgreSQL (the suite run by governance-postgres-*.test.ts) through a
 * connection of the database's own, as someone with access to the database would.
 */
async function tamper (x: GovTarget, sql: string, ...params: unknown[]): Promise<void> {
  if (x.svc.store.dialect.name === 'postgres') {
    await x.svc.store.run(sql, ...params)
    return
  }
  const db = new Database(dbFile(x.svc.dataDir))
  db.prepare(sql).run(...params)
  db.close()
}

/** An audit record as stored, read the same way. */
async function stored (x: GovTarget, seq: number): Promise<AuditRow> {
  if (x.svc.store.dialect.name === 'postgres') {
    return (await x.svc.store.get<AuditRow>('SELECT * FROM audit WHERE seq = ?', seq))!
  }
  const db = new Database(dbFile(x.svc.dataDir), { readonly: true })
  const row = db.prepare('SELECT * FROM audit WHERE seq = ?').get(seq) as AuditRow
  db.close()
  return row
}

export function auditSuite (t: Test, make: MakeGovTarget): void {
  t.test('the audit is a hash chain: each record carries the SHA-256 of the one before it', async t => {
    const x = await make(t)
    await someHistory(x)
    const items = (await x.carol('GET', '/v1/governance/audit?max=100')).body.items
    t.ok(items.length >= 5)
    t.equal(items[0].prevHash, GENESIS, 'the first record starts the chain')
    for (let i = 1; i < items.length; i++) {
      t.equal(items[i].prevHash, items[i - 1].hash, `record ${items[i].id} links`)
    }
    // Anyone can check a link with the published rule: SHA-256 of prevHash and the record as stored.
    t.equal(publishedHash(await stored(x, items[2].id)), items[2].hash)
    const ok = (await x.carol('GET', '/v1/governance/audit/verify')).body
    t.same(ok, {
      verified: true,
      records: items.length,
      head: { id: items.at(-1).id, at: items.at(-1).at, hash: items.at(-1).hash },
    })
  })

  t.test('verify names the first broken link: a record edited in the database file, or one removed', async t => {
    const x = await make(t)
    await someHistory(x)
    const items = (await x.carol('GET', '/v1/governance/audit?max=100')).body.items
    const victim = items[2]
    await tamper(x, 'UPDATE audit SET detail = \'{"name":"nothing to see"}\' WHERE seq = ?', victim.id)
    const edited = (await x.carol('GET', '/v1/governance/audit/verify')).body
    t.equal(edited.verified, false)
    t.match(edited.firstBroken, { id: victim.id, action: victim.action, problem: /changed after it was written/ })
    t.same(edited.lastGood, { id: items[1].id, hash: items[1].hash })
    // A forger who also recomputes the edited record's hash only moves the break to the record after it.
    await tamper(x, 'UPDATE audit SET hash = ? WHERE seq = ?', publishedHash(await stored(x, victim.id)), victim.id)
    const rehashed = (await x.carol('GET', '/v1/governance/audit/verify')).body
    t.equal(rehashed.verified, false)
    t.match(rehashed.firstBroken, { id: items[3].id, problem: new RegExp(`does not follow record ${victim.id}`) })
  })

  t.test('a removed record breaks the link of the one after it', async t => {
    const x = await make(t)
    await someHistory(x)
    const items = (await x.carol('GET', '/v1/governance/audit?max=100')).body.items
    await tamper(x, 'DELETE FROM audit WHERE seq = ?', items[1].id)
    const v = (await x.carol('GET', '/v1/governance/audit/verify')).body
    t.equal(v.verified, false)
    t.match(v.firstBroken, { id: items[2].id, problem: new RegExp(`does not follow record ${items[0].id}`) })
    await tamper(x, 'DELETE FROM audit WHERE seq = ?', items[0].id)
    t.match(
      (await x.carol('GET', '/v1/governance/audit/verify')).body.firstBroken,
      { id: items[2].id, problem: /does not start the chain/ },
      'removing the first record breaks the start'
    )
  })
}
