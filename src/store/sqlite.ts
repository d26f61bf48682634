import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { MIGRATIONS } from './migrations.js'

export type Db = Database.Database

export interface OpenOptions {
  /** Directory holding `webex.db`; `:memory:` for a throwaway store. */
  dataDir: string
  /** SQLite `synchronous`: NORMAL survives a killed process (WAL), FULL also survives power loss. */
  synchronous?: 'NORMAL' | 'FULL'
}

/** The store's file in its data directory. */
export const dbFile = (dataDir: string): string => join(dataDir, 'webex.db')

/** Opens (creating if needed) the store and brings its schema up to date. */
export function openDatabase (opts: OpenOptions): Db {
  let file = ':memory:'
  if (opts.dataDir !== ':memory:') {
    mkdirSync(opts.dataDir, { recursive: true })
    file = dbFile(opts.dataDir)
  }
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`)
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  // Checkpoint less often: hot pages (a space's tail, the outbox) are copied once per checkpoint instead of
  // once per 1000 pages, and the fsync a checkpoint does is paid 16 times less often.
  db.pragma('wal_autocheckpoint = 16384')
  db.pragma('journal_size_limit = 67108864')
  migrate(db)
  return db
}

function migrate (db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > MIGRATIONS.length) {
    throw new Error(
      `The store was written by a newer release (schema ${current}, this release knows ${MIGRATIONS.length}).`
    )
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v])
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
}
