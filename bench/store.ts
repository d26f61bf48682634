import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { openDatabase } from '../src/store/sqlite.js'
import { Store } from '../src/store/store.js'
import { SqliteStore } from '../src/store/sqlite-store.js'
import { openPostgresStore } from '../src/store/postgres.js'
import type { AsyncStore } from '../src/store/db.js'
import { DEMO_IDS } from '../src/demo.js'
import { seedDemo } from '../src/backends/embedded/seed.js'

/**
 * The asynchronous store's overhead against today's synchronous Store, side by side in one run on the same
 * kind of file: 100k single-row reads (the person lookup every request makes) and 10k grouped inserts (100
 * per event-loop turn, one group commit each, as the actions' writes). Best of three rounds, alternating.
 * PostgreSQL's figures follow when it is reachable (DATABASE_URL or this machine's), at a tenth of the counts.
 */
const READS = 100_000
const WRITES = 10_000
const PER_TURN = 100
const ROUNDS = 3
const PERSON = 'SELECT * FROM people WHERE id = ?'
const NOTE = 'INSERT INTO bench_notes (n, body) VALUES (?, ?)'
const BODY = 'x'.repeat(200)

async function fresh (): Promise<{ dir: string; db: ReturnType<typeof openDatabase> }> {
  const dir = mkdtempSync(join(tmpdir(), 'webex-store-bench-'))
  const db = openDatabase({ dataDir: dir })
  await seedDemo(new SqliteStore(db), new Date().toISOString())
  db.exec('CREATE TABLE bench_notes (n INTEGER NOT NULL, body TEXT NOT NULL)')
  return { dir, db }
}

function syncReads (s: Store): number {
  const t0 = performance.now()
  for (let i = 0; i < READS; i++) s.get(PERSON, DEMO_IDS.alice)
  return performance.now() - t0
}

async function asyncReads (s: AsyncStore, n = READS): Promise<number> {
  const t0 = performance.now()
  for (let i = 0; i < n; i++) await s.get(PERSON, DEMO_IDS.alice)
  return performance.now() - t0
}

async function syncWrites (s: Store): Promise<number> {
  const t0 = performance.now()
  for (let i = 0; i < WRITES; i += PER_TURN) {
    for (let j = i; j < i + PER_TURN; j++) s.txGrouped(() => s.run(NOTE, j, BODY))
    await new Promise<void>((resolve, reject) => s.whenCommitted(err => (err ? reject(err) : resolve())))
  }
  return performance.now() - t0
}

async function asyncWrites (s: AsyncStore, n = WRITES): Promise<number> {
  const t0 = performance.now()
  for (let i = 0; i < n; i += PER_TURN) {
    const turn: Array<Promise<number>> = []
    for (let j = i; j < i + PER_TURN; j++) turn.push(s.txGrouped(() => s.run(NOTE, j, BODY)))
    await Promise.all(turn)
    await new Promise<void>((resolve, reject) => s.whenCommitted(err => (err ? reject(err) : resolve())))
  }
  return performance.now() - t0
}

const rate = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en')}/s`

export async function benchStore (): Promise<void> {
  const best = { syncRead: Infinity, asyncRead: Infinity, syncWrite: Infinity, asyncWrite: Infinity }
  for (let round = 0; round < ROUNDS; round++) {
    const a = await fresh()
    const b = await fresh()
    const sync = new Store(a.db)
    const async = new SqliteStore(b.db)
    best.syncRead = Math.min(best.syncRead, syncReads(sync))
    best.asyncRead = Math.min(best.asyncRead, await asyncReads(async))
    best.syncWrite = Math.min(best.syncWrite, await syncWrites(sync))
    best.asyncWrite = Math.min(best.asyncWrite, await asyncWrites(async))
    sync.close()
    await async.close()
    rmSync(a.dir, { recursive: true, force: true })
    rmSync(b.dir, { recursive: true, force: true })
  }
  process.stdout.write(
    `store: the asynchronous SQLite store against the synchronous Store, best of ${ROUNDS}, same run\n` +
      `  ${READS.toLocaleString('en')} single-row reads: sync ${rate(READS, best.syncRead)}, async ` +
      `${rate(READS, best.asyncRead)} (async/sync time ${(best.asyncRead / best.syncRead).toFixed(2)}x)\n` +
      `  ${WRITES.toLocaleString('en')} grouped inserts (${PER_TURN} per turn): ` +
      `sync ${rate(WRITES, best.syncWrite)}, ` +
      `async ${rate(WRITES, best.asyncWrite)} (async/sync time ${(best.asyncWrite / best.syncWrite).toFixed(2)}x)\n`
  )
  await benchPostgres()
}

async function benchPostgres (): Promise<void> {
  const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await admin.connect()
  } catch (err) {
    process.stdout.write(`  PostgreSQL: not measured, ${url} is not reachable (${(err as Error).message})\n`)
    return
  }
  const name = `webex_store_bench_${process.pid}`
  await admin.query(`CREATE DATABASE ${name}`)
  const u = new URL(url)
  u.pathname = `/${name}`
  try {
    const s = await openPostgresStore({ url: u.toString(), poolMax: 10 })
    await s.exec("INSERT INTO orgs (id, name, domain, created) VALUES ('o', 'o', 'o.example', 'c')")
    await s.run(
      "INSERT INTO people (id, org_id, email, display_name, first_name, last_name, created) VALUES (?, 'o', 'a@o', " +
        "'A', '', '', 'c')",
      DEMO_IDS.alice
    )
    await s.exec('CREATE TABLE bench_notes (n integer NOT NULL, body text NOT NULL)')
    const reads = READS / 10
    const writes = WRITES / 10
    const pgRead = await asyncReads(s, reads)
    const pgWrite = await asyncWrites(s, writes)
    await s.close()
    process.stdout.write(
      `  PostgreSQL (loopback, pool of 10): ${reads.toLocaleString('en')} sequential reads ${rate(reads, pgRead)}; ` +
        `${writes.toLocaleString('en')} inserts, ${PER_TURN} concurrent transactions at a time, ` +
        `${rate(writes, pgWrite)}\n`
    )
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  }
}
