import t from 'tap'
import { tempDir } from './helpers/service.js'
import { freshDatabase, pgUnavailable } from './helpers/postgres.js'
import { durabilityCases } from './durability/cases.js'

// The durability cases (test/durability/cases.ts) on PostgreSQL: each case on a database of its own, the
// service killed with SIGKILL while the database stays up (its open transactions end with the connection).
const unavailable = await pgUnavailable()
if (unavailable) {
  t.comment(`The durability cases on PostgreSQL ${unavailable}`)
  t.pass(`the durability cases on PostgreSQL ${unavailable}`)
} else {
  durabilityCases(t, {
    env: async t => ({ STORE: 'postgres', DATABASE_URL: await freshDatabase(t), DATA_DIR: tempDir(t) }),
  })
}
