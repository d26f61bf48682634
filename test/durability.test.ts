import t from 'tap'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { tempDir } from './helpers/service.js'
import { durabilityCases } from './durability/cases.js'

// The durability cases (test/durability/cases.ts) on SQLite: one file in DATA_DIR, checked whole after the kill.
durabilityCases(t, {
  env: async t => ({ DATA_DIR: tempDir(t) }),
  intact: async (t, env) => {
    const db = new Database(join(env.DATA_DIR, 'webex.db'))
    t.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'the store is intact')
    db.close()
  },
})
