import pg from 'pg'
import { randomBytes } from 'node:crypto'
import type { Tap } from './service.js'

/** The PostgreSQL the tests use: DATABASE_URL, else this machine's (trust auth, database `test`). */
export const PG_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'

let reachable: Promise<string | undefined> | undefined
/** Why PostgreSQL cannot be used here (undefined when it can), asked once per test file. */
export function pgUnavailable (): Promise<string | undefined> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 })
    try {
      await client.connect()
      await client.query('SELECT 1')
      return undefined
    } catch (err) {
      return `did not run: PostgreSQL is not reachable at ${PG_URL} (${(err as Error).message || String(err)})`
    } finally {
      await client.end().catch(() => undefined)
    }
  })()
  return reachable
}

/** The URL of a database of the same server with another name. */
export function urlOf (database: string): string {
  const u = new URL(PG_URL)
  u.pathname = `/${database}`
  return u.toString()
}

async function admin<T> (fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/**
 * A new, empty database for one test (extensions and collations are per database, so tests never share them),
 * dropped when the test ends, whatever connections are still open on it. Returns its URL.
 */
export async function freshDatabase (t: Tap): Promise<string> {
  const name = `webex_test_${randomBytes(6).toString('hex')}`
  await admin(c => c.query(`CREATE DATABASE ${name}`))
  t.teardown(() => admin(c => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)))
  return urlOf(name)
}

/** Ends every other connection to the database at `url` (a lost connection, as the server sees it). */
export async function terminateConnections (url: string, pids?: number[]): Promise<number> {
  const database = new URL(url).pathname.slice(1)
  return admin(async c => {
    const { rowCount } = await c.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()
        AND ($2::int[] IS NULL OR pid = ANY($2::int[]))`,
      [database, pids ?? null]
    )
    return rowCount ?? 0
  })
}
