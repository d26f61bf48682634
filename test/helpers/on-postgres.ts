import t from 'tap'
import { pgUnavailable } from './postgres.js'

/**
 * Runs a suite written for SQLite on PostgreSQL: every service its tests start (startService) gets a fresh
 * database of its own (TEST_STORE=postgres), as the action contract runs in contract-postgres.ts. Says plainly
 * when PostgreSQL is not reachable.
 */
export async function onPostgres (name: string, load: () => Promise<unknown>): Promise<void> {
  const unavailable = await pgUnavailable()
  if (unavailable) {
    t.comment(`${name} on PostgreSQL ${unavailable}`)
    t.pass(`${name} on PostgreSQL ${unavailable}`)
    return
  }
  process.env.TEST_STORE = 'postgres'
  await load()
}
